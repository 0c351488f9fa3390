"""
Telnet, for a port that every kind of client reaches.

Twisted's own :class:`twisted.conch.telnet.Telnet` parses the byte stream and
keeps the option state; this subclass adds what a chat port needs on top:

- **When the server speaks first.**  It offers its options once, at connect,
  ahead of the banner's first line (:meth:`TelnetLayer.offer`): BINARY both
  ways (without it, Linux telnet swallows UTF-8 bytes 0x80-0x9f), ECHO with
  SUPPRESS-GO-AHEAD (character mode: the server echoes, so Windows telnet,
  which stops echoing locally once a server negotiates anything, shows what
  is typed), and NAWS (the window width, for wrapping).  After that the server
  only ever *answers*; a client that never sends a telnet command (netcat, a
  bot, the GUI) never receives another IAC byte, and its 0xFF bytes are not
  doubled.
- **Refusing politely.**  Any other option is refused with WONT or DONT.
- **Never stumped.**  Twisted raises ``ValueError('Stumped')`` on IAC followed
  by a byte that is no telnet command (a Latin-1 ``ÿ`` from a raw client).
  The input is fed to the parser so that it can only stop at such a pair; the
  pair is then taken as two bytes of text and parsing goes on.
- **Every Enter.**  CR LF, CR NUL, a lone CR and a lone LF all end a line; a
  CR at the end of a read ends its line at once instead of waiting for the
  byte that follows it.
- **Empty.**  ``IAC SB IAC SE`` is ignored (Twisted raises IndexError on it).
- **Bounded.**  A subnegotiation longer than :attr:`MAX_SUBNEGOTIATION` gets
  an error and the connection is closed.  Every byte the layer sends (the
  offer, each answer) goes through the connection's own output
  (:meth:`TelnetUser.send_telnet`), so it counts toward the send queue like
  chat: a client that asks and never reads is cut, not buffered for.
- **Settled is settled.**  An option refused once is not answered again, and
  an option asked about more than :data:`MAX_NEGOTIATIONS` times is no longer
  answered: a client repeating ``IAC DO x`` gets one ``WONT``, not one a request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from twisted.conch import telnet
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.python.failure import Failure

BINARY = b"\x00"
ECHO = telnet.ECHO
SGA = telnet.SGA
NAWS = telnet.NAWS
IAC = telnet.IAC

#: What we offer at connect: options we perform, options we ask the client to perform.
#: (Twisted negotiates one direction of an option at a time, so DO BINARY
#: follows the client's answer to WILL BINARY: by then it has shown it speaks telnet.)
OFFER_LOCAL = (BINARY, SGA, ECHO)
OFFER_REMOTE = (NAWS,)
#: The offer as it goes out: one write.
OFFER = b"".join([IAC + telnet.WILL + option for option in OFFER_LOCAL]
                 + [IAC + telnet.DO + option for option in OFFER_REMOTE])
#: What we agree to when the client asks first.
ACCEPT_LOCAL = frozenset(OFFER_LOCAL)
ACCEPT_REMOTE = frozenset((BINARY, SGA, NAWS))

#: The longest subnegotiation we keep: a window size is 4 bytes (8 escaped).
MAX_SUBNEGOTIATION = 64
#: Requests about one option a connection may make (a client switching between
#: line and character mode a few times makes a handful); later ones go unanswered.
MAX_NEGOTIATIONS = 8
#: The commands that ask for a change, and so are answered.
_REQUESTS = frozenset((telnet.DO, telnet.WILL))


def double_iac(data: bytes) -> bytes:
    """Text as a telnet client reads it: every 0xFF doubled, so that none starts a command."""
    return data.replace(IAC, IAC + IAC) if IAC in data else data


class TelnetUser(Protocol):
    """What the telnet layer tells the connection it serves."""

    def text_received(self, data: bytes) -> None:
        """Bytes of text, with every line end made a single LF."""

    def peer_speaks(self) -> None:
        """The client sent its first telnet command: its output is telnet from now on."""

    def echo_changed(self, on: bool) -> None:
        """The client now wants the server to echo what it types, or no longer."""

    def window_size_changed(self, width: int, height: int) -> None:
        """The client's window is this many columns wide and rows high."""

    def interrupted(self) -> None:
        """The client sent IAC IP (Ctrl-C, or ``send ip`` in telnet)."""

    def are_you_there(self) -> None:
        """The client sent IAC AYT and wants a visible sign of life."""

    def subnegotiation_too_long(self) -> None:
        """The client sent a subnegotiation over the limit; the connection will close."""

    def send_telnet(self, data: bytes) -> None:
        """Telnet commands to send the client (the offer, answers), as the rest of its output."""


class TelnetLayer(telnet.Telnet):
    """Telnet parsing and negotiation between a transport and a :class:`TelnetUser`."""

    _MAX_SUBNEGOTIATION_LENGTH = MAX_SUBNEGOTIATION
    #: Shared by every connection, where Twisted builds both per connection
    #: (four bound methods and two dicts: half a KB each); the commands are
    #: looked up in :data:`_NEGOTIATION` and :data:`_COMMANDS` instead.
    commandMap: dict[bytes, Callable[..., object]] = {}  # noqa: RUF012 (shared on purpose)
    negotiationMap: dict[bytes, Callable[..., object]] = {}  # noqa: RUF012 (shared on purpose)

    def __init__(self, user: TelnetUser) -> None:
        super().__init__()
        del self.commandMap, self.negotiationMap
        self.user = user
        #: Whether the client has sent any telnet command, so speaks telnet.
        self.peer = False
        #: Whether the offer went out and may still be answered.
        self._offered = False
        self._cr_ended = False
        #: Per option: how often the client negotiated it, and the requests
        #: refused; made when the client first negotiates (most never do).
        self._negotiations: dict[bytes, int] | None = None
        self._refused: set[tuple[bytes, bytes]] | None = None

    def _write(self, data: bytes) -> None:
        self.user.send_telnet(data)

    def offer(self) -> None:
        """
        Start the negotiation: called once, at connect, before the first line.

        The replies are handled whenever they come, or never, for a client
        that does not speak telnet.  Twisted's option state for the offer
        (Deferreds and two objects an option) is made only when the client
        shows it speaks telnet: most connections in a crowd are programs
        that never will, and a login costs a tenth less without it.
        """
        self._write(OFFER)
        self._offered = True

    def _peer_speaks(self) -> None:
        """The first telnet command from the client: the offer now awaits its answers."""
        self.peer = True
        self.user.peer_speaks()
        if not self._offered:
            return
        self._offered = False
        # As will() and do() would record them, but the requests are already sent.
        sides = ([(option, self.getOptionState(option).us) for option in OFFER_LOCAL]
                 + [(option, self.getOptionState(option).him) for option in OFFER_REMOTE])
        for option, side in sides:
            answered: Deferred[bool] = Deferred()
            side.negotiating, side.onResult = True, answered
            if option == BINARY:
                # Only offered as WILL: DO BINARY follows the client's answer.
                answered.addBoth(self._ask_binary)
            answered.addErrback(_ignore_refusal)

    def _ask_binary(self, answer: object) -> object:
        """The client answered WILL BINARY, so it speaks telnet: ask it to send binary too."""
        binary = self.getOptionState(BINARY)
        if self.peer and binary.him.state == "no" and not binary.him.negotiating:
            self.do(BINARY).addErrback(_ignore_refusal)
        return answer

    def escape(self, data: bytes) -> bytes:
        """Make outgoing text safe for telnet: a telnet client needs 0xFF doubled."""
        return double_iac(data) if self.peer else data

    # Bytes in

    def dataReceived(self, data: bytes) -> None:
        if self._cr_ended:
            # The LF or NUL that completes a CR already taken as a line end.
            self._cr_ended = False
            if data[:1] in (b"\n", b"\0"):
                data = data[1:]
        if IAC not in data:
            self._feed(data)
        else:
            # Each piece after the first starts with IAC, so the parser can only
            # be stumped by a piece's second byte (or the first piece's first).
            first, *rest = data.split(IAC)
            self._feed(first)
            for piece in rest:
                if self.state == "newline":
                    # CR then IAC: the CR ends its line (as Twisted would, were
                    # it not stumped by a bad command after it).
                    self.state = "data"
                    self.user.text_received(b"\n")
                self._feed(IAC + piece)
        if self.state == "newline":
            self.state = "data"
            self._cr_ended = True
            self.user.text_received(b"\n")

    def _feed(self, piece: bytes) -> None:
        if self.state == "data" and IAC not in piece and b"\r" not in piece.replace(b"\r\n", b""):
            # Plain text, each CR (if any) before its LF: what Twisted's
            # byte-by-byte loop would make of it, without the loop.
            if piece:
                self.applicationDataReceived(piece.replace(b"\r\n", b"\n"))
            return
        try:
            super().dataReceived(piece)
        except ValueError:
            # IAC and a byte that is no command: two bytes of text after all.
            self.state = "data"
            self.user.text_received(IAC)
            super().dataReceived(piece.removeprefix(IAC))

    def applicationDataReceived(self, data: bytes) -> None:
        self.user.text_received(data.replace(b"\r", b"\n").replace(b"\0", b""))

    def commandReceived(self, command: bytes, argument: bytes | None) -> None:
        if not self.peer:
            self._peer_speaks()
        handle = _COMMANDS.get(command)
        if handle is not None:
            handle(self.user)
            return
        negotiation = _NEGOTIATION.get(command)
        if negotiation is None:
            super().commandReceived(command, argument)
        elif self._settles(command, argument):
            negotiation(self, argument)

    def _settles(self, command: bytes, option: bytes | None) -> bool:
        """Whether this negotiation gets handled (and answered), or goes unanswered."""
        assert option is not None
        if self._negotiations is None or self._refused is None:
            self._negotiations, self._refused = {}, set()
        if (command, option) in self._refused:
            return False
        count = self._negotiations.get(option, 0) + 1
        self._negotiations[option] = count
        if count > MAX_NEGOTIATIONS:
            return False
        if command in _REQUESTS and not self._accepts(command, option):
            # Refused now (Twisted answers), and never answered again.
            self._refused.add((command, option))
        return True

    def _accepts(self, command: bytes, option: bytes) -> bool:
        if command == telnet.DO:
            return option in ACCEPT_LOCAL
        return option in ACCEPT_REMOTE

    def negotiate(self, data: list[bytes]) -> None:
        if not self.peer:
            self._peer_speaks()
        if data and data[0] == NAWS:
            self._window_size(data[1:])
        elif data:
            # (Twisted raises IndexError on an empty IAC SB IAC SE.)
            super().negotiate(data)

    def forget_offer(self) -> None:
        """
        A client that has sent a whole line without a telnet command in answer
        to the offer never will.  Should it answer after all, the answer is
        taken as a request, to the same effect.
        """
        self._offered = False

    def _subnegotiationLengthExceeded(self) -> None:
        if not self.transport.disconnecting:  # type: ignore[union-attr]
            self.user.subnegotiation_too_long()
        super()._subnegotiationLengthExceeded()

    def _window_size(self, data: list[bytes]) -> None:
        payload = b"".join(data)
        if len(payload) == 4:
            self.user.window_size_changed(int.from_bytes(payload[:2], "big"),
                                        int.from_bytes(payload[2:], "big"))

    # Which options, and what they change

    def enableLocal(self, option: bytes) -> bool:
        if option == ECHO:
            self.user.echo_changed(True)
        return option in ACCEPT_LOCAL

    def enableRemote(self, option: bytes) -> bool:
        return option in ACCEPT_REMOTE

    def disableLocal(self, option: bytes) -> None:
        if option == ECHO:
            self.user.echo_changed(False)

    def disableRemote(self, option: bytes) -> None:
        pass


#: Telnet commands with a meaning here: interrupt, are-you-there, and erase
#: character and erase line, as the control keys that mean the same.
_COMMANDS: dict[bytes, Callable[[TelnetUser], object]] = {
    telnet.IP: lambda user: user.interrupted(),
    telnet.BRK: lambda user: user.interrupted(),
    telnet.AYT: lambda user: user.are_you_there(),
    telnet.EC: lambda user: user.text_received(b"\x7f"),
    telnet.EL: lambda user: user.text_received(b"\x15"),
}


#: Twisted's own negotiation, looked up per command rather than bound per connection.
_NEGOTIATION: dict[bytes, Callable[[TelnetLayer, bytes | None], object]] = {
    telnet.WILL: telnet.Telnet.telnet_WILL,
    telnet.WONT: telnet.Telnet.telnet_WONT,
    telnet.DO: telnet.Telnet.telnet_DO,
    telnet.DONT: telnet.Telnet.telnet_DONT,
}


def _ignore_refusal(failure: Failure) -> None:
    """A refused or unanswered offer is normal: the connection goes on without it."""
    failure.trap(telnet.OptionRefused, telnet.AlreadyNegotiating, ConnectionDone, ConnectionLost)
