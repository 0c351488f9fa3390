"""
What changes live: the limits in force are one holder every reader shares,
and the crowd summaries follow --crowd turned on by a reload.
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import ip_network

from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server
from twisted_chat.config.changes import Change
from twisted_chat.config.live import APPLY, Running, apply
from twisted_chat.core.limits import UNLIMITED, Limits


class SeamTests(SynchronousTestCase):
    def test_one_holder(self) -> None:
        """The chat, its quotas and the sessions' door read the same limits, not copies."""
        server = Server()
        chat = server.chat
        self.assertIs(chat.quotas.in_force, chat.in_force)
        self.assertIs(server.sessions.admission.in_force, chat.in_force)
        chat.in_force.limits = replace(UNLIMITED, max_per_ip=7)
        self.assertEqual((chat.limits.max_per_ip, chat.quotas.limits.max_per_ip,
                          server.sessions.admission.limits.max_per_ip), (7, 7, 7))

    def test_every_limit_is_live(self) -> None:
        """Each field of Limits is an option a reload applies, by the option's name."""
        for name in Limits.__dataclass_fields__:
            self.assertIn(name.replace("_", "-"), APPLY)

    def test_each_function_once(self) -> None:
        """Three limits changed: the limits are swapped once, and the file limit raised once."""
        server = Server()
        files: list[int] = []
        new = {"limits": replace(UNLIMITED, max_connections=50, max_per_ip=3, sendq=1)}
        apply(Running(server.chat, server.sessions, files.append),
              [Change("max-connections", 0, 50), Change("max-per-ip", 0, 3),
               Change("sendq", 0, 1)], new)
        self.assertEqual(files, [50])
        self.assertIs(server.chat.limits, new["limits"])


class DoorTests(SynchronousTestCase):
    """The connection limits, changed while connections are open."""

    def test_a_rate_lowered_counts_who_came(self) -> None:
        """conn-rate 3 → 2 a minute, after two came: a third is refused at once."""
        server = Server(limits=replace(UNLIMITED, conn_rate=3))
        server.connect(), server.connect()
        server.chat.in_force.limits = replace(UNLIMITED, conn_rate=2)
        self.assertFalse(server.connect().connected)

    def test_exempt_no_longer(self) -> None:
        """Let in while exempt, closed after --exempt lost the network: nothing is miscounted."""
        network = (ip_network("192.0.2.0/24"),)
        server = Server(limits=replace(UNLIMITED, max_per_ip=1, exempt=network))
        first, second = server.connect("192.0.2.9"), server.connect("192.0.2.9")
        server.chat.in_force.limits = replace(UNLIMITED, max_per_ip=1)
        first.drop()
        second.drop()
        self.assertTrue(server.connect("192.0.2.9").connected)
        self.assertFalse(server.connect("192.0.2.9").connected)

    def test_exempt_since(self) -> None:
        """Counted, then exempt, then closed: its count goes, so it is not held against it."""
        network = (ip_network("192.0.2.0/24"),)
        server = Server(limits=replace(UNLIMITED, max_per_ip=1))
        first = server.connect("192.0.2.9")
        server.chat.in_force.limits = replace(UNLIMITED, max_per_ip=1, exempt=network)
        first.drop()
        server.chat.in_force.limits = replace(UNLIMITED, max_per_ip=1)
        self.assertTrue(server.connect("192.0.2.9").connected)


class CrowdTests(SynchronousTestCase):
    def test_crowds_told_once_turned_on(self) -> None:
        """--crowd 0 at start, 2 after a reload: the room hears who came in, every 10 seconds."""
        server = Server()
        server.start_timers()
        self.addCleanup(server.stop_timers)
        ann = server.login("ann")
        server.chat.in_force.limits = replace(UNLIMITED, crowd=2)
        server.logins("bob")
        server.login("carol")
        ann.clear()
        server.clock.advance(10)
        self.assertEqual(ann.lines(), ["*** lobby: 1 came in: carol"])
