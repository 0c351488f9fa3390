"""
Everything the server says to a user, as plain data.

States and the chat build events; a format (``formats.py``) turns an event
into bytes for one kind of client.  Nothing here knows about text layout or
JSON, so a new front end only needs a new format.  ``kind`` is the JSON
``type`` field and the name of the text format's method for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from twisted_chat.i18n.languages import ENGLISH

#: A field's metadata that keeps it off the wire: what only the server's renderer reads.
LOCAL = {"wire": False}

Worded = TypeVar("Worded", bound="Notice | Goodbye")


def _worded(cls: type[Worded], time: float, template: str, values: dict[str, Any]) -> Worded:
    return cls(time, ENGLISH.fill(template, values), template=template, values=values)


@dataclass(frozen=True, slots=True)
class Event:
    kind: ClassVar[str] = "event"
    time: float


@dataclass(frozen=True, slots=True)
class Message(Event):
    """A line said in a room; ``id`` is its place in the history, once stored."""

    kind: ClassVar[str] = "chat"
    room: str
    sender: str
    text: str
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Emote(Event):
    kind: ClassVar[str] = "emote"
    room: str
    sender: str
    text: str
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Line:
    """A chat line or emote from the history; ``kind`` is ``chat`` or ``emote``."""

    id: int
    time: float
    kind: str
    sender: str
    text: str


@dataclass(frozen=True, slots=True)
class History(Event):
    """
    Lines from a room's past, oldest first: shown on entering the room
    (``reason`` ``replay``), asked for (``history``), or found (``search``,
    with the ``query``).
    """

    kind: ClassVar[str] = "history"
    room: str
    reason: str
    lines: tuple[Line, ...]
    query: str | None = None


@dataclass(frozen=True, slots=True)
class Private(Event):
    kind: ClassVar[str] = "private"
    sender: str
    target: str
    text: str


@dataclass(frozen=True, slots=True)
class Notice(Event):
    """
    Server talk that is not about presence: banners, the MOTD, confirmations.

    ``text`` is English; a notice made by :meth:`words` keeps its template and
    values (never sent), so each user reads it in their language.  One made
    with ``text`` alone (the MOTD, an operator's words) reads as it is.
    """

    kind: ClassVar[str] = "notice"
    text: str
    template: str | None = field(default=None, compare=False, metadata=LOCAL)
    values: dict[str, Any] = field(default_factory=dict, compare=False, metadata=LOCAL)

    @classmethod
    def words(cls, time: float, template: str, /, **values: Any) -> Notice:
        """The notice ``template`` (a msgid) says, filled with ``values``."""
        return _worded(cls, time, template, values)


@dataclass(frozen=True, slots=True)
class SentAsChat(Event):
    """
    To its sender only: a line without a slash shaped like a room command
    (``create fun``) went to the room as chat; ``command`` would have run it.
    """

    kind: ClassVar[str] = "as-chat"
    command: str


@dataclass(frozen=True, slots=True)
class Presence(Event):
    """
    Someone's arrival or departure as seen by one room.

    ``action`` is one of ``login``, ``join`` (with ``from_room``), ``part``
    (with ``to_room``), ``logout`` (``reason`` is their message, if any),
    ``drop`` (``reason`` is ``connection lost``) and ``nick`` (with
    ``old_name``).  Someone coming in (``login``, ``join``) who holds a rank
    there has it in ``role``: ``operator`` or ``server operator`` (an owner
    coming in is told by an ``owner`` event).  Fields that do not apply are None.
    """

    kind: ClassVar[str] = "presence"
    action: str
    room: str
    name: str
    from_room: str | None = None
    to_room: str | None = None
    old_name: str | None = None
    reason: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Crowd(Event):
    """
    Who came into and left a crowded room lately, told in one go: the counts,
    and the first names of each.
    """

    kind: ClassVar[str] = "crowd"
    room: str
    arrivals: int
    departures: int
    arrived: tuple[str, ...]
    departed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Owner(Event):
    """A room changed hands because its owner left it."""

    kind: ClassVar[str] = "owner"
    room: str
    name: str


@dataclass(frozen=True, slots=True)
class Moderation(Event):
    """
    An act that keeps order, or its end, told to the room it touches.

    ``action`` is one of ``op``, ``deop``, ``kick``, ``ban``, ``unban``,
    ``mute``, ``unmute``, ``invite``, ``setting``, ``disconnect``, ``lock``
    and ``unlock``.  ``room`` is the room it holds in, None for the whole
    server; ``by`` who did it, None when a ban or mute ran out (``reason``
    ``expired``); ``target`` the name or address acted on; ``until`` when a
    ban or mute ends (None: lasting).  ``removed`` names the members this
    act put out of the room (a kick, a ban, a disconnect): a client drops
    them from its list.  A ``setting`` names it and its new ``value``
    (``invite-only`` ``on``, ``slow`` ``10``, ``key`` ``on``, any of them ``off``).
    """

    kind: ClassVar[str] = "moderation"
    action: str
    room: str | None
    by: str | None
    target: str | None = None
    reason: str | None = None
    until: float | None = None
    removed: tuple[str, ...] = ()
    setting: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Wall(Event):
    """A server operator's notice to everyone online."""

    kind: ClassVar[str] = "wall"
    sender: str
    text: str


@dataclass(frozen=True, slots=True)
class SanctionEntry:
    """One ban or mute in force: ``kind`` ``ban`` or ``mute``; ``room`` None: server-wide."""

    kind: str
    target: str
    room: str | None
    by: str
    since: float
    until: float | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Sanctions(Event):
    """The answer to ``bans``: the bans and mutes in force in ``room`` (None: server-wide)."""

    kind: ClassVar[str] = "bans"
    room: str | None
    entries: tuple[SanctionEntry, ...]


@dataclass(frozen=True, slots=True)
class Act:
    """
    One line of the audit trail: ``when``, who (``by``; None: the server,
    an expiry), ``action`` (as :class:`Moderation`'s), ``target``, ``room``
    (None: server-wide), ``reason`` and ``until``.
    """

    when: float
    by: str | None
    action: str
    target: str | None
    room: str | None
    reason: str | None = None
    until: float | None = None


@dataclass(frozen=True, slots=True)
class Audit(Event):
    """The answer to ``audit``: the last acts, oldest first, of ``room`` (None: all)."""

    kind: ClassVar[str] = "audit"
    room: str | None
    acts: tuple[Act, ...]


@dataclass(frozen=True, slots=True)
class Ignoring(Event):
    """The answer to ``ignore`` and ``unignore``: whom you ignore now."""

    kind: ClassVar[str] = "ignoring"
    names: tuple[str, ...]
    changed: str | None = None
    on: bool = True


@dataclass(frozen=True, slots=True)
class RoomSettings(Event):
    """The answer to ``room`` alone: how the room keeps order (0 or None: off)."""

    kind: ClassVar[str] = "room-settings"
    room: str
    invite_only: bool
    key: bool
    limit: int
    slow: float
    quiet: float
    registered: bool


@dataclass(frozen=True, slots=True)
class Topic(Event):
    """A room's topic: shown on request, and to the room when it changes."""

    kind: ClassVar[str] = "topic"
    room: str
    topic: str
    setter: str | None = None


@dataclass(frozen=True, slots=True)
class LoggedIn(Event):
    kind: ClassVar[str] = "login"
    name: str
    server: str


@dataclass(frozen=True, slots=True)
class Renamed(Event):
    """Your own name changed; the room sees a ``nick`` presence event."""

    kind: ClassVar[str] = "renamed"
    name: str
    old: str


@dataclass(frozen=True, slots=True)
class RoomInfo(Event):
    """The answer to ``look``, also sent on entering a room."""

    kind: ClassVar[str] = "room"
    room: str
    topic: str
    owner: str | None
    members: tuple[str, ...]
    #: In a crowded room ``members`` holds only the first names; this is how many there are.
    total: int | None = None
    #: Which of ``members`` are the room's operators (the owner is not among them).
    operators: tuple[str, ...] = ()
    #: Which of ``members`` are server operators, who outrank every room role.
    server_operators: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UserEntry:
    name: str
    room: str


@dataclass(frozen=True, slots=True)
class Who(Event):
    kind: ClassVar[str] = "who"
    users: tuple[UserEntry, ...]


@dataclass(frozen=True, slots=True)
class WhoIs(Event):
    kind: ClassVar[str] = "whois"
    name: str
    room: str
    connected: float
    idle: float


@dataclass(frozen=True, slots=True)
class RoomEntry:
    name: str
    members: int
    topic: str
    owner: str | None


@dataclass(frozen=True, slots=True)
class Rooms(Event):
    kind: ClassVar[str] = "rooms"
    rooms: tuple[RoomEntry, ...]


@dataclass(frozen=True, slots=True)
class CommandHelp:
    name: str
    usage: str
    summary: str
    aliases: tuple[str, ...] = ()
    details: str = ""


@dataclass(frozen=True, slots=True)
class Help(Event):
    """The commands open now; with ``detailed`` set, one command in full."""

    kind: ClassVar[str] = "help"
    commands: tuple[CommandHelp, ...]
    detailed: bool = False


@dataclass(frozen=True, slots=True)
class FormatChanged(Event):
    kind: ClassVar[str] = "format"
    format: str


@dataclass(frozen=True, slots=True)
class Encoding(Event):
    """
    The connection's character encoding: shown, set, or ``guessed`` from a
    line that was not valid in the old one; ``choices`` lists the others.
    """

    kind: ClassVar[str] = "encoding"
    encoding: str
    guessed: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LanguageChanged(Event):
    """
    The language the server words things in for you (``/lang``): its code and
    its own name; asked without a code, ``choices`` holds every code.
    """

    kind: ClassVar[str] = "language"
    code: str
    name: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Color(Event):
    kind: ClassVar[str] = "color"
    on: bool


@dataclass(frozen=True, slots=True)
class Goodbye(Event):
    """The last line before the server closes the connection."""

    kind: ClassVar[str] = "goodbye"
    text: str
    template: str | None = field(default=None, compare=False, metadata=LOCAL)
    values: dict[str, Any] = field(default_factory=dict, compare=False, metadata=LOCAL)

    @classmethod
    def words(cls, time: float, template: str, /, **values: Any) -> Goodbye:
        """The goodbye ``template`` (a msgid) says, filled with ``values``."""
        return _worded(cls, time, template, values)


@dataclass(frozen=True, slots=True)
class Error(Event):
    """
    A mistake reported (``errors.py``): its stable ``code``, the sentence people
    read (``text``), and the values in that sentence, raw, for programs
    (``args``: a ``flood-warning`` carries ``waiting`` and ``limit``).  ``args``
    leaves the hash alone, so an error hashes as before.
    """

    kind: ClassVar[str] = "error"
    code: str
    text: str
    args: dict[str, object] = field(default_factory=dict, hash=False)
    #: The error's msgid, which ``text`` is in English: never sent.
    template: str | None = field(default=None, compare=False, metadata=LOCAL)


#: Every event class by its ``kind``: what a client reading JSON builds.  (Taken
#: from the module, not ``Event.__subclasses__()``, which also holds the classes
#: that ``slots=True`` replaced.)
KINDS: dict[str, type[Event]] = {
    value.kind: value for value in list(globals().values())
    if isinstance(value, type) and issubclass(value, Event) and value is not Event}
