"""
The metrics as a scrape reads them: Prometheus text from our own registry,
read back with prometheus_client's own parser, from a chat in memory.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server, Transactions
from twisted_chat.metrics.collector import ChatCollector, registry


class FakeLink:
    """What the collector reads of a node's Redis link."""

    connected = True
    losses = 2
    dropped = 7


def scrape(collector: ChatCollector) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample served, by name and labels."""
    text = generate_latest(registry(collector)).decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


class CollectorTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server(db=Transactions())
        self.collector = ChatCollector(self.server.sessions, self.server.store)

    def value(self, name: str, **labels: str) -> float:
        return scrape(self.collector)[(name, tuple(sorted(labels.items())))]

    def test_connections_by_front_end(self) -> None:
        """Telnet and browser sessions apart, logged in or not; both shown at 0."""
        self.assertEqual(self.value("chat_connections", front_end="web"), 0)
        self.server.logins("alice", "bob")
        self.server.connect()
        self.server.browser("carol")
        self.assertEqual(self.value("chat_connections", front_end="telnet"), 3)
        self.assertEqual(self.value("chat_connections", front_end="web"), 1)
        self.assertEqual(self.value("chat_users"), 3)

    def test_users_rooms_lines_deliveries(self) -> None:
        alice, bob = self.server.logins("alice", "bob")
        alice.send("/create games")
        alice.send("hello")
        bob.send("hi")
        samples = scrape(self.collector)
        self.assertEqual(samples[("chat_users", ())], 2)
        self.assertEqual(samples[("chat_rooms", ())], 2)
        self.assertEqual(samples[("chat_lines_total", ())], 2)
        self.assertEqual(samples[("chat_deliveries_total", ())],
                         self.server.hub.counters.deliveries)
        self.assertGreater(samples[("chat_deliveries_total", ())], 2)
        bob.send("again")
        self.assertEqual(self.value("chat_lines_total"), 3)

    def test_labelled_counts(self) -> None:
        (alice,) = self.server.logins("alice")
        self.server.connect().send("login alice")
        alice.send("/nope")
        self.server.hub.counters.refusals["server-full"] = 4
        self.server.hub.counters.errors["rate-limited"] = 2
        self.assertEqual(self.value("chat_login_failures_total", reason="name-taken"), 1)
        self.assertEqual(self.value("chat_errors_total", code="unknown-command"), 1)
        self.assertEqual(self.value("chat_refusals_total", reason="server-full"), 4)
        self.assertEqual(self.value("chat_limit_hits_total", limit="rate-limited"), 2)
        self.assertNotIn(("chat_limit_hits_total", (("limit", "unknown-command"),)),
                         scrape(self.collector))

    def test_send_queues_at_the_scrape(self) -> None:
        """The output waiting, in all and for the worst reader, as it is when scraped."""
        alice, slow, slower = self.server.logins("alice", "slow", "slower")
        slow.transport.producer.pauseProducing()
        slower.transport.producer.pauseProducing()
        alice.send("one line")
        waiting = slow.protocol.session.output.unsent
        self.assertGreater(waiting, 0)
        alice.send("and another")
        most = slower.protocol.session.output.unsent
        self.assertGreater(most, waiting)
        slow.transport.producer.resumeProducing()
        self.assertEqual(slow.protocol.session.output.unsent, 0)
        self.assertEqual(self.value("chat_send_queue_bytes"), most)
        self.assertEqual(self.value("chat_send_queue_largest_bytes"), most)

    def test_store_latency_and_errors(self) -> None:
        alice, _bob = self.server.logins("alice", "bob")
        before = self.value("chat_store_transaction_seconds_count")
        alice.send("kept")
        self.assertEqual(self.value("chat_store_transaction_seconds_count"), before + 1)
        self.assertEqual(self.value("chat_store_transaction_seconds_bucket", le="+Inf"),
                         before + 1)
        self.assertEqual(self.value("chat_store_errors_total"), 0)
        assert self.server.transactions is not None
        self.server.transactions.broken = True
        alice.send("lost")
        self.assertEqual(self.value("chat_store_errors_total"), 1)
        self.flushLoggedErrors()

    def test_redis_only_in_a_cluster(self) -> None:
        names = {name for name, _ in scrape(self.collector)}
        self.assertFalse([name for name in names if name.startswith("chat_redis")])
        node = ChatCollector(self.server.sessions, self.server.store,
                             link=FakeLink())  # type: ignore[arg-type]
        self.assertEqual(scrape(node)[("chat_redis_connected", ())], 1)
        self.assertEqual(scrape(node)[("chat_redis_losses_total", ())], 2)
        self.assertEqual(scrape(node)[("chat_redis_dropped_total", ())], 7)

    def test_a_registry_of_our_own(self) -> None:
        """The global registry is left alone; ours has the process's metrics too."""
        names = {name for name, _ in scrape(self.collector)}
        self.assertIn("process_cpu_seconds_total", names)
        self.assertNotIn(b"chat_lines", generate_latest(REGISTRY))
