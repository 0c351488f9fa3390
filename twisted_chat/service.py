"""
The chat's life cycle inside twistd: the timers that keep it tidy, the
goodbyes on stop, and the store's lifetime around them.

twistd ends itself with the signal that stopped it, so a SIGTERM stop would
show as killed by SIGTERM.  Stopping on SIGTERM is what the server is for
(systemd, Docker and every init script send it), so the service answers
SIGTERM itself: the same orderly stop, and exit status 0.

SIGHUP reads the config file again (:mod:`twisted_chat.config.reloader`),
as ``/reload`` does: nobody is disconnected.
"""

from __future__ import annotations

import signal
from types import FrameType

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorCore, IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.threadpool import ThreadPool

from twisted_chat.core import errors
from twisted_chat.core.limits import CROWD_INTERVAL, MINUTE
from twisted_chat.i18n import N_
from twisted_chat.interfaces import IStore
from twisted_chat.session.sessions import Sessions

SHUTDOWN_NOTICE = N_("The server is shutting down. Goodbye!")
#: How often output held too long behind a store that does not answer is let go.
OVERDUE_INTERVAL = 0.5
#: How often bans and mutes that ran out are lifted: they end within a second.
EXPIRY_INTERVAL = 1.0

_log = Logger()


class ChatService(Service):
    """
    The chat while twistd runs: every minute old arrivals and deeds are
    forgotten, every half second output stuck behind a store is let go, every
    second bans and mutes that ran out end, and crowded rooms hear who came
    and went every few seconds (if --crowd is on, or turned on by a reload).
    """

    def __init__(self, sessions: Sessions, reactor: IReactorTime,
                 signals: IReactorCore | None = None) -> None:
        """``signals``: the reactor whose SIGTERM handler this replaces (None: leave it)."""
        self.sessions = sessions
        self.signals = signals
        chat = sessions.chat
        self._timers = [(self._sweep, MINUTE), (chat.hub.expire, OVERDUE_INTERVAL),
                        (chat.moderation.expire, EXPIRY_INTERVAL),
                        (self._tell_crowds, CROWD_INTERVAL)]
        self._loops: list[LoopingCall] = []
        self.reactor = reactor

    def startService(self) -> None:
        super().startService()
        self.start_timers()
        if self.signals is not None:
            # After the reactor's own handlers are in place, which this replaces.
            self.signals.callWhenRunning(self._handle_sigterm)
            self.signals.callWhenRunning(self._handle_sighup)

    def stopService(self) -> Deferred[None]:
        super().stopService()
        self.stop_timers()
        closed = self.sessions.shutdown(SHUTDOWN_NOTICE)
        # The last second's count of unlogged comings and goings, goodbyes included.
        closed.addBoth(self._summarise)
        return closed

    def start_timers(self) -> None:
        for work, interval in self._timers:
            loop = LoopingCall(work)
            loop.clock = self.reactor
            loop.start(interval, now=False)
            self._loops.append(loop)

    def stop_timers(self) -> None:
        for loop in self._loops:
            if loop.running:
                loop.stop()
        self._loops = []

    def _sweep(self) -> None:
        self.sessions.sweep()
        self.sessions.chat.sweep()

    def _tell_crowds(self) -> None:
        if self.sessions.chat.limits.crowd:
            self.sessions.chat.tell_crowds()

    def reload(self) -> None:
        """SIGHUP: the config file read again; the log says what changed, or why nothing did."""
        chat = self.sessions.chat
        try:
            if chat.reloader is None:
                raise errors.NoConfigFile()
            chat.reloader.reload("SIGHUP")
        except errors.ChatError as error:
            # A reload that failed has logged why itself; a missing file, here.
            if not isinstance(error, errors.NotReloaded):
                _log.warn("Received SIGHUP: {why}", why=error.message)

    def _summarise(self, result: object) -> object:
        self.sessions.chat.log.summarise()
        return result

    def _handle_sigterm(self) -> None:
        reactor = self.signals
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


    def _handle_sighup(self) -> None:
        reactor = self.signals
        assert reactor is not None

        def reload(number: int, frame: FrameType | None) -> None:
            reactor.callFromThread(self.reload)  # type: ignore[attr-defined]

        signal.signal(signal.SIGHUP, reload)


class StoreService(Service):
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
        return self.store.close().addBoth(self._stop_hashing)

    def _stop_hashing(self, result: object) -> object:
        self.hashing.stop()
        return result
