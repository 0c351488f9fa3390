"""
How events look on the wire: text for people, JSON for programs.

A format is a small immutable value, so a broadcast can render an event once
per distinct format among its recipients and share the bytes.

The text format starts every line with a marker that says what it is, and no
user can forge one: user text never contains a line break (``sanitise.py``)
and names never contain a marker character (``names.py``)::

    <alice> hello              chat
    * alice waves              emote
    [alice -> bob] psst        private message
    *** bob has joined games   notice or presence
    = Members (2): alice, bob  listing (look, who, whois, list, help, topic)
    ! No user named ...        error
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from functools import cache, lru_cache
from typing import Any, get_args, get_origin, get_type_hints

from twisted.logger import Logger
from zope.interface import implementer

from twisted_chat.core import events, terminal
from twisted_chat.core.durations import duration, span
from twisted_chat.i18n import N_
from twisted_chat.i18n.languages import ENGLISH, Language
from twisted_chat.i18n.languages import get as language_of
from twisted_chat.interfaces import IFormat

CRLF = "\r\n"

_log = Logger()


# Every sentence below is a msgid (N_), translated when an event is rendered in
# a language (:class:`~twisted_chat.i18n.languages.Language`); the line markers
# (``***``, ``=``, ``!``) are the format's, never translated.

_PRESENCE = {
    "login": N_("{name} has logged in"),
    "join": N_("{name} has joined {room} (from {from_room})"),
    "part": N_("{name} has left for {to_room}"),
    "logout": N_("{name} has logged out"),
    "drop": N_("{name} has left"),
    "nick": N_("{old_name} is now known as {name}"),
}


def _presence(event: events.Presence, words: Language) -> list[str]:
    line = words.format(
        _PRESENCE[event.action], name=event.name, room=event.room, from_room=event.from_room,
        to_room=event.to_room, old_name=event.old_name)
    # A logout's reason is the user's goodbye; a drop's is the server's.
    reason = event.reason
    if reason and event.action == "drop":
        reason = words.gettext(reason)
    if reason:
        line = words.format(N_("{line} ({reason})"), line=line, reason=reason)
    return [f"*** {line}"]


def _topic(event: events.Topic, words: Language) -> list[str]:
    if event.setter:
        return ["*** " + words.format(N_("{setter} set the topic of {room}: {topic}"),
                                      setter=event.setter, room=event.room, topic=event.topic)]
    return ["= " + words.format(N_("Topic of {room}: {topic}"), room=event.room,
                                topic=event.topic or words.gettext(N_("(none)")))]


#: What each rank reads as after a member's name in a room's listing.
_ROLES = {"operator": N_("operator"), "server operator": N_("server operator"),
          "owner": N_("owner")}


def _room(event: events.RoomInfo, words: Language) -> list[str]:
    total = len(event.members) if event.total is None else event.total
    more = total - len(event.members)
    roles = {**{name: "operator" for name in event.operators},
             **{name: "server operator" for name in event.server_operators}}
    if event.owner:
        roles.setdefault(event.owner, "owner")
    shown = _listed(words, (words.format(N_("{name} ({role})"), name=name,
                                         role=words.gettext(_ROLES[roles[name]]))
                            if name in roles else name for name in event.members))
    title = (words.format(N_("Room {room}, owned by {owner}"), room=event.room, owner=event.owner)
             if event.owner else words.format(N_("Room {room}"), room=event.room))
    members = (words.format(N_("Members ({total}): {names} and {more} more"), total=total,
                            names=shown, more=more) if more
               else words.format(N_("Members ({total}): {names}"), total=total, names=shown))
    return [
        f"= {title}",
        "= " + words.format(N_("Topic: {topic}"), topic=event.topic or words.gettext(N_("(none)"))),
        f"= {members}",
    ]


def _listed(words: Language, items: Iterable[str]) -> str:
    """Names (or codes) one after another, as the language lists them: ``a, b, c``."""
    return words.gettext(N_(", ")).join(items)


def _some(count: int, names: tuple[str, ...], words: Language) -> str:
    more = count - len(names)
    if more:
        return words.format(N_("{names} and {more} more"), names=_listed(words, names),
                            more=more)
    return _listed(words, names)


def _crowd(event: events.Crowd, words: Language) -> list[str]:
    told = []
    if event.arrivals:
        told.append(words.format(N_("{count} came in: {names}"), count=event.arrivals,
                                 names=_some(event.arrivals, event.arrived, words)))
    if event.departures:
        told.append(words.format(N_("{count} left: {names}"), count=event.departures,
                                 names=_some(event.departures, event.departed, words)))
    return [f"*** {event.room}: " + "; ".join(told)]


def _who(event: events.Who, words: Language) -> list[str]:
    lines = ["= " + words.format(N_("Online ({count}):"), count=len(event.users))]
    lines += ["=   " + words.format(N_("{name} (in {room})"), name=user.name, room=user.room)
              for user in event.users]
    return lines


def _rooms(event: events.Rooms, words: Language) -> list[str]:
    lines = ["= " + words.format(N_("Rooms ({count}):"), count=len(event.rooms))]
    for room in event.rooms:
        lines.append("=   " + (words.format(N_("{room} ({members}): {topic}"), room=room.name,
                                              members=room.members, topic=room.topic)
                               if room.topic else
                               words.format(N_("{room} ({members})"), room=room.name,
                                            members=room.members)))
    return lines


def help_summary(command: events.CommandHelp, words: Language) -> str:
    """A command's one-line summary in ``words``' language (a docstring's first line)."""
    return words.gettext(command.summary) if command.summary else ""


def help_details(command: events.CommandHelp, words: Language) -> str:
    """
    A command's details in ``words``' language: its docstring after the first
    line.  A translation's lines are joined into one a paragraph (the breaks
    are where the English docstring broke), so that wrapping to the window
    breaks them where the terminal would, not in mid-phrase twice.
    """
    if not command.details:
        return ""
    if words is ENGLISH:
        return command.details
    paragraphs: list[str] = []
    joined = ""
    for line in [*words.gettext(command.details).splitlines(), ""]:
        line = line.strip()
        if not line:
            if joined:
                paragraphs.append(joined)
            joined = ""
        elif not joined:
            joined = line
        else:
            # Chinese runs on without a space; a word of Latin letters keeps one.
            gap = " " if joined[-1].isascii() and line[0].isascii() else ""
            joined += gap + line
    return "\n".join(paragraphs)


def _help(event: events.Help, words: Language) -> list[str]:
    if event.detailed:
        (command,) = event.commands
        lines = [f"= /{command.usage}", f"=   {help_summary(command, words)}"]
        if command.aliases:
            lines.append("=   " + words.format(N_("Also: {aliases}"), aliases=", ".join(
                "/" + alias for alias in command.aliases)))
        lines += [f"=   {line}" for line in help_details(command, words).splitlines()
                  if line.strip()]
        return lines
    # The summaries line up after the usual usages; a longer usage (ban's) is
    # not let push every other summary off to the right.
    width = max((len(command.usage) for command in event.commands
                 if len(command.usage) <= HELP_COLUMN), default=0) + 2
    lines = ["= " + words.gettext(N_("Commands (type /help COMMAND for one in detail):"))]
    lines += [f"=   /{command.usage:<{width}}{help_summary(command, words)}"
              if len(command.usage) < width
              else f"=   /{command.usage}  {help_summary(command, words)}"
              for command in event.commands]
    return lines


#: The widest usage the help's column of summaries makes room for.
HELP_COLUMN = 24


def _encoding(event: events.Encoding, words: Language) -> list[str]:
    if event.guessed:
        return ["*** " + words.format(
            N_("Your text looks like {encoding}, so this connection now uses {encoding}. "
               "Type /encoding NAME to change it."), encoding=event.encoding.upper())]
    lines = ["*** " + words.format(N_("Encoding: {encoding}"), encoding=event.encoding)]
    if event.choices:
        lines.append("= " + words.format(N_("Encodings: {choices}"),
                                         choices=_listed(words, event.choices)))
    return lines


def _language(event: events.LanguageChanged, words: Language) -> list[str]:
    lines = ["*** " + words.format(N_("Language: {name} ({code}). Type /lang CODE to change it."),
                                   name=event.name, code=event.code)]
    if event.choices:
        lines.append("= " + words.format(N_("Languages: {choices}"),
                                         choices=_listed(words, event.choices)))
    return lines


def _span(until: float | None, now: float, words: Language) -> str:
    """`` for 10m (until 14:03)``, or nothing for what lasts."""
    if until is None:
        return ""
    # "10m", not "10m 0s": a ban's length reads as it was given.
    return words.format(N_(" for {span} (until {until})"),
                        span=span(until - now, language=words), until=stamp(until, now))


#: What each act reads as: ``{by}``, ``{target}``, ``{room}`` ("the server" if
#: server-wide) and ``{span}`` filled in; a reason follows after a colon.
_ACTS = {
    "op": N_("{by} made {target} an operator of {room}"),
    "deop": N_("{by} removed {target} as an operator of {room}"),
    "kick": N_("{by} kicked {target} out of {room}"),
    "ban": N_("{by} banned {target} from {room}{span}"),
    "unban": N_("{by} lifted the ban on {target} in {room}"),
    "mute": N_("{by} muted {target} in {room}{span}"),
    "unmute": N_("{by} unmuted {target} in {room}"),
    "invite": N_("{by} invited {target} to {room}"),
    "disconnect": N_("{by} disconnected {target} from the server"),
    "lock": N_("{by} locked the server: no new logins but operators' for now"),
    "unlock": N_("{by} unlocked the server: anyone may log in again"),
}

#: The same acts, server-wide (``room`` None).
_SERVER_ACTS = {
    **_ACTS,
    "kick": N_("{by} kicked {target} out of the server"),
    "ban": N_("{by} banned {target} from the server{span}"),
    "unban": N_("{by} lifted the server's ban on {target}"),
    "mute": N_("{by} muted {target} in every room{span}"),
    "unmute": N_("{by} unmuted {target} in every room"),
}

#: An act nobody did: what ran out, in a room and server-wide.
_EXPIRED = {
    "unban": N_("The ban on {target} in {room} has run out"),
    "unmute": N_("{target}'s mute in {room} has run out"),
}
_SERVER_EXPIRED = {
    "unban": N_("The server's ban on {target} has run out"),
    "unmute": N_("{target}'s mute in every room has run out"),
}

#: What a room setting reads as, on (with its ``{value}``) and off.
_SETTINGS = {
    "invite-only": (N_("{by} made {room} invite-only"), N_("{by} opened {room} to everyone")),
    "key": (N_("{by} set a key on {room}: join {room} KEY"), N_("{by} took the key off {room}")),
    "limit": (N_("{by} limited {room} to {value} members"),
              N_("{by} lifted {room}'s member limit")),
    "slow": (N_("{by} put {room} in slow mode: one line each per {value} seconds"),
             N_("{by} turned slow mode off in {room}")),
    "quiet": (N_("{by} made newcomers to {room} wait {value} seconds before speaking"),
              N_("{by} let newcomers to {room} speak at once")),
}


def _moderation(event: events.Moderation, words: Language) -> list[str]:
    fields = {"by": event.by, "target": event.target, "room": event.room,
              "span": _span(event.until, event.time, words), "value": event.value}
    server = event.room is None
    if event.action == "setting":
        on, off = _SETTINGS[event.setting or ""]
        template = off if event.value == "off" else on
    elif event.by is None:
        template = (_SERVER_EXPIRED if server else _EXPIRED)[event.action]
    else:
        template = (_SERVER_ACTS if server else _ACTS)[event.action]
    line = words.fill(template, fields)
    if event.reason and event.by is not None:
        line = words.format(N_("{line}: {reason}"), line=line, reason=event.reason)
    return [f"*** {line}"]


#: What a ban or mute entry's kind reads as in a listing.
_KINDS = {"ban": N_("ban"), "mute": N_("mute")}

#: What each act reads as in the audit trail (a setting's act names the setting after it).
_AUDITED = {**_KINDS, "op": N_("op"), "deop": N_("deop"), "kick": N_("kick"),
            "unban": N_("unban"), "unmute": N_("unmute"), "invite": N_("invite"),
            "disconnect": N_("disconnect"), "lock": N_("lock"), "unlock": N_("unlock"),
            "setting": N_("setting")}


def _sanctions(event: events.Sanctions, words: Language) -> list[str]:
    server = event.room is None
    if not event.entries:
        return ["= " + (words.gettext(N_("No bans or mutes on the server.")) if server else
                        words.format(N_("No bans or mutes in {room}."), room=event.room))]
    count = len(event.entries)
    lines = ["= " + (words.format(N_("Bans and mutes on the server ({count}):"), count=count)
                     if server else words.format(N_("Bans and mutes in {room} ({count}):"),
                                                 room=event.room, count=count))]
    for entry in event.entries:
        ends = (words.format(N_(" until {until}"), until=stamp(entry.until, event.time))
                if entry.until is not None else "")
        kind = words.gettext(_KINDS[entry.kind]) if entry.kind in _KINDS else entry.kind
        line = words.format(N_("{kind} {target} (by {by}{ends})"), kind=kind,
                            target=entry.target, by=entry.by, ends=ends)
        if entry.reason:
            line = words.format(N_("{line}: {reason}"), line=line, reason=entry.reason)
        lines.append(f"=   {line}")
    return lines


def _audit(event: events.Audit, words: Language) -> list[str]:
    server = event.room is None
    if not event.acts:
        return ["= " + (words.gettext(N_("Nothing has been done in every room and the server "
                                         "yet.")) if server else
                        words.format(N_("Nothing has been done in {room} yet."), room=event.room))]
    count = len(event.acts)
    lines = ["= " + (words.format(N_("Audit of every room and the server, last {count}:"),
                                  count=count) if server else
                     words.format(N_("Audit of {room}, last {count}:"), room=event.room,
                                  count=count))]
    for act in event.acts:
        target = f" {act.target}" if act.target else ""
        ends = (words.format(N_(" until {until}"), until=stamp(act.until, event.time))
                if act.until is not None else "")
        where = (words.format(N_("in {room}"), room=act.room) if act.room is not None
                 else words.gettext(N_("server-wide")))
        by = act.by or words.gettext(N_("(expired)"))
        action = words.gettext(_AUDITED[act.action]) if act.action in _AUDITED else act.action
        # One sentence, so that a language puts where before what.
        line = words.format(N_("{by} {action}{target} {where}{ends}"), by=by, action=action,
                            target=target, where=where, ends=ends)
        if act.reason:
            line = words.format(N_("{line}: {reason}"), line=line, reason=act.reason)
        lines.append(f"=   [{stamp(act.when, event.time)}] {line}")
    return lines


def _ignoring(event: events.Ignoring, words: Language) -> list[str]:
    if event.changed is not None:
        if event.on:
            return ["*** " + words.format(N_("You now ignore {name}; they are not told."),
                                          name=event.changed)]
        return ["*** " + words.format(N_("You no longer ignore {name}."), name=event.changed)]
    if not event.names:
        return ["= " + words.gettext(N_("You ignore nobody."))]
    return ["= " + words.format(N_("You ignore ({count}): {names}"), count=len(event.names),
                                names=_listed(words, event.names))]


def _room_settings(event: events.RoomSettings, words: Language) -> list[str]:
    on, off = words.gettext(N_("on")), words.gettext(N_("off"))

    def seconds(value: float) -> str:
        return f"{value:g}s" if value else off

    line = words.format(
        N_("{room}: invite-only {invite_only}, key {key}, limit {limit}, slow {slow}, "
           "quiet {quiet}"), room=event.room, invite_only=on if event.invite_only else off,
        key=on if event.key else off, limit=event.limit or off, slow=seconds(event.slow),
        quiet=seconds(event.quiet))
    if event.registered:
        line += words.gettext(N_(", registered"))
    return [f"= {line}"]


def stamp(when: float, now: float) -> str:
    """
    ``14:03``, or ``11-20 14:03`` on another day than ``now``, or
    ``2027-11-20 14:03`` in another year (local time).
    """
    moment, today = time.localtime(when), time.localtime(now)
    if moment[:3] == today[:3]:
        return time.strftime("%H:%M", moment)
    if moment[0] != today[0]:
        return time.strftime("%Y-%m-%d %H:%M", moment)
    return time.strftime("%m-%d %H:%M", moment)


def past_line(line: events.Line) -> str:
    """A stored line as it was shown when it was said."""
    if line.kind == "emote":
        return f"* {line.sender} {line.text}"
    return f"<{line.sender}> {line.text}"


_HISTORY_TITLES = {
    "replay": N_("Last {lines} in {room}:"),
    "history": N_("History of {room}, {lines}:"),
    "search": N_("{lines} in {room} matching {query}:"),
}


def _history(event: events.History, words: Language) -> list[str]:
    if not event.lines:
        if event.reason == "search":
            return ["= " + words.format(N_("No lines in {room} match {query}."), room=event.room,
                                        query=event.query)]
        return ["= " + words.format(N_("Nothing has been said in {room} yet."), room=event.room)]
    lines = words.plural("{count} line", "{count} lines", len(event.lines))
    title = words.format(_HISTORY_TITLES[event.reason], lines=lines, room=event.room,
                         query=event.query)
    return [f"= {title}"] + [f"=   [{stamp(line.time, event.time)}] {past_line(line)}"
                             for line in event.lines]


def worded(event: events.Notice | events.Goodbye | events.Error, words: Language) -> str:
    """
    The text of a notice, goodbye or error in ``words``' language: English as
    it was made, or its template translated and filled in again.
    """
    if event.template is None or words is ENGLISH:
        return event.text
    values = event.args if isinstance(event, events.Error) else event.values
    return words.fill(event.template, values)


def _whois(event: events.WhoIs, words: Language) -> list[str]:
    return ["= " + words.format(
        N_("{name} is in {room}, connected {connected}, idle {idle}"), name=event.name,
        room=event.room, connected=duration(event.connected, short=True, language=words),
        idle=duration(event.idle, short=True, language=words))]


def _login(event: events.LoggedIn, words: Language) -> list[str]:
    return ["*** " + words.format(N_("You are {name}. Type /help for the commands."),
                                  name=event.name)]


def _color(event: events.Color, words: Language) -> list[str]:
    return ["*** " + (words.gettext(N_("Colour is on")) if event.on
                      else words.gettext(N_("Colour is off")))]


_TEXT: dict[str, Callable[[Any, Language], list[str]]] = {
    "chat": lambda e, words: [f"<{e.sender}> {e.text}"],
    "emote": lambda e, words: [f"* {e.sender} {e.text}"],
    "private": lambda e, words: [f"[{e.sender} -> {e.target}] {e.text}"],
    "notice": lambda e, words: [f"*** {line}" for line in worded(e, words).splitlines() or [""]],
    "as-chat": lambda e, words: ["*** " + words.format(
        N_("Sent as chat. For the command, type: {command}"), command=e.command)],
    "presence": _presence,
    "owner": lambda e, words: ["*** " + words.format(N_("{name} now owns {room}"), name=e.name,
                                                     room=e.room)],
    "moderation": _moderation,
    "wall": lambda e, words: ["*** " + words.format(
        N_("Notice to everyone from {sender}: {text}"), sender=e.sender, text=e.text)],
    "bans": _sanctions,
    "audit": _audit,
    "ignoring": _ignoring,
    "room-settings": _room_settings,
    "crowd": _crowd,
    "topic": _topic,
    "login": _login,
    "renamed": lambda e, words: ["*** " + words.format(N_("You are now known as {name}"),
                                                       name=e.name)],
    "room": _room,
    "who": _who,
    "whois": _whois,
    "rooms": _rooms,
    "history": _history,
    "help": _help,
    "format": lambda e, words: ["*** " + words.format(N_("Output format: {format}"),
                                                      format=e.format)],
    "encoding": _encoding,
    "language": _language,
    "color": _color,
    "goodbye": lambda e, words: [f"*** {worded(e, words)}"],
    "error": lambda e, words: [f"! {worded(e, words)}"],
}


def text_lines(event: events.Event, words: Language = ENGLISH) -> list[str]:
    """
    The text format's lines for ``event`` in a language, unwrapped,
    uncoloured, unencoded.

    A client with a display of its own (the GUI) shows these, so that every
    client words an event the same way.  A translation that cannot be filled
    in (a bug in a catalog) is logged, and the event reads in English: a
    broadcast is never lost to it.
    """
    try:
        return _TEXT[event.kind](event, words)
    except (KeyError, IndexError, ValueError, TypeError):
        if words is ENGLISH:
            raise
        _log.failure("Wording a {kind} event in {language} failed", kind=event.kind,
                     language=words.code)
        return _TEXT[event.kind](event, ENGLISH)


#: The colour of each line marker, for users who turn colour on.
_MARKER_COLORS = {"<": "bold", "*": "yellow", "[": "green", "=": "cyan", "!": "red"}


def marker(event: events.Event, line: str) -> str:
    """The marker that starts ``line``: the part colour may touch, never user text."""
    if isinstance(event, events.Message):
        return f"<{event.sender}>"
    if isinstance(event, events.Emote):
        return f"* {event.sender}"
    if isinstance(event, events.Private):
        return f"[{event.sender} -> {event.target}]"
    return line.split(" ", 1)[0]


def _paint(event: events.Event, line: str) -> str:
    start = marker(event, line)
    if not line.startswith(start):
        return line
    color = "magenta" if event.kind == "emote" else _MARKER_COLORS.get(start[:1])
    return terminal.paint(start, color) + line[len(start):] if color else line


@lru_cache(maxsize=1024)
def _wrapped(line: str, width: int) -> tuple[str, ...]:
    """
    A line's rows at a width: wrapped once for every format of that width
    (encodings, colour) that a broadcast renders it in.
    """
    return tuple(terminal.wrap(line, width))


@dataclass(frozen=True, slots=True)
class Stream:
    """
    A stream front end's framing: a run of events is one ``bytes``, one write,
    passed through ``escape`` (telnet doubles 0xFF) once per format.
    """

    escape: Callable[[bytes], bytes] | None = None

    def frame(self, pieces: list[bytes]) -> bytes:
        data = b"".join(pieces)
        return data if self.escape is None else self.escape(data)

    def one(self, piece: bytes) -> bytes:
        """:meth:`frame` of one piece (most runs are one event)."""
        return piece if self.escape is None else self.escape(piece)


@dataclass(frozen=True, slots=True)
class Messages:
    """
    A message front end's framing: each event one message, without its line
    end, made by ``wrap`` (a WebSocket's text frame) once per format and
    written as bytes like a stream's, so every recipient gets the same bytes.
    The front end keeps such a session in UTF-8, which its messages are.
    """

    wrap: Callable[[bytes], bytes]

    def frame(self, pieces: list[bytes]) -> bytes:
        wrap = self.wrap
        return b"".join(wrap(piece.removesuffix(b"\r\n")) for piece in pieces)

    def one(self, piece: bytes) -> bytes:
        return self.wrap(piece.removesuffix(b"\r\n"))


#: How a front end frames a run of events: :class:`Stream` or :class:`Messages`.
Framing = Stream | Messages
STREAM = Stream()


class _Framed:
    """What both formats share: a run rendered event by event, then framed."""

    __slots__ = ()
    framing: Framing

    def render(self, event: events.Event) -> bytes:
        raise NotImplementedError

    def frame(self, run: Sequence[events.Event]) -> bytes:
        if len(run) == 1:
            return self.framing.one(self.render(run[0]))
        return self.framing.frame([self.render(event) for event in run])


@implementer(IFormat)
@dataclass(frozen=True, slots=True)
class TextFormat(_Framed):
    """
    Lines for people at a terminal, in one language.

    ``width`` (0 for unknown) wraps long lines to a telnet client's window;
    ``color`` colours the line markers, and only them.
    """

    encoding: str = "utf-8"
    color: bool = False
    width: int = 0
    framing: Framing = STREAM
    language: str = "en"
    name = "text"

    def render(self, event: events.Event) -> bytes:
        lines = text_lines(event, language_of(self.language))
        if self.width:
            lines = [row for line in lines for row in _wrapped(line, self.width)]
        if self.color:
            lines = [_paint(event, line) for line in lines]
        return (CRLF.join(lines) + CRLF).encode(self.encoding, "replace")


@implementer(IFormat)
@dataclass(frozen=True, slots=True)
class JsonFormat(_Framed):
    """
    One JSON object per line: ``type`` is the event's kind, the rest its fields.

    Codes and fields are the same in every language; the sentences in them
    (a notice's or error's ``text``, a command's help) are in ``language``.
    """

    encoding: str = "utf-8"
    framing: Framing = STREAM
    language: str = "en"
    name = "json"

    def render(self, event: events.Event) -> bytes:
        document = {"type": event.kind, **_fields(event)}
        document["time"] = round(event.time, 3)
        if self.language != "en":
            localise = _LOCALISED.get(event.kind)
            if localise is not None:
                try:
                    localise(document, event, language_of(self.language))
                except (KeyError, IndexError, ValueError, TypeError):
                    # As text_lines: logged, and the sentence stays English.
                    _log.failure("Wording a {kind} event in {language} failed",
                                 kind=event.kind, language=self.language)
        return (_ENCODER.encode(document) + CRLF).encode(self.encoding, "replace")


def _localise_text(document: dict[str, Any], event: Any, words: Language) -> None:
    document["text"] = worded(event, words)


def _localise_help(document: dict[str, Any], event: events.Help, words: Language) -> None:
    document["commands"] = [
        {**_fields(command), "summary": help_summary(command, words),
         "details": help_details(command, words)} for command in event.commands]


#: The kinds whose JSON carries sentences, and how each is put in another language.
_LOCALISED: dict[str, Callable[[dict[str, Any], Any, Language], None]] = {
    "notice": _localise_text, "goodbye": _localise_text, "error": _localise_text,
    "help": _localise_help,
}


def _fields(value: Any) -> dict[str, Any]:
    """
    A dataclass's fields by name, shallow: the encoder calls this again for
    the dataclasses inside (history lines, who's entries) and writes tuples
    as arrays.  ``dataclasses.asdict`` deep-copies every value first, which
    was most of a JSON login's rendering.
    """
    cls = type(value)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        if not is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not an event's part")
        names = _FIELD_NAMES[cls] = tuple(field.name for field in fields(cls)
                                          if field.metadata.get("wire", True))
    return {name: getattr(value, name) for name in names}


#: Each dataclass's field names: the few types events are made of.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}

#: One encoder for every line (``json.dumps`` with options makes one a call).
#: Events are immutable trees, so the check for cycles is only cost.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_fields,
                            check_circular=False)


def read_json(document: str) -> events.Event | None:
    """
    The event one JSON line holds: :meth:`JsonFormat.render` read back, for clients.

    Fields this version does not know are ignored (the server only ever adds
    fields), and so is a type it does not know: None.  A line that is not a
    JSON object with a ``type``, or lacks a field, raises ``ValueError``.
    """
    data = json.loads(document)
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ValueError(f"not an event: {document[:80]!r}")
    kind = events.KINDS.get(data["type"])
    return None if kind is None else _build(kind, data)


def _build(cls: type, data: object) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__} is not an object: {data!r}")
    hints = _hints(cls)
    values = {field.name: _value(hints[field.name], data[field.name])
              for field in fields(cls) if field.name in data}
    try:
        return cls(**values)
    except TypeError as error:
        raise ValueError(f"{cls.__name__}: {error}") from None


def _value(hint: Any, value: object) -> object:
    """A JSON value as the field wants it: lists become tuples, objects dataclasses."""
    if get_origin(hint) is not tuple:
        return value
    if not isinstance(value, list):
        raise ValueError(f"not a list: {value!r}")
    item = get_args(hint)[0]
    if isinstance(item, type) and is_dataclass(item):
        return tuple(_build(item, entry) for entry in value)
    return tuple(value)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls, vars(events))


FORMATS = ("text", "json")


@lru_cache(maxsize=4096)
def build(name: str, *, encoding: str = "utf-8", color: bool = False, width: int = 0,
          framing: Framing = STREAM, language: str = "en") -> IFormat:
    """
    The format called ``name`` with a session's settings, framed as its front end
    needs (``framing``), in ``language`` (a code); JSON ignores colour and width.

    Equal settings give the same object, so a broadcast can tell formats apart
    by identity, without comparing them.
    """
    if name == "json":
        return JsonFormat(encoding, framing, language)
    return TextFormat(encoding, color, width, framing, language)
