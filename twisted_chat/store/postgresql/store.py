"""
The PostgreSQL store: history, accounts, lasting rooms and what keeps order,
in one database several nodes share, behind
:class:`~twisted_chat.interfaces.ISequencedStore`.

One writer connection, on its own thread (``twisted.enterprise.adbapi``),
writing by group commit (:mod:`twisted_chat.store.groupcommit`), so every
call takes effect in the order it was made, as IStore requires; the rooms a
transaction's lines go to are locked in sorted order, and the lines numbered
under those locks (:mod:`twisted_chat.store.postgresql.schema`).  A run of
lines is two statements: about 20,000 lines a second through one writer
here, against about 1,000 transactions a second of one line each.
Searches have a pool of their own
(:mod:`twisted_chat.store.postgresql.searching`).

Both pools reconnect (``cp_reconnect``): while PostgreSQL is away, each
transaction fails (the hub tells the sender ``not-stored``), and once it is
back the next one opens a new connection; the node needs no restart.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from twisted_chat.core import errors, events
from twisted_chat.interfaces import ISequencedStore
from twisted_chat.store.groupcommit import GroupCommit, Runner
from twisted_chat.store.postgresql import schema, searching
from twisted_chat.store.statements import Statements
from twisted_chat.store.values import (
    Sequenced,
    SequencedLine,
    Snapshot,
)

_log = Logger()


class TransactionLost(Exception):
    """
    The transaction cannot go on (a savepoint could not be rolled back to):
    it fails as a whole rather than commit, since psycopg "commits" an
    aborted transaction by rolling it back without a word.
    """


def load(conninfo: str) -> Snapshot:
    """
    Connect, create or migrate the schema (under an advisory lock: nodes
    starting at once take turns), and read what the chat starts with.
    Called once, before the reactor runs, so a database that cannot be
    reached or a schema it cannot use stops the node at start-up.
    """
    with psycopg.connect(conninfo) as connection:
        schema.migrate(connection)
        cursor = connection.cursor()
        return Snapshot(schema.account_names(cursor), tuple(schema.rooms(cursor)),
                        schema.known_addresses(cursor), schema.order(cursor))


def pool(conninfo: str, reactor: IReactorTime, connections: int) -> adbapi.ConnectionPool:
    """Connections that come back after PostgreSQL does (``cp_reconnect``)."""
    return adbapi.ConnectionPool("psycopg", conninfo=conninfo, cp_min=1, cp_max=connections,
                                 cp_reconnect=True, cp_noisy=False, cp_reactor=reactor)


def checked(run: Runner, function: Callable[..., Any], *args: Any) -> Deferred[Any]:
    """``run`` (``runWithConnection``), refusing to commit a transaction the database aborted."""
    return run(_checked, function, *args)


def _checked(connection: Any, function: Callable[..., Any], *args: Any) -> Any:
    result = function(connection, *args)
    if connection.info.transaction_status == TransactionStatus.INERROR:
        raise TransactionLost("the database aborted the transaction")
    return result


@implementer(ISequencedStore)
class PostgresStore(Statements):
    """
    The PostgreSQL backend.  ``run`` is ``runWithConnection`` of a pool of
    one connection in the server; the tests give one that runs at once on a
    connection of theirs.  Without a ``searcher`` a search is refused.
    """

    schema = schema

    def __init__(self, run: Runner, clock: Callable[[], float] = time.time,
                 close: Callable[[], None] = lambda: None,
                 searcher: searching.Searcher | None = None,
                 start: Callable[[], None] = lambda: None) -> None:
        self._commit = GroupCommit(partial(checked, run), what="store",
                                   batched={_append: _append_many}, weigh=_weigh,
                                   attempt=attempt, prepare=prepare)
        self._clock = clock
        self._close_connection = close
        self._searcher = searcher
        self._start_pools = start

    @classmethod
    def open(cls, conninfo: str, reactor: IReactorTime) -> PostgresStore:
        """
        The store on pools of its own.  Their threads start with :meth:`start`
        (or the reactor, whichever comes first), not here: twistd may yet fork.
        """
        writer = pool(conninfo, reactor, 1)
        readers = pool(conninfo, reactor, searching.CONNECTIONS)
        searcher = searching.Searcher(readers.runInteraction, clock=reactor,
                                      close=readers.close)

        def start() -> None:
            writer.start()
            readers.start()

        return cls(writer.runWithConnection, clock=reactor.seconds, close=writer.close,
                   searcher=searcher, start=start)

    @property
    def transactions(self) -> int:
        """Transactions committed: with :attr:`operations`, the group commit at work."""
        return self._commit.transactions

    @property
    def operations(self) -> int:
        return self._commit.operations

    # ISequencedStore

    def append_sequenced(self, message: events.Message | events.Emote,
                         room: str) -> Deferred[Sequenced]:
        return self._commit.call(_append, message, room)

    def lines_after(self, room: str, seq: int, limit: int) -> Deferred[list[SequencedLine]]:
        return self._commit.call(schema.lines_after, room, seq, limit)

    def last_sequence(self, room: str) -> Deferred[int]:
        return self._commit.call(schema.last_sequence, room)

    # IStore

    def append(self, message: events.Message | events.Emote, room: str) -> Deferred[int]:
        return self.append_sequenced(message, room).addCallback(lambda stored: stored.id)

    def recent(self, room: str, limit: int,
               before: int | None = None) -> Deferred[list[events.Line]]:
        return self._commit.call(schema.recent, room, limit, before)

    def search(self, room: str, words: Sequence[str], limit: int) -> Deferred[list[events.Line]]:
        if self._searcher is None:
            raise errors.HistoryUnavailable()
        # Once what was said before is stored, so that it is found.
        return self._searcher.search(room, words, limit, after=self._commit.flushed())

    def forget(self, id: int) -> Deferred[None]:
        return self._commit.call(schema.forget_line, id)

    def start(self) -> Deferred[None]:
        self._start_pools()
        # A first operation opens the writer's connection now, not at the first line.
        return self._commit.call(_nothing)

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


# On the writer's thread, inside the group commit's transaction

def attempt(operation: Callable[..., Any], cursor: Any, *args: Any) -> Any:
    """
    One operation in a savepoint, so that what the database refuses (a
    constraint) undoes that operation alone and the transaction goes on, as
    SQLite does by itself: its result, or the Failure of the refusal.
    """
    cursor.execute("SAVEPOINT operation")
    try:
        result = operation(cursor, *args)
    except (psycopg.Error, errors.ChatError):
        refused = Failure()
        try:
            cursor.execute("ROLLBACK TO SAVEPOINT operation")
        except psycopg.Error as error:
            raise TransactionLost(str(error)) from error
        return refused
    cursor.execute("RELEASE SAVEPOINT operation")
    return result


def prepare(cursor: Any, operations: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> None:
    """
    Before anything else in a transaction with more than one run of lines:
    lock every room they go to, in sorted order.  Taken run by run instead,
    a transaction with lines for b, then something else, then lines for a
    would lock b before a, and deadlock with another node's that locks a
    before b.  (One run locks its rooms in one statement, sorted.)
    """
    runs = [operation for operation, _ in itertools.groupby(op for op, _ in operations)]
    if runs.count(_append) > 1:
        schema.lock_rooms(cursor, [args[1] for operation, args in operations
                                   if operation is _append])


def _nothing(cursor: Any) -> None:
    """An operation that asks the database for nothing (but a connection)."""


def _weigh(operation: Callable[..., Any], args: tuple[Any, ...]) -> int:
    """A line's text counts toward a transaction's bound."""
    return len(args[0].text) if operation is _append else 0


def _append(cursor: Any, message: events.Message | events.Emote, room: str) -> Sequenced:
    """
    One line, as an operation: a run of these goes to :func:`_append_many` as
    one call, so this is what the queue holds, rarely what runs.
    """
    return schema.append(cursor, [message], [room])[0]


def _append_many(cursor: Any,
                 calls: list[tuple[events.Message | events.Emote, str]]) -> list[Sequenced]:
    return schema.append(cursor, [message for message, _ in calls], [room for _, room in calls])
