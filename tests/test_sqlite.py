"""The SQLite schema and statements, against real database files in a temporary directory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from twisted_chat import events, sqlite
from twisted_chat.names import key


@pytest.fixture
def db(tmp_path: Path) -> sqlite3.Connection:
    connection = sqlite.connect(str(tmp_path / "chat.db"))
    sqlite.migrate(connection)
    return connection


def say(db: sqlite3.Connection, room: str, sender: str, *texts: str,
        kind: type = events.Chat) -> list[int]:
    messages = [kind(1000.0 + index, room, sender, text) for index, text in enumerate(texts)]
    ids = sqlite.append(db.cursor(), messages, [key(room)] * len(messages))
    db.commit()
    return ids


def texts(lines: list[events.Line]) -> list[str]:
    return [line.text for line in lines]


def test_new_file_gets_the_whole_schema(db: sqlite3.Connection) -> None:
    assert sqlite.version(db) == sqlite.VERSION == 4
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"messages", "messages_text", "indexed", "accounts", "rooms",
            "known_addresses"} <= tables
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migration_from_version_1(tmp_path: Path) -> None:
    """A file written by the first schema keeps its lines, and they become searchable."""
    path = str(tmp_path / "old.db")
    old = sqlite.connect(path)
    assert sqlite.migrate(old, target=1) == 0
    say(old, "lobby", "bob", "oolong tea before the upgrade")
    old.close()

    db = sqlite.connect(path)
    assert sqlite.migrate(db) == 1
    assert sqlite.version(db) == sqlite.VERSION
    assert texts(sqlite.search(db.cursor(), key("lobby"), ["oolong"], 10)) == [
        "oolong tea before the upgrade"]
    say(db, "lobby", "bob", "oolong after")
    assert texts(sqlite.search(db.cursor(), key("lobby"), ["oolong"], 10)) == [
        "oolong tea before the upgrade", "oolong after"]
    assert sqlite.migrate(db) == sqlite.VERSION, "migrating again changes nothing"


def test_migration_from_version_2(tmp_path: Path) -> None:
    """Lines the trigger indexed are not indexed twice; the trigger is gone."""
    path = str(tmp_path / "old.db")
    old = sqlite.connect(path)
    sqlite.migrate(old, target=2)
    old.execute("INSERT INTO messages (time, room, room_name, kind, sender, text) "
                "VALUES (1.0, 'lobby', 'lobby', 'chat', 'bob', 'indexed by the trigger')")
    old.commit()
    old.close()

    db = sqlite.connect(path)
    assert sqlite.migrate(db) == 2
    assert sqlite.index(db.cursor()) == 0
    say(db, "lobby", "bob", "indexed in a batch")
    assert texts(sqlite.search(db.cursor(), key("lobby"), ["indexed"], 10)) == [
        "indexed by the trigger", "indexed in a batch"]
    triggers = db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    assert triggers == []


def test_index_adds_only_what_is_new(db: sqlite3.Connection) -> None:
    say(db, "lobby", "bob", "one", "two")
    assert sqlite.index(db.cursor()) == 2
    assert sqlite.index(db.cursor()) == 0
    say(db, "lobby", "bob", "three")
    assert sqlite.index(db.cursor()) == 1
    count = db.execute("SELECT count(*) FROM messages_text WHERE messages_text MATCH 'one'")
    assert count.fetchone()[0] == 1


def test_search_sees_lines_not_yet_indexed(db: sqlite3.Connection) -> None:
    say(db, "lobby", "bob", "oolong one")
    sqlite.index(db.cursor())
    say(db, "lobby", "bob", "oolong two")
    assert texts(sqlite.search(db.cursor(), key("lobby"), ["oolong"], 10)) == [
        "oolong one", "oolong two"]


def test_append_is_all_or_none(db: sqlite3.Connection) -> None:
    """A batch with one line the schema refuses stores none of it, and the next batch goes on."""

    class Shout(events.Chat):
        kind = "shout"

    say(db, "lobby", "bob", "before")
    good, bad = events.Chat(1.0, "lobby", "bob", "good"), Shout(1.0, "lobby", "bob", "bad")
    with pytest.raises(sqlite3.IntegrityError):
        sqlite.append(db.cursor(), [good, bad], ["lobby", "lobby"])
    assert say(db, "lobby", "bob", "after") == [2]
    assert texts(sqlite.recent(db.cursor(), "lobby", 10)) == ["before", "after"]


def test_newer_schema_is_refused(db: sqlite3.Connection) -> None:
    db.execute(f"PRAGMA user_version = {sqlite.VERSION + 1}")
    with pytest.raises(sqlite.SchemaTooNew):
        sqlite.migrate(db)


def test_recent_is_per_room_oldest_first(db: sqlite3.Connection) -> None:
    ids = say(db, "Lobby", "bob", "one", "two", "three")
    say(db, "games", "carol", "elsewhere")
    say(db, "lobby", "bob", "waves", kind=events.Emote)
    lines = sqlite.recent(db.cursor(), key("LOBBY"), 3)
    assert texts(lines) == ["two", "three", "waves"]
    assert [line.kind for line in lines] == ["chat", "chat", "emote"]
    assert lines[0] == events.Line(ids[1], 1001.0, "chat", "bob", "two")
    assert texts(sqlite.recent(db.cursor(), key("lobby"), 10, before=ids[2])) == ["one", "two"]


def test_search(db: sqlite3.Connection) -> None:
    say(db, "lobby", "bob", "Oolong TEA is ready", "green tea", "我们喝茶吧", "100% sure",
        "a_b", 'say "hi"')
    say(db, "games", "bob", "oolong elsewhere")
    room = key("lobby")
    assert texts(sqlite.search(db.cursor(), room, ["oolong"], 10)) == ["Oolong TEA is ready"]
    assert texts(sqlite.search(db.cursor(), room, ["tea"], 10)) == [
        "Oolong TEA is ready", "green tea"]
    assert texts(sqlite.search(db.cursor(), room, ["tea", "green"], 10)) == ["green tea"]
    assert texts(sqlite.search(db.cursor(), room, ["longtea"], 10)) == []
    # Shorter than a trigram: found by scanning, in any script.
    assert texts(sqlite.search(db.cursor(), room, ["喝茶"], 10)) == ["我们喝茶吧"]
    assert texts(sqlite.search(db.cursor(), room, ["我们喝茶"], 10)) == ["我们喝茶吧"]
    # Wildcards and quotes are text.
    assert texts(sqlite.search(db.cursor(), room, ["%"], 10)) == ["100% sure"]
    assert texts(sqlite.search(db.cursor(), room, ["_"], 10)) == ["a_b"]
    assert texts(sqlite.search(db.cursor(), room, ['"hi"'], 10)) == ['say "hi"']
    assert texts(sqlite.search(db.cursor(), room, ["tea"], 1)) == ["green tea"]


def test_accounts(db: sqlite3.Connection) -> None:
    assert sqlite.account(db.cursor(), "bob") is None
    sqlite.save_account(db.cursor(), "bob", "Bob", "$argon2id$one", 1.0)
    sqlite.save_account(db.cursor(), "alice", "alice", "$argon2id$two", 1.0)
    sqlite.save_account(db.cursor(), "bob", "Bob", "$argon2id$three", 2.0)
    db.commit()
    assert sqlite.account(db.cursor(), "bob") == sqlite.Account("Bob", "$argon2id$three")
    assert sqlite.account_keys(db.cursor()) == {"alice", "bob"}


def test_known_addresses(db: sqlite3.Connection) -> None:
    """Each name keeps its last few addresses, the one seen again moving to the end."""
    sqlite.save_account(db.cursor(), "bob", "Bob", "$argon2id$one", 1.0)
    for when, address in enumerate(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1"]):
        sqlite.remember_address(db.cursor(), "bob", address, 2, float(when))
    assert sqlite.known_addresses(db.cursor()) == {"bob": ["10.0.0.3", "10.0.0.1"]}
    with pytest.raises(sqlite3.IntegrityError):
        sqlite.remember_address(db.cursor(), "nobody", "10.0.0.1", 2, 9.0)


def test_lasting_rooms(db: sqlite3.Connection) -> None:
    sqlite.save_account(db.cursor(), "bob", "bob", "$argon2id$x", 1.0)
    sqlite.save_room(db.cursor(), "games", sqlite.LastingRoom("Games", "", "bob"), 1.0)
    sqlite.save_room(db.cursor(), "games", sqlite.LastingRoom("Games", "Go and chess", "bob"), 2.0)
    sqlite.save_room(db.cursor(), "tea", sqlite.LastingRoom("tea", "", "bob"), 2.0)
    sqlite.forget_room(db.cursor(), "tea")
    assert sqlite.rooms(db.cursor()) == [sqlite.LastingRoom("Games", "Go and chess", "bob")]
    with pytest.raises(sqlite3.IntegrityError):
        sqlite.save_room(db.cursor(), "x", sqlite.LastingRoom("x", "", "nobody"), 1.0)
