"""
The line protocol: bytes in, decoded lines to the state; events out, rendered.

It holds no room or user logic.  Bytes pass through the telnet layer
(:mod:`twisted_chat.telnet.negotiation`) first, which leaves only text, every line ending
in LF.  Then:

- **Line length.**  A line over the limit gets an error and is thrown away,
  *all* of it, however it is split across reads, and the lines after it are
  read as usual.  (LineReceiver's own answer to a long line is to drop the
  connection, and to discard whatever else was in the same read.)
- **Decoding.**  Only whole lines are decoded, in the connection's encoding.
  A line that is not valid UTF-8 but is valid GBK switches a connection that
  never chose its encoding to GBK (:mod:`twisted_chat.core.charsets`).
- **Editing keys.**  Backspace and friends are applied to the decoded line
  (:mod:`twisted_chat.telnet.editing`), and echoed as they arrive if the client
  asked the server to echo.
- **Flood control.**  Reads pass a budget in bytes, telnet commands counted
  (:mod:`twisted_chat.session.budget`): past it the connection is not read for a
  while, far past it cut.  Lines pass a token bucket
  (:mod:`twisted_chat.session.throttle`) before they are decoded.  A flood of either
  is cut with "excess flood".

Output goes through a bounded :class:`~twisted_chat.sendqueue.SendQueue`; a
client that stops reading is cut with "send queue exceeded".  The state in
charge sets the connection's timeout (logging in, idling) through Twisted's
``TimeoutMixin`` and decides what happens when it runs out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import IDelayedCall, ITCPTransport, ITransport
from twisted.logger import Logger
from twisted.protocols.basic import LineReceiver
from twisted.protocols.policies import TimeoutMixin
from twisted.python.failure import Failure
from zope.interface import implementer

from twisted_chat.core import charsets, errors, events, terminal
from twisted_chat.core.events import Event
from twisted_chat.core.formats import build
from twisted_chat.core.states import LoginState, State
from twisted_chat.interfaces import IConnection, IFormat
from twisted_chat.session.budget import Budget, allowance
from twisted_chat.session.sendqueue import SendQueue
from twisted_chat.session.throttle import Throttle
from twisted_chat.telnet.editing import EchoLine, edit
from twisted_chat.telnet.negotiation import MAX_SUBNEGOTIATION, TelnetLayer

if TYPE_CHECKING:
    from twisted_chat.core.limits import IP
    from twisted_chat.telnet.factory import ChatFactory

CTRL_C = b"\x03"

#: How long a closing connection may take to read what it was sent before it is cut.
CLOSE_GRACE = 10.0

_log = Logger()


@implementer(IConnection)
class ChatProtocol(LineReceiver, TimeoutMixin):
    """One client connection, telnet or raw, text or JSON, driven by its current state."""

    # The telnet layer turns every kind of Enter into a single LF.
    delimiter = b"\n"
    transport: ITransport
    output: SendQueue

    def __init__(self, factory: ChatFactory, address: IP | None = None) -> None:
        self.factory = factory
        #: The peer's IP address, as the factory counted it.
        self.address = address
        self.MAX_LENGTH = factory.maxLine
        limits = factory.chat.limits
        trusted = address is not None and any(address in net for net in limits.flood_exempt)
        self.throttle = Throttle(self._handle, burst=limits.flood_burst,
                                 rate=0 if trusted else limits.flood_rate,
                                 queue=limits.flood_queue, clock=factory.reactor,
                                 warn=self._floodWarning, overflow=self._excessFlood)
        #: The input budget in bytes: with flood control, for all but trusted addresses.
        self.budget: Budget | None = None
        if limits.flood_rate and limits.input_rate and not trusted:
            rate, burst = allowance(limits, factory.maxLine)
            self.budget = Budget(rate=rate, burst=burst, clock=factory.reactor.seconds)
        #: When the input over the budget (budget.waiting) is read.
        self._heldCall: IDelayedCall | None = None
        #: Why reading from the client is paused ("store", "budget"); read when none.
        #: (Frozen: the empty one is shared, where an empty set costs 216 bytes.)
        self._pauses: frozenset[str] = frozenset()
        self.telnet = TelnetLayer(self)
        self.echo: EchoLine | None = None
        self.formatName = "text"
        self.encoding = charsets.DEFAULT
        self.color = False
        self.width = 0
        self.encodingChosen = False
        self.format: IFormat = build(self.formatName)
        self.state: State = LoginState(self, factory.chat, factory.chat.clock())
        self._discarding = False
        self._offerSettled = False
        self._afterOverlong = b""
        self._closing = False
        self._closeTimer: IDelayedCall | None = None
        self._lostReason = "connection lost"

    def callLater(self, period: float, func: Callable[[], object]) -> IDelayedCall:
        """TimeoutMixin's clock, and ours: the factory's reactor."""
        return self.factory.reactor.callLater(period, func)

    def connectionMade(self) -> None:
        if ITCPTransport.providedBy(self.transport):
            # A peer that vanished without a FIN is found and its user dropped.
            self.transport.setTcpKeepAlive(True)
            # Output is coalesced here already (the outbox, --coalesce); Nagle's
            # wait for an ACK would add the peer's delayed ACK (40 ms) to a
            # reply whenever the connection is busy.
            self.transport.setTcpNoDelay(True)
        self.output = SendQueue(self.transport, self.factory.chat.limits.sendq,
                                self._sendQueueExceeded)
        self.telnet.makeConnection(self.transport)
        self.factory.connectionOpened(self)
        # The offer goes ahead of the first line, and the CR returns a raw
        # client's cursor so that the banner covers whatever the offer showed.
        self.telnet.offer()
        self.output.write(b"\r")
        self.state.enter()

    def connectionLost(self, reason: Failure | None = None) -> None:
        self.setTimeout(None)
        self.throttle.stop()
        for timer in (self._closeTimer, self._heldCall):
            if timer is not None and timer.active():
                timer.cancel()
        self.telnet.connectionLost(reason or Failure(ConnectionDone()))
        self.state.end(self._lostReason)
        self.factory.connectionClosed(self)

    # Bytes in

    def dataReceived(self, data: bytes) -> None:
        if self._closing:
            return
        if self.budget is not None:
            if self.budget.waiting:
                # Already read from below (TLS decrypts in pieces) while paused.
                self._hold(self.budget.waiting + data)
                return
            data, held = self.budget.take(data)
            if held and self.budget.flooding(held):
                self._inputFlood()
                return
            if held:
                self._hold(held)
        if data:
            self._parse(data)

    def _hold(self, held: bytes) -> None:
        """Keep input over the budget until it fits, not reading meanwhile; or cut a flood."""
        assert self.budget is not None
        if self.budget.flooding(held):
            self._inputFlood()
            return
        self.budget.waiting = held
        self._pause("budget")
        if self._heldCall is None:
            self._heldCall = self.callLater(self.budget.wait(held), self._readHeld)

    def _readHeld(self) -> None:
        assert self.budget is not None
        self._heldCall = None
        held, self.budget.waiting = self.budget.waiting, b""
        self._resume("budget")
        self.dataReceived(held)

    def _parse(self, data: bytes) -> None:
        try:
            self.telnet.dataReceived(data)
        except Exception:
            # A byte sequence nobody foresaw: it costs the sender its connection, no more.
            _log.failure("Input from {peer} broke the connection", peer=self.transport.getPeer())
            self.state.kick(errors.UnreadableInput(), "unreadable input")

    def textReceived(self, data: bytes) -> None:
        if self.echo is not None and CTRL_C in data:
            # In character mode Ctrl-C arrives as itself: it means what IAC IP means.
            *pieces, last = data.split(CTRL_C)
            for piece in pieces:
                self._text(piece)
                self.interrupted()
            data = last
        self._text(data)

    def _text(self, data: bytes) -> None:
        if self.echo is not None:
            self.output.write(self.telnet.escape(self.echo.feed(data)))
        super().dataReceived(data)
        while self._afterOverlong and not self.transport.disconnecting:  # type: ignore[attr-defined]
            rest, self._afterOverlong = self._afterOverlong, b""
            super().dataReceived(rest)

    def lineReceived(self, line: bytes) -> None:
        if self._closing:
            return
        if self._discarding:
            # The tail of a line that was already too long.
            self._discarding = False
            return
        if len(line) > self.factory.maxLine:
            self.state.fail(errors.LineTooLong(self.factory.maxLine))
            return
        if not self._offerSettled:
            self._offerSettled = True
            self.telnet.forgetOffer()
        self.throttle.submit(line)

    def _handle(self, line: bytes) -> None:
        """A line whose turn has come: decode it and hand it to the state."""
        text = self._decode(line)
        if text is not None:
            self.state.lineReceived(edit(text))

    def _decode(self, line: bytes) -> str | None:
        try:
            return line.decode(self.encoding)
        except UnicodeDecodeError:
            pass
        guessed = None if self.encodingChosen else charsets.guess(line)
        if guessed is None:
            self.state.fail(errors.BadEncoding(self.encoding))
            return None
        self._settle(encoding=guessed)
        self.send(events.Encoding(self.factory.chat.clock(), guessed, guessed=True))
        return line.decode(guessed)

    def lineLengthExceeded(self, line: bytes) -> None:
        if not self._discarding:
            self.state.fail(errors.LineTooLong(self.factory.maxLine))
        _, ended, rest = line.partition(self.delimiter)
        self._discarding = not ended
        self._afterOverlong = rest

    # What the telnet layer reports: TelnetUser

    def echoChanged(self, on: bool) -> None:
        self.echo = EchoLine(self.factory.maxLine) if on else None
        if self.echo is not None:
            self.echo.encoding = self.encoding

    def windowSizeChanged(self, width: int, height: int) -> None:
        self._settle(width=width)

    def interrupted(self) -> None:
        self.clearLineBuffer()
        self._discarding = False
        if self.echo is not None:
            if self.echo.shown:
                self.output.write(b"^C\r\n")
            self.echo.clear()
        self.send(events.Notice(
            self.factory.chat.clock(),
            "Interrupted: the line you were typing was dropped. Type /quit to leave."))

    def areYouThere(self) -> None:
        chat = self.factory.chat
        self.send(events.Notice(chat.clock(), f"Yes, {chat.server_name} is here."))

    def subnegotiationTooLong(self) -> None:
        self.state.fail(errors.SubnegotiationTooLong(MAX_SUBNEGOTIATION))

    def sendTelnet(self, data: bytes) -> None:
        if not self._closing:
            self.output.write(data)

    # Limits

    def _floodWarning(self, waiting: int) -> None:
        self.state.fail(errors.FloodWarning(waiting, self.throttle.queue))

    def _excessFlood(self) -> None:
        self.factory.chat.log.info("floods", "Excess flood from {peer}",
                                   peer=self.transport.getPeer())
        self.state.kick(errors.ExcessFlood(self.throttle.queue), "excess flood")

    def _inputFlood(self) -> None:
        assert self.budget is not None
        self.budget.waiting = b""
        if "flood" in self._pauses:
            return  # Cut off already (TLS hands over what it decrypted).
        # Nothing more is read from it: it is being cut off.
        self._pause("flood")
        self.factory.chat.log.info("floods", "Excess flood from {peer}: input far past "
                                   "{rate} bytes a second", peer=self.transport.getPeer(),
                                   rate=self.budget.rate)
        self.state.kick(errors.InputFlood(self.budget.rate), "excess flood")

    def _sendQueueExceeded(self) -> None:
        self.factory.chat.log.info(
            "connections not reading", "{peer} is not reading: more than {limit} bytes unsent; "
            "cutting it off", peer=self.transport.getPeer(), limit=self.output.limit)
        self._lostReason = "send queue exceeded"
        self._closing = True
        self.throttle.stop()
        # Not at once: this runs in the middle of a broadcast to the room.
        self.callLater(0, self.transport.abortConnection)  # type: ignore[attr-defined]

    def timeoutConnection(self) -> None:
        self.state.timedOut()

    # Events out: IConnection

    def send(self, event: Event) -> None:
        self.write(self.format.render(event))

    def pauseInput(self) -> None:
        self._pause("store")

    def resumeInput(self) -> None:
        self._resume("store")

    def _pause(self, reason: str) -> None:
        if not self._pauses:
            self.transport.pauseProducing()  # type: ignore[attr-defined]
        self._pauses |= {reason}

    def _resume(self, reason: str) -> None:
        self._pauses -= {reason}
        if not self._pauses and not self._closing:
            self.transport.resumeProducing()  # type: ignore[attr-defined]

    def write(self, data: bytes) -> None:
        if self._closing:
            # The goodbye was the last line: what others do meanwhile is not for us.
            return
        if self.echo is not None and self.echo.shown:
            # Lift the half-typed line out of the way and put it back after.
            data = self.echo.hide() + data + self.echo.show()
        self.output.write(self.telnet.escape(data))

    def become(self, state: object) -> None:
        assert isinstance(state, State)
        self.state = state
        state.enter()

    def configure(self, *, format: str | None = None, encoding: str | None = None,
                  color: bool | None = None) -> None:
        if encoding is not None:
            self.encodingChosen = True
        self._settle(format=format, encoding=encoding, color=color)

    def _settle(self, *, format: str | None = None, encoding: str | None = None,
                color: bool | None = None, width: int | None = None) -> None:
        """Change some settings and rebuild the format from all of them."""
        if format is not None:
            self.formatName = format
        if encoding is not None:
            self.encoding = encoding
            if self.echo is not None:
                self.echo.encoding = encoding
        if color is not None:
            self.color = color
        if width is not None:
            self.width = width
        self.format = build(self.formatName, encoding=self.encoding, color=self.color,
                            width=terminal.wrap_width(self.width))

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self.throttle.stop()
        self.setTimeout(None)
        self.output.close()
        self._closeTimer = self.callLater(CLOSE_GRACE, self.transport.abortConnection)  # type: ignore[attr-defined]
        self.transport.loseConnection()
