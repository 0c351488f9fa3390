"""
The WebSocket front end on a Clock: the same chat as telnet, one command
line per message in, one JSON event per message out, and bounded as telnet is.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase
from wsproto.events import BytesMessage, CloseConnection, Ping
from wsproto.frame_protocol import FrameProtocol, Opcode

from tests.harness import Browser, HttpClient, Server, limited, only
from twisted_chat.core import errors
from twisted_chat.session.admission import PAGE_CONNECTIONS
from twisted_chat.session.session import CLOSE_GRACE
from twisted_chat.web import socket
from twisted_chat.web.site import HTTP_IDLE, HTTP_LIFETIME, MAX_REQUESTS
from twisted_chat.web.socket import PING_INTERVAL, WEBSOCKET


def masked_frames(*pieces: tuple[str | bytes, bool]) -> bytes:
    """Client frames (masked), each (payload, last), as a browser fragments a message."""
    framer = FrameProtocol(client=True, extensions=[])
    return b"".join(bytes(framer.send_data(payload, last)) for payload, last in pieces)


class ChatTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()

    def test_welcome_in_json(self) -> None:
        """
        A browser's session speaks JSON from its first event: the language its
        sentences are in, then the welcome.
        """
        browser = Browser(self.server.connect_web())
        language, welcome = browser.events()
        self.assertEqual(language, {"type": "language", "code": "en", "name": "English",
                                    "choices": [], "time": language["time"]})
        self.assertEqual(welcome["type"], "notice")
        self.assertIn("Log in with: login NAME", welcome["text"])

    def test_same_room_as_telnet(self) -> None:
        """A browser user and a telnet user share the room, both ways, Chinese included."""
        alice = self.server.browser("alice")
        tom = self.server.login("tom")
        self.assertEqual(alice.events()[0]["name"], "tom")
        alice.send("你好 tom")
        self.assertEqual(tom.lines(), ["<alice> 你好 tom"])
        (own,) = alice.events()
        self.assertEqual((own["type"], own["sender"], own["text"]), ("chat", "alice", "你好 tom"))
        tom.send("/me waves")
        (emote,) = alice.events()
        self.assertEqual((emote["type"], emote["sender"], emote["text"]), ("emote", "tom", "waves"))
        tom.send("/msg alice psst")
        self.assertEqual(alice.events()[0]["type"], "private")

    def test_every_command_works(self) -> None:
        """The telnet command language works as it is: /help, /join, /who."""
        alice = self.server.browser("alice")
        alice.send("/help")
        (listing,) = alice.events()
        self.assertEqual(listing["type"], "help")
        self.assertIn("join", [command["name"] for command in listing["commands"]])
        alice.send("/create games")
        self.assertEqual(alice.events()[-1]["room"], "games")
        alice.send("who")
        self.assertEqual(alice.events()[0]["users"], [{"name": "alice", "room": "games"}])

    def test_frame_built_once_per_broadcast(self) -> None:
        """A line said to ten browsers is framed once, and all ten get the same bytes."""
        framer = socket._FRAMES
        built: list[str] = []

        class Counting:
            def send_data(self, payload: str, fin: bool) -> bytearray:
                built.append(payload)
                return framer.send_data(payload, fin)

        browsers = [self.server.browser(f"b{index}") for index in range(10)]
        tom = self.server.login("tom")
        for browser in browsers:
            browser.clear()
        self.patch(socket, "_FRAMES", Counting())
        tom.send("to everyone")
        self.assertEqual(len(built), 1)
        self.assertEqual({browser.texts()[0] for browser in browsers}, {built[0]})

    def test_frames_shared(self) -> None:
        """Browsers share one format, whose frames the hub builds once per broadcast."""
        alice, bob = self.server.browser("alice"), self.server.browser("bob")
        session, other = alice.session, bob.session
        self.assertIs(session.format, other.format)
        framed = session.format.frame([session.chat.error(errors.Busy())])
        self.assertEqual(framed[:1], b"\x81")  # FIN and text, unmasked
        self.assertIn(b'"code":"busy"', framed)
        self.assertIs(session.format.framing, WEBSOCKET)

    def test_encoding_is_fixed(self) -> None:
        """WebSocket text is UTF-8: /encoding gbk is refused, and nothing changes."""
        alice = self.server.browser("alice")
        alice.send("/encoding gbk")
        (refused,) = alice.events()
        self.assertEqual(refused["code"], "encoding-fixed")
        alice.send("/encoding utf-8")
        self.assertEqual(alice.events()[0]["encoding"], "utf-8")

    def test_text_format_too(self) -> None:
        """A program may ask for text: each event is then one message of text lines."""
        alice = self.server.browser("alice")
        alice.send("/format text")
        alice.send("look")
        self.assertEqual(alice.texts()[-1].split("\r\n"),
                         ["= Room lobby", "= Topic: (none)", "= Members (1): alice"])

    def test_quit_closes_cleanly(self) -> None:
        """/quit: the goodbye, then a close frame with code 1000, then the socket."""
        alice = self.server.browser("alice")
        alice.send("/quit bye")
        self.assertEqual(alice.events()[-1]["type"], "goodbye")
        self.assertEqual(alice.closed_with, 1000)
        self.assertFalse(alice.connected)


class BoundsTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server(max_line=64)
        self.alice = self.server.browser("alice")
        self.tom = self.server.login("tom")
        self.alice.clear()

    def test_message_over_the_limit(self) -> None:
        """A message over --max-line bytes is one error and is thrown away; the next is read."""
        self.alice.send("x" * 65)
        (error,) = self.alice.events()
        self.assertEqual((error["code"], error["args"]), ("line-too-long", {"limit": 64}))
        self.alice.send("x" * 64)
        self.assertEqual(self.tom.lines(), ["<alice> " + "x" * 64])

    def test_limit_counts_bytes(self) -> None:
        """The limit is in UTF-8 bytes, as telnet's: 22 Chinese characters are 66."""
        self.alice.send("中" * 22)
        self.assertEqual(self.alice.events()[0]["code"], "line-too-long")
        self.assertEqual(self.tom.lines(), [])

    def test_fragmented_message_over_the_limit(self) -> None:
        """A message split into frames is counted whole, and all of it thrown away."""
        self.alice.http.send(masked_frames(("x" * 40, False), ("y" * 40, False), ("z", True)))
        self.assertEqual([event["code"] for event in self.alice.events()], ["line-too-long"])
        self.alice.http.send(masked_frames(("a" * 30, False), ("b" * 30, True)))
        self.assertEqual(self.tom.lines(), ["<alice> " + "a" * 30 + "b" * 30])

    def test_huge_message_not_buffered(self) -> None:
        """A message of megabytes is dropped as it comes, never held whole."""
        framer = FrameProtocol(client=True, extensions=[])
        frame = bytes(framer.send_data("x" * 4_000_000, True))
        protocol = self.alice.session.transport
        for start in range(0, len(frame), 65536):
            self.alice.http.send(frame[start:start + 65536])
            self.assertLessEqual(sum(map(len, protocol._message)), 64)
        self.assertEqual([event["code"] for event in self.alice.events()], ["line-too-long"])
        self.assertTrue(self.alice.connected)

    def test_binary_message(self) -> None:
        """A binary message gets one error; the connection stays and nothing is said."""
        self.alice.send_event(BytesMessage(b"\x00\x01\x02"))
        self.assertEqual(self.alice.events()[0]["code"], "binary-message")
        self.assertEqual(self.tom.lines(), [])
        self.assertTrue(self.alice.connected)

    def test_invalid_utf8(self) -> None:
        """Text that is not UTF-8 breaks the protocol: an error, then close 1007."""
        framer = FrameProtocol(client=True, extensions=[])
        bad = bytes(framer._serialize_frame(Opcode.TEXT, b"oops \xc0\x80 stray", True))
        self.alice.http.send(bad)
        (error,) = self.alice.events()
        self.assertEqual(error["code"], "bad-encoding")
        self.assertEqual(self.alice.closed_with, 1007)
        self.assertFalse(self.alice.connected)
        self.assertEqual(self.tom.lines(), ["*** alice has left (invalid UTF-8)"])

    def test_junk_after_handshake(self) -> None:
        """Bytes that are no WebSocket frame (an unmasked one): an error, then close 1002."""
        self.alice.http.send(b"\x81\x05hello")
        self.assertEqual(self.alice.events()[0]["code"], "bad-frame")
        self.assertEqual(self.alice.closed_with, 1002)
        self.assertFalse(self.alice.connected)
        self.assertEqual(self.tom.lines(), ["*** alice has left (bad frame)"])

    def test_ping_then_cut(self) -> None:
        """
        A browser gone silent is pinged within two intervals; one that stays
        silent is cut (ping timeout) one interval after.
        """
        for _ in range(2):
            self.server.clock.advance(PING_INTERVAL)
            self.alice.texts()
        self.assertEqual(len(self.alice.pings), 1)
        self.assertTrue(self.alice.connected)
        self.server.clock.advance(PING_INTERVAL)
        self.assertFalse(self.alice.connected)
        self.assertEqual(self.tom.lines(), ["*** alice has left (ping timeout)"])

    def test_pong_keeps_it(self) -> None:
        """A browser that answers the ping stays, however long it says nothing."""
        for _ in range(5):
            self.server.clock.advance(PING_INTERVAL)
            self.alice.texts()
            for payload in self.alice.pings:
                self.alice.send_event(Ping(payload).response())
            self.alice.pings.clear()
        self.assertTrue(self.alice.connected)

    def test_answers_pings(self) -> None:
        """A client's ping gets its pong."""
        self.alice.send_event(Ping(b"are you there"))
        self.alice.texts()
        self.assertEqual(self.alice.pongs, [b"are you there"])
        self.assertTrue(self.alice.connected)

    def test_browser_that_stops_reading(self) -> None:
        """A browser whose socket stops draining is cut at the send queue; others go on."""
        server = Server(limits=only(sendq=4096))
        alice, bob = server.browser("alice"), server.browser("bob")
        tom = server.login("tom")
        alice.http.transport.producer.pauseProducing()  # The socket's buffer is full.
        for index in range(100):
            tom.send(f"line {index} " + "x" * 60)
        server.clock.advance(0)
        self.assertFalse(alice.connected)
        self.assertEqual(len([event for event in bob.events() if event["type"] == "chat"]), 100)
        self.assertIn("*** alice has left (send queue exceeded)", tom.lines())

    def test_login_timeout(self) -> None:
        """A browser that never logs in is told, and closed, as a telnet client is."""
        server = Server(limits=only(login_timeout=60))
        browser = Browser(server.connect_web())
        browser.clear()
        server.clock.advance(60)
        self.assertEqual(browser.events()[0]["code"], "login-timeout")
        server.clock.advance(CLOSE_GRACE)
        self.assertFalse(browser.connected)


class BudgetTests(SynchronousTestCase):
    def test_masked_bytes_are_no_telnet_commands(self) -> None:
        """
        A browser's bytes pass the input budget as plain bytes: a mask that
        turns every byte of a frame into 0xFF (an IAC to telnet, 64 bytes of
        budget each) is still one line, not a flood.
        """
        server = Server(limits=only(flood_rate=5, flood_burst=10, flood_queue=20,
                                    input_rate=16 * 1024, input_burst=8 * 1024))
        alice, tom = server.browser("alice"), server.login("tom")
        payload = bytes(0x79 ^ 0x86 for _ in range(1000))  # "y" * 1000, masked: 0xFF each
        assert set(payload) == {0xFF}
        alice.http.send(b"\x81\xfe" + (1000).to_bytes(2, "big") + b"\x86" * 4 + payload)
        self.assertEqual(tom.lines(), ["<alice> " + "y" * 1000])
        self.assertTrue(alice.connected)


class AttackTests(SynchronousTestCase):
    """Each shaped like an attack that once worked (README, "Security")."""

    def test_pings_from_a_client_that_never_reads(self) -> None:
        """
        The answers to pings are output like any other, counted by the send
        queue: a client that pings and never reads is cut, not buffered for.
        And only the last ping of a read is answered.
        """
        server = Server(limits=only(sendq=4096))
        mallory, tom = server.browser("mallory"), server.login("tom")
        mallory.http.send(b"".join(
            mallory.ws.send(Ping(b"p%d" % index)) for index in range(10)))
        mallory.texts()
        self.assertEqual(mallory.pongs, [b"p9"])
        mallory.http.transport.producer.pauseProducing()  # It stops reading.
        for _ in range(100):
            mallory.send_event(Ping(b"x" * 120))
        self.assertFalse(mallory.connected)
        self.assertIn("*** mallory has left (send queue exceeded)", tom.lines())

    def test_tiny_frames_cost_more_than_their_bytes(self) -> None:
        """
        Empty frames cost the budget as telnet commands do, not their six
        bytes: a stream of them is soon held back (not read, not parsed),
        where at the byte rate it was parsed at 2,500 frames a second.
        """
        server = Server(limits=only(flood_rate=5, flood_burst=10, flood_queue=20,
                                    input_rate=16 * 1024, input_burst=64 * 1024))
        mallory, tom = server.browser("mallory"), server.login("tom")
        empty = mallory.ws.send(Ping(b""))
        for _ in range(10):
            mallory.http.send(empty * 500)  # 3 KB a read; 30 KB in all, within the bytes
        mallory.texts()
        # Each read parsed answers its last ping: two were, the rest wait their turn.
        self.assertIn(len(mallory.pongs), (1, 2, 3))
        self.assertEqual(mallory.http.transport.producerState, "paused")
        tom.send("/who")
        self.assertEqual(tom.lines()[0], "= Online (2):")

    def test_nothing_after_the_close(self) -> None:
        """
        A peer's Close, while output waits for it, is answered after that
        output: no data frame follows a close frame (RFC 6455, 5.5.1).
        """
        server = Server()
        mallory, tom = server.browser("mallory"), server.login("tom")
        mallory.http.transport.producer.pauseProducing()
        tom.send("held line")
        mallory.send_event(CloseConnection(1000))
        raw = mallory.http.transport.value()
        self.assertGreater(raw.find(b"held line"), 0)
        self.assertGreater(raw.rindex(b"\x88"), raw.find(b"held line"))
        self.assertTrue(raw.endswith(b"\x88\x02\x03\xe8"), raw[-8:])  # close, 1000

    def test_a_burst_of_empty_frames_stops_at_the_budget(self) -> None:
        """
        A whole burst of empty frames in one read (10,000) is parsed only as
        far as the budget goes, about burst / FRAME_COST frames, then cut:
        twenty such connections at once once stalled everyone for 2 s.
        """
        handled: list[object] = []
        ping = socket._ON_EVENT[Ping]
        self.patch(socket, "_ON_EVENT", {**socket._ON_EVENT, Ping: lambda connection, event: (
            handled.append(event), ping(connection, event))})
        server = Server(limits=only(flood_rate=5, flood_burst=10, flood_queue=20,
                                    input_rate=16 * 1024, input_burst=64 * 1024))
        mallory, tom = server.browser("mallory"), server.login("tom")
        empty = mallory.ws.send(Ping(b""))
        burst = 64 * 1024
        mallory.http.send(empty * (burst // len(empty)))
        self.assertFalse(mallory.connected)
        self.assertLess(len(handled), burst // socket.FRAME_COST + 2 * socket.FRAMES_A_CHARGE)
        self.assertEqual(tom.lines(), ["*** mallory has left (excess flood)"])

    def test_close_then_silence(self) -> None:
        """
        A client that sends Close and then stops reading gets nothing more,
        is cut after the close grace, and the pings of everyone else go on.
        """
        server = Server()
        mallory, quiet = server.browser("mallory"), server.browser("quiet")
        tom = server.login("tom")
        transport = mallory.http.transport
        transport.producer.pauseProducing()
        # Its socket's close waits behind what it does not read.
        transport.loseConnection = lambda: None  # type: ignore[method-assign]
        mallory.send_event(CloseConnection(1000))
        tom.send("after the close")
        self.assertNotIn(b"after the close", transport.value())
        server.clock.advance(CLOSE_GRACE)
        self.assertTrue(transport.disconnected, "aborted")
        for _ in range(3):
            server.clock.advance(PING_INTERVAL)
        self.assertFalse(quiet.connected, "the quiet one was pinged and cut as usual")
        self.assertIn("*** quiet has left (ping timeout)", tom.lines())

    def test_request_body_refused(self) -> None:
        """A request with a body is refused at its headers: nothing here takes one."""
        for headers in (b"Content-Length: 2000000000", b"Transfer-Encoding: chunked",
                        b"Content-Length: 10\r\nExpect: 100-continue"):
            with self.subTest(headers=headers):
                http = Server().connect_web()
                http.send(b"POST /ws HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n" + headers +
                          b"\r\n\r\n" + b"x" * 60000)
                response = http.received()
                self.assertTrue(response.startswith(b"HTTP/1.1 413 "), response[:80])
                self.assertNotIn(b"100 Continue", response)
                self.assertFalse(http.connected)

    def test_requests_per_connection(self) -> None:
        """One HTTP connection serves MAX_REQUESTS requests, then closes."""
        http = Server().connect_web()
        http.send(b"GET /nothing HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n" * (MAX_REQUESTS + 5))
        self.assertEqual(http.received().count(b"HTTP/1.1 404"), MAX_REQUESTS)
        self.assertFalse(http.connected)

    def test_web_connections_have_a_rate(self) -> None:
        """Web connections that are no session yet have a rate too: 5 times --conn-rate."""
        server = limited(conn_rate=30)
        for _ in range(30 * PAGE_CONNECTIONS):
            http = server.connect_web()
            self.assertTrue(http.connected)
            http.transport.loseConnection()
        refused = server.connect_web()
        self.assertIn(b"503", refused.received())
        self.assertFalse(refused.connected)

    def test_frame_trouble_in_our_words(self) -> None:
        """A broken frame's error says what was wrong without wsproto's internals."""
        server = Server()
        mallory = server.browser("mallory")
        mallory.http.send(masked_frames(("a", False)) + masked_frames(("b", True)))
        (error,) = mallory.events()
        self.assertEqual(error["code"], "bad-frame")
        self.assertEqual(error["args"], {"reason": "a protocol error"})


class DoorTests(SynchronousTestCase):
    def test_no_listing(self) -> None:
        """Nothing but the page's files is served: no listing, no path out of the folder."""
        for path in ("/nothing-here", "/../setup.cfg", "/%2e%2e/site.py"):
            with self.subTest(path=path):
                response = Server().connect_web().get(path)
                self.assertIn(b"404", response.split(b"\r\n", 1)[0])

    def test_foreign_origin_refused(self) -> None:
        """A page from another site may not open the WebSocket; its own and listed ones may."""
        server = Server(origins=("https://school.example.org",))
        refused = server.connect_web().get("/ws", {
            "Origin": "http://evil.example", "Upgrade": "websocket", "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"})
        self.assertIn(b"403", refused.split(b"\r\n", 1)[0])
        self.assertNotIn(b"101", refused)
        for origin in ("http://127.0.0.1:8080", "https://school.example.org", None):
            with self.subTest(origin=origin):
                self.assertTrue(Browser(server.connect_web(), origin=origin).accepted)

    def test_not_a_handshake(self) -> None:
        """A plain GET of /ws is told what is there; it is no session."""
        server = Server()
        response = server.connect_web().get("/ws")
        self.assertIn(b"400", response.split(b"\r\n", 1)[0])
        self.assertEqual(server.sessions.open, set())

    def test_limits_shared_with_telnet(self) -> None:
        """Connections per address count telnet and web together; the one over is told why."""
        server = limited(max_per_ip=2)
        server.connect()
        server.browser("alice")
        refused = HttpClient(server, 50000)
        response = refused.received()
        self.assertIn(b"HTTP/1.1 503", response)
        self.assertIn(b"Too many connections from your address", response)
        self.assertFalse(refused.connected)
        self.assertFalse(server.connect().connected)

    def test_arrivals_are_sessions(self) -> None:
        """
        --conn-rate counts chat sessions, telnet's and browsers' together, not
        the page's files: the one over it is told why over its WebSocket, and
        closed with 1013 (try again later).
        """
        server = limited(conn_rate=3)
        for _ in range(5):
            server.connect_web().get("/nothing")  # The page's files, however many.
        server.connect()
        server.browser("alice")
        server.browser("bob")
        late = Browser(server.connect_web())
        (refused,) = late.events()
        self.assertEqual(refused["code"], "connecting-too-fast")
        self.assertEqual(late.closed_with, 1013)
        self.assertFalse(late.connected)
        self.assertEqual(len(server.sessions.open), 3)
        # The page's connections stay open (until idle), and are counted; the late one is not.
        self.assertEqual(server.sessions.admission.total, 3 + 5)

    def test_slow_request_cut(self) -> None:
        """A request trickled in a byte at a time is cut however often bytes come."""
        server = Server()
        http = server.connect_web()
        for byte in b"GET / HTTP/1.1\r\nX-Slow: " + b"y" * 1000:
            if not http.connected:
                break
            http.send(bytes([byte]))
            server.clock.advance(HTTP_IDLE - 1)
        self.assertFalse(http.connected)
        self.assertLessEqual(server.clock.seconds() - 1_800_000_000, HTTP_LIFETIME + HTTP_IDLE)

    def test_idle_http_cut(self) -> None:
        """A connection that sends nothing is closed after HTTP_IDLE, and its place freed."""
        server = limited(max_per_ip=1)
        http = server.connect_web()
        server.clock.advance(HTTP_IDLE)
        self.assertFalse(http.connected)
        self.assertTrue(server.browser("alice").connected)

