"""
The history file's SQLite schema, its migrations, and every statement the
store runs on it.  (Searching has a file of its own: :mod:`twisted_chat.store.sqlite.searching`.)

Everything here is synchronous and takes a DB-API cursor: the store
(:mod:`twisted_chat.store.sqlite.store`) runs it on its own thread through
``twisted.enterprise.adbapi``, and the tests run it on a plain
``sqlite3`` connection.  The schema's version is SQLite's ``user_version``;
:func:`migrate` brings any older file up to :data:`VERSION`, one step at a
time, each step in its own transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from twisted_chat.core import events
from twisted_chat.store.values import Account, LastingRoom

#: Each step takes the schema from its index to the next version.
MIGRATIONS: tuple[str, ...] = (
    # 1: chat lines and emotes, by room.
    """
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        time REAL NOT NULL,
        room TEXT NOT NULL,        -- the room's key: its name folded for comparison
        room_name TEXT NOT NULL,   -- its name as shown
        kind TEXT NOT NULL CHECK (kind IN ('chat', 'emote')),
        sender TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX messages_by_room ON messages (room, id);
    """,
    # 2: searching the text (trigram: any script, any part of a word), registered
    # names, and rooms that outlive their members.
    """
    CREATE VIRTUAL TABLE messages_text USING fts5(
        text, content = 'messages', content_rowid = 'id', tokenize = 'trigram');
    INSERT INTO messages_text (messages_text) VALUES ('rebuild');
    CREATE TRIGGER messages_indexed AFTER INSERT ON messages BEGIN
        INSERT INTO messages_text (rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TABLE accounts (
        name_key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL,        -- Argon2, never the password
        created REAL NOT NULL
    );
    CREATE TABLE rooms (
        room_key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        topic TEXT NOT NULL,
        keeper TEXT NOT NULL REFERENCES accounts (name_key),
        created REAL NOT NULL
    );
    """,
    # 3: the index is written in batches (see index()), not by a trigger a line
    # at a time: FTS5 costs about a fifth as much per line that way.
    """
    DROP TRIGGER messages_indexed;
    CREATE TABLE indexed (upto INTEGER NOT NULL);  -- every line up to this id is in messages_text
    INSERT INTO indexed (upto) SELECT coalesce(max(id), 0) FROM messages;
    """,
    # 4: the addresses each registered name logged in from, so that its owner
    # is let in past someone guessing its password elsewhere; and the search
    # index moves to a file of its own (twisted_chat.store.sqlite.searching), so that a
    # search never holds up the writing of chat.
    """
    DROP TABLE messages_text;
    DROP TABLE indexed;
    CREATE TABLE known_addresses (
        name_key TEXT NOT NULL REFERENCES accounts (name_key),
        address TEXT NOT NULL,     -- an IPv4 address or an IPv6 /64
        seen REAL NOT NULL,
        PRIMARY KEY (name_key, address)
    );
    """,
)

VERSION = len(MIGRATIONS)

class SchemaTooNew(Exception):
    """The file was written by a newer twisted-chat: refuse rather than guess."""


def connect(path: str) -> sqlite3.Connection:
    """A connection set up as the store wants it (also adbapi's ``cp_openfun``)."""
    connection = sqlite3.connect(path, check_same_thread=False)
    configure(connection)
    return connection


def configure(connection: Any) -> None:
    """
    WAL, so that a commit is one append to the log; ``synchronous=NORMAL``,
    so that a commit survives the server being killed (it is in the kernel's
    hands) without waiting for the disk, which only a power cut can lose.

    The file is the server's alone (``locking_mode=EXCLUSIVE``, set before
    WAL): no other process can lock it and hold up chat, and the WAL index
    lives in the server's own memory rather than in a ``-shm`` file mapped
    into it, which, shrunk from outside, would kill the server with SIGBUS.
    (A second server on the same file is refused at start-up.)
    """
    connection.execute("PRAGMA locking_mode = EXCLUSIVE")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA foreign_keys = ON")
    # The lock is taken now, not at the first write: a second server on the
    # same file waits a few seconds for it, then stops, rather than running
    # beside the first with neither able to store a line.
    connection.execute("BEGIN EXCLUSIVE")
    connection.execute("COMMIT")


def version(cursor: Any) -> int:
    return int(cursor.execute("PRAGMA user_version").fetchone()[0])


def migrate(connection: sqlite3.Connection, target: int = VERSION) -> int:
    """Bring the schema to ``target``; returns the version it was at."""
    found = version(connection)
    if found > VERSION:
        raise SchemaTooNew(f"the database's schema is version {found}; this server knows "
                           f"up to {VERSION}. Use a newer twisted-chat.")
    for step in range(found, target):
        connection.executescript(f"BEGIN; {MIGRATIONS[step]} PRAGMA user_version = {step + 1}; "
                                 "COMMIT;")
    return found


# Messages

def append(cursor: Any, messages: Sequence[events.Message | events.Emote],
           keys: Sequence[str]) -> list[int]:
    """
    Store these lines (each with its room's key), all or none; their ids, in
    order.  One statement for all of them: the store is the only writer, so
    the ids are simply the next ones.
    """
    first = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM messages").fetchone()[0]
    ids = list(range(first, first + len(messages)))
    cursor.execute("SAVEPOINT append")
    try:
        cursor.executemany(
            "INSERT INTO messages (id, time, room, room_name, kind, sender, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(id, message.time, key, message.room, message.kind, message.sender, message.text)
             for id, message, key in zip(ids, messages, keys, strict=True)])
    except sqlite3.DatabaseError:
        cursor.execute("ROLLBACK TO append")
        raise
    finally:
        cursor.execute("RELEASE append")
    return ids


def recent(cursor: Any, room: str, limit: int, before: int | None = None) -> list[events.Line]:
    """The room's last ``limit`` lines (before the id ``before``), oldest first."""
    cursor.execute(
        "SELECT id, time, kind, sender, text FROM messages WHERE room = ? AND id < ? "
        "ORDER BY id DESC LIMIT ?", (room, before if before is not None else 2**63 - 1, limit))
    return _lines(reversed(cursor.fetchall()))


def after(cursor: Any, id: int, limit: int) -> list[tuple[Any, ...]]:
    """Up to ``limit`` lines after the id ``id``, in order, as the search file copies them."""
    cursor.execute("SELECT id, time, room, kind, sender, text FROM messages WHERE id > ? "
                   "ORDER BY id LIMIT ?", (id, limit))
    return cursor.fetchall()


def forget_line(cursor: Any, id: int) -> None:
    cursor.execute("DELETE FROM messages WHERE id = ?", (id,))


def count_up_to(cursor: Any, id: int) -> int:
    """How many lines the history holds with ids up to ``id``."""
    return int(cursor.execute("SELECT count(*) FROM messages WHERE id <= ?", (id,)).fetchone()[0])


def last_id(cursor: Any) -> int:
    return int(cursor.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0])


def _lines(rows: Iterable[Sequence[Any]]) -> list[events.Line]:
    return [events.Line(*row) for row in rows]


# Accounts

def account(cursor: Any, key: str) -> Account | None:
    cursor.execute("SELECT name, hash FROM accounts WHERE name_key = ?", (key,))
    row = cursor.fetchone()
    return Account(*row) if row else None


def account_names(cursor: Any) -> dict[str, str]:
    """Every registered name, by its key."""
    cursor.execute("SELECT name_key, name FROM accounts")
    return dict(cursor.fetchall())


def save_account(cursor: Any, key: str, name: str, hash: str, now: float) -> None:
    cursor.execute(
        "INSERT INTO accounts (name_key, name, hash, created) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name_key) DO UPDATE SET hash = excluded.hash", (key, name, hash, now))


def known_addresses(cursor: Any) -> dict[str, list[str]]:
    """Each name's addresses, oldest first."""
    cursor.execute("SELECT name_key, address FROM known_addresses ORDER BY seen")
    known: dict[str, list[str]] = {}
    for key, address in cursor.fetchall():
        known.setdefault(key, []).append(address)
    return known


def remember_address(cursor: Any, key: str, address: str, keep: int, now: float) -> None:
    """The name logged in from ``address`` now; keep its last ``keep`` addresses."""
    cursor.execute(
        "INSERT INTO known_addresses (name_key, address, seen) VALUES (?, ?, ?) "
        "ON CONFLICT (name_key, address) DO UPDATE SET seen = excluded.seen", (key, address, now))
    cursor.execute(
        "DELETE FROM known_addresses WHERE name_key = ? AND address NOT IN "
        "(SELECT address FROM known_addresses WHERE name_key = ? ORDER BY seen DESC LIMIT ?)",
        (key, key, keep))


# Lasting rooms

def rooms(cursor: Any) -> list[LastingRoom]:
    cursor.execute("SELECT name, topic, keeper FROM rooms ORDER BY room_key")
    return [LastingRoom(*row) for row in cursor.fetchall()]


def save_room(cursor: Any, key: str, room: LastingRoom, now: float) -> None:
    cursor.execute(
        "INSERT INTO rooms (room_key, name, topic, keeper, created) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (room_key) DO UPDATE SET topic = excluded.topic, keeper = excluded.keeper",
        (key, room.name, room.topic, room.keeper, now))


def forget_room(cursor: Any, key: str) -> None:
    cursor.execute("DELETE FROM rooms WHERE room_key = ?", (key,))
