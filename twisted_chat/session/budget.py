"""
An input budget for each connection: bytes a second, telnet commands counted.

Flood control (:mod:`twisted_chat.session.throttle`) counts lines, but input that
never forms a line costs the server all the same: Twisted's telnet parser
walks every byte of a telnet command in Python, a few hundred times the cost
of a byte of text, and a line typed a byte a packet costs a read each.  IRC
servers bound a client's input in bytes as well as in lines for this reason
(recvq, fakelag).  So a connection may send ``burst`` bytes at once and
``rate`` bytes a second after that, where a telnet command (or a key that
acts: Ctrl-C, Ctrl-D, Ctrl-L) counts as :data:`COMMAND_COST` bytes and a
read as at least :data:`READ_COST`:

- within the budget, input is read as it comes;
- past it, the part over the budget is kept (one read at most) and the
  connection is not read again until the budget has room for it, so its
  sender is slowed to the rate, and nobody else notices;
- far past it (what is over the budget would take more than a whole burst),
  the connection is cut: that is a flood, not a paste.

Nothing here imports ``twisted.internet``: the clock is handed in.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted_chat.core.limits import Limits

IAC = 0xFF

#: What one telnet command counts as, in bytes: a few microseconds of parsing,
#: as much as a sixty-four byte line costs.  (``benchmarks/telnet_input.py``.)
#: So do the keys that act in character mode: Ctrl-C (what ``IAC IP`` means),
#: Ctrl-D (leave) and Ctrl-L (redraw).
COMMAND_COST = 64
CTRL_C = 0x03
CTRL_D = 0x04
CTRL_L = 0x0C
#: What a read counts as at least: each one is a pass through Twisted and the
#: line layers, and a client can send a byte a packet.
READ_COST = 256


def allowance(limits: Limits, max_line: int) -> tuple[float, int]:
    """
    The rate and the burst of a connection's budget: the options', or what
    the line limits let through if that is more (the longest lines, at the
    flood rate, and as many as may be sent and wait at once), so that the
    budget never holds back a paste that flood control would let through.
    """
    line = max_line + 2
    return (max(float(limits.input_rate), limits.flood_rate * line),
            max(limits.input_burst, (limits.flood_burst + limits.flood_queue) * line))


def cost(data: bytes) -> int:
    """What ``data`` from a telnet client counts as, in bytes, as one read."""
    commands = data.count(IAC) + data.count(CTRL_C) + data.count(CTRL_D) + data.count(CTRL_L)
    return max(len(data) + (COMMAND_COST - 1) * commands, READ_COST)


def plain_cost(data: bytes) -> int:
    """
    What ``data`` counts as where no byte is a command: a WebSocket's, whose
    masked frames hold any byte (a mask can make every fourth one 0xFF).
    """
    return max(len(data), READ_COST)


class Budget:
    """A token bucket over the bytes one connection sends, each read weighed by :func:`cost`."""

    __slots__ = ("_clock", "_cost", "_stamp", "_tokens", "burst", "rate", "waiting")

    def __init__(self, *, rate: float, burst: int, clock: Callable[[], float],
                 weigh: Callable[[bytes], int] = cost) -> None:
        """``weigh`` is what a read counts as: :func:`cost` for telnet, or :func:`plain_cost`."""
        self._cost = weigh
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        #: What its connection keeps of a read over the budget, until it fits.
        self.waiting = b""

    def take(self, data: bytes) -> tuple[bytes, bytes]:
        """
        Split a read into what may be handled now and what must wait; the
        budget is charged for the first.  What waits is empty when all of it
        fits, and everything when none does.
        """
        tokens = self._refill()
        cost = self._cost
        if cost(data) <= tokens:
            self._tokens -= cost(data)
            return data, b""
        # The longest start of ``data`` that fits (cost grows with length).
        low, high = 0, len(data)
        while low < high:
            middle = (low + high + 1) // 2
            if cost(data[:middle]) <= tokens:
                low = middle
            else:
                high = middle - 1
        if low:
            self._tokens -= cost(data[:low])
        return data[:low], data[low:]

    def charge(self, amount: int) -> bool:
        """
        Charge ``amount`` more for what was read (a front end learns of the
        cost only once it has parsed it: a WebSocket's frames); whether the
        debt is now far past the budget, more than a whole burst.
        """
        self._refill()
        self._tokens -= amount
        return self._tokens < -self.burst

    def flooding(self, waiting: bytes) -> bool:
        """Whether what waits is far past the budget: more than a whole burst."""
        return self._cost(waiting) > self.burst

    def wait(self, waiting: bytes) -> float:
        """Seconds until the budget has room for ``waiting``."""
        return max(self._cost(waiting) - self._refill(), 0.0) / self.rate

    def _refill(self) -> float:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        return self._tokens
