"""
A GBK console (Windows telnet on code page 936) beside UTF-8 users: the
banner's hint, its echo while typing Chinese, and what the others read.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server
from tests.telnet.screen import Console
from twisted_chat.telnet import hint

#: Windows telnet's answers to the server's offer: BINARY, SGA, ECHO, and an 80x25 window.
ANSWERS = [bytes.fromhex(chunk) for chunk in json.loads(
    (Path(__file__).parent.parent / "clients" / "windows-telnet-gbk.json").read_text()
)["chunks"][:2]]


def controls(text: str) -> list[str]:
    """The control characters in ``text`` (C0 and C1), but CR and LF."""
    return [char for char in text
            if unicodedata.category(char) == "Cc" and char not in "\r\n"]


class HintTests(SynchronousTestCase):
    def test_banner_carries_the_hint_in_both_encodings(self) -> None:
        client = Server().connect()
        self.assertIn(hint.TEXT.encode("utf-8") + b"\r\n", client.banner)
        self.assertIn(hint.TEXT.encode("gbk") + b"\r\n", client.banner)
        self.assertTrue(client.banner.index(b"Log in with") < client.banner.index(hint.LINES))

    def test_each_console_reads_one_line_and_no_control(self) -> None:
        """
        A GBK console reads the GBK line, a UTF-8 terminal the UTF-8 one; the
        other is mojibake with no control character in it, and its
        ``/encoding gbk`` reads right.
        """
        for encoding in ("gbk", "utf-8"):
            shown = hint.LINES.decode(encoding, "replace")
            self.assertEqual(controls(shown), [], encoding)
            console = Console(encoding)
            console.feed(Server().connect().banner)
            rows = console.rows
            self.assertIn(hint.TEXT, rows, encoding)
            self.assertTrue(rows[-1].endswith(" /encoding gbk"), rows)
            self.assertTrue(rows[-2].endswith(" /encoding gbk"), rows)
            self.assertEqual(console.screen.cursor.x, 0)


class EchoTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()
        (self.alice,) = self.server.logins("alice")
        self.console = Console("gbk")
        self.client = self.server.connect()
        self.console.feed(self.client.received())
        for answer in ANSWERS:
            self.type(answer)
        self.assertIsNotNone(self.client.protocol.echo)

    def type(self, keys: bytes) -> None:
        self.client.protocol.dataReceived(keys)
        self.server.clock.advance(0)
        self.console.feed(self.client.received())

    def test_chinese_and_backspace_in_step(self) -> None:
        """
        `login li`, 为什么 (each hanzi a key, valid UTF-8 all the same), two
        Backspaces: the screen shows 为, and 为 is what is sent.
        """
        for key in "login li\r\n":
            self.type(key.encode())
        self.alice.clear()
        for key in "为什么":
            self.type(key.encode("gbk"))
        self.assertEqual(self.console.cursor_row, "为什么")
        self.type(b"\b")
        self.type(b"\b")
        self.assertEqual(self.console.cursor_row, "为")
        self.type(b"\r\n")
        self.assertEqual(self.alice.lines(), ["<li> 为"])
        self.assertIn("<li> 为", self.console.rows)
