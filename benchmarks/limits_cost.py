"""
What the limits cost a room's fan-out: the same chat with every limit off and
with every limit on, side by side in one run.

One sender says lines to a room of members; every member's transport drops
what it is given, so what is timed is the server's own work per delivered
line: the throttle, the targeted checks, the send queue.  With the limits on,
the flood bucket is made too large to ever hold a line back, so both runs
deliver the same lines.  The rounds alternate and the best of each is kept.
Prints a table and one JSON line.

    python benchmarks/limits_cost.py [--rounds 7] [--members 100] [--lines 2000]
"""

from __future__ import annotations

import argparse
import json
import time

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from twisted_chat.core.chat import Chat
from twisted_chat.core.limits import DEFAULTS, UNLIMITED, Limits
from twisted_chat.hub.local import LocalHub
from twisted_chat.session.sessions import Sessions
from twisted_chat.telnet.factory import TelnetFactory
from twisted_chat.telnet.protocol import TelnetProtocol

#: Every limit at its default, but a bucket no sender can empty.
ON = Limits(flood_burst=10**9, flood_rate=10**9, max_per_ip=0, conn_rate=0,
            max_connections=DEFAULTS.max_connections)


class Discard(StringTransport):
    """A transport that takes bytes and keeps none."""

    def write(self, data: bytes) -> None:
        pass


def room(limits: Limits, members: int) -> list[TelnetProtocol]:
    clock = Clock()
    chat = Chat(LocalHub(clock=clock.seconds), clock=clock.seconds, limits=limits)
    factory = TelnetFactory(Sessions(chat, clock))
    protocols = []
    for index in range(members):
        protocol = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 10000 + index))
        assert isinstance(protocol, TelnetProtocol)
        protocol.makeConnection(Discard())
        protocol.dataReceived(b"login user%d\r\n" % index)
        protocols.append(protocol)
    return protocols


def timed(limits: Limits, members: int, lines: int) -> float:
    sender = room(limits, members)[0]
    data = [b"hello there, number %d\r\n" % index for index in range(lines)]
    start = time.process_time()
    for line in data:
        sender.dataReceived(line)
    return (time.process_time() - start) / (lines * members)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--lines", type=int, default=2000)
    args = parser.parse_args()
    contenders = {"limits off": UNLIMITED, "limits on": ON}
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(args.rounds):
        for name, limits in contenders.items():
            best[name] = min(best[name], timed(limits, args.members, args.lines))
    base = best["limits off"]
    print(f"{'contender':<14}{'CPU µs per delivery':>20}{'x off':>8}")
    for name, seconds in best.items():
        print(f"{name:<14}{seconds * 1e6:>20.3f}{seconds / base:>8.2f}")
    print(json.dumps({name: round(seconds * 1e6, 4) for name, seconds in best.items()}))


if __name__ == "__main__":
    main()
