"""
What every store hands the chat, whatever its backend: plain values.

The chat's rules read these and never a backend's rows, so a PostgreSQL
store returns the same types the SQLite one does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the chat needs from its store before the first user arrives."""

    #: Every registered name as shown, by its key.
    accounts: dict[str, str]
    rooms: tuple[LastingRoom, ...]
    #: Each registered name's addresses it logged in from, oldest first.
    known: dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class Account:
    """A registered name as shown, and its password's Argon2 hash (never the password)."""

    name: str
    hash: str


@dataclass(frozen=True, slots=True)
class LastingRoom:
    """A room that outlives its members: its name as shown, topic, and keeper's key."""

    name: str
    topic: str
    keeper: str
