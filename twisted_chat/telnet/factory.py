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

from twisted_chat.core.formats import build
from twisted_chat.session.sessions import Sessions
from twisted_chat.telnet.protocol import TelnetProtocol


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
        ip, refusal = self.sessions.admit(addr)
        if refusal is not None:
            # In the server's language: the connection never got to choose one.
            told = build("text", language=self.sessions.language)
            return Refusal(told.render(refusal.event(self.sessions.chat.clock())))
        return TelnetProtocol(self.sessions, ip)
