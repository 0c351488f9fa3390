"""
Real engines for tests: Redis, PostgreSQL and HAProxy, each in a temporary
directory of its own, started as child processes and stopped by their PID.

Nothing here is a stand-in: a test that crosses a socket to one of these
talks to the real server, so what it proves holds for the real thing.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

from tests.processes import DEADLINE


def _wait(ready: Callable[[], bool], what: str,
          process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ``ready()`` until it is true; fail with the log if the process dies or it never is."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        if ready():
            return
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"{what} did not start:\n" + log.read_text(errors="replace"))


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    """Stop one child we started, by its PID: SIGTERM, then SIGKILL if it hangs."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(DEADLINE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(DEADLINE)


class Redis:
    """
    A ``redis-server`` listening only on a UNIX socket (``path``), keeping
    nothing on disk: no port to collide with other sessions, nothing to clean
    but the directory.  ``restart()`` comes back on the same socket path, as
    a Redis restarted under a running node would.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._own = directory is None
        self.directory = Path(tempfile.mkdtemp(prefix="redis-")) if directory is None \
            else directory
        self.path = str(self.directory / "redis.sock")
        self.log_path = self.directory / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", "0", "--unixsocket", self.path,
                 "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
                 "--dir", str(self.directory)],
                stdout=log, stderr=subprocess.STDOUT)
        _wait(self.ping, "redis-server", self.process, self.log_path)

    def ping(self) -> bool:
        """Whether the server answers PING on its socket now."""
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(DEADLINE)
                sock.connect(self.path)
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def restart(self) -> None:
        """Stop, then start again on the same socket path (everything in it is lost)."""
        _stop(self.process)
        self.start()

    def stop(self) -> None:
        _stop(self.process)
        self.process = None
        if self._own:
            shutil.rmtree(self.directory, ignore_errors=True)


#: Where Debian keeps PostgreSQL 15's programs (not on PATH).
PG_BIN = Path("/usr/lib/postgresql/15/bin")


class Postgres:
    """
    A PostgreSQL server on a UNIX socket only (``listen_addresses=''``), its
    data in a directory of its own, with ``fsync=off``: a test's database
    need not survive a power cut, and a commit costs no disk wait.

    initdb and postgres refuse to run as root, so as root they run as the
    ``postgres`` user (FIELD-NOTES, "Several nodes"); the server is started
    with ``user=`` rather than through runuser so that the PID we hold, and
    stop, is the postmaster's own.  :meth:`shared` is one server for the
    whole test session, started the first time a test asks; each test takes
    a fresh database of its own from it (:meth:`database`).
    """

    _shared: ClassVar[Postgres | None] = None
    _names = itertools.count(1)

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="postgres-"))
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        #: The directory of the server's socket: libpq's ``host``.
        self.socket_dir = str(self.directory)
        self.log_path = self.directory / "postgres.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "chat",
                   "-E", "UTF8", "--locale=C.UTF-8"])
        self.start()

    @classmethod
    def shared(cls) -> Postgres:
        """The session's server: started at the first call, running at each, stopped at exit."""
        if cls._shared is None:
            cls._shared = cls()
            atexit.register(cls._shared.stop)
        elif not cls._shared.running():
            cls._shared.start()  # A test that stopped it failed before starting it again.
        return cls._shared

    def running(self) -> bool:
        """
        Whether the server we started is still running (busy or not: a second
        postmaster on the same data would fail, and the first would be lost).
        """
        return self.process is not None and self.process.poll() is None

    def _run(self, command: list[str]) -> None:
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, cwd=self.directory)
        if done.returncode:
            raise AssertionError(f"{command[0]} failed:\n{done.stdout.decode()}"
                                 f"{done.stderr.decode()}")

    def start(self) -> None:
        if self.running():
            raise AssertionError("postgres is running already: halt() it first")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(PG_BIN / "postgres"), "-D", str(self.data), "-k", self.socket_dir,
                 "-c", "listen_addresses=", "-c", "fsync=off"],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.directory,
                user="postgres" if self._as_root else None,
                group="postgres" if self._as_root else None,
                extra_groups=[] if self._as_root else None)
        _wait(self.ready, "postgres", self.process, self.log_path)

    def ready(self) -> bool:
        """Whether the server accepts connections now (pg_isready)."""
        if not self.running():
            return False
        return subprocess.run([str(PG_BIN / "pg_isready"), "-q", "-h", self.socket_dir,
                               "-U", "chat", "-d", "postgres"]).returncode == 0

    def conninfo(self, name: str = "postgres") -> str:
        """A libpq key=value string for the database ``name``."""
        return f"host={self.socket_dir} user=chat dbname={name}"

    def uri(self, name: str) -> str:
        """The same as a URI, as ``--db`` takes it (the socket directory as ``host``)."""
        return f"postgresql://chat@/{name}?host={quote(self.socket_dir, safe='')}"

    def database(self) -> str:
        """A new, empty database, by name: each test writes in one of its own."""
        import psycopg

        name = f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.conninfo(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return name

    def restart(self) -> None:
        """Stop (a fast shutdown: clients are cut off), then start on the same data and socket."""
        self.halt()
        self.start()

    def halt(self) -> None:
        """Stop the server, keeping its data: :meth:`start` brings it back as it was."""
        # SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(DEADLINE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(DEADLINE)

    def stop(self) -> None:
        """Stop the server and remove its data."""
        self.halt()
        self.process = None
        shutil.rmtree(self.directory, ignore_errors=True)


class HAProxy:
    """
    HAProxy in TCP mode in front of chat nodes (``backends``, each
    ``host:port``), as README's cluster section runs it: connections spread
    by ``balance`` (round robin by default, so a test knows which node the
    next one reaches), each node health-checked every 500 ms so that one
    that dies stops getting new connections.  Its configuration is written
    to its directory; ``port`` is the front port, one that was free.

    :meth:`status` reads what HAProxy thinks of each node (UP, DOWN) from
    its stats socket.
    """

    def __init__(self, backends: list[str], balance: str = "roundrobin") -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="haproxy-"))
        self.backends = backends
        self.port = _free_port()
        self.stats = str(self.directory / "stats.sock")
        self.config = self.directory / "haproxy.cfg"
        self.log_path = self.directory / "haproxy.log"
        servers = "".join(f"    server node{index} {address} check inter 500ms\n"
                          for index, address in enumerate(backends, 1))
        self.config.write_text(f"""\
global
    stats socket {self.stats} mode 600 level admin

defaults
    mode tcp
    timeout connect 2s
    timeout client 1h
    timeout server 1h

frontend chat
    bind 127.0.0.1:{self.port}
    default_backend nodes

backend nodes
    balance {balance}
{servers}""")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["haproxy", "-db", "-f", str(self.config)], stdout=log,
                stderr=subprocess.STDOUT, cwd=self.directory)
        _wait(lambda: bool(self._ask("show info")), "haproxy", self.process, self.log_path)

    def _ask(self, command: str) -> str:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(DEADLINE)
                sock.connect(self.stats)
                sock.sendall(command.encode() + b"\n")
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
                return answer.decode()
        except OSError:
            return ""

    def status(self) -> dict[str, str]:
        """Each node's state as HAProxy sees it: node1, node2... to UP, DOWN (or MAINT)."""
        rows = self._ask("show stat").splitlines()
        if not rows:
            return {}
        fields = rows[0].lstrip("# ").split(",")
        states = {}
        for row in rows[1:]:
            values = dict(zip(fields, row.split(","), strict=False))
            if values.get("pxname") == "nodes" and values.get("svname", "").startswith("node"):
                states[values["svname"]] = values["status"].split()[0]
        return states

    def stop(self) -> None:
        _stop(self.process)
        self.process = None
        shutil.rmtree(self.directory, ignore_errors=True)


def _free_port() -> int:
    """A loopback port free now (HAProxy cannot pick one and say which)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
