"""
A PostgreSQL store's runner on a real connection, in the test's hands, as
:class:`tests.harness.Transactions` is for SQLite: a transaction runs when
:meth:`PostgresTransactions.finish` says, or at once if ``immediate``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from tests.engines import Postgres
from tests.processes import DEADLINE
from twisted_chat.store.postgresql import schema

T = TypeVar("T")


def settle(result: Deferred[T]) -> T:
    """
    Pump the global reactor until ``result`` fires; its result, or its
    failure raised.  The reactor is pumped in tests, never run (as the
    desktop client's tests do), so that no test stops its thread pool.
    """
    from twisted.internet import reactor

    outcome: list[Any] = []
    result.addBoth(outcome.append)
    end = time.monotonic() + DEADLINE
    while not outcome:
        assert time.monotonic() < end, "the Deferred never fired"
        reactor.iterate(0.005)  # type: ignore[attr-defined]
    if isinstance(outcome[0], Failure):
        outcome[0].raiseException()
    return outcome[0]  # type: ignore[no-any-return]


def fresh_database() -> str:
    """A conninfo for a new database of the session's server, its schema in place."""
    server = Postgres.shared()
    conninfo = server.conninfo(server.database())
    with psycopg.connect(conninfo) as connection:
        schema.migrate(connection)
    return conninfo


class PostgresTransactions:
    """
    Runs each transaction on one real connection of its own, committing it
    (or rolling it back and failing it, if it raised or ``broken`` says).
    """

    def __init__(self, conninfo: str, immediate: bool = True) -> None:
        self.conninfo = conninfo
        self.connection = psycopg.connect(conninfo)
        self.immediate = immediate
        self.pending: list[tuple[Callable[..., Any], tuple[Any, ...], Deferred[Any]]] = []
        self.broken = False

    def __call__(self, function: Callable[..., Any], *args: Any) -> Deferred[Any]:
        done: Deferred[Any] = Deferred()
        self.pending.append((function, args, done))
        if self.immediate:
            self.finish()
        return done

    def finish(self) -> None:
        """Run the oldest waiting transaction and commit it."""
        function, args, done = self.pending.pop(0)
        try:
            if self.broken:
                raise psycopg.OperationalError("the connection is lost")
            result = function(self.connection, *args)
            self.connection.commit()
        except Exception:
            self.connection.rollback()
            done.errback()
        else:
            done.callback(result)

    def interaction(self, function: Callable[..., Any], *args: Any) -> Deferred[Any]:
        """As adbapi's ``runInteraction``: ``function`` gets a cursor, not the connection."""
        return self(lambda connection, *rest: function(connection.cursor(), *rest), *args)

    def close(self) -> None:
        self.connection.close()
