"""
The chat's WebSocket: one text message in is one command line, one message
out is one JSON event, and a :class:`~twisted_chat.session.session.Session`
does the rest, as it does for telnet.

The frames are wsproto's, the library under ``twisted.web.websocket``; this
module drives it itself, after a handshake of its own
(:mod:`~twisted_chat.web.handshake`), because that wrapper
hides what a bounded server needs (FIELD-NOTES, "The browser"): it buffers a
message of any size whole before handing it over, never times out a dead peer
and cannot pause a slow reader.  Here:

- **Size.**  A message is counted as its pieces arrive; past ``--max-line``
  bytes it gets one error and the rest of it is thrown away, and the
  connection goes on, as a telnet line too long does.
- **Liveness.**  A peer that has sent nothing for one to two
  :data:`PING_INTERVAL` is pinged; one that answers nothing for another is
  cut ("ping timeout").  One :class:`Pinger` pass does it for every
  connection, rather than a timer each.
- **Flow.**  What arrives passes the session's input budget before wsproto
  sees it; output goes through the session's send queue, which hears the
  socket's back-pressure through the request (``request.registerProducer``).
- **Frames once.**  Server frames are unmasked, so a broadcast's frame is
  built once per format (:data:`WEBSOCKET`) and the same bytes go to every
  browser in the room.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from twisted.internet.interfaces import IPushProducer, IReactorTime, ITCPTransport, ITransport
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request
from wsproto import ConnectionType
from wsproto.connection import Connection, ConnectionState
from wsproto.events import (
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    TextMessage,
)
from wsproto.frame_protocol import CloseReason, FrameProtocol
from zope.interface import implementer

from twisted_chat.core import errors, formats
from twisted_chat.i18n import N_
from twisted_chat.session.budget import plain_cost
from twisted_chat.session.session import Session
from twisted_chat.session.settings import Settings
from twisted_chat.web.handshake import NotAHandshake, upgrade_response
from twisted_chat.web.origins import Origins, own_origin

if TYPE_CHECKING:
    from twisted_chat.core.limits import IP
    from twisted_chat.session.sessions import Sessions
    from twisted_chat.web.site import ChatChannel

_log = Logger()

#: Seconds of silence from a browser before it is pinged, and again before it is cut.
PING_INTERVAL = 30.0

#: What each frame costs of the input budget beyond its bytes: wsproto takes
#: about 12 µs a frame, so a stream of empty ones (6 bytes each) read at the
#: byte rate held a core with 40 connections.  As a telnet command does.
FRAME_COST = 64
#: Frames parsed between charges: a read of a burst of empty frames (10,000)
#: stops at the budget's end, not after all of them.
FRAMES_A_CHARGE = 32

#: A browser's session: JSON from the first line, in UTF-8, which WebSocket text is.
WEB_SETTINGS = Settings(format="json", encoding="utf-8", encoding_chosen=True,
                        encoding_fixed=True)

#: Builds server frames; unmasked, so with no extension the same bytes suit every peer.
_FRAMES = FrameProtocol(client=False, extensions=[])


def text_frame(message: bytes) -> bytes:
    """One WebSocket text frame holding ``message`` (UTF-8)."""
    return bytes(_FRAMES.send_data(message.decode("utf-8"), True))


#: The framing of every WebSocket session: each event one text frame.
WEBSOCKET = formats.Messages(wrap=text_frame)


class WebSocketResource(Resource):
    """
    ``/ws``: checks a handshake's ``Origin``, completes it, and hands the
    connection to a :class:`WebSocketConnection`.  (Connection limits were
    counted when the connection was made: :mod:`twisted_chat.web.site`.)
    """

    isLeaf = True

    def __init__(self, sessions: Sessions, origins: Origins, pinger: Pinger) -> None:
        super().__init__()
        self.sessions = sessions
        self.origins = origins
        self.pinger = pinger

    def render_GET(self, request: Request) -> bytes | int:
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        own = own_origin(request.isSecure(), request.getHeader(b"host"))
        sent = request.getHeader(b"origin")
        if not self.origins.allows(sent.decode("latin-1") if sent is not None else None, own):
            request.setResponseCode(403)
            return b"Pages from other sites may not connect to this chat.\n"
        try:
            accept = upgrade_response(request.requestHeaders)
        except NotAHandshake as error:
            request.setResponseCode(400)
            return f"A WebSocket handshake is expected here ({error}); the page is at /.\n" \
                .encode()
        connection = Connection(ConnectionType.SERVER)
        channel = cast("ChatChannel", request.channel)
        # Refused for arriving too often, it is told so over the WebSocket, where
        # a page can read why (a refused handshake tells a page nothing).
        refusal = self.sessions.arrive(request.getClientAddress(), channel.ip)
        channel.transport.write(accept)  # type: ignore[union-attr]
        channel.upgrade(WebSocketConnection(self.sessions, request, connection, channel.ip,
                                            self.pinger, refusal))
        return NOT_DONE_YET

    def render_HEAD(self, request: Request) -> bytes:
        request.setResponseCode(405)
        return b""


@implementer(ITransport)
class WebSocketConnection:
    """
    One browser's connection after the handshake: the channel's protocol
    (bytes in) and its session's transport (bytes out, pausing).
    """

    transport: ITransport

    def __init__(self, sessions: Sessions, request: Request, connection: Connection,
                 address: IP | None, pinger: Pinger,
                 refusal: errors.ChatError | None = None) -> None:
        """With ``refusal``, the connection is told why it is refused, and closed: no session."""
        self.sessions = sessions
        self.refusal = refusal
        self.request = request
        self.connection = connection
        self.address = address
        self.pinger = pinger
        #: The pieces of the message coming in, UTF-8, and their size.
        self._message: list[bytes] = []
        self._size = 0
        self._discarding = False
        self._heard = True
        self._pinged = False
        #: Set when the peer sent what cannot be read: nothing more of it is.
        self._broken = False
        #: The last ping of the read being parsed: the one answered.
        self._ping: Ping | None = None
        #: The code the close frame will carry.
        self._close_code: int = CloseReason.NORMAL_CLOSURE

    # IProtocol, as the HTTP channel's upgrade calls it

    def makeConnection(self, transport: ITransport) -> None:
        self.transport = transport
        # Every delivery comes this way: the socket's own write, no call of ours between.
        self.write = transport.write  # type: ignore[method-assign]
        if self.refusal is not None:
            event = self.refusal.event(self.sessions.chat.clock())
            settings = replace(WEB_SETTINGS, language=self.sessions.language)
            transport.write(settings.build(WEBSOCKET).frame((event,)))
            transport.write(self.connection.send(CloseConnection(CloseReason.TRY_AGAIN_LATER)))
            transport.loseConnection()
            return
        if ITCPTransport.providedBy(transport):
            transport.setTcpKeepAlive(True)
            transport.setTcpNoDelay(True)
        self.session = Session(self.sessions, self, self.address, parse=self._parse,
                               framing=WEBSOCKET, settings=WEB_SETTINGS, weigh=plain_cost,
                               front_end="web")
        self.pinger.connections.add(self)
        self.session.start()

    def dataReceived(self, data: bytes) -> None:
        if self.refusal is None:
            self._heard = True
            self.session.receive(data)

    def connectionLost(self, reason: Failure) -> None:
        if self.refusal is not None:
            self.sessions.admission.release(self.address)
            return
        self.pinger.connections.discard(self)
        self.session.lost()

    # Bytes in, past the budget

    def _parse(self, data: bytes) -> None:
        if self._broken or self.connection.state is not ConnectionState.OPEN:
            return  # Closing: what comes now is the close handshake's, or late.
        try:
            self.connection.receive_data(data)
            frames = 0
            self._ping = None
            # wsproto parses a frame at each step: the budget is charged as it goes.
            for event in self.connection.events():
                frames += 1
                if frames == FRAMES_A_CHARGE:
                    frames = 0
                    if not self.session.charge(FRAMES_A_CHARGE * FRAME_COST):
                        self._broken = True  # Cut for flooding: the rest is not read.
                        return
                handle = _ON_EVENT.get(type(event))
                if handle is not None:
                    handle(self, event)  # A pong needs nothing: it was heard.
            if self._ping is not None and self.connection.state is ConnectionState.OPEN:
                # Only the last ping of a read is answered (RFC 6455, 5.5.3), and as
                # output is: counted by the send queue.
                self.session.write(self.connection.send(self._ping.response()))
            self.session.charge(frames * FRAME_COST)
        except Exception:
            _log.failure("Input from {peer} broke the connection", peer=self.getPeer())
            self._broken = True
            self._close_code = CloseReason.INTERNAL_ERROR
            self.session.kick(errors.UnreadableInput(), N_("unreadable input"))

    def _text(self, event: TextMessage) -> None:
        if not self._discarding:
            piece = event.data.encode("utf-8")
            self._size += len(piece)
            if self._size > self.session.max_line:
                self.session.fail(errors.LineTooLong(self.session.max_line))
                self._discarding = True
                self._message.clear()
            else:
                self._message.append(piece)
        if event.message_finished:
            if not self._discarding:
                message = self._message
                self.session.submit(message[0] if len(message) == 1 else b"".join(message))
            self._message = []
            self._size = 0
            self._discarding = False

    def _bytes(self, event: BytesMessage) -> None:
        if event.message_finished:
            self.session.fail(errors.BinaryMessage())

    def _ping_received(self, event: Ping) -> None:
        self._ping = event

    def _close_received(self, event: CloseConnection) -> None:
        if self.connection.state is ConnectionState.OPEN:
            # Not the peer's close: wsproto found a frame it cannot accept.
            self._broken = True
            self._close_code = event.code
            if event.code == CloseReason.INVALID_FRAME_PAYLOAD_DATA:
                self.session.kick(errors.NotUtf8(), N_("invalid UTF-8"))
            else:
                self.session.kick(errors.BadFrame(_FRAME_TROUBLE.get(event.code, N_("unreadable"))),
                                  N_("bad frame"))
            return
        # The session closes as any does: what it holds goes first, then the answer
        # to the close (loseConnection), nothing after; cut if not read in time.
        self._close_code = event.code
        self.session.close()

    def check_alive(self) -> None:
        """Every :data:`PING_INTERVAL`: ping a peer gone quiet, cut one that stayed so."""
        if self._heard:
            self._heard = self._pinged = False
        elif self._pinged or self.connection.state is not ConnectionState.OPEN:
            self.session.cut(N_("ping timeout"))
        else:
            self._pinged = True
            self.session.write(self.connection.send(Ping(b"twisted-chat")))

    # The session's transport: bytes out, and what pauses reading

    def write(self, data: bytes) -> None:
        # Replaced by the socket's own write at makeConnection (the speed of every
        # delivery); here for the interface, and for use before it.
        self.transport.write(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        self.transport.writeSequence(data)

    def registerProducer(self, producer: IPushProducer, streaming: bool) -> None:
        # The channel is the socket's producer still; it passes pauses on to the request's.
        self.request.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        self.request.unregisterProducer()

    def pauseProducing(self) -> None:
        self.transport.pauseProducing()  # type: ignore[attr-defined]

    def resumeProducing(self) -> None:
        self.transport.resumeProducing()  # type: ignore[attr-defined]

    def loseConnection(self) -> None:
        """
        Close as WebSocket peers do: a close frame (or the answer to the
        peer's), then the socket, once what it was sent is read.
        """
        code = self._close_code
        if code == CloseReason.NORMAL_CLOSURE and self.sessions.chat.stopping:
            code = CloseReason.GOING_AWAY
        if self.connection.state in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
            self.transport.write(self.connection.send(CloseConnection(code)))
        # The HTTP channel is still the socket's producer: while it is, a socket
        # whose buffer is full would resume it rather than close once drained.
        self.transport.unregisterProducer()  # type: ignore[attr-defined]
        self.transport.loseConnection()

    def abortConnection(self) -> None:
        self.transport.abortConnection()  # type: ignore[attr-defined]

    def getPeer(self) -> Any:
        return self.transport.getPeer()

    def getHost(self) -> Any:
        return self.transport.getHost()


#: What was wrong with a frame, by the close code wsproto chose (its own words name its internals).
_FRAME_TROUBLE: dict[int, str] = {
    CloseReason.PROTOCOL_ERROR: N_("a protocol error"),
    CloseReason.MESSAGE_TOO_BIG: N_("too big"),
    CloseReason.UNSUPPORTED_DATA: N_("data of an unknown kind"),
    CloseReason.POLICY_VIOLATION: N_("not allowed"),
}

#: What each kind of wsproto event is handed to.
_ON_EVENT: dict[type[Event], Callable[[WebSocketConnection, Any], None]] = {
    TextMessage: WebSocketConnection._text,
    BytesMessage: WebSocketConnection._bytes,
    Ping: WebSocketConnection._ping_received,
    CloseConnection: WebSocketConnection._close_received,
}


class Pinger:
    """
    Every :data:`PING_INTERVAL`, one pass over every open WebSocket: one
    timer for all of them, where a timer each would cost every connection
    memory and the reactor a call.
    """

    def __init__(self, clock: IReactorTime) -> None:
        self.connections: set[WebSocketConnection] = set()
        self._loop = LoopingCall(self.check)
        self._loop.clock = clock

    def start(self) -> None:
        if not self._loop.running:
            self._loop.start(PING_INTERVAL, now=False)

    def stop(self) -> None:
        if self._loop.running:
            self._loop.stop()

    def check(self) -> None:
        for connection in list(self.connections):
            try:
                connection.check_alive()
            except Exception:
                # One connection's trouble must not stop the pings of all the others.
                _log.failure("Checking {peer} failed", peer=connection.getPeer())
