"""
Who outranks whom in the room the window shows, for the members list's markers.

The server tells a room's ranks on entering it and on each look (the room's
owner, its operators, the members who are server operators), then each
change as it happens: ``owner``, and ``moderation`` ``op`` and ``deop``.
:class:`Ranks` keeps them between times.  Someone coming in is announced
without a rank, so a room operator who leaves is unmarked, and remembered:
should they come back, the window looks (the server keeps a room's
operators while they are away, but the person under that name may not be
the same), and never marks more than the server said.  Server operators are
the server's, not the room's: once told, one is known in every room, so one
who comes in is marked without a look.
"""

from __future__ import annotations

from collections.abc import Iterable

from twisted_chat.core.events import RoomInfo
from twisted_chat.i18n import N_

#: The ranks, as the members list words them (the text format's words for ``look``,
#: so the server's msgids: the window translates them as it shows them).
SERVER_OPERATOR = N_("server operator")
OWNER = N_("owner")
OPERATOR = N_("operator")


def _key(name: str) -> str:
    return name.casefold()


class Ranks:
    """The owner, operators and server operators of the room the window is in."""

    def __init__(self) -> None:
        self.room: str | None = None
        self.owner: str | None = None
        self._operators: set[str] = set()
        self._server_operators: set[str] = set()
        #: Operators of this room who left it: one who comes back may be one still.
        self._away: set[str] = set()

    def entered(self, room: RoomInfo) -> None:
        """A room's ranks, as the server listed them (on entering it, or a look)."""
        if self.room is None or _key(self.room) != _key(room.room):
            self._away = set()
        self.room, self.owner = room.room, room.owner
        self._operators = {_key(name) for name in room.operators}
        self._away -= {_key(name) for name in room.members}
        # Members it does not list as server operators are not (any more); those
        # elsewhere on the server stay as they were last told.
        self._server_operators -= {_key(name) for name in room.members}
        self._server_operators |= {_key(name) for name in room.server_operators}

    def opped(self, name: str, on: bool) -> None:
        """``name`` was made a room operator (``on``), or no longer is one."""
        if on:
            self._operators.add(_key(name))
        else:
            self._operators.discard(_key(name))
            self._away.discard(_key(name))

    def left(self, name: str) -> None:
        """``name`` left the room: unmarked, and remembered if an operator of it."""
        if _key(name) in self._operators:
            self._operators.discard(_key(name))
            self._away.add(_key(name))

    def arrived(self, name: str, role: str | None) -> None:
        """``name`` came in holding ``role`` (the server says so on each arrival)."""
        if role == OPERATOR:
            self._operators.add(_key(name))
            self._away.discard(_key(name))
        elif role == SERVER_OPERATOR:
            self._server_operators.add(_key(name))

    def may_be_back(self, name: str) -> bool:
        """Whether ``name``, coming in, may be one of this room's operators: worth a look."""
        return _key(name) in self._away

    def renamed(self, old: str, new: str) -> None:
        """The same person, under a new name: their ranks go with them."""
        for names in (self._operators, self._server_operators):
            if _key(old) in names:
                names.discard(_key(old))
                names.add(_key(new))
        if self.owner is not None and _key(self.owner) == _key(old):
            self.owner = new

    def of(self, name: str) -> str | None:
        """``name``'s highest rank here (server operators outrank all), or None."""
        if _key(name) in self._server_operators:
            return SERVER_OPERATOR
        if self.owner is not None and _key(name) == _key(self.owner):
            return OWNER
        if _key(name) in self._operators:
            return OPERATOR
        return None

    def marks(self, names: Iterable[str]) -> dict[str, str]:
        """The rank of each of ``names`` that holds one."""
        return {name: rank for name in names if (rank := self.of(name)) is not None}
