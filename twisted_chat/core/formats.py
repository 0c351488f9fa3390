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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from functools import cache, lru_cache
from typing import Any, get_args, get_origin, get_type_hints

from zope.interface import implementer

from twisted_chat.core import events, terminal
from twisted_chat.core.durations import duration, span
from twisted_chat.interfaces import IFormat

CRLF = "\r\n"


_PRESENCE = {
    "login": "*** {name} has logged in",
    "join": "*** {name} has joined {room} (from {from_room})",
    "part": "*** {name} has left for {to_room}",
    "logout": "*** {name} has logged out",
    "drop": "*** {name} has left",
    "nick": "*** {old_name} is now known as {name}",
}


def _presence(event: events.Presence) -> list[str]:
    line = _PRESENCE[event.action].format(
        name=event.name, room=event.room, from_room=event.from_room, to_room=event.to_room,
        old_name=event.old_name)
    return [f"{line} ({event.reason})" if event.reason else line]


def _topic(event: events.Topic) -> list[str]:
    if event.setter:
        return [f"*** {event.setter} set the topic of {event.room}: {event.topic}"]
    return [f"= Topic of {event.room}: {event.topic or '(none)'}"]


def _room(event: events.RoomInfo) -> list[str]:
    owner = f", owned by {event.owner}" if event.owner else ""
    total = len(event.members) if event.total is None else event.total
    more = total - len(event.members)
    roles = {**{name: "operator" for name in event.operators},
             **{name: "server operator" for name in event.server_operators}}
    if event.owner:
        roles.setdefault(event.owner, "owner")
    shown = [f"{name} ({roles[name]})" if name in roles else name for name in event.members]
    return [
        f"= Room {event.room}{owner}",
        f"= Topic: {event.topic or '(none)'}",
        f"= Members ({total}): {', '.join(shown)}" + (f" and {more} more" if more else ""),
    ]


def _some(count: int, names: tuple[str, ...]) -> str:
    more = count - len(names)
    return ", ".join(names) + (f" and {more} more" if more else "")


def _crowd(event: events.Crowd) -> list[str]:
    told = []
    if event.arrivals:
        told.append(f"{event.arrivals} came in: {_some(event.arrivals, event.arrived)}")
    if event.departures:
        told.append(f"{event.departures} left: {_some(event.departures, event.departed)}")
    return [f"*** {event.room}: " + "; ".join(told)]


def _who(event: events.Who) -> list[str]:
    lines = [f"= Online ({len(event.users)}):"]
    lines += [f"=   {user.name} (in {user.room})" for user in event.users]
    return lines


def _rooms(event: events.Rooms) -> list[str]:
    lines = [f"= Rooms ({len(event.rooms)}):"]
    for room in event.rooms:
        topic = f": {room.topic}" if room.topic else ""
        lines.append(f"=   {room.name} ({room.members}){topic}")
    return lines


def _help(event: events.Help) -> list[str]:
    if event.detailed:
        (command,) = event.commands
        lines = [f"= /{command.usage}", f"=   {command.summary}"]
        if command.aliases:
            lines.append("=   Also: " + ", ".join("/" + alias for alias in command.aliases))
        lines += [f"=   {line}" for line in command.details.splitlines() if line.strip()]
        return lines
    # The summaries line up after the usual usages; a longer usage (ban's) is
    # not let push every other summary off to the right.
    width = max((len(command.usage) for command in event.commands
                 if len(command.usage) <= HELP_COLUMN), default=0) + 2
    lines = ["= Commands (type /help COMMAND for one in detail):"]
    lines += [f"=   /{command.usage:<{width}}{command.summary}" if len(command.usage) < width
              else f"=   /{command.usage}  {command.summary}" for command in event.commands]
    return lines


#: The widest usage the help's column of summaries makes room for.
HELP_COLUMN = 24


def _encoding(event: events.Encoding) -> list[str]:
    if event.guessed:
        return [f"*** Your text looks like {event.encoding.upper()}, so this connection now "
                f"uses {event.encoding.upper()}. Type /encoding NAME to change it."]
    lines = [f"*** Encoding: {event.encoding}"]
    if event.choices:
        lines.append(f"= Encodings: {', '.join(event.choices)}")
    return lines


def _span(until: float | None, now: float) -> str:
    """`` for 10m (until 14:03)``, or nothing for what lasts."""
    if until is None:
        return ""
    # "10m", not "10m 0s": a ban's length reads as it was given.
    return f" for {span(until - now)} (until {stamp(until, now)})"


#: What each act reads as: ``{by}``, ``{target}``, ``{room}`` ("the server" if
#: server-wide) and ``{span}`` filled in; a reason follows after a colon.
_ACTS = {
    "op": "{by} made {target} an operator of {room}",
    "deop": "{by} removed {target} as an operator of {room}",
    "kick": "{by} kicked {target} out of {room}",
    "ban": "{by} banned {target} from {room}{span}",
    "unban": "{by} lifted the ban on {target} in {room}",
    "mute": "{by} muted {target} in {room}{span}",
    "unmute": "{by} unmuted {target} in {room}",
    "invite": "{by} invited {target} to {room}",
    "disconnect": "{by} disconnected {target} from the server",
    "lock": "{by} locked the server: no new logins but operators' for now",
    "unlock": "{by} unlocked the server: anyone may log in again",
}

#: The same acts, server-wide (``room`` None).
_SERVER_ACTS = {
    **_ACTS,
    "kick": "{by} kicked {target} out of the server",
    "ban": "{by} banned {target} from the server{span}",
    "unban": "{by} lifted the server's ban on {target}",
    "mute": "{by} muted {target} in every room{span}",
    "unmute": "{by} unmuted {target} in every room",
}

#: An act nobody did: what ran out, in a room and server-wide.
_EXPIRED = {
    "unban": "The ban on {target} in {room} has run out",
    "unmute": "{target}'s mute in {room} has run out",
}
_SERVER_EXPIRED = {
    "unban": "The server's ban on {target} has run out",
    "unmute": "{target}'s mute in every room has run out",
}

#: What a room setting reads as, on (with its ``{value}``) and off.
_SETTINGS = {
    "invite-only": ("{by} made {room} invite-only", "{by} opened {room} to everyone"),
    "key": ("{by} set a key on {room}: join {room} KEY", "{by} took the key off {room}"),
    "limit": ("{by} limited {room} to {value} members", "{by} lifted {room}'s member limit"),
    "slow": ("{by} put {room} in slow mode: one line each per {value} seconds",
             "{by} turned slow mode off in {room}"),
    "quiet": ("{by} made newcomers to {room} wait {value} seconds before speaking",
              "{by} let newcomers to {room} speak at once"),
}


def _moderation(event: events.Moderation) -> list[str]:
    fields = {"by": event.by, "target": event.target, "room": event.room,
              "span": _span(event.until, event.time), "value": event.value}
    server = event.room is None
    if event.action == "setting":
        on, off = _SETTINGS[event.setting or ""]
        line = (off if event.value == "off" else on).format(**fields)
    elif event.by is None:
        line = (_SERVER_EXPIRED if server else _EXPIRED)[event.action].format(**fields)
    else:
        line = (_SERVER_ACTS if server else _ACTS)[event.action].format(**fields)
    reason = f": {event.reason}" if event.reason and event.by is not None else ""
    return [f"*** {line}{reason}"]


def _sanctions(event: events.Sanctions) -> list[str]:
    where = f"in {event.room}" if event.room is not None else "on the server"
    if not event.entries:
        return [f"= No bans or mutes {where}."]
    lines = [f"= Bans and mutes {where} ({len(event.entries)}):"]
    for entry in event.entries:
        ends = f" until {stamp(entry.until, event.time)}" if entry.until is not None else ""
        reason = f": {entry.reason}" if entry.reason else ""
        lines.append(f"=   {entry.kind} {entry.target} (by {entry.by}{ends}){reason}")
    return lines


def _audit(event: events.Audit) -> list[str]:
    where = event.room if event.room is not None else "every room and the server"
    if not event.acts:
        return [f"= Nothing has been done in {where} yet."]
    lines = [f"= Audit of {where}, last {len(event.acts)}:"]
    for act in event.acts:
        target = f" {act.target}" if act.target else ""
        ends = f" until {stamp(act.until, event.time)}" if act.until is not None else ""
        reason = f": {act.reason}" if act.reason else ""
        where = f"in {act.room}" if act.room is not None else "server-wide"
        lines.append(f"=   [{stamp(act.when, event.time)}] {act.by or '(expired)'} "
                     f"{act.action}{target} {where}{ends}{reason}")
    return lines


def _ignoring(event: events.Ignoring) -> list[str]:
    if event.changed is not None:
        if event.on:
            return [f"*** You now ignore {event.changed}; they are not told."]
        return [f"*** You no longer ignore {event.changed}."]
    if not event.names:
        return ["= You ignore nobody."]
    return [f"= You ignore ({len(event.names)}): {', '.join(event.names)}"]


def _room_settings(event: events.RoomSettings) -> list[str]:
    def seconds(value: float) -> str:
        return f"{value:g}s" if value else "off"

    return [f"= {event.room}: invite-only {'on' if event.invite_only else 'off'}, "
            f"key {'on' if event.key else 'off'}, limit {event.limit or 'off'}, "
            f"slow {seconds(event.slow)}, quiet {seconds(event.quiet)}"
            + (", registered" if event.registered else "")]


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
    "replay": "= Last {count} in {room}:",
    "history": "= History of {room}, {count}:",
    "search": "= {count} in {room} matching {query}:",
}


def _history(event: events.History) -> list[str]:
    count = f"{len(event.lines)} line{'' if len(event.lines) == 1 else 's'}"
    if not event.lines:
        if event.reason == "search":
            return [f"= No lines in {event.room} match {event.query}."]
        return [f"= Nothing has been said in {event.room} yet."]
    title = _HISTORY_TITLES[event.reason].format(count=count, room=event.room, query=event.query)
    return [title] + [f"=   [{stamp(line.time, event.time)}] {past_line(line)}"
                      for line in event.lines]


_TEXT: dict[str, Callable] = {
    "chat": lambda e: [f"<{e.sender}> {e.text}"],
    "emote": lambda e: [f"* {e.sender} {e.text}"],
    "private": lambda e: [f"[{e.sender} -> {e.target}] {e.text}"],
    "notice": lambda e: [f"*** {line}" for line in e.text.splitlines() or [""]],
    "as-chat": lambda e: [f"*** Sent as chat. For the command, type: {e.command}"],
    "presence": _presence,
    "owner": lambda e: [f"*** {e.name} now owns {e.room}"],
    "moderation": _moderation,
    "wall": lambda e: [f"*** Notice to everyone from {e.sender}: {e.text}"],
    "bans": _sanctions,
    "audit": _audit,
    "ignoring": _ignoring,
    "room-settings": _room_settings,
    "crowd": _crowd,
    "topic": _topic,
    "login": lambda e: [f"*** You are {e.name}. Type /help for the commands."],
    "renamed": lambda e: [f"*** You are now known as {e.name}"],
    "room": _room,
    "who": _who,
    "whois": lambda e: [
        f"= {e.name} is in {e.room}, connected {duration(e.connected, short=True)}, "
        f"idle {duration(e.idle, short=True)}"
    ],
    "rooms": _rooms,
    "history": _history,
    "help": _help,
    "format": lambda e: [f"*** Output format: {e.format}"],
    "encoding": _encoding,
    "color": lambda e: [f"*** Colour is {'on' if e.on else 'off'}"],
    "goodbye": lambda e: [f"*** {e.text}"],
    "error": lambda e: [f"! {e.text}"],
}


def text_lines(event: events.Event) -> list[str]:
    """
    The text format's lines for ``event``, unwrapped, uncoloured, unencoded.

    A client with a display of its own (the GUI) shows these, so that every
    client words an event the same way.
    """
    return _TEXT[event.kind](event)


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
    Lines for people at a terminal.

    ``width`` (0 for unknown) wraps long lines to a telnet client's window;
    ``color`` colours the line markers, and only them.
    """

    encoding: str = "utf-8"
    color: bool = False
    width: int = 0
    framing: Framing = STREAM
    name = "text"

    def render(self, event: events.Event) -> bytes:
        lines = text_lines(event)
        if self.width:
            lines = [row for line in lines for row in _wrapped(line, self.width)]
        if self.color:
            lines = [_paint(event, line) for line in lines]
        return (CRLF.join(lines) + CRLF).encode(self.encoding, "replace")


@implementer(IFormat)
@dataclass(frozen=True, slots=True)
class JsonFormat(_Framed):
    """One JSON object per line: ``type`` is the event's kind, the rest its fields."""

    encoding: str = "utf-8"
    framing: Framing = STREAM
    name = "json"

    def render(self, event: events.Event) -> bytes:
        document = {"type": event.kind, **_fields(event)}
        document["time"] = round(event.time, 3)
        return (_ENCODER.encode(document) + CRLF).encode(self.encoding, "replace")


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
        names = _FIELD_NAMES[cls] = tuple(field.name for field in fields(cls))
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
          framing: Framing = STREAM) -> IFormat:
    """
    The format called ``name`` with a session's settings, framed as its front end
    needs (``framing``); JSON ignores colour and width.

    Equal settings give the same object, so a broadcast can tell formats apart
    by identity, without comparing them.
    """
    if name == "json":
        return JsonFormat(encoding, framing)
    return TextFormat(encoding, color, width, framing)
