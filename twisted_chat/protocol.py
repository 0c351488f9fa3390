"""
The line protocol: bytes in, decoded lines to the state; events out, rendered.

It holds no room or user logic.  Its one subtlety is line length: a line over
the limit gets an error and is thrown away, *all* of it, however it is split
across reads, and the lines after it are read as usual.  (LineReceiver's own
answer to a long line is to drop the connection, and to discard whatever else
was in the same read.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.interfaces import ITransport
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure
from zope.interface import implementer

from twisted_chat import errors
from twisted_chat.events import Event
from twisted_chat.formats import FORMATS
from twisted_chat.interfaces import IConnection, IFormat
from twisted_chat.states import LoginState, State

if TYPE_CHECKING:
    from twisted_chat.factory import ChatFactory


@implementer(IConnection)
class ChatProtocol(LineReceiver):
    """One client connection, in text or JSON, driven by its current state."""

    # LF alone ends a line, so netcat and telnetlib work; a CR before it is stripped.
    delimiter = b"\n"
    transport: ITransport

    def __init__(self, factory: ChatFactory) -> None:
        self.factory = factory
        # One byte more than the limit, for the CR of a CRLF; the limit itself
        # is checked without the line ending in lineReceived.
        self.MAX_LENGTH = factory.maxLine + 1
        self.format: IFormat = FORMATS["text"]
        self.state: State = LoginState(self, factory.chat, factory.chat.clock())
        self._discarding = False
        self._afterOverlong = b""

    def connectionMade(self) -> None:
        self.factory.connectionOpened(self)
        self.state.enter()

    def connectionLost(self, reason: Failure | None = None) -> None:
        self.state.connectionLost()
        self.factory.connectionClosed(self)

    # Bytes in

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        while self._afterOverlong and not self.transport.disconnecting:  # type: ignore[attr-defined]
            rest, self._afterOverlong = self._afterOverlong, b""
            super().dataReceived(rest)

    def lineReceived(self, line: bytes) -> None:
        if self._discarding:
            # The tail of a line that was already too long.
            self._discarding = False
            return
        line = line.removesuffix(b"\r")
        if len(line) > self.factory.maxLine:
            self.state.fail(errors.LineTooLong(self.factory.maxLine))
            return
        try:
            text = line.decode(self.format.encoding)
        except UnicodeDecodeError:
            self.state.fail(errors.BadEncoding(self.format.encoding))
            return
        self.state.lineReceived(text)

    def lineLengthExceeded(self, line: bytes) -> None:
        if not self._discarding:
            self.state.fail(errors.LineTooLong(self.factory.maxLine))
        _, ended, rest = line.partition(self.delimiter)
        self._discarding = not ended
        self._afterOverlong = rest

    # Events out: IConnection

    def send(self, event: Event) -> None:
        self.transport.write(self.format.render(event))

    def write(self, data: bytes) -> None:
        self.transport.write(data)

    def become(self, state: object) -> None:
        assert isinstance(state, State)
        self.state = state
        state.enter()

    def setFormat(self, format: object) -> None:
        assert IFormat.providedBy(format)
        self.format = format  # type: ignore[assignment]

    def close(self) -> None:
        self.transport.loseConnection()
