"""
One logged-in user, as the chat's rules see them: a name, the client to talk
to, and where they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted_chat.core import names
from twisted_chat.core.quotas import Identity, identities
from twisted_chat.interfaces import IClient

if TYPE_CHECKING:
    from twisted_chat.core.rooms import Room


class User:
    """
    One logged-in user: a name, a client to talk to, and where they are.

    What the user did lately (the targeted limits) is counted by the chat's
    :class:`~twisted_chat.core.quotas.Quotas`, under each of :attr:`who`, so that
    it outlives the connection.
    """

    __slots__ = ("account", "address", "client", "connected_at", "connection", "key",
                 "last_active", "name", "room")

    def __init__(self, name: str, client: IClient, connected_at: float,
                 account: str | None = None, address: str | None = None) -> None:
        self.name = name
        self.key = names.key(name)
        #: The registered name this user proved with its password, if any.
        self.account = account
        #: The address the limits count the user under (None: exempt, or a local socket).
        self.address = address
        self.client = client
        self.connected_at = connected_at
        self.last_active = connected_at
        self.room: Room | None = None
        self.connection = identities(self.key, None, None)[0][1]

    @property
    def who(self) -> tuple[Identity, ...]:
        """The identities the limits count this user under, now."""
        return identities(self.key, self.account, self.address, self.connection)
