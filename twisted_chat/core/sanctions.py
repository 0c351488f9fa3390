"""
Bans and mutes in force, found by any mark of the user they hold against.

A sanction holds against *marks*, the identities the limits already count
(:mod:`twisted_chat.core.quotas`): a ban by name marks the name, its
account if it is registered, and the connection that held it, so renaming
does not escape it and reconnecting under the account does not either; a
ban by address marks the address (an IPv4 address or an IPv6 /64).  A
user is found by looking up each of their few marks, so checking costs a
handful of dictionary lookups, and nothing at all while none are in force.
"""

from __future__ import annotations

import heapq
import itertools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from twisted_chat.core.quotas import Identity

#: The kinds of sanction.
BAN, MUTE = "ban", "mute"


@dataclass(frozen=True, slots=True)
class Sanction:
    """
    One ban or mute: ``room`` is the room's key, None for the whole server;
    ``target`` what it was given against, as shown; ``until`` None lasts.
    ``id`` names it in the store.
    """

    kind: str
    room: str | None
    room_name: str | None
    target: str
    marks: frozenset[Identity]
    by: str
    since: float
    until: float | None
    reason: str | None
    id: str = ""
    #: The rank of who gave it: it holds against those of lower rank only.
    rank: int = 1
    #: What the room was told it is against: a name, never an address ("bob's address").
    shown: str = ""

    def left(self, now: float) -> float | None:
        """Seconds it still holds, None if it lasts."""
        return None if self.until is None else max(self.until - now, 0.0)

    def lasting_marks(self) -> frozenset[Identity]:
        """What holds after a restart: a connection's mark goes with the connection."""
        return frozenset(mark for mark in self.marks if mark[0] != "connection")


def new_id() -> str:
    return secrets.token_hex(8)


class Sanctions:
    """Every sanction in force, by kind, room and mark, and in the order they run out."""

    def __init__(self) -> None:
        self._by_mark: dict[tuple[str, str | None, Identity], list[Sanction]] = {}
        self._all: dict[str, Sanction] = {}
        self._ends: list[tuple[float, int, str]] = []
        self._order = itertools.count()
        #: How many mutes are in force anywhere: none, and speaking checks nothing.
        self.mutes = 0

    def __len__(self) -> int:
        return len(self._all)

    def add(self, sanction: Sanction) -> None:
        self._all[sanction.id] = sanction
        for mark in sanction.marks:
            self._by_mark.setdefault((sanction.kind, sanction.room, mark), []).append(sanction)
        if sanction.until is not None:
            heapq.heappush(self._ends, (sanction.until, next(self._order), sanction.id))
        if sanction.kind == MUTE:
            self.mutes += 1

    def remove(self, sanction: Sanction) -> None:
        if self._all.pop(sanction.id, None) is None:
            return
        for mark in sanction.marks:
            key = (sanction.kind, sanction.room, mark)
            found = self._by_mark.get(key, [])
            if sanction in found:
                found.remove(sanction)
            if not found:
                self._by_mark.pop(key, None)
        if sanction.kind == MUTE:
            self.mutes -= 1

    def get(self, id: str) -> Sanction | None:
        return self._all.get(id)

    def find(self, kind: str, room: str | None, marks: Iterable[Identity],
             now: float) -> Sanction | None:
        """The sanction of ``kind`` in ``room`` holding against any of ``marks``, if one does."""
        if not self._all:
            return None
        for mark in marks:
            for sanction in self._by_mark.get((kind, room, mark), ()):
                if sanction.until is None or sanction.until > now:
                    return sanction
        return None

    def of_room(self, room: str | None) -> list[Sanction]:
        """The sanctions of one room (None: the server's), oldest first."""
        return sorted((sanction for sanction in self._all.values() if sanction.room == room),
                      key=lambda sanction: sanction.since)

    def count(self, room: str | None) -> int:
        return sum(1 for sanction in self._all.values() if sanction.room == room)

    def due(self, now: float) -> list[Sanction]:
        """Take out and return the sanctions that ran out by ``now``, soonest first."""
        ended = []
        while self._ends and self._ends[0][0] <= now:
            _, _, id = heapq.heappop(self._ends)
            sanction = self._all.get(id)
            if sanction is not None:
                self.remove(sanction)
                ended.append(sanction)
        return ended
