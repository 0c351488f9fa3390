"""
What differs between the options a server runs with and those read again:
each changed option, and the line that tells an operator what changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Options that name a file the server reads: the file's text changes while the name stays.
READ_FROM = {"motd": "motd-text"}


@dataclass(frozen=True)
class Change:
    """One option whose value differs: ``str`` words it for the operator."""

    key: str
    old: Any
    new: Any

    def __str__(self) -> str:
        """A number's change with its values (``max-per-ip 5 → 3``), anything else by name."""
        if _number(self.old) and _number(self.new):
            return f"{self.key} {_shown(self.old)} → {_shown(self.new)}"
        return self.key


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shown(value: int | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def compared(options: Mapping[str, Any], key: str) -> Any:
    """A key's value, for telling whether it changed: with a file's text, if it names one."""
    value = options.get(key)
    if key in READ_FROM:
        return value, options.get(READ_FROM[key])
    return value


def changes(old: Mapping[str, Any], new: Mapping[str, Any], keys: Iterable[str]) -> list[Change]:
    """Every option of ``keys`` whose value differs, in the order of ``keys``."""
    return [Change(key, old.get(key), new.get(key)) for key in keys
            if compared(old, key) != compared(new, key)]


def summary(path: str, applied: Sequence[str], restart: Sequence[str]) -> str:
    """
    The one line a reload answers: ``Reloaded chat.toml: max-per-ip 5 → 3,
    motd; port needs a restart``.
    """
    done = ", ".join(applied)
    if not restart:
        return f"Reloaded {path}: {done or 'nothing changed'}"
    waiting = _listed(restart)
    needs = "needs" if len(restart) == 1 else "need"
    return f"Reloaded {path}: {done + '; ' if done else ''}{waiting} {needs} a restart"


def _listed(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} and {words[-1]}"
