"""
Keeping order: who may act against whom, the acts, and what they forbid.

Ranks, lowest first: a member, a room's operator, its owner, a server
operator (a registered name given with ``--operator``).  Every act needs a
rank in the room it is done in, and nobody acts against someone of their own
rank or higher.  Sanctions (:mod:`twisted_chat.core.sanctions`) hold against
members only: a room's operators, and the server's, pass every ban and
mute of that room, so an address ban of a classroom's NAT never locks out
its teacher.

The main room is the server's own: everyone is in it on logging in, so its
operators are the server operators and those they make, and what they do
there holds server-wide.  A kick from it is out of the server; a ban or a
mute given there holds in every room (a mute silences private messages too).

Every act is one :class:`~twisted_chat.core.events.Moderation` event for the
rooms it touches, one line in the server's log, and one entry of the audit
trail, kept in the store (``/audit`` reads the last of them).  What a
registered room, a registered name and the server keep across restarts goes
to the store as it changes.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import IntEnum
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any

from twisted.logger import Logger

from twisted_chat.core import errors, events, names
from twisted_chat.core.commands import SWITCH
from twisted_chat.core.durations import parse as parse_duration
from twisted_chat.core.limits import address_key
from twisted_chat.core.quotas import Identity
from twisted_chat.core.rooms import Room, Rules
from twisted_chat.core.sanctions import BAN, MUTE, Sanction, Sanctions, new_id
from twisted_chat.i18n import N_
from twisted_chat.store.values import KeptOrder, KeptRules

if TYPE_CHECKING:
    from twisted_chat.core.chat import Chat
    from twisted_chat.core.users import User

_log = Logger()

#: The longest reason an act may give.
MAX_REASON = 200
#: Bans and mutes one room (or the server) may hold at once, and invitations.
MAX_SANCTIONS = 1000
MAX_INVITED = 500
#: Acts kept in memory for ``/audit`` (all of them are in the store).
AUDIT_KEPT = 1000
DEFAULT_AUDIT = 20
MAX_AUDIT = 200
#: The bounds of the settings that take a number.
MAX_LIMIT = 100_000
MAX_WAIT = 3600.0


#: What looks like an address (or a network) rather than a name: digits, dots, colons, a slash.
_ADDRESS_LIKE = re.compile(r"[0-9a-fA-F.:/]*[.:/][0-9a-fA-F.:/]*")


@dataclass(frozen=True, slots=True)
class Target:
    """
    Whom a ban or mute is given against: ``label`` as kept and listed (a
    name, or an address), the ``marks`` it holds against, the ``user`` if
    online, and what the room is told (``shown``: a name, never an address).
    """

    label: str
    marks: frozenset[Identity]
    shown: str
    user: User | None


class Rank(IntEnum):
    MEMBER = 0
    OPERATOR = 1
    OWNER = 2
    SERVER_OPERATOR = 3


#: What a user put off the server reads last, by the act: without a reason, and with one.
_GOODBYES = {
    "kick": (N_("{by} kicked you out of the server."),
             N_("{by} kicked you out of the server: {reason}")),
    "disconnect": (N_("{by} disconnected you from the server."),
                   N_("{by} disconnected you from the server: {reason}")),
    "ban": (N_("{by} banned you from the server."),
            N_("{by} banned you from the server: {reason}")),
}

_RANK_WORDS = {Rank.MEMBER: N_("a member"), Rank.OPERATOR: N_("an operator"),
               Rank.OWNER: N_("the room's owner"), Rank.SERVER_OPERATOR: N_("a server operator")}

class Moderation:
    """The chat's order: its server operators, the sanctions in force, the audit trail."""

    def __init__(self, chat: Chat, operators: Iterable[str] = (),
                 kept: KeptOrder | None = None) -> None:
        """``operators``: the server operators' registered names' keys."""
        self.chat = chat
        self.operators = frozenset(operators)
        self.kept = kept if kept is not None else KeptOrder()
        self.sanctions = Sanctions()
        for sanction in self.kept.sanctions:
            self.sanctions.add(sanction)
        #: Nobody but operators may log in (``/lock``): for a raid.
        self.locked = False
        self.acts: deque[events.Act] = deque(self.kept.acts, maxlen=AUDIT_KEPT)

    def restore(self, room: Room) -> None:
        """A lasting room (or the main room) comes back with its operators, invites and rules."""
        room.operators |= {("account", account)
                           for account in self.kept.operators.get(room.key, ())}
        room.invited |= {("account", account) for account in self.kept.invites.get(room.key, ())}
        rules = self.kept.rules.get(room.key)
        if rules is not None:
            room.rules = Rules(rules.invite_only, rules.key, rules.limit, rules.slow, rules.quiet)
            if room.rules.off:
                room.rules = None

    # Ranks

    def rank(self, user: User, room: Room) -> Rank:
        if user.account is not None and user.account in self.operators:
            return Rank.SERVER_OPERATOR
        if room.owner is user:
            return Rank.OWNER
        if room.operators and user.role_mark in room.operators:
            return Rank.OPERATOR
        return Rank.MEMBER

    def rank_coming(self, user: User, room: Room) -> Rank:
        """The rank ``user`` will have in ``room`` once in it (its keeper owns it)."""
        if user.account is not None and room.keeper == user.account:
            return max(self.rank(user, room), Rank.OWNER)
        return self.rank(user, room)

    def _rank_of_name(self, key: str, room: Room) -> Rank:
        """The rank a registered name that is not online would have in ``room``."""
        if not self.chat.registered(key):
            return Rank.MEMBER
        if key in self.operators:
            return Rank.SERVER_OPERATOR
        if room.keeper == key:
            return Rank.OWNER
        return Rank.OPERATOR if ("account", key) in room.operators else Rank.MEMBER

    def set_operators(self, operators: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
        """
        The server operators are now ``operators`` (a reload): ranks are read
        as they are needed, so it holds at once.  Who became one, who no longer is.
        """
        new = frozenset(operators)
        granted, revoked = new - self.operators, self.operators - new
        self.operators = new
        return granted, revoked

    def is_server_operator(self, user: User) -> bool:
        return user.account is not None and user.account in self.operators

    def _require(self, user: User, room: Room, needed: Rank) -> Rank:
        rank = self.rank(user, room)
        if rank < needed:
            if needed is Rank.SERVER_OPERATOR:
                raise errors.NotServerOperator()
            raise errors.NotOperator(room.name, owner=needed is Rank.OWNER)
        return rank

    @staticmethod
    def _against(actor: User, rank: Rank, name: str, theirs: Rank) -> None:
        if name == actor.name:
            raise errors.NotYourself()
        if theirs >= rank:
            raise errors.Outranked(name, _RANK_WORDS[theirs])

    # Roles

    def op(self, actor: User, raw_name: str) -> None:
        room = self._room_for_roles(actor)
        mark, name, present = self._role_target(raw_name, room)
        if present is not None and present is actor:
            raise errors.NotYourself()
        rank = self.rank(present, room) if present is not None else self._rank_of_name(
            names.key(name), room)
        if rank >= Rank.OPERATOR:
            raise errors.AlreadyOperator(name, room.name)
        room.operators.add(mark)
        if self._lasts(room) and mark[0] == "account":
            self._store("save_operator", room.key, mark[1])
        self.chat.peers.room_changed(room)
        self._act(actor, room, events.Moderation(self.chat.clock(), "op", room.name, actor.name,
                                                 name), present)

    def deop(self, actor: User, raw_name: str) -> None:
        room = self._room_for_roles(actor)
        mark, name, present = self._role_target(raw_name, room)
        if mark not in room.operators:
            raise errors.NotAnOperator(name, room.name)
        room.operators.discard(mark)
        if self._lasts(room) and mark[0] == "account":
            self._store("forget_operator", room.key, mark[1])
        self.chat.peers.room_changed(room)
        self._act(actor, room, events.Moderation(self.chat.clock(), "deop", room.name, actor.name,
                                                 name), present)

    def _room_for_roles(self, actor: User) -> Room:
        room = self.chat.room_of(actor)
        if room is self.chat.main:
            if not self.is_server_operator(actor):
                raise errors.MainRoomOperators(room.name)
        else:
            self._require(actor, room, Rank.OWNER)
        return room

    def _role_target(self, raw_name: str, room: Room) -> tuple[Identity, str, User | None]:
        """What a role is given to: someone online, or a registered name that is not."""
        try:
            user = self.chat.find_user(raw_name)
        except errors.NoSuchUser:
            name = names.user_name(raw_name)
            if not self.chat.registered(names.key(name)):
                raise
            return ("account", names.key(name)), name, None
        return user.role_mark, user.name, user

    # Putting people out

    def kick(self, actor: User, raw_name: str, reason: str | None) -> None:
        room = self.chat.room_of(actor)
        rank = self._require(actor, room, Rank.OPERATOR)
        target = self.chat.find_user(raw_name)
        if target.room is not room:
            raise errors.NotHere(target.name, room.name)
        self._against(actor, rank, target.name, self.rank(target, room))
        reason = _reason(reason)
        main = room is self.chat.main
        event = events.Moderation(self.chat.clock(), "kick", None if main else room.name,
                                  actor.name, target.name, reason, removed=(target.name,))
        self._act(actor, room, event)
        self._put_out(target, room, main, "kick", actor, reason)

    def disconnect(self, actor: User, raw_name: str, reason: str | None) -> None:
        rank = self._require(actor, self.chat.main, Rank.SERVER_OPERATOR)
        target = self.chat.find_user(raw_name)
        room = self.chat.room_of(target)
        self._against(actor, rank, target.name, self.rank(target, room))
        reason = _reason(reason)
        event = events.Moderation(self.chat.clock(), "disconnect", None, actor.name, target.name,
                                  reason, removed=(target.name,))
        self._act(actor, room, event)
        self._put_out(target, room, True, "disconnect", actor, reason)

    def _put_out(self, user: User, room: Room, server: bool, act: str, actor: User,
                 reason: str | None) -> None:
        """Out of ``room`` to the main room, or (``server``) out of the server, by ``act``."""
        if server:
            plain, why = _GOODBYES[act]
            self.chat.dismiss(user, events.Goodbye.words(
                self.chat.clock(), why if reason else plain, by=actor.name, reason=reason))
        else:
            # The room's event told them, who and why: they land in the main room.
            self.chat.move(user, self.chat.main, told=True)

    # Bans and mutes

    def ban(self, actor: User, raw_target: str, raw_duration: str | None,
            reason: str | None) -> None:
        self._sanction(BAN, actor, raw_target, raw_duration, reason)

    def mute(self, actor: User, raw_target: str, raw_duration: str | None,
             reason: str | None) -> None:
        self._sanction(MUTE, actor, raw_target, raw_duration, reason)

    def _sanction(self, kind: str, actor: User, raw_target: str, raw_duration: str | None,
                  reason: str | None) -> None:
        """A ban (which puts out whom it covers) or a mute, told to the room and to its target."""
        room = self.chat.room_of(actor)
        rank = self._require(actor, room, Rank.OPERATOR)
        scope = self._scope(room)
        target = self._target(actor, rank, raw_target, room)
        duration, reason = _duration_and_reason(raw_duration, reason)
        sanction = self._place(kind, actor, room, target, duration, reason)
        now = sanction.since
        hit = [] if kind == MUTE else [
            user for user in (self.chat.users() if scope is None else list(room.members))
            if self._holds(sanction, user, now)]
        out: dict[Room, list[User]] = {}
        for user in hit:
            out.setdefault(self.chat.room_of(user), []).append(user)
        event = events.Moderation(now, kind, sanction.room_name, actor.name, target.shown,
                                  reason, sanction.until,
                                  removed=tuple(user.name for user in out.pop(room, [])))
        self._act(actor, room, event, target.user)
        for elsewhere, users in out.items():
            self.chat.hub.announce(elsewhere, replace(
                event, removed=tuple(user.name for user in users)))
        for user in hit:
            self._put_out(user, self.chat.room_of(user), scope is None, "ban", actor, reason)

    def unban(self, actor: User, raw_target: str) -> None:
        self._lift(BAN, actor, raw_target)

    def unmute(self, actor: User, raw_target: str) -> None:
        self._lift(MUTE, actor, raw_target)

    def bans(self, actor: User) -> events.Sanctions:
        room = self.chat.room_of(actor)
        self._require(actor, room, Rank.OPERATOR)
        scope = self._scope(room)
        return events.Sanctions(self.chat.clock(), None if scope is None else room.name, tuple(
            events.SanctionEntry(sanction.kind, _listed(sanction), sanction.room_name,
                                 sanction.by, sanction.since, sanction.until, sanction.reason)
            for sanction in self.sanctions.of_room(scope)))

    def _scope(self, room: Room) -> str | None:
        """Where a sanction given in ``room`` holds: the room, or (the main room) the server."""
        return None if room is self.chat.main else room.key

    def _place(self, kind: str, actor: User, room: Room, target: Target,
               duration: float | None, reason: str | None) -> Sanction:
        scope = self._scope(room)
        now = round(self.chat.clock(), 3)
        for old in self.sanctions.of_room(scope):
            if old.kind == kind and old.target == target.label:
                # Given again: the new length and reason replace the old.
                self.sanctions.remove(old)
                self._store("forget_sanction", old.id)
                self.chat.peers.lifted(old)
        if self.sanctions.count(scope) >= MAX_SANCTIONS:
            raise errors.TooManySanctions(room.name, MAX_SANCTIONS, N_("bans and mutes"))
        sanction = Sanction(kind, scope, None if scope is None else room.name, target.label,
                            target.marks, actor.name, now,
                            None if duration is None else now + duration, reason, new_id(),
                            int(self.rank(actor, room)), target.shown)
        self.sanctions.add(sanction)
        if scope is None or self._lasts(room):
            self._store("save_sanction", sanction)
        self.chat.peers.sanctioned(sanction)
        return sanction

    def _holds(self, sanction: Sanction, user: User, now: float) -> bool:
        """Whether ``sanction`` holds against ``user``, wherever they are."""
        if sanction.until is not None and sanction.until <= now:
            return False
        if not any(mark in sanction.marks for mark in user.marks):
            return False
        room = self.chat.main if sanction.room is None else \
            self.chat.find_room(sanction.room_name or "")
        return self.rank_coming(user, room) < sanction.rank

    def _exempt(self, sanction: Sanction, user: User, room: Room) -> bool:
        """It holds against ranks below its giver's (server-wide: ranks in the main room)."""
        return self.rank_coming(user, self.chat.main if sanction.room is None else room) \
            >= sanction.rank

    def _target(self, actor: User, rank: Rank, raw: str, room: Room) -> Target:
        """
        A name; an address (an IPv4 one, or an IPv6 one for its /64); or
        ``@NAME``, that user's address.  The room reads a name, never an
        address: "bob's address", or "an address".
        """
        if raw.startswith("@"):
            if raw == "@":
                raise errors.Usage("ban NAME|ADDRESS|@NAME [DURATION] [REASON...]")
            user = self.chat.find_user(raw[1:])
            self._against(actor, rank, user.name, self.rank(user, room))
            if user.origin is None:
                raise errors.BadAddress(user.name)
            return Target(user.origin, frozenset({("address", user.origin)}),
                          f"{user.name}'s address", user)
        if _ADDRESS_LIKE.fullmatch(raw):
            try:
                address = address_key(ip_address(raw))
            except ValueError:
                raise errors.NotAnAddress(raw) from None
            return Target(address, frozenset({("address", address)}), "an address", None)
        try:
            user = self.chat.find_user(raw)
        except errors.NoSuchUser:
            name = names.user_name(raw)
            key = names.key(name)
            self._against(actor, rank, name, self._rank_of_name(key, room))
            marks = {("name", key)}
            if self.chat.registered(key):
                marks.add(("account", key))
            return Target(name, frozenset(marks), name, None)
        self._against(actor, rank, user.name, self.rank(user, room))
        return Target(user.name, frozenset(mark for mark in user.marks if mark[0] != "address"),
                      user.name, user)

    def _lift(self, kind: str, actor: User, raw: str) -> None:
        room = self.chat.room_of(actor)
        self._require(actor, room, Rank.OPERATOR)
        scope = self._scope(room)
        wanted = _marks_named(raw.lstrip("@"))
        if raw.startswith("@"):
            # @NAME: that user's address, as /ban @NAME took it.
            origin = self.chat.find_user(raw[1:]).origin
            wanted = frozenset({("address", origin)}) if origin is not None else frozenset()
        lifted = [sanction for sanction in self.sanctions.of_room(scope)
                  if sanction.kind == kind and (names_equal(sanction.target, raw)
                                                or wanted & sanction.marks)]
        if not lifted:
            raise errors.NotBanned(raw, N_("banned") if kind == BAN else N_("muted"),
                                   room.name if scope is not None else N_("the server"))
        for sanction in lifted:
            self.sanctions.remove(sanction)
            self._store("forget_sanction", sanction.id)
            self.chat.peers.lifted(sanction)
        action = "unban" if kind == BAN else "unmute"
        self._act(actor, room, events.Moderation(self.chat.clock(), action,
                                                 lifted[0].room_name, actor.name,
                                                 lifted[0].target))

    def expire(self) -> None:
        """Bans and mutes that ran out end, each told to its room (every second)."""
        now = self.chat.clock()
        for sanction in self.sanctions.due(now):
            self._store("forget_sanction", sanction.id)
            # Those it held against hear it too, wherever they are, under the name they
            # have now (each node tells its own: every node ends it).
            holders = [user for user in self.chat.users()
                       if any(mark in sanction.marks for mark in user.marks)]
            shown = sanction.shown or sanction.target
            if len(holders) == 1 and shown == sanction.target:
                shown = holders[0].name
            action = "unban" if sanction.kind == BAN else "unmute"
            event = events.Moderation(round(now, 3), action, sanction.room_name, None, shown,
                                      "expired")
            try:
                room = self.chat.find_room(sanction.room_name) if sanction.room_name \
                    else self.chat.main
            except errors.NoSuchRoom:
                room = None
            self._record(None, event)
            if room is not None:
                self.chat.hub.announce(room, event)
            for holder in holders:
                if holder.room is not room and holder.node is None:
                    self.chat.tell(holder.client, event)

    # Coming in, and speaking

    def admit(self, key: str, account: str | None, origin: str | None) -> None:
        """Whether a login may go ahead: the server's bans, and its lock."""
        rank = Rank.MEMBER
        if account is not None and account in self.operators:
            rank = Rank.SERVER_OPERATOR
        elif account is not None and ("account", account) in self.chat.main.operators:
            rank = Rank.OPERATOR
        if self.locked and rank < Rank.OPERATOR:
            raise errors.ServerLocked()
        marks: list[Identity] = [("name", key)]
        if account is not None:
            marks.append(("account", account))
        if origin is not None:
            marks.append(("address", origin))
        now = self.chat.clock()
        found = self.sanctions.find(BAN, None, marks, now)
        if found is not None and rank < found.rank:
            raise errors.Banned(N_("this server"), found.left(now), found.reason)

    def check_name(self, key: str) -> None:
        """A name the server banned is nobody's to take."""
        if self.sanctions.find(BAN, None, [("name", key)], self.chat.clock()) is not None:
            raise errors.NameBanned(key)

    def may_enter(self, user: User, room: Room, key: str | None) -> None:
        """Raise unless ``user`` may come into ``room`` (operators always may)."""
        if room is self.chat.main:
            return
        now = self.chat.clock()
        marks = user.marks
        banned = self.sanctions.find(BAN, room.key, marks, now)
        if banned is not None and not self._exempt(banned, user, room):
            raise errors.Banned(room.name, banned.left(now), banned.reason)
        if self.rank_coming(user, room) >= Rank.OPERATOR:
            return
        invited = [mark for mark in marks if mark in room.invited]
        if invited:
            # A pass for anyone but a registered name is good once.
            room.invited.difference_update(mark for mark in invited if mark[0] != "account")
            return
        rules = room.rules
        if rules is None:
            return
        if rules.invite_only:
            raise errors.InviteOnly(room.name)
        if rules.key is not None and key != rules.key:
            raise errors.KeyNeeded(room.name, given=key is not None)
        if rules.limit and len(room.members) >= rules.limit:
            raise errors.RoomFull(room.name, rules.limit)

    def may_speak(self, user: User, room: Room, line: bool = True) -> None:
        """
        Raise unless ``user`` may say a ``line`` in ``room`` now (or, not a
        line, set its topic: mutes only); in slow mode, count it.  Only called
        when the room has rules or a mute is in force.
        """
        now = self.chat.clock()
        sanctions = self.sanctions
        if sanctions.mutes:
            muted = sanctions.find(MUTE, None, user.marks, now)
            if muted is not None and not self._exempt(muted, user, room):
                raise errors.Muted(N_("every room"), muted.left(now))
            if room is not self.chat.main:
                muted = sanctions.find(MUTE, room.key, user.marks, now)
                if muted is not None and not self._exempt(muted, user, room):
                    raise errors.Muted(room.name, muted.left(now))
        rules = room.rules
        if not line or rules is None or not (rules.slow or rules.quiet) or \
                self.rank(user, room) >= Rank.OPERATOR:
            return
        if rules.quiet and now - user.since < rules.quiet:
            raise errors.QuietNewcomer(room.name, rules.quiet, user.since + rules.quiet - now)
        if rules.slow:
            last = rules.spoke.get(user)
            if last is not None and now - last < rules.slow:
                raise errors.SlowMode(room.name, rules.slow, last + rules.slow - now)
            rules.spoke[user] = now

    def may_write(self, user: User) -> None:
        """A private message: not from someone muted server-wide."""
        now = self.chat.clock()
        muted = self.sanctions.find(MUTE, None, user.marks, now)
        if muted is not None and not self._exempt(muted, user, self.chat.main):
            raise errors.Muted(N_("every room"), muted.left(now))

    # Invitations and settings

    def invite(self, actor: User, raw_name: str) -> None:
        room = self.chat.room_of(actor)
        if room is self.chat.main:
            raise errors.MainRoomOpen(room.name)
        self._require(actor, room, Rank.OPERATOR)
        if len(room.invited) >= MAX_INVITED:
            raise errors.TooManySanctions(room.name, MAX_INVITED, N_("invitations"))
        try:
            user: User | None = self.chat.find_user(raw_name)
        except errors.NoSuchUser:
            user = None
        if user is not None:
            mark, name = user.role_mark, user.name
        else:
            mark, name, _ = self._role_target(raw_name, room)
        if user is not None and user.room is room:
            raise errors.NotYourself() if user is actor else errors.AlreadyIn(name, room.name)
        room.invited.add(mark)
        if self._lasts(room) and mark[0] == "account":
            self._store("save_invite", room.key, mark[1])
        self.chat.peers.room_changed(room)
        self._act(actor, room, events.Moderation(self.chat.clock(), "invite", room.name,
                                                 actor.name, name), user)

    def settings(self, room: Room) -> events.RoomSettings:
        rules = room.rules or Rules()
        return events.RoomSettings(self.chat.clock(), room.name, rules.invite_only,
                                   rules.key is not None, rules.limit, rules.slow, rules.quiet,
                                   room.keeper is not None)

    def set(self, actor: User, setting: str, raw: str | None) -> None:
        """``/room SETTING VALUE``: one of :data:`SETTINGS`, by an operator."""
        room = self.chat.room_of(actor)
        self._require(actor, room, Rank.OPERATOR)
        usage = SETTINGS[setting]
        if raw is None:
            raise errors.BadSetting(usage)
        if room is self.chat.main and setting not in ("slow", "quiet"):
            raise errors.MainRoomOpen(room.name)
        rules = room.rules or Rules()
        off = raw.lower() == "off"
        if setting == "invite-only":
            if raw.lower() not in SWITCH:
                raise errors.BadSetting(usage)
            rules.invite_only = SWITCH[raw.lower()]
            shown = raw.lower()
        elif setting == "key":
            rules.key = None if off else raw
            shown = "off" if off else "on"
        elif setting == "limit":
            rules.limit = 0 if off else _number(raw, usage, 1, MAX_LIMIT)
            shown = "off" if off else str(rules.limit)
        else:
            wait = 0.0 if off else float(_seconds(raw, usage))
            setattr(rules, setting, wait)
            shown = "off" if off else f"{wait:g}"
        room.rules = None if rules.off else rules
        self.chat.peers.room_changed(room)
        if self._lasts(room):
            self._store("save_rules", room.key, KeptRules(rules.invite_only, rules.key,
                                                          rules.limit, rules.slow, rules.quiet))
        self._act(actor, room, events.Moderation(self.chat.clock(), "setting", room.name,
                                                 actor.name, setting=setting, value=shown))

    # The server's own

    def wall(self, actor: User, text: str) -> None:
        self._require(actor, self.chat.main, Rank.SERVER_OPERATOR)
        event = events.Wall(self.chat.clock(), actor.name, text)
        self._record(actor, events.Moderation(event.time, "wall", None, actor.name,
                                              reason=text))
        for room in self.chat.rooms():
            self.chat.hub.announce(room, event)

    def lock(self, actor: User, on: bool) -> None:
        self._require(actor, self.chat.main, Rank.SERVER_OPERATOR)
        if self.locked == on:
            raise errors.LockUnchanged(on)
        self.locked = on
        self.chat.peers.locked(on)
        event = events.Moderation(self.chat.clock(), "lock" if on else "unlock", None,
                                  actor.name)
        self._record(actor, event)
        for room in self.chat.rooms():
            self.chat.hub.announce(room, event)

    # The audit trail

    def audit(self, actor: User, count: int) -> events.Audit:
        room = self.chat.room_of(actor)
        if self.is_server_operator(actor):
            acts = list(self.acts)
            where = None
        else:
            self._require(actor, room, Rank.OPERATOR)
            scope = self._scope(room)
            acts = [act for act in self.acts if (act.room is None if scope is None else
                                                 act.room is not None
                                                 and names.key(act.room) == room.key)]
            where = room.name
        return events.Audit(self.chat.clock(), where, tuple(acts[-min(count, MAX_AUDIT):]))

    # Rooms coming and going

    def room_registered(self, room: Room) -> None:
        """A room now lasts: what it holds is kept from now on."""
        for mark in room.operators:
            if mark[0] == "account":
                self._store("save_operator", room.key, mark[1])
        for mark in room.invited:
            if mark[0] == "account":
                self._store("save_invite", room.key, mark[1])
        for sanction in self.sanctions.of_room(room.key):
            self._store("save_sanction", sanction)
        if room.rules is not None:
            rules = room.rules
            self._store("save_rules", room.key, KeptRules(rules.invite_only, rules.key,
                                                          rules.limit, rules.slow, rules.quiet))

    def room_gone(self, room: Room) -> None:
        """A room that did not last is gone, and its bans and mutes with it."""
        for sanction in self.sanctions.of_room(room.key):
            self.sanctions.remove(sanction)

    # The mechanics

    def _lasts(self, room: Room) -> bool:
        return room.lasting and self.chat.store is not None

    def _act(self, actor: User, room: Room, event: events.Moderation,
             also: User | None = None) -> None:
        """
        Tell the room, and whoever it touches who is elsewhere (``also``, and
        the actor: every act is confirmed to whoever did it); log; keep.
        """
        self._record(actor, event)
        self.chat.hub.announce(room, event)
        for told in {also, actor} - {None}:
            assert told is not None
            if told.room is not room:
                self.chat.tell(told.client, event)

    def _record(self, actor: User | None, event: events.Moderation) -> None:
        target = event.target if event.setting is None else f"{event.setting} {event.value}"
        act = events.Act(round(event.time, 3), actor.name if actor is not None else None,
                         event.action, target, event.room, event.reason, event.until)
        self.acts.append(act)
        store = self.chat.store
        if store is not None:
            # Kept before anyone is told of it: every write before it is kept too.
            kept = store.record_act(act)
            self.chat.hub.wait_for(kept)
            kept.addErrback(self._store_failed, "record_act")
        _log.info("Moderation: {by} {action} {target} in {room}{reason}",
                  by=act.by or "(expiry)", action=act.action, target=act.target or "",
                  room=act.room or "the server", reason=f": {act.reason}" if act.reason else "")

    def _store(self, method: str, *args: Any) -> None:
        store = self.chat.store
        if store is not None:
            getattr(store, method)(*args).addErrback(self._store_failed, method)

    @staticmethod
    def _store_failed(failure: Any, method: str) -> None:
        _log.failure("Could not keep an act of moderation ({method})", failure, method=method)


#: The settings of ``/room``, each with its usage.
SETTINGS = {
    "invite-only": "invite-only on|off",
    "key": "key KEY|off",
    # What is in brackets is words, translated with the usage error ({usage:word}).
    "limit": N_("limit N|off (N members, 1 to 100000)"),
    "slow": N_("slow SECONDS|off (1 to 3600 seconds, or 2m)"),
    "quiet": N_("quiet SECONDS|off (1 to 3600 seconds, or 2m)"),
}


def _reason(reason: str | None) -> str | None:
    if reason is not None and len(reason) > MAX_REASON:
        raise errors.ReasonTooLong(MAX_REASON)
    return reason


def _duration_and_reason(raw: str | None, reason: str | None) -> tuple[float | None, str | None]:
    """
    ``10m spamming``: a length, then a reason.  A first word with no digit
    begins the reason; one with a digit is meant as a length (``10``,
    ``-5m``, ``400d``), and a wrong one is refused, never read as lasting.
    """
    if raw is None:
        return None, _reason(reason)
    duration = parse_duration(raw)
    if duration is not None:
        return duration, _reason(reason)
    if any(char.isdigit() for char in raw):
        raise errors.BadDuration(raw)
    return None, _reason(f"{raw} {reason}" if reason else raw)


def _number(raw: str, usage: str, lowest: int, highest: int) -> int:
    if not (raw.isascii() and raw.isdigit()) or not lowest <= int(raw) <= highest:
        raise errors.BadSetting(usage)
    return int(raw)


def _seconds(raw: str, usage: str) -> float:
    """``10`` or ``10s``, ``2m``: at most an hour."""
    seconds = float(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 \
        else parse_duration(raw)
    if not seconds or seconds > MAX_WAIT:
        raise errors.BadSetting(usage)
    return seconds


def _marks_named(raw: str) -> frozenset[Identity]:
    """The marks ``raw`` names: an address, or a name (with its account, if it has one)."""
    try:
        return frozenset({("address", address_key(ip_address(raw)))})
    except ValueError:
        pass
    try:
        key = names.key(names.user_name(raw))
    except errors.ChatError:
        return frozenset()
    return frozenset({("name", key), ("account", key)})


def _listed(sanction: Sanction) -> str:
    """A sanction as operators list it: the address, with whose it was, if it was given so."""
    if sanction.shown and sanction.shown != sanction.target and sanction.shown != "an address":
        return f"{sanction.target} ({sanction.shown})"
    return sanction.target


def names_equal(shown: str, raw: str) -> bool:
    return shown == raw or names.key(shown) == names.key(raw.lstrip("@"))
