"""
The real Linux ``telnet`` program, in a pseudo-terminal, against the real server:
what a reader of the book does with three windows.
"""

from __future__ import annotations

import shutil

import pexpect

from tests.processes import DEADLINE, RunningServer


def telnet(server: RunningServer, login: str | None = None) -> pexpect.spawn:
    """A telnet session at the login prompt, or logged in as ``login``."""
    assert shutil.which("telnet"), "the telnet program is missing: .ci/run installs it"
    session = pexpect.spawn("telnet", ["127.0.0.1", str(server.port)], encoding="utf-8",
                            # The banner's hint in GBK is mojibake here, as on screen.
                            codec_errors="replace", timeout=DEADLINE, dimensions=(40, 120))
    session.expect_exact("Log in with: login NAME")
    if login is not None:
        session.send(f"login {login}\r")
        session.expect_exact("= Members")
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
    person = telnet(server, login="person")
    raw = server.connect().login("raw")
    raw.send("hi from a bare LF", end=b"\n")
    person.expect_exact("<raw> hi from a bare LF")
    person.send("hi back\r")
    raw.expect("<person> hi back")


def test_telnet_editing_and_interrupt(server: RunningServer) -> None:
    """
    Backspace edits the line being typed; ``send ip`` at telnet's escape
    prompt drops the half-typed line and the session goes on; a watcher that
    never spoke telnet sees only what was meant, and no telnet bytes.
    """
    watcher = server.connect().login("watcher")
    person = telnet(server)
    person.send("loginn")
    person.send("\x7f")
    person.send(" carol\r")
    person.expect_exact("*** You are carol.")
    watcher.expect("*** carol has logged in")

    person.send("a secret half line")
    person.expect_exact("a secret half line")
    person.send("\x1d")  # Ctrl-]: telnet's escape key
    person.expect_exact("telnet>")
    person.send("send ip\r")
    person.expect_exact("*** Interrupted: the line you were typing was dropped.")
    person.send("你好，来自telnet的问候\r")
    assert watcher.expect("<carol>")[-1] == "<carol> 你好，来自telnet的问候"
    person.send("/quit\r")
    person.expect(pexpect.EOF)


def test_gbk_raw_client_and_telnet_user(server: RunningServer) -> None:
    """A GBK client is recognised, told so, and chats with a UTF-8 telnet user in Chinese."""
    person = telnet(server, login="alice")
    wei = server.connect().login("wei")
    wei.encoding = "gbk"
    wei.send("你好，爱丽丝")
    person.expect_exact("<wei> 你好，爱丽丝")
    wei.expect("this connection now uses GBK")
    wei.expect("<wei> 你好，爱丽丝")
    person.send("欢迎你\r")
    wei.expect("<alice> 欢迎你")
