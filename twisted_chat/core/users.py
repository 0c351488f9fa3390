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

    __slots__ = ("account", "address", "client", "connected_at", "connection", "ignoring", "key",
                 "last_active", "name", "node", "origin", "room", "since")

    def __init__(self, name: str, client: IClient, connected_at: float,
                 account: str | None = None, address: str | None = None,
                 origin: str | None = None) -> None:
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
        #: When they came into the room they are in (newcomers may have to wait to speak).
        self.since = connected_at
        self.connection = identities(self.key, None, None)[0][1]
        #: The address a ban by address covers, exempt from the limits or not
        #: (an IPv4 address or an IPv6 /64; None for a local socket).
        self.origin = origin
        #: Whom this user ignores: their marks, each with the name it was given
        #: as (None for nobody, the usual case: no dict for each user).
        self.ignoring: dict[Identity, str] | None = None
        #: The node they are connected to, if not this one (a cluster's mirror
        #: of them: this node never delivers to them itself).
        self.node: str | None = None

    @property
    def marks(self) -> tuple[Identity, ...]:
        """What a ban, a mute or an ignore can hold against: every identity, the origin too."""
        found: list[Identity] = [("connection", self.connection), ("name", self.key)]
        if self.account is not None:
            found.append(("account", self.account))
        if self.origin is not None:
            found.append(("address", self.origin))
        return tuple(found)

    @property
    def role_mark(self) -> Identity:
        """What a room role is given to: the account, lasting, or else this connection."""
        return ("account", self.account) if self.account else ("connection", self.connection)

    def ignores_name(self, sender: str) -> bool:
        """Whether this user chose not to see lines said under the name ``sender`` (history)."""
        ignoring = self.ignoring
        if ignoring is None:
            return False
        key = names.key(sender)
        return ("name", key) in ignoring or ("account", key) in ignoring

    def ignores(self, sender: User) -> bool:
        """Whether this user chose not to see ``sender``."""
        ignoring = self.ignoring
        return ignoring is not None and any(mark in ignoring for mark in sender.marks
                                      if mark[0] != "address")

    @property
    def who(self) -> tuple[Identity, ...]:
        """The identities the limits count this user under, now."""
        return identities(self.key, self.account, self.address, self.connection)
