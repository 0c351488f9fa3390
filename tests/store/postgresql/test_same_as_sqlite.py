"""
The PostgreSQL store hands the chat the same values as the SQLite one: one
script of every IStore call, run on each (real SQLite, real PostgreSQL),
answers alike, and what each gives back at start-up is the same snapshot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twisted.python.failure import Failure

from tests.harness import Transactions
from tests.store.postgresql.harness import PostgresTransactions, fresh_database
from twisted_chat.core import events
from twisted_chat.core.sanctions import Sanction
from twisted_chat.interfaces import IStore
from twisted_chat.store.postgresql import searching as pg_searching
from twisted_chat.store.postgresql import store as pg_store
from twisted_chat.store.sqlite import searching as sqlite_searching
from twisted_chat.store.sqlite import store as sqlite_store
from twisted_chat.store.values import KeptRules, LastingRoom


def script(store: IStore) -> list[Any]:
    """Every call a chat makes, with answers: values, or 'refused' for a failure."""
    answers: list[Any] = []

    def note(result: Any) -> None:
        answers.append("refused" if isinstance(result, Failure) else result)

    calls = [
        lambda: store.save_account("bob", "Bob", "$argon2id$one"),
        lambda: store.save_account("alice", "alice", "$argon2id$two"),
        lambda: store.save_account("bob", "Bob", "$argon2id$three"),
        lambda: store.account("bob"),
        lambda: store.account("nobody"),
        lambda: store.remember_address("bob", "10.0.0.1", 2),
        lambda: store.remember_address("bob", "10.0.0.2", 2),
        lambda: store.remember_address("nobody", "10.0.0.2", 2),
        lambda: store.save_room("games", LastingRoom("Games", "", "bob")),
        lambda: store.save_room("games", LastingRoom("Games", "Go and chess", "bob")),
        lambda: store.save_room("tea", LastingRoom("tea", "", "alice")),
        lambda: store.save_room("x", LastingRoom("x", "", "nobody")),
        lambda: store.save_sanction(Sanction(
            "ban", None, None, "carol", frozenset({("name", "carol"), ("address", "10.9.9.9"),
                                                  ("connection", "7")}),
            "bob", 10.0, None, "spam", "s1", 2, "carol")),
        lambda: store.save_sanction(Sanction(
            "mute", "games", "Games", "dave", frozenset({("account", "dave")}), "alice", 11.0,
            99.5, None, "s2", 1, "dave")),
        lambda: store.save_sanction(Sanction(
            "mute", "games", "Games", "erin", frozenset({("name", "erin")}), "alice", 12.0,
            None, None, "s3", 1, "erin")),
        lambda: store.forget_sanction("s3"),
        lambda: store.save_operator("games", "alice"),
        lambda: store.save_operator("games", "alice"),
        lambda: store.save_operator("tea", "bob"),
        lambda: store.forget_operator("tea", "bob"),
        lambda: store.save_invite("games", "alice"),
        lambda: store.save_invite("tea", "bob"),
        lambda: store.save_rules("games", KeptRules(True, "sesame", 12, 1.5, 0.25)),
        lambda: store.save_rules("tea", KeptRules()),
        lambda: store.save_ignore("bob", ("name", "carol"), "Carol"),
        lambda: store.save_ignore("bob", ("account", "dave"), "dave"),
        lambda: store.save_ignore("alice", ("name", "bob"), "bob"),
        lambda: store.forget_ignore("alice", ("name", "bob")),
        lambda: store.record_act(events.Act(20.0, "bob", "ban", "carol", None, "spam")),
        lambda: store.record_act(events.Act(21.0, None, "unmute", "dave", "Games", None, 99.5)),
        lambda: store.forget_room("tea"),
        lambda: store.append(events.Message(30.0, "Lobby", "bob", "Oolong tea is ready"),
                             "lobby"),
        lambda: store.append(events.Emote(31.0, "Lobby", "alice", "pours 我们喝茶吧"), "lobby"),
        lambda: store.append(events.Message(32.0, "Games", "bob", "oolong elsewhere"), "games"),
        lambda: store.append(events.Message(33.0, "Lobby", "bob", "100% GREEN TEA"), "lobby"),
        lambda: store.recent("lobby", 10),
        lambda: store.recent("lobby", 2),
        lambda: store.recent("lobby", 10, before=4),
        lambda: store.recent("nowhere", 10),
        lambda: store.search("lobby", ["tea"], 10),
        lambda: store.search("lobby", ["TEA", "oolong"], 10),
        lambda: store.search("lobby", ["喝茶"], 10),
        lambda: store.search("lobby", ["%"], 10),
        lambda: store.search("lobby", ["tea"], 1),
        lambda: store.forget(1),
        lambda: store.recent("lobby", 10),
        lambda: store.search("lobby", ["tea"], 10),
    ]
    for call in calls:
        call().addBoth(note)
    store.close()
    return answers


def test_every_call_answers_as_sqlite_does(tmp_path: Path) -> None:
    path = str(tmp_path / "chat.db")
    copy = Transactions(sqlite_searching.path_for(path), prepare=sqlite_searching.prepare)
    history = Transactions(path)
    sqlite_searcher = sqlite_searching.Searcher(copy)
    sqlite = sqlite_store.SqliteStore(history, clock=lambda: 5.0, searcher=sqlite_searcher)
    sqlite_searcher.history = sqlite.lines
    conninfo = fresh_database()
    postgres = pg_store.PostgresStore(
        PostgresTransactions(conninfo), clock=lambda: 5.0,
        searcher=pg_searching.Searcher(PostgresTransactions(conninfo).interaction))

    expected = script(sqlite)
    history.connection.close()  # It holds the file alone.
    copy.connection.close()
    answered = script(postgres)
    assert len(answered) == len(expected) == 47
    for index, (mine, theirs) in enumerate(zip(answered, expected, strict=True)):
        assert mine == theirs, f"call {index}: {mine!r} where SQLite gives {theirs!r}"
    assert expected.count("refused") == 2

    kept = pg_store.load(conninfo)
    assert kept == sqlite_store.load(path)
    assert kept.order.sanctions[0].marks == frozenset({("name", "carol"),
                                                       ("address", "10.9.9.9")})
