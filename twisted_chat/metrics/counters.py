"""
The chat's own counts: plain ints and dicts, added to where something
countable happens once, never once per recipient.

A line is counted when it is said, and its deliveries once per broadcast
(the audience's size, added once); a refusal at the door once, by its code;
an error once as it is told, by its code.  Nothing here knows Prometheus
(:mod:`~twisted_chat.metrics.collector` reads these), so a hook costs an
addition and the hot paths import nothing more.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twisted_chat.core import events

#: Errors told to someone logging in that mean a login failed, by code.
LOGIN_FAILURES = frozenset({
    "wrong-password", "password-required", "not-registered", "too-many-guesses",
    "name-taken", "name-registered", "name-reserved", "name-invalid", "name-empty",
    "name-too-long", "cluster-unavailable",
})
#: Errors told to someone logging in that are the server's refusal, not their mistake.
LOGIN_REFUSALS = frozenset({"server-locked", "banned"})
#: Errors that say a limit was reached, by code: the flood limits and the rates.
LIMITS = frozenset({
    "flood-warning", "excess-flood", "rate-limited", "too-many-rooms", "line-too-long",
    "login-timeout", "idle-timeout", "busy", "search-busy", "too-many", "telnet-violation",
})
#: The limit hit by a connection cut off for not reading, which is told nothing.
SEND_QUEUE_EXCEEDED = "send-queue-exceeded"

#: Seconds: the store's transactions, from a few milliseconds to a store that hangs.
STORE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def add(table: dict[str, int], key: str, count: int = 1) -> None:
    """One more (or ``count`` more) of ``key``."""
    table[key] = table.get(key, 0) + count


class Counters:
    """What the chat counted since it started; read, never reset, by a scrape."""

    __slots__ = ("deliveries", "errors", "limits", "lines", "login_failures", "refusals")

    def __init__(self) -> None:
        #: Lines said on this server (or node), once each.
        self.lines = 0
        #: Events delivered by broadcasts: each broadcast adds its audience once.
        self.deliveries = 0
        #: Connections and logins refused by the server's rules, by error code.
        self.refusals: dict[str, int] = {}
        #: Every error told to a user, by code.
        self.errors: dict[str, int] = {}
        #: Logins that failed, by error code.
        self.login_failures: dict[str, int] = {}
        #: Limits reached that nobody is told of (a connection cut for not reading).
        self.limits: dict[str, int] = {}

    def told(self, error: events.Error) -> None:
        """``error`` is told to someone: counted by its code."""
        add(self.errors, error.code)

    def login_refused(self, code: str) -> None:
        """A login did not happen, for ``code``: a refusal (the server locked) or a failure."""
        if code in LOGIN_REFUSALS:
            add(self.refusals, code)
        elif code in LOGIN_FAILURES:
            add(self.login_failures, code)

    def limit_hits(self) -> dict[str, int]:
        """The limits reached, by the code of the error told (or of the cut)."""
        hits = {code: count for code, count in self.errors.items() if code in LIMITS}
        hits.update(self.limits)
        return hits


class Histogram:
    """
    How many observations fell at or below each bound (and above the last),
    and their sum: what a Prometheus histogram shows, kept as plain counts.
    """

    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...] = STORE_BUCKETS) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value

    @property
    def count(self) -> int:
        return sum(self.counts)

    def cumulative(self) -> list[tuple[float, int]]:
        """(bound, observations at or below it) for each bound, and for infinity."""
        total = 0
        buckets = []
        for bound, count in zip((*self.bounds, float("inf")), self.counts, strict=True):
            total += count
            buckets.append((bound, total))
        return buckets
