"""
Flood control: a token bucket for each connection's lines.

A connection may send ``burst`` lines at once, then ``rate`` lines a second.
A line over the rate is not dropped: it waits its turn in a queue and is
handled, in order, when a token comes back, so a person pasting a few dozen
lines loses none of them.  A queue that grows past its bound is a flood, not
a paste: the owner hears of it and cuts the connection.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IDelayedCall, IReactorTime


class Throttle:
    """Hands lines to ``handle`` no faster than the bucket allows."""

    __slots__ = ("_call", "_clock", "_stamp", "_tokens", "_waiting", "_warned", "burst",
                 "handle", "overflow", "queue", "rate", "warn")

    def __init__(self, handle: Callable[[bytes], None], *, burst: int, rate: float, queue: int,
                 clock: IReactorTime, warn: Callable[[int], None],
                 overflow: Callable[[], None]) -> None:
        self.handle = handle
        self.burst = burst
        self.rate = rate
        self.queue = queue
        self.warn = warn
        self.overflow = overflow
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock.seconds()
        self._waiting: list[bytes] = []
        self._warned = False
        self._call: IDelayedCall | None = None

    @property
    def waiting(self) -> int:
        """How many lines are waiting their turn."""
        return len(self._waiting)

    def submit(self, line: bytes) -> None:
        if not self.rate or (not self._waiting and self._take()):
            self.handle(line)
            return
        self._waiting.append(line)
        waiting = len(self._waiting)
        if waiting > self.queue:
            self.stop()
            self.overflow()
            return
        if not self._warned and waiting > self.queue // 2:
            # Once per backlog: a paste that drains and comes back is warned again.
            self._warned = True
            self.warn(waiting)
        if self._call is None:
            self._call = self._clock.callLater((1 - self._tokens) / self.rate, self._drain)

    def stop(self) -> None:
        """Forget the waiting lines: the connection is closing."""
        self._waiting.clear()
        if self._call is not None:
            self._call.cancel()
            self._call = None

    def _take(self) -> bool:
        now = self._clock.seconds()
        self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    def _drain(self) -> None:
        self._call = None
        while self._waiting and self._take():
            self.handle(self._waiting.pop(0))
        if self._waiting:
            self._call = self._clock.callLater((1 - self._tokens) / self.rate, self._drain)
        else:
            self._warned = False
