"""
The real server as a process, and a client that talks to it over loopback.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

TWISTD = str(Path(sys.executable).parent / "twistd")
#: A deadline for things that should happen at once; only a hang ever reaches it.
DEADLINE = 15.0


class RunningServer:
    """A ``twistd -n chat`` process, listening on a port it chose itself."""

    def __init__(self, workdir: Path, *args: str) -> None:
        self.log_path = workdir / "twistd.log"
        self.log = self.log_path.open("w+b")
        self.process = subprocess.Popen(
            [TWISTD, "-n", "--pidfile=", "chat", "--port", "tcp:0:interface=127.0.0.1", *args],
            cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT)
        self.port = self._wait_for_port()

    def _wait_for_port(self) -> int:
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            found = re.search(rb"TelnetFactory starting on (\d+)", self.log_path.read_bytes())
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("twistd did not start:\n" + self.log_path.read_text())

    def connect(self, source: str = "127.0.0.1", receive_buffer: int = 0) -> LineClient:
        return LineClient(self.port, source, receive_buffer)

    def rss(self) -> int:
        """The server's resident memory, in bytes."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]

    def terminate(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        finally:
            self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


class LineClient:
    """A client over a real socket that reads CRLF lines, like netcat."""

    def __init__(self, port: int, source: str = "127.0.0.1", receive_buffer: int = 0) -> None:
        self.sock = socket.socket()
        if receive_buffer:
            # Before connecting, so that the window the server sees is small from the start.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(DEADLINE)
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        self.pending = b""
        #: How much one read takes, and how long to wait before each: a slow reader.
        self.chunk = 65536
        self.pause = 0.0
        self.offer: bytes | None = None
        self.encoding = "utf-8"

    def send(self, line: str | bytes, end: bytes = b"\r\n") -> None:
        data = line.encode(self.encoding) if isinstance(line, str) else line
        self.sock.sendall(data + end)

    def readline(self) -> str:
        """The next line; the telnet offer before the first one is set aside in ``offer``."""
        while self.offer is None:
            self._receive()
            if b"\r" in self.pending:
                self.offer, _, self.pending = self.pending.partition(b"\r")
        while b"\r\n" not in self.pending:
            self._receive()
        line, self.pending = self.pending.split(b"\r\n", 1)
        assert b"\xff" not in line, f"a client that never spoke telnet got IAC: {line!r}"
        return line.decode(self.encoding)

    def _receive(self) -> None:
        if self.pause:
            time.sleep(self.pause)
        data = self.sock.recv(self.chunk)
        if not data:
            raise EOFError(f"connection closed; unread: {self.pending!r}")
        self.pending += data

    def expect(self, wanted: str) -> list[str]:
        """Read lines up to and including the first that contains ``wanted``."""
        seen = []
        while True:
            try:
                line = self.readline()
            except (EOFError, TimeoutError) as error:
                raise AssertionError(f"never got {wanted!r}; got {seen!r}") from error
            seen.append(line)
            if wanted in line:
                return seen

    def event(self, kind: str) -> dict[str, Any]:
        """In JSON mode: read objects up to the first of ``kind``."""
        while True:
            document = json.loads(self.readline())
            if document["type"] == kind:
                return document

    def login(self, name: str) -> LineClient:
        self.expect("Log in with")
        self.send(f"login {name}")
        self.expect("= Members")
        return self

    def closed(self) -> bool:
        """Whether the server has closed the connection (reading what is left)."""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.pending += data
        except TimeoutError:
            return False

    def close(self) -> None:
        self.sock.close()


def cut_off(client: LineClient) -> bool:
    """Whether the server has closed (or reset) the connection, reading what is left."""
    try:
        return client.closed()
    except ConnectionResetError:
        return True
