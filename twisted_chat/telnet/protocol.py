"""
The telnet front end's protocol: bytes in, whole lines to the session.

It holds no room or user logic, and none of what every front end shares
(flood control, decoding, timeouts, the send queue: the
:class:`~twisted_chat.session.session.Session`).  Bytes pass through the
session's input budget, then the telnet layer
(:mod:`twisted_chat.telnet.negotiation`), which leaves only text, every line
ending in LF.  Then:

- **Line length.**  A line over the limit gets an error and is thrown away,
  *all* of it, however it is split across reads, and the lines after it are
  read as usual.  (LineReceiver's own answer to a long line is to drop the
  connection, and to discard whatever else was in the same read.)
- **Editing keys.**  Backspace and friends are applied to the decoded line
  (:mod:`twisted_chat.telnet.editing`), and echoed as they arrive if the
  client asked the server to echo.
- **Framing.**  Output is a stream: a run of events is one write, with 0xFF
  doubled once per format for a client that speaks telnet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import ITCPTransport, ITransport
from twisted.logger import Logger
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure

from twisted_chat.core import errors
from twisted_chat.core.formats import Stream
from twisted_chat.i18n import N_
from twisted_chat.session.session import Session
from twisted_chat.telnet import hint
from twisted_chat.telnet.editing import EchoLine, edit
from twisted_chat.telnet.negotiation import MAX_SUBNEGOTIATION, TelnetLayer, double_iac

if TYPE_CHECKING:
    from twisted_chat.core.limits import IP
    from twisted_chat.session.sessions import Sessions

CTRL_C = b"\x03"
CTRL_D = b"\x04"
CTRL_L = b"\x0c"

_log = Logger()


_KEYS = re.compile(b"(" + b"|".join(map(re.escape, (CTRL_C, CTRL_D, CTRL_L))) + b")")
_KEY_ACTIONS: dict[bytes, Callable[[TelnetProtocol], None]] = {
    CTRL_C: lambda protocol: protocol.interrupted(),
    CTRL_D: lambda protocol: protocol.end_of_input(),
}

#: The framing for a client that speaks telnet: one write, its 0xFF bytes doubled.
TELNET_STREAM = Stream(escape=double_iac)


class TelnetProtocol(LineReceiver):
    """One telnet (or raw) connection: its bytes, its lines, its echo."""

    # The telnet layer turns every kind of Enter into a single LF.
    delimiter = b"\n"
    transport: ITransport

    def __init__(self, sessions: Sessions, address: IP | None = None) -> None:
        self.sessions = sessions
        self.address = address
        self.MAX_LENGTH = sessions.max_line
        self.telnet = TelnetLayer(self)
        self.echo: EchoLine | None = None
        self._discarding = False
        self._offer_settled = False
        self._after_overlong = b""
        self._leaving = False

    def connectionMade(self) -> None:
        if ITCPTransport.providedBy(self.transport):
            # A peer that vanished without a FIN is found and its user dropped.
            self.transport.setTcpKeepAlive(True)
            # Output is coalesced already (the outbox, --coalesce); Nagle's
            # wait for an ACK would add the peer's delayed ACK (40 ms) to a
            # reply whenever the connection is busy.
            self.transport.setTcpNoDelay(True)
        self.session = Session(self.sessions, self.transport, self.address,
                               parse=self._parse, prepare=edit)
        self.telnet.makeConnection(self.transport)
        # The offer goes ahead of the first line, and the CR returns a raw
        # client's cursor so that the banner covers whatever the offer showed.
        self.telnet.offer()
        self.session.write(b"\r")
        self.session.start()
        # After the banner, in whatever order the chat tells it.
        self.sessions.chat.later(lambda: self.session.write(hint.LINES))

    def connectionLost(self, reason: Failure | None = None) -> None:
        self.telnet.connectionLost(reason or Failure(ConnectionDone()))
        self.session.lost()

    # Bytes in

    def dataReceived(self, data: bytes) -> None:
        self.session.receive(data)

    def _parse(self, data: bytes) -> None:
        try:
            self.telnet.dataReceived(data)
        except Exception:
            # A byte sequence nobody foresaw: it costs the sender its connection, no more.
            _log.failure("Input from {peer} broke the connection", peer=self.transport.getPeer())
            self.session.kick(errors.UnreadableInput(), N_("unreadable input"))

    def text_received(self, data: bytes) -> None:
        if self.echo is not None and _KEYS.search(data):
            # In character mode these keys arrive as themselves: each acts
            # where it was typed (the line editor drops them from the text),
            # except that a read redraws once at most, at its end: a read of
            # Ctrl-Ls costs one redraw, not one each.
            redraw = False
            for piece in _KEYS.split(data):
                if self.session.closing:
                    return
                if piece == CTRL_L:
                    redraw = True
                    continue
                key = _KEY_ACTIONS.get(piece)
                if key is not None:
                    key(self)
                elif piece:
                    self._text(piece)
            if redraw and not self.session.closing:
                self.redraw()
            return
        self._text(data)

    def _text(self, data: bytes) -> None:
        if self.echo is not None:
            self.session.write(self.telnet.escape(self.echo.feed(data)))
        super().dataReceived(data)
        while self._after_overlong and not self.transport.disconnecting:  # type: ignore[attr-defined]
            rest, self._after_overlong = self._after_overlong, b""
            super().dataReceived(rest)

    def lineReceived(self, line: bytes) -> None:
        if self._discarding:
            # The tail of a line that was already too long.
            self._discarding = False
            return
        if not self._offer_settled:
            self._offer_settled = True
            self.telnet.forget_offer()
        self.session.submit(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        if not self._discarding:
            self.session.fail(errors.LineTooLong(self.MAX_LENGTH))
        _, ended, rest = line.partition(self.delimiter)
        self._discarding = not ended
        self._after_overlong = rest

    # What the telnet layer reports: TelnetUser

    def peer_speaks(self) -> None:
        self.session.reframe(TELNET_STREAM)

    def echo_changed(self, on: bool) -> None:
        # The session's reading: the echo reads half-typed lines by its rules.
        self.echo = (EchoLine(self.MAX_LENGTH, self.session.reading, self._columns)
                     if on else None)
        self.session.around = self._around_echo if on else None

    def _columns(self) -> int:
        return self.session.settings.width

    def _around_echo(self, payload: bytes) -> bytes:
        """Lift the half-typed line out of the way of output, and put it back after."""
        echo = self.echo
        if echo is None or not echo.shown:
            return payload
        return self.telnet.escape(echo.hide()) + payload + self.telnet.escape(echo.show())

    def window_size_changed(self, width: int, height: int) -> None:
        changed = width != self.session.settings.width
        self.session.settle(width=width)
        if changed and self.echo is not None:
            self.session.write(self.telnet.escape(self.echo.resized()))

    def interrupted(self) -> None:
        self.clearLineBuffer()
        self._discarding = False
        if self.echo is not None:
            if self.echo.shown:
                self.session.write(b"^C\r\n")
            self.echo.clear()
        self.session.notice(
            N_("Interrupted: the line you were typing was dropped. Type /quit to leave."))

    def end_of_input(self) -> None:
        """Ctrl-D: on an empty line it leaves, as it ends a shell; within a line it is ignored."""
        if self.echo is not None and self.echo.empty and not self._leaving:
            self._leaving = True
            self.session.submit(b"/quit")

    def redraw(self) -> None:
        """Ctrl-L: a clean screen with the half-typed line at its top, as in a shell."""
        if self.echo is not None:
            self.session.write(self.telnet.escape(self.echo.redraw()))

    def are_you_there(self) -> None:
        self.session.notice(N_("Yes, {server} is here."), server=self.sessions.chat.server_name)

    def subnegotiation_too_long(self) -> None:
        self.session.fail(errors.SubnegotiationTooLong(MAX_SUBNEGOTIATION))

    def send_telnet(self, data: bytes) -> None:
        self.session.write(data)
