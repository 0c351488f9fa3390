"""Fan-out: one run of events to many users, framed once per format."""

from __future__ import annotations

import json

from twisted.trial.unittest import SynchronousTestCase

from tests.fakes import RENDERED, CountingFormat, RecordingClient
from twisted_chat.core import events, formats
from twisted_chat.core.users import User
from twisted_chat.hub.fanout import broadcast, broadcast_runs


class FanOutTests(SynchronousTestCase):
    def test_broadcast_renders_once_per_format(self) -> None:
        """A room of many members costs one render per distinct format, not per member."""
        RENDERED.clear()
        shared = CountingFormat()
        users = [User(f"u{i}", RecordingClient(shared), 0) for i in range(50)]
        broadcast(events.Message(1.0, "lobby", "u0", "hi"), users)
        self.assertEqual(len(RENDERED), 1)
        self.assertTrue(all(u.client.received == [b"<u0> hi\r\n"] for u in users))

    def test_runs_to_one_audience_are_one_write(self) -> None:
        """Lines in a row to the same members: rendered once each, one write per member."""
        RENDERED.clear()
        shared = CountingFormat()
        users = [User(f"u{i}", RecordingClient(shared), 0) for i in range(20)]
        others = users[:5]
        lines = [events.Message(1.0, "lobby", "u0", text) for text in ("a", "b", "c")]
        broadcast_runs([(lines[0], users), (lines[1], users), (lines[2], others),
                        (lines[0], users)])
        self.assertEqual(len(RENDERED), 4)
        self.assertEqual(users[0].client.received,
                         [b"<u0> a\r\n<u0> b\r\n", b"<u0> c\r\n", b"<u0> a\r\n"])
        self.assertEqual(users[10].client.received, [b"<u0> a\r\n<u0> b\r\n", b"<u0> a\r\n"])

    def test_broken_client_does_not_stop_a_run(self) -> None:
        clients = [RecordingClient(), RecordingClient(broken=True), RecordingClient()]
        users = [User(f"u{i}", client, 0) for i, client in enumerate(clients)]
        lines = [events.Message(1.0, "lobby", "u0", text) for text in ("a", "b")]
        broadcast_runs([(line, users) for line in lines])
        self.assertEqual(clients[2].received, [b"<u0> a\r\n<u0> b\r\n"])
        self.assertEqual(len(self.flushLoggedErrors(OSError)), 1)

    def test_broken_client_does_not_stop_delivery(self) -> None:
        """One recipient whose write fails costs the others nothing."""
        clients = [RecordingClient(), RecordingClient(broken=True), RecordingClient()]
        users = [User(f"u{i}", client, 0) for i, client in enumerate(clients)]
        broadcast(events.Message(1.0, "lobby", "u0", "hi"), users)
        self.assertEqual(clients[0].received, [b"<u0> hi\r\n"])
        self.assertEqual(clients[2].received, [b"<u0> hi\r\n"])
        self.assertEqual(len(self.flushLoggedErrors(OSError)), 1)

    def test_message_front_end_gets_one_message_per_event(self) -> None:
        """
        The format decides the framing: a run of lines reaches a stream client
        as one write, and a message client as one message per line; each
        framing is made once and shared by every client of that format.
        """
        stream = formats.build("json")
        message = formats.build("json", framing=formats.Messages(lambda piece: b"<%s>" % piece))
        streamed = [User(f"s{i}", RecordingClient(stream), 0) for i in range(3)]
        messaged = [User(f"m{i}", RecordingClient(message), 0) for i in range(3)]
        users = streamed + messaged
        lines = [events.Message(1.0, "lobby", "s0", text) for text in ("a", "b")]
        broadcast_runs([(line, users) for line in lines])
        (joined,) = streamed[0].client.received
        self.assertEqual(joined.count(b"\r\n"), 2)
        (framed,) = messaged[0].client.received
        pieces = framed.removeprefix(b"<").removesuffix(b">").split(b"><")
        self.assertEqual([json.loads(piece)["text"] for piece in pieces], ["a", "b"])
        self.assertTrue(all(user.client.received[0] is joined for user in streamed))
        self.assertTrue(all(user.client.received[0] is framed for user in messaged))
