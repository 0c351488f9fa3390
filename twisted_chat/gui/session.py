"""
The chat window's logic, without a display: what the user sees and sends.

A :class:`Session` is the listener of a logged-in :class:`ChatClient`.  It
keeps what the window shows besides the log (the room, its topic, its
members and their ranks, the list of rooms), all of it from events, and tells an
:class:`IChatView` what changed.  The Tk window is one view; the tests hold
another.  The session outlives its connection: after a loss, a new client is
attached and the user is taken back to the room they were in, unless an
operator put them out of it (a kick is not undone by the window); a room
gone meanwhile (a new server) is made again if the user owned it.  The
session also knows whether a loss was anyone's doing (:attr:`Session.comes_back`):
a ``/quit``, an operator's act, or the server cutting the user off for
idling or flooding is never undone by an automatic reconnect.

Input: a line starting with ``/`` is a command, sent as typed, so every
command works as on telnet; any other line is chat, sent as ``/say``, so
that a line which happens to be one of the book's command words is still
chat.  A few commands belong to the window itself (``/clear``) or cannot work
in it (``/format``): methods ``local_<command>`` here.

Language: the server says which one it writes to the user in (``/lang``,
asked by the client at each connection); the session then words events in
it too (its :class:`~twisted_chat.gui.words.Words`), and the window re-labels.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from zope.interface import Interface

from twisted_chat.core import events
from twisted_chat.core.commands import SECRET_WORDS
from twisted_chat.core.events import RoomEntry
from twisted_chat.gui.client import ChatClient
from twisted_chat.gui.present import Row, rows
from twisted_chat.gui.ranks import Ranks
from twisted_chat.gui.words import Words
from twisted_chat.i18n import languages

#: Errors the server sends just before it closes the connection: the reason it was lost.
PARTING_ERRORS = frozenset({"excess-flood", "idle-timeout", "telnet-violation"})

#: The commands by which the user leaves.
LEAVING = frozenset({"quit", "logout"})

#: The moderation acts that make someone a room operator (True) or no longer (False).
OPPING = {"op": True, "deop": False}


class IChatView(Interface):
    """What the session asks of a chat window."""

    def show_rows(rows: Sequence[Row]) -> None:
        """Add these lines to the log."""

    def clear_log() -> None:
        """Empty the log."""

    def show_room(room: str, topic: str, name: str) -> None:
        """The user, called ``name``, is in ``room`` with this topic: the title, the topic bar."""

    def show_members(members: Sequence[str], ranks: Mapping[str, str], me: str,
                     more: int) -> None:
        """
        The current room's members, sorted, and the rank of those who hold
        one (``owner``, ``operator``, ``server operator``); in a crowded room
        only the first names are known, and ``more`` others.
        """

    def show_rooms(rooms: Sequence[RoomEntry], current: str) -> None:
        """Every room on the server, sorted, and which one the user is in."""

    def show_lost(message: str) -> None:
        """The connection is gone: say so, stop taking input, offer to reconnect."""

    def show_connected() -> None:
        """Connected and logged in (again): take input."""

    def language_changed() -> None:
        """The session's words changed language: re-label everything shown."""


def _key(name: str) -> str:
    return name.casefold()


class Session:
    """One user's chat, across reconnections."""

    def __init__(self, view: IChatView, clock: Callable[[], float] = time.time,
                 words: Words | None = None) -> None:
        self.view = view
        self.clock = clock
        #: The language events and the window's own words are in (shared with the window).
        self.words = Words() if words is None else words
        self.client: ChatClient | None = None
        self.name = ""
        self.room: str | None = None
        #: The room everyone enters at login, which never goes away.
        self.main: str | None = None
        self.topic = ""
        self.ranks = Ranks()
        self.members: dict[str, str] = {}
        self.rooms: dict[str, RoomEntry] = {}
        #: In a crowded room, how many members there are besides those named.
        self.more = 0
        self._quiet_lists = 0
        self._quiet_looks = 0
        self._goodbye: str | None = None
        self._return_to: str | None = None
        #: Whether the user owned the room they are on their way back to.
        self._return_owned = False
        #: The room whose /join, sent on the way back, the server has not answered yet.
        self._rejoining: str | None = None
        #: Whether the user asked to leave (/quit), was put off the server by an
        #: operator, or was cut off by the server (idling, flooding): no coming back by itself.
        self._leaving = self._put_off = self._cut = False
        #: Whether an operator put the user out of their room (or the server), until they land.
        self._put_out = False
        #: The password the user registered or changed to here, for Reconnect: the
        #: name it is for, and it, once the server answered yes (in this process only).
        self.registered: tuple[str, str] | None = None
        self._pending_password: tuple[str, str] | None = None

    @property
    def connected(self) -> bool:
        return self.client is not None

    @property
    def comes_back(self) -> bool:
        """
        Whether the last connection went by accident (the server vanished, the
        network broke, the server stopped): the window may reconnect by itself.
        """
        return not (self._leaving or self._put_off or self._cut)

    def attach(self, client: ChatClient, server: str | None = None) -> None:
        """
        A logged-in connection: the first, or a new one after the last was
        lost (on ``server``, if that is another than before).
        """
        if client.language is not None:
            self._follow(client.language)
        if self.room is not None:
            _ = self.words._
            self._show(events.Notice(self.clock(), (
                _("Connected again as {name}, on {server}.") if server
                else _("Connected again as {name}.")).format(name=client.name, server=server)))
        self.client = client
        self.name = client.name or self.name
        self._goodbye = None
        self._leaving = self._put_off = self._cut = False
        self._quiet_lists = self._quiet_looks = 0
        # After a reconnect the server puts us in the main room; we go back,
        # unless an operator had just put us out.
        self._return_to = None if self._put_out else self.room
        owner = self.ranks.owner
        self._return_owned = owner is not None and _key(owner) == _key(self.name)
        self._rejoining = None
        self.room, self._put_out = None, False
        self.view.show_connected()
        client.attach(self)

    # What the server says

    def event_received(self, event: events.Event) -> None:
        handle = getattr(self, f"on_{event.kind}", None)
        if handle is None or handle(event) is not False:
            self._show(event)

    def connectionLost(self, reason: str) -> None:
        self.client = None
        # The client's own sentence (N_), translated; a network error's words as they are.
        self.view.show_lost(self._goodbye or self.words._(reason))

    def on_room(self, event: events.RoomInfo) -> bool:
        entered = event.room != self.room
        self.room, self.topic = event.room, event.topic
        self.main = self.main or event.room
        self.members = {_key(name): name for name in event.members}
        self.ranks.entered(event)
        self.more = 0 if event.total is None else event.total - len(event.members)
        self._show_room()
        self._show_members()
        if self._quiet_looks and not entered:
            # The answer to a look the window asked for (a crowd changed), not the user.
            self._quiet_looks -= 1
            return False
        if entered:
            self._put_out = False
            self.refresh_rooms()
            if self._rejoining is not None and _key(self._rejoining) == _key(event.room):
                self._rejoining = None
            back, self._return_to = self._return_to, None
            if back is not None and _key(back) != _key(event.room):
                self._rejoining = back
                self._send(f"/join {back}")
        return True

    def on_crowd(self, event: events.Crowd) -> None:
        """Many came and went at once: the names told, and a fresh look if not all were."""
        if self.room is None or _key(event.room) != _key(self.room):
            return
        for name in event.departed:
            self.members.pop(_key(name), None)
            self.ranks.left(name)
        for name in event.arrived:
            self.members[_key(name)] = name
        self._show_members()
        if event.arrivals > len(event.arrived) or event.departures > len(event.departed) \
                or any(self.ranks.may_be_back(name) for name in event.arrived):
            self._look_quietly()

    def on_presence(self, event: events.Presence) -> None:
        if self.room is None or _key(event.room) != _key(self.room):
            return
        action = event.action
        if action in ("login", "join"):
            self.members[_key(event.name)] = event.name
            if event.role is not None:
                self.ranks.arrived(event.name, event.role)
            elif self.ranks.may_be_back(event.name):
                self._look_quietly()
            self._count(event.room, +1)
            if event.from_room:
                self._count(event.from_room, -1)
        elif action in ("part", "logout", "drop"):
            self.members.pop(_key(event.name), None)
            self.ranks.left(event.name)
            self._count(event.room, -1)
            if event.to_room:
                self._count(event.to_room, +1)
        elif action == "nick" and event.old_name:
            self.members.pop(_key(event.old_name), None)
            self.members[_key(event.name)] = event.name
            self.ranks.renamed(event.old_name, event.name)
        self._show_members()

    def on_renamed(self, event: events.Renamed) -> None:
        self.members.pop(_key(self.name), None)
        self.ranks.renamed(self.name, event.name)
        self.name = event.name
        self.members[_key(event.name)] = event.name
        self._show_room()
        self._show_members()

    def on_owner(self, event: events.Owner) -> None:
        if self.room is not None and _key(event.room) == _key(self.room):
            self.ranks.owner = event.name
            self._show_members()

    def on_moderation(self, event: events.Moderation) -> None:
        """
        An operator's act in this room (or server-wide): ranks change, members
        are put out; if the user is, they are on their way to the main room
        (or off the server), and the window must not bring them back.
        """
        if self.room is None or (event.room is not None and _key(event.room) != _key(self.room)):
            return
        if event.target is not None and event.action in OPPING:
            self.ranks.opped(event.target, OPPING[event.action])
        others = [name for name in event.removed if _key(name) != _key(self.name)]
        for name in others:
            self.members.pop(_key(name), None)
            self.ranks.left(name)
        if others:
            self._count(self.room, -len(others))
            destination = self._put_out_to(event)
            if destination is not None:
                self._count(destination, +len(others))
        if len(others) < len(event.removed):
            # The log shows who and why; the main room (or the goodbye) follows.
            self._put_out = True
            self._return_to = self._rejoining = None
            self._put_off = self._put_out_to(event) is None
        self._show_members()

    def on_topic(self, event: events.Topic) -> None:
        if self.room is not None and _key(event.room) == _key(self.room):
            self.topic = event.topic
            self._show_room()

    def on_rooms(self, event: events.Rooms) -> bool:
        self.rooms = {_key(room.name): room for room in event.rooms}
        self._show_rooms()
        if self._quiet_lists:
            # The answer to a refresh the window asked for, not the user.
            self._quiet_lists -= 1
            return False
        return True

    def on_goodbye(self, event: events.Goodbye) -> None:
        self._goodbye = event.text

    def on_error(self, event: events.Error) -> bool:
        if event.code in PARTING_ERRORS:
            self._goodbye = event.text
            self._cut = True
        # The answer to /register or /password, refused: the old password stands.
        self._pending_password = None
        back, self._rejoining = self._rejoining, None
        if back is not None and event.code == "no-such-room":
            return self._room_gone(back)
        return True

    def _room_gone(self, room: str) -> bool:
        """
        The room the user was in is not on the server now (a new server, or it
        emptied meanwhile): made again if it was theirs, else said, in the main room.
        """
        _ = self.words._
        if self._return_owned:
            self._show(events.Notice(self.clock(), _(
                "The room {room} is not on this server; making it again, as it was yours."
            ).format(room=room)))
            self._send(f"/create {room}")
            return False
        self._error((_("The room {room} you were in is not on this server; you are in "
                       "{current}. Make it with /create {room}.") if self.room else
                     _("The room {room} you were in is not on this server. Make it with "
                       "/create {room}.")).format(room=room, current=self.room))
        return False

    def on_language(self, event: events.LanguageChanged) -> None:
        """The server writes in another language now (``/lang``): so does the window."""
        self._follow(event.code)

    def _follow(self, code: str) -> None:
        language = languages.get(code)
        if language is not self.words.language:
            self.words.language = language
            self.view.language_changed()

    def on_notice(self, event: events.Notice) -> None:
        # The answer to /register or /password, taken: Reconnect logs in with it.
        if self._pending_password is not None:
            self.registered, self._pending_password = self._pending_password, None

    # What the user does

    def submit(self, text: str) -> None:
        """The input line's text: commands as typed, anything else as chat."""
        for line in text.splitlines():
            if not line.strip():
                continue
            self._note_password(line)
            if not line.startswith("/"):
                # A password typed without its slash is a command, as on telnet:
                # never chat for the room to read.
                secret = line.split(maxsplit=1)[0].lower() in SECRET_WORDS
                self._send(f"/{line.lstrip()}" if secret else f"/say {line}")
                continue
            word, _, rest = line[1:].strip().partition(" ")
            if word.lower() in LEAVING:
                self._leaving = True
            local = getattr(self, f"local_{word.lower()}", None)
            if local is not None:
                local(rest.strip())
            else:
                self._send(line)

    def _note_password(self, line: str) -> None:
        """A password the user sets here is kept for Reconnect once the server takes it."""
        words = line.lstrip("/").split()
        if len(words) == 2 and words[0].lower() == "register":
            self._pending_password = (self.name, words[1])
        elif len(words) == 3 and words[0].lower() == "password":
            self._pending_password = (self.name, words[2])

    def join(self, room: str) -> None:
        if self.room is None or _key(room) != _key(self.room):
            self._send(f"/join {room}")

    def look(self) -> None:
        self._send("/look")

    def refresh_rooms(self) -> None:
        """Ask for the room list for the window; one request at a time is enough."""
        if self._quiet_lists == 0 and self._send("/list"):
            self._quiet_lists += 1

    def close(self) -> None:
        """Leave: say goodbye to the server, which then closes the connection."""
        if self.client is not None:
            self._leaving = True
            self.client.send("/quit")
            self.client.close()

    def local_clear(self, rest: str) -> None:
        """Empty the log."""
        self.view.clear_log()

    def local_format(self, rest: str) -> None:
        """The window reads JSON; text would leave it blind."""
        self._error(self.words._("This window always uses the JSON format; /format works on "
                                 "telnet."))

    # Inside

    def _send(self, line: str) -> bool:
        if self.client is None:
            self._error(self.words._("Not connected. Press Reconnect to connect again."))
            return False
        self.client.send(line)
        return True

    def _error(self, text: str) -> None:
        self._show(events.Error(self.clock(), "client", text))

    def _show(self, event: events.Event) -> None:
        self.view.show_rows(rows(event, self.name, self.clock(), self.words.language))

    def _count(self, room: str, change: int) -> None:
        """A member came or went: keep the room list's counts without asking."""
        entry = self.rooms.get(_key(room))
        if entry is None:
            if change > 0:
                self.refresh_rooms()
            return
        members = max(entry.members + change, 0)
        if members or (self.main is not None and _key(room) == _key(self.main)):
            self.rooms[_key(room)] = RoomEntry(entry.name, members, entry.topic, entry.owner)
        else:
            del self.rooms[_key(room)]
        self._show_rooms()

    def _look_quietly(self) -> None:
        """Ask for the room's members for the window, not the log; one look at a time."""
        if self._quiet_looks == 0 and self._send("/look"):
            self._quiet_looks += 1

    def _put_out_to(self, event: events.Moderation) -> str | None:
        """Where those an act puts out go: the main room from another, else off the server."""
        if event.room is None or event.action == "disconnect" or self.main is None \
                or _key(event.room) == _key(self.main):
            return None
        return self.main

    def _show_room(self) -> None:
        if self.room is not None:
            self.view.show_room(self.room, self.topic, self.name)

    def _show_members(self) -> None:
        members = sorted(self.members.values(), key=_key)
        self.view.show_members(members, self.ranks.marks(members), self.name, self.more)

    def _show_rooms(self) -> None:
        rooms = sorted(self.rooms.values(), key=lambda room: _key(room.name))
        self.view.show_rooms(rooms, self.room or "")
