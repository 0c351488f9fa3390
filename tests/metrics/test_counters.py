"""
What the chat counts, and where: once per line, once per broadcast (its
audience added at once), once per refusal and per error told, through the
real telnet sessions, hub and store of :mod:`tests.harness` on a Clock.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server, Transactions, limited
from twisted_chat.core.limits import Limits
from twisted_chat.metrics.counters import SEND_QUEUE_EXCEEDED, Counters, Histogram
from twisted_chat.store.groupcommit import GroupCommit

FLOOD = Limits(flood_burst=8, flood_rate=4, flood_queue=64)


class HistogramTests(SynchronousTestCase):
    def test_each_value_in_the_first_bucket_that_holds_it(self) -> None:
        """A value on a bound counts under it (Prometheus's le), one above it in the next."""
        histogram = Histogram((0.1, 1.0))
        for value in (0.05, 0.1, 0.5, 1.0, 7.0):
            histogram.observe(value)
        self.assertEqual(histogram.cumulative(), [(0.1, 2), (1.0, 4), (float("inf"), 5)])
        self.assertEqual(histogram.count, 5)
        self.assertAlmostEqual(histogram.sum, 8.65)


class CountedTests(SynchronousTestCase):
    """Each count, from what users do over telnet sessions."""

    def setUp(self) -> None:
        self.server = Server(db=Transactions())
        self.counters = self.server.hub.counters

    def test_one_counters_for_hub_and_sessions(self) -> None:
        self.assertIs(self.server.sessions.counters, self.counters)

    def test_a_line_counted_once_and_its_audience_once(self) -> None:
        """A line to a room of three: one line, three deliveries (its sender's echo too)."""
        alice, bob, carol = self.server.logins("alice", "bob", "carol")
        before = self.counters.deliveries
        alice.send("hello")
        self.assertIn("<alice> hello", carol.lines())
        self.assertEqual(self.counters.lines, 1)
        self.assertEqual(self.counters.deliveries - before, 3)
        bob.send("/me waves")
        self.assertEqual(self.counters.lines, 2)
        self.assertEqual(self.counters.deliveries - before, 6)

    def test_a_line_without_a_store(self) -> None:
        """Delivered at once when nothing keeps it: counted all the same."""
        server = Server()
        alice, bob = server.logins("alice", "bob")
        before = server.hub.counters.deliveries
        alice.send("hello")
        self.assertEqual(bob.lines(), ["<alice> hello"])
        self.assertEqual((server.hub.counters.lines, server.hub.counters.deliveries - before),
                         (1, 2))

    def test_a_line_not_stored_is_not_delivered(self) -> None:
        """A line the store refuses was said, and reached nobody: no deliveries."""
        alice, _bob = self.server.logins("alice", "bob")
        before = self.counters.deliveries
        assert self.server.transactions is not None
        self.server.transactions.broken = True
        alice.send("lost")
        self.assertIn("could not be stored", alice.lines()[-1])
        self.assertEqual((self.counters.lines, self.counters.deliveries), (1, before))

    def test_presence_is_a_broadcast_to_the_others(self) -> None:
        """Someone joining is told to those already there, not to themselves."""
        alice, _bob = self.server.logins("alice", "bob")
        before = self.counters.deliveries
        self.server.login("carol")
        self.assertEqual(alice.lines(), ["*** carol has logged in"])
        self.assertEqual(self.counters.deliveries - before, 2)

    def test_errors_told_by_code(self) -> None:
        (alice,) = self.server.logins("alice")
        alice.send("/frobnicate")
        alice.send("/frobnicate")
        alice.send("/join")
        self.assertEqual(self.counters.errors, {"unknown-command": 2, "usage": 1})
        self.assertEqual(self.counters.login_failures, {})

    def test_login_failures_by_reason(self) -> None:
        """A name taken fails a login; the same error to someone logged in (/nick) does not."""
        _alice, bob = self.server.logins("alice", "bob")
        other = self.server.connect()
        other.send("login alice")
        other.send("login -")
        self.assertEqual(self.counters.login_failures, {"name-taken": 1, "name-invalid": 1})
        bob.send("/nick alice")
        self.assertIn("name-taken", self.counters.errors)
        self.assertEqual(self.counters.errors["name-taken"], 2)
        self.assertEqual(self.counters.login_failures["name-taken"], 1)

    def test_wrong_password(self) -> None:
        alice = self.server.login("alice")
        alice.send("/register tea-for-two")
        alice.send("/quit")
        again = self.server.connect()
        again.send("login alice coffee")
        self.assertIn("! Wrong password for 'alice'.", again.lines())
        self.assertEqual(self.counters.login_failures, {"wrong-password": 1})

    def test_a_lock_met_at_login_is_a_refusal(self) -> None:
        """The server's refusal (locked) at login counts as a refusal, not a failure."""
        self.server.chat.moderation.locked = True
        client = self.server.connect()
        client.send("login carol")
        self.assertIn("! The server is locked: no new logins for now. Try again later.",
                      client.lines())
        self.assertEqual(self.counters.refusals, {"server-locked": 1})
        self.assertEqual(self.counters.login_failures, {})

    def test_refusals_at_the_door(self) -> None:
        server = limited(max_connections=1)
        server.connect()
        refused = server.connect()
        self.assertIn(b"server is full", refused.offer)
        self.assertEqual(server.hub.counters.refusals, {"server-full": 1})

    def test_flood_hits(self) -> None:
        server = Server(limits=FLOOD)
        flooder, _watcher = server.logins("flooder", "watcher")
        server.clock.advance(10)
        flooder.send(b"".join(b"spam %d\r\n" % index for index in range(300)), end=b"")
        self.assertFalse(flooder.connected)
        self.assertEqual(server.hub.counters.limit_hits(),
                         {"flood-warning": 1, "excess-flood": 1})

    def test_a_reader_cut_for_not_reading(self) -> None:
        server = Server(limits=Limits(flood_rate=0, sendq=4096))
        talker, stalled = server.logins("talker", "stalled")
        stalled.transport.producer.pauseProducing()
        talker.protocol.dataReceived(b"".join(b"line %d %s\r\n" % (index, b"x" * 90)
                                              for index in range(60)))
        self.assertEqual(server.hub.counters.limit_hits(), {}, "counted as it closes")
        server.clock.advance(0)
        self.assertFalse(stalled.connected)
        self.assertEqual(server.hub.counters.limit_hits(), {SEND_QUEUE_EXCEEDED: 1})
        talker.send("/quit")
        self.assertEqual(server.hub.counters.limit_hits(), {SEND_QUEUE_EXCEEDED: 1},
                         "a connection closed in the ordinary way is no cut")

    def test_only_limits_are_limit_hits(self) -> None:
        counters = Counters()
        counters.errors.update({"rate-limited": 2, "unknown-command": 5, "line-too-long": 1})
        self.assertEqual(counters.limit_hits(), {"rate-limited": 2, "line-too-long": 1})


class StoreTests(SynchronousTestCase):
    """The store's own counts: its transactions' seconds, its failures, and its answer to ping."""

    def test_transactions_timed(self) -> None:
        ticks = iter([10.0, 10.25, 20.0, 20.5])
        transactions = Transactions(immediate=False)
        commit = GroupCommit(transactions, timer=lambda: next(ticks))
        commit.call(lambda cursor: None)
        transactions.finish()
        commit.call(lambda cursor: None)
        transactions.finish()
        self.assertEqual(commit.latency.count, 2)
        self.assertEqual(commit.latency.sum, 0.75)

    def test_failures_counted(self) -> None:
        """A transaction that fails counts each operation it carried; a refusal, itself."""
        transactions = Transactions(immediate=False)
        commit = GroupCommit(transactions)
        for _ in range(3):
            commit.call(lambda cursor: None).addErrback(lambda _: None)
        transactions.broken = True
        transactions.finish()  # the first, alone
        transactions.finish()  # the two asked for meanwhile, together
        self.assertEqual(commit.failed, 3)
        transactions.broken = False

        def refused(cursor: object) -> None:
            raise __import__("sqlite3").IntegrityError("no")

        commit.call(refused).addErrback(lambda _: None)
        commit.call(lambda cursor: None)
        transactions.finish()
        self.assertEqual(commit.failed, 4)

    def test_ping_asks_the_database(self) -> None:
        """A real question on the database's connection, whose failure is the ping's."""
        server = Server(db=Transactions())
        assert server.transactions is not None
        statements: list[str] = []
        server.transactions.connection.set_trace_callback(statements.append)
        answered: list[object] = []
        server.store.ping().addBoth(answered.append)
        self.assertEqual(answered, [None])
        self.assertIn("SELECT 1", statements)
        server.transactions.broken = True
        server.store.ping().addBoth(answered.append)
        self.assertEqual(len(answered), 2)
        self.assertIn("disk I/O error", str(answered[1]))
        self.assertEqual(server.store.failed, 1)
        self.flushLoggedErrors()
