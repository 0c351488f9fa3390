"""
The store's group commit and ordering, over a real SQLite database, with each
transaction run when the test says; and the accounts' guessing delays.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from tests.harness import QUICK_HASHER, Transactions
from twisted_chat.core import events
from twisted_chat.core.errors import TooManyGuesses
from twisted_chat.core.guessing import MAX_WAIT
from twisted_chat.interfaces import IAccounts, IStore
from twisted_chat.store.accounts import Accounts
from twisted_chat.store.groupcommit import MAX_BATCH, MAX_BATCH_TEXT
from twisted_chat.store.sqlite import searching
from twisted_chat.store.sqlite.searching import Searcher
from twisted_chat.store.sqlite.store import SqliteStore
from twisted_chat.store.values import LastingRoom


class StoreTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.transactions = Transactions(immediate=False)
        self.searches = Transactions(prepare=searching.prepare)
        self.store = SqliteStore(self.transactions, clock=lambda: 5.0,
                                 searcher=Searcher(self.searches))
        self.fired: list[Any] = []

    def note(self, label: str) -> Any:
        return lambda result: self.fired.append((label, result))

    def commit_all(self) -> None:
        while self.transactions.pending:
            self.transactions.finish()

    def line(self, text: str) -> events.Message:
        return events.Message(1.0, "lobby", "bob", text)

    def test_interface(self) -> None:
        self.assertTrue(verifyObject(IStore, self.store))

    def test_accounts_interface(self) -> None:
        accounts = Accounts(self.store, [], in_thread=maybeDeferred, clock=Clock(),
                            hasher=QUICK_HASHER)
        self.assertTrue(verifyObject(IAccounts, accounts))

    def test_everything_in_call_order(self) -> None:
        self.store.append(self.line("one"), "lobby").addCallback(self.note("append"))
        self.store.recent("lobby", 5).addCallback(self.note("recent"))
        self.store.append(self.line("two"), "lobby").addCallback(self.note("append"))
        self.store.account("bob").addCallback(self.note("account"))
        self.store.search("lobby", ["two"], 5).addCallback(self.note("search"))
        self.commit_all()
        labels = [label for label, _ in self.fired]
        self.assertEqual(labels, ["append", "recent", "append", "account", "search"])
        self.assertEqual([line.text for line in self.fired[1][1]], ["one"])
        self.assertEqual([line.text for line in self.fired[4][1]], ["two"])

    def test_group_commit(self) -> None:
        """While one transaction runs, the rest wait and go in the next, at most a batch each."""
        self.store.append(self.line("first"), "lobby")
        for index in range(MAX_BATCH + 10):
            self.store.append(self.line(str(index)), "lobby").addCallback(self.note("id"))
        self.assertEqual(len(self.transactions.pending), 1)
        self.commit_all()
        self.assertEqual((self.store.transactions, self.store.operations), (3, MAX_BATCH + 11))
        ids = [id for _, id in self.fired]
        self.assertEqual(ids, sorted(ids))

    def test_batches_are_bounded_by_text_too(self) -> None:
        """Long lines make smaller transactions, so no reader is handed a huge burst."""
        self.store.append(self.line("first"), "lobby")
        long = "x" * 1000
        for _ in range(100):
            self.store.append(self.line(long), "lobby")
        self.transactions.finish()
        _, (batch, _, _), _ = self.transactions.pending[0]
        self.assertEqual(len(batch), MAX_BATCH_TEXT // 1000)

    def test_a_failed_operation_fails_alone(self) -> None:
        self.store.save_room("games", LastingRoom("games", "", "nobody")).addErrback(
            lambda failure: self.fired.append(failure.type))
        self.store.append(self.line("kept"), "lobby").addCallback(self.note("append"))
        self.commit_all()
        self.assertEqual(self.fired[0], sqlite3.IntegrityError)
        self.assertEqual(self.fired[1][0], "append")

    def test_a_failed_transaction_fails_its_operations_and_the_store_goes_on(self) -> None:
        self.transactions.broken = True
        self.store.append(self.line("lost"), "lobby").addErrback(
            lambda failure: self.fired.append(failure.type))
        self.commit_all()
        self.transactions.broken = False
        self.store.append(self.line("kept"), "lobby").addCallback(self.note("append"))
        self.commit_all()
        self.assertEqual(self.fired[0], sqlite3.OperationalError)
        self.assertEqual(self.fired[1][0], "append")
        self.flushLoggedErrors(sqlite3.OperationalError)

    def test_close_waits_for_the_last_writes(self) -> None:
        closed: list[object] = []
        self.store.append(self.line("last words"), "lobby")
        self.store.close().addCallback(closed.append)
        self.assertEqual(closed, [])
        self.commit_all()
        self.assertEqual(closed, [None])
        rows = self.transactions.connection.execute("SELECT text FROM messages").fetchall()
        self.assertEqual(rows, [("last words",)])


class IndexTests(SynchronousTestCase):
    """
    Lines are copied to the search file as they are stored; its index is
    brought up to date every few lines, before a search, and at close.
    """

    def setUp(self) -> None:
        self.transactions = Transactions()
        self.searches = Transactions(immediate=False, prepare=searching.prepare)
        self.store = SqliteStore(self.transactions,
                                 searcher=Searcher(self.searches, indexBatch=3))

    def indexed(self) -> int:
        self.commit_all()
        return int(self.searches.connection.execute("SELECT upto FROM indexed").fetchone()[0])

    def commit_all(self) -> None:
        while self.searches.pending:
            self.searches.finish()

    def say(self, *texts: str) -> None:
        for text in texts:
            self.store.append(events.Message(1.0, "lobby", "bob", text), "lobby")

    def test_copied_once_stored(self) -> None:
        self.say("one", "two")
        self.commit_all()
        copied = self.searches.connection.execute("SELECT id, text FROM lines").fetchall()
        self.assertEqual(copied, [(1, "one"), (2, "two")])

    def test_every_batch_of_lines(self) -> None:
        self.say("one", "two")
        self.assertEqual(self.indexed(), 0)
        self.say("three")
        self.assertEqual(self.indexed(), 3)
        self.say("four", "five")
        self.assertEqual(self.indexed(), 3)

    def test_a_search_sees_every_line(self) -> None:
        found: list[list[events.Line]] = []
        self.say("oolong")
        self.store.search("lobby", ["oolong"], 5).addCallback(found.append)
        self.assertEqual(self.indexed(), 1)
        self.assertEqual([line.text for line in found[0]], ["oolong"])

    def test_a_search_waits_for_the_lines_said_before_it(self) -> None:
        """A line not yet stored when the search is asked for is found all the same."""
        self.transactions.immediate = False
        found: list[list[events.Line]] = []
        self.say("oolong")
        self.store.search("lobby", ["oolong"], 5).addCallback(found.append)
        self.commit_all()
        self.assertEqual(found, [])
        self.transactions.finish()
        self.commit_all()
        self.assertEqual([line.text for line in found[0]], ["oolong"])

    def test_far_behind_it_reads_from_the_history(self) -> None:
        """
        Past its backlog, the copy is handed no more lines: it reads them from
        the history once it has copied what it had, and a search waits for it.
        """
        searcher = Searcher(self.searches, maxBacklog=2)
        self.store = SqliteStore(self.transactions, searcher=searcher)
        searcher.history = self.store.lines
        self.say("one", "two", "three", "four", "five")
        self.assertEqual((searcher.backlog, searcher.behind), (2, 2))
        found: list[list[events.Line]] = []
        self.store.search("lobby", ["o"], 10).addCallback(found.append)
        self.commit_all()
        self.assertIsNone(searcher.behind)
        self.assertEqual([line.text for line in found[0]], ["one", "two", "four"])
        copied = self.searches.connection.execute("SELECT count(*) FROM lines").fetchone()[0]
        self.assertEqual(copied, 5)

    def test_a_copy_that_failed_is_made_again_from_the_history(self) -> None:
        """A line whose copy the copy's database refused is read again, and found."""
        clock = Clock()
        searcher = Searcher(self.searches)
        self.store = SqliteStore(self.transactions, searcher=searcher)
        searcher.history, searcher.clock = self.store.lines, clock
        self.say("oolong one")
        self.searches.broken = True
        self.commit_all()
        self.searches.broken = False
        self.flushLoggedErrors()
        self.assertEqual(searcher.behind, 0)
        clock.advance(searching.RETRY)
        self.commit_all()
        found: list[list[events.Line]] = []
        self.store.search("lobby", ["oolong"], 5).addCallback(found.append)
        self.commit_all()
        self.assertEqual([line.text for line in found[0]], ["oolong one"])
        self.assertIsNone(searcher.behind)

    def test_close_indexes_the_rest(self) -> None:
        self.say("one", "two", "three", "four")
        self.store.close()
        self.assertEqual(self.indexed(), 4)


class AccountDelayTests(SynchronousTestCase):
    def test_each_guess_waits_its_turn_and_success_clears_it(self) -> None:
        """
        Wrong passwords one after another are checked 1, 2, 4, 8 and 16 s
        apart; the next one, 32 s off, is refused at once; the right one
        (once its turn comes) clears the count.
        """
        clock = Clock()
        store = SqliteStore(Transactions())
        accounts = Accounts(store, [], in_thread=maybeDeferred, clock=clock, hasher=QUICK_HASHER)
        accounts.register("bob", "bob", "right-one")
        waited = []
        for _ in range(6):
            answers: list[bool] = []
            accounts.verify("bob", "wrong-one").addCallback(answers.append)
            start = clock.seconds()
            while not answers:
                clock.advance(0.5)
            waited.append(clock.seconds() - start)
            self.assertEqual(answers, [False])
        self.assertEqual(waited, [0.0, 1.0, 2.0, 4.0, 8.0, 16.0])
        with self.assertRaises(TooManyGuesses):
            accounts.verify("bob", "wrong-one")
        clock.advance(MAX_WAIT)
        answers = []
        accounts.verify("bob", "right-one").addCallback(answers.append)
        clock.advance(MAX_WAIT)
        self.assertEqual(answers, [True])
        accounts.verify("bob", "wrong-one").addCallback(answers.append)
        self.assertEqual(answers, [True, False])
