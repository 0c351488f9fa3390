"""
A cluster for tests: one real PostgreSQL database, one real Redis, and
``twistd -n chat`` nodes started on them, each on ports of its own.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from tests.engines import Postgres, Redis
from tests.processes import LineClient, RunningServer


class Cluster:
    """``nodes`` are started at once (named n1, n2, ...); more with :meth:`start`."""

    def __init__(self, nodes: int = 2, *args: str, web: bool = False) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="cluster-"))
        self.postgres = Postgres.shared()
        self.db = self.postgres.uri(self.postgres.database())
        (self.directory / "redis").mkdir()
        self.redis = Redis(self.directory / "redis")
        self.args = args
        self.web = web
        self.nodes: list[RunningServer] = []
        self.names: list[str] = []
        for _ in range(nodes):
            self.start()

    def start(self, name: str | None = None, *args: str, **kwargs: Any) -> RunningServer:
        """A node (a new one, or ``name`` again after it was stopped or killed)."""
        name = name or f"n{len(self.nodes) + 1}"
        workdir = self.directory / name
        workdir.mkdir(exist_ok=True)
        node = RunningServer(workdir, "--db", self.db, "--cluster", f"unix:{self.redis.path}",
                             "--node", name, *self.args, *args, web=self.web, **kwargs)
        if name in self.names:
            self.nodes[self.names.index(name)] = node
        else:
            self.nodes.append(node)
            self.names.append(name)
        return node

    def stop(self) -> None:
        for node in self.nodes:
            if node.process.poll() is None:
                node.terminate()
        self.redis.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def first_of(client: LineClient, *wanted: str) -> str:
    """The first line ``client`` reads that holds any of ``wanted``."""
    while True:
        line = client.readline()
        if any(text in line for text in wanted):
            return line
