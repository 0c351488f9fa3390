"""
Searching, in the copy of the history kept for it: its statements against
real files, catching up with the history, and the bounds on a search.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from twisted.internet.defer import Deferred

from tests.harness import Transactions
from twisted_chat.core import errors, events
from twisted_chat.core.names import key
from twisted_chat.store.sqlite import schema, searching


@pytest.fixture
def history(tmp_path: Path) -> sqlite3.Connection:
    connection = schema.connect(str(tmp_path / "chat.db"))
    schema.migrate(connection)
    return connection


@pytest.fixture
def copy(tmp_path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(searching.path_for(str(tmp_path / "chat.db")))
    searching.prepare(connection)
    return connection


def say(copy: sqlite3.Connection, room: str, *texts: str, first: int = 1) -> None:
    rows = [(first + index, 1000.0 + index, key(room), "chat", "bob", text)
            for index, text in enumerate(texts)]
    searching.insert(copy.cursor(), [(rows,)])
    copy.commit()


def texts(lines: list[events.Line]) -> list[str]:
    return [line.text for line in lines]


def test_a_file_of_its_own(tmp_path: Path) -> None:
    assert searching.path_for(str(tmp_path / "chat.db")) == str(tmp_path / "chat.db-search")
    assert searching.path_for(":memory:") == ":memory:"


def test_index_adds_only_what_is_new(copy: sqlite3.Connection) -> None:
    say(copy, "lobby", "one", "two")
    assert searching.index(copy.cursor()) == 2
    assert searching.index(copy.cursor()) == 0
    say(copy, "lobby", "three", first=3)
    assert searching.index(copy.cursor()) == 1
    count = copy.execute("SELECT count(*) FROM lines_text WHERE lines_text MATCH 'one'")
    assert count.fetchone()[0] == 1


def test_search_sees_lines_not_yet_indexed(copy: sqlite3.Connection) -> None:
    say(copy, "lobby", "oolong one")
    searching.index(copy.cursor())
    say(copy, "lobby", "oolong two", first=2)
    assert texts(searching.search(copy.cursor(), key("lobby"), ["oolong"], 10)) == [
        "oolong one", "oolong two"]


def test_search(copy: sqlite3.Connection) -> None:
    say(copy, "lobby", "Oolong TEA is ready", "green tea", "我们喝茶吧", "100% sure", "a_b",
        'say "hi"')
    say(copy, "games", "oolong elsewhere", first=7)
    room = key("lobby")
    search = searching.search
    assert texts(search(copy.cursor(), room, ["oolong"], 10)) == ["Oolong TEA is ready"]
    assert texts(search(copy.cursor(), room, ["tea"], 10)) == ["Oolong TEA is ready", "green tea"]
    assert texts(search(copy.cursor(), room, ["tea", "green"], 10)) == ["green tea"]
    assert texts(search(copy.cursor(), room, ["longtea"], 10)) == []
    # Shorter than a trigram: found by scanning, in any script.
    assert texts(search(copy.cursor(), room, ["喝茶"], 10)) == ["我们喝茶吧"]
    assert texts(search(copy.cursor(), room, ["我们喝茶"], 10)) == ["我们喝茶吧"]
    # Wildcards and quotes are text.
    assert texts(search(copy.cursor(), room, ["%"], 10)) == ["100% sure"]
    assert texts(search(copy.cursor(), room, ["_"], 10)) == ["a_b"]
    assert texts(search(copy.cursor(), room, ['"hi"'], 10)) == ['say "hi"']
    assert texts(search(copy.cursor(), room, ["tea"], 1)) == ["green tea"]


def test_a_search_is_stopped_past_its_time(copy: sqlite3.Connection) -> None:
    """Hundreds of one-letter words that no line holds all of: stopped; the next one works."""
    for start in range(1, 200_001, 50_000):
        say(copy, "lobby", *[f"line {n} abcdefghijklmnopqrstuvwxy" for n in range(50_000)],
            first=start)
    words = [chr(ord("a") + index % 26) for index in range(300)]  # z matches nothing
    with pytest.raises(errors.SearchTooSlow):
        searching.search(copy.cursor(), key("lobby"), words, 20, seconds=0.05)
    assert texts(searching.search(copy.cursor(), key("lobby"), ["line 5 "], 1)) == [
        "line 5 abcdefghijklmnopqrstuvwxy"]


def test_catch_up(history: sqlite3.Connection, copy: sqlite3.Connection) -> None:
    """The copy takes the lines it lacks, and forgets those the history no longer has."""
    messages = [events.Message(1.0, "lobby", "bob", text) for text in ["one", "two", "three"]]
    schema.append(history.cursor(), messages, ["lobby"] * 3)
    history.commit()
    say(copy, "lobby", "one")
    say(copy, "lobby", "from a newer history", first=99)
    assert searching.catch_up(history.cursor(), copy) == 2
    rows = copy.execute("SELECT id, text FROM lines ORDER BY id").fetchall()
    assert rows == [(1, "one"), (2, "two"), (3, "three")]
    assert texts(searching.search(copy.cursor(), "lobby", ["newer"], 5)) == []
    assert searching.catch_up(history.cursor(), copy) == 0


def test_catch_up_fills_a_gap(history: sqlite3.Connection, copy: sqlite3.Connection) -> None:
    """A line the copy lacks among those it has (its copy failed once) is there after."""
    messages = [events.Message(1.0, "lobby", "bob", text) for text in ["one", "two", "three"]]
    schema.append(history.cursor(), messages, ["lobby"] * 3)
    history.commit()
    searching.insert(copy.cursor(), [([(1, 1.0, "lobby", "chat", "bob", "one"),
                                       (3, 1.0, "lobby", "chat", "bob", "three")],)])
    copy.commit()
    searching.catch_up(history.cursor(), copy)
    assert texts(searching.search(copy.cursor(), "lobby", ["two"], 5)) == ["two"]
    assert texts(searching.search(copy.cursor(), "lobby", ["one"], 5)) == ["one"]


def test_forget(copy: sqlite3.Connection) -> None:
    say(copy, "lobby", "oolong kept", "oolong forgotten")
    searching.index(copy.cursor())
    say(copy, "lobby", "oolong unindexed", first=3)
    searching.forget(copy.cursor(), 2)
    searching.forget(copy.cursor(), 3)
    searching.forget(copy.cursor(), 99)
    assert texts(searching.search(copy.cursor(), key("lobby"), ["oolong"], 10)) == [
        "oolong kept"]
    # The index holds nothing of the lines forgotten.
    copy.execute("INSERT INTO lines_text (lines_text, rank) VALUES ('integrity-check', 1)")


def test_a_copy_it_cannot_use_is_made_again(tmp_path: Path) -> None:
    path = str(tmp_path / "x-search")
    odd = sqlite3.connect(path)
    odd.executescript("CREATE TABLE lines (x); PRAGMA user_version = 77;")
    odd.close()
    again = sqlite3.connect(path)
    searching.prepare(again)
    assert schema.version(again) == searching.VERSION
    assert again.execute("SELECT count(*) FROM lines").fetchone()[0] == 0


def test_only_a_few_searches_wait() -> None:
    """Past MAX_WAITING searches at once, the next is refused at once, with a word why."""
    searcher = searching.Searcher(Transactions(prepare=searching.prepare))
    held: Deferred[None] = Deferred()
    for _ in range(searching.MAX_WAITING):
        searcher.search("lobby", ["tea"], 5, after=held)
    with pytest.raises(errors.SearchBusy):
        searcher.search("lobby", ["tea"], 5, after=held)
    held.callback(None)
    assert searcher.waiting == 0
    searcher.search("lobby", ["tea"], 5)
