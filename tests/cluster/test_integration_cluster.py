"""
Several real ``twistd -n chat`` nodes on one real PostgreSQL and one real
Redis: to their users they are one chat.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.cluster.nodes import Cluster


class OneChatTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.cluster = Cluster(2)
        self.addCleanup(self.cluster.stop)
        self.one, self.two = self.cluster.nodes

    def test_room_spans_nodes(self) -> None:
        """Users on two nodes see each other, and each other's lines, in one room."""
        alice = self.one.connect().login("alice")
        bob = self.two.connect().login("bob")
        alice.expect("bob has logged in")
        alice.send("/create maths")
        alice.expect("= Members")
        bob.send("/list")
        bob.expect("maths")
        bob.send("/join maths")
        members = bob.expect("= Members")
        self.assertIn("alice", members[-1])
        alice.expect("bob has joined maths")
        bob.send("hello from two")
        alice.expect("<bob> hello from two")
        alice.send("hello from one")
        bob.expect("<alice> hello from one")
        alice.send("/who")
        listing = alice.expect("bob")
        self.assertTrue(any("alice" in line for line in listing))

    def test_private_across_nodes(self) -> None:
        alice = self.one.connect().login("alice")
        bob = self.two.connect().login("bob")
        alice.expect("bob has logged in")
        alice.send("/msg bob psst")
        bob.expect("psst")

    def test_name_unique_across_nodes(self) -> None:
        """A name used on one node is taken on the others, and free on all once let go."""
        alice = self.one.connect().login("alice")
        carol = self.two.connect().login("carol")
        other = self.two.connect()
        other.banner()
        other.send("login Alice")
        taken = other.expect("taken")
        self.assertIn("is taken", taken[-1])
        alice.send("/quit")
        carol.expect("alice has logged out")
        other.send("login Alice")
        other.expect("= Members")
