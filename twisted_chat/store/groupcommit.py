"""
Group commit over any runner: operations in order, those asked for while a
transaction runs going together in the next one.

``run(function, *args)`` runs ``function(connection, *args)`` in one
transaction off the reactor and returns a Deferred (adbapi's
``ConnectionPool.runWithConnection`` in the server; the tests run it at once
on a connection of theirs).  Under load a transaction carries many
operations for the price of one commit; when quiet, each has one of its own.
Every operation's Deferred fires in the order the operations were asked for,
once its transaction has committed.

Runs of an operation that has a ``batched`` version (a run of lines to
store) are handed to it as one call, so they become one statement.

What a database refuses is logged, a line at most every
:data:`FAULT_INTERVAL` seconds with a count of the rest, and counted
(:attr:`GroupCommit.failed`), and each transaction's time from begun to
committed goes in a histogram (:attr:`GroupCommit.latency`), for /metrics;
and a ``guard``,
run on the database's thread before each transaction, can refuse the whole
of it (the file is gone).

A backend may say how one operation is attempted so that its refusal fails
it alone (``attempt``: SQLite undoes a failed statement by itself,
PostgreSQL needs a savepoint), and what a transaction does first, knowing
every operation it carries (``prepare``: PostgreSQL locks the rooms its
lines go to, in one order, so that two nodes' transactions never deadlock).
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from twisted_chat.core import errors
from twisted_chat.metrics.counters import Histogram

T = TypeVar("T")

#: Runs a function with a database connection in one transaction, off the reactor.
Runner = Callable[..., "Deferred[Any]"]
#: An operation as the queue holds it: the function, its arguments, its result.
Operation = tuple[Callable[..., Any], tuple[Any, ...], "Deferred[Any]"]
#: Runs one operation on a cursor: its result, or the Failure of a refusal.
Attempt = Callable[..., Any]
#: Called with the cursor and the transaction's operations, before any of them.
Prepare = Callable[[Any, list[tuple[Callable[..., Any], tuple[Any, ...]]]], None]

#: The most operations one transaction carries, and the most text: beyond that
#: a commit saves little, and each reader would be handed a burst of lines in
#: one reactor pass that a reader with a small buffer takes for a stall.
MAX_BATCH = 1024
MAX_BATCH_TEXT = 32 * 1024

#: Seconds between two log lines about what the database refused.
FAULT_INTERVAL = 10.0

_log = Logger()


class DatabaseGone(sqlite3.OperationalError):
    """The database's file is no longer the one opened: removed, or replaced."""


class FileGuard:
    """
    Whether a database's file is still there, and still the file that was
    opened: SQLite writes on, unaware, to a file removed (or renamed) from
    under it, and every line stored there would be lost.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        found = os.stat(path)
        self._identity = (found.st_dev, found.st_ino)

    def __call__(self) -> None:
        try:
            found = os.stat(self.path)
        except OSError:
            raise DatabaseGone(f"{self.path} is gone") from None
        if (found.st_dev, found.st_ino) != self._identity:
            raise DatabaseGone(f"{self.path} was replaced by another file")


class FaultLog:
    """What the database refused: the first in a while logged, the rest counted."""

    def __init__(self, what: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.what = what
        self.clock = clock
        self._logged = -FAULT_INTERVAL
        self._unlogged = 0

    def report(self, failure: Failure, count: int) -> None:
        """``count`` operations failed for ``failure``."""
        now = self.clock()
        if now - self._logged < FAULT_INTERVAL:
            self._unlogged += count
            return
        _log.error("The {what} could not write: {error} ({count} operations failed; "
                   "{unlogged} more since the last report)", what=self.what,
                   error=failure.getErrorMessage() or getattr(failure.type, "__name__", "?"),
                   count=count, unlogged=self._unlogged)
        self._logged, self._unlogged = now, 0

    def summarise(self) -> None:
        """Say how many failed since the last report, if any did (at the end)."""
        if self._unlogged:
            _log.error("The {what} could not write {unlogged} more operations",
                       what=self.what, unlogged=self._unlogged)
            self._unlogged = 0


class GroupCommit:
    """
    ``batched`` maps an operation to a version that takes a cursor and a
    list of argument tuples and returns a list of results; ``weigh`` gives
    an operation's size in text, to bound a transaction by (0: not counted);
    ``timer`` measures a transaction's seconds.
    """

    def __init__(self, run: Runner, *, what: str = "store",
                 batched: Mapping[Callable[..., Any], Callable[..., list[Any]]] | None = None,
                 weigh: Callable[[Callable[..., Any], tuple[Any, ...]], int] | None = None,
                 guard: Callable[[], None] | None = None, attempt: Attempt | None = None,
                 prepare: Prepare | None = None,
                 timer: Callable[[], float] = time.perf_counter) -> None:
        self._run = run
        self._timer = timer
        self._batched = dict(batched or {})
        self._weigh = weigh or (lambda operation, args: 0)
        self._guard = guard
        self._transaction = partial(_transaction, attempt=attempt or _attempt, prepare=prepare)
        self.faults = FaultLog(what)
        self._waiting: list[Operation] = []
        self._running = False
        #: Operations asked for and done, so that :meth:`flushed` knows when.
        self._asked = 0
        self._done = 0
        self._flushes: list[tuple[int, Deferred[None]]] = []
        #: Transactions committed, and the operations they carried.
        self.transactions = 0
        self.operations = 0
        #: Seconds from a transaction's start to its end (committed or failed).
        self.latency = Histogram()
        #: Operations that failed for the database: with their transaction, or refused alone.
        self.failed = 0
        self._began = 0.0

    def call(self, operation: Callable[..., T], *args: Any) -> Deferred[T]:
        """Run ``operation(cursor, *args)`` after everything asked for before it."""
        result: Deferred[T] = Deferred()
        self._waiting.append((operation, args, result))
        self._asked += 1
        self._next()
        return result

    def flushed(self) -> Deferred[None]:
        """Fires once everything asked for so far is done (whatever was asked for after)."""
        if self._done >= self._asked:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._flushes.append((self._asked, waiter))
        return waiter

    def _next(self) -> None:
        if self._running or not self._waiting:
            return
        size = self._batch_size()
        batch, self._waiting = self._waiting[:size], self._waiting[size:]
        self._running = True
        self._began = self._timer()
        self._run(self._transaction, [(operation, args) for operation, args, _ in batch],
                  self._batched, self._guard).addBoth(self._committed, batch)

    def _committed(self, outcome: list[Any] | Failure, batch: list[Operation]) -> None:
        self._running = False
        self.latency.observe(self._timer() - self._began)
        self.transactions += 1
        self.operations += len(batch)
        if isinstance(outcome, Failure):
            self.failed += len(batch)
            self.faults.report(outcome, len(batch))
            for _, _, result in batch:
                if not result.called:
                    result.errback(outcome)
        else:
            refused = [answer for answer in outcome if isinstance(answer, Failure)
                       and not answer.check(errors.ChatError)]
            if refused:
                self.failed += len(refused)
                self.faults.report(refused[0], len(refused))
            for (_, _, result), answer in zip(batch, outcome, strict=True):
                if result.called:
                    continue  # Given up on (a search that took too long): nobody waits.
                if isinstance(answer, Failure):
                    result.errback(answer)
                else:
                    result.callback(answer)
        self._done += len(batch)
        while self._flushes and self._flushes[0][0] <= self._done:
            waiter = self._flushes.pop(0)[1]
            if not waiter.called:
                waiter.callback(None)
        self._next()

    def _batch_size(self) -> int:
        """How many of the waiting operations go in the next transaction."""
        text = 0
        for count, (operation, args, _) in enumerate(self._waiting[:MAX_BATCH]):
            text += self._weigh(operation, args)
            if text > MAX_BATCH_TEXT and count:
                return count
        return min(len(self._waiting), MAX_BATCH)


def _transaction(connection: sqlite3.Connection,
                 operations: list[tuple[Callable[..., Any], tuple[Any, ...]]],
                 batched: Mapping[Callable[..., Any], Callable[..., list[Any]]],
                 guard: Callable[[], None] | None, *, attempt: Attempt,
                 prepare: Prepare | None) -> list[Any]:
    """
    On the database's thread: every operation in order, in one transaction
    (the runner commits it).  One that fails (a constraint) fails alone:
    SQLite undoes just that statement (``attempt`` does what another
    database needs).  A run of a batched operation is one call, and stands
    or falls together.
    """
    if guard is not None:
        guard()
    cursor = connection.cursor()
    if prepare is not None:
        prepare(cursor, operations)
    answers: list[Any] = []
    for operation, run in itertools.groupby(operations, key=lambda op: op[0]):
        calls = [args for _, args in run]
        many = batched.get(operation)
        if many is not None:
            outcome = attempt(many, cursor, calls)
            answers.extend(outcome if isinstance(outcome, list) else [outcome] * len(calls))
        else:
            answers.extend(attempt(operation, cursor, *args) for args in calls)
    return answers


def _attempt(operation: Callable[..., Any], *args: Any) -> Any:
    """The operation's result, or its failure if the database refused it (or a bound did)."""
    try:
        return operation(*args)
    except (sqlite3.DatabaseError, errors.ChatError):
        return Failure()
