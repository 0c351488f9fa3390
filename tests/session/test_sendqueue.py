"""
The bounded send queue: on its own over a fake transport, then as a room
sees a member who stopped reading.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server
from twisted_chat.core.limits import Limits
from twisted_chat.session.sendqueue import SendQueue


class Queue:
    def __init__(self, limit: int = 100) -> None:
        self.transport = StringTransport()
        self.overflows = 0
        self.queue = SendQueue(self.transport, limit, self.overflow)

    def overflow(self) -> None:
        self.overflows += 1


class SendQueueTests(SynchronousTestCase):
    def test_registered_as_streaming_producer(self) -> None:
        queue = Queue()
        self.assertIs(queue.transport.producer, queue.queue)
        self.assertTrue(queue.transport.streaming)

    def test_straight_through_while_the_transport_keeps_up(self) -> None:
        queue = Queue(limit=10)
        for _ in range(100):
            queue.queue.write(b"0123456789")
        self.assertEqual(len(queue.transport.value()), 1000)
        self.assertEqual(queue.overflows, 0)

    def test_held_while_paused_then_flushed_in_order(self) -> None:
        queue = Queue()
        queue.queue.write(b"a")
        queue.queue.pauseProducing()
        queue.queue.write(b"b")
        queue.queue.write(b"c")
        self.assertEqual(queue.transport.value(), b"a")
        self.assertEqual(queue.queue.unsent, 2)
        queue.queue.resumeProducing()
        self.assertEqual(queue.transport.value(), b"abc")
        self.assertEqual(queue.queue.unsent, 0)

    def test_overflow(self) -> None:
        """Past the limit the owner is told once, and nothing more is kept or sent."""
        queue = Queue(limit=100)
        queue.queue.pauseProducing()
        for _ in range(10):
            queue.queue.write(b"0123456789")
        self.assertEqual(queue.overflows, 0)
        queue.queue.write(b"!")
        self.assertEqual(queue.overflows, 1)
        queue.queue.write(b"more")
        queue.queue.resumeProducing()
        queue.queue.write(b"more")
        self.assertEqual((queue.overflows, queue.transport.value()), (1, b""))

    def test_what_was_flushed_counts_until_the_next_resume(self) -> None:
        """
        A resume hands the transport what was held; until the transport says
        it has sent that too (the next resume), it still counts as unsent.
        """
        queue = Queue(limit=100)
        queue.queue.pauseProducing()
        queue.queue.write(b"x" * 80)
        queue.queue.resumeProducing()
        queue.queue.pauseProducing()  # the transport is full again at once
        self.assertEqual(queue.queue.unsent, 80)
        queue.queue.write(b"y" * 21)
        self.assertEqual(queue.overflows, 1)

    def test_a_slow_reader_that_keeps_up_is_never_cut(self) -> None:
        """Each drain takes a while and more arrives meanwhile, but never more than drained."""
        queue = Queue(limit=100)
        for _ in range(1000):
            queue.queue.pauseProducing()
            for _ in range(4):
                queue.queue.write(b"0123456789")
            queue.queue.resumeProducing()
        self.assertEqual(queue.overflows, 0)
        self.assertEqual(len(queue.transport.value()), 40_000)

    def test_zero_is_no_limit(self) -> None:
        queue = Queue(limit=0)
        queue.queue.pauseProducing()
        for _ in range(10_000):
            queue.queue.write(b"0123456789")
        self.assertEqual((queue.overflows, queue.queue.unsent), (0, 100_000))

    def test_close_flushes_and_lets_go(self) -> None:
        """The transport can only close once its producer is gone."""
        queue = Queue()
        queue.queue.pauseProducing()
        queue.queue.write(b"goodbye")
        queue.queue.close()
        self.assertEqual(queue.transport.value(), b"goodbye")
        self.assertIsNone(queue.transport.producer)

    def test_stop_producing(self) -> None:
        """The connection is gone: nothing is held or written any more."""
        queue = Queue()
        queue.queue.pauseProducing()
        queue.queue.write(b"lost")
        queue.queue.stopProducing()
        queue.queue.write(b"more")
        self.assertEqual((queue.transport.value(), queue.queue.unsent), (b"", 0))


class StalledReaderTests(SynchronousTestCase):
    """A member who stopped reading, as the room sees it."""

    def setUp(self) -> None:
        self.server = Server(limits=Limits(flood_rate=0, sendq=4096))
        self.talker, self.stalled, self.reader = self.server.logins("talker", "stalled", "reader")
        # The stalled client's transport says its buffer is full.
        self.stalled.transport.producer.pauseProducing()

    def test_cut_past_the_limit_and_the_room_told(self) -> None:
        lines = [f"line {index} " + "x" * 90 for index in range(60)]
        with capturedLogs() as logged:
            # In one packet, so all in one pass of the reactor.
            self.talker.protocol.dataReceived("".join(f"{line}\r\n" for line in lines).encode())
        self.assertEqual(self.stalled.received(), b"", "nothing reaches a paused transport")
        self.assertFalse(self.stalled.transport.disconnecting, "not in the middle of a broadcast")
        self.assertEqual([formatEvent(event) for event in logged
                          if event["log_namespace"] == "twisted_chat.activity"],
                         ["IPv4Address(type='TCP', host='127.0.0.1', port=40002) is not "
                          "reading: more than 4096 bytes unsent; cutting it off"])
        self.server.clock.advance(0)
        self.assertTrue(self.stalled.transport.disconnected, "aborted, not closed politely")
        self.stalled.protocol.connectionLost(None)
        self.assertEqual(self.reader.lines(), [f"<talker> {line}" for line in lines]
                         + ["*** stalled has left (send queue exceeded)"])
        self.assertEqual([user.name for user in self.server.chat.users()], ["reader", "talker"])
        self.assertEqual(len(self.flushLoggedErrors()), 0)

    def test_under_the_limit_nothing_is_lost(self) -> None:
        """A reader that catches up gets every line, in order."""
        lines = [f"line {index}" for index in range(100)]
        for line in lines:
            self.talker.send(line)
        self.stalled.transport.producer.resumeProducing()
        self.assertEqual(self.stalled.lines(), [f"<talker> {line}" for line in lines])
        self.server.clock.advance(0)
        self.assertTrue(self.stalled.connected)
