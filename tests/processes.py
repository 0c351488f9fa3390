"""
The real server as a process, and a client that talks to it over loopback.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    TextMessage,
)
from wsproto.events import Request as WSRequest

T = TypeVar("T")

TWISTD = str(Path(sys.executable).parent / "twistd")
#: A deadline for things that should happen at once; only a hang ever reaches it.
DEADLINE = 15.0


def read_until(read: Callable[[], T], done: Callable[[T], bool], wanted: str) -> list[T]:
    """Read until ``done`` says so, returning all that was read; fail saying what never came."""
    seen: list[T] = []
    while True:
        try:
            item = read()
        except (EOFError, TimeoutError) as error:
            raise AssertionError(f"never got {wanted!r}; got {seen!r}") from error
        seen.append(item)
        if done(item):
            return seen


def connected(port: int, source: str, receive_buffer: int = 0,
              tls: ssl.SSLContext | None = None) -> socket.socket:
    """
    A socket from ``source`` to the server's ``port``, with a small receive
    window if asked; with ``tls``, wrapped in it (the server named ``localhost``).
    """
    sock = socket.socket()
    if receive_buffer:
        # Before connecting, so that the window the server sees is small from the start.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(DEADLINE)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    if tls is not None:
        return tls.wrap_socket(sock, server_hostname="localhost")
    return sock


class RunningServer:
    """
    A ``twistd -n chat`` process, listening on a port it chose itself; with
    ``web``, serving the browser client too, on ``web_port`` if given (a
    restart on the same port), else on one it chose.  ``listen`` and
    ``web_listen`` give the listeners' endpoint descriptions instead (such as
    ``ssl:0:interface=127.0.0.1:privateKey=...``: port 0 is still read from the log).
    """

    def __init__(self, workdir: Path, *args: str, web: bool = False,
                 web_port: int = 0, listen: str = "tcp:0:interface=127.0.0.1",
                 web_listen: str = "") -> None:
        self.log_path = workdir / "twistd.log"
        self.log = self.log_path.open("w+b")
        web = web or bool(web_listen)
        web_listen = web_listen or f"tcp:{web_port}:interface=127.0.0.1"
        serve = ["--web", web_listen] if web else ["--web", "none"]
        self.process = subprocess.Popen(
            [TWISTD, "-n", "--pidfile=", "chat", "--port", listen, *serve, *args],
            cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT)
        self.port = self._wait_for_port(rb"TelnetFactory (?:\(TLS\) )?starting on (\d+)")
        self.web_port = self._wait_for_port(
            rb"ChatSite (?:\(TLS\) )?starting on (\d+)") if web else 0

    def _wait_for_port(self, pattern: bytes) -> int:
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            found = re.search(pattern, self.log_path.read_bytes())
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("twistd did not start:\n" + self.log_path.read_text())

    def connect(self, source: str = "127.0.0.1", receive_buffer: int = 0,
                tls: ssl.SSLContext | None = None) -> LineClient:
        return LineClient(self.port, source, receive_buffer, tls)

    def connect_web(self, source: str = "127.0.0.1", origin: str | None = None,
                    receive_buffer: int = 0, tls: ssl.SSLContext | None = None) -> WebClient:
        """A WebSocket client on /ws, sending the page's own Origin unless told another."""
        if origin is None:
            origin = f"{'https' if tls else 'http'}://127.0.0.1:{self.web_port}"
        return WebClient(self.web_port, source, origin, receive_buffer, tls)

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

    def __init__(self, port: int, source: str = "127.0.0.1", receive_buffer: int = 0,
                 tls: ssl.SSLContext | None = None) -> None:
        self.sock = connected(port, source, receive_buffer, tls)
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
        # The banner's hint comes in GBK and in UTF-8: one of them is mojibake.
        hint = line.endswith(b" /encoding gbk")
        return line.decode(self.encoding, "replace" if hint else "strict")

    def _receive(self) -> None:
        if self.pause:
            time.sleep(self.pause)
        data = self.sock.recv(self.chunk)
        if not data:
            raise EOFError(f"connection closed; unread: {self.pending!r}")
        self.pending += data

    def expect(self, wanted: str) -> list[str]:
        """Read lines up to and including the first that contains ``wanted``."""
        return read_until(self.readline, lambda line: wanted in line, wanted)

    def event(self, kind: str) -> dict[str, Any]:
        """In JSON mode: read objects up to the first of ``kind``."""
        while True:
            document = json.loads(self.readline())
            if document["type"] == kind:
                return document

    def banner(self) -> list[str]:
        """Read the banner, up to its last line (the hint for a GBK console, in GBK)."""
        lines = self.expect("Log in with")
        lines += self.expect(" /encoding gbk")
        return lines + self.expect(" /encoding gbk")

    def login(self, name: str) -> LineClient:
        self.banner()
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


class WebClient:
    """A WebSocket client over a real socket (wsproto), as the page is: JSON events in."""

    def __init__(self, port: int, source: str = "127.0.0.1", origin: str | None = None,
                 receive_buffer: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.sock = connected(port, source, receive_buffer, tls)
        self.ws = WSConnection(ConnectionType.CLIENT)
        headers = [(b"origin", origin.encode())] if origin else []
        self.sock.sendall(self.ws.send(WSRequest(f"127.0.0.1:{port}", "/ws",
                                                 extra_headers=headers)))
        self.messages: list[str] = []
        self.closed_with: int | None = None
        self.rejected: int | None = None
        self._text = ""
        self.accepted = False
        while not self.accepted and self.rejected is None:
            self._receive()

    def send(self, text: str) -> None:
        self.sock.sendall(self.ws.send(TextMessage(text)))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _receive(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            if self.closed_with is None:
                self.closed_with = 1006
            raise EOFError("connection closed")
        self.ws.receive_data(data)
        for event in self.ws.events():
            if isinstance(event, AcceptConnection):
                self.accepted = True
            elif isinstance(event, RejectConnection):
                self.rejected = event.status_code
            elif isinstance(event, TextMessage):
                self._text += event.data
                if event.message_finished:
                    self.messages.append(self._text)
                    self._text = ""
            elif isinstance(event, Ping):
                self.sock.sendall(self.ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                self.closed_with = event.code
                if self.ws.state is not ConnectionState.CLOSED:
                    self.sock.sendall(self.ws.send(event.response()))

    def next_frame(self) -> None:
        """Read what comes next, as it comes."""
        self._receive()

    def next(self) -> dict[str, Any]:
        """The next JSON event."""
        while not self.messages:
            self._receive()
        return json.loads(self.messages.pop(0))

    def event(self, kind: str, text: str = "") -> dict[str, Any]:
        """Read events up to the first of ``kind`` (whose text holds ``text``)."""
        return read_until(self.next, lambda found: found["type"] == kind
                          and text in found.get("text", ""), kind)[-1]

    def login(self, name: str) -> WebClient:
        self.event("notice", "Log in with")
        self.send(f"login {name}")
        self.event("room")
        return self

    def wait_closed(self) -> int | None:
        """Read until the server closes; the close code it sent (1006: none)."""
        try:
            while True:
                self._receive()
        except (EOFError, ConnectionResetError):
            return self.closed_with or 1006

    def close(self) -> None:
        self.sock.close()


def logged_in_registered(server: RunningServer, name: str,
                         password: str = "chalk-and-talk") -> LineClient:
    """
    ``name`` registered, then logged in again with its password: what makes a
    name given to ``--operator`` a server operator.
    """
    first = server.connect().login(name)
    first.send(f"/register {password}")
    first.expect(f"{name} is registered")
    first.send("/quit")
    first.expect("Goodbye")
    client = server.connect()
    client.banner()
    client.send(f"login {name} {password}")
    client.expect("= Members")
    return client
