"""
The input budget: on its own, then as a connection meets it (telnet commands
that never form a line, a flood of them, a paste that only waits).

Time is a ``task.Clock``: every delay is exact and nothing waits.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server
from twisted_chat.core.limits import Limits
from twisted_chat.session.budget import COMMAND_COST, READ_COST, Budget, allowance, cost

IAC, NOP, SB, SE, NAWS = b"\xff", b"\xf1", b"\xfa", b"\xf0", b"\x1f"


class BudgetTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.budget = Budget(rate=1000, burst=4000, clock=self.clock.seconds)

    def test_cost(self) -> None:
        """A byte of text is a byte, a telnet command many, a read at least READ_COST."""
        self.assertEqual(cost(b"x" * 1000), 1000)
        self.assertEqual(cost(b"x"), READ_COST)
        self.assertEqual(cost((IAC + NOP) * 100), 200 + (COMMAND_COST - 1) * 100)
        self.assertEqual(cost(b"\x03" * 100), 100 * COMMAND_COST, "Ctrl-C is an IAC IP")
        self.assertEqual(cost(b"\x04\x0c" * 50), 100 * COMMAND_COST, "Ctrl-D and Ctrl-L act too")

    def test_within_the_burst(self) -> None:
        self.assertEqual(self.budget.take(b"x" * 4000), (b"x" * 4000, b""))

    def test_over_it_the_rest_waits(self) -> None:
        """What fits is handled now; the rest waits as long as the rate takes to cover it."""
        now, later = self.budget.take(b"x" * 5000)
        self.assertEqual((len(now), len(later)), (4000, 1000))
        self.assertEqual(self.budget.wait(later), 1.0)
        self.clock.advance(1)
        self.assertEqual(self.budget.take(later), (later, b""))

    def test_refills_at_the_rate_up_to_the_burst(self) -> None:
        self.budget.take(b"x" * 4000)
        self.clock.advance(2)
        self.assertEqual(len(self.budget.take(b"x" * 3000)[0]), 2000)
        self.clock.advance(3600)
        self.assertEqual(len(self.budget.take(b"x" * 5000)[0]), 4000)

    def test_far_past_it_is_a_flood(self) -> None:
        self.assertFalse(self.budget.flooding(b"x" * 4000))
        self.assertTrue(self.budget.flooding(b"x" * 4001))
        self.assertTrue(self.budget.flooding((IAC + NOP) * 64))

    def test_never_less_than_the_line_limits_let_through(self) -> None:
        """A paste that flood control lets through whole is never held back by the bytes."""
        self.assertEqual(allowance(Limits(), 1024), (16 * 1024, 72 * 1026))
        self.assertEqual(allowance(Limits(flood_rate=1000, flood_burst=100), 1024),
                         (1000 * 1026, 164 * 1026))


class ConnectionTests(SynchronousTestCase):
    """The budget as a connection meets it, with the default limits."""

    def setUp(self) -> None:
        self.server = Server(limits=Limits())
        self.attacker, self.watcher = self.server.logins("attacker", "watcher")

    def test_telnet_commands_count(self) -> None:
        """
        Past its budget in telnet commands, a connection is not read for a
        while, and what it sent is read later: nothing is lost.
        """
        burst = allowance(Limits(), 1024)[1]
        commands = (burst - 4 * COMMAND_COST) // COMMAND_COST
        self.attacker.protocol.dataReceived((IAC + NOP) * commands + b"still here\r\n")
        self.assertEqual(self.attacker.transport.producerState, "paused")
        self.assertEqual(self.watcher.lines(), [])
        self.server.clock.advance(1)
        self.assertEqual(self.attacker.transport.producerState, "producing")
        self.assertEqual(self.watcher.lines(), ["<attacker> still here"])
        self.assertTrue(self.attacker.connected)

    def test_a_flood_of_telnet_commands_is_cut(self) -> None:
        """
        A read of telnet commands far past the budget (64 KB of IAC NOP, which
        forms no line for flood control to count) costs its sender the connection.
        """
        self.attacker.protocol.dataReceived((IAC + NOP) * 32768)
        self.assertEqual(self.attacker.lines(), [
            "! Excess flood: you sent far more than 16384 bytes a second. "
            "Closing the connection."])
        self.assertFalse(self.attacker.connected)
        self.assertEqual(self.watcher.lines(), ["*** attacker has left (excess flood)"])

    def test_cut_once_and_read_no_more(self) -> None:
        """Past the budget: one error, and nothing of what follows is read or answered."""
        self.attacker.protocol.dataReceived((IAC + NOP) * 32768 + b"/who\r\n")
        self.attacker.protocol.dataReceived((IAC + NOP) * 32768)
        self.assertEqual(len(self.attacker.lines()), 1)

    def test_flood_over_many_reads(self) -> None:
        """Small reads that keep the budget spent add up to the same cut."""
        naws = IAC + SB + NAWS + b"\x00\x50\x00\x18" + IAC + SE
        for _ in range(2000):
            if not self.attacker.connected:
                break
            # TLS can hand over what it decrypted while the connection is paused.
            self.attacker.protocol.dataReceived(naws * 20)
        self.assertFalse(self.attacker.connected)

    def test_a_paste_is_not_a_flood(self) -> None:
        """72 lines of the longest kind in one read: all of them reach the room."""
        self.server.clock.advance(10)  # the login line's token comes back
        lines = [b"%02d " % index + b"x" * 1021 for index in range(72)]
        self.attacker.protocol.dataReceived(b"".join(line + b"\r\n" for line in lines))
        self.server.clock.pump([0.25] * 300)
        self.assertTrue(self.attacker.connected)
        self.assertEqual(len([line for line in self.watcher.lines()
                              if line.startswith("<attacker>")]), 72)

    def test_off_with_flood_control(self) -> None:
        """--flood-rate 0 (benchmarks, trusted bots) turns off the budget too."""
        server = Server(limits=Limits(flood_rate=0))
        self.assertIsNone(server.connect().protocol.session.budget)
