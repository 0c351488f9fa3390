"""
How fast passwords may be guessed: per name and per address, each guess
counted when it starts.

A guess at a name waits its turn behind the guesses before it: the first at
once, the next a second later, then 2, 4, ... up to a minute apart, however
many connections make them, since each takes its place as it starts rather
than once its hash is checked (a wave of 200 connections once tested 200
passwords in the time of one).  The same holds for each address, an IPv4
address or an IPv6 /64, whatever names it tries.  A guess that would wait
longer than :data:`MAX_WAIT` is refused at once: try again later.

The owner is let in: a guess from an address the name has logged in from
before waits only behind its own address's guesses, never behind a name's
guesses made elsewhere.  (A fresh address waits like any guesser: an
attacker has many.)  The right password clears the count of its name, and
takes its own guess off its address's; a count with no guess for
:data:`FORGET` seconds is forgotten.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted_chat.core import errors

#: The longest a guess waits between tries, and the longest it may wait in all.
MAX_DELAY = 60.0
MAX_WAIT = 30.0
#: Quiet after which a name's or address's wrong guesses are forgotten.
FORGET = 15 * 60.0


def delay(failures: int) -> float:
    """How long after the ``failures``-th guess in a row the next one may be checked."""
    return min(2.0 ** (failures - 1), MAX_DELAY)


class Guesses:
    """For each name and address: guesses in a row, and when the next may be checked."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._names: dict[str, tuple[int, float]] = {}
        self._addresses: dict[str, tuple[int, float]] = {}

    def start(self, name: str, address: str | None, known: bool) -> float:
        """
        Count a guess at ``name`` from ``address`` (None: not counted by
        address), made now; the seconds until it may be checked.  ``known``:
        the name has logged in from this address before.  Raises
        :class:`~twisted_chat.core.errors.TooManyGuesses` instead of waiting long.
        """
        now = self.clock()
        wait = self.wait(name, address, known)
        if wait > MAX_WAIT:
            raise errors.TooManyGuesses(name, wait)
        for table, key in self._counts(name, address, known):
            failures = table.get(key, (0, now))[0] + 1
            table[key] = (failures, now + wait + delay(failures))
        return wait

    def wait(self, name: str, address: str | None, known: bool) -> float:
        """The seconds a guess made now would wait (without counting it)."""
        now = self.clock()
        return max([0.0] + [table[key][1] - now for table, key in
                            self._counts(name, address, known) if key in table])

    def _counts(self, name: str, address: str | None,
                known: bool) -> list[tuple[dict[str, tuple[int, float]], str]]:
        counts = [] if known else [(self._names, name)]
        if address is not None:
            counts.append((self._addresses, address))
        return counts

    def right(self, name: str, address: str | None) -> None:
        """
        The right password: the name starts again from nothing, and its
        address's count loses this guess, no more (a guesser that logs in to
        a name of its own between guesses would otherwise clear its count).
        """
        self._names.pop(name, None)
        if address is not None and address in self._addresses:
            failures, ready = self._addresses[address]
            if failures > 1:
                self._addresses[address] = (failures - 1, ready)
            else:
                del self._addresses[address]

    def sweep(self) -> None:
        """Forget the counts nobody has added to for :data:`FORGET` seconds."""
        stale = self.clock() - FORGET
        for table in (self._names, self._addresses):
            for key in [key for key, (_, ready) in table.items() if ready < stale]:
                del table[key]

    @property
    def remembered(self) -> int:
        return len(self._names) + len(self._addresses)
