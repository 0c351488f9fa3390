"""
A cluster losing a part, with the real engines: a node killed, Redis
restarted, PostgreSQL restarted, a node stopped.  What anyone saw is kept,
nobody misses or sees twice a line, and the rest goes on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from twisted.trial.unittest import SynchronousTestCase

from tests.cluster.nodes import Cluster, first_of


class NodeKilledTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.cluster = Cluster(2)
        self.addCleanup(self.cluster.stop)
        self.one, self.two = self.cluster.nodes

    def test_kill_9(self) -> None:
        """
        A node killed mid-chat: its users leave the others' rooms, their lines
        seen stay in the history, and their names are free to log in with again.
        """
        alice = self.one.connect().login("alice")
        bob = self.two.connect().login("bob")
        alice.expect("bob has logged in")
        bob.send("seen by alice")
        alice.expect("<bob> seen by alice")
        self.two.process.kill()
        self.two.process.wait()
        dropped = alice.expect("bob")
        self.assertIn("their server went away", dropped[-1])
        alice.send("/who")
        who = alice.expect("alice")
        self.assertFalse(any("bob" in line for line in who))
        again = self.one.connect().login("bob")
        again.send("/history")
        self.assertIn("<bob> seen by alice", " ".join(again.expect("seen by alice")))

    def test_restarted_node_frees_its_names_at_once(self) -> None:
        """
        A node started again under its name at once (before its heartbeat ran
        out) lets go of its earlier run's users: gone from the others' rooms,
        their names free on every node.
        """
        alice = self.one.connect().login("alice")
        bob = self.two.connect().login("bob")
        alice.expect("bob has logged in")
        self.two.process.kill()
        self.two.process.wait()
        self.two = self.cluster.start("n2")
        left = alice.expect("bob has left")[-1]
        # Told by the node's new run (at once), not found by its silence (seconds later).
        self.assertNotIn("went away", left)
        bob.close()
        again = self.one.connect()
        again.banner()
        again.send("login bob")
        again.expect("= Members")


class RedisRestartedTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.cluster = Cluster(2)
        self.addCleanup(self.cluster.stop)
        self.one, self.two = self.cluster.nodes

    def test_lines_said_meanwhile_arrive_once_in_order(self) -> None:
        """
        While Redis is away each node serves its own users; once it is back,
        the lines said meanwhile reach the other node's members, once each and
        in the room's order, and presence is whole again.
        """
        alice = self.one.connect().login("alice")
        bob = self.two.connect().login("bob")
        alice.expect("bob has logged in")
        self.cluster.redis.stop()
        for n in range(5):
            bob.send(f"meanwhile {n}")
            bob.expect(f"<bob> meanwhile {n}")
        self.cluster.redis.start()
        lines = alice.expect("<bob> meanwhile 4")
        chat = [line for line in lines if "<bob>" in line]
        self.assertEqual(chat, [f"<bob> meanwhile {n}" for n in range(5)])
        alice.send("and now?")
        bob.expect("<alice> and now?")
        bob.send("/who")
        self.assertTrue(any("alice" in line for line in bob.expect("bob")))
        alice.send("/who")
        self.assertTrue(any("bob" in line for line in alice.expect("bob")))

    def test_login_refused_while_away(self) -> None:
        """No name can be taken while Redis is away: one clear line, and it works after."""
        self.cluster.redis.stop()
        client = self.one.connect()
        client.banner()
        client.send("login zoe")
        refused = client.expect("cannot reach each other")
        self.assertIn("no name can be taken", refused[-1])
        self.cluster.redis.start()
        for _ in range(60):
            client.send("login zoe")
            if "reach each other" not in first_of(client, "reach each other", "= Members"):
                break
            time.sleep(0.25)
        else:
            self.fail("never let in")


class PostgresRestartedTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.cluster = Cluster(2)
        self.addCleanup(self.cluster.stop)
        self.one, self.two = self.cluster.nodes

    def test_not_stored_then_recovered(self) -> None:
        """
        Lines said while PostgreSQL is down get the not-stored error and reach
        nobody; once it is back the nodes store and deliver again, unrestarted.
        """
        alice = self.one.connect().login("alice")
        bob = self.two.connect().login("bob")
        alice.expect("bob has logged in")
        postgres = self.cluster.postgres
        postgres.halt()
        try:
            bob.send("lost while down")
            self.assertIn("could not be stored", first_of(bob, "could not be stored",
                                                          "lost while down"))
        finally:
            postgres.start()
        for attempt in range(30):
            bob.send(f"after {attempt}")
            if first_of(bob, "could not be stored", f"after {attempt}") \
                    == f"<bob> after {attempt}":
                break
        seen = alice.expect("<bob> after")
        self.assertFalse(any("lost while down" in line for line in seen))


class SlowNodeTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.cluster = Cluster(3, "--flood-rate", "0", "--input-rate", "0")
        self.addCleanup(self.cluster.stop)
        self.one, self.two, self.three = self.cluster.nodes

    def test_stopped_node_stalls_nobody(self) -> None:
        """
        A node that stops answering (SIGSTOP) holds up no other: the rest chat
        on; once it runs again its members get every line, in order, once.
        """
        alice = self.one.connect().login("alice")
        bob = self.two.connect().login("bob")
        carol = self.three.connect().login("carol")
        alice.expect("carol has logged in")
        os.kill(self.two.process.pid, signal.SIGSTOP)
        try:
            for n in range(20):
                alice.send(f"while two sleeps {n}")
                carol.expect(f"<alice> while two sleeps {n}")
            carol.send("still here")
            alice.expect("<carol> still here")
        finally:
            os.kill(self.two.process.pid, signal.SIGCONT)
        lines = bob.expect("<carol> still here")
        chat = [line for line in lines if line.startswith("<")]
        self.assertEqual(chat, [f"<alice> while two sleeps {n}" for n in range(20)]
                         + ["<carol> still here"])

    def test_node_cut_off_by_redis_catches_up(self) -> None:
        """
        A stopped node falls behind by more than Redis keeps for a listener:
        Redis cuts it off (the others go on), and once it runs again it
        reconnects and reads from the database what it missed, in order, once.
        """
        subprocess.run(["redis-cli", "-s", self.cluster.redis.path, "CONFIG", "SET",
                        "client-output-buffer-limit", "pubsub 64kb 32kb 1"], check=True,
                       capture_output=True)
        alice = self.one.connect().login("alice")
        bob = self.two.connect().login("bob")
        carol = self.three.connect().login("carol")
        alice.expect("carol has logged in")
        long = "x" * 900
        # More than the kernel's socket buffers hold, and Redis's 64 KB on top.
        count = 600
        os.kill(self.two.process.pid, signal.SIGSTOP)
        try:
            for n in range(count):
                alice.send(f"{n} {long}")
            carol.expect(f"<alice> {count - 1} ")
        finally:
            os.kill(self.two.process.pid, signal.SIGCONT)
        carol.send("still here")
        lines = bob.expect("<carol> still here")
        chat = [line.split(" ", 2)[1] for line in lines if line.startswith("<alice>")]
        self.assertEqual(chat, [str(n) for n in range(count)])
        self.assertIn("Lost the listening connection to Redis", self.two.log_text())

    def test_node_taken_for_gone_comes_back(self) -> None:
        """
        A node stopped longer than its heartbeat lasts is taken for gone; when
        it runs again it tells the others of its users, and they are back.
        """
        alice = self.one.connect().login("alice")
        bob = self.two.connect().login("bob")
        alice.expect("bob has logged in")
        os.kill(self.two.process.pid, signal.SIGSTOP)
        try:
            self.assertIn("their server went away", alice.expect("bob")[-1])
        finally:
            os.kill(self.two.process.pid, signal.SIGCONT)
        alice.expect("bob has logged in")
        bob.send("back")
        alice.expect("<bob> back")
