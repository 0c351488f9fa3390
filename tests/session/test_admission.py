"""Connection limits: the counting on its own, then the refusal a client reads."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

from twisted.internet import address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server
from twisted_chat.core import errors
from twisted_chat.core.limits import UNLIMITED, Limits
from twisted_chat.i18n.languages import TRADITIONAL
from twisted_chat.session.admission import Admission, peer_ip
from twisted_chat.telnet.protocol import TelnetProtocol

LIMITS = Limits(max_connections=100, max_per_ip=3, conn_rate=5)


def tcp(host: str, port: int = 5000) -> address.IPv4Address | address.IPv6Address:
    kind = address.IPv6Address if ":" in host else address.IPv4Address
    return kind("TCP", host, port)


class PeerIpTests(SynchronousTestCase):
    def test_addresses(self) -> None:
        self.assertEqual(peer_ip(tcp("10.0.0.1")), ip_address("10.0.0.1"))
        self.assertEqual(peer_ip(tcp("fe80::1%eth0")), ip_address("fe80::1"))
        self.assertEqual(peer_ip(tcp("::ffff:10.0.0.1")), ip_address("10.0.0.1"),
                         "an IPv4-mapped address is the IPv4 address")
        self.assertIsNone(peer_ip(address.UNIXAddress(b"/tmp/chat.sock")))
        self.assertIsNone(peer_ip(None))


class AdmissionTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.admission = Admission(LIMITS, self.clock.seconds)

    def admit(self, host: str | None) -> errors.ChatError | None:
        return self.admission.admit(None if host is None else ip_address(host))

    def test_per_address(self) -> None:
        for _ in range(3):
            self.assertIsNone(self.admit("10.0.0.1"))
        self.assertIsInstance(self.admit("10.0.0.1"), errors.TooManyFromAddress)
        self.assertIsNone(self.admit("10.0.0.2"), "another address is not affected")
        self.admission.release(ip_address("10.0.0.1"))
        self.assertIsNone(self.admit("10.0.0.1"), "a closed connection makes room")

    def test_ipv6_counted_per_64(self) -> None:
        for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9"]:
            self.assertIsNone(self.admit(host))
        self.assertIsInstance(self.admit("2001:db8:1:2::77"), errors.TooManyFromAddress)
        self.assertIsNone(self.admit("2001:db8:1:3::1"), "the next /64 is someone else")
        self.assertEqual(self.admission.open_from(ip_address("2001:db8:1:2::abc")), 3)

    def test_rate(self) -> None:
        """Five a minute from one address, however quickly each one closes."""
        for _ in range(5):
            self.assertIsNone(self.admit("10.0.0.1"))
            self.admission.release(ip_address("10.0.0.1"))
            self.clock.advance(1)
        refusal = self.admit("10.0.0.1")
        self.assertIsInstance(refusal, errors.ConnectingTooFast)
        assert refusal is not None
        self.assertIn("Try again in 55 seconds", refusal.message)
        self.clock.advance(55)
        self.assertIsNone(self.admit("10.0.0.1"))

    def test_total(self) -> None:
        admission = Admission(Limits(max_connections=2), self.clock.seconds)
        self.assertIsNone(admission.admit(ip_address("10.0.0.1")))
        self.assertIsNone(admission.admit(None))
        self.assertIsInstance(admission.admit(ip_address("10.0.0.2")), errors.ServerFull)
        admission.release(None)
        self.assertIsNone(admission.admit(ip_address("10.0.0.2")))

    def test_exempt(self) -> None:
        """Exempt networks skip the per-address limits, not the total."""
        limits = Limits(max_connections=10, max_per_ip=1, conn_rate=1,
                        exempt=(ip_network("10.1.0.0/16"), ip_network("::1/128")))
        admission = Admission(limits, self.clock.seconds)
        for _ in range(10):
            self.assertIsNone(admission.admit(ip_address("10.1.2.3")))
        self.assertIsInstance(admission.admit(ip_address("::1")), errors.ServerFull)
        admission.release(ip_address("10.1.2.3"))
        self.assertIsNone(admission.admit(ip_address("::1")))

    def test_zero_is_off(self) -> None:
        admission = Admission(UNLIMITED, self.clock.seconds)
        for _ in range(1000):
            self.assertIsNone(admission.admit(ip_address("10.0.0.1")))

    def test_sweep_forgets_quiet_addresses(self) -> None:
        for index in range(50):
            self.assertIsNone(self.admit(f"10.0.1.{index}"))
            self.admission.release(ip_address(f"10.0.1.{index}"))
        self.clock.advance(30)
        self.assertIsNone(self.admit("10.0.2.1"))
        self.clock.advance(30)
        self.admission.sweep()
        self.assertEqual(self.admission.remembered, 1)


class RefusalTests(SynchronousTestCase):
    def test_one_line_then_closed(self) -> None:
        """Over a limit: one line that says why, no telnet offer, no banner; the others go on."""
        server = Server(limits=LIMITS)
        kept = [server.connect() for _ in range(3)]
        protocol = server.factory.buildProtocol(tcp("127.0.0.1"))
        self.assertNotIsInstance(protocol, TelnetProtocol)
        transport = StringTransport()
        protocol.makeConnection(transport)
        self.assertEqual(transport.value(), b"! Too many connections from your address "
                                            b"(at most 3 at once). Close one and try again.\r\n")
        self.assertTrue(transport.disconnecting)
        self.assertEqual(len(server.sessions.open), 3)
        kept[0].clear()
        kept[0].send("login alice")
        self.assertEqual(kept[0].lines()[0], "*** You are alice. Type /help for the commands.")

    def test_in_the_servers_language(self) -> None:
        """--lang: a refused connection reads why in it, on telnet and on the WebSocket."""
        server = Server(limits=LIMITS)
        server.sessions.language = "zh-TW"
        kept = [server.connect() for _ in range(3)]
        self.assertTrue(all(client.connected for client in kept))
        said = TRADITIONAL.fill(errors.TooManyFromAddress.template, {"limit": 3})
        protocol = server.factory.buildProtocol(tcp("127.0.0.1"))
        transport = StringTransport()
        protocol.makeConnection(transport)
        self.assertEqual(transport.value().decode(), f"! {said}\r\n")
        self.assertIn(said.encode(), server.connect_web().received())

    def test_closing_makes_room(self) -> None:
        server = Server(limits=LIMITS)
        clients = [server.connect() for _ in range(3)]
        clients[0].drop()
        self.assertIsInstance(server.factory.buildProtocol(tcp("127.0.0.1")), TelnetProtocol)

    def test_a_storm_is_logged_once_a_minute(self) -> None:
        server = Server(limits=Limits(max_per_ip=3, conn_rate=0, login_timeout=0))
        for _ in range(3):
            server.connect()
        with capturedLogs() as logged:
            for _ in range(100):
                server.factory.buildProtocol(tcp("127.0.0.1"))
            server.clock.advance(60)
            server.factory.buildProtocol(tcp("127.0.0.1"))
        refusals = [formatEvent(event) for event in logged if "Refused" in event["log_format"]]
        self.assertEqual(len(refusals), 2)
        self.assertTrue(refusals[0].endswith("too-many-connections (0 more from there unlogged "
                                             "in the last minute)"))
        self.assertTrue(refusals[1].endswith("(99 more from there unlogged in the last minute)"))

    def test_sweeps_while_running(self) -> None:
        server = Server(limits=LIMITS)
        server.start_timers()
        self.addCleanup(server.stop_timers)
        server.connect().drop()
        self.assertEqual(server.sessions.admission.remembered, 1)
        server.clock.advance(120)
        self.assertEqual(server.sessions.admission.remembered, 0)
