"""The SQLite schema and statements, against real database files in a temporary directory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from twisted_chat.core import events
from twisted_chat.core.names import key
from twisted_chat.store import values
from twisted_chat.store.sqlite import schema, searching


@pytest.fixture
def db(tmp_path: Path) -> sqlite3.Connection:
    connection = schema.connect(str(tmp_path / "chat.db"))
    schema.migrate(connection)
    return connection


def say(db: sqlite3.Connection, room: str, sender: str, *texts: str,
        kind: type = events.Message) -> list[int]:
    messages = [kind(1000.0 + index, room, sender, text) for index, text in enumerate(texts)]
    ids = schema.append(db.cursor(), messages, [key(room)] * len(messages))
    db.commit()
    return ids


def texts(lines: list[events.Line]) -> list[str]:
    return [line.text for line in lines]


def test_new_file_gets_the_whole_schema(db: sqlite3.Connection) -> None:
    assert schema.version(db) == schema.VERSION == 5
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"messages", "accounts", "rooms", "known_addresses"} <= tables
    assert "messages_text" not in tables, "the search index has a file of its own"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_file_is_the_servers_alone(db: sqlite3.Connection, tmp_path: Path) -> None:
    """
    Another process (or connection) cannot lock it and hold up chat, and no
    ``-shm`` file is mapped (shrunk from outside, one kills its user).
    """
    say(db, "lobby", "bob", "mine")
    other = sqlite3.connect(tmp_path / "chat.db", timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN EXCLUSIVE")
    assert not (tmp_path / "chat.db-shm").exists()


def test_migration_from_version_1(tmp_path: Path) -> None:
    """A file written by the first schema keeps its lines, and its search copy gets them."""
    path = str(tmp_path / "old.db")
    old = schema.connect(path)
    assert schema.migrate(old, target=1) == 0
    say(old, "lobby", "bob", "oolong tea before the upgrade")
    old.close()

    db = schema.connect(path)
    assert schema.migrate(db) == 1
    assert schema.version(db) == schema.VERSION
    say(db, "lobby", "bob", "oolong after")
    copy = sqlite3.connect(searching.path_for(path))
    searching.prepare(copy)
    assert searching.catch_up(db.cursor(), copy) == 2
    assert texts(searching.search(copy.cursor(), key("lobby"), ["oolong"], 10)) == [
        "oolong tea before the upgrade", "oolong after"]
    assert schema.migrate(db) == schema.VERSION, "migrating again changes nothing"


def test_migration_from_version_3_drops_the_index(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    old = schema.connect(path)
    schema.migrate(old, target=3)
    say(old, "lobby", "bob", "kept")
    old.close()
    db = schema.connect(path)
    assert schema.migrate(db) == 3
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert not {"messages_text", "indexed"} & tables
    assert texts(schema.recent(db.cursor(), key("lobby"), 10)) == ["kept"]


def test_append_is_all_or_none(db: sqlite3.Connection) -> None:
    """A batch with one line the schema refuses stores none of it, and the next batch goes on."""

    class Shout(events.Message):
        kind = "shout"

    say(db, "lobby", "bob", "before")
    good, bad = events.Message(1.0, "lobby", "bob", "good"), Shout(1.0, "lobby", "bob", "bad")
    with pytest.raises(sqlite3.IntegrityError):
        schema.append(db.cursor(), [good, bad], ["lobby", "lobby"])
    assert say(db, "lobby", "bob", "after") == [2]
    assert texts(schema.recent(db.cursor(), "lobby", 10)) == ["before", "after"]


def test_newer_schema_is_refused(db: sqlite3.Connection) -> None:
    db.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    with pytest.raises(schema.SchemaTooNew):
        schema.migrate(db)


def test_recent_is_per_room_oldest_first(db: sqlite3.Connection) -> None:
    ids = say(db, "Lobby", "bob", "one", "two", "three")
    say(db, "games", "carol", "elsewhere")
    say(db, "lobby", "bob", "waves", kind=events.Emote)
    lines = schema.recent(db.cursor(), key("LOBBY"), 3)
    assert texts(lines) == ["two", "three", "waves"]
    assert [line.kind for line in lines] == ["chat", "chat", "emote"]
    assert lines[0] == events.Line(ids[1], 1001.0, "chat", "bob", "two")
    assert texts(schema.recent(db.cursor(), key("lobby"), 10, before=ids[2])) == ["one", "two"]


def test_accounts(db: sqlite3.Connection) -> None:
    assert schema.account(db.cursor(), "bob") is None
    schema.save_account(db.cursor(), "bob", "Bob", "$argon2id$one", 1.0)
    schema.save_account(db.cursor(), "alice", "alice", "$argon2id$two", 1.0)
    schema.save_account(db.cursor(), "bob", "Bob", "$argon2id$three", 2.0)
    db.commit()
    assert schema.account(db.cursor(), "bob") == values.Account("Bob", "$argon2id$three")
    assert schema.account_names(db.cursor()) == {"alice": "alice", "bob": "Bob"}


def test_known_addresses(db: sqlite3.Connection) -> None:
    """Each name keeps its last few addresses, the one seen again moving to the end."""
    schema.save_account(db.cursor(), "bob", "Bob", "$argon2id$one", 1.0)
    for when, address in enumerate(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1"]):
        schema.remember_address(db.cursor(), "bob", address, 2, float(when))
    assert schema.known_addresses(db.cursor()) == {"bob": ["10.0.0.3", "10.0.0.1"]}
    with pytest.raises(sqlite3.IntegrityError):
        schema.remember_address(db.cursor(), "nobody", "10.0.0.1", 2, 9.0)


def test_lasting_rooms(db: sqlite3.Connection) -> None:
    schema.save_account(db.cursor(), "bob", "bob", "$argon2id$x", 1.0)
    schema.save_room(db.cursor(), "games", values.LastingRoom("Games", "", "bob"), 1.0)
    schema.save_room(db.cursor(), "games", values.LastingRoom("Games", "Go and chess", "bob"), 2.0)
    schema.save_room(db.cursor(), "tea", values.LastingRoom("tea", "", "bob"), 2.0)
    schema.forget_room(db.cursor(), "tea")
    assert schema.rooms(db.cursor()) == [values.LastingRoom("Games", "Go and chess", "bob")]
    with pytest.raises(sqlite3.IntegrityError):
        schema.save_room(db.cursor(), "x", values.LastingRoom("x", "", "nobody"), 1.0)
