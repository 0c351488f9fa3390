"""
The node's two connections to Redis: one that publishes and asks, one that
listens.  Both come back by themselves when Redis does (txredisapi's
``ClientService``), and say so, so that the node re-announces itself and
catches up on what it missed.

Pub/sub is at most once: whatever is published while a connection is away
is lost for it.  Nothing waits for Redis here: a publish with no connection
is dropped and counted (the lines are in PostgreSQL, and the facts are told
again on reconnecting), and a question fails at once with
:class:`~twisted_chat.core.errors.ClusterUnavailable`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import txredisapi
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.endpoints import clientFromString
from twisted.logger import Logger

from twisted_chat.cluster.address import endpoint_description
from twisted_chat.core import errors

#: Replies awaited on the publishing connection past which lines are not
#: published (a Redis that does not keep up must not grow the node's memory).
MAX_UNANSWERED = 20_000

_log = Logger()


class _Factory(txredisapi.RedisFactory):
    """One connection, kept; says when it is ready and when it is gone."""

    initialDelay = 0.25
    maxDelay = 2.0

    def __init__(self, protocol: type, ready: Callable[[Any], None],
                 lost: Callable[[Any], None],
                 received: Callable[[str, str], None] | None = None) -> None:
        super().__init__(None, None, 1, isLazy=True)
        self.protocol = protocol
        self._ready, self._lost, self.received = ready, lost, received

    def addConnection(self, conn: Any) -> None:
        super().addConnection(conn)
        if conn.connected and not self.disconnectCalled:
            self._ready(conn)

    def delConnection(self, conn: Any) -> None:
        super().delConnection(conn)
        self._lost(conn)


class _Listener(txredisapi.SubscriberProtocol):
    def messageReceived(self, pattern: Any, channel: str, message: str) -> None:
        try:
            self.factory.received(channel, message)
        except Exception:
            _log.failure("A message on {channel} could not be taken", channel=channel)


class RedisLink:
    """
    ``on_ready()`` is called each time both connections are up (the first
    time and after every reconnection), ``on_lost()`` when either goes,
    ``on_message(channel, message)`` for each message on a channel listened to.
    """

    def __init__(self, reactor: Any, address: str) -> None:
        self.reactor = reactor
        self.address = address
        self.on_ready: Callable[[], None] = lambda: None
        self.on_lost: Callable[[], None] = lambda: None
        self.on_message: Callable[[str, str], None] = lambda channel, message: None
        self._channels: set[str] = set()
        self._asker: Any = None
        self._listener: Any = None
        self._unanswered = 0
        #: Lines not published: no connection, or too many replies awaited.
        self.dropped = 0
        #: Times the link was lost (either connection) after being up.
        self.losses = 0
        self._askers = _Factory(txredisapi.RedisProtocol, self._asker_ready, self._asker_lost)
        self._listeners = _Factory(_Listener, self._listener_ready, self._listener_lost,
                                   self._received)

    @property
    def connected(self) -> bool:
        return self._asker is not None and self._listener is not None

    def start(self) -> None:
        endpoint = endpoint_description(self.address)
        self._askers.startConnecting(clientFromString(self.reactor, endpoint))
        self._listeners.startConnecting(clientFromString(self.reactor, endpoint))

    def stop(self) -> Deferred[Any]:
        from twisted.internet.defer import gatherResults
        return gatherResults([self._askers.disconnect(), self._listeners.disconnect()],
                             consumeErrors=True)

    # Asking and telling

    def publish(self, channel: str, message: str, droppable: bool = False) -> None:
        """
        Send ``message`` to whoever listens on ``channel`` now; a
        ``droppable`` one (lines, which PostgreSQL keeps) is dropped rather
        than queued behind a Redis that does not answer.
        """
        asker = self._asker
        if asker is None or (droppable and self._unanswered >= MAX_UNANSWERED):
            self.dropped += 1
            return
        self._unanswered += 1
        asker.publish(channel, message).addBoth(self._answered)

    def _answered(self, result: object) -> None:
        self._unanswered -= 1

    def call(self, command: str, *args: Any) -> Deferred[Any]:
        """One Redis command's answer; fails at once without a connection."""
        asker = self._asker
        if asker is None:
            return fail(errors.ClusterUnavailable())
        return asker.execute_command(command, *args)

    def ping(self) -> Deferred[Any]:
        """Redis's PONG, over the asking connection: whether it answers now (readiness)."""
        return self.call("PING")

    def script(self, source: str, keys: Sequence[str], args: Sequence[Any]) -> Deferred[Any]:
        """Run a Lua script (EVAL: Redis caches it; the scripts here are small)."""
        return self.call("EVAL", source, len(keys), *keys, *args)

    # Listening

    def listen(self, channel: str) -> Deferred[None]:
        """
        Hear ``channel`` from now on (again after each reconnection): fires
        once Redis says it is heard (at once without a connection: then it is
        heard from the reconnection on, which :attr:`on_ready` tells).
        """
        if channel in self._channels or self._listener is None:
            self._channels.add(channel)
            return succeed(None)
        self._channels.add(channel)
        heard: Deferred[Any] = self._listener.subscribe(channel)
        return heard.addBoth(lambda _: None)

    def unlisten(self, channel: str) -> None:
        if channel not in self._channels:
            return
        self._channels.discard(channel)
        if self._listener is not None:
            self._listener.unsubscribe(channel)

    def listened(self, channel: str) -> bool:
        return channel in self._channels

    def _received(self, channel: str, message: str) -> None:
        if channel in self._channels:
            self.on_message(channel, message)

    # The connections' comings and goings

    def _asker_ready(self, conn: Any) -> None:
        self._asker = conn
        self._unanswered = 0
        self._maybe_ready()

    def _listener_ready(self, conn: Any) -> None:
        """
        Ready once Redis heard the subscriptions: what the node then asks and
        reads (the others' users, the lines it missed) comes after them, so
        nothing published meanwhile falls between the two.
        """
        self._listener = conn
        if not self._channels:
            self._maybe_ready()
            return
        subscribed: Deferred[Any] = conn.subscribe(sorted(self._channels))
        subscribed.addBoth(lambda _: self._maybe_ready() if self._listener is conn else None)

    def _maybe_ready(self) -> None:
        if self.connected:
            _log.info("Connected to Redis at {address}", address=self.address)
            self.on_ready()

    def _asker_lost(self, conn: Any) -> None:
        if self._asker is conn:
            self._lost("publishing")
            self._asker = None

    def _listener_lost(self, conn: Any) -> None:
        if self._listener is conn:
            self._lost("listening")
            self._listener = None

    def _lost(self, which: str) -> None:
        was = self.connected
        if was:
            self.losses += 1
            _log.warn("Lost the {which} connection to Redis at {address}; reconnecting",
                      which=which, address=self.address)
            self.on_lost()
