"""The browser front end, as ``twistd chat`` lists it: ``--web``, on 8080 unless told."""

from __future__ import annotations

from typing import Any

from twisted.internet.interfaces import IProtocolFactory
from zope.interface import implementer

from twisted_chat.interfaces import IFrontEnd
from twisted_chat.session.sessions import Sessions
from twisted_chat.web.origins import Origins, origin
from twisted_chat.web.site import make_site


@implementer(IFrontEnd)
class WebFrontEnd:
    name = "web"
    option = "web"
    short = None
    default = "tcp:8080"
    help = ("Where to serve the browser client (the page at /, its WebSocket at /ws): a port "
            "number (8080) or an endpoint description such as tcp:8080:interface=127.0.0.1 "
            "or ssl:8443:privateKey=key.pem. Repeat to listen on several; none for no web "
            "port. [default: 8080]")
    extra = (
        ("web-origin", origin,
         "Another origin whose pages may open the chat's WebSocket, such as "
         "https://school.example.org (the page's own always may). Repeat for several."),
    )

    def factory(self, sessions: Sessions, options: Any) -> IProtocolFactory:
        return make_site(sessions, Origins(tuple(options["web-origin"])))


WEB = WebFrontEnd()
