"""
The desktop client's connection, over ``StringTransport`` and a ``Clock``:
what it sends, how it reads the server's bytes, and how a login ends.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core import events
from twisted_chat.core.formats import JsonFormat
from twisted_chat.gui.client import (
    TIMEOUT,
    ChatClient,
    LoginFailed,
    check_name,
    parse_address,
)
from twisted_chat.telnet import hint

#: What the server sends at connect: its telnet offer, a CR, the banner.
OFFER = b"\xff\xfb\x00\xff\xfb\x03\xff\xfb\x01\xff\xfd\x1f"
BANNER = OFFER + b"\r*** Welcome to twisted-chat!\r\n*** Log in with: login NAME\r\n"


def json_line(event: events.Event, encoding: str = "utf-8") -> bytes:
    return JsonFormat(encoding).render(event)


class Recorder:
    """A listener that keeps what it is told."""

    def __init__(self) -> None:
        self.events: list[events.Event] = []
        self.lost: list[str] = []

    def event_received(self, event: events.Event) -> None:
        self.events.append(event)

    def connectionLost(self, reason: str) -> None:
        self.lost.append(reason)


class ClientTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.transport = StringTransport()
        self.client = ChatClient()
        self.client.makeConnection(self.transport)

    def login(self, name: str = "alice") -> Any:
        """Start a login; returns a list that gets its result (client or Failure)."""
        outcome: list[Any] = []
        self.client.login(name, self.clock).addBoth(outcome.append)
        return outcome

    def receive(self, *parts: bytes | events.Event) -> None:
        for part in parts:
            self.client.dataReceived(part if isinstance(part, bytes) else json_line(part))

    def lose(self, reason: Exception | None = None) -> None:
        self.client.connectionLost(Failure(reason or ConnectionDone()))


class SendingTests(ClientTestCase):
    def test_asks_for_json_at_once(self) -> None:
        """
        The first thing the client says is ``format json``, then ``/lang``,
        whose answer says which language the server writes in.
        """
        self.assertEqual(self.transport.value(), b"format json\r\n/lang\r\n")

    def test_asks_for_its_language(self) -> None:
        """Given a language, the client asks the server for it before logging in."""
        client = ChatClient(language="zh-TW")
        transport = StringTransport()
        client.makeConnection(transport)
        self.assertEqual(transport.value(), b"format json\r\n/lang zh-TW\r\n")

    def test_hears_the_servers_language(self) -> None:
        """The answer to ``/lang``, even before the login's, is the language the client keeps."""
        outcome = self.login()
        self.receive(events.LanguageChanged(1.0, "zh-CN", "简体中文"),
                     events.LoggedIn(1.0, "alice", "twisted-chat"))
        self.assertEqual(outcome, [self.client])
        self.assertEqual(self.client.language, "zh-CN")

    def test_login_line(self) -> None:
        self.login("小明")
        self.assertEqual(self.transport.value(),
                         b"format json\r\n/lang\r\n" + "login 小明\r\n".encode())

    def test_login_with_a_password(self) -> None:
        self.client.login("bob", self.clock, password="oolong-42")
        self.assertEqual(self.transport.value(),
                         b"format json\r\n/lang\r\nlogin bob oolong-42\r\n")

    def test_never_answers_telnet(self) -> None:
        """The offer is read and not answered: the server then never sends IAC again."""
        self.receive(BANNER, b"\xff\xfb\x01\xff\xfd\x18\xff\xfa\x18\x01\xff\xf0")
        self.assertNotIn(b"\xff", self.transport.value())

    def test_sends_in_the_encoding_the_server_uses(self) -> None:
        self.receive(events.Encoding(1.0, "gbk"))
        self.transport.clear()
        self.client.send("say 你好")
        self.assertEqual(self.transport.value(), "say 你好\r\n".encode("gbk"))


class LoginTests(ClientTestCase):
    def test_logged_in(self) -> None:
        outcome = self.login()
        self.receive(BANNER, events.FormatChanged(1.0, "json"))
        self.assertEqual(outcome, [])
        self.receive(events.LoggedIn(2.0, "alice", "twisted-chat"))
        self.assertEqual(outcome, [self.client])
        self.assertEqual(self.client.name, "alice")
        self.assertEqual(self.client.text[0], "*** Welcome to twisted-chat!")

    def test_events_after_login_wait_for_the_listener(self) -> None:
        """What arrives between the login and the window's attaching is not lost."""
        self.login()
        room = events.RoomInfo(3.0, "lobby", "", None, ("alice",))
        chat = events.Message(4.0, "lobby", "bob", "hi")
        self.receive(BANNER, events.LoggedIn(2.0, "alice", "twisted-chat"), room, chat)
        recorder = Recorder()
        self.client.attach(recorder)
        self.receive(events.Emote(5.0, "lobby", "bob", "waves"))
        self.assertEqual([event.kind for event in recorder.events], ["room", "chat", "emote"])
        self.assertEqual(recorder.events[1], chat)

    def test_error_fails_with_the_servers_words(self) -> None:
        outcome = self.login("bob")
        self.receive(BANNER, events.Error(2.0, "name-taken",
                                          "The name 'bob' is taken; choose another."))
        [failure] = outcome
        self.assertIsInstance(failure.value, LoginFailed)
        self.assertEqual(failure.value.message, "The name 'bob' is taken; choose another.")
        self.assertEqual(failure.value.code, "name-taken")
        self.assertTrue(self.transport.disconnecting)

    def test_refusal_line(self) -> None:
        """A refused connection reads one text line and is closed: that line is the reason."""
        outcome = self.login()
        self.receive(b"! Too many connections from your address (at most 20 at once).\r\n")
        self.lose()
        self.assertEqual(outcome[0].value.message,
                         "Too many connections from your address (at most 20 at once).")

    def test_the_banners_gbk_hint_is_not_taken_for_the_servers_words(self) -> None:
        """The banner ends with its hint in GBK, which is no UTF-8: never the reason shown."""
        outcome = self.login()
        self.receive(BANNER + hint.LINES)
        self.lose()
        self.assertEqual(outcome[0].value.message, hint.TEXT)

    def test_closed_before_answering(self) -> None:
        outcome = self.login()
        self.receive(OFFER)
        self.lose(ConnectionLost())
        self.assertEqual(outcome[0].value.message,
                         "The server closed the connection before answering.")

    def test_closed_without_a_word(self) -> None:
        """Not even a banner: what a TLS port does to plain TCP."""
        outcome = self.login()
        self.lose(ConnectionLost())
        self.assertEqual(outcome[0].value.message,
                         "The server closed the connection without a word "
                         "(if its port is an ssl: one, connect with --tls).")

    def test_no_answer(self) -> None:
        """A server that says nothing is given up on, and the connection closed."""
        outcome = self.login()
        self.clock.advance(TIMEOUT - 0.5)
        self.assertEqual(outcome, [])
        self.clock.advance(1)
        self.assertIn("did not answer in 10 seconds", outcome[0].value.message)
        self.assertTrue(self.transport.disconnecting)

    def test_answer_in_time_cancels_the_timeout(self) -> None:
        outcome = self.login()
        self.receive(events.LoggedIn(2.0, "alice", "twisted-chat"))
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.assertEqual(outcome, [self.client])


class ReadingTests(ClientTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login()
        self.receive(BANNER, events.LoggedIn(2.0, "alice", "twisted-chat"))
        self.recorder = Recorder()
        self.client.attach(self.recorder)

    def test_byte_by_byte(self) -> None:
        data = json_line(events.Message(4.0, "lobby", "小明", "你好 ÿ"))
        for index in range(len(data)):
            self.receive(data[index:index + 1])
        self.assertEqual(self.recorder.events, [events.Message(4.0, "lobby", "小明", "你好 ÿ")])

    def test_telnet_commands_between_lines_are_skipped(self) -> None:
        self.receive(b"\xff\xfb\x01" + json_line(events.Notice(1.0, "one")) + b"\xff\xf6"
                     + json_line(events.Notice(2.0, "two")))
        self.assertEqual([event.text for event in self.recorder.events],  # type: ignore[attr-defined]
                         ["one", "two"])

    def test_unknown_event_type_is_skipped(self) -> None:
        """A newer server's new event is not an error."""
        self.receive(b'{"type":"reaction","time":1.0,"emoji":"+1"}\r\n',
                     json_line(events.Notice(2.0, "after")))
        self.assertEqual(self.recorder.events, [events.Notice(2.0, "after")])

    def test_broken_line_costs_that_line_only(self) -> None:
        with capturedLogs() as logs:
            self.receive(b'{"type":"chat","time":1.0}\r\n', b"{not json\r\n",
                         json_line(events.Notice(2.0, "after")))
        self.assertEqual(self.recorder.events, [events.Notice(2.0, "after")])
        self.assertEqual([log["line"] for log in logs], ['{"type":"chat","time":1.0}', "{not json"])

    def test_follows_the_encoding(self) -> None:
        """After ``/encoding gbk`` the server's JSON comes in GBK; it still reads right."""
        self.receive(events.Encoding(1.0, "gbk"), json_line(events.Notice(2.0, "你好"), "gbk"))
        self.assertEqual(self.recorder.events[-1], events.Notice(2.0, "你好"))

    def test_lost(self) -> None:
        self.lose()
        self.lose(ConnectionLost("reset by peer"))
        self.assertEqual(self.recorder.lost[0], "The server closed the connection.")
        self.assertIn("Connection lost", self.recorder.lost[1])

    def test_when_lost(self) -> None:
        fired: list[object] = []
        self.client.when_lost().addCallback(fired.append)
        self.assertEqual(fired, [])
        self.lose()
        self.assertEqual(fired, [None])
        self.client.when_lost().addCallback(fired.append)
        self.assertEqual(fired, [None, None])


class TLSTests(SynchronousTestCase):
    """Over TLS, not a byte before the handshake (and its certificate check) is done."""

    def setUp(self) -> None:
        self.transport = StringTransport()
        self.client = ChatClient(tls=True)
        self.client.makeConnection(self.transport)
        self.ready: list[Any] = []
        self.client.when_ready().addBoth(self.ready.append)

    def test_silent_until_the_handshake(self) -> None:
        self.assertEqual(self.transport.value(), b"")
        self.assertEqual(self.ready, [])
        self.client.handshakeCompleted()
        self.assertEqual(self.transport.value(), b"format json\r\n/lang\r\n")
        self.assertEqual(self.ready, [self.client])

    def test_lost_in_the_handshake(self) -> None:
        self.client.connectionLost(Failure(ConnectionLost("certificate verify failed")))
        self.assertEqual(self.transport.value(), b"")
        [failure] = self.ready
        self.assertIsInstance(failure.value, ConnectionLost)

    def test_plain_is_ready_at_once(self) -> None:
        client = ChatClient()
        client.makeConnection(StringTransport())
        ready: list[Any] = []
        client.when_ready().addBoth(ready.append)
        self.assertEqual(ready, [client])


class AddressTests(SynchronousTestCase):
    def test_forms(self) -> None:
        self.assertEqual(parse_address("localhost:6667"), ("localhost", 6667))
        self.assertEqual(parse_address(" chat.example.org "), ("chat.example.org", 6666))
        self.assertEqual(parse_address("[::1]:7000"), ("::1", 7000))
        self.assertEqual(parse_address("[::1]"), ("::1", 6666))
        self.assertEqual(parse_address("::1"), ("::1", 6666))

    def test_bad(self) -> None:
        for address in ("", "host:", "host:port", "host:70000", ":6666", "[::1]x"):
            with self.subTest(address=address):
                self.assertRaises(LoginFailed, parse_address, address)

    def test_names(self) -> None:
        """The server judges names; only 'none' and 'two words' are said before asking."""
        self.assertEqual(check_name(" 小明 "), "小明")
        self.assertEqual(check_name("al!ce"), "al!ce")
        self.assertEqual(self.assertRaises(LoginFailed, check_name, "  ").message,
                         "Type a name to log in with.")
        self.assertIn("one word", self.assertRaises(LoginFailed, check_name, "a b").message)
