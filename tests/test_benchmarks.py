"""
The load generator, run small against the real servers: what it counts is
checked (every line delivered once, in order, to everyone), never how fast.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

LOADGEN = Path(__file__).parent.parent / "benchmarks" / "loadgen.py"


def loadgen(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(LOADGEN), *args, "--rounds", "1"],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert "not installed" not in done.stderr, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return report


def test_fanout_counts_every_line_for_every_contender() -> None:
    members, senders, messages = 6, 3, 40
    report = loadgen("fanout", "--members", str(members), "--senders", str(senders),
                     "--messages", str(messages), "--window", "5")
    assert set(report["best"]) == {"bare", "chat text", "chat json", "chat web", "chat mixed",
                                   "chat readers", "ngircd"}
    for name, run in report["best"].items():
        heard = senders * messages * members
        if name == "ngircd":  # IRC does not send a sender its own line.
            heard -= senders * messages
        assert run["complete"], name
        assert run["deliveries"] == heard, name
        assert (run["missing"], run["lost"], run["duplicated"], run["reordered"]) == (0, 0, 0, 0)
        assert 0 < run["p50_ms"] <= run["p99_ms"] <= run["max_ms"], name


def test_fanout_beside_idle_rooms() -> None:
    report = loadgen("fanout", "--members", "4", "--senders", "2", "--messages", "20",
                     "--idle", "40", "--rooms", "8", "--only", "chat text", "--only", "ngircd")
    for name, run in report["best"].items():
        assert run["complete"] and run["missing"] == 0, name


def test_capacity_holds_every_connection() -> None:
    report = loadgen("capacity", "--connections", "60")
    assert set(report["best"]) == {"bare", "chat text", "chat json", "chat web", "chat mixed"}, \
        "ngIRCd only on request"
    for name, run in report["best"].items():
        assert (run["connections"], run["alive"]) == (60, 60), name
        assert run["rss_after_mb"] >= run["rss_before_mb"] > 0, name


def test_in_process_benchmarks_still_run_on_this_tree() -> None:
    """The benchmarks that build the server from its parts still fit them (run tiny)."""
    for script, args in (("limits_cost.py", ["--rounds", "1", "--members", "3", "--lines", "20"]),
                         ("telnet_input.py", ["--rounds", "1", "--reads", "50"]),
                         ("ignoring.py", ["--rounds", "1", "--members", "5", "--senders", "2",
                                          "--ignorers", "1", "3", "--lines", "40"]),
                         ("websocket_frames.py", ["--rounds", "1", "--members", "5",
                                                  "--lines", "5"])):
        done = subprocess.run([sys.executable, str(LOADGEN.parent / script), *args],
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.splitlines()[-1]), script
