"""The telnet front end, as ``twistd chat`` lists it: ``--port``, on 6666 unless told."""

from __future__ import annotations

from typing import Any

from twisted.internet.interfaces import IProtocolFactory
from zope.interface import implementer

from twisted_chat.interfaces import IFrontEnd
from twisted_chat.session.sessions import Sessions
from twisted_chat.telnet.factory import TelnetFactory


@implementer(IFrontEnd)
class TelnetFrontEnd:
    name = "telnet"
    option = "port"
    short = "p"
    default = "tcp:6666"
    help = ("Where to listen for telnet and raw line clients: a port number (6666) or an "
            "endpoint description such as tcp:6666:interface=127.0.0.1 or "
            "ssl:6697:privateKey=key.pem. Repeat to listen on several; none for no telnet "
            "port. [default: 6666]")
    extra = ()

    def factory(self, sessions: Sessions, options: Any) -> IProtocolFactory:
        return TelnetFactory(sessions)


TELNET = TelnetFrontEnd()
