"""
What the telnet echo costs a line typed a byte a read, the worst way to type:
each read redraws from the whole line so far.  In-process, per line of about
a kilobyte, best of the rounds; with ``--baseline DIR`` (another checkout,
for example a ``git worktree`` of the commit before) both trees run in
alternating rounds, each in its own process, and the ratios are printed::

    python benchmarks/echo_typing.py --baseline ../before --rounds 5
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

SCRIPTS = {
    "ascii": "hello " * 200,
    "cyrillic": "Привет как дела " * 40,
    "chinese": "中文字" * 200,
}
LINE_BYTES = 1020


def measure(tree: str) -> dict[str, float]:
    """Milliseconds per line for each script, echoed by ``tree``'s EchoLine."""
    sys.path.insert(0, tree)
    from twisted_chat.telnet.editing import EchoLine

    times = {}
    for name, text in SCRIPTS.items():
        data = text.encode()[:LINE_BYTES]
        keys = [data[i:i + 1] for i in range(len(data))]
        echo = EchoLine(1024)
        start = time.perf_counter()
        for key in keys:
            echo.feed(key)
        times[name] = (time.perf_counter() - start) * 1000
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="another checkout to compare against")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one:
        print(json.dumps(measure(options.one)))
        return
    here = str(Path(__file__).resolve().parent.parent)
    trees = {"this": here} | ({"baseline": options.baseline} if options.baseline else {})
    best: dict[str, dict[str, float]] = {name: {} for name in trees}
    for _ in range(options.rounds):
        for name, tree in trees.items():
            out = subprocess.run([sys.executable, __file__, "--one", tree], check=True,
                                 capture_output=True, text=True).stdout
            for script, ms in json.loads(out).items():
                best[name][script] = min(best[name].get(script, float("inf")), ms)
    print(f"{'script':10} " + " ".join(f"{name + ' ms':>12}" for name in trees)
          + ("   this/baseline" if options.baseline else ""))
    for script in SCRIPTS:
        row = " ".join(f"{best[name][script]:12.1f}" for name in trees)
        ratio = (f"   {best['this'][script] / best['baseline'][script]:14.2f}"
                 if options.baseline else "")
        print(f"{script:10} {row}{ratio}")


if __name__ == "__main__":
    main()
