"""The sessions of every front end, and the goodbye they all get on shutdown."""

from __future__ import annotations

from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server
from twisted_chat.core.logquota import LogQuota
from twisted_chat.service import SHUTDOWN_NOTICE


class ShutdownTests(SynchronousTestCase):
    def test_everyone_told_then_closed(self) -> None:
        """Logged in or not, every connection gets the notice, then is closed."""
        server = Server()
        alice = server.login("alice")
        stranger = server.connect()
        stranger.clear()
        done = server.service.stopService()
        self.assertEqual(alice.lines()[0], f"*** {SHUTDOWN_NOTICE}")
        self.assertEqual(stranger.lines(), [f"*** {SHUTDOWN_NOTICE}"])
        self.assertFalse(alice.connected or stranger.connected)
        self.assertIsNone(self.successResultOf(done))
        self.assertEqual(server.chat.users(), [])

    def test_logged_as_a_stop(self) -> None:
        """The log says why everyone went: the server stopped, not their connections."""
        server = Server(log=LogQuota())
        server.logins("alice", "bob")
        with capturedLogs() as logged:
            server.service.stopService()
        drops = [formatEvent(event) for event in logged if "dropped" in formatEvent(event)]
        self.assertEqual(sorted(drops), ["alice dropped: the server stopped",
                                         "bob dropped: the server stopped"])

    def test_goodbye_is_the_last_line(self) -> None:
        """Nobody reads of the others' going after the server's goodbye."""
        server = Server()
        clients = server.logins("alice", "bob", "carol")
        server.chat.create(server.chat.find_user("carol"), "games")
        for client in clients:
            client.clear()
        server.service.stopService()
        for client in clients:
            self.assertEqual(client.lines(), [f"*** {SHUTDOWN_NOTICE}"])

    def test_nothing_after_close(self) -> None:
        """A connection being closed is sent nothing more, whatever happens in its room."""
        server = Server()
        alice, bob = server.logins("alice", "bob")
        # As over TCP: the close waits until what was written has gone.
        alice.transport.loseConnection = lambda: None  # type: ignore[method-assign]
        alice.protocol.session.close()
        bob.send("are you there?")
        self.assertEqual(alice.lines(), [])

    def test_nobody_connected(self) -> None:
        self.assertIsNone(self.successResultOf(Server().sessions.shutdown("bye")))

    def test_slow_client_cut_after_grace(self) -> None:
        """A connection that does not close within the grace period is aborted."""
        server = Server()
        protocol = server.factory.buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        done = server.sessions.shutdown("bye", grace=3)
        self.assertNoResult(done)
        self.assertTrue(transport.disconnecting)
        self.assertFalse(transport.disconnected)
        server.clock.advance(3)
        self.assertTrue(transport.disconnected)
        protocol.connectionLost(None)
        self.successResultOf(done)

    def test_no_timer_left_behind(self) -> None:
        """When everyone has closed in time, the abort timer is cancelled."""
        server = Server()
        protocol = server.factory.buildProtocol(None)
        protocol.makeConnection(StringTransport())
        done = server.sessions.shutdown("bye", grace=3)
        protocol.connectionLost(None)
        self.successResultOf(done)
        self.assertEqual(server.clock.getDelayedCalls(), [])
