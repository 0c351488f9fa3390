"""
The chat's life cycle inside twistd: on stop, everyone is told before the close,
and the store finishes writing before the database is let go.

twistd ends itself with the signal that stopped it, so a SIGTERM stop would
show as killed by SIGTERM.  Stopping on SIGTERM is what the server is for
(systemd, Docker and every init script send it), so the service answers
SIGTERM itself: the same orderly stop, and exit status 0.
"""

from __future__ import annotations

import signal
from types import FrameType

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorCore
from twisted.logger import Logger
from twisted.python.threadpool import ThreadPool

from twisted_chat.store.sqlite.store import IStore
from twisted_chat.telnet.factory import ChatFactory

SHUTDOWN_NOTICE = "The server is shutting down. Goodbye!"

_log = Logger()


class ChatService(Service):
    def __init__(self, factory: ChatFactory, reactor: IReactorCore | None = None) -> None:
        self.factory = factory
        self.reactor = reactor

    def startService(self) -> None:
        super().startService()
        if self.reactor is not None:
            # After the reactor's own handlers are in place, which this replaces.
            self.reactor.callWhenRunning(self._handleSigterm)

    def stopService(self) -> Deferred[None]:
        super().stopService()
        closed = self.factory.shutdown(SHUTDOWN_NOTICE)
        # The last second's count of unlogged comings and goings, goodbyes included.
        closed.addBoth(self._summarise)
        return closed

    def _summarise(self, result: object) -> object:
        self.factory.chat.log.summarise()
        return result

    def _handleSigterm(self) -> None:
        reactor = self.reactor
        assert reactor is not None

        stopping = False

        def stop(number: int, frame: FrameType | None) -> None:
            nonlocal stopping
            if not stopping:
                stopping = True
                _log.info("Received SIGTERM: telling everyone, then stopping.")
                reactor.callFromThread(reactor.stop)  # type: ignore[attr-defined]

        if signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN, None):
            signal.signal(signal.SIGTERM, stop)


class MemoryService(Service):
    """
    The store and the threads that hash passwords: started before the chat,
    stopped after it, so the last lines said are written before the close.
    """

    def __init__(self, store: IStore, hashing: ThreadPool) -> None:
        self.store = store
        self.hashing = hashing

    def startService(self) -> None:
        super().startService()
        self.hashing.start()
        # The file's lock at once: a second server on it is stopped at start-up.
        self.store.start().addErrback(
            lambda failure: _log.failure("Could not open the database", failure))

    def stopService(self) -> Deferred[None]:
        super().stopService()
        closed = self.store.close()
        closed.addCallback(self._report)
        closed.addBoth(self._stopHashing)
        return closed

    def _report(self, result: object) -> object:
        _log.info("The store wrote {operations} operations in {transactions} transactions",
                  operations=getattr(self.store, "operations", 0),
                  transactions=getattr(self.store, "transactions", 0))
        return result

    def _stopHashing(self, result: object) -> object:
        self.hashing.stop()
        return result
