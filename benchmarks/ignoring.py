"""
What ignore lists cost a room's fan-out: a room of N members where nobody,
one member or K members ignore one of the senders, in one process, rounds
alternating, as CPU µs per delivery and as a ratio to nobody ignoring.

    python benchmarks/ignoring.py [--members 100] [--senders 10] [--lines 2000]
                                  [--ignorers 1 10] [--rounds 7]

The chat and the hub are the server's own (a hub with a store, so that the
lines stored in one pass go out together, as ``twistd chat`` sends them);
the store answers at once and the clients throw the bytes away, so what is
measured is deciding, framing and handing out.  The point is the shape: an
ignorer must not turn the room's broadcast into one rendering per recipient.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, succeed
from zope.interface import implementer

from twisted_chat.core import events
from twisted_chat.core.chat import Chat
from twisted_chat.core.formats import build
from twisted_chat.core.limits import UNLIMITED
from twisted_chat.hub.local import LocalHub
from twisted_chat.interfaces import IClient


@implementer(IClient)
class Sink:
    """A client that throws its bytes away."""

    format = build("text")
    address = None

    def send(self, event: events.Event) -> None:
        pass

    def deliver(self, payload: bytes) -> None:
        pass

    def pause_input(self) -> None:
        pass

    def resume_input(self) -> None:
        pass

    def dismiss(self) -> None:
        pass


class QuickStore:
    """Stores at once: the ids are all that is kept."""

    def __init__(self) -> None:
        self.last = 0

    def append(self, message: Any, room: str) -> Deferred[int]:
        self.last += 1
        return succeed(self.last)

    def __getattr__(self, name: str) -> Callable[..., Deferred[None]]:
        return lambda *args: succeed(None)


def one_round(members: int, senders: int, lines: int, ignorers: int) -> tuple[float, int]:
    """CPU seconds and deliveries for ``lines`` said in a room where ``ignorers`` ignore m0."""
    passes: list[Callable[[], None]] = []
    hub = LocalHub(store=QuickStore(), schedule=passes.append)  # type: ignore[arg-type]
    chat = Chat(hub, limits=UNLIMITED, clock=lambda: 1.0)
    users = [chat.login(Sink(), f"m{index}", 0.0) for index in range(members)]
    for user in users[1:1 + ignorers]:
        chat.ignoring.ignore(user, "m0")
    talkers = users[:senders]
    start = time.process_time()
    for index in range(lines):
        chat.say(talkers[index % senders], f"line {index} of the benchmark")
        if index % 20 == 19:  # a reactor pass: what was stored goes out together
            while passes:
                passes.pop(0)()
    while passes:
        passes.pop(0)()
    spent = time.process_time() - start
    # A delivery is a line reaching a member (a write may carry several): m0's
    # lines do not reach those who ignore m0.
    said_by_m0 = len(range(0, lines, senders))
    return spent, lines * members - ignorers * said_by_m0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--ignorers", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    if not 0 < options.senders <= options.members or \
            not all(0 < count < options.members for count in options.ignorers):
        parser.error("a room needs as many members as senders, and more than ignorers")
    cases = [0, *options.ignorers]
    best: dict[int, float] = {}
    for _ in range(options.rounds):
        for case in cases:
            spent, deliveries = one_round(options.members, options.senders, options.lines, case)
            best[case] = min(best.get(case, float("inf")), spent / deliveries * 1e6)
    print(f"N={options.members} S={options.senders} lines={options.lines}, "
          f"best of {options.rounds}, alternating")
    print(f"{'ignoring m0':>12}  {'CPU µs/deliv':>12}  {'x nobody':>8}")
    for case in cases:
        print(f"{case:>12}  {best[case]:>12.3f}  {best[case] / best[0]:>8.2f}")
    print(json.dumps({"us_per_delivery": {str(case): round(best[case], 4) for case in cases}}))


if __name__ == "__main__":
    main()
