"""
The hub of one node among several: a line is stored in PostgreSQL, which
numbers it in its room, published once on the room's Redis channel, and
delivered on every node (this one too) in the room's order by a
:class:`~twisted_chat.cluster.sequence.Sequence`.

Redis sends a room's channel once to each node listening to it, and a node
listens to the rooms it has members in: a line crosses Redis once per node
that has members in the room, not once per member, and each node fans it
out to its own members, framed once per format.

Everything else (replies, presence, the order of a user's own output) is
:class:`~twisted_chat.hub.local.LocalHub`'s: a node's users are its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from zope.interface import implementer

from twisted_chat.cluster.sequence import Sequence
from twisted_chat.core import errors, events, formats
from twisted_chat.hub.fanout import deliver
from twisted_chat.hub.local import MAX_UNSTORED, LocalHub, unignored
from twisted_chat.hub.outbox import Slot
from twisted_chat.hub.recent import Recent
from twisted_chat.interfaces import IHub

if TYPE_CHECKING:
    from twisted_chat.cluster.link import RedisLink
    from twisted_chat.core.rooms import Room
    from twisted_chat.core.users import User
    from twisted_chat.interfaces import ISequencedStore
    from twisted_chat.store.values import Sequenced, SequencedLine

ROOM_CHANNEL = "chat:room:"

_JSON = formats.build("json")

_log = Logger()


def room_channel(key: str) -> str:
    return ROOM_CHANNEL + key


@dataclass(slots=True)
class _Said:
    """A line, ready to deliver: to ``audience`` (None: the room's hearers of its sender)."""

    line: events.Message | events.Emote
    audience: list[User] | None = None
    #: The slot that holds its sender's later output behind it, if said here.
    slot: Slot | None = None


class _RoomOrder:
    """What the node knows of a room's order while it has members in it."""

    __slots__ = ("delivered", "ready", "recent", "room", "sequence", "start", "started",
                 "waiting")

    def __init__(self, room: Room) -> None:
        self.room = room
        self.sequence: Sequence | None = None
        #: Lines the node says here before its place in the order is known.
        self.started: list[tuple[int, _Said]] = []
        self.recent: Recent | None = None
        #: Lines delivered while the room's last lines are being read (None: no read out).
        self.delivered: list[events.Line] | None = None
        #: Lines whose turn came this pass, delivered together at its end.
        self.ready: list[_Said] = []
        #: The number this node's order of the room began at, once read.
        self.start: int | None = None
        #: Replays waiting for it.
        self.waiting: list[Callable[[int], None]] = []


@implementer(IHub)
class ClusterHub(LocalHub):
    """
    ``link`` reaches Redis; ``node`` names this node on it; ``store`` is the
    database every node shares, which numbers each room's lines.
    """

    def __init__(self, *, store: ISequencedStore, link: RedisLink, node: str,
                 call_later: Callable[[float, Callable[[], None]], Any], **kwargs: Any) -> None:
        super().__init__(store=store, **kwargs)
        self.sequenced = store
        self.link = link
        self.node = node
        self.call_later = call_later
        self._orders: dict[str, _RoomOrder] = {}
        #: Lines stored this pass, by room, to publish together.
        self._to_publish: dict[str, list[list[Any]]] = {}
        self._publishing = False
        #: Rooms with lines ready, delivered at the end of the pass (or the coalescing wait).
        self._ready: dict[str, _RoomOrder] = {}

    # Said here: stored, numbered, published, delivered in the room's order

    def say(self, user: User, room: Room, event: events.Message | events.Emote,
            audience: list[User] | None = None) -> None:
        recipients = room.audience() if audience is None else audience
        self.counters.lines += 1
        order = self._order(room)
        slot = self.outbox.hold(self._stored_too_late, user)
        self._count_unstored(user)
        self.sequenced.append_sequenced(event, room.key).addCallbacks(
            self._numbered, self._not_numbered,
            callbackArgs=(slot, user, event, order, recipients), errbackArgs=(slot, user))

    def _count_unstored(self, user: User) -> None:
        unstored = self._unstored[user] = self._unstored.get(user, 0) + 1
        if unstored == MAX_UNSTORED:
            user.client.pause_input()

    def _numbered(self, stored: Sequenced, slot: Slot, user: User,
                  event: events.Message | events.Emote, order: _RoomOrder,
                  recipients: list[User]) -> None:
        self._no_longer_waiting(user)
        if slot.expired:
            self.sequenced.forget(stored.id).addErrback(self._forget_failed)
            self.log.info("lines stored late", "A line of {name} was stored after its sender "
                          "was told it could not be, and is forgotten", name=user.name)
            return
        # Stored: whatever the room's order makes it wait for, its sender is
        # never told it was not (past the wait, the sender's later output goes on).
        slot.late = None
        line = _with_id(event, stored.id)
        self._publish(order.room.key, stored.seq, line)
        said = _Said(line, recipients, slot)
        if self._orders.get(order.room.key) is not order:
            # Nobody here is in the room now: its order here is no more.
            self._let_go([said])
        elif order.sequence is None:
            order.started.append((stored.seq, said))
        else:
            order.sequence.offer(stored.seq, said)

    def _not_numbered(self, failure: Any, slot: Slot, user: User) -> None:
        self._not_stored(failure, slot, user)

    def _publish(self, key: str, seq: int, line: events.Message | events.Emote) -> None:
        """Published at the end of the reactor's pass: a transaction's lines in one message."""
        self._to_publish.setdefault(key, []).append(
            [seq, line.id, line.time, line.kind, line.sender, line.text])
        if not self._publishing:
            self._publishing = True
            self.call_later(0, self._publish_now)

    def _publish_now(self) -> None:
        self._publishing = False
        batches, self._to_publish = self._to_publish, {}
        for key, lines in batches.items():
            self.link.publish(room_channel(key), json.dumps(
                {"n": self.node, "l": lines}, ensure_ascii=False, separators=(",", ":")),
                droppable=True)

    # Told to a room: what the other nodes do not work out from the facts, they hear

    def announce(self, room: Room, event: events.Event, besides: User | None = None) -> None:
        super().announce(room, event, besides)
        if isinstance(event, events.Wall) or (
                isinstance(event, events.Moderation) and event.by is not None):
            # An act (an expiry, by nobody, every node tells its own).
            self.link.publish(room_channel(room.key), json.dumps(
                {"n": self.node, "a": _JSON.render(event).decode("utf-8").rstrip()},
                ensure_ascii=False, separators=(",", ":")))

    # Heard from other nodes

    def heard(self, key: str, message: str) -> None:
        """A room's lines published by a node (this one's own are delivered already)."""
        order = self._orders.get(key)
        if order is None:
            return
        if not order.room.audience():
            self._forget_room(key)
            return
        data = json.loads(message)
        if data.get("n") == self.node:
            return
        if "a" in data:
            event = formats.read_json(data["a"])
            if event is not None:
                super().announce(order.room, event)
            return
        name = order.room.name
        for seq, id, time, kind, sender, text in data["l"]:
            line = _line(kind, time, name, sender, text, id)
            said = _Said(line)
            if order.sequence is None:
                order.started.append((seq, said))
            else:
                order.sequence.offer(seq, said)

    def reconnected(self) -> None:
        """Redis is back: whatever was published meanwhile is read from the database."""
        for order in list(self._orders.values()):
            if order.sequence is not None:
                order.sequence.catch_up()

    # A room's place in the order, from the first member here to the last

    def _order(self, room: Room) -> _RoomOrder:
        order = self._orders.get(room.key)
        if order is not None and order.room is room:
            return order
        if order is not None:
            self._forget_room(room.key)
        order = self._orders[room.key] = _RoomOrder(room)
        listening = self.link.listen(room_channel(room.key))
        # Asked of the store before anything said here after, so the lines
        # said here come after the number read.
        self.sequenced.last_sequence(room.key).addCallbacks(
            self._started, self._not_started, callbackArgs=(order, listening),
            errbackArgs=(order,))
        return order

    def _started(self, last: int, order: _RoomOrder, listening: Deferred[None]) -> None:
        if self._orders.get(order.room.key) is not order:
            return
        started, order.started = order.started, []
        # Lines said here and stored before a read that was tried again are the room's too.
        first = order.start = min([last + 1, *(seq for seq, said in started
                                                if said.slot is not None)])
        sequence = order.sequence = Sequence(
            first, lambda run: self._deliver(order, run),
            lambda after, limit: self.sequenced.lines_after(order.room.key, after, limit),
            lambda found: _Said(_line(found.line.kind, found.line.time, order.room.name,
                                      found.line.sender, found.line.text, found.line.id)),
            self.call_later)
        for seq, said in sorted(started, key=lambda pair: pair[0]):
            sequence.offer(seq, said)
        # Lines published after the number was read, before Redis heard the room for us.
        listening.addCallback(lambda _: sequence.catch_up())
        waiting, order.waiting = order.waiting, []
        for replay in waiting:
            replay(first)

    def _not_started(self, failure: Any, order: _RoomOrder) -> None:
        _log.warn("Could not read where room {room}'s lines are: {error}; trying again",
                  room=order.room.name, error=failure.getErrorMessage())
        self.call_later(1.0, lambda: self._retry_start(order))

    def _retry_start(self, order: _RoomOrder) -> None:
        if self._orders.get(order.room.key) is order and order.sequence is None:
            self.sequenced.last_sequence(order.room.key).addCallbacks(
                self._started, self._not_started, callbackArgs=(order, succeed(None)),
                errbackArgs=(order,))

    def expire(self) -> None:
        """Also (every half second): stop listening to rooms nobody here is in any more."""
        super().expire()
        for key, order in list(self._orders.items()):
            if not order.room.audience():
                self._forget_room(key)

    def _forget_room(self, key: str) -> None:
        order = self._orders.pop(key, None)
        if order is not None:
            waiting = [said for _, said in order.started] + order.ready
            order.ready = []
            if order.sequence is not None:
                waiting += order.sequence.stop()
            self._let_go(waiting)
        self.link.unlisten(room_channel(key))

    def _let_go(self, waiting: list[_Said]) -> None:
        """Lines said here and stored, whose room nobody here is in now: their senders go on."""
        for said in waiting:
            if said.slot is not None:
                self.outbox.release(said.slot)

    # Delivering

    def _deliver(self, order: _RoomOrder, run: list[_Said]) -> None:
        """
        Lines whose turn came wait for the end of the pass (or ``--coalesce``),
        so that a burst reaches each member in one write, framed once per
        format, as on a server alone (the lines of a commit, of a Redis
        message, of a read back come one by one from the Sequence).
        """
        order.ready.extend(run)
        if not self._ready:
            schedule = self.schedule or (lambda flush: self.call_later(0, flush))
            schedule(self._flush)
        self._ready[order.room.key] = order

    def _flush(self) -> None:
        ready, self._ready = self._ready, {}
        for order in ready.values():
            if order.delivered is not None:
                continue  # A replay is being read: its lines go first (found()).
            run, order.ready = order.ready, []
            if run:
                self._deliver_now(order, run)

    def _deliver_now(self, order: _RoomOrder, run: list[_Said]) -> None:
        """
        A run of the room's lines in order: to each line's audience, lines
        in a row to the same audience framed together; the senders here then
        go on with what they did after.
        """
        room = order.room
        batch: list[events.Event] = []
        audience: list[User] | None = None
        for said in run:
            users = said.audience if said.audience is not None else self._hearers(room, said)
            if users is not audience and batch:
                deliver(batch, audience or ())
                batch = []
            audience = users
            self.counters.deliveries += len(users)
            batch.append(said.line)
            line = said.line
            assert line.id is not None
            kept = events.Line(line.id, line.time, line.kind, line.sender, line.text)
            if order.recent is not None:
                order.recent.add(0, kept)
            elif order.delivered is not None:
                order.delivered.append(kept)
        if batch:
            deliver(batch, audience or ())
        for said in run:
            if said.slot is not None:
                self.outbox.release(said.slot)

    @staticmethod
    def _hearers(room: Room, said: _Said) -> list[User]:
        audience = room.audience()
        if not room.ignorers:
            return audience
        sender = said.line.sender
        return [member for member in audience if not member.ignores_name(sender)]

    # Replay: the room's last lines, from memory once read

    def replay(self, user: User, room: Room) -> None:
        """
        The room's lines numbered below where this node's order of it began:
        those from there on reach the newcomer live (never both, nor neither).
        Read once a room, then kept as they are delivered.
        """
        order = self._order(room)
        if not self.replay_lines:
            return
        slot = self.outbox.hold(None)
        if order.recent is not None:
            self._replay_lines(user, room, order.recent.before(1), slot)
        elif order.start is not None:
            self._read_replay(user, order, slot, order.start)
        else:
            order.waiting.append(lambda start: self._read_replay(user, order, slot, start))

    def _read_replay(self, user: User, order: _RoomOrder, slot: Slot, start: int) -> None:
        room = order.room
        if order.delivered is None:
            order.delivered = []

        def found(lines: list[SequencedLine]) -> None:
            before = [found.line for found in lines if found.seq < start]
            delivered, order.delivered = order.delivered or [], None
            if order.recent is None:
                order.recent = Recent(self.replay_lines, before)
                for line in delivered:
                    order.recent.add(0, line)
            self._replay_lines(user, room, before, slot)
            self._after_replay(order)

        def failed(failure: Any) -> None:
            order.delivered = None
            self.outbox.release(slot, user.client.send,
                                errors.HistoryUnavailable().event(self.clock()))
            self._after_replay(order)

        self.sequenced.lines_after(room.key, max(0, start - 1 - self.replay_lines),
                                   self.replay_lines).addCallbacks(found, failed)

    def _replay_to(self, user: User, room: Room, recent: Recent, slot: Slot) -> None:
        self._replay_lines(user, room, recent.before(1), slot)

    def _after_replay(self, order: _RoomOrder) -> None:
        """The lines held while the replay was read go now, after it."""
        if order.ready and self._orders.get(order.room.key) is order:
            run, order.ready = order.ready, []
            self._deliver_now(order, run)

    def _replay_lines(self, user: User, room: Room, found: Iterable[events.Line],
                      slot: Slot) -> None:
        lines = unignored(user, found)
        if lines and user.room is room:
            self.outbox.release(slot, user.client.send,
                                events.History(self.clock(), room.name, "replay", lines))
        else:
            self.outbox.release(slot)


def _with_id(event: events.Message | events.Emote, id: int) -> events.Message | events.Emote:
    return _line(event.kind, event.time, event.room, event.sender, event.text, id)


def _line(kind: str, time: float, room: str, sender: str, text: str,
          id: int) -> events.Message | events.Emote:
    cls = events.Emote if kind == "emote" else events.Message
    return cls(time, room, sender, text, id)
