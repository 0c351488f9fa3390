"""
The server factory: the connections, the chat they share, and closing them all.

The factory holds the :class:`~twisted_chat.model.Chat` (the one owner of users
and rooms) and every open connection, logged in or not, so that a shutdown
can say goodbye to everyone.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IAddress, IReactorTime
from twisted.internet.protocol import ServerFactory
from twisted.logger import Logger

from twisted_chat import events
from twisted_chat.model import Chat
from twisted_chat.protocol import ChatProtocol

_log = Logger()

DEFAULT_MAX_LINE = 1024


class ChatFactory(ServerFactory):
    """Builds a :class:`ChatProtocol` for each connection and keeps track of them."""

    def __init__(self, chat: Chat, reactor: IReactorTime, *,
                 maxLine: int = DEFAULT_MAX_LINE) -> None:
        self.chat = chat
        self.reactor = reactor
        self.maxLine = maxLine
        self.connections: set[ChatProtocol] = set()
        self._allClosed: list[Deferred[None]] = []

    def buildProtocol(self, addr: IAddress | None) -> ChatProtocol:
        return ChatProtocol(self)

    def connectionOpened(self, connection: ChatProtocol) -> None:
        self.connections.add(connection)
        _log.info("Connection from {peer}", peer=connection.transport.getPeer())

    def connectionClosed(self, connection: ChatProtocol) -> None:
        self.connections.discard(connection)
        _log.info("Connection from {peer} closed", peer=connection.transport.getPeer())
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
