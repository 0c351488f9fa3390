"""
The web listener: the page at ``/``, its files beside it, its words in each
language at ``/i18n/CODE.json``, the WebSocket at ``/ws``, and the bounds
that keep a web port as safe as the telnet one.

- **The door.**  Every connection is counted by the connection limits every
  front end shares (``--max-per-ip``, ``--max-connections``) as it arrives,
  before a byte of HTTP is read; one over a limit gets a ``503`` that says
  why.  A connection that becomes a WebSocket keeps its place (its session
  gives it back), and only then counts against ``--conn-rate``.
- **Slow requests.**  A connection that is not a WebSocket is idle for at
  most :data:`HTTP_IDLE` seconds and lives at most :data:`HTTP_LIFETIME`,
  however slowly it trickles a request in, and serves at most
  :data:`MAX_REQUESTS`.  A request with a body is refused (``413``) as soon
  as its headers say so: nothing here takes one, and Twisted would write a
  large one to a temporary file.  The access log goes through the chat's
  ``--log-rate``, so a flood of requests cannot flood it.
- **The page's headers.**  A Content-Security-Policy allows the page's own
  scripts, styles and WebSocket and nothing else, so that even a mistake in
  the page could not run what a user wrote; the page may not be framed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from twisted.internet.interfaces import IAddress, IDelayedCall
from twisted.internet.protocol import Protocol, connectionDone
from twisted.python.failure import Failure
from twisted.web import http, server, static
from twisted.web.resource import NoResource, Resource

from twisted_chat.core.formats import build
from twisted_chat.web import catalog
from twisted_chat.web.origins import Origins
from twisted_chat.web.socket import Pinger, WebSocketResource

if TYPE_CHECKING:
    from twisted_chat.core.limits import IP
    from twisted_chat.session.sessions import Sessions

#: Seconds an HTTP connection may sit idle between requests.
HTTP_IDLE = 15.0
#: Seconds an HTTP connection that never became a WebSocket may stay open at all.
HTTP_LIFETIME = 60.0

#: Requests one HTTP connection may make; then it is closed after its answer.
MAX_REQUESTS = 50

#: Everything the page may load, and from where: its own files and its own WebSocket.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_HEADERS = {
    b"content-security-policy": CONTENT_SECURITY_POLICY.encode("ascii"),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"DENY",
    # A new version of the page reaches everyone at their next load.
    b"cache-control": b"no-cache",
}


#: The page's own types, each saying it is UTF-8.
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


class PageFiles(static.File):
    """The page's files, each with the page's headers; no directory is ever listed."""

    contentTypes = {**static.File.contentTypes, **_TYPES}  # noqa: RUF012 (File's own, per class)

    def render(self, request: server.Request) -> Any:
        for name, value in _HEADERS.items():
            request.setHeader(name, value)
        # The files are small, and Twisted's multi-range answer is broken (a
        # traceback and a hung connection for many ranges): always all of it.
        request.requestHeaders.removeHeader(b"range")
        return super().render(request)

    def directoryListing(self) -> Resource:
        return NoResource()


class Catalogs(Resource):
    """``/i18n/CODE.json``: the page's words in a language (:mod:`twisted_chat.web.catalog`)."""

    def getChild(self, path: bytes, request: server.Request) -> Resource:
        code = path.decode("ascii", "replace").removesuffix(".json")
        found = catalog.table(code) if path.endswith(b".json") else None
        return NoResource() if found is None else _Table(found)


class _Table(Resource):
    """One language's table, with the page's headers."""

    isLeaf = True

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body

    def render_GET(self, request: server.Request) -> bytes:
        if request.postpath:
            request.setResponseCode(http.NOT_FOUND)
            request.setHeader(b"content-type", b"text/plain; charset=utf-8")
            return b"No such resource\n"
        for name, value in _HEADERS.items():
            request.setHeader(name, value)
        request.setHeader(b"content-type", b"application/json; charset=utf-8")
        return self.body


class ChatRequest(server.Request):
    """A request of the page or the WebSocket: neither takes a body."""

    refused = False

    def gotLength(self, length: int | None) -> None:
        if length == 0:
            super().gotLength(length)
            return
        # The rest of this read is all that is still read, and is thrown away.
        self.refused = True
        super().gotLength(0)
        self.requestHeaders.removeHeader(b"expect")  # No "100 Continue" after the refusal.
        transport = self.channel.transport
        assert transport is not None
        transport.write(b"HTTP/1.1 413 Content Too Large\r\nContent-Type: text/plain; "
                        b"charset=utf-8\r\nContent-Length: 34\r\nConnection: close\r\n\r\n"
                        b"Nothing here takes a request body\n")
        transport.loseConnection()

    def handleContentChunk(self, data: bytes) -> None:
        if not self.refused:
            super().handleContentChunk(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        if not self.refused:  # A refused one was answered, and is closing.
            super().requestReceived(command, path, version)


class ChatChannel(http.HTTPChannel):
    """An HTTP connection, counted at the door, bounded until it becomes a WebSocket."""

    #: The address the door counted this connection under (set by the site).
    ip: IP | None = None
    site: ChatSite
    requests_made = 0

    def allHeadersReceived(self) -> None:
        super().allHeadersReceived()
        self.requests_made += 1
        if self.requests_made >= MAX_REQUESTS:
            self.persistent = False  # Closed once this one is answered.

    def connectionMade(self) -> None:
        super().connectionMade()
        self._deadline: IDelayedCall | None = self.callLater(
            HTTP_LIFETIME, self.transport.abortConnection)  # type: ignore[union-attr]

    def upgrade(self, protocol: Any) -> None:
        """From now on the connection is ``protocol``'s, and its session's place at the door."""
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        self._deadline = None
        # A client that sent more than 16 KB before the answer found this channel
        # not reading (it holds back what comes behind a request): read again.
        # What it sent before the answer stays behind with the channel, unread: a
        # client must wait for the 101 (RFC 6455, 4.1), and browsers do.
        self.transport.resumeProducing()  # type: ignore[union-attr]
        self._protocolUpgradeForWebsockets(protocol)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        # Only while still HTTP: the upgrade puts the WebSocket's own in this one's place.
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        self.site.chat_sessions.admission.release(self.ip)
        super().connectionLost(reason)


class Refusal(Protocol):
    """A connection over a limit: a 503 that says why, then the close."""

    def __init__(self, text: str) -> None:
        self.body = (text.strip() + "\n").encode("utf-8")

    def connectionMade(self) -> None:
        self.transport.write(  # type: ignore[union-attr]
            b"HTTP/1.1 503 Service Unavailable\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(self.body) + self.body)
        self.transport.loseConnection()  # type: ignore[union-attr]


class ChatSite(server.Site):
    """The web listener's factory, sharing the chat's sessions and their door."""

    protocol = ChatChannel  # type: ignore[assignment]
    requestFactory = ChatRequest

    def __init__(self, sessions: Sessions, root: Resource, pinger: Pinger) -> None:
        super().__init__(root, timeout=HTTP_IDLE, reactor=sessions.clock)
        #: The chat's sessions (``sessions`` is twisted.web's, of cookies).
        self.chat_sessions = sessions
        self.pinger = pinger

    def log(self, request: server.Request) -> None:  # type: ignore[override]
        """The access log, in the chat's log and under its rate (``--log-rate``)."""
        self.chat_sessions.chat.log.info(
            "web requests", "{client} {method} {uri} {code}",
            client=request.getClientAddress(), method=request.method, uri=request.uri,
            code=request.code)

    def startFactory(self) -> None:
        super().startFactory()
        self.pinger.start()

    def stopFactory(self) -> None:
        self.pinger.stop()
        super().stopFactory()

    def buildProtocol(self, addr: IAddress) -> Protocol:  # type: ignore[override]
        # Counted against --conn-rate only if it becomes a chat session (the page's
        # own files cost a browser two or three connections).
        ip, refusal = self.chat_sessions.admit(addr, arrival=False)
        if refusal is not None:
            told = build("text", language=self.chat_sessions.language)
            return Refusal(told.render(
                refusal.event(self.chat_sessions.chat.clock())).decode("utf-8"))
        channel = super().buildProtocol(addr)
        channel.ip = ip  # type: ignore[union-attr]
        return channel  # type: ignore[return-value]


#: The page's files: HTML, CSS and JavaScript written for it, shipped in the package.
PAGE = Path(__file__).parent / "page"


def make_site(sessions: Sessions, origins: Origins) -> ChatSite:
    """The web listener's factory: the page at ``/``, the WebSocket at ``/ws``."""
    root = PageFiles(str(PAGE), defaultType="application/octet-stream")
    root.indexNames = ["index.html"]
    pinger = Pinger(sessions.clock)
    root.putChild(b"ws", WebSocketResource(sessions, origins, pinger))
    root.putChild(b"i18n", Catalogs())
    return ChatSite(sessions, root, pinger)
