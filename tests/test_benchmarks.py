"""
The load generator, run small against the real servers: what it counts is
checked (every line delivered once, in order, to everyone), never how fast.
The cluster runs start real PostgreSQL, Redis and three nodes.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

LOADGEN = Path(__file__).parent.parent / "benchmarks" / "loadgen.py"
sys.path.insert(0, str(LOADGEN.parent))

import cluster  # noqa: E402  (benchmarks/, as the load generator imports it)
import loadgen as generator  # noqa: E402


def loadgen(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(LOADGEN), *args, "--rounds", "1"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "not installed" not in done.stderr, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return report


def test_fanout_counts_every_line_for_every_contender() -> None:
    members, senders, messages = 6, 3, 40
    report = loadgen("fanout", "--members", str(members), "--senders", str(senders),
                     "--messages", str(messages), "--window", "5")
    assert set(report["best"]) == {"bare", "chat text", "chat json", "chat web", "chat mixed",
                                   "chat readers", "chat languages", "ngircd"}
    for name, run in report["best"].items():
        heard = senders * messages * members
        if name == "ngircd":  # IRC does not send a sender its own line.
            heard -= senders * messages
        assert run["complete"], name
        assert run["deliveries"] == heard, name
        assert (run["missing"], run["lost"], run["duplicated"], run["reordered"],
                run["diverged"]) == (0, 0, 0, 0, 0), name
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


def test_cluster_fanout_one_order_across_nodes() -> None:
    """
    A room spread over three nodes, beside one node and the bare server:
    every member has every line once, each sender's in order, and all of
    them the room's lines in one order; the members were on every node.
    """
    members, senders, messages = 6, 3, 40
    report = loadgen("fanout", "--members", str(members), "--senders", str(senders),
                     "--messages", str(messages), "--window", "5", "--cluster", "3",
                     "--only", "bare", "--only", "chat text", "--only", "cluster3 text")
    assert set(report["best"]) == {"bare", "chat text", "cluster3 text"}
    for name, run in report["best"].items():
        assert run["complete"], name
        assert run["deliveries"] == senders * messages * members, name
        assert (run["missing"], run["lost"], run["duplicated"], run["reordered"],
                run["diverged"]) == (0, 0, 0, 0, 0), name
    run = report["best"]["cluster3 text"]
    assert set(run["cpu_us_parts"]) == {"n1", "n2", "n3", "redis", "postgres"}
    assert all(added >= members // 3 for added in run["node_files_added"]), run


def test_cluster_capacity_from_several_generator_processes() -> None:
    """More connections than one generator process is given, logged in on every node."""
    report = loadgen("capacity", "--connections", "40", "--cluster", "3",
                     "--cluster-connections", "90", "--per-process", "25",
                     "--only", "chat text", "--only", "cluster3 text")
    single, spread = report["best"]["chat text"], report["best"]["cluster3 text"]
    assert (single["connections"], single["alive"], single["processes"]) == (40, 40, 2)
    assert (spread["connections"], spread["alive"], spread["processes"]) == (90, 90, 4)
    assert spread["complete"]
    assert all(added >= 30 for added in spread["node_files_added"]), spread
    assert set(spread["login_cpu_us_parts"]) == {"n1", "n2", "n3", "redis", "postgres"}


def _line(sender: int, seq: int) -> bytes:
    return f"<m{sender}> p:{sender}:{seq}:0\r\n".encode()


class TallyTests(SynchronousTestCase):
    """What the members count is right: each fault counted as what it is."""

    def received(self, *streams: list[tuple[int, int]], senders: int = 2,
                 messages: int = 3) -> generator.Tally:
        tally = generator.Tally(senders, messages)

        async def read() -> None:
            for stream in streams:
                reader = asyncio.StreamReader()
                reader.feed_data(b"".join(_line(sender, seq) for sender, seq in stream))
                reader.feed_eof()
                await generator.receive(generator.Member(reader, None), tally,  # type: ignore[arg-type]
                                        senders * messages, None)

        asyncio.run(read())
        return tally

    def test_clean(self) -> None:
        """Every line once, in one order for both members: no fault."""
        room = [(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2)]
        tally = self.received(room, room)
        self.assertEqual((tally.delivered, tally.lost, tally.duplicated, tally.reordered,
                          tally.diverged()), (12, 0, 0, 0, 0))

    def test_faults(self) -> None:
        """A line twice, a line after its sender's next, a line never: one of each."""
        tally = self.received([(0, 0), (0, 0), (0, 2), (0, 1), (1, 0), (1, 1)])
        self.assertEqual((tally.lost, tally.duplicated, tally.reordered), (1, 1, 1))

    def test_diverged(self) -> None:
        """Two members, each sender's lines in order, the room's in two orders."""
        tally = self.received([(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2)],
                              [(1, 0), (0, 0), (0, 1), (1, 1), (0, 2), (1, 2)])
        self.assertEqual((tally.lost, tally.reordered, tally.diverged()), (0, 0, 1))

    def test_lost_is_not_diverged(self) -> None:
        """A member that lost a line saw the rest in the room's order."""
        tally = self.received([(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2)],
                              [(0, 0), (0, 1), (1, 1), (0, 2), (1, 2)])
        self.assertEqual((tally.lost, tally.diverged()), (1, 0))


#: A child that spends ``spent`` CPU seconds (by its own account) and ends,
#: waited for; then one that spends as much and stays until told.
_SPENDING = """
import subprocess, sys
spend = "import os, sys\\nwhile sum(os.times()[:2]) < {spent}: pass\\nprint(flush=True)\\n" \\
    "sys.stdin.read()"
children = []
for _ in range(2):
    child = subprocess.Popen([sys.executable, "-c", spend], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    child.stdout.readline()
    children.append(child)
    if len(children) == 1:
        child.stdin.close()
        child.wait()
print("ready", flush=True)
sys.stdin.read()
children[1].stdin.close()
children[1].wait()
"""


class TreeCpuTests(SynchronousTestCase):
    def test_counts_children_ended_and_alive(self) -> None:
        """A process's CPU includes what a child that ended spent, and a live one."""
        spent = 0.2
        parent = subprocess.Popen([sys.executable, "-c", _SPENDING.format(spent=spent)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.addCleanup(parent.wait)
        self.addCleanup(parent.stdin.close)  # type: ignore[union-attr]
        self.assertEqual(parent.stdout.readline(), b"ready\n")  # type: ignore[union-attr]
        self.assertGreaterEqual(cluster.tree_cpu(parent.pid), 2 * spent)
