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

import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from twisted.logger import Logger

from twisted_chat.core import errors, events, names
from twisted_chat.core.limits import DEFAULTS, Limits, counted_key
from twisted_chat.core.logquota import LogQuota
from twisted_chat.core.quotas import Identity, Quotas, identities
from twisted_chat.hub.outbox import Outbox, Slot
from twisted_chat.hub.recent import Recent
from twisted_chat.interfaces import IChatClient
from twisted_chat.store.sqlite.schema import LastingRoom

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from twisted_chat.store.accounts import Accounts
    from twisted_chat.store.sqlite.store import IStore

MAX_TOPIC_LENGTH = 300
#: The most lines ``history N`` and ``search`` show at once.
MAX_HISTORY = 200
#: What ``history`` shows without a count.
DEFAULT_HISTORY = 20
#: How many names a crowded room's listing and summaries show.
CROWD_NAMES = 20

#: A user with this many lines waiting to be stored is not read until half are.
MAX_UNSTORED = 64
SEARCH_LIMIT = 20
#: The most words a search may hold: each short one is a scan of the room's lines.
MAX_SEARCH_WORDS = 8
#: Searches from one address at once: the few the search thread runs at a
#: time are not all one address's.
SEARCHES_AT_ONCE = 2

_log = Logger()

T = TypeVar("T")


class User:
    """
    One logged-in user: a name, a client to talk to, and where they are.

    What the user did lately (the targeted limits) is counted by the chat's
    :class:`~twisted_chat.quotas.Quotas`, under each of :attr:`who`, so that
    it outlives the connection.
    """

    __slots__ = ("account", "address", "client", "connected_at", "connection", "key",
                 "last_active", "name", "room", "unstored")

    def __init__(self, name: str, client: IChatClient, connected_at: float,
                 account: str | None = None, address: str | None = None) -> None:
        self.name = name
        self.key = names.key(name)
        #: The registered name this user proved with its password, if any.
        self.account = account
        #: The address the limits count the user under (None: exempt, or a local socket).
        self.address = address
        #: Lines said and not yet stored: past a limit, their sender is not read.
        self.unstored = 0
        self.client = client
        self.connected_at = connected_at
        self.last_active = connected_at
        self.room: Room | None = None
        self.connection = identities(self.key, None, None)[0][1]

    @property
    def who(self) -> tuple[Identity, ...]:
        """The identities the limits count this user under, now."""
        return identities(self.key, self.account, self.address, self.connection)


class Room:
    """
    A room and its members, in order of arrival.

    ``permanent`` rooms (the main room) never vanish and have no owner; any
    other room goes when its last member leaves.  The owner may change; who
    made it does not, and the room counts against them while it exists, and
    against its keeper's registered name while it lasts.
    """

    __slots__ = ("_audience", "arrived", "departed", "keeper", "key", "made_by", "members", "name",
                 "owner", "permanent", "recent", "said", "topic")

    def __init__(self, name: str, *, topic: str = "", owner: User | None = None,
                 permanent: bool = False, keeper: str | None = None) -> None:
        self.name = name
        self.key = names.key(name)
        self.topic = topic
        self.owner = owner
        #: Who made it, as the limits count them: it counts against each while it exists.
        self.made_by = frozenset(owner.who if owner is not None else ())
        self.permanent = permanent
        #: The account that registered the room: it lasts, and they own it when present.
        self.keeper = keeper
        self.members: dict[User, None] = {}
        self._audience: list[User] | None = None
        #: In a crowded room, who came and went since the last summary.
        self.arrived: list[str] = []
        self.departed: list[str] = []
        #: How many lines have been said here: each line's place, for :class:`Recent`.
        self.said = 0
        #: Its last lines, once read from the store (with one, and a replay).
        self.recent: Recent | None = None

    def audience(self) -> list[User]:
        """
        The members now, as a list that stays the same object until someone
        comes or goes: lines said between two arrivals share it, and so are
        delivered together (:func:`broadcast_runs`).
        """
        if self._audience is None:
            self._audience = list(self.members)
        return self._audience

    def add(self, user: User) -> None:
        self.members[user] = None
        self._audience = None

    def remove(self, user: User) -> None:
        del self.members[user]
        self._audience = None

    @property
    def lasting(self) -> bool:
        return self.permanent or self.keeper is not None


def broadcast(event: events.Event, users: Iterable[User]) -> None:
    """
    Send ``event`` to every user, rendering it once per distinct format.

    One recipient whose client raises must not cost the others their copy.
    """
    _deliver((event,), users)


def broadcast_runs(deliveries: list[tuple[events.Event, list[User]]]) -> None:
    """
    Several broadcasts in a row, as one: lines in a row to the same audience
    are joined, once per format, and each member gets one write for all of them.
    """
    for _, run in itertools.groupby(deliveries, key=lambda delivery: id(delivery[1])):
        batch = list(run)
        _deliver([event for event, _ in batch], batch[0][1])


def _deliver(run: Sequence[events.Event], users: Iterable[User]) -> None:
    rendered: dict[int, bytes] = {}
    for user in users:
        client = user.client
        fmt = client.format
        # By identity: formats are shared (formats.build), so this is one per format.
        data = rendered.get(id(fmt))
        if data is None:
            data = rendered[id(fmt)] = b"".join([fmt.render(event) for event in run])
        try:
            client.write(data)
        except Exception:
            _log.failure("Delivery to {name} failed", name=user.name)


class Chat:
    """The users online and the rooms that exist, and every change to them."""

    def __init__(self, *, main_room: str = "lobby", main_topic: str = "",
                 server_name: str = "twisted-chat", motd: str = "",
                 clock: Callable[[], float] = time.time, limits: Limits = DEFAULTS,
                 store: IStore | None = None, replay: int = 0,
                 accounts: Accounts | None = None, lasting: Iterable[LastingRoom] = (),
                 schedule: Callable[[Callable[[], None]], object] | None = None,
                 log: LogQuota | None = None) -> None:
        """
        ``schedule`` runs a callable on the reactor's next pass: lines stored
        in one pass then go out together (see :class:`Outbox`).  ``log`` is
        where users' comings and goings are logged (default: every one).
        """
        self.server_name = server_name
        self.limits = limits
        self.motd = motd
        self.clock = clock
        #: Where history is kept (None: nowhere), and how much of it a newcomer sees.
        self.store = store
        self.replay = replay
        self.accounts = accounts
        self.schedule = schedule
        self.log = log if log is not None else LogQuota()
        self.outbox = Outbox(batches={broadcast: broadcast_runs}, schedule=schedule, clock=clock)
        self.quotas = Quotas(limits, clock)
        #: Searches under way, by address.
        self._searching: dict[str, int] = {}
        #: The server is stopping: everyone is told goodbye, and not of each other's going.
        self.stopping = False
        self.main = Room(names.room_name(main_room), topic=main_topic, permanent=True)
        self._users: dict[str, User] = {}
        self._rooms: dict[str, Room] = {}
        #: Who and which room has each of the forms names look like (names.lookalikes).
        self._userForms: dict[str, User] = {}
        self._roomForms: dict[str, Room] = {}
        self._addRoom(self.main)
        for kept in lasting:
            room = Room(kept.name, topic=kept.topic, keeper=kept.keeper)
            if room.key not in self._rooms:
                self._addRoom(room)

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

    def login(self, client: IChatClient, raw_name: str, connected_at: float,
              account: str | None = None) -> User:
        """Log in as ``raw_name``; a registered name needs its ``account`` proved first."""
        name = self.check_free(raw_name)
        if self.registered(names.key(name)) and account != names.key(name):
            raise errors.PasswordRequired(name)
        user = User(name, client, connected_at, account, self.address_of(client))
        self._addUser(user)
        self.log.info("logins", "{name} logged in from {address}", name=name,
                  address=client.address or "a local socket")
        self.tell(client, events.LoggedIn(self.clock(), name, self.server_name))
        if self.motd:
            self.tell(client, events.Notice(self.clock(), self.motd))
        self._enter(user, self.main, "login")
        return user

    def check_free(self, raw_name: str, user: User | None = None) -> str:
        """
        The valid name ``raw_name`` reads as, if nobody online (but ``user``)
        has it or one that looks like it, and it does not look like a
        registered name it is not.
        """
        name = names.user_name(raw_name)
        holder = self._users.get(names.key(name))
        if holder is not None and holder is not user:
            raise errors.NameTaken(name, holder.name)
        for form in names.lookalikes(name):
            holder = self._userForms.get(form)
            if holder is not None and holder is not user:
                raise errors.NameLookalike(name, holder.name)
        registered = self.accounts.lookalike(name) if self.accounts is not None else None
        if registered is not None:
            raise errors.NameLooksRegistered(name, registered)
        return name

    def registered(self, key: str) -> bool:
        return self.accounts is not None and self.accounts.registered(key)

    def address_of(self, client: IChatClient) -> str | None:
        """The address the limits count ``client`` under (None: not counted by address)."""
        return counted_key(client.address, self.limits)

    def sweep(self) -> None:
        """Forget what users did more than a minute ago, and old wrong guesses (every minute)."""
        self.quotas.sweep()
        if self.accounts is not None:
            self.accounts.sweep()

    def logout(self, user: User, message: str | None = None) -> None:
        self._leave(user, "logout", message)
        self._removeUser(user)
        self.log.info("logouts", "{name} logged out", name=user.name)

    def drop(self, user: User, reason: str = "connection lost") -> None:
        """The user's connection went away without a goodbye, for ``reason``."""
        self._leave(user, "drop", reason)
        self._removeUser(user)
        self.log.info("drops", "{name} dropped: {reason}", name=user.name, reason=reason)

    # Moving between rooms

    def join(self, user: User, raw_room: str) -> None:
        room = self.find_room(raw_room)
        if room is user.room:
            raise errors.AlreadyThere(room.name)
        joins = self.quotas.check("join", user.who, self.limits.join_rate, "changing rooms")
        self._move(user, room)
        self.quotas.record(joins)

    def create(self, user: User, raw_room: str) -> None:
        name = names.room_name(raw_room)
        if names.key(name) in self._rooms:
            raise errors.RoomExists(name)
        for form in names.lookalikes(name):
            if form in self._roomForms:
                raise errors.RoomExists(name, self._roomForms[form].name)
        limits = self.limits
        if limits.max_rooms and len(self._rooms) >= limits.max_rooms:
            raise errors.TooManyRooms(limits.max_rooms)
        self._checkRoomsMade(user.who)
        creations = self.quotas.check("create", user.who, limits.create_rate, "creating rooms")
        self.quotas.record(creations)
        room = Room(name, owner=user)
        self._addRoom(room)
        self.log.info("rooms created", "{name} created room {room}", name=user.name, room=name)
        self._move(user, room)

    def leave(self, user: User) -> None:
        """Back to the main room."""
        if user.room is self.main:
            raise errors.AlreadyThere(self.main.name)
        self._move(user, self.main)

    # Changing things

    def rename(self, user: User, raw_name: str) -> None:
        name = self.check_free(raw_name, user)
        new_key = names.key(name)
        if self.registered(new_key) and user.account != new_key:
            raise errors.NameRegistered(name)
        self.quotas.record(self.quotas.check("nick", user.who, self.limits.nick_rate,
                                             "changing your name"))
        old = user.name
        self._removeUser(user)
        user.name, user.key = name, new_key
        self._addUser(user)
        self.log.info("renames", "{old} is now {name}", old=old, name=name)
        self.tell(user.client, events.Renamed(self.clock(), name, old))
        room = self.room_of(user)
        self._broadcast(events.Presence(self.clock(), "nick", room.name, name, old_name=old),
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
        if room.keeper is not None:
            self._keep(room)
        self._broadcast(events.Topic(self.clock(), room.name, topic, setter=user.name),
                        room.members)

    # Talking

    def say(self, user: User, text: str) -> None:
        room = self.room_of(user)
        self._said(user, room, events.Chat(self.clock(), room.name, user.name, text))

    def emote(self, user: User, text: str) -> None:
        room = self.room_of(user)
        self._said(user, room, events.Emote(self.clock(), room.name, user.name, text))

    def _said(self, user: User, room: Room, event: events.Chat | events.Emote) -> None:
        """
        Deliver a line to the room; with a store, only once it is stored, to
        those who were there when it was said and still are.
        """
        if self.store is None:
            self._broadcast(event, room.members)
            return
        slot = self.outbox.hold(self._storedTooLate, user)
        user.unstored += 1
        if user.unstored == MAX_UNSTORED:
            user.client.pauseInput()
        said = room.said
        room.said += 1
        self.store.append(event, room.key).addCallbacks(
            self._stored, self._notStored,
            callbackArgs=(slot, user, event, room, said, room.audience()),
            errbackArgs=(slot, user))

    def _stored(self, id: int, slot: Slot, user: User, event: events.Chat | events.Emote,
                room: Room, said: int, recipients: list[User]) -> None:
        self._unstored(user)
        if slot.expired:
            # Its sender was told it was not stored, so it is not: nobody got it.
            assert self.store is not None
            self.store.forget(id).addErrback(self._storeFailed, "forget a line stored late")
            self.log.info("lines stored late", "A line of {name} was stored after its sender "
                          "was told it could not be, and is forgotten", name=user.name)
            return
        if room.recent is not None:
            room.recent.add(said, events.Line(id, event.time, event.kind, event.sender,
                                              event.text))
        # To everyone who was there when it was said: whatever they did since
        # (left, moved) is told after it, in its place in the output.
        self.outbox.release(slot, broadcast, replace(event, id=id), recipients)

    def _notStored(self, failure: Any, slot: Slot, user: User) -> None:
        self._unstored(user)
        self.outbox.release(slot, user.client.send, self.error(errors.NotStored()))

    def _storedTooLate(self, user: User) -> None:
        """
        A line the store has not taken in time: its sender is told, and the
        rest goes on.  It still counts as waiting to be stored, so a sender
        far ahead of a store that hangs is not read, however long it hangs.
        """
        user.client.send(self.error(errors.NotStored()))

    def error(self, error: errors.ChatError) -> events.Error:
        """The event that tells a user of ``error``."""
        return events.Error(self.clock(), error.code, error.message)

    def expire(self) -> None:
        """Give up waiting on what the store has not answered in time (every so often)."""
        self.outbox.expire()

    @staticmethod
    def _unstored(user: User) -> None:
        user.unstored -= 1
        if user.unstored == MAX_UNSTORED // 2:
            user.client.resumeInput()

    def private(self, user: User, raw_target: str, text: str) -> None:
        target = self.find_user(raw_target)
        self.quotas.reach(user.who, target.key)
        event = events.Private(self.clock(), user.name, target.name, text)
        self.tell(target.client, event)
        if target is not user:
            self.tell(user.client, event)

    # Listings

    def room_info(self, room: Room) -> events.RoomInfo:
        owner = room.owner.name if room.owner else None
        if not self._crowded(room):
            return events.RoomInfo(self.clock(), room.name, room.topic, owner,
                                   tuple(member.name for member in room.members))
        first = itertools.islice(room.members, CROWD_NAMES)
        return events.RoomInfo(self.clock(), room.name, room.topic, owner,
                               tuple(member.name for member in first), len(room.members))

    # Crowds

    def _crowded(self, room: Room) -> bool:
        """Whether the room is too big to be told of each arrival and departure."""
        limit = self.limits.crowd
        return bool(limit) and len(room.members) >= limit

    def tell_crowds(self) -> None:
        """Tell each crowded room who came and went since the last time (every few seconds)."""
        for room in list(self._rooms.values()):
            if not room.arrived and not room.departed:
                continue
            arrived, departed = room.arrived, room.departed
            room.arrived, room.departed = [], []
            self._broadcast(events.Crowd(
                self.clock(), room.name, len(arrived), len(departed),
                tuple(arrived[:CROWD_NAMES]), tuple(departed[:CROWD_NAMES])), room.members)

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

    # Lasting rooms

    def register_room(self, user: User) -> None:
        """The owner, under a registered name, makes their room last across restarts."""
        room = self._lastable(user)
        if room.keeper is not None:
            raise errors.RoomAlreadyRegistered(room.name)
        if user.account != user.key:
            raise errors.NotRegistered(user.name, "registering a room")
        if room.owner is not user:
            raise errors.NotOwner(room.name)
        # A registered name's lasting rooms count toward its limit, however made.
        self._checkRoomsMade([("account", user.key)], besides=room)
        room.keeper = user.account
        self._keep(room)
        self.tell(user.client, events.Notice(
            self.clock(), f"{room.name} is registered: it stays, with its topic, when empty "
                          "and when the server restarts, and it is yours whenever you are in it."))

    def unregister_room(self, user: User) -> None:
        room = self._lastable(user)
        if room.keeper is None:
            raise errors.RoomNotRegistered(room.name)
        if room.keeper != user.account:
            raise errors.NotKeeper(room.name)
        room.keeper = None
        assert self.store is not None
        self.store.forgetRoom(room.key).addErrback(self._storeFailed, "forget a room")
        self.tell(user.client, events.Notice(
            self.clock(), f"{room.name} is no longer registered: it goes when it is empty."))

    def _lastable(self, user: User) -> Room:
        if self.store is None or self.accounts is None:
            raise errors.NoHistory()
        room = self.room_of(user)
        if room is self.main:
            raise errors.MainRoomLasts(room.name)
        return room

    def _keep(self, room: Room) -> None:
        assert self.store is not None and room.keeper is not None
        self.store.saveRoom(room.key, LastingRoom(room.name, room.topic, room.keeper)) \
            .addErrback(self._storeFailed, "keep a room")

    def _storeFailed(self, failure: Any, doing: str) -> None:
        _log.failure("Could not {doing}", failure, doing=doing)

    # History

    def history(self, user: User, count: int) -> None:
        """The user's room's last ``count`` lines, to the user."""
        if self.store is None:
            raise errors.NoHistory()
        room = self.room_of(user)
        self.recall(user, "history", self.store.recent(room.key, min(count, MAX_HISTORY)))

    def search(self, user: User, query: str) -> Deferred[None]:
        """
        Lines of the user's room holding every word of ``query``, to the user:
        at most :data:`MAX_SEARCH_WORDS` words, and ``--search-rate`` searches
        a minute.  Fires once the answer is told.

        A search may take a while (seconds, at worst): its answer holds up
        nobody else's output, as a stored line's does.  It is told when it
        comes, and the searcher's own lines wait for it (the state holds
        them), so that what they do next comes after it.
        """
        if self.store is None:
            raise errors.NoHistory()
        words = list(dict.fromkeys(query.split()))
        if len(words) > MAX_SEARCH_WORDS:
            raise errors.SearchTooManyWords(MAX_SEARCH_WORDS)
        searches = self.quotas.check("search", user.who, self.limits.search_rate, "searching")
        address = user.address
        if address is not None and self._searching.get(address, 0) >= SEARCHES_AT_ONCE:
            raise errors.SearchBusy()
        room = self.room_of(user)
        found = self.store.search(room.key, words, SEARCH_LIMIT)
        self.quotas.record(searches)
        if address is not None:
            self._searching[address] = self._searching.get(address, 0) + 1
            found.addBoth(self._searched, address)

        def answer(lines: list[events.Line]) -> None:
            self.tell(user.client, events.History(self.clock(), room.name, "search",
                                                  tuple(lines), query))

        return found.addCallbacks(answer, self._unavailable, errbackArgs=(user,))

    def _searched(self, result: object, address: str) -> object:
        left = self._searching.pop(address) - 1
        if left:
            self._searching[address] = left
        return result

    def _unavailable(self, failure: Any, user: User) -> None:
        """What the store could not answer: a bound it met (a search too slow) says so."""
        error = failure.value if failure.check(errors.ChatError) else errors.HistoryUnavailable()
        self.tell(user.client, self.error(error))

    def recall(self, user: User, reason: str, lines: Any) -> None:
        """
        Show the user lines being read from the store, in their place in the
        output: a read of the history's last lines is as quick as storing one.
        """
        room = self.room_of(user)
        unavailable = self.error(errors.HistoryUnavailable())
        # A replay that does not come in time is left out; an answer asked for says why.
        slot = self.outbox.hold(None) if reason == "replay" else \
            self.outbox.hold(user.client.send, unavailable)

        def found(result: list[events.Line]) -> None:
            # A replay is for entering the room: pointless once gone from it.
            # An answer that was asked for is sent even so (it names its
            # room), before whatever was asked after it, a /quit included.
            if reason == "replay" and (user.room is not room or not result):
                self.outbox.release(slot)
                return
            self.outbox.release(slot, user.client.send, events.History(
                self.clock(), room.name, reason, tuple(result)))

        def failed(failure: Any) -> None:
            self.outbox.release(slot, user.client.send, unavailable)

        lines.addCallbacks(found, failed)

    # Output, in the order it was decided

    def tell(self, client: IChatClient, event: events.Event) -> None:
        """Send one user an event, after whatever the chat decided before it."""
        self.outbox.call(client.send, event)

    def later(self, action: Callable[[], object]) -> None:
        """Do something to a connection (close it) after the output decided before it."""
        self.outbox.call(action)

    def _broadcast(self, event: events.Event, users: Iterable[User]) -> None:
        if self.outbox.busy:
            # Who gets it is decided now, whoever is in the room when it goes.
            self.outbox.call(broadcast, event, list(users))
        else:
            broadcast(event, users)

    # Who and what exists, with the forms they look like

    def _addUser(self, user: User) -> None:
        self._users[user.key] = user
        _addForms(self._userForms, user.name, user)

    def _removeUser(self, user: User) -> None:
        del self._users[user.key]
        _removeForms(self._userForms, user.name, user)

    def _addRoom(self, room: Room) -> None:
        self._rooms[room.key] = room
        _addForms(self._roomForms, room.name, room)

    def _removeRoom(self, room: Room) -> None:
        del self._rooms[room.key]
        _removeForms(self._roomForms, room.name, room)

    # The mechanics of limits

    def _checkRoomsMade(self, who: Iterable[Identity], besides: Room | None = None) -> None:
        """
        Raise if any of ``who`` has as many rooms as it may: made by it and
        still there, or kept for its registered name (``besides`` not counted).
        """
        limit = self.limits.rooms_per_user
        if not limit:
            return
        for identity in who:
            if identity[0] == "name":
                # Rooms outlast their maker: whoever uses the name next (an
                # unregistered name is anyone's) is not held to them.
                continue
            share = self.quotas.share(identity, limit)
            if share and self._roomsOf(identity, besides) >= share:
                raise errors.TooManyOwnRooms(share, by_address=identity[0] == "address")

    def _roomsOf(self, identity: Identity, besides: Room | None) -> int:
        kind, key = identity
        return sum(1 for room in self._rooms.values() if room is not besides and (
            identity in room.made_by or (kind == "account" and room.keeper == key)))

    # The mechanics of presence

    @staticmethod
    def _others(room: Room, user: User) -> list[User]:
        return [member for member in room.members if member is not user]

    def _move(self, user: User, room: Room) -> None:
        old = self.room_of(user)
        self._leave(user, "part", None, to_room=room.name)
        self._enter(user, room, "join", from_room=old.name)

    def _enter(self, user: User, room: Room, action: str, from_room: str | None = None) -> None:
        if self._crowded(room):
            room.arrived.append(user.name)
        else:
            self._broadcast(events.Presence(self.clock(), action, room.name, user.name,
                                            from_room=from_room), room.members)
        room.add(user)
        user.room = room
        if room.keeper is not None and room.keeper == user.account and room.owner is not user:
            room.owner = user
            if len(room.members) > 1:
                self._broadcast(events.Owner(self.clock(), room.name, user.name),
                                self._others(room, user))
        self.tell(user.client, self.room_info(room))
        if self.store is not None and self.replay:
            self._replay(user, room)

    def _replay(self, user: User, room: Room) -> None:
        """The room's last lines, to a newcomer: read from the store only the first time."""
        if room.recent is None:
            self.recall(user, "replay", self._readRecent(room))
        else:
            # After the lines said before now are stored (or refused), those
            # said since excluded: they reach the newcomer as they are stored.
            self.outbox.call(self._replayRecent, user, room, room.said)

    def _readRecent(self, room: Room) -> Deferred[list[events.Line]]:
        def known(lines: list[events.Line]) -> list[events.Line]:
            # The store answers in order: lines stored after this read was
            # asked for come to Recent.add after this, those before are here.
            if room.recent is None:
                room.recent = Recent(self.replay, lines)
            return lines

        assert self.store is not None
        return self.store.recent(room.key, self.replay).addCallback(known)

    def _replayRecent(self, user: User, room: Room, said: int) -> None:
        assert room.recent is not None
        lines = room.recent.before(said)
        if lines and user.room is room:
            user.client.send(events.History(self.clock(), room.name, "replay", lines))

    def _leave(self, user: User, action: str, reason: str | None,
               to_room: str | None = None) -> None:
        room = self.room_of(user)
        room.remove(user)
        user.room = None
        if self.stopping:
            pass
        elif self._crowded(room):
            room.departed.append(user.name)
        else:
            self._broadcast(events.Presence(self.clock(), action, room.name, user.name,
                                            to_room=to_room, reason=reason), room.members)
        if not room.members and not room.lasting:
            self._removeRoom(room)
            self.log.info("rooms gone", "Room {room} is empty and gone", room=room.name)
        elif room.owner is user:
            room.owner = next(iter(room.members), None)
            if room.owner is not None and not self.stopping:
                self._broadcast(events.Owner(self.clock(), room.name, room.owner.name),
                                room.members)


def _addForms(index: dict[str, T], name: str, holder: T) -> None:
    """``holder`` has the forms ``name`` looks like, unless another had one first."""
    for form in names.lookalikes(name):
        index.setdefault(form, holder)


def _removeForms(index: dict[str, T], name: str, holder: T) -> None:
    for form in names.lookalikes(name):
        if index.get(form) is holder:
            del index[form]
