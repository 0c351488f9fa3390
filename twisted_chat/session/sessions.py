"""
Every open session, of every front end: the door they come through, and the
goodbye they all get.

A connection over one of the connection limits
(:mod:`~twisted_chat.session.admission`) is refused before a session is made
for it; the front end tells it why in one line.  On shutdown every session
is told, closed with grace, and cut if it does not go in time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IAddress, IReactorTime
from twisted.logger import Logger

from twisted_chat.core import errors, events
from twisted_chat.core.chat import Chat
from twisted_chat.core.limits import IP
from twisted_chat.metrics.counters import SEND_QUEUE_EXCEEDED, add
from twisted_chat.session.admission import Admission, peer_ip

if TYPE_CHECKING:
    from twisted_chat.session.session import Session

_log = Logger()

#: The longest line a client may send by default, in bytes, not counting its end.
DEFAULT_MAX_LINE = 1024


class Sessions:
    """
    The chat's sessions, and what every front end's factory shares; the
    refusals and the cuts it sees go in the hub's counters.
    """

    def __init__(self, chat: Chat, clock: IReactorTime, *,
                 max_line: int = DEFAULT_MAX_LINE, language: str = "en") -> None:
        self.chat = chat
        self.counters = chat.hub.counters
        self.clock = clock
        self.max_line = max_line
        #: The language a new session starts in (a code; --lang).
        self.language = language
        self.admission = Admission(chat.in_force, clock.seconds)
        self.open: set[Session] = set()
        self._all_closed: list[Deferred[None]] = []

    def admit(self, peer: IAddress | None,
              arrival: bool = True) -> tuple[IP | None, errors.ChatError | None]:
        """
        The address a new connection from ``peer`` is counted under, and why
        it is refused (None: it is counted in).  Refusals are logged a few at
        a time: a storm of them does not flood the log.  Without ``arrival``
        it counts against ``--conn-rate`` only when it arrives (:meth:`arrive`).
        """
        ip = peer_ip(peer)
        return ip, self._logged(peer, ip, self.admission.admit(ip, arrival))

    def arrive(self, peer: IAddress | None, ip: IP | None) -> errors.ChatError | None:
        """A connection admitted without ``arrival`` now opens a session: why not, if not."""
        return self._logged(peer, ip, self.admission.arrive(ip))

    def _logged(self, peer: IAddress | None, ip: IP | None,
                refusal: errors.ChatError | None) -> errors.ChatError | None:
        if refusal is not None:
            add(self.counters.refusals, refusal.code)
            unlogged = self.admission.log_refusal(ip)
            if unlogged is not None:
                _log.info("Refused {peer}: {why} ({unlogged} more from there unlogged in the "
                          "last minute)", peer=peer, why=refusal.code, unlogged=unlogged)
        return refusal

    def opened(self, session: Session) -> None:
        # Not logged: a user's login is, with the address (one line, not two,
        # for each of thousands of arrivals), and so is a connection that
        # leaves without logging in.
        self.open.add(session)

    def closed(self, session: Session) -> None:
        self.open.discard(session)
        self.admission.release(session.address)
        if session.output.exceeded:
            add(self.counters.limits, SEND_QUEUE_EXCEEDED)
        if not self.open:
            waiting, self._all_closed = self._all_closed, []
            for waiter in waiting:
                waiter.callback(None)

    def sweep(self) -> None:
        """Every minute: forget the arrivals a minute old."""
        self.admission.sweep()

    def shutdown(self, message: str, grace: float = 3.0) -> Deferred[None]:
        """
        Tell every session ``message``, close them all, and fire when they are closed.

        Closing sends what is still buffered first; a client that does not read
        it within ``grace`` seconds is cut off.
        """
        notice = events.Notice.words(self.chat.clock(), message)
        # Everyone is leaving at once: nobody is told of the others' going.
        self.chat.stop()
        for session in list(self.open):
            session.send(notice)
            session.close()
        if not self.open:
            return succeed(None)
        done: Deferred[None] = Deferred()
        self._all_closed.append(done)
        abort = self.clock.callLater(grace, self._abort_all)

        def stop_waiting(result: None) -> None:
            if abort.active():
                abort.cancel()
            return result

        return done.addBoth(stop_waiting)

    def _abort_all(self) -> None:
        for session in list(self.open):
            session.transport.abortConnection()  # type: ignore[attr-defined]
