"""
The chat's rules: who is online, which rooms exist, and every change to them.

This is the one place that decides.  It knows nothing of sockets, reactors or
backends (it is tested with plain objects): it talks to users through the hub
(:class:`~twisted_chat.interfaces.IHub`), which delivers in the order it
decided, and it reports every mistake by raising a
:class:`~twisted_chat.core.errors.ChatError` before changing anything.

Presence is told to the *other* members of a room; the user who moved gets
explicit events of their own (``login``, ``room``, ``renamed``) instead, so a
program can tell "I joined" from "someone joined" without comparing names.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from twisted.logger import Logger

from twisted_chat.core import errors, events, names
from twisted_chat.core.ignoring import Ignoring
from twisted_chat.core.limits import (
    DEFAULTS,
    InForce,
    Limits,
    address_key,
    counted_key,
    in_force,
)
from twisted_chat.core.logquota import LogQuota
from twisted_chat.core.moderation import Moderation, Rank
from twisted_chat.core.peers import Alone
from twisted_chat.core.quotas import Identity, Quotas
from twisted_chat.core.rooms import Room, RoomOrder, Rules
from twisted_chat.core.users import User
from twisted_chat.i18n import N_
from twisted_chat.interfaces import IClient
from twisted_chat.store.values import KeptOrder, LastingRoom

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from twisted_chat.interfaces import IAccounts, IHub, IPeers, IReloader, IStore


MAX_TOPIC_LENGTH = 300
#: The most lines ``history N`` and ``search`` show at once.
MAX_HISTORY = 200
#: What ``history`` shows without a count.
DEFAULT_HISTORY = 20
#: How many names a crowded room's listing and summaries show.
CROWD_NAMES = 20

SEARCH_LIMIT = 20
#: The most words a search may hold: each short one is a scan of the room's lines.
MAX_SEARCH_WORDS = 8
#: Searches from one address at once: the few the search thread runs at a
#: time are not all one address's.
SEARCHES_AT_ONCE = 2

_log = Logger()

T = TypeVar("T")


class Chat:
    """The users online and the rooms that exist, and every change to them."""

    def __init__(self, hub: IHub, *, main_room: str = "lobby", main_topic: str = "",
                 server_name: str = "twisted-chat", motd: str = "",
                 clock: Callable[[], float] = time.time, limits: Limits | InForce = DEFAULTS,
                 store: IStore | None = None, accounts: IAccounts | None = None,
                 lasting: Iterable[LastingRoom] = (), log: LogQuota | None = None,
                 operators: Iterable[str] = (), kept: KeptOrder | None = None,
                 peers: IPeers | None = None) -> None:
        """
        ``hub`` delivers what is decided here; ``store`` keeps history and
        lasting rooms (None: nothing is kept), ``accounts`` the registered
        names.  ``log`` is where users' comings and goings are logged
        (default: every one).  ``operators`` are the server operators'
        registered names' keys; ``kept`` what keeps order, from the store.
        ``peers`` are the other nodes of a cluster (None: this server is alone).
        """
        self.hub = hub
        #: Send one user an event, after whatever the chat decided before it;
        #: do something to a connection (close it) after the output decided
        #: before it.  The hub's own, not a layer over them: every reply passes here.
        self.tell: Callable[[IClient, events.Event], None] = hub.tell
        self.later: Callable[[Callable[[], object]], None] = hub.after
        self.server_name = server_name
        #: The limits in force, which the quotas and the sessions' door read too.
        self.in_force = in_force(limits)
        self.motd = motd
        self.clock = clock
        self.store = store
        self.accounts = accounts
        self.peers: IPeers = peers if peers is not None else Alone()
        self.log = log if log is not None else LogQuota()
        self.quotas = Quotas(self.in_force, clock)
        #: Searches under way, by address.
        self._searching: dict[str, int] = {}
        #: The server is stopping: everyone is told goodbye, and not of each other's going.
        self.stopping = False
        self.main = Room(names.room_name(main_room), topic=main_topic, permanent=True)
        self._users: dict[str, User] = {}
        self._rooms: dict[str, Room] = {}
        #: Who and which room has each of the forms names look like (names.lookalikes).
        self._user_forms: dict[str, User] = {}
        self._room_forms: dict[str, Room] = {}
        self._add_room(self.main)
        for lasts in lasting:
            room = Room(lasts.name, topic=lasts.topic, keeper=lasts.keeper)
            if room.key not in self._rooms:
                self._add_room(room)
        self.moderation = Moderation(self, operators, kept)
        #: What reads the server's options again (``/reload``); None: nothing can.
        self.reloader: IReloader | None = None
        self.ignoring = Ignoring(self, kept.ignores if kept is not None else None)
        for room in self._rooms.values():
            self.moderation.restore(room)

    @property
    def limits(self) -> Limits:
        return self.in_force.limits

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

    def login(self, client: IClient, raw_name: str, connected_at: float,
              account: str | None = None) -> User:
        """Log in as ``raw_name``; a registered name needs its ``account`` proved first."""
        name = self.check_free(raw_name)
        key = names.key(name)
        if self.registered(key) and account != key:
            raise errors.PasswordRequired(name)
        origin = address_key(client.address) if client.address is not None else None
        self.moderation.admit(key, account, origin)
        user = User(name, client, connected_at, account, self.address_of(client), origin)
        self.ignoring.restore(user)
        self._add_user(user)
        self.log.info("logins", "{name} logged in from {address}", name=name,
                  address=client.address or "a local socket")
        self.tell(client, events.LoggedIn(self.clock(), name, self.server_name))
        if self.motd:
            # The operator's own words, in whatever language they wrote them.
            self.tell(client, events.Notice(self.clock(), self.motd))
        self._enter(user, self.main, "login")
        self.peers.came(user)
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
            holder = self._user_forms.get(form)
            if holder is not None and holder is not user:
                raise errors.NameLookalike(name, holder.name)
        registered = self.accounts.lookalike(name) if self.accounts is not None else None
        if registered is not None:
            raise errors.NameLooksRegistered(name, registered)
        return name

    def claim(self, raw_name: str) -> Deferred[None] | None:
        """
        Take the valid name ``raw_name`` reads as on every node, before using
        it: None if there is nobody to ask (a server alone), else a Deferred
        that fails with NameTaken if another node's user has it.
        """
        return self.peers.claim(names.user_name(raw_name))

    def registered(self, key: str) -> bool:
        return self.accounts is not None and self.accounts.registered(key)

    def address_of(self, client: IClient) -> str | None:
        """The address the limits count ``client`` under (None: not counted by address)."""
        return counted_key(client.address, self.limits)

    def sweep(self) -> None:
        """Forget what users did more than a minute ago, and old wrong guesses (every minute)."""
        self.quotas.sweep()
        if self.accounts is not None:
            self.accounts.sweep()

    def logout(self, user: User, message: str | None = None) -> None:
        self._leave(user, "logout", message)
        self._remove_user(user)
        self.peers.went(user, "logout", message, False)
        self.log.info("logouts", "{name} logged out", name=user.name)

    def drop(self, user: User, reason: str = N_("connection lost")) -> None:
        """The user's connection went away without a goodbye, for ``reason``."""
        if self.stopping:
            reason = N_("the server stopped")  # Everyone's connection goes: that is why.
        self._leave(user, "drop", reason)
        self._remove_user(user)
        self.peers.went(user, "drop", reason, False)
        self.log.info("drops", "{name} dropped: {reason}", name=user.name, reason=reason)

    # Moving between rooms

    def join(self, user: User, raw_room: str, key: str | None = None) -> None:
        """Into another room, if its bans, invitations, key and limit let ``user`` in."""
        room = self.find_room(raw_room)
        if room is user.room:
            raise errors.AlreadyThere(room.name)
        joins = self.quotas.check("join", user.who, self.limits.join_rate, N_("changing rooms"))
        self.moderation.may_enter(user, room, key)
        self._move(user, room)
        self.quotas.record(joins)

    def create(self, user: User, raw_room: str) -> None:
        name = names.room_name(raw_room)
        if names.key(name) in self._rooms:
            raise errors.RoomExists(name)
        for form in names.lookalikes(name):
            if form in self._room_forms:
                raise errors.RoomExists(name, self._room_forms[form].name)
        limits = self.limits
        if limits.max_rooms and len(self._rooms) >= limits.max_rooms:
            raise errors.TooManyRooms(limits.max_rooms)
        self._check_rooms_made(user.who)
        creations = self.quotas.check("create", user.who, limits.create_rate, N_("creating rooms"))
        self.quotas.record(creations)
        room = Room(name, owner=user)
        self._add_room(room)
        self.log.info("rooms created", "{name} created room {room}", name=user.name, room=name)
        self._move(user, room)

    def leave(self, user: User) -> None:
        """Back to the main room."""
        if user.room is self.main:
            raise errors.AlreadyThere(self.main.name)
        self._move(user, self.main)

    # Changing things

    def rename(self, user: User, raw_name: str, *, counted: bool = True) -> None:
        """
        ``user`` takes ``raw_name``, announced to their room; ``counted``
        against their rate of renames unless the server renames them (a name
        read again in the right encoding).
        """
        name = self.check_free(raw_name, user)
        if name == user.name:
            # Nothing would change: nobody is told, and no rename is counted.
            raise errors.AlreadyNamed(name)
        new_key = names.key(name)
        if self.registered(new_key) and user.account != new_key:
            raise errors.NameRegistered(name)
        if self.moderation.sanctions:
            self.moderation.check_name(new_key)
        if counted:
            self.quotas.record(self.quotas.check("nick", user.who, self.limits.nick_rate,
                                                 N_("changing your name")))
        old = user.name
        self._remove_user(user)
        user.name, user.key = name, new_key
        self._add_user(user)
        self.peers.renamed(user, old)
        self.log.info("renames", "{old} is now {name}", old=old, name=name)
        # An ignore by name may hold, or no longer, under the new one.
        self.room_of(user).reheard()
        self.tell(user.client, events.Renamed(self.clock(), name, old))
        room = self.room_of(user)
        self.hub.announce(room, events.Presence(self.clock(), "nick", room.name, name,
                                                old_name=old), besides=user)

    def set_topic(self, user: User, topic: str) -> None:
        room = self.room_of(user)
        if room.permanent:
            raise errors.MainRoomTopic(room.name)
        if room.owner is not user and self.moderation.rank(user, room) < Rank.OPERATOR:
            raise errors.NotOwner(room.name)
        if len(topic) > MAX_TOPIC_LENGTH:
            raise errors.TopicTooLong(MAX_TOPIC_LENGTH)
        if self.moderation.sanctions.mutes:
            self.moderation.may_speak(user, room, line=False)
        room.topic = topic
        if room.keeper is not None:
            self._keep(room)
        self.peers.room_changed(room)
        self.hub.announce(room, events.Topic(self.clock(), room.name, topic, setter=user.name))

    def set_main_topic(self, topic: str) -> None:
        """The main room's topic, as the server's options say now: its members are told."""
        if topic != self.main.topic:
            self.main.topic = topic
            self.hub.announce(self.main, events.Topic(self.clock(), self.main.name, topic))

    def reload(self, user: User) -> events.Notice:
        """``/reload`` (server operators): what changed in the config file, applied."""
        if not self.moderation.is_server_operator(user):
            raise errors.NotServerOperator()
        if self.reloader is None:
            raise errors.NoConfigFile()
        return self.reloader.reload(user.name)

    # Talking

    def say(self, user: User, text: str) -> None:
        room = self.room_of(user)
        if room.rules is not None or self.moderation.sanctions.mutes:
            self.moderation.may_speak(user, room)
        self.hub.say(user, room, events.Message(self.clock(), room.name, user.name, text),
                     room.hearers(user))

    def emote(self, user: User, text: str) -> None:
        room = self.room_of(user)
        if room.rules is not None or self.moderation.sanctions.mutes:
            self.moderation.may_speak(user, room)
        self.hub.say(user, room, events.Emote(self.clock(), room.name, user.name, text),
                     room.hearers(user))

    def error(self, error: errors.ChatError) -> events.Error:
        """The event that tells a user of ``error``."""
        return error.event(self.clock())

    def private(self, user: User, raw_target: str, text: str) -> None:
        target = self.find_user(raw_target)
        if self.moderation.sanctions.mutes:
            self.moderation.may_write(user)
        self.quotas.reach(user.who, target.key)
        event = events.Private(self.clock(), user.name, target.name, text)
        if not target.ignores(user):
            # Someone who ignores the sender is not sent it, and the sender is not told.
            self.tell(target.client, event)
        if target is not user:
            self.tell(user.client, event)

    # Listings

    def room_info(self, room: Room) -> events.RoomInfo:
        owner = room.owner.name if room.owner else None
        crowded = self._crowded(room)
        shown = list(itertools.islice(room.members, CROWD_NAMES) if crowded else room.members)
        rank = self.moderation.rank
        operators = tuple(member.name for member in shown
                          if rank(member, room) is Rank.OPERATOR) if room.operators else ()
        staff = tuple(member.name for member in shown if self.moderation.is_server_operator(
            member)) if self.moderation.operators else ()
        return events.RoomInfo(self.clock(), room.name, room.topic, owner,
                               tuple(member.name for member in shown),
                               len(room.members) if crowded else None, operators, staff)

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
            self.hub.announce(room, events.Crowd(
                self.clock(), room.name, len(arrived), len(departed),
                tuple(arrived[:CROWD_NAMES]), tuple(departed[:CROWD_NAMES])))

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
            raise errors.NotRegistered(user.name, N_("registering a room"))
        if room.owner is not user:
            raise errors.NotOwner(room.name)
        # A registered name's lasting rooms count toward its limit, however made.
        self._check_rooms_made([("account", user.key)], besides=room)
        room.keeper = user.account
        self._keep(room)
        self.peers.room_changed(room)
        self.moderation.room_registered(room)
        self.tell(user.client, events.Notice.words(
            self.clock(), N_("{room} is registered: it stays, with its topic, when empty and "
                             "when the server restarts, and it is yours whenever you are in it."),
            room=room.name))

    def unregister_room(self, user: User) -> None:
        room = self._lastable(user)
        if room.keeper is None:
            raise errors.RoomNotRegistered(room.name)
        if room.keeper != user.account:
            raise errors.NotKeeper(room.name)
        room.keeper = None
        self.peers.room_changed(room)
        assert self.store is not None
        self.store.forget_room(room.key).addErrback(self._store_failed, "forget a room")
        self.tell(user.client, events.Notice.words(
            self.clock(), N_("{room} is no longer registered: it goes when it is empty."),
            room=room.name))

    def _lastable(self, user: User) -> Room:
        if self.store is None or self.accounts is None:
            raise errors.NoHistory()
        room = self.room_of(user)
        if room is self.main:
            raise errors.MainRoomLasts(room.name)
        return room

    def _keep(self, room: Room) -> None:
        assert self.store is not None and room.keeper is not None
        self.store.save_room(room.key, LastingRoom(room.name, room.topic, room.keeper)) \
            .addErrback(self._store_failed, "keep a room")

    def _store_failed(self, failure: Any, doing: str) -> None:
        _log.failure("Could not {doing}", failure, doing=doing)

    # History

    def history(self, user: User, count: int) -> None:
        """The user's room's last ``count`` lines, to the user."""
        if self.store is None:
            raise errors.NoHistory()
        room = self.room_of(user)
        self.hub.recall(user, room, "history",
                        self.store.recent(room.key, min(count, MAX_HISTORY)))

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
        searches = self.quotas.check("search", user.who, self.limits.search_rate, N_("searching"))
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
            shown = tuple(line for line in lines if not user.ignores_name(line.sender))
            self.tell(user.client, events.History(self.clock(), room.name, "search",
                                                  shown, query))

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

    # Output, in the order it was decided

    def stop(self) -> None:
        """The server is stopping: everyone is told goodbye, and not of each other's going."""
        self.stopping = True

    # Who and what exists, with the forms they look like

    def _add_user(self, user: User) -> None:
        self._users[user.key] = user
        _add_forms(self._user_forms, user.name, user)

    def _remove_user(self, user: User) -> None:
        del self._users[user.key]
        _remove_forms(self._user_forms, user.name, user)

    def _add_room(self, room: Room) -> None:
        self._rooms[room.key] = room
        _add_forms(self._room_forms, room.name, room)

    def _remove_room(self, room: Room) -> None:
        del self._rooms[room.key]
        _remove_forms(self._room_forms, room.name, room)
        self.moderation.room_gone(room)

    # The mechanics of limits

    def _check_rooms_made(self, who: Iterable[Identity], besides: Room | None = None) -> None:
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
            if share and self._rooms_of(identity, besides) >= share:
                raise errors.TooManyOwnRooms(share, by_address=identity[0] == "address")

    def _rooms_of(self, identity: Identity, besides: Room | None) -> int:
        kind, key = identity
        return sum(1 for room in self._rooms.values() if room is not besides and (
            identity in room.made_by or (kind == "account" and room.keeper == key)))

    def _role(self, user: User, room: Room) -> str | None:
        """What a newcomer's presence says of their rank, so clients mark them at once."""
        if not (room.operators or self.moderation.operators):
            return None
        rank = self.moderation.rank(user, room)
        return {Rank.SERVER_OPERATOR: "server operator", Rank.OPERATOR: "operator"}.get(rank)

    # Putting people out (twisted_chat.core.moderation decides who and when)

    def move(self, user: User, room: Room, *, told: bool = False) -> None:
        """
        ``user`` into ``room``, whatever its rules; ``told``: the room left
        heard why already (a kick), so it hears no departure.  Another
        node's user is moved by their node.
        """
        if user.node is not None:
            self.peers.put_out(user, room.name, None)
            return
        self._move(user, room, told=told)

    def dismiss(self, user: User, goodbye: events.Goodbye) -> None:
        """
        ``user`` is put off the server: their room heard why already; they
        get ``goodbye`` last, and their connection reads no more and closes.
        Another node's user is put off by their node.
        """
        if user.node is not None:
            self.peers.put_out(user, None, goodbye)
            return
        self.tell(user.client, goodbye)
        self._leave(user, "drop", None, told=True)
        self._remove_user(user)
        self.peers.went(user, "drop", None, True)
        self.log.info("drops", "{name} was put off the server", name=user.name)
        user.client.dismiss()

    # The mechanics of presence

    def _move(self, user: User, room: Room, told: bool = False) -> None:
        old = self.room_of(user)
        self._leave(user, "part", None, to_room=room.name, told=told)
        self._enter(user, room, "join", from_room=old.name)
        self.peers.moved(user, old)

    def _enter(self, user: User, room: Room, action: str, from_room: str | None = None,
               mirrored: bool = False) -> None:
        """``mirrored``: a user of another node, whose node decides the rest (owner, replay)."""
        if self._crowded(room):
            room.arrived.append(user.name)
        else:
            self.hub.announce(room, events.Presence(self.clock(), action, room.name, user.name,
                                                    from_room=from_room,
                                                    role=self._role(user, room)))
        room.add(user)
        user.room = room
        user.since = self.clock()
        if mirrored:
            return
        if room.keeper is not None and room.keeper == user.account and room.owner is not user:
            room.owner = user
            if len(room.members) > 1:
                self.hub.announce(room, events.Owner(self.clock(), room.name, user.name),
                                  besides=user)
            self.peers.room_changed(room)
        self.tell(user.client, self.room_info(room))
        self.hub.replay(user, room)

    def _leave(self, user: User, action: str, reason: str | None,
               to_room: str | None = None, told: bool = False, mirrored: bool = False) -> None:
        room = self.room_of(user)
        room.remove(user)
        user.room = None
        if self.stopping or told:
            pass
        elif self._crowded(room):
            room.departed.append(user.name)
        else:
            self.hub.announce(room, events.Presence(self.clock(), action, room.name, user.name,
                                                    to_room=to_room, reason=reason))
        if not room.members and not room.lasting:
            self._remove_room(room)
            self.log.info("rooms gone", "Room {room} is empty and gone", room=room.name)
        elif room.owner is user and mirrored:
            room.owner = None  # Until their node says who has it now.
        elif room.owner is user:
            # To an operator who is there, if one is: the members they keep order for stay so.
            room.owner = next((member for member in room.members if room.operators
                               and member.role_mark in room.operators),
                              next(iter(room.members), None))
            if room.owner is not None and not self.stopping:
                self.hub.announce(room, events.Owner(self.clock(), room.name, room.owner.name))
                self.peers.room_changed(room)

    # Users of other nodes: a cluster's mirror of them (twisted_chat.cluster
    # applies here what their nodes tell; each node decides for its own users)

    def mirror_login(self, user: User, room_name: str, owner: bool = False) -> None:
        """``user`` (``user.node`` is theirs) logged in there, into ``room_name``."""
        self._add_user(user)
        self._enter(user, self._mirrored_room(room_name, user if owner else None), "login",
                    mirrored=True)

    def mirror_move(self, user: User, room_name: str, owner: bool = False) -> None:
        """``user`` went into ``room_name`` (made it, if ``owner`` of a room not known here)."""
        old = self.room_of(user)
        room = self._mirrored_room(room_name, user if owner else None)
        if room is old:
            return
        self._leave(user, "part", None, to_room=room.name, mirrored=True)
        self._enter(user, room, "join", from_room=old.name, mirrored=True)

    def mirror_rename(self, user: User, name: str) -> None:
        old = user.name
        self._remove_user(user)
        user.name, user.key = name, names.key(name)
        self._add_user(user)
        room = self.room_of(user)
        room.reheard()
        self.hub.announce(room, events.Presence(self.clock(), "nick", room.name, name,
                                                old_name=old))

    def mirror_leave(self, user: User, action: str, reason: str | None,
                     told: bool = False) -> None:
        """``user`` logged out of their node, or dropped (their node went away too)."""
        self._leave(user, action, reason, told=told, mirrored=True)
        self._remove_user(user)

    def mirror_room(self, room_name: str, topic: str, owner: str | None,
                    keeper: str | None, order: RoomOrder | None = None) -> None:
        """
        What another node changed of a room: its members here hear of it as
        its own do.  ``order``: its operators, invitations and settings now.
        """
        room = self._rooms.get(names.key(room_name))
        if room is None:
            return
        if order is not None:
            room.operators = set(order.operators)
            room.invited = set(order.invited)
            if order.rules is None:
                room.rules = None
            else:
                rules = room.rules or Rules()
                (rules.invite_only, rules.key, rules.limit, rules.slow,
                 rules.quiet) = order.rules
                room.rules = rules
        if room.permanent:
            return
        if topic != room.topic:
            room.topic = topic
            self.hub.announce(room, events.Topic(self.clock(), room.name, topic))
        holder = self._users.get(names.key(owner)) if owner is not None else None
        if holder is not None and holder.room is room and holder is not room.owner:
            room.owner = holder
            self.hub.announce(room, events.Owner(self.clock(), room.name, holder.name))
        room.keeper = keeper

    def adopt_orphans(self) -> None:
        """
        Rooms whose owner's node went away without saying who has them now:
        every node picks the same member (an operator first, then the first
        name in order) and tells its own members.
        """
        for room in self._rooms.values():
            if room.permanent or room.owner is not None or not room.members:
                continue
            members = sorted(room.members, key=lambda member: member.key)
            room.owner = next((member for member in members
                               if member.role_mark in room.operators), members[0])
            self.hub.announce(room, events.Owner(self.clock(), room.name, room.owner.name))

    def find_user_key(self, key: str) -> User | None:
        """The user online (here or on another node) whose name's key is ``key``."""
        return self._users.get(key)

    def mirrored(self, key: str) -> User | None:
        """The user called ``key`` if they are another node's (None: nobody, or one of ours)."""
        user = self._users.get(key)
        return user if user is not None and user.node is not None else None

    def local(self, key: str) -> User | None:
        """The user called ``key`` if they are connected here."""
        user = self._users.get(key)
        return user if user is not None and user.node is None else None

    def _mirrored_room(self, name: str, owner: User | None) -> Room:
        room = self._rooms.get(names.key(name))
        if room is None:
            room = Room(name, owner=owner)
            self._add_room(room)
        return room


def _add_forms(index: dict[str, T], name: str, holder: T) -> None:
    """``holder`` has the forms ``name`` looks like, unless another had one first."""
    for form in names.lookalikes(name):
        index.setdefault(form, holder)


def _remove_forms(index: dict[str, T], name: str, holder: T) -> None:
    for form in names.lookalikes(name):
        if index.get(form) is holder:
            del index[form]
