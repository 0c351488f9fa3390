"""
The limits that keep one user's abuse from costing anyone else a message.

:class:`Limits` is every number in one place, with the defaults README.rst
documents; ``twistd chat`` builds one from its options.  :class:`InForce`
holds the one in force, which the chat, its quotas and the door all read, so
that a reload swaps it for all of them at once.  :class:`Window` and
:class:`Targets` count what a user did in the last minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network

IP = IPv4Address | IPv6Address

MINUTE = 60.0
#: How often a crowded room hears who came and went.
CROWD_INTERVAL = 10.0


@dataclass(frozen=True, slots=True)
class Limits:
    """Every limit; a count or a rate of 0 turns that limit off."""

    #: Lines a connection may send at once, then lines a second; the rest wait in a queue.
    flood_burst: int = 8
    flood_rate: float = 4.0
    flood_queue: int = 64
    #: Addresses and networks whose connections skip flood control: trusted bots.
    flood_exempt: tuple[IPv4Network | IPv6Network, ...] = ()
    #: Flood control in bytes: what a connection may send at once, then a second,
    #: a telnet command counting as 64 bytes (twisted_chat.session.budget).
    input_burst: int = 64 * 1024
    input_rate: int = 16 * 1024
    #: Unsent output, in bytes, past which a connection that does not read is cut.
    sendq: int = 256 * 1024
    max_connections: int = 10_000
    #: Connections open at once from one IPv4 address or one IPv6 /64.
    max_per_ip: int = 20
    #: Connections a minute from one address.
    conn_rate: int = 20
    #: Addresses and networks the per-address limits never apply to.
    exempt: tuple[IPv4Network | IPv6Network, ...] = ()
    #: Lines a connection may send before it has logged in.
    login_lines: int = 20
    login_timeout: float = 60.0
    idle_timeout: float = 0.0
    max_rooms: int = 1000
    #: Rooms one user created that exist at once.
    rooms_per_user: int = 5
    #: The targeted limits, each a number a minute.
    nick_rate: int = 5
    join_rate: int = 20
    create_rate: int = 5
    msg_targets: int = 10
    #: Searches of the history a minute.
    search_rate: int = 10
    #: Members above which a room hears arrivals and departures as a summary
    #: every CROWD_INTERVAL seconds, not one by one (which costs N² to fill a room).
    crowd: int = 100

    @property
    def idle_warning(self) -> float:
        """How long before the idle cut the user is warned: a minute, or half the timeout."""
        return min(MINUTE, self.idle_timeout / 2)


DEFAULTS = Limits()


class InForce:
    """
    The limits in force now: the one place every reader looks.  Readers keep
    this, never a :class:`Limits` of their own, so a reload (``limits =``)
    holds for the chat, its quotas and the connection limits at once.
    """

    __slots__ = ("limits",)

    def __init__(self, limits: Limits = DEFAULTS) -> None:
        self.limits = limits


def in_force(limits: Limits | InForce) -> InForce:
    """The holder ``limits`` is, or a new one holding them (a reader given plain Limits)."""
    return limits if isinstance(limits, InForce) else InForce(limits)

#: What the unit tests and a trusted deployment use: nothing is limited.
UNLIMITED = Limits(flood_rate=0, input_rate=0, sendq=0, max_connections=0, max_per_ip=0,
                   conn_rate=0, login_lines=0, login_timeout=0, max_rooms=0, rooms_per_user=0,
                   nick_rate=0, join_rate=0, create_rate=0, msg_targets=0, search_rate=0,
                   crowd=0)


class Window:
    """
    How often something happened in the last ``period`` seconds, up to ``limit`` times.

    A list of times rather than a deque: a user has several of these, and an
    empty list is a tenth of the size of an empty deque.
    """

    __slots__ = ("_times", "limit", "period")

    def __init__(self, limit: int, period: float = MINUTE) -> None:
        self.limit = limit
        self.period = period
        self._times: list[float] = []

    def wait(self, now: float) -> float:
        """Seconds until it may happen again; 0 if it may happen now."""
        if not self.limit:
            return 0.0
        self._forget(now)
        if len(self._times) < self.limit:
            return 0.0
        return self._times[0] + self.period - now

    def record(self, now: float) -> None:
        if self.limit:
            self._times.append(now)

    def idle(self, now: float) -> bool:
        """Whether nothing happened in the last period."""
        self._forget(now)
        return not self._times

    def _forget(self, now: float) -> None:
        start = now - self.period
        stale = 0
        for when in self._times:
            if when > start:
                break
            stale += 1
        del self._times[:stale]


class Targets:
    """
    The distinct people a user wrote to in the last ``period`` seconds.

    Writing again to someone already in the set is free, so a conversation is
    never limited; only reaching more and more new people is.
    """

    __slots__ = ("_last", "limit", "period")

    def __init__(self, limit: int, period: float = MINUTE) -> None:
        self.limit = limit
        self.period = period
        self._last: dict[str, float] = {}

    def wait(self, key: str, now: float) -> float:
        """Seconds until ``key`` may be written to; 0 if now."""
        if not self.limit:
            return 0.0
        start = now - self.period
        for old in [k for k, when in self._last.items() if when <= start]:
            del self._last[old]
        if key in self._last or len(self._last) < self.limit:
            return 0.0
        return min(self._last.values()) + self.period - now

    def record(self, key: str, now: float) -> None:
        if self.limit:
            self._last[key] = now

    def idle(self, now: float) -> bool:
        """Whether nobody was written to in the last period."""
        start = now - self.period
        return all(when <= start for when in self._last.values())


@lru_cache(maxsize=4096)
def address_key(ip: IP) -> str:
    """The unit a per-address limit counts: an IPv4 address or an IPv6 /64."""
    if isinstance(ip, IPv6Address):
        return str(ip_network(f"{ip}/64", strict=False))
    return str(ip)


def counted_key(ip: IP | None, limits: Limits) -> str | None:
    """The key ``ip`` is counted under, or None if no per-address limit applies."""
    if ip is None or any(ip in network for network in limits.exempt):
        return None
    return address_key(ip)
