"""A room's last lines in memory: what a newcomer's replay is made of."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core.events import Line
from twisted_chat.hub.recent import Recent


def line(id: int) -> Line:
    return Line(id, 1_800_000_000.0 + id, "chat", "alice", f"line {id}")


class RecentTests(SynchronousTestCase):
    def test_read_lines_come_before_anything_said_since(self) -> None:
        recent = Recent(5, [line(1), line(2)])
        self.assertEqual(recent.before(0), (line(1), line(2)))

    def test_only_lines_said_before_the_newcomer(self) -> None:
        """Lines said after someone came reach them live, so not in their replay."""
        recent = Recent(5)
        recent.add(0, line(10))
        recent.add(1, line(11))
        recent.add(3, line(13))  # Said third; the line said second was not stored.
        self.assertEqual(recent.before(2), (line(10), line(11)))
        self.assertEqual(recent.before(4), (line(10), line(11), line(13)))

    def test_keeps_the_last_size_lines(self) -> None:
        recent = Recent(3, [line(1), line(2)])
        for said, id in enumerate(range(3, 6)):
            recent.add(said, line(id))
        self.assertEqual(recent.before(10), (line(3), line(4), line(5)))
