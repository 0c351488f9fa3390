"""The model, with plain objects: no sockets, no reactor."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase
from zope.interface import implementer
from zope.interface.verify import verifyObject

from twisted_chat.core import errors, events
from twisted_chat.core.chat import Chat, User, broadcast, broadcast_runs
from twisted_chat.core.formats import TextFormat
from twisted_chat.interfaces import IChatClient

RENDERED: list[events.Event] = []


class CountingFormat(TextFormat):
    """A text format that notes every event it renders in RENDERED."""

    def render(self, event: events.Event) -> bytes:
        RENDERED.append(event)
        return TextFormat.render(self, event)


@implementer(IChatClient)
class RecordingClient:
    """A client that keeps what it is sent."""

    def __init__(self, format: object = None, broken: bool = False) -> None:
        self.format = format or TextFormat()
        self.address = None
        self.broken = broken
        self.received: list[bytes] = []

    def send(self, event: events.Event) -> None:
        self.write(self.format.render(event))

    def write(self, data: bytes) -> None:
        if self.broken:
            raise OSError("gone")
        self.received.append(data)

    def pauseInput(self) -> None:
        self.paused = True

    def resumeInput(self) -> None:
        self.paused = False


class ModelTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.now = 1000.0
        self.chat = Chat(main_room="Lobby", clock=lambda: self.now)

    def login(self, name: str, client: RecordingClient | None = None) -> User:
        return self.chat.login(client or RecordingClient(), name, self.now)

    def test_client_interface(self) -> None:
        self.assertTrue(verifyObject(IChatClient, RecordingClient()))

    def test_login_enters_main_room(self) -> None:
        alice = self.login("alice")
        self.assertIs(alice.room, self.chat.main)
        self.assertEqual([u.name for u in self.chat.users()], ["alice"])

    def test_name_taken(self) -> None:
        self.login("alice")
        self.assertRaises(errors.NameTaken, self.login, "ALICE")
        self.assertRaises(errors.NameEmpty, self.login, "")
        self.assertEqual(len(self.chat.users()), 1)

    def test_failed_create_changes_nothing(self) -> None:
        alice = self.login("alice")
        self.assertRaises(errors.NameInvalid, self.chat.create, alice, "no good")
        self.assertIs(alice.room, self.chat.main)
        self.assertEqual(len(self.chat.rooms()), 1)

    def test_rooms_order(self) -> None:
        for name, room in [("a", "zeta"), ("b", "alpha")]:
            self.chat.create(self.login(name), room)
        self.assertEqual([r.name for r in self.chat.rooms()], ["Lobby", "alpha", "zeta"])

    def test_room_gone_when_empty(self) -> None:
        alice = self.login("alice")
        self.chat.create(alice, "games")
        self.chat.logout(alice)
        self.assertRaises(errors.NoSuchRoom, self.chat.find_room, "games")
        self.assertEqual(self.chat.users(), [])

    def test_owner_renamed_still_owner(self) -> None:
        alice = self.login("alice")
        self.chat.create(alice, "games")
        self.chat.rename(alice, "alicia")
        self.chat.set_topic(alice, "ok")
        self.assertEqual(self.chat.room_list().rooms[1].owner, "alicia")

    def test_idle_and_connected(self) -> None:
        alice = self.login("alice")
        self.now += 100
        self.chat.touch(alice)
        self.now += 30
        whois = self.chat.whois("alice")
        self.assertEqual((whois.connected, whois.idle), (130, 30))

    def test_broadcast_renders_once_per_format(self) -> None:
        """A room of many members costs one render per distinct format, not per member."""
        RENDERED.clear()
        shared = CountingFormat()
        users = [User(f"u{i}", RecordingClient(shared), 0) for i in range(50)]
        broadcast(events.Chat(1.0, "lobby", "u0", "hi"), users)
        self.assertEqual(len(RENDERED), 1)
        self.assertTrue(all(u.client.received == [b"<u0> hi\r\n"] for u in users))

    def test_runs_to_one_audience_are_one_write(self) -> None:
        """Lines in a row to the same members: rendered once each, one write per member."""
        RENDERED.clear()
        shared = CountingFormat()
        users = [User(f"u{i}", RecordingClient(shared), 0) for i in range(20)]
        others = users[:5]
        lines = [events.Chat(1.0, "lobby", "u0", text) for text in ("a", "b", "c")]
        broadcast_runs([(lines[0], users), (lines[1], users), (lines[2], others),
                        (lines[0], users)])
        self.assertEqual(len(RENDERED), 4)
        self.assertEqual(users[0].client.received,
                         [b"<u0> a\r\n<u0> b\r\n", b"<u0> c\r\n", b"<u0> a\r\n"])
        self.assertEqual(users[10].client.received, [b"<u0> a\r\n<u0> b\r\n", b"<u0> a\r\n"])

    def test_broken_client_does_not_stop_a_run(self) -> None:
        clients = [RecordingClient(), RecordingClient(broken=True), RecordingClient()]
        users = [User(f"u{i}", client, 0) for i, client in enumerate(clients)]
        lines = [events.Chat(1.0, "lobby", "u0", text) for text in ("a", "b")]
        broadcast_runs([(line, users) for line in lines])
        self.assertEqual(clients[2].received, [b"<u0> a\r\n<u0> b\r\n"])
        self.assertEqual(len(self.flushLoggedErrors(OSError)), 1)

    def test_audience_is_kept_until_someone_comes_or_goes(self) -> None:
        alice = self.login("alice")
        room = self.chat.main
        first = room.audience()
        self.assertIs(room.audience(), first)
        self.login("bob")
        second = room.audience()
        self.assertIsNot(second, first)
        self.assertEqual([user.name for user in second], ["alice", "bob"])
        self.chat.logout(alice)
        self.assertEqual([user.name for user in room.audience()], ["bob"])

    def test_broken_client_does_not_stop_delivery(self) -> None:
        """One recipient whose write fails costs the others nothing."""
        clients = [RecordingClient(), RecordingClient(broken=True), RecordingClient()]
        users = [User(f"u{i}", client, 0) for i, client in enumerate(clients)]
        broadcast(events.Chat(1.0, "lobby", "u0", "hi"), users)
        self.assertEqual(clients[0].received, [b"<u0> hi\r\n"])
        self.assertEqual(clients[2].received, [b"<u0> hi\r\n"])
        self.assertEqual(len(self.flushLoggedErrors(OSError)), 1)

    def test_private_to_self(self) -> None:
        """A message to yourself arrives once."""
        client = RecordingClient()
        alice = self.login("alice", client)
        client.received.clear()
        self.chat.private(alice, "alice", "note")
        self.assertEqual(client.received, [b"[alice -> alice] note\r\n"])
