"""
Flood control: the token bucket on its own, then as a user meets it.

Time is a ``task.Clock``: every delay is exact and nothing waits.
"""

from __future__ import annotations

from ipaddress import ip_network

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import Logger, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Client, Server
from twisted_chat.core.limits import UNLIMITED, Limits
from twisted_chat.core.logquota import LogQuota
from twisted_chat.session.throttle import Throttle

FLOOD = Limits(flood_burst=8, flood_rate=4, flood_queue=64)


class Bucket:
    def __init__(self, burst: int = 8, rate: float = 4, queue: int = 64) -> None:
        self.clock = Clock()
        self.handled: list[bytes] = []
        self.warnings: list[int] = []
        self.overflows = 0
        self.throttle = Throttle(self.handled.append, burst=burst, rate=rate, queue=queue,
                                 clock=self.clock, warn=self.warnings.append,
                                 overflow=self.overflow)

    def overflow(self) -> None:
        self.overflows += 1

    def submit(self, count: int, start: int = 0) -> None:
        for index in range(start, start + count):
            self.throttle.submit(b"%d" % index)


class ThrottleTests(SynchronousTestCase):
    def test_burst_then_rate(self) -> None:
        """Eight lines at once, then one every quarter second, in order, none dropped."""
        bucket = Bucket()
        bucket.submit(20)
        self.assertEqual(len(bucket.handled), 8)
        self.assertEqual(bucket.throttle.waiting, 12)
        bucket.clock.advance(0.25)
        self.assertEqual(len(bucket.handled), 9)
        bucket.clock.advance(0.24)
        self.assertEqual(len(bucket.handled), 9)
        bucket.clock.advance(0.01)
        self.assertEqual(len(bucket.handled), 10)
        bucket.clock.pump([0.25] * 10)
        self.assertEqual(bucket.handled, [b"%d" % index for index in range(20)])
        self.assertEqual(bucket.clock.getDelayedCalls(), [])
        self.assertEqual((bucket.warnings, bucket.overflows), ([], 0))

    def test_bucket_refills(self) -> None:
        """After two quiet seconds a full burst goes through again, and no more."""
        bucket = Bucket()
        bucket.submit(8)
        bucket.clock.advance(2)
        bucket.submit(9, start=8)
        self.assertEqual(len(bucket.handled), 16)
        self.assertEqual(bucket.throttle.waiting, 1)

    def test_steady_typing_never_waits(self) -> None:
        bucket = Bucket()
        for index in range(100):
            bucket.submit(1, start=index)
            self.assertEqual(len(bucket.handled), index + 1)
            bucket.clock.advance(0.25)

    def test_warning_then_excess_flood(self) -> None:
        """Past half the queue a warning, once; past the queue the overflow, and nothing more."""
        bucket = Bucket()
        bucket.submit(8 + 32)
        self.assertEqual(bucket.warnings, [])
        bucket.submit(1, start=40)
        self.assertEqual(bucket.warnings, [33])
        bucket.submit(31, start=41)
        self.assertEqual((bucket.warnings, bucket.overflows), ([33], 0))
        self.assertEqual(bucket.throttle.waiting, 64)
        bucket.submit(1, start=72)
        self.assertEqual(bucket.overflows, 1)
        self.assertEqual(bucket.throttle.waiting, 0, "the waiting lines are dropped")
        self.assertEqual(bucket.clock.getDelayedCalls(), [])
        self.assertEqual(len(bucket.handled), 8)

    def test_warned_again_after_draining(self) -> None:
        bucket = Bucket(burst=1, rate=1, queue=4)
        bucket.submit(4)
        self.assertEqual(bucket.warnings, [3])
        bucket.clock.pump([1] * 4)
        self.assertEqual(bucket.throttle.waiting, 0)
        bucket.submit(4, start=4)
        self.assertEqual(bucket.warnings, [3, 3])

    def test_rate_zero_is_off(self) -> None:
        bucket = Bucket(rate=0)
        bucket.submit(10_000)
        self.assertEqual(len(bucket.handled), 10_000)
        self.assertEqual(bucket.clock.getDelayedCalls(), [])

    def test_stop(self) -> None:
        bucket = Bucket()
        bucket.submit(10)
        bucket.throttle.stop()
        bucket.clock.advance(10)
        self.assertEqual(len(bucket.handled), 8)


class FloodTests(SynchronousTestCase):
    """A user's flood, as the flooder and the room see it."""

    def setUp(self) -> None:
        self.server = Server(limits=FLOOD)
        self.flooder, self.watcher = self.server.logins("flooder", "watcher")
        self.server.clock.advance(10)  # the login line's token comes back

    def test_paste_is_delayed_not_dropped(self) -> None:
        """Twenty pasted lines reach the room, all of them, in order, at the flood rate."""
        self.flooder.send(b"".join(b"line %d\r\n" % index for index in range(20)), end=b"")
        self.assertEqual(len(self.watcher.lines()), 8)
        self.server.clock.pump([0.25] * 12)
        self.assertEqual(len(self.watcher.lines()), 12)
        self.server.clock.advance(1)
        self.flooder.send("after")
        self.assertEqual(self.watcher.lines(), ["<flooder> after"])

    def test_flood_is_warned_then_cut(self) -> None:
        """A 300-line burst: eight lines go through, then a warning, then excess flood."""
        self.flooder.send(b"".join(b"spam %d\r\n" % index for index in range(300)), end=b"")
        flooder = self.flooder.lines()
        self.assertEqual(flooder[:8], [f"<flooder> spam {index}" for index in range(8)])
        self.assertEqual(flooder[8:], [
            "! Slow down: 33 of your lines are waiting their turn. Past 64, the server "
            "disconnects you.",
            "! Excess flood: more than 64 of your lines were waiting. Closing the connection.",
        ])
        self.assertFalse(self.flooder.connected)
        self.assertEqual(self.watcher.lines(),
                         [f"<flooder> spam {index}" for index in range(8)]
                         + ["*** flooder has left (excess flood)"])
        self.assertEqual([user.name for user in self.server.chat.users()], ["watcher"])
        self.server.clock.advance(60)
        self.assertEqual(self.watcher.lines(), [], "nothing of the flood arrives later")

    def test_a_flood_before_login(self) -> None:
        """Flood control applies before login too."""
        client = self.server.connect()
        client.clear()
        client.send(b"help\r\n" * 100, end=b"")
        self.assertIn("! Excess flood: more than 64 of your lines were waiting. "
                      "Closing the connection.", client.lines())
        self.assertFalse(client.connected)

    def test_floods_are_logged_within_the_quota(self) -> None:
        """A crowd of flooders cannot flood the log: past --log-rate they are counted."""
        logged: list[dict[str, object]] = []
        self.server.chat.log = LogQuota(1, self.server.clock, Logger(observer=logged.append))
        for _ in range(3):
            self.server.connect().send(b"help\r\n" * 100, end=b"")
        self.server.clock.advance(1)
        lines = [formatEvent(event) for event in logged]
        self.assertEqual(len(lines), 2, lines)
        self.assertTrue(lines[0].startswith("Excess flood from IPv4Address("), lines[0])
        self.assertEqual(lines[1], "Past 1 lines a second, not logged one by one: "
                                   "3 connections that never logged in, 2 floods")

    def test_off_for_listed_addresses(self) -> None:
        """--flood-exempt: a trusted bot's address is not throttled; everyone else is."""
        server = Server(limits=Limits(flood_exempt=(ip_network("127.0.0.0/8"),)))
        watcher = server.login("watcher")
        bot = server.factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 1))
        stranger = server.factory.buildProtocol(IPv4Address("TCP", "10.0.0.1", 1))
        for protocol in (bot, stranger):
            protocol.makeConnection(StringTransport())
        self.assertEqual((bot.session.throttle.rate, stranger.session.throttle.rate), (0, 4))
        bots = Client(server, 2)
        bots.send("login bot")
        watcher.clear()
        bots.send(b"".join(b"line %d\r\n" % index for index in range(500)), end=b"")
        self.assertEqual(len(watcher.lines()), 500)

    def test_off_for_trusted_bots(self) -> None:
        server = Server(limits=UNLIMITED)
        bot, watcher = server.logins("bot", "watcher")
        bot.send(b"".join(b"line %d\r\n" % index for index in range(500)), end=b"")
        self.assertEqual(watcher.lines(), [f"<bot> line {index}" for index in range(500)])
