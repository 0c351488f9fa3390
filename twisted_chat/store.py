"""
The chat's memory, behind an interface: history, accounts, lasting rooms.

:class:`IStore` is what the chat asks of any backend.  Every call returns a
Deferred and never blocks the reactor; calls take effect, and their Deferreds
fire, in the order they were made, so a reply never overtakes the message
before it.

:class:`SqliteStore` is the default backend: one SQLite connection on its own
thread (``twisted.enterprise.adbapi``).  It commits by **group commit**: calls
made while a transaction is running wait, then go together in the next one.
Under load a transaction carries many lines for the price of one commit;
when quiet, each line has one of its own.  An ``append``'s Deferred fires only
once its transaction has committed, and the chat delivers the line only then.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import Interface, implementer

from twisted_chat import events, sqlite
from twisted_chat.sqlite import Account, LastingRoom

T = TypeVar("T")

#: Runs a function with a database connection in one transaction, off the reactor.
Runner = Callable[..., "Deferred[Any]"]

#: The most operations one transaction carries, and the most text: beyond that
#: a commit saves little, and each reader would be handed a burst of lines in
#: one reactor pass that a reader with a small buffer takes for a stall.
MAX_BATCH = 1024
MAX_BATCH_TEXT = 32 * 1024

#: Lines stored between two updates of the search index: FTS5 costs about
#: 12 µs a line in batches this size, 40 µs in batches of 20.
INDEX_BATCH = 1000

_log = Logger()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the chat needs from its memory before the first user arrives."""

    #: Every registered name as shown, by its key.
    accounts: dict[str, str]
    rooms: tuple[LastingRoom, ...]
    #: Each registered name's addresses it logged in from, oldest first.
    known: dict[str, list[str]]


class IStore(Interface):
    """Where history, registered names and lasting rooms are kept."""

    def append(message: events.Chat | events.Emote, room: str) -> Deferred[int]:
        """Store a line said in the room whose key is ``room``; fires with its id once durable."""

    def recent(room: str, limit: int, before: int | None = None) -> Deferred[list[events.Line]]:
        """The room's last ``limit`` lines (before the id ``before``), oldest first."""

    def search(room: str, words: Sequence[str], limit: int) -> Deferred[list[events.Line]]:
        """The room's last ``limit`` lines holding every one of ``words``, oldest first."""

    def account(key: str) -> Deferred[Account | None]:
        """The registered name whose key is ``key``, with its password hash, if any."""

    def saveAccount(key: str, name: str, hash: str) -> Deferred[None]:
        """Register ``name`` with this password hash, or change its hash."""

    def rememberAddress(key: str, address: str, keep: int) -> Deferred[None]:
        """The registered name ``key`` logged in from ``address``; keep its last ``keep``."""

    def saveRoom(key: str, room: LastingRoom) -> Deferred[None]:
        """Keep the room across restarts, with its topic and keeper."""

    def forgetRoom(key: str) -> Deferred[None]:
        """The room is no longer kept."""

    def close() -> Deferred[None]:
        """Finish what was asked, then let go of the database."""


def load(path: str) -> Snapshot:
    """
    Open (creating or migrating) the database at ``path``, bring its search
    index up to date, and read what the chat starts with.  Called once,
    before the reactor runs, so a schema it cannot use stops the server at
    start-up.
    """
    connection = sqlite.connect(path)
    try:
        sqlite.migrate(connection)
        cursor = connection.cursor()
        sqlite.index(cursor)  # Lines the last run stored but did not index yet.
        connection.commit()
        return Snapshot(sqlite.account_names(cursor), tuple(sqlite.rooms(cursor)),
                        sqlite.known_addresses(cursor))
    finally:
        connection.close()


def _prepare(connection: sqlite3.Connection) -> None:
    """Each new connection: configured, and migrated (a new ``:memory:`` one starts empty)."""
    sqlite.configure(connection)
    sqlite.migrate(connection)


def pool(path: str) -> adbapi.ConnectionPool:
    """One connection, so one writer, and every call in order."""
    return adbapi.ConnectionPool("sqlite3", path, check_same_thread=False, cp_min=1, cp_max=1,
                                 cp_openfun=_prepare, cp_noisy=False)


Operation = tuple[Callable[..., Any], tuple[Any, ...], "Deferred[Any]"]


@implementer(IStore)
class SqliteStore:
    """
    The SQLite backend.  ``run`` is ``ConnectionPool.runWithConnection`` in
    the server; the tests give one that runs at once on a connection of theirs.
    """

    def __init__(self, run: Runner, clock: Callable[[], float] = time.time,
                 close: Callable[[], None] = lambda: None,
                 indexBatch: int = INDEX_BATCH) -> None:
        self._run = run
        self._clock = clock
        self._closeConnection = close
        self._waiting: list[Operation] = []
        self._running = False
        self._idle: list[Deferred[None]] = []
        self._indexBatch = indexBatch
        #: Lines appended since the index was last brought up to date.
        self._unindexed = 0
        #: Transactions committed, and the operations they carried: the group commit at work.
        self.transactions = 0
        self.operations = 0

    @classmethod
    def open(cls, path: str) -> SqliteStore:
        connections = pool(path)
        return cls(connections.runWithConnection, close=connections.close)

    # IStore

    def append(self, message: events.Chat | events.Emote, room: str) -> Deferred[int]:
        stored = self._call(_append, message, room)
        self._unindexed += 1
        if self._unindexed >= self._indexBatch:
            self._index()
        return stored

    def recent(self, room: str, limit: int,
               before: int | None = None) -> Deferred[list[events.Line]]:
        return self._call(sqlite.recent, room, limit, before)

    def search(self, room: str, words: Sequence[str], limit: int) -> Deferred[list[events.Line]]:
        self._unindexed = 0  # A search indexes what is not yet, first.
        return self._call(sqlite.search, room, tuple(words), limit)

    def account(self, key: str) -> Deferred[Account | None]:
        return self._call(sqlite.account, key)

    def saveAccount(self, key: str, name: str, hash: str) -> Deferred[None]:
        return self._call(sqlite.save_account, key, name, hash, self._clock())

    def rememberAddress(self, key: str, address: str, keep: int) -> Deferred[None]:
        return self._call(sqlite.remember_address, key, address, keep, self._clock())

    def saveRoom(self, key: str, room: LastingRoom) -> Deferred[None]:
        return self._call(sqlite.save_room, key, room, self._clock())

    def forgetRoom(self, key: str) -> Deferred[None]:
        return self._call(sqlite.forget_room, key)

    def close(self) -> Deferred[None]:
        if self._unindexed:
            self._index()
        done = self._whenIdle()
        done.addCallback(lambda _: self._closeConnection())
        return done

    def _index(self) -> None:
        """Index the lines not yet indexed, after those already asked for."""
        self._unindexed = 0
        self._call(sqlite.index).addErrback(
            lambda failure: _log.failure("Indexing failed; the next search tries again", failure))

    # Group commit

    def _call(self, operation: Callable[..., T], *args: Any) -> Deferred[T]:
        result: Deferred[T] = Deferred()
        self._waiting.append((operation, args, result))
        self._next()
        return result

    def _next(self) -> None:
        if self._running:
            return
        if not self._waiting:
            idle, self._idle = self._idle, []
            for waiter in idle:
                waiter.callback(None)
            return
        size = _batchSize(self._waiting)
        batch, self._waiting = self._waiting[:size], self._waiting[size:]
        self._running = True
        self._run(_transaction, [(operation, args) for operation, args, _ in batch]) \
            .addBoth(self._committed, batch)

    def _committed(self, outcome: list[Any] | Failure, batch: list[Operation]) -> None:
        self._running = False
        self.transactions += 1
        self.operations += len(batch)
        if isinstance(outcome, Failure):
            _log.failure("A transaction of {count} operations failed", outcome,
                         count=len(batch))
            for _, _, result in batch:
                result.errback(outcome)
        else:
            for (_, _, result), answer in zip(batch, outcome, strict=True):
                if isinstance(answer, Failure):
                    result.errback(answer)
                else:
                    result.callback(answer)
        self._next()

    def _whenIdle(self) -> Deferred[None]:
        if not self._running and not self._waiting:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._idle.append(waiter)
        return waiter


def _batchSize(waiting: list[Operation]) -> int:
    """How many of the waiting operations go in the next transaction."""
    text = 0
    for count, (operation, args, _) in enumerate(waiting[:MAX_BATCH]):
        if operation is _append:
            text += len(args[0].text)
            if text > MAX_BATCH_TEXT and count:
                return count
    return min(len(waiting), MAX_BATCH)


def _append(cursor: Any, message: events.Chat | events.Emote, room: str) -> int:
    """
    One line, as an operation: :func:`_transaction` stores a run of these in
    one statement, so this is what the queue holds, rarely what runs.
    """
    return sqlite.append(cursor, [message], [room])[0]


def _transaction(connection: sqlite3.Connection,
                 operations: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[Any]:
    """
    On the database's thread: every operation in order, in one transaction
    (the runner commits it).  One that fails (a constraint) fails alone: SQLite
    undoes just that statement.  Lines appended one after another are stored
    in one statement, and stand or fall together.
    """
    cursor = connection.cursor()
    answers: list[Any] = []
    for append, run in itertools.groupby(operations, key=lambda op: op[0] is _append):
        if append:
            calls = [args for _, args in run]
            outcome = _attempt(sqlite.append, cursor, [message for message, _ in calls],
                               [room for _, room in calls])
            answers.extend(outcome if isinstance(outcome, list) else [outcome] * len(calls))
        else:
            answers.extend(_attempt(operation, cursor, *args) for operation, args in run)
    return answers


def _attempt(operation: Callable[..., Any], *args: Any) -> Any:
    """The operation's result, or its failure if the database refused it."""
    try:
        return operation(*args)
    except sqlite3.DatabaseError:
        return Failure()
