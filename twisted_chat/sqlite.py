"""
The SQLite schema, its migrations, and every statement the store runs.

Everything here is synchronous and takes a DB-API cursor: the store
(:mod:`twisted_chat.store`) runs it on its own thread through
``twisted.enterprise.adbapi``, and the tests run it on a plain
``sqlite3`` connection.  The schema's version is SQLite's ``user_version``;
:func:`migrate` brings any older file up to :data:`VERSION`, one step at a
time, each step in its own transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from twisted_chat import events

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
    # is let in past someone guessing its password elsewhere.
    """
    CREATE TABLE known_addresses (
        name_key TEXT NOT NULL REFERENCES accounts (name_key),
        address TEXT NOT NULL,     -- an IPv4 address or an IPv6 /64
        seen REAL NOT NULL,
        PRIMARY KEY (name_key, address)
    );
    """,
)

VERSION = len(MIGRATIONS)

#: A search term shorter than a trigram cannot use the index; it is matched by scanning.
_TRIGRAM = 3


class SchemaTooNew(Exception):
    """The file was written by a newer twisted-chat: refuse rather than guess."""


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    hash: str


@dataclass(frozen=True, slots=True)
class LastingRoom:
    name: str
    topic: str
    keeper: str


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
    """
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA foreign_keys = ON")


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

def append(cursor: Any, messages: Sequence[events.Chat | events.Emote],
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


def index(cursor: Any) -> int:
    """
    Add the lines stored since the last time to the search index; how many.

    FTS5 indexes a thousand lines at once for the price of a few dozen one
    by one, so the store calls this every so many lines, and :func:`search`
    first, so that a search always sees every line.
    """
    cursor.execute(
        "INSERT INTO messages_text (rowid, text) SELECT id, text FROM messages "
        "WHERE id > (SELECT upto FROM indexed)")
    added: int = cursor.rowcount
    if added:
        cursor.execute("UPDATE indexed SET upto = (SELECT max(id) FROM messages)")
    return added


def recent(cursor: Any, room: str, limit: int, before: int | None = None) -> list[events.Line]:
    """The room's last ``limit`` lines (before the id ``before``), oldest first."""
    cursor.execute(
        "SELECT id, time, kind, sender, text FROM messages WHERE room = ? AND id < ? "
        "ORDER BY id DESC LIMIT ?", (room, before if before is not None else 2**63 - 1, limit))
    return _lines(reversed(cursor.fetchall()))


def search(cursor: Any, room: str, words: Sequence[str], limit: int) -> list[events.Line]:
    """
    The room's last ``limit`` lines holding every one of ``words`` (in any
    case, anywhere in a word), oldest first.
    """
    index(cursor)
    long = [word for word in words if len(word) >= _TRIGRAM]
    short = [word for word in words if len(word) < _TRIGRAM]
    where, params = ["room = ?"], [room]
    if long:
        where.append("id IN (SELECT rowid FROM messages_text WHERE messages_text MATCH ?)")
        params.append(" AND ".join('"' + word.replace('"', '""') + '"' for word in long))
    for word in short:
        where.append("text LIKE ? ESCAPE '\\'")
        params.append("%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                      + "%")
    cursor.execute(
        f"SELECT id, time, kind, sender, text FROM messages WHERE {' AND '.join(where)} "
        "ORDER BY id DESC LIMIT ?", (*params, limit))
    return _lines(reversed(cursor.fetchall()))


def _lines(rows: Iterable[Sequence[Any]]) -> list[events.Line]:
    return [events.Line(*row) for row in rows]


# Accounts

def account(cursor: Any, key: str) -> Account | None:
    cursor.execute("SELECT name, hash FROM accounts WHERE name_key = ?", (key,))
    row = cursor.fetchone()
    return Account(*row) if row else None


def account_keys(cursor: Any) -> set[str]:
    return set(account_names(cursor))


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
