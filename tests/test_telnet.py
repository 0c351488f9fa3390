"""
The real Linux ``telnet`` program, in a pseudo-terminal, against the real server:
what a reader of the book does with three windows.
"""

from __future__ import annotations

import shutil

import pexpect
from conftest import DEADLINE, RunningServer


def telnet(server: RunningServer) -> pexpect.spawn:
    assert shutil.which("telnet"), "the telnet program is missing: .ci/run installs it"
    session = pexpect.spawn("telnet", ["127.0.0.1", str(server.port)], encoding="utf-8",
                            timeout=DEADLINE, dimensions=(40, 120))
    session.expect_exact("Log in with: login NAME")
    return session


def test_telnet_users_chat(server: RunningServer) -> None:
    alice = telnet(server)
    bob = telnet(server)
    alice.send("login alice\r")
    alice.expect_exact("= Members (1): alice")
    bob.send("login bob\r")
    bob.expect_exact("= Members (2): alice, bob")
    alice.expect_exact("*** bob has logged in")

    alice.send("hello from telnet 你好\r")
    bob.expect_exact("<alice> hello from telnet 你好")
    bob.send("/me waves back\r")
    alice.expect_exact("* bob waves back")
    bob.send("look at this\r")
    alice.expect_exact("<bob> look at this")
    bob.send("look\r")
    bob.expect_exact("= Topic: Tea and talk")

    bob.send("quit\r")
    bob.expect_exact("*** Goodbye, bob.")
    bob.expect(pexpect.EOF)
    alice.expect_exact("*** bob has logged out")
    alice.send("/logout\r")
    alice.expect(pexpect.EOF)


def test_telnet_and_netcat_style_client_together(server: RunningServer) -> None:
    """A telnet user (CRLF) and a raw client sending LF alone read each other."""
    person = telnet(server)
    person.send("login person\r")
    person.expect_exact("= Members")
    raw = server.connect().login("raw")
    raw.send("hi from a bare LF", end=b"\n")
    person.expect_exact("<raw> hi from a bare LF")
    person.send("hi back\r")
    raw.expect("<person> hi back")
