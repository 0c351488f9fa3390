"""
Searching the history in PostgreSQL: every word must appear, in any case,
anywhere in a line, in any script (Chinese included), found through a
``pg_trgm`` trigram index; and a search never holds up chat.

A search reads from the history itself (no copy as SQLite needs: a reader
never blocks PostgreSQL's writers), on a pool of connections of its own, so
that one that reads for a while never delays a line waiting to be stored.
Each word is an ``ILIKE`` pattern; the GIN index ``messages_text``
(``gin_trgm_ops``) answers those of three characters or more, and the room
and the sequence narrow the rest.  Shorter words have no trigram: they are
matched by reading the room's lines, as SQLite's are.  Case is folded by the
database's ``LC_CTYPE`` (with ``C.UTF-8``, every script's capitals).

A search is bounded as SQLite's is: at most :data:`SEARCH_TIME` seconds of
the database's time (``statement_timeout``; past it, it is stopped and its
user told), at most :data:`MAX_WAITING` waiting at once (past that, a user
is told to try again), and at most :data:`SEARCH_WAIT` seconds in all.  The
chat bounds the words and how often a user searches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import psycopg.errors
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.python.failure import Failure

from twisted_chat.core import errors, events
from twisted_chat.store.groupcommit import FaultLog

#: The longest a search may run, and the most that may wait at once; the
#: longest one may wait in all, for the lines before it to be stored.
SEARCH_TIME = 2.0
MAX_WAITING = 4
SEARCH_WAIT = 10.0
#: Connections (and threads) searching at once.
CONNECTIONS = 2


def pattern(word: str) -> str:
    """An ``ILIKE`` pattern that finds ``word`` anywhere: its wildcards are text."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def query(room: str, words: Sequence[str], limit: int) -> tuple[str, tuple[Any, ...]]:
    """The statement that finds the room's last ``limit`` lines holding every word, newest first."""
    where = " AND ".join(["room = %s", *["text ILIKE %s"] * len(words)])
    return (f"SELECT id, time, kind, sender, text FROM messages WHERE {where} "
            "ORDER BY seq DESC LIMIT %s", (room, *[pattern(word) for word in words], limit))


def search(cursor: Any, room: str, words: Sequence[str], limit: int,
           seconds: float = SEARCH_TIME) -> list[events.Line]:
    """
    The room's last ``limit`` lines holding every one of ``words`` (in any
    case, anywhere in a word), oldest first; stopped after ``seconds``.
    """
    # For this transaction only: the connection goes back to its pool unbounded.
    cursor.execute("SELECT set_config('statement_timeout', %s, true)",
                   (f"{max(int(seconds * 1000), 1)}ms",))
    # A plan made for these words, never a generic one: whether the trigram
    # index pays depends on them (psycopg prepares a statement run often).
    cursor.execute("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)")
    try:
        cursor.execute(*query(room, words, limit))
    except psycopg.errors.QueryCanceled:
        raise errors.SearchTooSlow(seconds) from None
    return [events.Line(*row) for row in reversed(cursor.fetchall())]


#: Runs ``function(cursor, *args)`` in a transaction off the reactor
#: (adbapi's ``ConnectionPool.runInteraction``).
Interaction = Callable[..., "Deferred[Any]"]


class Searcher:
    """
    The searches under way: at most :data:`MAX_WAITING`, each once what was
    said before it is stored, on the search pool (``run``).
    """

    def __init__(self, run: Interaction, *, clock: IReactorTime | None = None,
                 close: Callable[[], None] = lambda: None,
                 search_time: float = SEARCH_TIME) -> None:
        self._run = run
        self.clock = clock
        self._close = close
        self._search_time = search_time
        self.faults = FaultLog("search")
        self.waiting = 0

    def search(self, room: str, words: Sequence[str], limit: int,
               after: Deferred[None] | None = None) -> Deferred[list[events.Line]]:
        """
        The room's lines holding every word, once ``after`` fires.  Raises
        :class:`~twisted_chat.core.errors.SearchBusy` if too many wait.
        """
        if self.waiting >= MAX_WAITING:
            raise errors.SearchBusy()
        self.waiting += 1
        ready = after if after is not None else succeed(None)
        found: Deferred[list[events.Line]] = ready.addCallback(
            lambda _: self._run(search, room, tuple(words), limit, self._search_time))
        if self.clock is not None:
            found.addTimeout(SEARCH_WAIT, self.clock)
        return found.addBoth(self._finished)

    def _finished(self, result: object) -> object:
        self.waiting -= 1
        if isinstance(result, Failure) and not result.check(errors.ChatError):
            self.faults.report(result, 1)
        return result

    def close(self) -> None:
        self.faults.summarise()
        self._close()
