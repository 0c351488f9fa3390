"""A room and its members, as the chat's rules see it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted_chat.core import names

if TYPE_CHECKING:
    from twisted_chat.core.users import User


class Room:
    """
    A room and its members, in order of arrival.

    ``permanent`` rooms (the main room) never vanish and have no owner; any
    other room goes when its last member leaves.  The owner may change; who
    made it does not, and the room counts against them while it exists, and
    against its keeper's registered name while it lasts.
    """

    # __weakref__: the hub keeps what it knows of a room for as long as the room exists.
    __slots__ = ("__weakref__", "_audience", "arrived", "departed", "keeper", "key", "made_by",
                 "members", "name", "owner", "permanent", "topic")

    def __init__(self, name: str, *, topic: str = "", owner: User | None = None,
                 permanent: bool = False, keeper: str | None = None) -> None:
        self.name = name
        self.key = names.key(name)
        self.topic = topic
        self.owner = owner
        #: Who made it, as the limits count them: it counts against each while it exists.
        self.made_by = frozenset(owner.who if owner is not None else ())
        self.permanent = permanent
        #: The account that registered the room: it lasts, and they own it when present.
        self.keeper = keeper
        self.members: dict[User, None] = {}
        self._audience: list[User] | None = None
        #: In a crowded room, who came and went since the last summary.
        self.arrived: list[str] = []
        self.departed: list[str] = []

    def audience(self) -> list[User]:
        """
        The members now, as a list that stays the same object until someone
        comes or goes: lines said between two arrivals share it, and so are
        delivered together (:func:`twisted_chat.hub.fanout.broadcast_runs`).
        """
        if self._audience is None:
            self._audience = list(self.members)
        return self._audience

    def add(self, user: User) -> None:
        self.members[user] = None
        self._audience = None

    def remove(self, user: User) -> None:
        del self.members[user]
        self._audience = None

    @property
    def lasting(self) -> bool:
        return self.permanent or self.keeper is not None
