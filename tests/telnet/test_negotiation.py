"""The telnet layer: the offer, every Enter, traps in Twisted's parser, echo and redraw."""

from __future__ import annotations

from unittest.mock import patch

from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Client, Server
from twisted_chat.core import terminal
from twisted_chat.telnet.negotiation import MAX_NEGOTIATIONS, MAX_SUBNEGOTIATION

IAC, WILL, WONT, DO, DONT, SB, SE = b"\xff", b"\xfb", b"\xfc", b"\xfd", b"\xfe", b"\xfa", b"\xf0"
BINARY, ECHO, SGA, TTYPE, NAWS, LINEMODE = b"\x00", b"\x01", b"\x03", b"\x18", b"\x1f", b"\x22"


def telnet_client(server: Server, *, echo: bool = True) -> Client:
    """A client that agrees to the server's offer, as Linux telnet does."""
    client = server.connect()
    client.protocol.dataReceived(
        IAC + DO + BINARY + IAC + DO + SGA + IAC + (DO if echo else DONT) + ECHO
        + IAC + WILL + NAWS + IAC + SB + NAWS + b"\x00\x50\x00\x18" + IAC + SE
        + IAC + WILL + BINARY)
    client.clear()
    return client


def typist() -> tuple[Server, Client, Client]:
    """A server, a watcher in the main room, and "typist" logged in through character mode."""
    server = Server()
    (watcher,) = server.logins("watcher")
    client = telnet_client(server)
    client.protocol.dataReceived(b"login typist\r\n")
    watcher.lines()
    return server, watcher, client


def watched(name: str, *, telnet: bool = True, before: bytes = b"") -> tuple[Client, Client]:
    """A client logged in as ``name`` (after sending ``before``) and a watcher in its room."""
    server = Server()
    (watcher,) = server.logins("watcher")
    client = telnet_client(server) if telnet else server.connect()
    client.send(before + b"login " + name.encode())
    watcher.clear()
    client.clear()
    return client, watcher


class OfferTests(SynchronousTestCase):
    def test_offer_comes_before_the_banner(self) -> None:
        """BINARY, SGA and ECHO offered and NAWS asked for, once, ahead of a CR and the banner."""
        client = Server().connect()
        self.assertEqual(client.offer, IAC + WILL + BINARY + IAC + WILL + SGA + IAC + WILL + ECHO
                         + IAC + DO + NAWS)
        self.assertEqual(client.lines()[0], "*** Welcome to twisted-chat!")

    def test_silent_client_gets_nothing_more(self) -> None:
        """A client that never answers gets no IAC later, and no echo."""
        server = Server()
        client = server.connect()
        client.lines()
        client.send(b"login quiet")
        client.send(b"/encoding latin-1")
        (alice,) = server.logins("alice")
        client.clear()
        alice.send("caf\u00e9 \u00ff")
        self.assertEqual(client.received(), "<alice> caf\u00e9 \u00ff\r\n".encode("latin-1"))
        self.assertIsNone(client.protocol.echo)

    def test_telnet_client_gets_iac_doubled(self) -> None:
        server = Server()
        client = telnet_client(server)
        client.send(b"login tn\r\n/encoding latin-1")
        client.clear()
        alice = server.login("alice")
        # Alone, ÿ (c3 bf) reads likelier as GBK 每: alice says she speaks UTF-8.
        alice.send("/encoding utf-8")
        alice.send("\u00ff")
        self.assertIn(b"<alice> \xff\xff\r\n", client.received())

    def test_telnet_clients_share_one_framing(self) -> None:
        """
        0xFF is doubled once per format, not once per recipient: telnet
        clients with the same settings share one format (so one framed
        payload), and a raw client beside them gets its bytes as they are.
        """
        server = Server()
        first, second = telnet_client(server), telnet_client(server)
        raw = server.connect()
        for name, client in (("tn1", first), ("tn2", second), ("raw", raw)):
            client.send(f"login {name}\r\n/encoding latin-1".encode())
            client.clear()
        self.assertIs(first.protocol.session.format, second.protocol.session.format)
        self.assertIsNot(first.protocol.session.format, raw.protocol.session.format)
        alice = server.login("alice")
        alice.send("/encoding utf-8")
        alice.send("\u00ff")
        self.assertIn(b"<alice> \xff\xff\r\n", first.received())
        self.assertIn(b"<alice> \xff\xff\r\n", second.received())
        self.assertIn(b"<alice> \xff\r\n", raw.received())

    def test_refuses_politely(self) -> None:
        """Options the server does not do are refused with WONT or DONT, and nothing breaks."""
        client = Server().connect()
        client.clear()
        client.protocol.dataReceived(IAC + DO + TTYPE + IAC + WILL + LINEMODE + IAC + WILL + TTYPE)
        self.assertEqual(client.received(), IAC + WONT + TTYPE + IAC + DONT + LINEMODE
                         + IAC + DONT + TTYPE)
        client.send(b"login fine")
        self.assertIn(b"You are fine", client.received())

    def test_raw_client_costs_no_pending_negotiation(self) -> None:
        """
        A client that never speaks telnet costs no option state, and after a
        whole line the offer is let go.
        """
        client = Server().connect()
        self.assertEqual(client.protocol.telnet.options, {})
        client.send(b"login raw")
        self.assertEqual(client.protocol.telnet.options, {})
        client.clear()
        # A late answer is still understood, as a request.
        client.protocol.dataReceived(IAC + DO + ECHO)
        self.assertEqual(client.received(), IAC + WILL + ECHO)
        self.assertIsNotNone(client.protocol.echo)

    def test_telnet_client_keeps_its_options(self) -> None:
        server = Server()
        client = telnet_client(server)
        client.send(b"login tn")
        self.assertTrue(client.protocol.telnet.options)

    def test_client_refusing_echo_is_not_echoed(self) -> None:
        """Like telnetlib, which refuses everything: it echoes for itself."""
        server = Server()
        client = telnet_client(server, echo=False)
        client.protocol.dataReceived(b"login x")
        self.assertEqual(client.received(), b"")
        self.assertIsNone(client.protocol.echo)


class SettledTests(SynchronousTestCase):
    """Negotiation is answered once per change, and its answers are output like any other."""

    def test_a_refused_option_is_refused_once(self) -> None:
        """A client repeating IAC DO x (or WILL x) gets one refusal, not one a request."""
        client = Server().connect()
        client.clear()
        client.protocol.dataReceived((IAC + DO + TTYPE) * 1000 + (IAC + WILL + LINEMODE) * 1000)
        self.assertEqual(client.received(), IAC + WONT + TTYPE + IAC + DONT + LINEMODE)
        client.send(b"login fine")
        self.assertIn(b"You are fine", client.received())

    def test_an_option_is_negotiated_a_few_times_at_most(self) -> None:
        """Switching echo on and off is answered a few times, then no longer."""
        client = telnet_client(Server())
        client.protocol.dataReceived((IAC + DONT + ECHO + IAC + DO + ECHO) * 100)
        answers = client.received().count(IAC)
        self.assertLessEqual(answers, MAX_NEGOTIATIONS)
        self.assertGreater(answers, 0)
        client.send(b"login fine")
        self.assertIn(b"You are fine", client.received())

    def test_answers_wait_in_the_send_queue(self) -> None:
        """
        A client that does not read gets its answers queued and counted
        toward --sendq like the rest of its output, not written past the queue.
        """
        client = Server().connect()
        client.clear()
        client.protocol.session.output.pauseProducing()  # as the transport does when full
        client.protocol.dataReceived(IAC + DO + TTYPE + IAC + WILL + LINEMODE)
        self.assertEqual(client.received(), b"")
        self.assertEqual(client.protocol.session.output.unsent, 6)
        client.protocol.session.output.resumeProducing()
        self.assertEqual(client.received(), IAC + WONT + TTYPE + IAC + DONT + LINEMODE)


class EnterTests(SynchronousTestCase):
    def assertLines(self, data: list[bytes], said: list[str]) -> None:
        client, watcher = watched("sender", telnet=False)
        for chunk in data:
            client.protocol.dataReceived(chunk)
        self.assertEqual(watcher.lines(), [f"<sender> {text}" for text in said])

    def test_every_enter(self) -> None:
        self.assertLines([b"a\r\nb\r\x00c\nd\re\r"], ["a", "b", "c", "d", "e"])

    def test_cr_at_the_end_of_a_read_ends_the_line_at_once(self) -> None:
        client, watcher = watched("sender", telnet=False)
        client.protocol.dataReceived(b"now\r")
        self.assertEqual(watcher.lines(), ["<sender> now"])
        client.protocol.dataReceived(b"\x00next\r")
        self.assertEqual(watcher.lines(), ["<sender> next"])

    def test_cr_before_a_bad_command_still_ends_the_line(self) -> None:
        """CR, then IAC and a byte that is no command: the line ends and ÿ starts the next."""
        client, watcher = watched("ll", telnet=False, before=b"/encoding latin-1\r\n")
        client.protocol.dataReceived(b"one\r\xff\x01two\r\n")
        self.assertEqual(watcher.lines(), ["<ll> one", "<ll> \u00ff^Atwo"])

    def test_crlf_split_across_reads_is_one_line_end(self) -> None:
        self.assertLines([b"a\r", b"\nb\r", b"\x00", b"c\n"], ["a", "b", "c"])


class TrapTests(SynchronousTestCase):
    def test_stumped(self) -> None:
        """
        IAC followed by a byte that is no telnet command (a raw Latin-1 client
        typing ÿ) is text, in one read or split after the IAC.
        """
        client, watcher = watched("ll", telnet=False, before=b"/encoding latin-1\r\n")
        client.protocol.dataReceived(b"caf\xe9 \xffa \xff")
        client.protocol.dataReceived(b"b!\r\n")
        self.assertEqual(watcher.lines(), ["<ll> caf\u00e9 \u00ffa \u00ffb!"])
        self.assertTrue(client.connected)

    def test_subnegotiation_is_bounded(self) -> None:
        """A subnegotiation that never ends gets one error line, then the connection closes."""
        client, watcher = watched("sb")
        client.protocol.dataReceived(IAC + SB + TTYPE + b"x" * (MAX_SUBNEGOTIATION + 10))
        self.assertIn(b"! Telnet subnegotiation longer than 64 bytes", client.received())
        self.assertFalse(client.connected)
        self.assertTrue(watcher.connected)


    def test_empty_subnegotiation(self) -> None:
        """IAC SB IAC SE (on which Twisted raises IndexError) is ignored."""
        client = Server().connect()
        client.clear()
        client.protocol.dataReceived(IAC + SB + IAC + SE + b"login empty\r\n")
        self.assertIn(b"You are empty", client.received())

    def test_a_parser_bug_costs_only_the_sender(self) -> None:
        """Should the telnet parser ever raise, the sender is told and cut off; others go on."""
        server = Server()
        (watcher,) = server.logins("watcher")
        client = server.connect()
        client.clear()

        def broken(data: bytes) -> None:
            raise RuntimeError("parser bug")

        client.protocol.telnet.dataReceived = broken  # type: ignore[method-assign]
        client.protocol.dataReceived(b"anything")
        self.assertEqual(client.lines(), ["! Internal error: the server could not read what "
                                          "you sent; closing the connection."])
        self.assertFalse(client.connected)
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.assertTrue(watcher.connected)


class CommandTests(SynchronousTestCase):
    def test_interrupt_drops_the_half_typed_line(self) -> None:
        client, watcher = watched("ip")
        client.protocol.dataReceived(b"secret half" + IAC + b"\xf4" + b"fine\r\n")
        self.assertEqual(watcher.lines(), ["<ip> fine"])
        self.assertIn(b"*** Interrupted", client.received())

    def test_ctrl_c_in_character_mode_interrupts(self) -> None:
        client, watcher = watched("cc")
        client.protocol.dataReceived(b"oops\x03")
        client.protocol.dataReceived(b"ok\r\n")
        self.assertEqual(watcher.lines(), ["<cc> ok"])

    def test_many_ctrl_c_in_one_read(self) -> None:
        """Thousands of Ctrl-C in one read are each an interrupt (it recursed, and broke)."""
        client, _ = watched("typist")
        client.protocol.dataReceived(b"\x03" * 5000 + b"still here\r\n")
        lines = client.received().decode().split("\r\n")
        self.assertEqual(sum("Interrupted" in line for line in lines), 5000)
        self.assertTrue(client.connected)

    def test_erase_character_and_line(self) -> None:
        client, watcher = watched("ec")
        client.protocol.dataReceived(b"nope" + IAC + b"\xf8" + b"yes!!" + IAC + b"\xf7" + b"\r\n")
        self.assertEqual(watcher.lines(), ["<ec> yes!"])

    def test_are_you_there(self) -> None:
        client = Server(server_name="Tea").connect()
        client.clear()
        client.protocol.dataReceived(IAC + b"\xf6")
        self.assertEqual(client.received(), b"*** Yes, Tea is here.\r\n")


class EchoTests(SynchronousTestCase):
    def test_keys_are_echoed_as_typed(self) -> None:
        client = telnet_client(Server())
        for key in (b"l", b"o", b"g", b"\x7f", b"g"):
            client.protocol.dataReceived(key)
        self.assertEqual(client.received(), b"log\b \bg")

    def test_other_output_does_not_tear_the_typed_line(self) -> None:
        """A line arriving while the user types: the typed part is lifted out and put back."""
        server, _, client = typist()
        (alice,) = server.logins("alice")
        client.clear()
        client.protocol.dataReceived("半行".encode())
        client.clear()
        alice.send("hi")
        self.assertEqual(client.received(), "\r\x1b[J<alice> hi\r\n半行".encode())

    def test_ctrl_l_redraws_and_is_not_text(self) -> None:
        server, watcher, client = typist()
        client.clear()
        client.protocol.dataReceived(b"half")
        client.clear()
        client.protocol.dataReceived(b"\x0c")
        self.assertEqual(client.received(), b"\x1b[H\x1b[2Jhalf")
        client.protocol.dataReceived(b" done\r")
        server.clock.advance(0)
        self.assertEqual(watcher.lines(), ["<typist> half done"])

    def test_a_read_of_ctrl_ls_redraws_once(self) -> None:
        """However many Ctrl-Ls one read holds, the screen is redrawn once, at its end."""
        _, _, client = typist()
        client.protocol.dataReceived("中文".encode() * 100)
        client.clear()
        client.protocol.dataReceived(b"\x0c" * 1000 + b"x\x0c" * 100)
        shown = client.received()
        self.assertEqual(shown.count(b"\x1b[2J"), 1)
        self.assertTrue(shown.endswith("中文".encode() * 100 + b"x" * 100))

    def test_ctrl_d_while_an_overlong_line_is_thrown_away_is_ignored(self) -> None:
        server, _, client = typist()
        client.protocol.dataReceived(b"y" * 2000)
        client.protocol.dataReceived(b"\x04")
        server.clock.advance(0)
        self.assertTrue(client.connected)

    def test_a_resize_mid_line_draws_it_again_on_a_fresh_row(self) -> None:
        """Whether the terminal reflowed is unknown: nothing above is erased."""
        server, _, client = typist()
        client.protocol.dataReceived(b"x" * 120)
        client.clear()
        client.protocol.dataReceived(IAC + SB + NAWS + b"\x00\x64\x00\x18" + IAC + SE)
        self.assertEqual(client.received(), b"\r\n" + b"x" * 120)
        (alice,) = server.logins("alice")
        client.clear()
        alice.send("hi")
        self.assertEqual(client.received(), b"\r\x1b[1A\x1b[J<alice> hi\r\n" + b"x" * 120)

    def test_ctrl_d_within_a_line_is_ignored(self) -> None:
        server, watcher, client = typist()
        client.protocol.dataReceived(b"ab\x04cd\r")
        server.clock.advance(0)
        self.assertEqual(watcher.lines(), ["<typist> abcd"])
        self.assertTrue(client.connected)

    def test_ctrl_d_on_an_empty_line_leaves(self) -> None:
        """As it ends a shell: the user is logged out and the connection closed."""
        server, watcher, client = typist()
        client.protocol.dataReceived(b"\x04")
        server.clock.advance(0)
        self.assertEqual(watcher.lines(), ["*** typist has logged out"])
        self.assertFalse(client.connected)

    def test_window_size_wraps_lines(self) -> None:
        server = Server()
        client = telnet_client(server)
        client.protocol.dataReceived(b"login narrow\r\n")
        client.protocol.dataReceived(IAC + SB + NAWS + b"\x00\x1e\x00\x18" + IAC + SE)
        (alice,) = server.logins("alice")
        client.clear()
        alice.send("one two three four five six seven eight")
        self.assertEqual(client.received().decode().split("\r\n")[:-1], [
            "<alice> one two three four",
            "  five six seven eight",
        ])


class WidthTests(SynchronousTestCase):
    """Whatever widths clients report, a line is wrapped a bounded number of times."""

    def test_a_broadcast_wraps_a_line_for_few_widths(self) -> None:
        """
        A hundred clients with a hundred widths (20 to 119): a kilobyte line
        is wrapped for ten of them, and each client's rows fit its window.
        """
        server = Server()
        clients = []
        for columns in range(20, 120):
            client = telnet_client(server)
            client.protocol.dataReceived(b"login w%d\r\n" % columns + IAC + SB + NAWS
                                         + columns.to_bytes(2, "big") + b"\x00\x18" + IAC + SE)
            clients.append((columns, client))
        (sender,) = server.logins("sender")
        for _, client in clients:
            client.clear()
        wrapped: list[int] = []
        real = terminal.wrap

        def counted(line: str, columns: int) -> list[str]:
            wrapped.append(columns)
            return real(line, columns)

        with patch.object(terminal, "wrap", counted):
            sender.send("word " * 200)
        self.assertEqual(sorted(wrapped), list(range(20, 120, 10)))
        for columns, client in clients:
            rows = client.received().decode().split("\r\n")[:-1]
            self.assertGreater(len(rows), 1)
            self.assertTrue(all(len(row) < columns for row in rows), columns)
            self.assertTrue(all(len(row) <= columns - columns % 10 - 1 for row in rows))

