"""
Which store ``--db`` means, and opening it: a PostgreSQL connection string
(a ``postgresql://`` or ``postgres://`` URI, or libpq's ``key=value`` form,
``dbname=chat host=/run/postgresql``) is the database several nodes share;
anything else is the path of an SQLite file, as it always was.

A store that cannot be used at start-up (a file another server holds, a
PostgreSQL that cannot be reached or refuses, a schema newer than the code)
is :class:`Refused`, with one line that names the problem and never the
password, and the node does not start.
"""

from __future__ import annotations

import re
import sqlite3

from twisted.internet.interfaces import IReactorTime

from twisted_chat.interfaces import IStore
from twisted_chat.store.values import Snapshot

_URI = re.compile(r"postgres(?:ql)?://", re.IGNORECASE)
#: libpq's key=value form starts with a keyword and an equals sign.
_KEYWORDS = re.compile(r"\s*[A-Za-z_]+\s*=")


class Refused(Exception):
    """The store cannot be used: ``str()`` is the one line to stop the node with."""


def is_postgres(db: str) -> bool:
    """Whether ``--db`` names a PostgreSQL database rather than an SQLite file."""
    return bool(_URI.match(db) or _KEYWORDS.match(db))


def shown(db: str) -> str:
    """``--db`` as it may be shown: a connection string without its password."""
    if not is_postgres(db):
        return db
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        parts = conninfo_to_dict(db)
    except Exception:
        # libpq's complaint may quote the string, password and all.
        return "(a PostgreSQL connection string libpq cannot read)"
    return make_conninfo("", **{key: value for key, value in parts.items() if key != "password"})


def load(db: str) -> Snapshot:
    """What the chat starts with, from the store ``db`` names (created or migrated first)."""
    if is_postgres(db):
        return _load_postgres(db)
    from twisted_chat.store.sqlite import schema, store

    try:
        return store.load(db)
    except (sqlite3.Error, schema.SchemaTooNew, OSError) as error:
        held = " (the server holds its file alone: is another one running on it?)" \
            if "locked" in str(error) else ""
        raise Refused(f"--db {db}: {error}{held}") from None


def _load_postgres(db: str) -> Snapshot:
    try:
        import psycopg

        from twisted_chat.store.postgresql import schema, store
    except ImportError:
        raise Refused("--db: a PostgreSQL database needs psycopg: "
                      "pip install 'twisted-chat[cluster]'") from None
    try:
        return store.load(db)
    except (psycopg.Error, schema.SchemaTooNew) as error:
        # psycopg's message for a connection that failed spans lines: one is enough.
        reason = " ".join(str(error).split()) or type(error).__name__
        raise Refused(f"--db {shown(db)}: {reason}") from None


def open(db: str, reactor: IReactorTime) -> IStore:
    """The store ``db`` names, on the reactor's threads (after :func:`load` succeeded)."""
    if is_postgres(db):
        from twisted_chat.store.postgresql.store import PostgresStore

        return PostgresStore.open(db, reactor)
    from twisted_chat.store.sqlite.store import SqliteStore

    return SqliteStore.open(db, reactor)
