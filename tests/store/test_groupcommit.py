"""
Group commit's own mechanics: the file guard, the log of what the database
refused, and waiting for what was asked before.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from twisted.logger import capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Transactions
from twisted_chat.store.groupcommit import (
    FAULT_INTERVAL,
    DatabaseGone,
    FaultLog,
    FileGuard,
    GroupCommit,
)


def nothing(cursor: object) -> None:
    """An operation that asks the database for nothing."""


def refused(cursor: object) -> None:
    raise sqlite3.OperationalError("database is locked")


class FileGuardTests(SynchronousTestCase):
    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = Path(directory) / "chat.db"
        self.path.write_bytes(b"")
        self.guard = FileGuard(str(self.path))

    def test_the_same_file_passes(self) -> None:
        self.guard()

    def test_gone(self) -> None:
        self.path.unlink()
        with self.assertRaisesRegex(DatabaseGone, "is gone"):
            self.guard()

    def test_replaced(self) -> None:
        other = self.path.with_name("other")
        other.write_bytes(b"")
        os.replace(other, self.path)
        with self.assertRaisesRegex(DatabaseGone, "replaced"):
            self.guard()


class FaultLogTests(SynchronousTestCase):
    def test_a_line_at_most_every_so_often_with_a_count(self) -> None:
        now = [100.0]
        faults = FaultLog("store", clock=lambda: now[0])
        failure = Failure(sqlite3.OperationalError("database is locked"))
        with capturedLogs() as events:
            faults.report(failure, 3)
            for _ in range(50):
                now[0] += 0.1
                faults.report(failure, 2)
            now[0] += FAULT_INTERVAL
            faults.report(failure, 1)
            faults.summarise()
        lines = [formatEvent(event) for event in events]
        self.assertEqual(lines, [
            "The store could not write: database is locked (3 operations failed; 0 more since "
            "the last report)",
            "The store could not write: database is locked (1 operations failed; 100 more "
            "since the last report)"])

    def test_what_is_left_is_summarised(self) -> None:
        faults = FaultLog("store", clock=lambda: 5.0)
        failure = Failure(sqlite3.OperationalError("disk I/O error"))
        with capturedLogs() as events:
            faults.report(failure, 1)
            faults.report(failure, 4)
            faults.summarise()
        self.assertEqual(formatEvent(events[-1]), "The store could not write 4 more operations")


class GroupCommitTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.transactions = Transactions(immediate=False)
        self.commit = GroupCommit(self.transactions)

    def test_flushed_waits_for_what_was_asked_before_only(self) -> None:
        fired: list[str] = []
        self.commit.call(nothing)
        self.commit.flushed().addCallback(lambda _: fired.append("flushed"))
        self.commit.call(nothing).addCallback(lambda _: fired.append("after"))
        self.transactions.finish()
        self.assertEqual(fired, ["flushed"])
        self.transactions.finish()
        self.assertEqual(fired, ["flushed", "after"])
        self.commit.flushed().addCallback(lambda _: fired.append("at once"))
        self.assertEqual(fired[-1], "at once")

    def test_refusals_are_logged(self) -> None:
        with capturedLogs() as events:
            self.commit.call(refused).addErrback(lambda failure: None)
            self.transactions.finish()
        self.assertIn("database is locked", formatEvent(events[-1]))

    def test_a_guard_refuses_the_whole_transaction(self) -> None:
        def gone() -> None:
            raise DatabaseGone("chat.db is gone")

        commit = GroupCommit(self.transactions, guard=gone)
        failed: list[type] = []
        for _ in range(3):
            commit.call(nothing).addErrback(lambda failure: failed.append(failure.type))
        with capturedLogs():
            while self.transactions.pending:
                self.transactions.finish()
        self.assertEqual(failed, [DatabaseGone] * 3)
