"""
What reading a line costs, telnet layer included: ours against Twisted's own
telnet parser and against a bare LineReceiver, side by side in one run.

Each round feeds the same reads (20 chat lines each, as a busy client sends
them) to all three, alternating, and the best of the rounds is kept.  Prints
a table and one JSON line; the ratios are what to compare between machines.

    python benchmarks/telnet_input.py [--rounds 7] [--reads 3000]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from twisted.conch.telnet import Telnet
from twisted.protocols.basic import LineReceiver

from twisted_chat.telnet.negotiation import TelnetLayer

LINES = 20


class Lines(LineReceiver):
    delimiter = b"\n"

    def lineReceived(self, line: bytes) -> None:
        pass


class OursThenLines:
    """Our telnet layer feeding a LineReceiver, as ChatProtocol does."""

    def __init__(self) -> None:
        self.lines = Lines()
        self.layer = TelnetLayer(self)

    def text_received(self, data: bytes) -> None:
        self.lines.dataReceived(data)

    def dataReceived(self, data: bytes) -> None:
        self.layer.dataReceived(data)


class TwistedThenLines(Telnet):
    """Twisted's telnet parser, byte by byte, feeding a LineReceiver."""

    def __init__(self) -> None:
        super().__init__()
        self.lines = Lines()

    def applicationDataReceived(self, data: bytes) -> None:
        self.lines.dataReceived(data)


def timed(make: Callable[[], object], data: bytes, reads: int) -> float:
    receiver = make()
    start = time.perf_counter()
    for _ in range(reads):
        receiver.dataReceived(data)  # type: ignore[attr-defined]
    return (time.perf_counter() - start) / (reads * LINES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reads", type=int, default=3000)
    args = parser.parse_args()
    contenders = {"bare LineReceiver": Lines, "Twisted telnet": TwistedThenLines,
                  "twisted-chat telnet": OursThenLines}
    results = {}
    for ending in ("LF", "CRLF"):
        data = ("say hello there, 你好, how are you" + ("\r\n" if ending == "CRLF" else "\n")
                ).encode() * LINES
        best = dict.fromkeys(contenders, float("inf"))
        for _ in range(args.rounds):
            for name, make in contenders.items():
                best[name] = min(best[name], timed(make, data, args.reads))
        results[ending] = best
    base = "bare LineReceiver"
    print(f"{'line ending':<12}{'contender':<22}{'µs per line':>12}{'x bare':>9}")
    for ending, best in results.items():
        for name, seconds in best.items():
            print(f"{ending:<12}{name:<22}{seconds * 1e6:>12.2f}{seconds / best[base]:>9.2f}")
    print(json.dumps({ending: {name: round(seconds * 1e6, 3) for name, seconds in best.items()}
                      for ending, best in results.items()}))


if __name__ == "__main__":
    main()
