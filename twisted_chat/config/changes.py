"""
What differs between the options a server runs with and those read again:
each changed option, and the line that tells an operator what changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from twisted_chat.core import events
from twisted_chat.i18n import N_

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


#: A reload's answer: (without a restart waiting, with one, with several) by whether
#: anything changed live.  Its ``text`` is the log's line, in English.
_SUMMARIES = {
    True: (N_("Reloaded {path}: {changes}"),
           N_("Reloaded {path}: {changes}; {waiting:and} needs a restart"),
           N_("Reloaded {path}: {changes}; {waiting:and} need a restart")),
    False: (N_("Reloaded {path}: nothing changed"),
            N_("Reloaded {path}: {waiting:and} needs a restart"),
            N_("Reloaded {path}: {waiting:and} need a restart")),
}


def summary(time: float, path: str, applied: Sequence[str],
            restart: Sequence[str]) -> events.Notice:
    """
    The one line a reload answers: ``Reloaded chat.toml: max-per-ip 5 → 3,
    motd; port needs a restart``, in each reader's language.
    """
    template = _SUMMARIES[bool(applied)][min(len(restart), 2)]
    return events.Notice.words(time, template, path=path, changes=", ".join(applied),
                               waiting=list(restart))
