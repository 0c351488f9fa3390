"""
Whether building a broadcast's WebSocket frame once pays: the server's cost
per browser in a room, one line said to N of them, three ways side by side.

- **per recipient, wsproto**: what ``twisted.web.websocket`` does, each
  member's connection framing the text itself (``Connection.send``);
- **once per broadcast**: one frame built (server frames are unmasked, no
  extension is negotiated), the same bytes written to every member, as
  ``twisted_chat.web.socket.WEBSOCKET`` does;
- **telnet**: the same line written to N telnet members, for scale.

Each round runs all three, alternating; the best round of each is kept.
Writes go to a transport that keeps nothing, so what is measured is the
framing and the call, not a socket.  Prints a table and one JSON line.

    python benchmarks/websocket_frames.py [--rounds 7] [--members 1000] [--lines 200]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from wsproto import ConnectionType
from wsproto.connection import Connection
from wsproto.events import TextMessage

from twisted_chat.core import events
from twisted_chat.core.formats import build
from twisted_chat.web.socket import WEBSOCKET

LINE = events.Message(1_800_000_000.0, "lobby", "alice", "a line of chat of a usual length, "
                      "with a word or two more to make it so", 42)


class Discard:
    """A transport that takes writes and keeps nothing."""

    def write(self, data: bytes) -> None:
        pass


def per_recipient(members: int) -> Callable[[], None]:
    json_format = build("json")
    connections = [(Connection(ConnectionType.SERVER), Discard()) for _ in range(members)]

    def say() -> None:
        text = json_format.render(LINE).decode("utf-8").removesuffix("\r\n")
        for connection, transport in connections:
            transport.write(connection.send(TextMessage(text)))
    return say


def once(members: int) -> Callable[[], None]:
    framed = build("json", framing=WEBSOCKET)
    transports = [Discard() for _ in range(members)]

    def say() -> None:
        payload = framed.frame((LINE,))
        for transport in transports:
            transport.write(payload)
    return say


def telnet(members: int) -> Callable[[], None]:
    text = build("text")
    transports = [Discard() for _ in range(members)]

    def say() -> None:
        payload = text.frame((LINE,))
        for transport in transports:
            transport.write(payload)
    return say


WAYS = {"per recipient, wsproto": per_recipient, "once per broadcast": once, "telnet": telnet}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=200)
    options = parser.parse_args()
    runs = {name: make(options.members) for name, make in WAYS.items()}
    best = {name: float("inf") for name in WAYS}
    for _ in range(options.rounds):
        for name, say in runs.items():
            began = time.perf_counter()
            for _ in range(options.lines):
                say()
            seconds = time.perf_counter() - began
            best[name] = min(best[name], seconds / (options.lines * options.members) * 1e6)
    base = best["once per broadcast"]
    print(f"one line to {options.members} members, {options.lines} lines, "
          f"best of {options.rounds}")
    print(f"{'way':<26}{'µs per member':>15}{'x once':>8}")
    for name, micros in best.items():
        print(f"{name:<26}{micros:>15.3f}{micros / base:>8.2f}")
    print(json.dumps({"options": vars(options), "us_per_member": best}))


if __name__ == "__main__":
    main()
