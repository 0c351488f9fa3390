"""
Users, rooms, and the registry that owns them.

This is the one place that knows who is online and which rooms exist.  It
knows nothing of sockets or reactors (it is tested with plain objects): it
talks to users only through :class:`~twisted_chat.interfaces.IChatClient`,
and it reports every mistake by raising a :class:`~twisted_chat.errors.ChatError`
before changing anything.

Presence is told to the *other* members of a room; the user who moved gets
explicit events of their own (``login``, ``room``, ``renamed``) instead, so a
program can tell "I joined" from "someone joined" without comparing names.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from twisted.logger import Logger

from twisted_chat import errors, events, names
from twisted_chat.interfaces import IChatClient
from twisted_chat.limits import DEFAULTS, Limits, Targets, Window

MAX_TOPIC_LENGTH = 300

#: What a limit of 0 counts with: nothing, and nothing is allocated per user.
_UNLIMITED = Window(0)

_log = Logger()


class User:
    """
    One logged-in user: a name, a client to talk to, and where they are.

    The counters behind the targeted limits are made on first use: most users
    never change their name or write privately.
    """

    __slots__ = ("client", "connected_at", "key", "last_active", "name", "room", "rooms_made",
                 "targets", "windows")

    def __init__(self, name: str, client: IChatClient, connected_at: float) -> None:
        self.name = name
        self.key = names.key(name)
        self.client = client
        self.connected_at = connected_at
        self.last_active = connected_at
        self.room: Room | None = None
        self.rooms_made = 0
        self.windows: dict[str, Window] | None = None
        self.targets: Targets | None = None


class Room:
    """
    A room and its members, in order of arrival.

    ``permanent`` rooms (the main room) never vanish and have no owner; any
    other room goes when its last member leaves.  The owner may change; the
    ``creator`` does not, and counts the room against their limit while it exists.
    """

    __slots__ = ("creator", "key", "members", "name", "owner", "permanent", "topic")

    def __init__(self, name: str, *, topic: str = "", owner: User | None = None,
                 permanent: bool = False) -> None:
        self.name = name
        self.key = names.key(name)
        self.topic = topic
        self.owner = owner
        self.creator = owner
        self.permanent = permanent
        self.members: dict[User, None] = {}


def broadcast(event: events.Event, users: Iterable[User]) -> None:
    """
    Send ``event`` to every user, rendering it once per distinct format.

    One recipient whose client raises must not cost the others their copy.
    """
    rendered: dict[object, bytes] = {}
    for user in users:
        client = user.client
        fmt = client.format
        data = rendered.get(fmt)
        if data is None:
            data = rendered[fmt] = fmt.render(event)
        try:
            client.write(data)
        except Exception:
            _log.failure("Delivery to {name} failed", name=user.name)


class Chat:
    """The users online and the rooms that exist, and every change to them."""

    def __init__(self, *, main_room: str = "lobby", main_topic: str = "",
                 server_name: str = "twisted-chat", motd: str = "",
                 clock: Callable[[], float] = time.time, limits: Limits = DEFAULTS) -> None:
        self.server_name = server_name
        self.limits = limits
        self.motd = motd
        self.clock = clock
        self.main = Room(names.room_name(main_room), topic=main_topic, permanent=True)
        self._users: dict[str, User] = {}
        self._rooms: dict[str, Room] = {self.main.key: self.main}

    # Who and what exists

    def users(self) -> list[User]:
        return sorted(self._users.values(), key=lambda user: user.key)

    def rooms(self) -> list[Room]:
        """The main room first, then the others by name."""
        others = sorted((room for room in self._rooms.values() if room is not self.main),
                        key=lambda room: room.key)
        return [self.main, *others]

    def find_user(self, name: str) -> User:
        user = self._users.get(names.key(name))
        if user is None:
            raise errors.NoSuchUser(name)
        return user

    def room_of(self, user: User) -> Room:
        assert user.room is not None, "a logged-in user is always in a room"
        return user.room

    def find_room(self, name: str) -> Room:
        room = self._rooms.get(names.key(name))
        if room is None:
            raise errors.NoSuchRoom(name)
        return room

    # Arriving and going

    def login(self, client: IChatClient, raw_name: str, connected_at: float) -> User:
        name = names.user_name(raw_name)
        holder = self._users.get(names.key(name))
        if holder is not None:
            raise errors.NameTaken(name, holder.name)
        user = User(name, client, connected_at)
        self._users[user.key] = user
        _log.info("{name} logged in", name=name)
        client.send(events.LoggedIn(self.clock(), name, self.server_name))
        if self.motd:
            client.send(events.Notice(self.clock(), self.motd))
        self._enter(user, self.main, "login")
        return user

    def logout(self, user: User, message: str | None = None) -> None:
        self._leave(user, "logout", message)
        del self._users[user.key]
        _log.info("{name} logged out", name=user.name)

    def drop(self, user: User, reason: str = "connection lost") -> None:
        """The user's connection went away without a goodbye, for ``reason``."""
        self._leave(user, "drop", reason)
        del self._users[user.key]
        _log.info("{name} dropped: {reason}", name=user.name, reason=reason)

    # Moving between rooms

    def join(self, user: User, raw_room: str) -> None:
        room = self.find_room(raw_room)
        if room is user.room:
            raise errors.AlreadyThere(room.name)
        joins = self._window(user, "join", self.limits.join_rate, "changing rooms")
        self._move(user, room)
        joins.record(self.clock())

    def create(self, user: User, raw_room: str) -> None:
        name = names.room_name(raw_room)
        if names.key(name) in self._rooms:
            raise errors.RoomExists(name)
        limits = self.limits
        if limits.max_rooms and len(self._rooms) >= limits.max_rooms:
            raise errors.TooManyRooms(limits.max_rooms)
        if limits.rooms_per_user and user.rooms_made >= limits.rooms_per_user:
            raise errors.TooManyOwnRooms(limits.rooms_per_user)
        creations = self._window(user, "create", limits.create_rate, "creating rooms")
        creations.record(self.clock())
        room = Room(name, owner=user)
        user.rooms_made += 1
        self._rooms[room.key] = room
        _log.info("{name} created room {room}", name=user.name, room=name)
        self._move(user, room)

    def leave(self, user: User) -> None:
        """Back to the main room."""
        if user.room is self.main:
            raise errors.AlreadyThere(self.main.name)
        self._move(user, self.main)

    # Changing things

    def rename(self, user: User, raw_name: str) -> None:
        name = names.user_name(raw_name)
        new_key = names.key(name)
        holder = self._users.get(new_key)
        if holder is not None and holder is not user:
            raise errors.NameTaken(name, holder.name)
        self._window(user, "nick", self.limits.nick_rate, "changing your name").record(
            self.clock())
        old = user.name
        del self._users[user.key]
        user.name, user.key = name, new_key
        self._users[new_key] = user
        _log.info("{old} is now {name}", old=old, name=name)
        user.client.send(events.Renamed(self.clock(), name, old))
        room = self.room_of(user)
        broadcast(events.Presence(self.clock(), "nick", room.name, name, old_name=old),
                  self._others(room, user))

    def set_topic(self, user: User, topic: str) -> None:
        room = self.room_of(user)
        if room.permanent:
            raise errors.MainRoomTopic(room.name)
        if room.owner is not user:
            raise errors.NotOwner(room.name)
        if len(topic) > MAX_TOPIC_LENGTH:
            raise errors.TopicTooLong(MAX_TOPIC_LENGTH)
        room.topic = topic
        broadcast(events.Topic(self.clock(), room.name, topic, setter=user.name), room.members)

    # Talking

    def say(self, user: User, text: str) -> None:
        room = self.room_of(user)
        broadcast(events.Chat(self.clock(), room.name, user.name, text), room.members)

    def emote(self, user: User, text: str) -> None:
        room = self.room_of(user)
        broadcast(events.Emote(self.clock(), room.name, user.name, text), room.members)

    def private(self, user: User, raw_target: str, text: str) -> None:
        target = self.find_user(raw_target)
        if self.limits.msg_targets:
            if user.targets is None:
                user.targets = Targets(self.limits.msg_targets)
            now = self.clock()
            wait = user.targets.wait(target.key, now)
            if wait:
                raise errors.TooManyTargets(self.limits.msg_targets, wait)
            user.targets.record(target.key, now)
        event = events.Private(self.clock(), user.name, target.name, text)
        target.client.send(event)
        if target is not user:
            user.client.send(event)

    # Listings

    def room_info(self, room: Room) -> events.RoomInfo:
        return events.RoomInfo(self.clock(), room.name, room.topic,
                               room.owner.name if room.owner else None,
                               tuple(member.name for member in room.members))

    def who(self) -> events.Who:
        return events.Who(self.clock(), tuple(
            events.UserEntry(user.name, self.room_of(user).name) for user in self.users()))

    def whois(self, raw_name: str) -> events.WhoIs:
        user = self.find_user(raw_name)
        now = self.clock()
        return events.WhoIs(now, user.name, self.room_of(user).name,
                            now - user.connected_at, now - user.last_active)

    def room_list(self) -> events.Rooms:
        return events.Rooms(self.clock(), tuple(
            events.RoomEntry(room.name, len(room.members), room.topic,
                             room.owner.name if room.owner else None)
            for room in self.rooms()))

    def touch(self, user: User) -> None:
        """The user did something: they are not idle."""
        user.last_active = self.clock()

    # The mechanics of limits

    def _window(self, user: User, kind: str, limit: int, doing: str) -> Window:
        """The user's counter for ``kind``, after checking that it has room for one more."""
        if not limit:
            return _UNLIMITED
        if user.windows is None:
            user.windows = {}
        window = user.windows.get(kind)
        if window is None:
            window = user.windows[kind] = Window(limit)
        wait = window.wait(self.clock())
        if wait:
            raise errors.RateLimited(doing, limit, wait)
        return window

    # The mechanics of presence

    @staticmethod
    def _others(room: Room, user: User) -> list[User]:
        return [member for member in room.members if member is not user]

    def _move(self, user: User, room: Room) -> None:
        old = self.room_of(user)
        self._leave(user, "part", None, to_room=room.name)
        self._enter(user, room, "join", from_room=old.name)

    def _enter(self, user: User, room: Room, action: str, from_room: str | None = None) -> None:
        broadcast(events.Presence(self.clock(), action, room.name, user.name,
                                  from_room=from_room), room.members)
        room.members[user] = None
        user.room = room
        user.client.send(self.room_info(room))

    def _leave(self, user: User, action: str, reason: str | None,
               to_room: str | None = None) -> None:
        room = self.room_of(user)
        del room.members[user]
        user.room = None
        broadcast(events.Presence(self.clock(), action, room.name, user.name,
                                  to_room=to_room, reason=reason), room.members)
        if not room.members and not room.permanent:
            del self._rooms[room.key]
            if room.creator is not None:
                room.creator.rooms_made -= 1
            _log.info("Room {room} is empty and gone", room=room.name)
        elif room.owner is user:
            room.owner = next(iter(room.members), None)
            if room.owner is not None:
                broadcast(events.Owner(self.clock(), room.name, room.owner.name), room.members)
