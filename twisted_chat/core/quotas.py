"""
What users did lately, counted across their connections.

A per-minute limit kept on a connection starts again when its user logs out
and in, or changes name: one registered name made 59 lasting rooms in
thirteen seconds over twelve logins.  So each limit counts for every
*identity* a user has at once, and holds if any one of them is over:

- the connection (what a limit was before: a name change keeps it);
- the name, whoever uses it next;
- the registered name proved with a password, whatever name is shown;
- the address (an IPv4 address or an IPv6 /64, as the connection limits
  count them), unless it is exempt.

An address may do as much as ``--max-per-ip`` users could at once, so a
classroom behind one NAT is never held back by its neighbours, and a user
who reconnects from it gains nothing over one who opens that many
connections (0 connections per address: no limit per address).  What was
counted is forgotten once it is a minute old (:meth:`Quotas.sweep`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import TypeVar

from twisted_chat.core import errors
from twisted_chat.core.limits import InForce, Limits, Targets, Window, in_force

#: An identity: its kind ("connection", "name", "account", "address") and key.
Identity = tuple[str, str]
Counter = TypeVar("Counter", Window, Targets)

_connections = itertools.count(1)


def identities(name_key: str, account: str | None, address: str | None,
               connection: str | None = None) -> tuple[Identity, ...]:
    """A user's identities; ``connection`` is None for a new one."""
    found: list[Identity] = [("connection", connection or str(next(_connections))),
                             ("name", name_key)]
    if account is not None:
        found.append(("account", account))
    if address is not None:
        found.append(("address", address))
    return tuple(found)


class Quotas:
    """The per-minute counts of every identity, and how much each kind may do."""

    def __init__(self, limits: Limits | InForce, clock: Callable[[], float]) -> None:
        """``limits``: the chat's limits in force (read at each count), or fixed ones."""
        self.in_force = in_force(limits)
        self.clock = clock
        self._counters: dict[tuple[str, Identity], Window | Targets] = {}

    @property
    def limits(self) -> Limits:
        return self.in_force.limits

    def share(self, identity: Identity, limit: int) -> int:
        """How much of ``limit`` an identity may use (0: no limit): an address, several users'."""
        if identity[0] != "address" or not limit:
            return limit
        return limit * self.limits.max_per_ip

    def check(self, kind: str, who: tuple[Identity, ...], limit: int,
              doing: str) -> list[Window]:
        """
        The counters of ``kind`` for each identity, once each has room for one
        more; raises :class:`~twisted_chat.core.errors.RateLimited` (with the
        longest wait) if any has not.  :func:`record` them when it is done.
        """
        now = self.clock()
        counters = self._each(kind, who, limit, Window)
        wait, over = _longest((window.wait(now), identity) for identity, window in counters)
        if wait:
            raise errors.RateLimited(doing, self.share(over, limit), wait,
                                     by_address=over[0] == "address")
        return [window for _, window in counters]

    def record(self, windows: list[Window]) -> None:
        now = self.clock()
        for window in windows:
            window.record(now)

    def reach(self, who: tuple[Identity, ...], target: str) -> None:
        """Count writing privately to ``target``; raises if someone new is one too many."""
        limit = self.limits.msg_targets
        now = self.clock()
        counters = self._each("targets", who, limit, Targets)
        wait, over = _longest((targets.wait(target, now), identity)
                              for identity, targets in counters)
        if wait:
            raise errors.TooManyTargets(self.share(over, limit), wait,
                                        by_address=over[0] == "address")
        for _, targets in counters:
            targets.record(target, now)

    def _each(self, kind: str, who: tuple[Identity, ...], limit: int,
              make: Callable[[int], Counter]) -> list[tuple[Identity, Counter]]:
        """Each identity's counter of ``kind`` that has a limit, made on first use."""
        counters = []
        for identity in who:
            share = self.share(identity, limit)
            if not share:
                continue
            counter = self._counters.get((kind, identity))
            if counter is None:
                counter = self._counters[kind, identity] = make(share)
            counter.limit = share  # the limit in force, if a reload changed it
            counters.append((identity, counter))
        # (Each kind's counters are all made by the same ``make``.)
        return counters  # type: ignore[return-value]

    def sweep(self) -> None:
        """Forget what is a minute old, so that the table stays small."""
        now = self.clock()
        for key in [key for key, counter in self._counters.items() if counter.idle(now)]:
            del self._counters[key]


def _longest(waits: Iterable[tuple[float, Identity]]) -> tuple[float, Identity]:
    """The longest of the waits, and whose it is (0 and nobody's, if none is)."""
    return max(waits, default=(0.0, ("", "")), key=lambda wait: wait[0])
