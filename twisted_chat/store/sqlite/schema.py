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

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from twisted_chat.core import events
from twisted_chat.core.quotas import Identity
from twisted_chat.core.sanctions import Sanction
from twisted_chat.store.values import Account, KeptOrder, KeptRules, LastingRoom

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
    # 5: keeping order: bans and mutes (the server's, and lasting rooms'),
    # lasting rooms' operators, invited names and settings, registered names'
    # ignore lists, and the audit trail of every act.
    """
    CREATE TABLE sanctions (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('ban', 'mute')),
        room_key TEXT,             -- NULL: the whole server
        room_name TEXT,
        target TEXT NOT NULL,      -- as given: a name or an address
        marks TEXT NOT NULL,       -- JSON [[kind, key], ...]: name, account, address
        by TEXT NOT NULL,
        since REAL NOT NULL,
        until REAL,                -- NULL: until lifted
        reason TEXT,
        rank INTEGER NOT NULL,     -- who gave it: it holds against lower ranks only
        shown TEXT NOT NULL        -- what the room was told: a name, never an address
    );
    CREATE TABLE room_operators (
        room_key TEXT NOT NULL,
        account TEXT NOT NULL REFERENCES accounts (name_key),
        PRIMARY KEY (room_key, account)
    );
    CREATE TABLE room_invites (
        room_key TEXT NOT NULL,
        account TEXT NOT NULL REFERENCES accounts (name_key),
        PRIMARY KEY (room_key, account)
    );
    CREATE TABLE room_rules (
        room_key TEXT PRIMARY KEY,
        invite_only INTEGER NOT NULL,
        key TEXT,
        member_limit INTEGER NOT NULL,
        slow REAL NOT NULL,
        quiet REAL NOT NULL
    );
    CREATE TABLE ignores (
        account TEXT NOT NULL REFERENCES accounts (name_key),
        mark_kind TEXT NOT NULL,   -- name or account
        mark_key TEXT NOT NULL,
        label TEXT NOT NULL,       -- the name as it was given
        PRIMARY KEY (account, mark_kind, mark_key)
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        time REAL NOT NULL,
        by TEXT,                   -- NULL: the server (a ban or mute ran out)
        action TEXT NOT NULL,
        target TEXT,
        room TEXT,                 -- the room's name; NULL: the whole server
        reason TEXT,
        until REAL
    );
    CREATE INDEX audit_by_room ON audit (room, id);
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
    forget_room_order(cursor, key)


def forget_room_order(cursor: Any, key: str) -> None:
    """A room no longer lasts: nor does what keeps its order."""
    for table in ("sanctions", "room_operators", "room_invites", "room_rules"):
        cursor.execute(f"DELETE FROM {table} WHERE room_key = ?", (key,))


# Keeping order

#: The acts read back at start-up, for /audit (all of them stay in the file).
ACTS_READ = 1000


def order(cursor: Any) -> KeptOrder:
    """Everything that keeps order, as the chat starts with it."""
    cursor.execute("SELECT kind, room_key, room_name, target, marks, by, since, until, reason, id, "
                   "rank, shown FROM sanctions ORDER BY since")
    sanctions = tuple(
        Sanction(kind, room, room_name, target,
                 frozenset((mark[0], mark[1]) for mark in json.loads(marks)),
                 by, since, until, reason, id, rank, shown)
        for kind, room, room_name, target, marks, by, since, until, reason, id, rank, shown
        in cursor.fetchall())
    operators: dict[str, set[str]] = {}
    for room, account in cursor.execute("SELECT room_key, account FROM room_operators"):
        operators.setdefault(room, set()).add(account)
    invites: dict[str, set[str]] = {}
    for room, account in cursor.execute("SELECT room_key, account FROM room_invites"):
        invites.setdefault(room, set()).add(account)
    rules = {room: KeptRules(bool(invite_only), key, limit, slow, quiet)
             for room, invite_only, key, limit, slow, quiet in cursor.execute(
                 "SELECT room_key, invite_only, key, member_limit, slow, quiet FROM room_rules")}
    ignores: dict[str, dict[Identity, str]] = {}
    for account, kind, key, label in cursor.execute(
            "SELECT account, mark_kind, mark_key, label FROM ignores"):
        ignores.setdefault(account, {})[(kind, key)] = label
    cursor.execute("SELECT time, by, action, target, room, reason, until FROM "
                   "(SELECT * FROM audit ORDER BY id DESC LIMIT ?) ORDER BY id", (ACTS_READ,))
    acts = tuple(events.Act(*row) for row in cursor.fetchall())
    return KeptOrder(sanctions, {room: frozenset(found) for room, found in operators.items()},
                     {room: frozenset(found) for room, found in invites.items()}, rules,
                     ignores, acts)


def save_sanction(cursor: Any, sanction: Sanction) -> None:
    marks = json.dumps(sorted(sanction.lasting_marks()))
    cursor.execute(
        "INSERT OR REPLACE INTO sanctions (id, kind, room_key, room_name, target, marks, by, "
        "since, until, reason, rank, shown) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (sanction.id, sanction.kind, sanction.room, sanction.room_name, sanction.target, marks,
         sanction.by, sanction.since, sanction.until, sanction.reason, sanction.rank,
         sanction.shown))


def forget_sanction(cursor: Any, id: str) -> None:
    cursor.execute("DELETE FROM sanctions WHERE id = ?", (id,))


def save_operator(cursor: Any, room: str, account: str) -> None:
    cursor.execute("INSERT OR IGNORE INTO room_operators (room_key, account) VALUES (?, ?)",
                   (room, account))


def forget_operator(cursor: Any, room: str, account: str) -> None:
    cursor.execute("DELETE FROM room_operators WHERE room_key = ? AND account = ?",
                   (room, account))


def save_invite(cursor: Any, room: str, account: str) -> None:
    cursor.execute("INSERT OR IGNORE INTO room_invites (room_key, account) VALUES (?, ?)",
                   (room, account))


def save_rules(cursor: Any, room: str, rules: KeptRules) -> None:
    cursor.execute(
        "INSERT OR REPLACE INTO room_rules (room_key, invite_only, key, member_limit, slow, quiet) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (room, int(rules.invite_only), rules.key, rules.limit, rules.slow, rules.quiet))


def save_ignore(cursor: Any, account: str, mark: Identity, label: str) -> None:
    cursor.execute(
        "INSERT OR REPLACE INTO ignores (account, mark_kind, mark_key, label) VALUES (?, ?, ?, ?)",
        (account, mark[0], mark[1], label))


def forget_ignore(cursor: Any, account: str, mark: Identity) -> None:
    cursor.execute("DELETE FROM ignores WHERE account = ? AND mark_kind = ? AND mark_key = ?",
                   (account, mark[0], mark[1]))


def record_act(cursor: Any, act: events.Act) -> None:
    cursor.execute(
        "INSERT INTO audit (time, by, action, target, room, reason, until) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (act.when, act.by, act.action, act.target, act.room, act.reason, act.until))
