"""
Who may connect: the total, and per address, at once and per minute.

Counted here by the peer's address, because Twisted's own
``LimitConnectionsByPeer`` is broken on current Twisted (bug 12183).  An IPv6
client usually owns a whole /64, so IPv6 addresses are counted per /64; an
IPv4-mapped IPv6 address counts as the IPv4 address it is.  Connections
without an IP address (a UNIX socket) count only toward the total.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from ipaddress import IPv6Address, ip_address

from twisted.internet import address

from twisted_chat.core import errors
from twisted_chat.core.limits import (
    IP,
    MINUTE,
    InForce,
    Limits,
    Window,
    address_key,
    counted_key,
    in_force,
)


def peer_ip(peer: object) -> IP | None:
    """The IP address of a peer, or None for one without (a UNIX socket)."""
    if not isinstance(peer, (address.IPv4Address, address.IPv6Address)):
        return None
    return _parse(peer.host)


#: Parsing is a tenth of a login's cost; the same few addresses come again and again.
_ADDRESSES = 4096


@lru_cache(maxsize=_ADDRESSES)
def _parse(host: str) -> IP | None:
    try:
        ip = ip_address(host.partition("%")[0])
    except ValueError:
        return None
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


#: Web connections a minute from one address, sessions or not, per --conn-rate
#: session: a page load opens two or three, a connection serves 50 requests.
PAGE_CONNECTIONS = 5
#: And never fewer than this many a minute, however low --conn-rate is set.
MIN_PAGE_CONNECTIONS = 100


class Admission:
    """Counts open connections and recent arrivals, and refuses those over a limit."""

    def __init__(self, limits: Limits | InForce, clock: Callable[[], float]) -> None:
        """``limits``: the chat's limits in force (read at each arrival), or fixed ones."""
        self.in_force = in_force(limits)
        self.clock = clock
        self.total = 0
        self._open: dict[str, int] = {}
        self._arrivals: dict[str, Window] = {}
        #: Arrivals of web connections, sessions or not (PAGE_CONNECTIONS times --conn-rate).
        self._pages: dict[str, Window] = {}
        #: Per address: when a refusal was last logged, and how many since went unlogged.
        self._refusals: dict[str | None, tuple[float, int]] = {}

    def admit(self, ip: IP | None, arrival: bool = True) -> errors.ChatError | None:
        """
        Count a new connection from ``ip``, or return why it is refused.

        Without ``arrival`` it is not yet counted against ``--conn-rate``: a
        web connection is an arrival only when it becomes a chat session
        (:meth:`arrive`), so that the page's own files (two or three
        connections a load) cost nothing of it.  Such connections have a
        rate of their own, :data:`PAGE_CONNECTIONS` times as many.
        """
        limits = self.limits
        if limits.max_connections and self.total >= limits.max_connections:
            return errors.ServerFull(limits.max_connections)
        key = self._counted(ip)
        if key is not None:
            if limits.max_per_ip and self._open.get(key, 0) >= limits.max_per_ip:
                return errors.TooManyFromAddress(limits.max_per_ip)
            refusal = self._arrive(key, pages=not arrival)
            if refusal is not None:
                return refusal
            self._open[key] = self._open.get(key, 0) + 1
        self.total += 1
        return None

    @property
    def limits(self) -> Limits:
        return self.in_force.limits

    def arrive(self, ip: IP | None) -> errors.ChatError | None:
        """Count a connection already admitted against ``--conn-rate``, or say why not."""
        key = self._counted(ip)
        return None if key is None else self._arrive(key)

    def _arrive(self, key: str, pages: bool = False) -> errors.ChatError | None:
        """Count an arrival from ``key``: a session's, or with ``pages`` a web connection's."""
        limits = self.limits
        if not limits.conn_rate:
            return None
        if pages:
            windows = self._pages
            limit = max(limits.conn_rate * PAGE_CONNECTIONS, MIN_PAGE_CONNECTIONS)
        else:
            windows, limit = self._arrivals, limits.conn_rate
        arrivals = windows.get(key)
        if arrivals is None:
            arrivals = windows[key] = Window(limit)
        arrivals.limit = limit  # the limit in force, if a reload changed it
        now = self.clock()
        wait = arrivals.wait(now)
        if wait:
            return errors.ConnectingTooFast(limit, wait)
        arrivals.record(now)
        return None

    def release(self, ip: IP | None) -> None:
        """A connection counted by :meth:`admit` has closed."""
        self.total -= 1
        # Counted or not by the address as it was let in: --exempt may have changed since.
        key = address_key(ip) if ip is not None else None
        if key in self._open:
            left = self._open.pop(key) - 1
            if left:
                self._open[key] = left

    def open_from(self, ip: IP) -> int:
        """How many connections are counted against ``ip``'s address (or /64)."""
        return self._open.get(address_key(ip), 0)

    def log_refusal(self, ip: IP | None) -> int | None:
        """
        Whether to log this refusal: None to stay quiet, else how many refusals
        of the same address went unlogged before it.  A storm of connections
        from one address writes one log line a minute, not one per connection.
        """
        key = None if ip is None else address_key(ip)
        now = self.clock()
        logged, quiet = self._refusals.get(key, (now - MINUTE, 0))
        if now - logged < MINUTE:
            self._refusals[key] = (logged, quiet + 1)
            return None
        self._refusals[key] = (now, 0)
        return quiet

    @property
    def remembered(self) -> int:
        """How many addresses the arrival counts are kept for."""
        return len(self._arrivals) + len(self._pages)

    def sweep(self) -> None:
        """Forget addresses with no arrival in the last minute, so the table stays small."""
        now = self.clock()
        for windows in (self._arrivals, self._pages):
            for key in [key for key, window in windows.items() if window.idle(now)]:
                del windows[key]
        for quiet in [key for key, (logged, _) in self._refusals.items()
                      if now - logged >= MINUTE]:
            del self._refusals[quiet]

    def _counted(self, ip: IP | None) -> str | None:
        return counted_key(ip, self.limits)
