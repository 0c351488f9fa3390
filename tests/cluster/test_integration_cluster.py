"""
Several real ``twistd -n chat`` nodes on one real PostgreSQL and one real
Redis: to their users they are one chat.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.cluster.nodes import Cluster, first_of


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

    def test_registered_and_topic_across_nodes(self) -> None:
        """A name registered on one node needs its password on the other; topics are shared."""
        alice = self.one.connect().login("alice")
        alice.send("/register sesame123")
        alice.expect("is registered")
        alice.send("/create maths")
        alice.expect("= Members")
        bob = self.two.connect().login("bob")
        bob.send("/join maths")
        bob.expect("= Members")
        alice.send("/topic sums today")
        self.assertIn("sums today", bob.expect("sums today")[-1])
        alice.send("/quit")
        bob.expect("alice has logged out")
        other = self.two.connect()
        other.banner()
        other.send("login alice")
        self.assertIn("is registered", other.expect("is registered")[-1])
        other.send("login alice sesame123")
        other.expect("= Members")

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


class OrderTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.cluster = Cluster(3)
        self.addCleanup(self.cluster.stop)

    def test_one_order_for_every_member(self) -> None:
        """
        Six members on three nodes, all saying lines at once: every member sees
        every line once, all in one order, each sender's lines in the order sent.
        """
        names = [f"m{index}{which}" for index in range(3) for which in "ab"]
        members = [self.cluster.nodes[index // 2].connect().login(name)
                   for index, name in enumerate(names)]
        for member in members[:-1]:
            member.expect(f"{names[-1]} has logged in")
        lines = 30
        for n in range(lines):
            for member in members:
                member.send(f"line {n}")
        seen = []
        for member in members:
            got: list[str] = []
            while len(got) < lines * len(members):
                line = member.readline()
                if line.startswith("<"):
                    got.append(line)
            seen.append(got)
        self.assertEqual(len(set(map(tuple, seen))), 1, "one order for everyone")
        for name in names:
            own = [line for line in seen[0] if line.startswith(f"<{name}>")]
            self.assertEqual(own, [f"<{name}> line {n}" for n in range(lines)])


class NameRaceTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.cluster = Cluster(2)
        self.addCleanup(self.cluster.stop)

    def test_one_name_one_winner(self) -> None:
        """Two nodes asked for one name at the same moment: exactly one user gets it."""
        for attempt in range(5):
            name = f"zed{attempt}"
            clients = [node.connect() for node in self.cluster.nodes]
            for client in clients:
                client.banner()
            for client in clients:
                client.send(f"login {name}")
            answers = [first_of(client, "= Members", "taken") for client in clients]
            self.assertEqual(sorted("taken" in answer for answer in answers), [False, True],
                             answers)
            for client in clients:
                client.close()


class JoinerTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.cluster = Cluster(2, "--create-rate", "0", "--join-rate", "0", "--flood-rate", "0")
        self.addCleanup(self.cluster.stop)

    def test_line_said_as_the_first_member_here_joins(self) -> None:
        """
        A line said just as someone joins a room nobody on their node is in
        yet reaches them exactly once: live, or in the replay, never both or neither.
        """
        one, two = self.cluster.nodes
        alice = one.connect().login("alice")
        bob = two.connect().login("bob")
        alice.expect("bob has logged in")
        for k in range(10):
            alice.send(f"/create r{k}")
            alice.expect("= Members")
            bob.expect(f"alice has left for r{k}")
            bob.send(f"/join r{k}")
            bob.expect("= Members")
            alice.send(f"line {k}")
            alice.send(f"marker {k}")
            seen = bob.expect(f"<alice> marker {k}")
            self.assertEqual(sum(line.endswith(f"<alice> line {k}") for line in seen), 1, seen)
            for client in (alice, bob):
                client.send("/join lobby")
                client.expect("= Members")
