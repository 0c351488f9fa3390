"""
A GBK console against the real ``twistd -n chat``: over a socket, the bytes a
Windows telnet on code page 936 sends and the screen it shows, emulated as
luit and xterm do (:mod:`tests.telnet.screen`); then the real ``luit`` and
``telnet``.  A UTF-8 user beside it.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable

import pexpect
import pyte

from tests.processes import DEADLINE, RunningServer, connected
from tests.telnet.screen import Console
from tests.telnet.test_gbk_console import ANSWERS
from twisted_chat.telnet import hint


class GbkConsole:
    """A socket that types like Windows telnet, and the screen it keeps."""

    def __init__(self, port: int) -> None:
        self.sock = connected(port, "127.0.0.1")
        self.console = Console("gbk")

    def type(self, keys: str) -> None:
        """Each character a key (a hanzi's two GBK bytes at once), Enter as CR LF."""
        for key in keys:
            self.sock.sendall(b"\r\n" if key == "\n" else key.encode("gbk"))

    def shows(self, done: Callable[[Console], bool], wanted: str) -> Console:
        """Read until the screen is as ``done`` wants; fail, saying what it shows, if never."""
        while not done(self.console):
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                data = b""
            if not data:
                raise AssertionError(f"never showed {wanted!r}; screen: {self.console.rows!r}")
            self.console.feed(data)
        return self.console


def test_gbk_console_screen(server: RunningServer) -> None:
    """
    The banner's hint reads right; after `login li` (nothing but ASCII yet),
    为什么 is echoed, two Backspaces leave 为, and 为 is what arrives; the
    name 毛 (valid UTF-8 too, ë) is 毛 on its own screen and to a UTF-8 user.
    """
    alice = server.connect().login("alice")
    person = GbkConsole(server.port)
    person.sock.settimeout(DEADLINE)
    line = hint.TEXT
    person.shows(lambda console: line in console.rows, line)
    for answer in ANSWERS:
        person.sock.sendall(answer)
    person.type("login li\n")
    person.shows(lambda console: any(row.startswith("*** You are li.") for row in console.rows),
                 "*** You are li.")
    person.type("为什么")
    person.shows(lambda console: console.cursor_row == "为什么", "为什么 being typed")
    person.sock.sendall(b"\b\b")
    person.shows(lambda console: console.cursor_row == "为", "为 after two Backspaces")
    person.type("\n")
    assert alice.expect("<li>")[-1] == "<li> 为"
    person.shows(lambda console: "<li> 为" in console.rows, "<li> 为")
    person.type("/nick 毛\n")
    person.shows(lambda console: "*** You are now known as 毛" in console.rows,
                 "*** You are now known as 毛")
    alice.expect("*** li is now known as 毛")
    person.sock.close()


class Luit:
    """The real ``luit -encoding GBK -- telnet``, in a pseudo-terminal, read by pyte as xterm."""

    def __init__(self, port: int) -> None:
        assert shutil.which("luit"), "luit is missing: .ci/run installs x11-utils"
        self.process = pexpect.spawn(
            "luit", ["-encoding", "GBK", "--", "telnet", "127.0.0.1", str(port)],
            encoding="utf-8", timeout=DEADLINE, dimensions=(25, 80))
        self.screen = pyte.Screen(80, 25)
        self.stream = pyte.Stream(self.screen)

    @property
    def rows(self) -> list[str]:
        return [row.rstrip() for row in self.screen.display]

    @property
    def cursor_row(self) -> str:
        return self.rows[self.screen.cursor.y]

    def shows(self, done: Callable[[Luit], bool], wanted: str) -> None:
        end = time.monotonic() + DEADLINE
        while not done(self):
            if time.monotonic() > end:
                raise AssertionError(f"never showed {wanted!r}; screen: {self.rows!r}")
            try:
                self.stream.feed(self.process.read_nonblocking(65536, timeout=0.2))
            except pexpect.TIMEOUT:
                continue


def test_luit_gbk_console(server: RunningServer) -> None:
    """The same, through the real luit and Linux telnet, typed as UTF-8 that luit turns to GBK."""
    alice = server.connect().login("alice")
    person = Luit(server.port)
    line = hint.TEXT
    person.shows(lambda screen: line in screen.rows, line)
    person.process.send("login 毛\r")
    person.shows(lambda screen: any(row.startswith("*** You are 毛.") for row in screen.rows),
                 "*** You are 毛.")
    alice.expect("*** 毛 has logged in")
    person.process.send("为什么")
    person.shows(lambda screen: screen.cursor_row == "为什么", "为什么 being typed")
    person.process.send("\x7f\x7f")
    person.shows(lambda screen: screen.cursor_row == "为", "为 after two Backspaces")
    person.process.send("\r")
    assert alice.expect("<毛>")[-1] == "<毛> 为"
    person.shows(lambda screen: "<毛> 为" in screen.rows, "<毛> 为")
    person.process.send("/quit\r")
    person.process.expect(pexpect.EOF)
