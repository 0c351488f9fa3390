"""``--metrics`` as ``twistd chat`` parses it and makeService wires it."""

from __future__ import annotations

import gc

from twisted.logger import capturedLogs, formatEvent
from twisted.python.usage import UsageError
from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.listeners import Listeners, TCPAddress
from twisted_chat.metrics.resource import MetricsSite
from twisted_chat.tap import Options, makeService

LOOPBACK = ("--port", "tcp:0:interface=127.0.0.1", "--web", "none", "--db", ":memory:")


def parse(*args: str) -> Options:
    options = Options()
    options.parseOptions(list(args))
    return options


class MetricsOptionTests(SynchronousTestCase):
    def test_off_by_default(self) -> None:
        options = parse(*LOOPBACK)
        self.assertIsNone(options["metrics"])
        self.assertEqual([listener.option for listener in options["listeners"]], ["port"])

    def test_a_listener_like_the_others(self) -> None:
        options = parse(*LOOPBACK, "--metrics", "tcp:9100:interface=127.0.0.1")
        (metrics,) = [listener for listener in options["listeners"]
                      if listener.option == "metrics"]
        self.assertEqual(metrics.address, TCPAddress(9100, "127.0.0.1"))
        self.assertEqual(parse(*LOOPBACK, "--metrics", "9100")["listeners"][-1].address,
                         TCPAddress(9100))

    def test_off_loopback_is_warned_of(self) -> None:
        """Every interface, or a public one: said at start; loopback and UNIX sockets: not."""
        for given, warned in [("tcp:9100", True), ("tcp:9100:interface=192.0.2.7", True),
                              ("tcp:9100:interface=127.0.0.1", False),
                              ("tcp:9100:interface=\\:\\:1", False), ("unix:/tmp/m.sock", False)]:
            with self.subTest(given=given), capturedLogs() as logged:
                parse(*LOOPBACK, "--metrics", given)
            said = [formatEvent(event) for event in logged if "loopback" in formatEvent(event)]
            self.assertEqual(bool(said), warned, said)

    def test_collisions_refused(self) -> None:
        try:
            parse("--port", "9100", "--web", "none", "--metrics", "tcp:9100")
        except UsageError as error:
            self.assertEqual(str(error), "--metrics 'tcp:9100': port 9100 is already taken by "
                                         "--port '9100'")
        else:
            self.fail("accepted")

    def test_a_bad_description(self) -> None:
        self.assertRaises(UsageError, parse, *LOOPBACK, "--metrics", "tcp:notaport")

    def test_not_the_only_listener(self) -> None:
        """The metrics listener does not count as a way in for users."""
        self.assertRaises(UsageError, parse, "--port", "none", "--web", "none",
                          "--metrics", "tcp:0")


class MetricsServiceTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.addCleanup(gc.set_threshold, *gc.get_threshold())
        self.addCleanup(gc.unfreeze)

    def test_listened_on_with_the_front_ends(self) -> None:
        """One more planned listener, serving the site; readiness waits for the telnet one."""
        service = makeService(parse(*LOOPBACK, "--metrics", "tcp:0:interface=127.0.0.1"))
        listeners = list(service)[-1]
        assert isinstance(listeners, Listeners)
        telnet, metrics = listeners.planned
        self.assertIsInstance(metrics.factory, MetricsSite)
        root = metrics.factory.resource
        readyz = root.getStaticEntity(b"readyz")
        self.assertEqual(list(readyz.health.listening), [telnet.factory])

    def test_none_without_the_option(self) -> None:
        service = makeService(parse(*LOOPBACK))
        listeners = list(service)[-1]
        assert isinstance(listeners, Listeners)
        self.assertFalse([planned for planned in listeners.planned
                          if isinstance(planned.factory, MetricsSite)])
