"""
The PostgreSQL store over a real database, each transaction run when the
test says: the order of calls, group commit, refusals that fail alone, and
each room's numbers.
"""

from __future__ import annotations

import contextlib
from typing import Any

import psycopg
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from tests.store.postgresql.harness import PostgresTransactions, fresh_database
from twisted_chat.core import events
from twisted_chat.interfaces import ISequencedStore
from twisted_chat.store.groupcommit import MAX_BATCH
from twisted_chat.store.postgresql import schema, searching
from twisted_chat.store.postgresql.store import (
    PostgresStore,
    TransactionLost,
    attempt,
    checked,
)
from twisted_chat.store.values import LastingRoom, Sequenced


def line(text: str, room: str = "Lobby") -> events.Message:
    return events.Message(1.0, room, "bob", text)


class StoreTests(SynchronousTestCase):
    def setUp(self) -> None:
        conninfo = fresh_database()
        self.transactions = PostgresTransactions(conninfo, immediate=False)
        self.searches = PostgresTransactions(conninfo)
        self.store = PostgresStore(self.transactions, clock=lambda: 5.0,
                                   searcher=searching.Searcher(self.searches.interaction))
        self.fired: list[Any] = []
        self.addCleanup(self.transactions.close)
        self.addCleanup(self.searches.close)

    def note(self, label: str) -> Any:
        return lambda result: self.fired.append((label, result))

    def commit_all(self) -> None:
        while self.transactions.pending:
            self.transactions.finish()

    def test_interface(self) -> None:
        self.assertTrue(verifyObject(ISequencedStore, self.store))

    def test_everything_in_call_order(self) -> None:
        self.store.append(line("one"), "lobby").addCallback(self.note("append"))
        self.store.recent("lobby", 5).addCallback(self.note("recent"))
        self.store.append(line("two"), "lobby").addCallback(self.note("append"))
        self.store.account("bob").addCallback(self.note("account"))
        self.store.search("lobby", ["two"], 5).addCallback(self.note("search"))
        self.commit_all()
        labels = [label for label, _ in self.fired]
        self.assertEqual(labels, ["append", "recent", "append", "account", "search"])
        self.assertEqual([line.text for line in self.fired[1][1]], ["one"])
        self.assertEqual([line.text for line in self.fired[4][1]], ["two"])

    def test_group_commit(self) -> None:
        """While one transaction runs, the rest wait and go in the next, at most a batch each."""
        self.store.append(line("first"), "lobby")
        for index in range(MAX_BATCH + 10):
            self.store.append(line(str(index)), "lobby").addCallback(self.note("id"))
        self.assertEqual(len(self.transactions.pending), 1)
        self.commit_all()
        self.assertEqual((self.store.transactions, self.store.operations), (3, MAX_BATCH + 11))
        ids = [id for _, id in self.fired]
        self.assertEqual(ids, sorted(ids))

    def test_each_room_numbered_in_the_order_asked(self) -> None:
        """One batch over three rooms: each room's numbers 1, 2, 3... in the order asked."""
        self.store.start()
        for room, text in [("b", "b1"), ("a", "a1"), ("b", "b2"), ("c", "c1"), ("a", "a2"),
                           ("b", "b3")]:
            self.store.append_sequenced(line(text, room), room).addCallback(self.note(text))
        self.commit_all()
        self.assertEqual(self.store.transactions, 2, "the lines went in one transaction")
        numbers = {label: stored.seq for label, stored in self.fired}
        self.assertEqual(numbers, {"b1": 1, "a1": 1, "b2": 2, "c1": 1, "a2": 2, "b3": 3})
        ids = [stored.id for _, stored in self.fired]
        self.assertEqual(ids, sorted(ids))
        self.store.lines_after("b", 1, 10).addCallback(self.note("after"))
        self.store.last_sequence("b").addCallback(self.note("last"))
        self.store.last_sequence("nowhere").addCallback(self.note("none"))
        self.commit_all()
        after = self.fired[-3][1]
        self.assertEqual([(found.seq, found.line.text) for found in after], [(2, "b2"), (3, "b3")])
        self.assertEqual(after[0].line, events.Line(ids[2], 1.0, "chat", "bob", "b2"))
        self.assertEqual(self.fired[-2:], [("last", 3), ("none", 0)])

    def test_a_forgotten_line_leaves_a_hole_and_its_number_is_not_given_again(self) -> None:
        stored: list[Sequenced] = []
        for text in ("one", "two", "three"):
            self.store.append_sequenced(line(text), "lobby").addCallback(stored.append)
        self.commit_all()
        self.store.forget(stored[1].id)
        self.store.append_sequenced(line("four"), "lobby").addCallback(stored.append)
        self.store.lines_after("lobby", 0, 10).addCallback(self.note("after"))
        self.commit_all()
        self.assertEqual([(found.seq, found.line.text) for found in self.fired[0][1]],
                         [(1, "one"), (3, "three"), (4, "four")])
        self.assertEqual(stored[-1].seq, 4)

    def test_lines_after_is_bounded_and_lowest_first(self) -> None:
        for index in range(1, 6):
            self.store.append(line(str(index)), "lobby")
        self.store.lines_after("lobby", 1, 2).addCallback(self.note("after"))
        self.commit_all()
        self.assertEqual([found.seq for found in self.fired[0][1]], [2, 3])

    def test_a_failed_operation_fails_alone(self) -> None:
        """
        A constraint refused undoes that operation alone (a savepoint): the
        lines around it, in the same transaction, are stored and numbered.
        """
        self.store.start()
        self.store.append(line("before"), "lobby").addCallback(self.note("append"))
        self.store.save_room("games", LastingRoom("games", "", "nobody")).addErrback(
            lambda failure: self.fired.append(("refused", failure.type)))
        self.store.append(line("kept"), "lobby").addCallback(self.note("append"))
        self.store.recent("lobby", 5).addCallback(self.note("recent"))
        self.commit_all()
        self.assertEqual(self.store.transactions, 2, "all four went in one transaction")
        self.assertEqual([label for label, _ in self.fired],
                         ["append", "refused", "append", "recent"])
        self.assertEqual(self.fired[1][1], psycopg.errors.ForeignKeyViolation)
        self.assertEqual([line.text for line in self.fired[3][1]], ["before", "kept"])

    def test_a_batch_refused_gives_its_numbers_back(self) -> None:
        """A run of lines the schema refuses stores none of them, and takes no number."""

        class Shout(events.Message):
            kind = "shout"

        self.store.start()
        self.store.append_sequenced(line("one"), "lobby").addCallback(self.note("one"))
        self.commit_all()
        self.store.start()
        self.store.append_sequenced(line("good"), "lobby").addErrback(
            lambda failure: self.fired.append(("good", "refused")))
        self.store.append_sequenced(Shout(1.0, "lobby", "bob", "bad"), "lobby").addErrback(
            lambda failure: self.fired.append(("bad", "refused")))
        self.commit_all()
        self.store.append_sequenced(line("after"), "lobby").addCallback(self.note("after"))
        self.commit_all()
        self.flushLoggedErrors()
        self.assertEqual([label for label, _ in self.fired], ["one", "good", "bad", "after"])
        self.assertEqual(self.fired[-1][1].seq, 2)

    def test_a_failed_transaction_fails_its_operations_and_the_store_goes_on(self) -> None:
        self.transactions.broken = True
        self.store.append(line("lost"), "lobby").addErrback(
            lambda failure: self.fired.append(failure.type))
        self.commit_all()
        self.transactions.broken = False
        self.store.append_sequenced(line("kept"), "lobby").addCallback(self.note("append"))
        self.commit_all()
        self.assertEqual(self.fired[0], psycopg.OperationalError)
        self.assertEqual(self.fired[1][1].seq, 1)
        self.flushLoggedErrors(psycopg.OperationalError)

    def test_an_aborted_transaction_is_not_committed(self) -> None:
        """
        Should a savepoint fail to roll back, the whole transaction fails:
        psycopg would otherwise "commit" it by rolling it back in silence,
        and the lines before would be reported stored.
        """

        def unrecoverable(cursor: Any) -> None:
            cursor.execute("RELEASE SAVEPOINT operation")  # So that ROLLBACK TO fails.
            cursor.execute("SELECT 1 / 0")

        self.store.start()
        self.store.append(line("reported"), "lobby").addBoth(self.fired.append)
        self.store._commit.call(unrecoverable).addBoth(self.fired.append)
        self.commit_all()
        self.flushLoggedErrors()
        self.assertEqual([failure.type for failure in self.fired],
                         [TransactionLost, TransactionLost])
        with self.transactions.connection.cursor() as cursor:
            self.assertEqual(schema.recent(cursor, "lobby", 5), [])

    def test_a_transaction_left_aborted_is_never_committed(self) -> None:
        """Whatever left the transaction aborted (an error swallowed), it fails, not commits."""

        def swallowed(connection: Any) -> str:
            with contextlib.suppress(psycopg.Error):
                connection.execute("SELECT 1 / 0")
            return "stored"

        self.transactions.immediate = True
        checked(self.transactions, swallowed).addErrback(
            lambda failure: self.fired.append(failure.type))
        self.assertEqual(self.fired, [TransactionLost])

    def test_attempt_passes_results_and_refusals(self) -> None:
        with self.transactions.connection.cursor() as cursor:
            self.assertEqual(attempt(lambda c: c.execute("SELECT 2").fetchone()[0], cursor), 2)
            refused = attempt(lambda c: c.execute("SELECT 1 / 0"), cursor)
            self.assertTrue(refused.check(psycopg.errors.DivisionByZero))
            self.assertEqual(cursor.execute("SELECT 3").fetchone()[0], 3)

    def test_close_waits_for_the_last_writes(self) -> None:
        closed: list[object] = []
        self.store.append(line("last words"), "lobby")
        self.store.close().addCallback(closed.append)
        self.assertEqual(closed, [])
        self.commit_all()
        self.assertEqual(closed, [None])
        with self.transactions.connection.cursor() as cursor:
            self.assertEqual([found.text for found in schema.recent(cursor, "lobby", 5)],
                             ["last words"])
