"""
Searching the history in a real PostgreSQL: every word, any case, any part
of a word, Chinese included; the trigram index at work; and the bounds.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from twisted.internet.defer import Deferred

from tests.store.postgresql.harness import PostgresTransactions, fresh_database
from twisted_chat.core import errors, events
from twisted_chat.store.postgresql import schema, searching


@pytest.fixture
def db() -> Iterator[psycopg.Connection]:
    with psycopg.connect(fresh_database()) as connection:
        yield connection


def say(db: psycopg.Connection, room: str, *texts: str) -> None:
    schema.append(db.cursor(), [events.Message(1000.0, room, "bob", text) for text in texts],
                  [room] * len(texts))
    db.commit()


def found(db: psycopg.Connection, words: list[str], limit: int = 10,
          room: str = "lobby") -> list[str]:
    lines = searching.search(db.cursor(), room, words, limit)
    db.commit()
    return [line.text for line in lines]


def test_search(db: psycopg.Connection) -> None:
    say(db, "lobby", "Oolong TEA is ready", "green tea", "我们喝茶吧", "100% sure", "a_b",
        'say "hi"', "back\\slash", "ÉCOLE du thé")
    say(db, "games", "oolong elsewhere")
    assert found(db, ["oolong"]) == ["Oolong TEA is ready"]
    assert found(db, ["tea"]) == ["Oolong TEA is ready", "green tea"]
    assert found(db, ["TEA", "green"]) == ["green tea"]
    assert found(db, ["longtea"]) == []
    assert found(db, ["ong"]) == ["Oolong TEA is ready"], "any part of a word"
    # Chinese, shorter than a trigram and longer.
    assert found(db, ["喝茶"]) == ["我们喝茶吧"]
    assert found(db, ["我们喝茶"]) == ["我们喝茶吧"]
    assert found(db, ["茶我"]) == []
    # Capitals outside ASCII are folded too (the database's C.UTF-8).
    assert found(db, ["école", "THÉ"]) == ["ÉCOLE du thé"]
    # Wildcards, quotes and the escape character are text.
    assert found(db, ["%"]) == ["100% sure"]
    assert found(db, ["_"]) == ["a_b"]
    assert found(db, ['"hi"']) == ['say "hi"']
    assert found(db, ["k\\s"]) == ["back\\slash"]
    # The newest within the limit, oldest first.
    assert found(db, ["tea"], limit=1) == ["green tea"]
    assert found(db, ["e"], limit=2) == ["100% sure", "ÉCOLE du thé"]
    assert found(db, ["oolong"], room="games") == ["oolong elsewhere"]


def test_the_trigram_index_answers_a_word_of_three_letters(db: psycopg.Connection) -> None:
    """
    Among many lines (100,000: with a fifth as many, reading them all is as
    cheap), a search for a rare word of three characters or more, Latin or
    Chinese, reads the GIN index rather than the whole room.
    """
    db.execute(
        "INSERT INTO messages (room, seq, time, room_name, kind, sender, text) "
        "SELECT 'lobby', n, n, 'lobby', 'chat', 'bob', 'line ' || n || ' of the usual talk' "
        "FROM generate_series(1, 100000) AS n")
    db.execute("INSERT INTO room_sequences (room, last_seq) VALUES ('lobby', 100000)")
    say(db, "lobby", "the rare word oolong", "我们喝茶吧")
    db.execute("ANALYZE messages")
    for words in (["oolong"], ["喝茶吧"], ["OOLONG", "rare"]):
        sql, params = searching.query("lobby", words, 20)
        plan = "\n".join(row[0] for row in db.execute("EXPLAIN " + sql, params).fetchall())
        assert "messages_text" in plan, plan
    assert found(db, ["喝茶吧"]) == ["我们喝茶吧"]
    assert found(db, ["OOLONG", "rare"]) == ["the rare word oolong"]


def test_a_search_is_stopped_past_its_time(db: psycopg.Connection) -> None:
    """Hundreds of one-letter words that no line holds all of: stopped; the next one works."""
    db.execute(
        "INSERT INTO messages (room, seq, time, room_name, kind, sender, text) "
        "SELECT 'lobby', n, n, 'lobby', 'chat', 'bob', 'line ' || n || ' abcdefghijklmnopqrstuvwxy'"
        " FROM generate_series(1, 20000) AS n")
    db.commit()
    words = [chr(ord("a") + index % 26) for index in range(300)]  # z matches nothing
    with pytest.raises(errors.SearchTooSlow):
        searching.search(db.cursor(), "lobby", words, 20, seconds=0.001)
    db.rollback()
    assert found(db, ["line 5 "], limit=1) == ["line 5 abcdefghijklmnopqrstuvwxy"]
    # The bound was the transaction's alone: the connection is not left bounded.
    assert db.execute("SHOW statement_timeout").fetchone()[0] == "0"


def test_only_a_few_searches_wait() -> None:
    """Past MAX_WAITING searches at once, the next is refused at once, with a word why."""
    transactions = PostgresTransactions(fresh_database())
    searcher = searching.Searcher(transactions.interaction)
    held: Deferred[None] = Deferred()
    for _ in range(searching.MAX_WAITING):
        searcher.search("lobby", ["tea"], 5, after=held)
    with pytest.raises(errors.SearchBusy):
        searcher.search("lobby", ["tea"], 5, after=held)
    held.callback(None)
    assert searcher.waiting == 0
    answers: list[object] = []
    searcher.search("lobby", ["tea"], 5).addBoth(answers.append)
    assert answers == [[]]
    transactions.close()
