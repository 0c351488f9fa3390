"""
One room's lines in the room's one order, whichever node said them.

PostgreSQL numbers each room's lines as they commit (ISequencedStore), and
a node hears of other nodes' lines over Redis, in whatever order they were
published.  A :class:`Sequence` delivers line ``n`` only after line ``n-1``:
a line that comes early waits, and if the one before it has not come within
:data:`GAP_WAIT` (lost with a Redis that went away, or its node slow to
publish) the lines are read from the database, which says for good which
numbers are lines and which are holes (a line forgotten).  So every member,
on every node, sees the room's lines in one order, none twice, none missed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.logger import Logger

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from twisted_chat.store.values import SequencedLine

#: Seconds a line that came early waits for the one before it, before the
#: lines between are read from the database.
GAP_WAIT = 0.3
#: Seconds before a read the database failed is tried again.
RETRY_WAIT = 1.0
#: The most lines one read brings.
READ_LIMIT = 500

_log = Logger()


class Sequence:
    """
    ``deliver(items)`` is handed each run of lines ready, in order: an item
    is whatever was offered (the hub's own record of a line it stored) or, for
    a line read back from the database, what ``read_item`` made of it.
    ``read(after, limit)`` reads the room's lines numbered above ``after``;
    ``call_later(seconds, f)`` runs ``f`` later and returns what ``.cancel()``s it.
    """

    __slots__ = ("_again", "_deliver", "_pending", "_read", "_read_item", "_reading", "_timer",
                 "call_later", "next")

    def __init__(self, next: int, deliver: Callable[[list[Any]], None],
                 read: Callable[[int, int], Deferred[list[SequencedLine]]],
                 read_item: Callable[[SequencedLine], Any],
                 call_later: Callable[[float, Callable[[], None]], Any]) -> None:
        #: The number of the next line to deliver: every one below it was.
        self.next = next
        self._deliver = deliver
        self._read = read
        self._read_item = read_item
        self.call_later = call_later
        #: Lines that came before their turn, by number.
        self._pending: dict[int, Any] = {}
        self._timer: Any = None
        self._reading = False
        #: A catch-up asked for while a read was out: read again after it.
        self._again = False

    @property
    def waiting(self) -> int:
        """Lines that came early and wait for those before them."""
        return len(self._pending)

    def offer(self, seq: int, item: Any) -> None:
        """Line ``seq`` is here: delivered now if its turn has come, else kept for it."""
        if seq < self.next or seq in self._pending:
            return  # Delivered already (read back, or heard twice).
        if seq > self.next:
            self._pending[seq] = item
            self._wait()
            return
        run = [item]
        self.next += 1
        self._take_pending(run)
        self._deliver(run)

    def catch_up(self) -> None:
        """Read what may have been missed (after a reconnection), at once."""
        self._cancel()
        self._read_now()

    def stop(self) -> list[Any]:
        """Nothing more is delivered (the room has nobody here now): what was waiting."""
        self._cancel()
        waiting = [self._pending[seq] for seq in sorted(self._pending)]
        self._pending.clear()
        self._deliver = lambda run: None
        return waiting

    def _take_pending(self, run: list[Any]) -> None:
        pending = self._pending
        while self.next in pending:
            run.append(pending.pop(self.next))
            self.next += 1
        if not pending:
            self._cancel()

    def _wait(self) -> None:
        if self._timer is None and not self._reading:
            self._timer = self.call_later(GAP_WAIT, self._timed_out)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        self._read_now()

    def _read_now(self) -> None:
        if self._reading:
            self._again = True
            return
        self._reading = True
        after = self.next - 1
        # Numbers up to the highest waiting line are settled (committed or forgotten).
        settled = max(self._pending, default=after)
        self._read(after, READ_LIMIT).addCallbacks(
            self._read_back, self._read_failed, callbackArgs=(after, settled))

    def _read_back(self, lines: list[SequencedLine], after: int, settled: int) -> None:
        self._reading = False
        full = len(lines) >= READ_LIMIT
        if after != self.next - 1:
            # Lines came meanwhile over Redis: what was read is partly old.
            lines = [line for line in lines if line.seq >= self.next]
        if lines and not full:
            settled = max(settled, lines[-1].seq)
        elif lines:
            settled = lines[-1].seq
        run: list[Any] = []
        read = {line.seq: line for line in lines}
        while self.next <= settled:
            seq = self.next
            self.next += 1
            if seq in self._pending:
                run.append(self._pending.pop(seq))
            elif seq in read:
                run.append(self._read_item(read[seq]))
            # Else a hole: a line forgotten (stored too late for its sender).
        self._take_pending(run)
        if run:
            self._deliver(run)
        again, self._again = self._again, False
        if full or again:
            self._read_now()
        elif self._pending:
            self._wait()

    def _read_failed(self, failure: Any) -> None:
        self._reading = False
        _log.warn("Could not read a room's missed lines: {error}; trying again",
                  error=failure.getErrorMessage())
        if self._timer is None:
            self._timer = self.call_later(RETRY_WAIT, self._timed_out)
