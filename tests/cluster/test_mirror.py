"""
Another node's users in this node's chat: listed, counted and told of as
this node's own, but never delivered to here (their node does that).
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from tests.fakes import RecordingClient
from tests.harness import only
from twisted_chat.core import errors
from twisted_chat.core.chat import Chat
from twisted_chat.core.users import User
from twisted_chat.hub.local import LocalHub


def mirror(name: str, node: str = "b:6666") -> User:
    user = User(name, RecordingClient(), 0.0)
    user.node = node
    return user


class MirrorTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.chat = Chat(LocalHub(clock=self.clock.seconds), clock=self.clock.seconds)
        self.alice_client = RecordingClient()
        self.alice = self.chat.login(self.alice_client, "alice", 0.0)
        self.alice_client.received.clear()

    def heard(self) -> str:
        return b"".join(self.alice_client.received).decode()

    def test_listed_and_counted(self) -> None:
        """who, list and look hold the other node's users; the main room counts them."""
        bob = mirror("bob")
        self.chat.mirror_login(bob, "lobby")
        self.assertEqual([entry.name for entry in self.chat.who().users], ["alice", "bob"])
        self.assertEqual(self.chat.room_list().rooms[0].members, 2)
        self.assertEqual(self.chat.room_info(self.chat.main).members, ("alice", "bob"))
        self.assertIn("bob has logged in", self.heard())

    def test_never_in_an_audience(self) -> None:
        """A line said here goes to this node's members only: bob's node delivers to bob."""
        bob = mirror("bob")
        self.chat.mirror_login(bob, "lobby")
        self.assertEqual(self.chat.main.audience(), [self.alice])
        self.chat.say(self.alice, "hello")
        self.assertEqual(bob.client.received, [])  # type: ignore[attr-defined]

    def test_name_taken_here_too(self) -> None:
        """A name (or one that looks like it) held on another node is taken here."""
        self.chat.mirror_login(mirror("carol"), "lobby")
        self.assertRaises(errors.NameTaken, self.chat.check_free, "Carol")
        self.assertRaises(errors.NameLookalike, self.chat.check_free, "c\u0251rol")

    def test_room_made_elsewhere(self) -> None:
        """A room made on another node exists here, owned by its maker, and goes with them."""
        bob = mirror("bob")
        self.chat.mirror_login(bob, "lobby")
        self.chat.mirror_move(bob, "maths", owner=True)
        room = self.chat.find_room("maths")
        self.assertIs(room.owner, bob)
        self.assertRaises(errors.RoomExists, self.chat.create, self.alice, "Maths")
        self.chat.join(self.alice, "maths")
        self.assertEqual(room.audience(), [self.alice])
        self.chat.mirror_leave(bob, "logout", None)
        self.assertIsNone(room.owner, "its node says who has it now")
        self.chat.mirror_room("maths", "sums", "alice", None)
        self.assertIs(room.owner, self.alice)
        self.assertEqual(room.topic, "sums")
        self.chat.leave(self.alice)
        self.assertRaises(errors.NoSuchRoom, self.chat.find_room, "maths")

    def test_rename_and_leave_told(self) -> None:
        """Their renames and goings are told to this node's members in the room."""
        bob = mirror("bob")
        self.chat.mirror_login(bob, "lobby")
        self.chat.mirror_rename(bob, "robert")
        self.assertEqual(self.chat.find_user("robert"), bob)
        self.assertRaises(errors.NoSuchUser, self.chat.find_user, "bob")
        self.chat.mirror_leave(bob, "drop", "their server went away")
        self.assertIn("bob is now known as robert", self.heard())
        self.assertIn("their server went away", self.heard())
        self.assertRaises(errors.NoSuchUser, self.chat.find_user, "robert")

    def test_private_goes_to_their_client(self) -> None:
        """A private message to another node's user is handed to their client (their node)."""
        bob = mirror("bob")
        self.chat.mirror_login(bob, "lobby")
        self.chat.private(self.alice, "bob", "psst")
        self.assertIn(b"psst", b"".join(bob.client.received))  # type: ignore[attr-defined]

    def test_crowds_folded_with_the_other_nodes_users(self) -> None:
        """A room crowded by the cluster's users folds arrivals, theirs included."""
        chat = Chat(LocalHub(clock=self.clock.seconds), clock=self.clock.seconds,
                    limits=only(crowd=3))
        client = RecordingClient()
        chat.login(client, "alice", 0.0)
        for name in ("bob", "carol", "dave", "erin"):
            chat.mirror_login(mirror(name), "lobby")
        client.received.clear()
        chat.tell_crowds()
        told = b"".join(client.received).decode()
        self.assertIn("dave", told)
        self.assertIn("erin", told)
        self.assertNotIn("has logged in", told)
