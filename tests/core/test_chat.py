"""The model, with plain objects: no sockets, no reactor."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from tests.fakes import RecordingClient
from twisted_chat.core import errors
from twisted_chat.core.chat import Chat
from twisted_chat.core.users import User
from twisted_chat.hub.local import LocalHub
from twisted_chat.interfaces import IClient, IHub


class ModelTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.now = 1000.0
        self.hub = LocalHub(clock=lambda: self.now)
        self.chat = Chat(self.hub, main_room="Lobby", clock=lambda: self.now)

    def login(self, name: str, client: RecordingClient | None = None) -> User:
        return self.chat.login(client or RecordingClient(), name, self.now)

    def test_client_interface(self) -> None:
        self.assertTrue(verifyObject(IClient, RecordingClient()))

    def test_hub_interface(self) -> None:
        self.assertTrue(verifyObject(IHub, self.hub))

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

    def test_private_to_self(self) -> None:
        """A message to yourself arrives once."""
        client = RecordingClient()
        alice = self.login("alice", client)
        client.received.clear()
        self.chat.private(alice, "alice", "note")
        self.assertEqual(client.received, [b"[alice -> alice] note\r\n"])
