"""A room and its members, as the chat's rules see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from twisted_chat.core import names

if TYPE_CHECKING:
    from twisted_chat.core.quotas import Identity
    from twisted_chat.core.users import User


@dataclass(slots=True)
class Rules:
    """
    How a room keeps order, once one of its operators set something: who
    may come in (``invite_only``, ``key``, ``limit``), and how often members
    may speak (``slow`` seconds between lines, ``quiet`` seconds after
    coming in).  0, None or False: off.
    """

    invite_only: bool = False
    key: str | None = None
    limit: int = 0
    slow: float = 0.0
    quiet: float = 0.0
    #: When each member last spoke, while slow mode is on.
    spoke: dict[User, float] = field(default_factory=dict)

    @property
    def off(self) -> bool:
        return not (self.invite_only or self.key or self.limit or self.slow or self.quiet)


@dataclass(frozen=True, slots=True)
class RoomOrder:
    """
    How a room keeps order, as one node tells the others: its operators' and
    invited marks, and its settings (invite_only, key, limit, slow, quiet), or None.
    """

    operators: frozenset[Identity]
    invited: frozenset[Identity]
    rules: tuple[bool, str | None, int, float, float] | None


class Room:
    """
    A room and its members, in order of arrival.

    ``permanent`` rooms (the main room) never vanish and have no owner; any
    other room goes when its last member leaves.  The owner may change; who
    made it does not, and the room counts against them while it exists, and
    against its keeper's registered name while it lasts.
    """

    # __weakref__: the hub keeps what it knows of a room for as long as the room exists.
    __slots__ = ("__weakref__", "_audience", "_hearers", "arrived", "departed", "ignorers",
                 "invited", "keeper", "key", "made_by", "members", "name", "operators", "owner",
                 "permanent", "rules", "topic")

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
        #: Each sender's hearers while someone here ignores someone: see hearers().
        self._hearers: dict[User, list[User]] = {}
        #: In a crowded room, who came and went since the last summary.
        self.arrived: list[str] = []
        self.departed: list[str] = []
        #: Who the owner made operators: a registered name by its account (it
        #: lasts, in a registered room), anyone else by their connection.
        self.operators: set[Identity] = set()
        #: Its settings, once any was set (None: every one off, nothing to check).
        self.rules: Rules | None = None
        #: Who was invited: a registered name lasts, anyone else's pass is used once.
        self.invited: set[Identity] = set()
        #: How many members ignore someone: none, and a line goes to the whole room.
        self.ignorers = 0

    def audience(self) -> list[User]:
        """
        The members this node delivers to (those connected here: in a
        cluster, each node delivers to its own), as a list that stays the same object until someone
        comes or goes: lines said between two arrivals share it, and so are
        delivered together (:func:`twisted_chat.hub.fanout.broadcast_runs`).
        """
        if self._audience is None:
            self._audience = [member for member in self.members if member.node is None]
        return self._audience

    def add(self, user: User) -> None:
        self.members[user] = None
        self._audience = None
        self.reheard()
        if user.ignoring:
            self.ignorers += 1

    def remove(self, user: User) -> None:
        del self.members[user]
        self._audience = None
        self.reheard()
        if user.ignoring:
            self.ignorers -= 1
        if self.rules is not None:
            self.rules.spoke.pop(user, None)

    def hearers(self, sender: User) -> list[User]:
        """
        Who hears ``sender``: the members, less those who ignore them.  While
        nobody ignores the sender this is :meth:`audience` itself; otherwise a
        list of the sender's own, kept until someone comes, goes, renames or
        changes whom they ignore.  Either way it stays the same object line
        after line, so a burst of lines still goes out framed once per format
        and written once per member (:func:`twisted_chat.hub.fanout.broadcast_runs`).
        """
        if not self.ignorers:
            return self.audience()
        heard = self._hearers.get(sender)
        if heard is None:
            audience = self.audience()
            heard = [member for member in audience if not member.ignores(sender)]
            if len(heard) == len(audience):
                heard = audience
            self._hearers[sender] = heard
        return heard

    def reheard(self) -> None:
        """Whom each member's lines reach may have changed: work it out again when next said."""
        if self._hearers:
            self._hearers = {}

    @property
    def lasting(self) -> bool:
        return self.permanent or self.keeper is not None
