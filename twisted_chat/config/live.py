"""
What a reload changes while the server runs, and how each is put in force.

:data:`APPLY` names every option that can change live and the function
that applies its new value; every other option that changed needs a
restart (a listener's port, the database, the cluster), and is reported as
such.  Nobody is disconnected: the limits hold for what is counted from now
on (flood control, the send queue and the line length for connections made
from now on), the server operators' ranks at their next act.

Making another option live is one entry in :data:`APPLY`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from twisted.logger import Logger

from twisted_chat.config.changes import Change
from twisted_chat.core.chat import Chat
from twisted_chat.core.limits import Limits
from twisted_chat.session.sessions import Sessions

_log = Logger()


@dataclass
class Running:
    """What a reload changes: the chat, its sessions, and the process's file limit."""

    chat: Chat
    sessions: Sessions
    #: Let the process hold this many connections' sockets (tap.raise_file_limit).
    files: Callable[[int], None] = field(default=lambda connections: None)


#: Puts one option's new value in force: (what runs, the options read again).
Apply = Callable[[Running, Mapping[str, Any]], None]


def _limits(running: Running, new: Mapping[str, Any]) -> None:
    limits: Limits = new["limits"]
    running.chat.in_force.limits = limits
    running.files(limits.max_connections)


def _motd(running: Running, new: Mapping[str, Any]) -> None:
    running.chat.motd = new.get("motd-text", "")


def _main_topic(running: Running, new: Mapping[str, Any]) -> None:
    running.chat.set_main_topic(new["main-topic"])


def _server_name(running: Running, new: Mapping[str, Any]) -> None:
    running.chat.server_name = new["server-name"]


def _operators(running: Running, new: Mapping[str, Any]) -> None:
    granted, revoked = running.chat.moderation.set_operators(new["operator"])
    _log.info("Server operators now: {operators} (made: {granted}; no longer: {revoked})",
              operators=", ".join(sorted(new["operator"])) or "none",
              granted=", ".join(sorted(granted)) or "none",
              revoked=", ".join(sorted(revoked)) or "none")


def _max_line(running: Running, new: Mapping[str, Any]) -> None:
    running.sessions.max_line = new["max-line"]


def _log_rate(running: Running, new: Mapping[str, Any]) -> None:
    running.chat.log.rate = new["log-rate"]


def _language(running: Running, new: Mapping[str, Any]) -> None:
    """New connections start in the new language; a connection keeps the one it has."""
    running.sessions.language = new["lang"]


#: Every option that changes live, and what applies it.  Each of the limits is
#: an option named as its field (``max_per_ip``: ``max-per-ip``).
APPLY: dict[str, Apply] = {
    **{limit.name.replace("_", "-"): _limits for limit in fields(Limits)},
    "motd": _motd,
    "main-topic": _main_topic,
    "server-name": _server_name,
    "operator": _operators,
    "max-line": _max_line,
    "log-rate": _log_rate,
    "lang": _language,
}


def apply(running: Running, changed: Iterable[Change], new: Mapping[str, Any]) -> None:
    """Put the changes that can change live in force, each function once."""
    done: list[Apply] = []
    for change in changed:
        function = APPLY[change.key]
        if function not in done:
            done.append(function)
            function(running, new)
