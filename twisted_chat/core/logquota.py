"""
The log of users coming and going, which a crowd cannot flood.

One line per login is what an operator wants to read, until thousands come at
once: then every line costs about 100 µs of Twisted's formatting (a fifth of a
login's CPU, measured with ``benchmarks/loadgen.py capacity``) and buries the
log in lines nobody reads, which also makes the log an easy target for abuse.
So past ``rate`` lines in a second the rest of that second's lines are only
counted, and one line at its end says how many of each kind were left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.logger import Logger

if TYPE_CHECKING:
    from twisted.internet.interfaces import IDelayedCall, IReactorTime

DEFAULT_LOG_RATE = 20


class LogQuota:
    """At most ``rate`` lines a second (0: no limit), and a count of the rest."""

    def __init__(self, rate: int = 0, clock: IReactorTime | None = None,
                 log: Logger | None = None) -> None:
        if rate and clock is None:
            raise ValueError("a rate needs a clock to count seconds with")
        self.rate = rate
        self.clock = clock
        self.log = log if log is not None else Logger(namespace="twisted_chat.activity")
        self._second_ends = 0.0
        self._logged = 0
        #: Lines left out this second, by kind, in the order the kinds came.
        self._unlogged: dict[str, int] = {}
        self._summary: IDelayedCall | None = None

    def info(self, kind: str, format: str, **fields: Any) -> None:
        """
        Log a line of ``format``, or count it as one more of ``kind`` (a plural
        noun such as "logins") if this second's quota is spent.
        """
        if not self.rate:
            self.log.info(format, **fields)
            return
        assert self.clock is not None
        now = self.clock.seconds()
        if now >= self._second_ends:
            self._second_ends = now + 1
            self._logged = 0
        if self._logged < self.rate:
            self._logged += 1
            self.log.info(format, **fields)
            return
        self._unlogged[kind] = self._unlogged.get(kind, 0) + 1
        if self._summary is None:
            self._summary = self.clock.callLater(self._second_ends - now, self.summarise)

    def summarise(self) -> None:
        """Say how many lines of each kind went unlogged, if any did."""
        if self._summary is not None and self._summary.active():
            self._summary.cancel()
        self._summary = None
        if self._unlogged:
            counts = ", ".join(f"{count} {kind}" for kind, count in self._unlogged.items())
            self._unlogged = {}
            self.log.info("Past {rate} lines a second, not logged one by one: {counts}",
                          rate=self.rate, counts=counts)
