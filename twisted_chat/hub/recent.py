"""
A room's last lines, kept in memory as they are stored, so that entering
the room (every login enters the main room) replays them without a read of
the database: a read per login was a third of a login's cost.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from twisted_chat.core import events

#: The place of the lines read from the store: before anything said since.
_EARLIER = -1


class Recent:
    """
    The last ``size`` stored lines of a room, each with its place in the
    order the room's lines were said, so that a newcomer's replay holds
    exactly the lines said before they came, however late those were stored.
    """

    __slots__ = ("_lines",)

    def __init__(self, size: int, stored: Iterable[events.Line] = ()) -> None:
        """``stored``: the room's last lines as read from the store, oldest first."""
        self._lines: deque[tuple[int, events.Line]] = deque(
            ((_EARLIER, line) for line in stored), maxlen=size)

    def add(self, said: int, line: events.Line) -> None:
        """A line now stored, ``said`` being its place among the room's lines."""
        self._lines.append((said, line))

    def before(self, said: int) -> tuple[events.Line, ...]:
        """The lines kept that were said before the ``said``-th line, oldest first."""
        return tuple(line for place, line in self._lines if place < said)
