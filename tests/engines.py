"""
Real engines for tests: Redis, PostgreSQL and HAProxy, each in a temporary
directory of its own, started as child processes and stopped by their PID.

Nothing here is a stand-in: a test that crosses a socket to one of these
talks to the real server, so what it proves holds for the real thing.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

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
