"""
The telnet front end's factory: one :class:`TelnetProtocol` a connection, or
one line of refusal for a connection over a limit.

The factory holds nothing of its own: the sessions it opens, and the door they
pass, are the :class:`~twisted_chat.session.sessions.Sessions` every front end
shares.
"""

from __future__ import annotations

from twisted.internet.interfaces import IAddress
from twisted.internet.protocol import Protocol, ServerFactory
from twisted.logger import Logger

from twisted_chat.core.formats import build
from twisted_chat.session.admission import peer_ip
from twisted_chat.session.sessions import Sessions
from twisted_chat.telnet.protocol import TelnetProtocol

_log = Logger()


class Refusal(Protocol):
    """A connection over a limit: one line that says why, then the close."""

    def __init__(self, line: bytes) -> None:
        self.line = line

    def connectionMade(self) -> None:
        self.transport.write(self.line)  # type: ignore[union-attr]
        self.transport.loseConnection()  # type: ignore[union-attr]


class TelnetFactory(ServerFactory):
    """Builds a :class:`TelnetProtocol` for each connection admitted."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    def buildProtocol(self, addr: IAddress | None) -> Protocol:
        ip = peer_ip(addr)
        admission = self.sessions.admission
        refusal = admission.admit(ip)
        if refusal is not None:
            unlogged = admission.log_refusal(ip)
            if unlogged is not None:
                _log.info("Refused {peer}: {why} ({unlogged} more from there unlogged in the "
                          "last minute)", peer=addr, why=refusal.code, unlogged=unlogged)
            return Refusal(build("text").render(self.sessions.chat.error(refusal)))
        return TelnetProtocol(self.sessions, ip)
