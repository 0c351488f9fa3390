"""
The PostgreSQL schema and its migrations, against a real server: a new
database gets the whole schema, nodes starting at once take turns, and a
schema newer than the code is refused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest

from tests.engines import Postgres
from tests.store.postgresql.harness import fresh_database
from twisted_chat.core import events
from twisted_chat.store.postgresql import schema
from twisted_chat.store.postgresql.store import load


@pytest.fixture
def empty() -> str:
    """A conninfo for a database twisted-chat never touched."""
    server = Postgres.shared()
    return server.conninfo(server.database())


@pytest.fixture
def db() -> Iterator[psycopg.Connection]:
    with psycopg.connect(fresh_database()) as connection:
        yield connection


def test_new_database_gets_the_whole_schema(empty: str) -> None:
    with psycopg.connect(empty) as connection:
        assert schema.migrate(connection) == 0
        cursor = connection.cursor()
        assert schema.version(cursor) == schema.VERSION
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {row[0] for row in cursor.fetchall()}
        assert {"messages", "room_sequences", "accounts", "rooms", "known_addresses",
                "sanctions", "room_operators", "room_invites", "room_rules", "ignores",
                "audit", "schema_version"} == tables
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone()[0] == 1
        assert schema.migrate(connection) == schema.VERSION, "migrating again changes nothing"


def test_nodes_starting_at_once_take_turns(empty: str) -> None:
    """
    Three nodes start on a new database at the same moment: one creates the
    schema, the others wait for it under the advisory lock and find it there.
    """
    start = threading.Barrier(3)
    found: list[object] = []

    def node() -> None:
        with psycopg.connect(empty) as connection:
            start.wait()
            try:
                found.append(schema.migrate(connection))
            except Exception as error:
                found.append(error)

    nodes = [threading.Thread(target=node) for _ in range(3)]
    for thread in nodes:
        thread.start()
    for thread in nodes:
        thread.join()
    assert sorted(found, key=str) == [0, schema.VERSION, schema.VERSION]


def test_newer_schema_is_refused(db: psycopg.Connection) -> None:
    db.execute("UPDATE schema_version SET version = %s", (schema.VERSION + 1,))
    db.commit()
    with pytest.raises(schema.SchemaTooNew, match=f"version {schema.VERSION + 1}"):
        schema.migrate(db)
    # The lock was let go: another node is not held up by the refusal.
    assert db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                      ).fetchone()[0] == 0


def test_load_reads_what_the_chat_starts_with(empty: str) -> None:
    assert load(empty).accounts == {}
    with psycopg.connect(empty) as connection:
        cursor = connection.cursor()
        schema.save_account(cursor, "bob", "Bob", "$argon2id$x", 1.0)
        schema.save_room(cursor, "games", schema.LastingRoom("Games", "Go", "bob"), 1.0)
        schema.remember_address(cursor, "bob", "10.0.0.1", 3, 1.0)
    kept = load(empty)
    assert kept.accounts == {"bob": "Bob"}
    assert kept.rooms == (schema.LastingRoom("Games", "Go", "bob"),)
    assert kept.known == {"bob": ["10.0.0.1"]}


def test_append_is_all_or_none(db: psycopg.Connection) -> None:
    """A batch with one line the schema refuses stores none of it, and takes no number."""

    class Shout(events.Message):
        kind = "shout"

    cursor = db.cursor()
    schema.append(cursor, [events.Message(1.0, "lobby", "bob", "before")], ["lobby"])
    db.commit()
    good, bad = events.Message(1.0, "lobby", "bob", "good"), Shout(1.0, "lobby", "bob", "bad")
    with pytest.raises(psycopg.errors.CheckViolation):
        schema.append(cursor, [good, bad], ["lobby", "lobby"])
    db.rollback()
    assert [stored.seq for stored in schema.append(
        cursor, [events.Message(1.0, "lobby", "bob", "after")], ["lobby"])] == [2]
    assert [line.text for line in schema.recent(cursor, "lobby", 10)] == ["before", "after"]


def test_recent_is_per_room_oldest_first(db: psycopg.Connection) -> None:
    cursor = db.cursor()
    stored = schema.append(cursor, [events.Message(1000.0 + index, "Lobby", "bob", text)
                                    for index, text in enumerate(["one", "two", "three"])],
                           ["lobby"] * 3)
    schema.append(cursor, [events.Message(1.0, "games", "carol", "elsewhere"),
                           events.Emote(2.0, "Lobby", "bob", "waves")], ["games", "lobby"])
    lines = schema.recent(cursor, "lobby", 3)
    assert [line.text for line in lines] == ["two", "three", "waves"]
    assert [line.kind for line in lines] == ["chat", "chat", "emote"]
    assert lines[0] == events.Line(stored[1].id, 1001.0, "chat", "bob", "two")
    assert [line.text for line in schema.recent(cursor, "lobby", 10, before=stored[2].id)] == [
        "one", "two"]
