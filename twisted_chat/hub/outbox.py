"""
The order in which the chat's output leaves: the order it was decided in.

A chat line is delivered only once it is stored, which takes a moment; what
the chat decides in that moment (a presence notice, a reply, a close) must not
overtake it.  So a line waiting to be stored takes a *slot*, and everything
decided after it waits behind that slot; when nothing waits, output goes at
once, so a chat without storage pays nothing.

A store that hangs must not hold everyone's output with it: a slot still
unfilled :data:`WAIT` seconds after it was taken is filled with what it was
given for that case (the sender is told the line was not stored), and what
waited behind it goes on (:meth:`Outbox.expire`, every so often).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from twisted.logger import Logger

#: Seconds output may wait behind a slot before the slot gives up.
WAIT = 2.0

_log = Logger()


class Slot:
    """
    A place in the queue whose output is not decided yet.  ``since`` is when
    it was taken; ``late`` what it sends if it is still undecided past the
    wait, and it is then ``expired``: what is decided for it later is dropped.
    """

    __slots__ = ("action", "args", "expired", "late", "ready", "since")

    def __init__(self, action: Callable[..., object] | None = None, args: tuple[Any, ...] = (),
                 ready: bool = False, since: float = 0.0,
                 late: tuple[Callable[..., object], tuple[Any, ...]] | None = None) -> None:
        self.action = action
        self.args = args
        self.ready = ready
        self.since = since
        self.late = late
        self.expired = False


class Outbox:
    """
    ``batches`` maps an action to a version of it that takes a list of
    argument tuples: consecutive held outputs with that action go out as one
    call (a burst of stored lines, delivered with one write per member).

    ``schedule`` runs a callable on the next pass of the reactor.  With it,
    released output waits for that pass, so that everything released in one
    pass (a transaction's worth of stored lines) goes out together; without
    it, output goes the moment nothing is ahead of it.
    """

    def __init__(self, batches: dict[Callable[..., object],
                                     Callable[[list[tuple[Any, ...]]], object]] | None = None,
                 schedule: Callable[[Callable[[], None]], object] | None = None,
                 clock: Callable[[], float] = lambda: 0.0, wait: float = WAIT) -> None:
        self._queue: deque[Slot] = deque()
        self._batches = batches or {}
        self._schedule = schedule
        self._scheduled = False
        self._clock = clock
        self._wait = wait

    @property
    def busy(self) -> bool:
        """Whether output is being held back (so ``call`` will not run at once)."""
        return bool(self._queue)

    def call(self, action: Callable[..., object], *args: Any) -> None:
        """Run ``action(*args)`` now, or after everything decided before it."""
        if self._queue:
            self._queue.append(Slot(action, args, True))
        else:
            action(*args)

    def hold(self, late: Callable[..., object] | None = None, *args: Any) -> Slot:
        """
        A place for output decided later (when a line is stored, or a read
        answered); ``late(*args)`` goes in its place if that takes too long.
        """
        slot = Slot(since=self._clock(), late=None if late is None else (late, args))
        self._queue.append(slot)
        return slot

    def release(self, slot: Slot, action: Callable[..., object] | None = None,
                *args: Any) -> None:
        """Fill ``slot`` (with nothing, if ``action`` is None) and send what is no longer held."""
        if slot.expired:
            return
        slot.action, slot.args, slot.ready = action, args, True
        if self._schedule is None:
            self.flush()
        elif not self._scheduled and self._queue[0].ready:
            self._scheduled = True
            self._schedule(self.flush)

    def expire(self) -> None:
        """Give up on the slots at the head that waited too long, and send what they held up."""
        stale = self._clock() - self._wait
        expired = False
        for slot in self._queue:
            if slot.ready:
                continue
            if slot.since > stale:
                break
            slot.expired = expired = True
            slot.action, slot.args = slot.late if slot.late is not None else (None, ())
            slot.ready = True
        if expired:
            self.flush()

    def flush(self) -> None:
        """Send everything at the head of the queue that is ready."""
        self._scheduled = False
        queue = self._queue
        while queue and queue[0].ready:
            ready = queue.popleft()
            if ready.action is None:
                continue
            batched = self._batches.get(ready.action)
            try:
                if batched is None:
                    ready.action(*ready.args)
                    continue
                run = [ready.args]
                while queue and queue[0].ready and queue[0].action == ready.action:
                    run.append(queue.popleft().args)
                batched(run)
            except Exception:
                _log.failure("Held output failed")
