"""
The chat's life cycle inside twistd: on stop, everyone is told before the close.

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

from twisted_chat.factory import ChatFactory

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
        return self.factory.shutdown(SHUTDOWN_NOTICE)

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
