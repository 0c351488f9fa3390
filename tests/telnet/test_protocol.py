"""
The line protocol: line endings, the line limit, decoding, and the
connection's life cycle, over StringTransport.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from tests.harness import Server
from twisted_chat.interfaces import IClient, ISession, IState


class ConnectionTests(SynchronousTestCase):
    def test_interface(self) -> None:
        """The session provides everything a state may ask, and the hub of a client."""
        session = Server().connect().protocol.session
        self.assertTrue(verifyObject(ISession, session))
        self.assertTrue(verifyObject(IClient, session))
        self.assertTrue(verifyObject(IState, session.state))

    def test_banner(self) -> None:
        """On connect the banner names the server and says how to log in and get help."""
        lines = Server(server_name="Tea Party").connect().lines()
        self.assertEqual(lines[0], "*** Welcome to Tea Party!")
        self.assertIn("login NAME", lines[1])
        self.assertIn("/help", lines[1])

    def test_every_line_ends_in_crlf(self) -> None:
        """Every line the server writes ends in CRLF and contains no other line break."""
        server = Server()
        alice = server.login("alice")
        alice.send("/help")
        data = alice.received()
        self.assertTrue(data.endswith(b"\r\n"))
        self.assertEqual(data.count(b"\n"), data.count(b"\r\n"))
        self.assertEqual(data.count(b"\r"), data.count(b"\r\n"))

    def test_logins_logged_with_the_address_without_chat_text(self) -> None:
        """One line a login, with where from; one for a connection that never logs in."""
        server = Server()
        with capturedLogs() as logged:
            alice = server.login("alice")
            alice.send("the secret is 42")
            alice.drop()
            stranger = server.connect()
            stranger.send("GET / HTTP/1.0")
            stranger.drop()
        lines = [formatEvent(event) for event in logged]
        self.assertEqual(lines, [
            "alice logged in from 127.0.0.1",
            "alice dropped: connection lost",
            "A connection from 127.0.0.1 ended before logging in: not a chat client",
        ])
        self.assertNotIn("secret", " ".join(repr(event) for event in logged))


class LineEndingTests(SynchronousTestCase):
    def test_crlf(self) -> None:
        server = Server()
        alice = server.login("alice")
        alice.send("hello", end=b"\r\n")
        self.assertEqual(alice.lines(), ["<alice> hello"])

    def test_lf_alone(self) -> None:
        """netcat and telnetlib send LF alone."""
        server = Server()
        alice = server.login("alice")
        alice.send("hello", end=b"\n")
        self.assertEqual(alice.lines(), ["<alice> hello"])

    def test_lines_split_across_reads(self) -> None:
        """Bytes of one line may arrive in several reads, several lines in one."""
        server = Server()
        alice = server.login("alice")
        for piece in [b"he", b"llo\r", b"\nwor", b"ld\nag", b"ain\r\n"]:
            alice.protocol.dataReceived(piece)
        self.assertEqual(alice.lines(), ["<alice> hello", "<alice> world", "<alice> again"])

    def test_multibyte_character_split_across_reads(self) -> None:
        server = Server()
        alice = server.login("alice")
        data = "你好\n".encode()
        for index in range(len(data)):
            alice.protocol.dataReceived(data[index:index + 1])
        self.assertEqual(alice.lines(), ["<alice> 你好"])

    def test_blank_lines_ignored(self) -> None:
        """Pressing Enter on an empty line says nothing to anyone."""
        server = Server()
        alice = server.login("alice")
        alice.send("")
        alice.send("   ")
        self.assertEqual(alice.lines(), [])


class LineLimitTests(SynchronousTestCase):
    def test_exactly_the_limit(self) -> None:
        """The limit counts the line without its CRLF: a line of exactly the limit passes."""
        server = Server(max_line=64)
        alice = server.login("alice")
        text = "x" * 64
        alice.send(text, end=b"\r\n")
        self.assertEqual(alice.lines(), [f"<alice> {text}"])

    def test_one_over_the_limit(self) -> None:
        """A line over the limit is refused with one error; the connection stays open."""
        server = Server(max_line=64)
        alice, bob = server.logins("alice", "bob")
        alice.send("x" * 65)
        self.assertEqual(alice.lines(),
                         ["! Line too long (the limit is 64 bytes); ignored up to the next Enter."])
        self.assertTrue(alice.connected)
        self.assertEqual(bob.lines(), [])

    def test_next_line_in_same_read_works(self) -> None:
        """The lines after a long one, even in the same read, are read as usual."""
        server = Server(max_line=64)
        alice = server.login("alice")
        alice.protocol.dataReceived(b"y" * 500 + b"\r\nafter\r\n/look\r\n")
        lines = alice.lines()
        self.assertEqual(lines[0],
                         "! Line too long (the limit is 64 bytes); ignored up to the next Enter.")
        self.assertEqual(lines[1], "<alice> after")
        self.assertEqual(lines[2], "= Room lobby")

    def test_long_line_in_many_reads(self) -> None:
        """
        A long line arriving in many reads gets one error, and its tail is not
        taken for a new line.
        """
        server = Server(max_line=64)
        alice, bob = server.logins("alice", "bob")
        for _ in range(20):
            alice.protocol.dataReceived(b"z" * 50)
        alice.protocol.dataReceived(b"/nick mallory\r\nhello\r\n")
        self.assertEqual(alice.lines(), [
            "! Line too long (the limit is 64 bytes); ignored up to the next Enter.",
            "<alice> hello",
        ])
        self.assertEqual(bob.lines(), ["<alice> hello"])

    def test_long_line_before_login(self) -> None:
        server = Server(max_line=32)
        client = server.connect()
        client.clear()
        client.send("login " + "a" * 100)
        client.send("login alice")
        lines = client.lines()
        self.assertEqual(lines[0],
                         "! Line too long (the limit is 32 bytes); ignored up to the next Enter.")
        self.assertEqual(lines[1], "*** You are alice. Type /help for the commands.")


class DecodingTests(SynchronousTestCase):
    def test_invalid_utf8(self) -> None:
        """An undecodable line gets one error and changes nothing; the next line works."""
        server = Server()
        alice, bob = server.logins("alice", "bob")
        alice.send(b"\x80\xc3(")
        self.assertEqual(alice.lines(), ["! That line was not valid utf-8 and was ignored. "
                                         "Type /encoding to see or set yours."])
        self.assertEqual(bob.lines(), [])
        alice.send("fine")
        self.assertEqual(bob.lines(), ["<alice> fine"])

    def test_invalid_utf8_before_login(self) -> None:
        client = Server().connect()
        client.clear()
        client.send(b"login ab\x80")
        self.assertEqual(client.lines(), ["! That line was not valid utf-8 and was ignored. "
                                          "Type /encoding to see or set yours."])

    def test_nul_and_controls(self) -> None:
        """
        NUL is dropped, an escape sequence is dropped whole, a lone CR ends a
        line, other controls reach others only as visible caret notation.
        """
        server = Server()
        alice, bob = server.logins("alice", "bob")
        alice.send(b"a\x00b\x1b[2Jc\rd\x07\x1b]0;title\x07")
        self.assertEqual(bob.lines(), ["<alice> abc", "<alice> d^G]0;title^G"])


class JsonOutputTests(SynchronousTestCase):
    def test_every_line_is_one_object(self) -> None:
        server = Server()
        alice = server.login("alice", fmt="json")
        alice.send("/help")
        alice.send("/who")
        alice.send("/nosuch")
        kinds = [event["type"] for event in alice.events()]
        self.assertEqual(kinds, ["help", "who", "error"])

    def test_bad_line_in_json(self) -> None:
        server = Server(max_line=16)
        alice = server.login("alice", fmt="json")
        alice.send("q" * 40)
        alice.send(b"\xff")
        self.assertEqual([(e["type"], e["code"]) for e in alice.events()],
                         [("error", "line-too-long"), ("error", "bad-encoding")])


class StringTransportTests(SynchronousTestCase):
    def test_plain_transport(self) -> None:
        """The protocol works over a bare StringTransport too (no disconnection hook)."""
        server = Server()
        protocol = server.factory.buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.dataReceived(b"login alice\r\n/quit\r\n")
        self.assertTrue(transport.disconnecting)
        self.assertIn(b"*** Goodbye, alice.\r\n", transport.value())
