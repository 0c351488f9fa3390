"""A room's lines in the room's one order, whichever node said them and whatever Redis lost."""

from __future__ import annotations

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.cluster.sequence import GAP_WAIT, READ_LIMIT, RETRY_WAIT, Sequence
from twisted_chat.core import events
from twisted_chat.store.values import SequencedLine


class Database:
    """The room's lines as PostgreSQL holds them: numbered, some forgotten (holes)."""

    def __init__(self) -> None:
        self.lines: dict[int, str] = {}
        self.reads: list[tuple[int, int]] = []
        self.answer: Deferred[list[SequencedLine]] | None = None
        self.down = False

    def read(self, after: int, limit: int) -> Deferred[list[SequencedLine]]:
        self.reads.append((after, limit))
        if self.down:
            return fail(ConnectionError("the database is restarting"))
        found = [SequencedLine(seq, events.Line(seq, 0.0, "chat", "alice", text))
                 for seq, text in sorted(self.lines.items()) if seq > after][:limit]
        if self.answer is not None:
            answer, self.answer = self.answer, None
            return answer.addCallback(lambda _: found)
        return succeed(found)


class SequenceTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.database = Database()
        self.delivered: list[list[str]] = []
        self.sequence = Sequence(1, lambda run: self.delivered.append(list(run)),
                                 self.database.read, lambda found: found.line.text,
                                 self.clock.callLater)

    def said(self, seq: int, text: str | None = None) -> None:
        """Line ``seq`` committed, and heard over Redis."""
        text = text or f"line {seq}"
        self.database.lines[seq] = text
        self.sequence.offer(seq, text)

    def flat(self) -> list[str]:
        return [text for run in self.delivered for text in run]

    def test_in_order_at_once(self) -> None:
        """Lines heard in their order go at once, without a read of the database."""
        self.said(1)
        self.said(2)
        self.assertEqual(self.delivered, [["line 1"], ["line 2"]])
        self.assertEqual(self.database.reads, [])

    def test_early_line_waits_for_the_one_before(self) -> None:
        """A line heard before the one before it waits, and both go in order as one run."""
        self.database.lines[1] = "line 1"
        self.said(2)
        self.assertEqual(self.delivered, [])
        self.sequence.offer(1, "line 1")
        self.assertEqual(self.delivered, [["line 1", "line 2"]])
        self.assertEqual(self.sequence.waiting, 0)
        self.clock.advance(GAP_WAIT * 2)
        self.assertEqual(self.database.reads, [], "nothing left to read")

    def test_lost_line_read_from_the_database(self) -> None:
        """A line Redis lost is read back once the wait is over, in its place."""
        self.database.lines[1] = "lost"
        self.said(2)
        self.said(3)
        self.clock.advance(GAP_WAIT)
        self.assertEqual(self.flat(), ["lost", "line 2", "line 3"])
        self.assertEqual(self.database.reads, [(0, READ_LIMIT)])

    def test_hole_skipped(self) -> None:
        """A number the database has no line for, below one it has, is a hole: skipped."""
        self.said(2)  # 1 was forgotten (stored too late for its sender)
        self.clock.advance(GAP_WAIT)
        self.assertEqual(self.flat(), ["line 2"])
        self.assertEqual(self.sequence.next, 3)

    def test_duplicates_dropped(self) -> None:
        """A line heard twice, or heard after it was read back, is delivered once."""
        self.said(1)
        self.sequence.offer(1, "line 1")
        self.database.lines[2] = "line 2"
        self.said(3)
        self.clock.advance(GAP_WAIT)
        self.sequence.offer(2, "line 2")
        self.sequence.offer(3, "line 3")
        self.assertEqual(self.flat(), ["line 1", "line 2", "line 3"])

    def test_catch_up_reads_what_was_published_meanwhile(self) -> None:
        """After Redis came back: lines said meanwhile, with nothing after them, are read."""
        self.said(1)
        self.database.lines.update({2: "line 2", 3: "line 3"})
        self.sequence.catch_up()
        self.assertEqual(self.flat(), ["line 1", "line 2", "line 3"])
        self.sequence.catch_up()
        self.assertEqual(self.flat(), ["line 1", "line 2", "line 3"], "none twice")

    def test_long_catch_up_reads_on(self) -> None:
        """More missed than one read brings: read again until all are delivered, in order."""
        for seq in range(1, READ_LIMIT * 2 + 10):
            self.database.lines[seq] = f"line {seq}"
        self.sequence.catch_up()
        self.assertEqual(self.flat(), [f"line {seq}" for seq in range(1, READ_LIMIT * 2 + 10)])
        self.assertEqual(len(self.database.reads), 3)

    def test_lines_heard_during_a_read(self) -> None:
        """Lines heard while a read is answered are neither lost nor delivered twice."""
        self.database.lines[1] = "lost"
        self.said(3)
        self.database.answer = Deferred()
        answer = self.database.answer
        self.clock.advance(GAP_WAIT)
        self.said(2)  # heard late, while the read is out
        self.said(4)
        self.assertEqual(self.flat(), [])
        answer.callback(None)
        self.assertEqual(self.flat(), ["lost", "line 2", "line 3", "line 4"])

    def test_database_down_tried_again(self) -> None:
        """A read the database fails is tried again, and the lines go once it answers."""
        self.database.lines[1] = "lost"
        self.said(2)
        self.database.down = True
        self.clock.advance(GAP_WAIT)
        self.assertEqual(self.flat(), [])
        self.database.down = False
        self.clock.advance(RETRY_WAIT)
        self.assertEqual(self.flat(), ["lost", "line 2"])

    def test_stopped(self) -> None:
        """A room nobody here is in any more delivers nothing, and reads nothing."""
        self.said(2)
        self.sequence.stop()
        self.clock.advance(GAP_WAIT * 10)
        self.assertEqual(self.delivered, [])
        self.assertEqual(self.database.reads, [])

    def test_catch_up_asked_during_a_read(self) -> None:
        """A catch-up asked for while a read is out reads again after it: nothing waits."""
        self.database.lines[1] = "lost"
        self.said(2)
        self.database.answer = Deferred()
        answer = self.database.answer
        self.clock.advance(GAP_WAIT)
        self.database.lines[3] = "committed during the read"
        self.sequence.catch_up()
        answer.callback(None)
        self.assertEqual(self.flat(), ["lost", "line 2", "committed during the read"])

    def test_full_read_shortened_by_lines_heard(self) -> None:
        """A full read, partly heard over Redis meanwhile, is read on: no line taken for a hole."""
        for seq in range(1, READ_LIMIT + 3):
            self.database.lines[seq] = f"line {seq}"
        self.sequence.offer(READ_LIMIT + 2, f"line {READ_LIMIT + 2}")
        self.database.answer = Deferred()
        answer = self.database.answer
        self.clock.advance(GAP_WAIT)
        self.sequence.offer(1, "line 1")
        answer.callback(None)
        self.assertEqual(self.flat(), [f"line {seq}" for seq in range(1, READ_LIMIT + 3)])
