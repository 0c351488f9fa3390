"""Keeping order across nodes: roles, kicks, bans and mutes hold on every node."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.cluster.nodes import Cluster
from tests.processes import logged_in_registered
from twisted_chat.i18n.languages import SIMPLIFIED


class ModerationAcrossNodesTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.cluster = Cluster(2)
        self.addCleanup(self.cluster.stop)
        self.one, self.two = self.cluster.nodes

    def test_acts_hold_on_every_node(self) -> None:
        """
        The owner on one node mutes, kicks, bans and makes an operator of
        members on the other; each holds there, and the operator's own kick
        of a member back on the first node does too.
        """
        alice = self.one.connect().login("alice")
        dave = self.one.connect().login("dave")
        bob = self.two.connect().login("bob")
        carol = self.two.connect().login("carol")
        alice.send("/create maths")
        alice.expect("= Members")
        for member in (dave, bob, carol):
            member.send("/join maths")
            member.expect("= Members")
        alice.expect("carol has joined maths")

        alice.send("/mute carol 10m")
        bob.expect("alice muted carol in maths")
        carol.send("can I speak?")
        self.assertIn("You are muted in maths", carol.expect("muted in maths")[-1])

        alice.send("/kick bob too loud")
        self.assertIn("alice kicked bob out of maths", bob.expect("kicked")[-1])
        bob.expect("= Members")
        dave.expect("alice kicked bob out of maths")
        alice.send("/ban bob")
        bob.expect("banned")
        bob.send("/join maths")
        self.assertIn("You are banned from maths", bob.expect("banned from maths")[-1])

        alice.send("/op carol")
        carol.expect("alice made carol an operator of maths")
        carol.send("/kick dave")
        self.assertIn("carol kicked dave out of maths", dave.expect("kicked")[-1])
        dave.send("/look")
        self.assertIn("lobby", " ".join(dave.expect("= Members")))

        alice.send("/unmute carol")
        carol.expect("unmuted")
        carol.send("now I can")
        alice.expect("<carol> now I can")


class PutOffAcrossNodesTests(SynchronousTestCase):
    def test_goodbye_in_the_users_language(self) -> None:
        """
        A server operator on one node disconnects a user on the other: their
        node says goodbye in the language that user reads, reason as written.
        """
        cluster = Cluster(2, "--operator", "teacher")
        self.addCleanup(cluster.stop)
        one, two = cluster.nodes
        teacher = logged_in_registered(one, "teacher")
        bob = two.connect().login("bob")
        bob.send("/lang zh-CN")
        bob.expect("zh-CN")
        teacher.send("/disconnect bob trolling")
        goodbye = SIMPLIFIED.format("{by} disconnected you from the server: {reason}",
                                    by="teacher", reason="trolling")
        self.assertEqual(bob.expect(goodbye)[-1], f"*** {goodbye}")
        self.assertTrue(bob.closed())
