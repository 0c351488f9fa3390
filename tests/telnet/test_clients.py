"""
What real clients send, byte for byte, replayed through the protocol.

Each file in ``tests/clients/`` holds one client's bytes as they arrived, read
by read, and says where they come from (recorded here, or built from a
published capture and documented behaviour).  A UTF-8 user who never spoke
telnet watches in the same room.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server
from twisted_chat.telnet import hint

CLIENTS = Path(__file__).parent.parent / "clients"
_NEGOTIATION = re.compile(rb"\xff[\xfb-\xfe].|\xff\xfa.*?\xff\xf0", re.DOTALL)


def chunks(name: str) -> list[bytes]:
    recorded = json.loads((CLIENTS / f"{name}.json").read_text())
    return [bytes.fromhex(chunk) for chunk in recorded["chunks"]]


def text_of(data: bytes, encoding: str = "utf-8") -> str:
    """
    What a telnet client shows: negotiation removed, doubled IAC undone, and
    of the banner's hint the line in ``encoding`` (the other is mojibake there).
    """
    hints = hint.LINES.replace(hint.TEXT.encode(encoding) + b"\r\n", b"")
    data = _NEGOTIATION.sub(b"", data).replace(b"\xff\xff", b"\xff").replace(hints, b"")
    return data.decode(encoding)


class ReplayTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()
        (self.watcher,) = self.server.logins("watcher")

    def replay(self, name: str, until: int | None = None):
        client = self.server.connect()
        for chunk in chunks(name)[:until]:
            client.protocol.dataReceived(chunk)
        return client

    def assertVisit(self, name: str, *said: str, left: bool = True) -> None:
        """The watcher saw ``name`` log in, say ``said`` and (with ``left``) log out."""
        self.assertEqual(self.watcher.lines(), [
            f"*** {name} has logged in",
            *(f"<{name}> {text}" for text in said),
            *([f"*** {name} has logged out"] if left else []),
        ])

    def test_linux_telnet(self) -> None:
        """
        Backspace edits the name, UTF-8 Chinese arrives whole with Enter as a
        lone CR, ``send ip`` drops the half-typed line, and /quit works after it.
        """
        client = self.replay("linux-telnet")
        self.assertVisit("linux", "来自telnet的问候")
        shown = text_of(client.received())
        self.assertIn("*** You are linux.", shown)
        self.assertIn("Interrupted: the line you were typing was dropped.", shown)
        self.assertIn("oops^C\r\n", shown)
        self.assertFalse(client.connected)

    def test_linux_telnet_negotiation(self) -> None:
        """The server echoes, both sides go binary, and the window size is known."""
        client = self.replay("linux-telnet", until=3)
        self.assertIsNotNone(client.protocol.echo)
        self.assertEqual(client.protocol.session.settings.width, 80)
        binary = client.protocol.telnet.getOptionState(b"\x00")
        self.assertEqual((binary.us.state, binary.him.state), ("yes", "yes"))
        # The DO BINARY that followed the client's first answer.
        self.assertIn(b"\xff\xfd\x00", client.received())

    def test_linux_telnet_echo(self) -> None:
        """Each key is echoed; Backspace erases the character on the screen."""
        client = self.replay("linux-telnet", until=5)
        self.assertIn(b"loginn\b \b linux\r\n", client.received())

    def test_windows_telnet_gbk(self) -> None:
        """
        Keys one at a time with BS, then a GBK line: the connection switches to
        GBK and says so in GBK, and the UTF-8 watcher reads the Chinese.
        """
        client = self.replay("windows-telnet-gbk")
        self.assertVisit("wei", "你好，世界", left=False)
        shown = text_of(client.received(), "gbk")
        self.assertIn("Your text looks like GBK, so this connection now uses GBK.", shown)
        self.assertIn("<wei> 你好，世界", shown)
        self.assertEqual(client.protocol.session.settings.width, 80)

        self.watcher.send("你好 wei, 欢迎 🎉")
        self.assertIn("<watcher> 你好 wei, 欢迎 ?".encode("gbk"), client.received())

    def test_windows_telnet_echo_in_gbk(self) -> None:
        """Typed GBK is echoed in GBK; erasing a Chinese character erases two columns."""
        client = self.replay("windows-telnet-gbk")
        echoed = client.transport.value()
        self.assertNotIn(b"\xef\xbf\xbd", echoed)
        self.assertIn("吗".encode("gbk") + b"\b\b  \b\b", echoed)

    def test_putty(self) -> None:
        """
        PuTTY's burst (including TSPEED, TTYPE and NEW-ENVIRON, refused) and
        DEL as Backspace, Enter as CR NUL.
        """
        client = self.replay("putty")
        self.assertVisit("putty", "héll")
        self.assertEqual(client.protocol.session.settings.width, 100)
        self.assertFalse(client.connected)

    def test_putty_refusals(self) -> None:
        """Options the server does not do are refused, each once."""
        client = self.replay("putty", until=1)
        sent = client.transport.value()
        for option in (b"\x20", b"\x18", b"\x27"):
            self.assertEqual(sent.count(b"\xff\xfe" + option), 1, option)

    def test_telnetlib(self) -> None:
        """A client that refuses every option gets no echo, and the same chat."""
        client = self.replay("telnetlib")
        self.assertIsNone(client.protocol.echo)
        self.assertVisit("tl", "héllo 你好 from telnetlib")
        shown = text_of(client.received())
        self.assertIn("\r\n<tl> héllo 你好 from telnetlib\r\n", shown)
        self.assertNotIn("login tl", shown)

    def test_netcat(self) -> None:
        """
        A client that never speaks telnet: no echo, and after the offer at
        connect not one IAC byte (the harness checks every line).
        """
        client = self.replay("netcat")
        self.assertIsNone(client.protocol.echo)
        self.assertVisit("nc", "héllo 你好")
        self.assertNotIn(b"\xff", client.received())
