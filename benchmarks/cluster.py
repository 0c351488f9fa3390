"""
A cluster as one contender of the load generator: one PostgreSQL, one
Redis and ``nodes`` real ``twistd -n chat`` nodes on them, every process
pinned to CPU 0, as a single server is, so that both have one core.

Its CPU is summed over every process it is made of (the nodes, redis-server,
the postmaster and each of its backends and helpers), with what children
that ended meanwhile spent (``cutime``, ``cstime``), so a backend that came
and went during the traffic is counted too; :meth:`Cluster.cpu_parts` says
which process it went to.  The engines are started as the tests start them
(``tests/engines.py``); PostgreSQL once a run, with a new database and a
new Redis each round, so that no round inherits another's names or lines.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).parent.parent))  # The tests' engines, from a checkout.

from tests.engines import Postgres, Redis

if TYPE_CHECKING:
    from loadgen import Contender, Server

TICKS = os.sysconf("SC_CLK_TCK")
#: Where the servers run; the load generator has the other core.
SERVER_CPU = 0
GENERATOR_CPU = 1


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command's name (which may hold spaces)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(pid: int) -> list[int]:
    """The live children of ``pid`` (the kernel here has no /proc/PID/task/TID/children)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(int(entry))[1]) == pid:
                    found.append(int(entry))
            except (OSError, IndexError):
                pass  # It ended while we looked.
    return found


def tree_cpu(pid: int) -> float:
    """
    CPU seconds spent by ``pid``, every thread of it, the children it has
    waited for, and its live descendants: a difference of two readings is
    what the whole tree spent between them, even where a child ended.
    """
    try:
        fields = _stat(pid)
    except OSError:
        return 0.0
    # utime, stime, cutime, cstime: fields 14 to 17 of stat(5), here from 0 after the name.
    spent = sum(int(field) for field in fields[11:15]) / TICKS
    return spent + sum(tree_cpu(child) for child in children(pid))


def pin(pid: int, cpu: int = SERVER_CPU) -> None:
    """Every thread of ``pid`` and of its descendants on ``cpu``; later children inherit it."""
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            os.sched_setaffinity(int(task), {cpu})
    except (FileNotFoundError, ProcessLookupError):
        return  # It ended meanwhile (a backend that answered pg_isready).
    for child in children(pid):
        pin(child, cpu)


def core_busy(cpu: int) -> float:
    """
    Seconds core ``cpu`` has been busy, whoever for: beside what the
    contender spent, it says how much of the core others took (the host is
    shared) and whether the generator's core was saturated.
    """
    for line in Path("/proc/stat").read_text().splitlines():
        name, *times = line.split()
        if name == f"cpu{cpu}":
            ticks = [int(time) for time in times]
            return (sum(ticks[:8]) - ticks[3] - ticks[4]) / TICKS  # All but idle and iowait.
    raise ValueError(f"no cpu{cpu} in /proc/stat")


def rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) * 1024  # type: ignore[union-attr]


def open_files(pid: int) -> int:
    """How many files ``pid`` holds: its sockets, so where the connections landed."""
    return len(os.listdir(f"/proc/{pid}/fd"))


class Engines:
    """The run's PostgreSQL, started at the first cluster round and stopped at the end."""

    def __init__(self) -> None:
        self._postgres: Postgres | None = None

    def postgres(self) -> Postgres:
        if self._postgres is None:
            self._postgres = Postgres()
            pin(self._postgres.process.pid)  # type: ignore[union-attr]
        return self._postgres

    def stop(self) -> None:
        if self._postgres is not None:
            self._postgres.stop()


class Cluster:
    """
    The contender's nodes, n1 to nN, started one after another on a new
    database and a new Redis; its members go round-robin over them by number.
    """

    def __init__(self, contender: Contender, workdir: str, engines: Engines,
                 server: type[Server]) -> None:
        self.postgres = engines.postgres()
        self.db = self.postgres.uri(self.postgres.database())
        self.directory = Path(tempfile.mkdtemp(prefix="redis-", dir=workdir))
        self.redis = Redis(self.directory)
        pin(self.redis.process.pid)  # type: ignore[union-attr]
        self.nodes: list[Server] = []
        try:
            for number in range(1, contender.nodes + 1):
                command = [*contender.command, "--db", self.db,
                           "--cluster", f"unix:{self.redis.path}", "--node", f"n{number}"]
                self.nodes.append(server(replace(contender, name=f"{contender.name} n{number}",
                                                 command=command), workdir))
        except BaseException:
            self.stop()
            raise
        self.ports = [node.port for node in self.nodes]
        self.web_ports = [node.web_port for node in self.nodes]

    def pids(self) -> dict[str, int]:
        found = {f"n{number}": node.process.pid for number, node in enumerate(self.nodes, 1)}
        found["redis"] = self.redis.process.pid  # type: ignore[union-attr]
        found["postgres"] = self.postgres.process.pid  # type: ignore[union-attr]
        return found

    def cpu_parts(self) -> dict[str, float]:
        return {name: tree_cpu(pid) for name, pid in self.pids().items()}

    def cpu(self) -> float:
        return sum(self.cpu_parts().values())

    def rss(self) -> int:
        """The nodes' resident memory: where the connections are held."""
        return sum(rss(node.process.pid) for node in self.nodes)

    def rss_parts(self) -> dict[str, int]:
        return {"redis": rss(self.redis.process.pid)}  # type: ignore[union-attr]

    def files(self) -> list[int]:
        return [open_files(node.process.pid) for node in self.nodes]

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        self.redis.stop()
