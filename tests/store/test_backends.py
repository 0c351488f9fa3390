"""
Which store ``--db`` means, and a store that cannot be used at start-up:
one line naming the problem, never the password.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engines import Postgres
from twisted_chat.store import backends
from twisted_chat.store.postgresql.store import PostgresStore
from twisted_chat.store.sqlite.store import SqliteStore


@pytest.mark.parametrize("db", [
    "postgresql://chat@db.example/chat", "postgres://chat:pw@/chat?host=/run/pg",
    "POSTGRESQL://x/y", "dbname=chat host=/run/x", "  host=/run/x dbname=chat",
    "service = chat"])
def test_postgresql(db: str) -> None:
    assert backends.is_postgres(db)


@pytest.mark.parametrize("db", [
    "twisted-chat.db", ":memory:", "/var/lib/chat/chat.db", "./x=1.db", "postgresql.db",
    "data/postgres://x"])
def test_sqlite(db: str) -> None:
    assert not backends.is_postgres(db)


def test_shown_without_the_password() -> None:
    assert backends.shown("postgresql://chat:hunter2@db.example:5433/chat") == \
        "user=chat dbname=chat host=db.example port=5433"
    assert backends.shown("dbname=chat password='hunter 2' host=/run/x") == \
        "dbname=chat host=/run/x"
    assert "hunter2" not in backends.shown("password=hunter2 oops")
    assert backends.shown("chat.db") == "chat.db"


def test_unreachable_postgresql_is_refused_in_one_line(tmp_path: Path) -> None:
    db = f"postgresql://chat:hunter2@/chat?host={tmp_path}"
    with pytest.raises(backends.Refused) as refused:
        backends.load(db)
    message = str(refused.value)
    assert message.startswith(f"--db user=chat dbname=chat host={tmp_path}: ")
    assert "No such file or directory" in message
    assert "\n" not in message
    assert "hunter2" not in message


def test_a_database_that_is_not_there_is_refused() -> None:
    server = Postgres.shared()
    with pytest.raises(backends.Refused, match='database "nowhere" does not exist'):
        backends.load(server.conninfo("nowhere") + " password=hunter2")


def test_sqlite_refusals_are_as_before(tmp_path: Path) -> None:
    with pytest.raises(backends.Refused, match=f"^--db {tmp_path}: "):
        backends.load(str(tmp_path))


def test_each_opens_its_own_store(tmp_path: Path) -> None:
    """(Opened, not started: the pools wait for the reactor, and are closed unused.)"""
    from twisted.internet import reactor

    server = Postgres.shared()
    conninfo = server.conninfo(server.database())
    backends.load(conninfo)
    postgres = backends.open(conninfo, reactor)
    assert isinstance(postgres, PostgresStore)
    backends.load(str(tmp_path / "chat.db"))
    sqlite = backends.open(str(tmp_path / "chat.db"), reactor)
    assert isinstance(sqlite, SqliteStore)
    for store in (postgres, sqlite):
        closed: list[object] = []
        store.close().addBoth(closed.append)
        assert closed == [None]
