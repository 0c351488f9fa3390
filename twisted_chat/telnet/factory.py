"""
The server factory: the connections, the chat they share, and closing them all.

The factory holds the :class:`~twisted_chat.model.Chat` (the one owner of users
and rooms) and every open connection, logged in or not, so that a shutdown
can say goodbye to everyone.  It is also the door: a connection over one of
the connection limits (:mod:`twisted_chat.session.admission`) is told why in one line
and closed before it costs more than that.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IAddress, IReactorTime
from twisted.internet.protocol import Protocol, ServerFactory
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from twisted_chat.core import events
from twisted_chat.core.chat import Chat
from twisted_chat.core.formats import build
from twisted_chat.core.limits import CROWD_INTERVAL, MINUTE
from twisted_chat.session.admission import Admission, peer_ip
from twisted_chat.telnet.protocol import ChatProtocol

_log = Logger()

DEFAULT_MAX_LINE = 1024
#: How often output held too long behind a store that does not answer is let go.
OVERDUE_INTERVAL = 0.5


class Refusal(Protocol):
    """A connection over a limit: one line that says why, then the close."""

    def __init__(self, line: bytes) -> None:
        self.line = line

    def connectionMade(self) -> None:
        self.transport.write(self.line)  # type: ignore[union-attr]
        self.transport.loseConnection()  # type: ignore[union-attr]


class ChatFactory(ServerFactory):
    """Builds a :class:`ChatProtocol` for each connection and keeps track of them."""

    def __init__(self, chat: Chat, reactor: IReactorTime, *,
                 maxLine: int = DEFAULT_MAX_LINE) -> None:
        self.chat = chat
        self.reactor = reactor
        self.maxLine = maxLine
        self.admission = Admission(chat.limits, reactor.seconds)
        self.connections: set[ChatProtocol] = set()
        self._allClosed: list[Deferred[None]] = []
        self._sweeper = LoopingCall(self._sweep)
        self._sweeper.clock = reactor
        self._crowds = LoopingCall(chat.tell_crowds)
        self._crowds.clock = reactor
        self._overdue = LoopingCall(chat.expire)
        self._overdue.clock = reactor

    def startFactory(self) -> None:
        self._sweeper.start(MINUTE, now=False)
        self._overdue.start(OVERDUE_INTERVAL, now=False)
        if self.chat.limits.crowd:
            self._crowds.start(CROWD_INTERVAL, now=False)

    def stopFactory(self) -> None:
        for timer in (self._sweeper, self._crowds, self._overdue):
            if timer.running:
                timer.stop()

    def _sweep(self) -> None:
        """Every minute: forget the arrivals and what users did that are a minute old."""
        self.admission.sweep()
        self.chat.sweep()

    def buildProtocol(self, addr: IAddress | None) -> Protocol:
        ip = peer_ip(addr)
        refusal = self.admission.admit(ip)
        if refusal is not None:
            unlogged = self.admission.logRefusal(ip)
            if unlogged is not None:
                _log.info("Refused {peer}: {why} ({unlogged} more from there unlogged in the "
                          "last minute)", peer=addr, why=refusal.code, unlogged=unlogged)
            text = build("text").render(self.chat.error(refusal))
            return Refusal(text)
        return ChatProtocol(self, ip)

    def connectionOpened(self, connection: ChatProtocol) -> None:
        # Not logged: a user's login is, with the address (one line, not two,
        # for each of thousands of arrivals), and so is a connection that
        # leaves without logging in.
        self.connections.add(connection)

    def connectionClosed(self, connection: ChatProtocol) -> None:
        self.connections.discard(connection)
        self.admission.release(connection.address)
        if not self.connections:
            waiting, self._allClosed = self._allClosed, []
            for waiter in waiting:
                waiter.callback(None)

    def shutdown(self, message: str, grace: float = 3.0) -> Deferred[None]:
        """
        Tell every connection ``message``, close them all, and fire when they are closed.

        Closing sends what is still buffered first; a client that does not read
        it within ``grace`` seconds is cut off.
        """
        notice = events.Notice(self.chat.clock(), message)
        # Everyone is leaving at once: nobody is told of the others' going.
        self.chat.stopping = True
        for connection in list(self.connections):
            connection.send(notice)
            connection.close()
        if not self.connections:
            return succeed(None)
        done: Deferred[None] = Deferred()
        self._allClosed.append(done)
        abort = self.reactor.callLater(grace, self._abortAll)

        def stopWaiting(result: None) -> None:
            if abort.active():
                abort.cancel()
            return result

        return done.addBoth(stopWaiting)

    def _abortAll(self) -> None:
        for connection in list(self.connections):
            connection.transport.abortConnection()  # type: ignore[attr-defined]
