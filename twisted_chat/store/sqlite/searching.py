"""
Searching the history, in a copy of its lines kept for that: a search never
holds up chat.

The history's file is written by one connection that holds it alone
(:mod:`twisted_chat.store.sqlite.schema`), the one that commits every chat line.  A
search can read a great many lines, so it runs elsewhere: in a file of its
own (the history's name and ``-search``), on a connection and a thread of
its own.  Each line is copied here once it is stored; its index (FTS5 with
the trigram tokenizer: any script, any part of a word) is brought up to
date every :data:`INDEX_BATCH` lines and before each search.  The copy is
derived data: at start-up it takes the lines it lacks from the history
(:func:`catch_up`), and a file it cannot use is made again.

The copy never holds up the history either, nor grows the server: at most
:data:`MAX_BACKLOG` lines wait to be copied; past that, lines are no longer
handed over one by one, and once the copy has caught up with what it was
given, it reads what it lacks from the history, :data:`CATCH_UP` lines at
a time (a searcher "behind").  A search waits until the copy is level.

A search is bounded: at most :data:`SEARCH_TIME` seconds of the database's
time (past it, it is stopped and its user told), and at most
:data:`MAX_WAITING` searches wait at once (past that, a user is told to try
again).  The chat bounds the words and how often a user searches.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any

from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from twisted_chat.core import errors, events
from twisted_chat.store.groupcommit import FileGuard, GroupCommit, Runner
from twisted_chat.store.sqlite import schema

#: The copy's schema; a file of another version is made again from the history.
VERSION = 1
SCHEMA = """
CREATE TABLE lines (
    id INTEGER PRIMARY KEY,    -- the history's id for the line
    time REAL NOT NULL,
    room TEXT NOT NULL,        -- the room's key
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX lines_by_room ON lines (room, id);
CREATE VIRTUAL TABLE lines_text USING fts5(
    text, content = 'lines', content_rowid = 'id', tokenize = 'trigram');
CREATE TABLE indexed (upto INTEGER NOT NULL);  -- every line up to this id is in lines_text
INSERT INTO indexed (upto) VALUES (0);
"""

#: Lines copied between two updates of the index: FTS5 costs about 12 µs a
#: line in batches this size, 40 µs in batches of 20.
INDEX_BATCH = 1000
#: The longest a search may run, and the most that may wait at once; the
#: longest one may wait in all, for the history and the copy to be ready.
SEARCH_TIME = 2.0
MAX_WAITING = 4
SEARCH_WAIT = 10.0
#: Seconds after a failure to copy (or to read the history) before trying again.
RETRY = 5.0
#: The copy's page cache, in KiB (SQLite's default is 2 MiB): a search reads
#: through the kernel's cache well enough, and a flood of lines copied should
#: not grow the server (test_stalled_reader_is_cut_and_memory_stays_bounded).
CACHE_KB = 512
#: A search term shorter than a trigram cannot use the index; it is matched by scanning.
_TRIGRAM = 3
#: Lines waiting to be copied, past which the copy reads them from the history
#: later instead; and lines read from the history at a time.
MAX_BACKLOG = 256
CATCH_UP = 1000

_log = Logger()


def path_for(history: str) -> str:
    """Where the copy of the history at ``history`` is kept."""
    return history if history == ":memory:" else f"{history}-search"


def prepare(connection: sqlite3.Connection) -> None:
    """Configure a connection to the copy, and give a new (or unusable) copy its schema."""
    schema.configure(connection)
    connection.execute(f"PRAGMA cache_size = -{CACHE_KB}")
    if schema.version(connection) != VERSION:
        _drop_all(connection)
        connection.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version = {VERSION}; COMMIT;")


def _drop_all(connection: sqlite3.Connection) -> None:
    tables = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'lines_text_%'")]
    for table in tables:
        connection.execute(f'DROP TABLE IF EXISTS "{table}"')
    connection.commit()


def catch_up(history: Any, copy: sqlite3.Connection) -> int:
    """
    Bring the copy level with the history (cursor ``history``): forget lines
    it has that the history has not (a history restored from a backup), copy
    those it lacks, index them.  How many it copied.
    """
    last = schema.last_id(history)
    if copy.execute("DELETE FROM lines WHERE id > ?", (last,)).rowcount:
        copy.execute("INSERT INTO lines_text (lines_text) VALUES ('rebuild')")
        copy.execute("UPDATE indexed SET upto = (SELECT coalesce(max(id), 0) FROM lines)")
    have = int(copy.execute("SELECT count(*) FROM lines WHERE id <= ?", (last,)).fetchone()[0])
    if have and have != schema.count_up_to(history, int(copy.execute(
            "SELECT max(id) FROM lines").fetchone()[0])):
        # A gap (a line whose copy failed) or a line forgotten: made again.
        copy.execute("DELETE FROM lines")
        copy.execute("INSERT INTO lines_text (lines_text) VALUES ('delete-all')")
        copy.execute("UPDATE indexed SET upto = 0")
    copied = 0
    while True:
        have = int(copy.execute("SELECT coalesce(max(id), 0) FROM lines").fetchone()[0])
        rows = schema.after(history, have, CATCH_UP)
        if not rows:
            break
        insert(copy.cursor(), [(rows,)])
        copied += len(rows)
    index(copy.cursor())
    copy.commit()
    return copied


# Statements, each on a cursor of the copy

#: A line as the copy holds it: id, time, room key, kind, sender, text.
Row = tuple[int, float, str, str, str, str]


def insert(cursor: Any, calls: Sequence[tuple[Sequence[Row]]]) -> list[None]:
    """Copy lines: a run of :func:`_copy` calls (each with its rows), in one statement."""
    cursor.executemany("INSERT OR IGNORE INTO lines (id, time, room, kind, sender, text) "
                       "VALUES (?, ?, ?, ?, ?, ?)", [row for (rows,) in calls for row in rows])
    return [None] * len(calls)


def _copy(cursor: Any, rows: Sequence[Row]) -> None:
    """Lines, as an operation: a run of these goes to :func:`insert` as one statement."""
    insert(cursor, [(rows,)])


def index(cursor: Any) -> int:
    """
    Add the lines copied since the last time to the index; how many.

    FTS5 indexes a thousand lines at once for the price of a few dozen one
    by one, so the searcher calls this every so many lines, and
    :func:`search` first, so that a search always sees every line.
    """
    cursor.execute(
        "INSERT INTO lines_text (rowid, text) SELECT id, text FROM lines "
        "WHERE id > (SELECT upto FROM indexed)")
    added: int = cursor.rowcount
    if added:
        cursor.execute("UPDATE indexed SET upto = (SELECT max(id) FROM lines)")
    return added


def forget(cursor: Any, id: int) -> None:
    """The line ``id`` is no longer in the history: out of the copy, and out of its index."""
    cursor.execute("SELECT text, id <= (SELECT upto FROM indexed) FROM lines WHERE id = ?",
                   (id,))
    found = cursor.fetchone()
    if found is None:
        return
    text, indexed = found
    if indexed:
        cursor.execute("INSERT INTO lines_text (lines_text, rowid, text) VALUES ('delete', ?, ?)",
                       (id, text))
    cursor.execute("DELETE FROM lines WHERE id = ?", (id,))


def search(cursor: Any, room: str, words: Sequence[str], limit: int,
           seconds: float = SEARCH_TIME) -> list[events.Line]:
    """
    The room's last ``limit`` lines holding every one of ``words`` (in any
    case, anywhere in a word), oldest first; stopped after ``seconds``.
    """
    index(cursor)
    long = [word for word in words if len(word) >= _TRIGRAM]
    short = [word for word in words if len(word) < _TRIGRAM]
    where, params = ["room = ?"], [room]
    if long:
        where.append("id IN (SELECT rowid FROM lines_text WHERE lines_text MATCH ?)")
        params.append(" AND ".join('"' + word.replace('"', '""') + '"' for word in long))
    for word in short:
        where.append("text LIKE ? ESCAPE '\\'")
        params.append("%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                      + "%")
    deadline = time.monotonic() + seconds
    connection = cursor.connection
    connection.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        cursor.execute(
            f"SELECT id, time, kind, sender, text FROM lines WHERE {' AND '.join(where)} "
            "ORDER BY id DESC LIMIT ?", (*params, limit))
        rows = cursor.fetchall()
    except sqlite3.OperationalError as error:
        if "interrupted" not in str(error):
            raise
        raise errors.SearchTooSlow(seconds) from None
    finally:
        connection.set_progress_handler(None, 0)
    return [events.Line(*row) for row in reversed(rows)]


#: Reads up to so many lines of the history after an id (the history's own queue).
History = Callable[[int, int], "Deferred[list[Row]]"]


class Searcher:
    """
    The copy's queue: lines copied in batches, searches after them, a few at
    a time.  :attr:`history` reads the lines the copy lacks when it fell
    behind (without it, it never does: every line waits its turn).
    """

    def __init__(self, run: Runner, *, close: Callable[[], None] = lambda: None,
                 guard: Callable[[], None] | None = None, indexBatch: int = INDEX_BATCH,
                 search_time: float = SEARCH_TIME, maxBacklog: int = MAX_BACKLOG) -> None:
        self._commit = GroupCommit(run, what="search index", batched={_copy: insert},
                                   weigh=_weigh, guard=guard)
        self.history: History | None = None
        self._close_connection = close
        self._index_batch = indexBatch
        self._search_time = search_time
        self._max_backlog = maxBacklog
        #: Lines copied since the index was last brought up to date.
        self._unindexed = 0
        #: Lines handed over and not yet copied; those waiting for the copy under
        #: way to finish; and how many copies are under way.
        self.backlog = 0
        self._pending: list[Row] = []
        self._copying = 0
        #: The id after which the copy lacks lines it must read from the history.
        self.behind: int | None = None
        self._reading = False
        #: Searches waiting for the copy to be level with the history.
        self._level: list[Deferred[None]] = []
        self.waiting = 0
        #: Times a search's whole wait and a retry after a failure; none without.
        self.clock: IReactorTime | None = None
        self._retry: IDelayedCall | None = None

    @classmethod
    def open(cls, path: str) -> Searcher:
        connections = adbapi.ConnectionPool(
            "sqlite3", path, check_same_thread=False, cp_min=1, cp_max=1, cp_openfun=prepare,
            cp_noisy=False)
        guard = None if path == ":memory:" else FileGuard(path)
        return cls(connections.runWithConnection, close=connections.close, guard=guard)

    def add(self, id: int, message: events.Message | events.Emote, room: str) -> None:
        """Copy a line the history has stored, as ``id``, in the room whose key is ``room``."""
        if self.behind is None and self.backlog >= self._max_backlog and self.history:
            self.behind = id - 1
        if self.behind is not None:
            self._read_history()
            return
        self._queue([(id, message.time, room, message.kind, message.sender, message.text)])

    def _queue(self, rows: list[Row]) -> None:
        """
        Copy these lines: at once if no copy is under way, else with the
        others that come meanwhile, in one operation once it is done (a
        Deferred a batch, not a line).
        """
        self.backlog += len(rows)
        self._pending += rows
        if not self._copying:
            self._copy_pending()

    def _copy_pending(self) -> None:
        rows, self._pending = self._pending, []
        self._copying += 1
        self._commit.call(_copy, rows).addBoth(self._copied, len(rows), rows[0][0])
        self._unindexed += len(rows)
        if self._unindexed >= self._index_batch:
            self._unindexed = 0
            self._commit.call(index).addErrback(lambda failure: None)

    def _copied(self, result: object, count: int, first: int) -> None:
        self._copying -= 1
        self.backlog -= count
        if isinstance(result, Failure):
            # Not copied: read again from the history, a while later.
            self.behind = first - 1 if self.behind is None else min(self.behind, first - 1)
            self._later()
        elif self._pending and not self._copying:
            self._copy_pending()
        elif self.behind is not None:
            self._read_history()

    def _read_history(self) -> None:
        """Once what was handed over is copied, read what the copy lacks, a chunk at a time."""
        if (self._reading or self.backlog or self.behind is None or self.history is None
                or self._retry is not None):
            return
        self._reading = True
        self.history(self.behind, CATCH_UP).addCallbacks(self._read, self._read_failed)

    def _later(self) -> None:
        """After a failure: try again in a while (with a clock), or with the next line."""
        if self.clock is not None and self._retry is None:
            self._retry = self.clock.callLater(RETRY, self._retried)

    def _retried(self) -> None:
        self._retry = None
        self._read_history()

    def _read(self, rows: list[Row]) -> None:
        self._reading = False
        if rows:
            self.behind = rows[-1][0]
            self._queue(list(rows))
        if len(rows) < CATCH_UP:
            # Level: lines stored from now on are handed over as they come.
            self.behind = None
            level, self._level = self._level, []
            for waiter in level:
                if not waiter.called:  # (Given up on: the search took too long.)
                    waiter.callback(None)

    def _read_failed(self, failure: object) -> None:
        # The history refuses reads (and says so in the log): try again later.
        self._reading = False
        self._later()

    def forget(self, id: int) -> None:
        """The history no longer keeps the line ``id``: nor does the copy."""
        if self._pending:
            self._copy_pending()
        self._commit.call(forget, id).addErrback(lambda failure: None)

    def search(self, room: str, words: Sequence[str], limit: int,
               after: Deferred[None] | None = None) -> Deferred[list[events.Line]]:
        """
        The room's lines holding every word; once ``after`` fires (the
        history has stored what was said before) and the copy has them.
        Raises :class:`~twisted_chat.core.errors.SearchBusy` if too many wait.
        """
        if self.waiting >= MAX_WAITING:
            raise errors.SearchBusy()
        self.waiting += 1
        ready = after if after is not None else succeed(None)
        ready.addCallback(self._when_level)
        found = ready.addCallback(lambda _: self._search(room, tuple(words), limit))
        if self.clock is not None:
            # However long the history or the copy takes to be ready for it.
            found.addTimeout(SEARCH_WAIT, self.clock)
        return found.addBoth(self._finished)

    def _when_level(self, _: object) -> Deferred[None] | None:
        if self.behind is None:
            return None
        waiter: Deferred[None] = Deferred()
        self._level.append(waiter)
        self._read_history()
        return waiter

    def _search(self, room: str, words: tuple[str, ...], limit: int) -> Deferred[Any]:
        if self._pending:
            self._copy_pending()  # Ahead of the search: it must see them.
        self._unindexed = 0  # A search indexes what is not yet, first.
        return self._commit.call(search, room, words, limit, self._search_time)

    def _finished(self, result: object) -> object:
        self.waiting -= 1
        return result

    def start(self) -> Deferred[None]:
        """Open the copy's connection (and take its file's lock) now."""
        return self._commit.call(index).addCallback(lambda _: None)

    def close(self) -> Deferred[None]:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self._pending:
            self._copy_pending()
        if self._unindexed:
            self._commit.call(index).addErrback(lambda failure: None)
        done = self._commit.flushed()
        done.addCallback(lambda _: self._commit.faults.summarise())
        done.addCallback(lambda _: self._close_connection())
        return done


def _weigh(operation: Callable[..., Any], args: tuple[Any, ...]) -> int:
    return sum(len(row[5]) for row in args[0]) if operation is _copy else 0
