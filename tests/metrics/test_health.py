"""
Readiness and the site that serves it: each question asked for real, with a
deadline on a Clock; the site's three pages over a StringTransport.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport, StringTransportWithDisconnection
from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server, Transactions
from twisted_chat.metrics.health import TIMEOUT, Health, Probe
from twisted_chat.metrics.resource import make_site


class Listening:
    """A factory as a port starts it: ``numPorts`` counts its ports."""

    numPorts = 1


class Asked:
    """Something to ask, answering when the test says."""

    def __init__(self) -> None:
        self.questions: list[Deferred[Any]] = []

    def __call__(self) -> Deferred[Any]:
        self.questions.append(Deferred())
        return self.questions[-1]


def result(deferred: Deferred[Any]) -> list[Any]:
    found: list[Any] = []
    deferred.addBoth(found.append)
    return found


class ProbeTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.asked = Asked()
        self.probe = Probe("store", self.asked, self.clock)

    def test_an_answer_is_ready(self) -> None:
        answer = result(self.probe.check())
        self.assertEqual(answer, [])
        self.asked.questions[0].callback(None)
        self.assertEqual(answer, [None])

    def test_a_refusal_says_why_in_one_line(self) -> None:
        answer = result(self.probe.check())
        self.asked.questions[0].errback(OSError("connection refused\n  is the server running?"))
        self.assertEqual(answer, ["store: connection refused is the server running?"])

    def test_no_answer_in_time(self) -> None:
        answer = result(self.probe.check())
        self.clock.advance(TIMEOUT - 0.5)
        self.assertEqual(answer, [])
        self.clock.advance(0.5)
        self.assertEqual(answer, [f"store: no answer in {TIMEOUT:g} s"])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_a_hung_store_is_asked_once(self) -> None:
        """Past its time the question stays out: later checks say so, none queue another."""
        result(self.probe.check())
        self.clock.advance(TIMEOUT)
        later = result(self.probe.check())
        self.assertEqual(later, ["store: no answer yet to the last question"])
        self.assertEqual(len(self.asked.questions), 1)
        self.asked.questions[0].callback(None)
        self.assertEqual(result(self.probe.check()), [])
        self.assertEqual(len(self.asked.questions), 2)

    def test_one_question_at_a_time(self) -> None:
        """Checks while a question is out share its answer; the next check asks again."""
        first, second = result(self.probe.check()), result(self.probe.check())
        self.assertEqual(len(self.asked.questions), 1)
        self.asked.questions[0].callback(None)
        self.assertEqual((first, second), ([None], [None]))
        self.probe.check()
        self.assertEqual(len(self.asked.questions), 2)

    def test_a_question_that_raises(self) -> None:
        def broken() -> Deferred[None]:
            raise RuntimeError("no connection")

        self.assertEqual(result(Probe("redis", broken, self.clock).check()),
                         ["redis: no connection"])


class Link:
    """A node's link to Redis, as readiness reads it."""

    def __init__(self, connected: bool, answer: Deferred[Any]) -> None:
        self.connected = connected
        self.answer = answer

    def ping(self) -> Deferred[Any]:
        return self.answer


class HealthTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server(db=Transactions())
        self.clock = Clock()

    def problems(self, **kwargs: Any) -> list[str]:
        health = Health(self.server.sessions, self.server.store, self.clock,
                        kwargs.pop("listening", [Listening()]), **kwargs)
        (found,) = result(health.problems())
        return found  # type: ignore[no-any-return]

    def test_ready(self) -> None:
        self.assertEqual(self.problems(), [])

    def test_a_listener_not_listening(self) -> None:
        idle = Listening()
        idle.numPorts = 0
        self.assertEqual(self.problems(listening=[Listening(), idle]), ["not listening"])
        twice = Listening()
        self.assertEqual(self.problems(listening=[twice, twice]), ["not listening"])

    def test_shutting_down(self) -> None:
        self.server.chat.stop()
        self.assertEqual(self.problems(), ["shutting down"])

    def test_the_store_refuses(self) -> None:
        assert self.server.transactions is not None
        self.server.transactions.broken = True
        self.assertEqual(self.problems(), ["store: disk I/O error"])
        self.flushLoggedErrors()

    def test_redis(self) -> None:
        self.assertEqual(self.problems(link=Link(True, succeed("PONG"))), [])
        self.assertEqual(self.problems(link=Link(False, succeed("PONG"))),
                         ["redis: not connected"])
        self.assertEqual(self.problems(link=Link(True, fail(OSError("gone")))),
                         ["redis: gone"])

    def test_every_problem_told(self) -> None:
        self.server.chat.stop()
        assert self.server.transactions is not None
        self.server.transactions.broken = True
        self.assertEqual(self.problems(link=Link(False, succeed("PONG"))),
                         ["shutting down", "store: disk I/O error", "redis: not connected"])
        self.flushLoggedErrors()


class SiteTests(SynchronousTestCase):
    """The --metrics site, over a StringTransport."""

    def setUp(self) -> None:
        self.server = Server(db=Transactions(immediate=False))
        self.clock = Clock()
        self.site = make_site(self.server.sessions, self.server.store, self.clock,
                              [Listening()])

    def get(self, path: str) -> tuple[bytes, StringTransport]:
        protocol = self.site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 50000))
        assert protocol is not None
        transport = StringTransportWithDisconnection()
        transport.protocol = protocol
        protocol.makeConnection(transport)
        protocol.dataReceived(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
        return transport.value(), transport

    def test_healthz(self) -> None:
        answer, _ = self.get("/healthz")
        self.assertTrue(answer.startswith(b"HTTP/1.0 200 OK\r\n"))
        self.assertTrue(answer.endswith(b"\r\n\r\nok\n"))

    def test_metrics(self) -> None:
        answer, _ = self.get("/metrics")
        self.assertTrue(answer.startswith(b"HTTP/1.0 200 OK\r\n"))
        self.assertIn(b"Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n", answer)
        self.assertIn(b"\n# HELP chat_lines_total Lines said here.\n", answer)

    def test_readyz_waits_for_the_store(self) -> None:
        answer, transport = self.get("/readyz")
        self.assertEqual(answer, b"", "not before the store answers")
        assert self.server.transactions is not None
        self.server.transactions.finish()
        self.assertTrue(transport.value().startswith(b"HTTP/1.0 200 OK\r\n"))
        self.assertTrue(transport.value().endswith(b"\r\n\r\nready\n"))

    def test_readyz_not_ready(self) -> None:
        _, transport = self.get("/readyz")
        self.clock.advance(TIMEOUT)
        answer = transport.value()
        self.assertTrue(answer.startswith(b"HTTP/1.0 503 Service Unavailable\r\n"))
        self.assertTrue(answer.endswith(b"\r\n\r\nnot ready: store: no answer in 3 s\n"))

    def test_a_scraper_that_left(self) -> None:
        """Nothing is written once the asker is gone."""
        _, transport = self.get("/readyz")
        transport.loseConnection()
        self.clock.advance(TIMEOUT)
        self.assertEqual(transport.value(), b"")
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_nothing_else(self) -> None:
        answer, _ = self.get("/")
        self.assertTrue(answer.startswith(b"HTTP/1.0 404"))
