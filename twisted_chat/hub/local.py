"""
The hub of one process: what the chat decided goes out in that order, a line
said only once it is stored, to those who were there when it was said.

Everything passes through one :class:`~twisted_chat.hub.outbox.Outbox`: a
line waiting to be stored holds a slot, and whatever is decided after it
(a reply, a presence notice, a close) waits behind it.  When nothing waits,
output goes at once, so a chat without a store pays nothing for the order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from twisted.logger import Logger
from zope.interface import implementer

from twisted_chat.core import errors, events
from twisted_chat.core.logquota import LogQuota
from twisted_chat.hub.fanout import broadcast, broadcast_runs
from twisted_chat.hub.outbox import Outbox, Slot
from twisted_chat.hub.recent import Recent
from twisted_chat.interfaces import IClient, IHub
from twisted_chat.metrics.counters import Counters

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from twisted_chat.core.rooms import Room
    from twisted_chat.core.users import User
    from twisted_chat.interfaces import IStore

#: A user with this many lines waiting to be stored is not read until half are.
MAX_UNSTORED = 64

_log = Logger()


class _RoomLines:
    """What the hub knows of a room's lines, for as long as the room exists."""

    __slots__ = ("recent", "said")

    def __init__(self) -> None:
        #: How many lines have been said there: each line's place, for :class:`Recent`.
        self.said = 0
        #: Its last lines, once read from the store (with the first replay).
        self.recent: Recent | None = None


@implementer(IHub)
class LocalHub:
    """
    ``store`` keeps the lines (None: nowhere, and they go at once);
    ``replay`` is how many of a room's last lines a newcomer sees.
    ``schedule`` runs a callable on the reactor's next pass: lines stored in
    one pass then go out together (see :class:`Outbox`).  ``counters`` are
    added to once per line, per broadcast and per error told (for /metrics).
    """

    def __init__(self, *, store: IStore | None = None, replay: int = 0,
                 clock: Callable[[], float] = time.time,
                 schedule: Callable[[Callable[[], None]], object] | None = None,
                 log: LogQuota | None = None, counters: Counters | None = None) -> None:
        self.store = store
        self.counters = counters if counters is not None else Counters()
        self.replay_lines = replay if store is not None else 0
        self.clock = clock
        self.schedule = schedule
        self.log = log if log is not None else LogQuota()
        self.outbox = Outbox(batches={broadcast: broadcast_runs}, schedule=schedule, clock=clock)
        self._rooms: WeakKeyDictionary[Room, _RoomLines] = WeakKeyDictionary()
        #: Lines said and not yet stored, by sender: past a limit, the sender is not read.
        self._unstored: dict[User, int] = {}

    def unstored(self, user: User) -> int:
        """How many of ``user``'s lines wait to be stored (or to be given up on)."""
        return self._unstored.get(user, 0)

    def _lines(self, room: Room) -> _RoomLines:
        lines = self._rooms.get(room)
        if lines is None:
            lines = self._rooms[room] = _RoomLines()
        return lines

    # Output, in the order it was decided

    def tell(self, client: IClient, event: events.Event) -> None:
        if type(event) is events.Error:
            self.counters.told(event)
        self.outbox.call(client.send, event)

    def after(self, action: Callable[[], object]) -> None:
        self.outbox.call(action)

    def announce(self, room: Room, event: events.Event, besides: User | None = None) -> None:
        audience = room.audience()
        users = audience if besides is None else \
            [member for member in audience if member is not besides]
        self.counters.deliveries += len(users)
        if self.outbox.busy:
            # Who gets it is decided now, whoever is in the room when it goes.
            self.outbox.call(broadcast, event, list(users))
        else:
            broadcast(event, users)

    def expire(self) -> None:
        self.outbox.expire()

    def wait_for(self, stored: Deferred[Any]) -> None:
        slot = self.outbox.hold(None)

        def kept(result: object) -> object:
            self.outbox.release(slot)
            return result

        stored.addBoth(kept)

    # Lines said: stored, then delivered

    def say(self, user: User, room: Room, event: events.Message | events.Emote,
            audience: list[User] | None = None) -> None:
        recipients = room.audience() if audience is None else audience
        self.counters.lines += 1
        if self.store is None:
            self.counters.deliveries += len(recipients)
            if self.outbox.busy:
                self.outbox.call(broadcast, event, recipients)
            else:
                broadcast(event, recipients)
            return
        slot = self.outbox.hold(self._stored_too_late, user)
        unstored = self._unstored[user] = self._unstored.get(user, 0) + 1
        if unstored == MAX_UNSTORED:
            user.client.pause_input()
        lines = self._lines(room)
        said = lines.said
        lines.said += 1
        self.store.append(event, room.key).addCallbacks(
            self._stored, self._not_stored,
            callbackArgs=(slot, user, event, lines, said, recipients),
            errbackArgs=(slot, user))

    def _stored(self, id: int, slot: Slot, user: User, event: events.Message | events.Emote,
                lines: _RoomLines, said: int, recipients: list[User]) -> None:
        self._no_longer_waiting(user)
        if slot.expired:
            # Its sender was told it was not stored, so it is not: nobody got it.
            assert self.store is not None
            self.store.forget(id).addErrback(self._forget_failed)
            self.log.info("lines stored late", "A line of {name} was stored after its sender "
                          "was told it could not be, and is forgotten", name=user.name)
            return
        if lines.recent is not None:
            lines.recent.add(said, events.Line(id, event.time, event.kind, event.sender,
                                               event.text))
        # To everyone who was there when it was said: whatever they did since
        # (left, moved) is told after it, in its place in the output.
        self.counters.deliveries += len(recipients)
        self.outbox.release(slot, broadcast, replace(event, id=id), recipients)

    def _not_stored(self, failure: Any, slot: Slot, user: User) -> None:
        self._no_longer_waiting(user)
        self.outbox.release(slot, user.client.send, errors.NotStored().event(self.clock()))

    def _stored_too_late(self, user: User) -> None:
        """
        A line the store has not taken in time: its sender is told, and the
        rest goes on.  It still counts as waiting to be stored, so a sender
        far ahead of a store that hangs is not read, however long it hangs.
        """
        user.client.send(errors.NotStored().event(self.clock()))

    def _no_longer_waiting(self, user: User) -> None:
        left = self._unstored.pop(user) - 1
        if left:
            self._unstored[user] = left
        if left == MAX_UNSTORED // 2:
            user.client.resume_input()

    @staticmethod
    def _forget_failed(failure: Any) -> None:
        _log.failure("Could not forget a line stored late", failure)

    # Lines read back

    def recall(self, user: User, room: Room, reason: str,
               lines: Deferred[list[events.Line]]) -> None:
        """
        An answer asked for is sent even if the user has left the room since
        (it names its room), before whatever was asked after it, a /quit
        included.  A read of the history's last lines is as quick as storing one.
        """
        unavailable = errors.HistoryUnavailable().event(self.clock())
        slot = self.outbox.hold(user.client.send, unavailable)

        def found(result: list[events.Line]) -> None:
            self.outbox.release(slot, user.client.send, events.History(
                self.clock(), room.name, reason, unignored(user, result)))

        def failed(failure: Any) -> None:
            self.outbox.release(slot, user.client.send, unavailable)

        lines.addCallbacks(found, failed)

    def replay(self, user: User, room: Room) -> None:
        """Read from the store only the first time; kept in the room after."""
        if not self.replay_lines:
            return
        lines = self._lines(room)
        if lines.recent is None:
            self._replay_read(user, room, lines)
        else:
            # After the lines said before now are stored (or refused), those
            # said since excluded: they reach the newcomer as they are stored.
            self.outbox.call(self._replay_recent, user, room, lines.recent, lines.said)

    def _replay_read(self, user: User, room: Room, kept: _RoomLines) -> None:
        """A replay that does not come in time is left out, as it is once they left the room."""
        assert self.store is not None
        slot = self.outbox.hold(None)

        def found(lines: list[events.Line]) -> None:
            # The store answers in order: lines stored after this read was
            # asked for come to Recent.add after this, those before are here.
            if kept.recent is None:
                kept.recent = Recent(self.replay_lines, lines)
            shown = unignored(user, lines)
            if user.room is not room or not shown:
                self.outbox.release(slot)
                return
            self.outbox.release(slot, user.client.send, events.History(
                self.clock(), room.name, "replay", shown))

        def failed(failure: Any) -> None:
            self.outbox.release(slot, user.client.send,
                                errors.HistoryUnavailable().event(self.clock()))

        self.store.recent(room.key, self.replay_lines).addCallbacks(found, failed)

    def _replay_recent(self, user: User, room: Room, recent: Recent, said: int) -> None:
        lines = unignored(user, recent.before(said))
        if lines and user.room is room:
            user.client.send(events.History(self.clock(), room.name, "replay", lines))


def unignored(user: User, lines: Iterable[events.Line]) -> tuple[events.Line, ...]:
    """The lines of the past ``user`` chose to see: not those of someone they ignore."""
    if user.ignoring is None:
        return tuple(lines)
    return tuple(line for line in lines if not user.ignores_name(line.sender))
