"""
The other nodes, over Redis: what this node tells them of its users, what it
mirrors of theirs, whose names are whose, and which nodes are alive.

- **Facts.**  Each change the chat makes to one of this node's users (came,
  moved, renamed, went; a room's topic or owner; a name registered) is one
  message on :data:`FACTS`.  Redis hands every listener the messages in one
  order, and each node applies the others' facts to its mirror of their
  users (:meth:`Chat.mirror_login` and the rest), telling its own members
  of them as the chat would of its own.
- **Names.**  A name, and every form it looks like, is claimed in Redis by a
  script that takes them all or none (:data:`CLAIM`), before login or
  ``/nick``; the claims of a node that dies are freed by whoever sees it die.
- **Life.**  Each node sets its key every :data:`BEAT` seconds, for
  :data:`TTL` seconds.  A node whose key ran out is gone: its users leave
  every room within ``TTL + BEAT`` seconds, their names free again.
- **Coming back.**  Each time Redis is reached (the first time, or after it
  restarted) a node claims its users' names again, tells the others all of
  its users at once (``hello``), asks theirs, and reads the lines it missed.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from zope.interface import implementer

from twisted_chat.cluster.hub import ROOM_CHANNEL
from twisted_chat.cluster.remote import RemoteClient
from twisted_chat.core import errors, events, formats, names
from twisted_chat.core.rooms import RoomOrder
from twisted_chat.core.sanctions import Sanction
from twisted_chat.core.users import User
from twisted_chat.interfaces import IPeers

if TYPE_CHECKING:
    from twisted_chat.cluster.hub import ClusterHub
    from twisted_chat.cluster.link import RedisLink
    from twisted_chat.core.chat import Chat
    from twisted_chat.core.quotas import Identity
    from twisted_chat.core.rooms import Room

FACTS = "chat:facts"
NODE_CHANNEL = "chat:node:"
ALIVE = "chat:alive:"
NAME = "chat:name:"
CLAIMS = "chat:claims:"

#: Seconds between two heartbeats (and two looks at the others').
BEAT = 1.0
#: Seconds a heartbeat lasts: a node silent that long is gone.
TTL = 5.0
#: Seconds a name's claim may take before Redis counts as away.
CLAIM_WAIT = 5.0

#: Take every key (a name's forms) for ARGV[1] (node) as ARGV[2] (the name),
#: or none: the name another node's user has, if one has any of them.
CLAIM = """
local mine = ARGV[1] .. '\\t'
for _, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if holder and string.sub(holder, 1, #mine) ~= mine then
    return string.sub(holder, string.find(holder, '\\t') + 1)
  end
end
for _, key in ipairs(KEYS) do
  redis.call('SET', key, mine .. ARGV[2])
  redis.call('SADD', ARGV[3], key)
end
return false
"""

#: Let go of the keys (a name's forms) that ARGV[1] (node) holds.
RELEASE = """
local mine = ARGV[1] .. '\\t'
for _, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if holder and string.sub(holder, 1, #mine) == mine then
    redis.call('DEL', key)
  end
  redis.call('SREM', ARGV[2], key)
end
return true
"""

#: Make ARGV[1]'s (a node's) claims exactly KEYS (its users' names' forms, the
#: name of each in ARGV[3...]), its set being ARGV[2]: the names it holds and
#: nobody uses any more are let go; those another node's user took meanwhile
#: are returned.
SYNC = """
local mine = ARGV[1] .. '\\t'
local keep, taken = {}, {}
for i, key in ipairs(KEYS) do
  keep[key] = true
  local holder = redis.call('GET', key)
  if holder and string.sub(holder, 1, #mine) ~= mine then
    table.insert(taken, ARGV[i + 2])
  else
    redis.call('SET', key, mine .. ARGV[i + 2])
    redis.call('SADD', ARGV[2], key)
  end
end
for _, key in ipairs(redis.call('SMEMBERS', ARGV[2])) do
  if not keep[key] then
    local holder = redis.call('GET', key)
    if holder and string.sub(holder, 1, #mine) == mine then
      redis.call('DEL', key)
    end
    redis.call('SREM', ARGV[2], key)
  end
end
return taken
"""

#: Node ARGV[1] is gone if its heartbeat KEYS[1] ran out: let go of every name
#: in its set KEYS[2] and tell everyone (ARGV[2], on the facts' channel), in
#: one step, so that a node beating again at that moment is told in order.
GONE = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local mine = ARGV[1] .. '\\t'
for _, key in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local holder = redis.call('GET', key)
  if holder and string.sub(holder, 1, #mine) == mine then
    redis.call('DEL', key)
  end
end
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', 'chat:facts', ARGV[2])
return 1
"""

_JSON = formats.build("json")

_log = Logger()


def _forms(name: str) -> list[str]:
    return sorted({NAME + form for form in names.lookalikes(name) | {names.key(name)}})


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@implementer(IPeers)
class Peers:
    """
    ``node`` is this node's name, unique in the cluster; ``hub`` the node's
    ClusterHub (lines and catching up); the chat is given once it exists.
    """

    def __init__(self, link: RedisLink, hub: ClusterHub, node: str, *,
                 clock: Any, call_later: Callable[[float, Callable[[], None]], Any]) -> None:
        self.link = link
        self.hub = hub
        self.node = node
        self.clock = clock
        self.call_later = call_later
        #: Told apart from an earlier run of the same node (restarted).
        self.incarnation = secrets.token_hex(4)
        self.chat: Chat | None = None
        #: Each other node's users, by key, as mirrored here.
        self._mirrors: dict[str, dict[str, User]] = {}
        #: Each other node heard from, and its incarnation.
        self._nodes: dict[str, str] = {}
        self._judge_after = 0.0
        self._beat: LoopingCall | None = None
        self.stopping = False
        link.on_ready = self._ready
        link.on_message = self._message
        link.on_lost = self._lost

    def start(self, chat: Chat) -> None:
        self.chat = chat
        self.link.listen(FACTS)
        self.link.listen(NODE_CHANNEL + self.node)
        self.link.start()
        self._beat = LoopingCall(self._heartbeat)
        self._beat.clock = self.clock
        self._beat.start(BEAT, now=False)

    def stop(self) -> Deferred[Any]:
        """Going: the others hear at once (not after the heartbeat runs out)."""
        self.stopping = True
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        if self.link.connected:
            self._tell_all({"t": "gone", "node": self.node})
            done = self.link.script(SYNC, [], [self.node, CLAIMS + self.node])
            done.addBoth(lambda _: self.link.call("DEL", ALIVE + self.node))
            done.addBoth(lambda _: self.link.stop())
            return done
        return self.link.stop()

    # IPeers: what the chat decided about this node's users

    def claim(self, name: str) -> Deferred[None] | None:
        if not self.link.connected:
            raise errors.ClusterUnavailable()
        claimed = self.link.script(CLAIM, _forms(name), [self.node, name, CLAIMS + self.node])
        claimed.addTimeout(CLAIM_WAIT, self.clock)

        def taken(holder: str | None) -> None:
            if holder:
                raise errors.NameTaken(name, holder)

        def away(failure: Any) -> None:
            if failure.check(errors.ChatError):
                failure.raiseException()
            raise errors.ClusterUnavailable()

        return claimed.addCallbacks(taken, away)

    def release(self, name: str, keep: str | None = None) -> None:
        """
        Let go of ``name``'s forms but those of ``keep`` (the name taken
        instead), unless one of this node's users has it (two logins of one
        name: the one that lost lets go of nothing).  While Redis is away,
        the next reconnection's SYNC lets go of it.
        """
        if not self.link.connected or (
                self.chat is not None and self.chat.local(names.key(name)) is not None):
            return
        forms = sorted(set(_forms(name)) - set(_forms(keep) if keep else ()))
        if forms:
            self.link.script(RELEASE, forms, [self.node, CLAIMS + self.node]) \
                .addErrback(self._failed, "let go of a name")

    def came(self, user: User) -> None:
        self._tell_all({"t": "in", "u": self._user(user)})

    def moved(self, user: User, old: Room) -> None:
        room = user.room
        assert room is not None
        self._tell_all({"t": "move", "k": user.key, "r": room.name, "o": room.owner is user})

    def renamed(self, user: User, old: str) -> None:
        self._tell_all({"t": "nick", "k": names.key(old), "name": user.name})
        if names.key(old) != user.key:
            self.release(old, keep=user.name)

    def went(self, user: User, action: str, reason: str | None, told: bool) -> None:
        if self.stopping or (self.chat is not None and self.chat.stopping):
            return  # The others hear once that all of this node's users are gone.
        self._tell_all({"t": "out", "k": user.key, "a": action, "why": reason, "told": told})
        self.release(user.name)

    def room_changed(self, room: Room) -> None:
        self._tell_all({"t": "room", "room": self._room(room)})

    def _room(self, room: Room) -> list[Any]:
        rules = room.rules
        return [room.name, room.topic, room.owner.name if room.owner is not None else None,
                room.keeper, [self._mark_out(mark) for mark in room.operators],
                [self._mark_out(mark) for mark in room.invited],
                None if rules is None else [rules.invite_only, rules.key, rules.limit,
                                            rules.slow, rules.quiet]]

    def sanctioned(self, sanction: Sanction) -> None:
        self._tell_all({"t": "sanction", "s": [
            sanction.kind, sanction.room, sanction.room_name, sanction.target,
            [self._mark_out(mark) for mark in sanction.marks], sanction.by, sanction.since,
            sanction.until, sanction.reason, sanction.id, sanction.rank, sanction.shown]})

    def lifted(self, sanction: Sanction) -> None:
        self._tell_all({"t": "lift", "id": sanction.id})

    def locked(self, on: bool) -> None:
        self._tell_all({"t": "lock", "on": on})

    def put_out(self, user: User, room: str | None, goodbye: events.Goodbye | None) -> None:
        if user.node is not None:
            # The goodbye's template and values, so their node words it in their language.
            bye = None if goodbye is None else {
                "text": goodbye.text, "template": goodbye.template, "values": goodbye.values}
            self.link.publish(NODE_CHANNEL + user.node, _dump(
                {"t": "put", "to": user.key, "room": room, "bye": bye}))

    # Marks: a connection's is this node's own, so it goes out with the node's name

    def _mark_out(self, mark: Identity) -> list[str]:
        kind, value = mark
        if kind == "connection" and "/" not in value:
            value = f"{self.node}/{value}"
        return [kind, value]

    def _mark_in(self, mark: list[str]) -> Identity:
        kind, value = mark
        mine = self.node + "/"
        if kind == "connection" and value.startswith(mine):
            value = value[len(mine):]
        return (kind, value)

    def registered(self, key: str, name: str) -> None:
        self._tell_all({"t": "account", "k": key, "name": name})

    # To one user of another node

    def tell(self, node: str, key: str, event: events.Event) -> None:
        """Send ``event`` to the user ``key`` of ``node``, through their node."""
        self.link.publish(NODE_CHANNEL + node, _dump(
            {"t": "tell", "to": key, "e": _JSON.render(event).decode("utf-8").rstrip()}))

    def _tell_all(self, fact: dict[str, Any]) -> None:
        fact["n"] = self.node
        self.link.publish(FACTS, _dump(fact))

    def _user(self, user: User) -> list[Any]:
        room = user.room
        assert room is not None
        return [user.name, user.account, room.name, user.connected_at, user.origin,
                room.owner is user, self._mark_out(("connection", user.connection))[1]]

    # Heard

    def _message(self, channel: str, message: str) -> None:
        if channel.startswith(ROOM_CHANNEL):
            self.hub.heard(channel[len(ROOM_CHANNEL):], message)
            return
        data = json.loads(message)
        if channel == FACTS:
            node = data.get("n")
            if node != self.node:
                getattr(self, "_fact_" + data["t"], self._unknown)(node, data)
        else:
            getattr(self, "_asked_" + data["t"], self._unknown)(None, data)

    def _unknown(self, node: str | None, data: dict[str, Any]) -> None:
        _log.warn("A message of a kind this node does not know: {kind}", kind=data.get("t"))

    def _fact_in(self, node: str, data: dict[str, Any]) -> None:
        self._arrived(node, data["u"], "login")

    def _arrived(self, node: str, fields: list[Any], how: str) -> None:
        assert self.chat is not None
        name, account, room, connected_at, origin, owner, connection = fields
        key = names.key(name)
        stale = self.chat.mirrored(key)
        if stale is not None:
            self._gone_user(stale, "drop", None)
        elif self.chat.local(key) is not None:
            _log.error("Node {node} says {name} is there, but {name} is here", node=node,
                       name=name)
            return
        client = RemoteClient(self)
        user = User(name, client, connected_at, account, None, origin)
        user.node = node
        user.connection = connection
        client.user = user
        self._mirrors.setdefault(node, {})[key] = user
        self._nodes.setdefault(node, "")
        self.chat.mirror_login(user, room, owner)

    def _mirror(self, node: str, key: str) -> User | None:
        return self._mirrors.get(node, {}).get(key)

    def _fact_move(self, node: str, data: dict[str, Any]) -> None:
        user = self._mirror(node, data["k"])
        if user is not None and self.chat is not None:
            self.chat.mirror_move(user, data["r"], data["o"])

    def _fact_nick(self, node: str, data: dict[str, Any]) -> None:
        assert self.chat is not None
        users = self._mirrors.get(node, {})
        user = users.get(data["k"])
        if user is None:
            return
        holder = self.chat.find_user_key(names.key(data["name"]))
        if holder is not None and holder is not user:
            _log.error("Node {node} says {name} is there, but another node's (or this "
                       "one's) user has that name", node=node, name=data["name"])
            self._gone_user(user, "drop", None)
            return
        del users[user.key]
        self.chat.mirror_rename(user, data["name"])
        users[user.key] = user

    def _fact_out(self, node: str, data: dict[str, Any]) -> None:
        user = self._mirrors.get(node, {}).get(data["k"])
        if user is not None:
            self._gone_user(user, data["a"], data["why"], data["told"])

    def _gone_user(self, user: User, action: str, reason: str | None,
                   told: bool = False) -> None:
        assert self.chat is not None and user.node is not None
        self._mirrors.get(user.node, {}).pop(user.key, None)
        if user.room is not None:
            self.chat.mirror_leave(user, action, reason, told)

    def _fact_room(self, node: str, data: dict[str, Any]) -> None:
        self._mirror_room(data["room"])

    def _mirror_room(self, fields: list[Any]) -> None:
        assert self.chat is not None
        name, topic, owner, keeper, operators, invited, rules = fields
        self.chat.mirror_room(name, topic, owner, keeper, RoomOrder(
            frozenset(self._mark_in(mark) for mark in operators),
            frozenset(self._mark_in(mark) for mark in invited),
            None if rules is None else tuple(rules)))  # type: ignore[arg-type]

    def _fact_sanction(self, node: str, data: dict[str, Any]) -> None:
        assert self.chat is not None
        (kind, room, room_name, target, marks, by, since, until, reason, id, rank,
         shown) = data["s"]
        sanctions = self.chat.moderation.sanctions
        if sanctions.get(id) is None:
            sanctions.add(Sanction(kind, room, room_name, target,
                                   frozenset(self._mark_in(mark) for mark in marks), by, since,
                                   until, reason, id, rank, shown))

    def _fact_lift(self, node: str, data: dict[str, Any]) -> None:
        assert self.chat is not None
        sanctions = self.chat.moderation.sanctions
        sanction = sanctions.get(data["id"])
        if sanction is not None:
            sanctions.remove(sanction)

    def _fact_lock(self, node: str, data: dict[str, Any]) -> None:
        assert self.chat is not None
        self.chat.moderation.locked = data["on"]

    def _fact_account(self, node: str, data: dict[str, Any]) -> None:
        if self.chat is not None and self.chat.accounts is not None:
            self.chat.accounts.add(data["k"], data["name"])

    def _fact_hello(self, node: str, data: dict[str, Any]) -> None:
        """All of a node's users, now: the mirror of them becomes exactly that."""
        assert self.chat is not None
        self._nodes[node] = data.get("i", "")
        users = self._mirrors.setdefault(node, {})
        told = {names.key(fields[0]): fields for fields in data["users"]}
        for key, known in list(users.items()):
            if key not in told:
                self._gone_user(known, "drop", None)
        for key, fields in told.items():
            user = users.get(key)
            if user is None:
                self._arrived(node, fields, "login")
            elif user.room is not None and user.room.key != names.key(fields[2]):
                self.chat.mirror_move(user, fields[2], fields[5])
        for room in data.get("rooms", ()):
            self._mirror_room(room)

    def _fact_ask(self, node: str, data: dict[str, Any]) -> None:
        self._hello()

    def _fact_gone(self, node: str, data: dict[str, Any]) -> None:
        if data["node"] == self.node:
            # Taken for gone (silent too long): the others forgot our users.
            _log.warn("The other nodes took this one for gone: telling them of its users again")
            self._announce()
            return
        self._node_gone(data["node"], data.get("why") or "their server stopped")

    def _asked_tell(self, node: None, data: dict[str, Any]) -> None:
        assert self.chat is not None
        user = self.chat.local(data["to"])
        if user is None:
            return  # Gone meanwhile.
        event = formats.read_json(data["e"])
        if event is None:
            return
        if isinstance(event, events.Private) and user.ignores_name(event.sender):
            return
        self.chat.tell(user.client, event)

    def _asked_put(self, node: None, data: dict[str, Any]) -> None:
        """Another node decided our user is put out of their room, or off the server."""
        assert self.chat is not None
        user = self.chat.local(data["to"])
        if user is None:
            return
        if data["room"] is None:
            bye = data["bye"]
            if isinstance(bye, str):  # From a node older than the languages: its English.
                bye = {"text": bye, "template": None, "values": {}}
            self.chat.dismiss(user, events.Goodbye(self.chat.clock(), bye["text"],
                                                   template=bye["template"],
                                                   values=bye["values"]))
            return
        try:
            room = self.chat.find_room(data["room"])
        except errors.NoSuchRoom:
            room = self.chat.main
        if user.room is not room:
            self.chat.move(user, room, told=True)

    # Life

    def _ready(self) -> None:
        """Redis reached, the first time or again: claims, presence and lines made whole."""
        # Redis may have restarted empty: nobody's heartbeat is judged until
        # each node had the time to beat again.
        self._judge_after = self.clock.seconds() + TTL
        self._announce()
        self.hub.reconnected()

    def _announce(self) -> None:
        assert self.chat is not None
        self._heartbeat(fresh=True)
        # Our names, exactly: those of our users claimed again (Redis may have
        # restarted empty), any let go of while Redis was away (or held by an
        # earlier run of this node) let go now.
        keys: list[str] = []
        shown: list[str] = []
        for user in self.chat.users():
            if user.node is None:
                forms = _forms(user.name)
                keys += forms
                shown += [user.name] * len(forms)
        self.link.script(SYNC, keys, [self.node, CLAIMS + self.node, *shown]).addCallbacks(
            self._reclaimed, self._failed, errbackArgs=("claim its names again",))
        self._hello()
        self._tell_all({"t": "ask"})

    def _reclaimed(self, taken: list[str]) -> None:
        for name in sorted(set(taken or ())):
            _log.error("{name} is on this node and on another: the other node took the name "
                       "while this one was cut off", name=name)

    def _hello(self) -> None:
        assert self.chat is not None
        mine = [user for user in self.chat.users() if user.node is None and user.room]
        rooms = {user.room.key: user.room for user in mine if user.room is not None
                 and not user.room.permanent}
        self._tell_all({"t": "hello", "i": self.incarnation,
                        "users": [self._user(user) for user in mine],
                        "rooms": [self._room(room) for room in rooms.values()]})

    def _lost(self) -> None:
        pass

    def _heartbeat(self, fresh: bool = False) -> None:
        """``fresh``: the first beat after (re)connecting, when no earlier one is expected."""
        try:
            self._beat_once(fresh)
        except Exception:
            # The loop must go on: a node that stops beating is taken for gone.
            _log.failure("A heartbeat failed")

    def _beat_once(self, fresh: bool) -> None:
        if not self.link.connected or self.stopping:
            return
        self.link.call("SET", ALIVE + self.node, self.incarnation, "PX", int(TTL * 1000),
                       "GET").addCallbacks(self._beaten, self._failed, callbackArgs=(fresh,),
                                           errbackArgs=("beat",))
        others = sorted(self._nodes)
        if others and self.clock.seconds() >= self._judge_after:
            self.link.call("MGET", *[ALIVE + node for node in others]).addCallbacks(
                self._alive, self._failed, callbackArgs=(others,),
                errbackArgs=("hear the others",))

    def _beaten(self, before: str | None, fresh: bool) -> None:
        """
        No beat was there: this node was silent so long (stopped, or cut off)
        that the others took it for gone, and forgot its users: tell them again.
        """
        if before is None and not fresh:
            _log.warn("This node's heartbeat had run out: telling the others of its users "
                      "again")
            self._announce()

    def _alive(self, beats: list[Any], others: list[str]) -> None:
        for node, beat in zip(others, beats, strict=True):
            if beat is None and node in self._nodes:
                why = "their server went away"
                fact = _dump({"t": "gone", "node": node, "why": why, "n": self.node})
                self.link.script(GONE, [ALIVE + node, CLAIMS + node], [node, fact]) \
                    .addCallbacks(self._judged, self._failed, callbackArgs=(node, why),
                                  errbackArgs=("let go of a gone node",))

    def _judged(self, gone: int, node: str, why: str) -> None:
        """Redis found ``node``'s heartbeat gone, and told the others (not us: our fact)."""
        if gone:
            self._node_gone(node, why)

    def _node_gone(self, node: str, reason: str) -> None:
        self._nodes.pop(node, None)
        users = self._mirrors.pop(node, {})
        if users:
            _log.info("Node {node} is gone: {count} users with it", node=node,
                      count=len(users))
        for user in users.values():
            if user.room is not None and self.chat is not None:
                self.chat.mirror_leave(user, "drop", reason)
        if users and self.chat is not None:
            self.chat.adopt_orphans()

    def _failed(self, failure: Any, doing: str) -> None:
        if failure.check(errors.ClusterUnavailable):
            return
        _log.warn("Redis: could not {doing}: {error}", doing=doing,
                  error=failure.getErrorMessage())
