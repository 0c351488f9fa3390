"""
What every store hands the chat, whatever its backend: plain values.

The chat's rules read these and never a backend's rows, so a PostgreSQL
store returns the same types the SQLite one does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twisted_chat.core.events import Act, Line
    from twisted_chat.core.quotas import Identity
    from twisted_chat.core.sanctions import Sanction


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the chat needs from its store before the first user arrives."""

    #: Every registered name as shown, by its key.
    accounts: dict[str, str]
    rooms: tuple[LastingRoom, ...]
    #: Each registered name's addresses it logged in from, oldest first.
    known: dict[str, list[str]]
    #: The bans, mutes, roles, settings, ignore lists and audit trail kept.
    order: KeptOrder = field(default_factory=lambda: KeptOrder())


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


@dataclass(frozen=True, slots=True)
class KeptRules:
    """A lasting room's settings (twisted_chat.core.rooms.Rules, without who spoke when)."""

    invite_only: bool = False
    key: str | None = None
    limit: int = 0
    slow: float = 0.0
    quiet: float = 0.0


@dataclass(frozen=True, slots=True)
class KeptOrder:
    """
    What keeps order across restarts: server bans and mutes and those of
    lasting rooms (their connection marks gone with the connections), each
    lasting room's operators and invited names (accounts), its settings, each
    registered name's ignore list, and the audit trail's last acts, oldest first.
    """

    sanctions: tuple[Sanction, ...] = ()
    operators: dict[str, frozenset[str]] = field(default_factory=dict)
    invites: dict[str, frozenset[str]] = field(default_factory=dict)
    rules: dict[str, KeptRules] = field(default_factory=dict)
    ignores: dict[str, dict[Identity, str]] = field(default_factory=dict)
    acts: tuple[Act, ...] = ()


@dataclass(frozen=True, slots=True)
class Sequenced:
    """Where a line was stored: its id (the store's, for forgetting) and its room's number."""

    id: int
    seq: int


@dataclass(frozen=True, slots=True)
class SequencedLine:
    """A stored line with its number in its room's sequence (ISequencedStore)."""

    seq: int
    line: Line
