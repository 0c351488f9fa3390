"""
The SQLite store: history, accounts and lasting rooms in one file, behind
:class:`~twisted_chat.interfaces.IStore`.

One SQLite connection, the file's alone, on its own thread
(``twisted.enterprise.adbapi``), writing by group commit
(:mod:`twisted_chat.store.groupcommit`): an ``append``'s Deferred fires only
once its transaction has committed, and the hub delivers the line only then.
Searches run on a copy of the lines, with a connection and a thread of their
own (:mod:`twisted_chat.store.sqlite.searching`), so that no search holds up
the writing of chat.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any

from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from zope.interface import implementer

from twisted_chat.core import errors, events
from twisted_chat.interfaces import IStore
from twisted_chat.store.groupcommit import FileGuard, GroupCommit, Runner
from twisted_chat.store.sqlite import schema, searching
from twisted_chat.store.statements import Statements
from twisted_chat.store.values import Snapshot

_log = Logger()


def load(path: str) -> Snapshot:
    """
    Open (creating or migrating) the database at ``path``, bring its search
    copy level with it, and read what the chat starts with.  Called once,
    before the reactor runs, so a schema it cannot use, or a file another
    server holds, stops the server at start-up.
    """
    connection = schema.connect(path)
    try:
        schema.migrate(connection)
        cursor = connection.cursor()
        if path != ":memory:":
            copy = sqlite3.connect(searching.path_for(path))
            try:
                searching.prepare(copy)
                copied = searching.catch_up(cursor, copy)
            finally:
                copy.close()
            if copied:
                _log.info("Copied {count} lines to the search index", count=copied)
        return Snapshot(schema.account_names(cursor), tuple(schema.rooms(cursor)),
                        schema.known_addresses(cursor), schema.order(cursor))
    finally:
        connection.close()


def _prepare(connection: sqlite3.Connection) -> None:
    """Each new connection: configured, and migrated (a new ``:memory:`` one starts empty)."""
    schema.configure(connection)
    schema.migrate(connection)


def pool(path: str) -> adbapi.ConnectionPool:
    """One connection, so one writer, and every call in order."""
    return adbapi.ConnectionPool("sqlite3", path, check_same_thread=False, cp_min=1, cp_max=1,
                                 cp_openfun=_prepare, cp_noisy=False)


@implementer(IStore)
class SqliteStore(Statements):
    """
    The SQLite backend.  ``run`` is ``ConnectionPool.runWithConnection`` in
    the server; the tests give one that runs at once on a connection of
    theirs.  Without a ``searcher`` a search is refused.
    """

    schema = schema

    def __init__(self, run: Runner, clock: Callable[[], float] = time.time,
                 close: Callable[[], None] = lambda: None,
                 searcher: searching.Searcher | None = None,
                 guard: Callable[[], None] | None = None) -> None:
        self._commit = GroupCommit(run, what="store", batched={_append: _append_many},
                                   weigh=_weigh, guard=guard)
        self._clock = clock
        self._close_connection = close
        self._searcher = searcher

    @classmethod
    def open(cls, path: str, clock: IReactorTime) -> SqliteStore:
        connections = pool(path)
        guard = None if path == ":memory:" else FileGuard(path)
        searcher = searching.Searcher.open(searching.path_for(path))
        store = cls(connections.runWithConnection, clock=clock.seconds, close=connections.close,
                    guard=guard, searcher=searcher)
        searcher.history, searcher.clock = store.lines, clock
        return store

    @property
    def transactions(self) -> int:
        """Transactions committed: with :attr:`operations`, the group commit at work."""
        return self._commit.transactions

    @property
    def operations(self) -> int:
        return self._commit.operations

    # IStore

    def append(self, message: events.Message | events.Emote, room: str) -> Deferred[int]:
        stored = self._commit.call(_append, message, room)
        if self._searcher is not None:
            stored.addCallback(self._copy, self._searcher, message, room)
        return stored

    @staticmethod
    def _copy(id: int, searcher: searching.Searcher, message: events.Message | events.Emote,
              room: str) -> int:
        searcher.add(id, message, room)
        return id

    def lines(self, after: int, limit: int) -> Deferred[list[searching.Row]]:
        """Up to ``limit`` lines after the id ``after``, as the search copy holds them."""
        return self._commit.call(schema.after, after, limit)

    def recent(self, room: str, limit: int,
               before: int | None = None) -> Deferred[list[events.Line]]:
        return self._commit.call(schema.recent, room, limit, before)

    def search(self, room: str, words: Sequence[str], limit: int) -> Deferred[list[events.Line]]:
        if self._searcher is None:
            raise errors.HistoryUnavailable()
        # Once what was said before is stored, and so copied.
        return self._searcher.search(room, words, limit, after=self._commit.flushed())

    def forget(self, id: int) -> Deferred[None]:
        forgotten = self._commit.call(schema.forget_line, id)
        if self._searcher is not None:
            searcher = self._searcher
            forgotten.addCallback(lambda _: searcher.forget(id))
        return forgotten

    def start(self) -> Deferred[None]:
        # A first operation opens the connection, whose set-up takes the lock.
        started = self._commit.call(_nothing)
        if self._searcher is not None:
            searcher = self._searcher
            started.addCallback(lambda _: searcher.start())
        return started

    def close(self) -> Deferred[None]:
        done = self._commit.flushed()
        done.addCallback(lambda _: self._commit.faults.summarise())
        done.addCallback(lambda _: self._close_connection())
        done.addCallback(self._report)
        if self._searcher is not None:
            searcher = self._searcher
            done.addCallback(lambda _: searcher.close())
        return done


    def _report(self, result: object) -> object:
        _log.info("The store wrote {operations} operations in {transactions} transactions",
                  operations=self.operations, transactions=self.transactions)
        return result


def _nothing(cursor: Any) -> None:
    """An operation that asks the database for nothing (but a connection)."""


def _weigh(operation: Callable[..., Any], args: tuple[Any, ...]) -> int:
    """A line's text counts toward a transaction's bound."""
    return len(args[0].text) if operation is _append else 0


def _append(cursor: Any, message: events.Message | events.Emote, room: str) -> int:
    """
    One line, as an operation: a run of these goes to :func:`_append_many` as
    one statement, so this is what the queue holds, rarely what runs.
    """
    return schema.append(cursor, [message], [room])[0]


def _append_many(cursor: Any, calls: list[tuple[events.Message | events.Emote, str]]) -> list[int]:
    return schema.append(cursor, [message for message, _ in calls], [room for _, room in calls])
