"""
The desktop client's connection: the port telnet users reach, switched to JSON.

:class:`ChatClient` reads the server's byte stream through the server's own
telnet parser with negotiation switched off: the options the server offers at
connect are read and never answered, so the server treats this connection as
a raw one (no echo, no doubled 0xFF).  It sends ``format json`` at once and
turns each JSON line into an event from :mod:`twisted_chat.core.events`; text lines
before the switch (the banner, or a refusal) are kept, never parsed for events.

:func:`connect` opens a connection (over TLS if given a
:class:`~twisted_chat.gui.trust.Trust`) and logs in.  Its Deferred fires with
the client once the server said yes, or fails with :class:`LoginFailed`
carrying words for the login window: the server's own where it gave some.
Over TLS the client writes nothing until the handshake is done, so a
certificate that fails the check never sees a byte, the password least of all.
"""

from __future__ import annotations

import codecs
from functools import partial
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any, Protocol

from twisted.internet import error as neterror
from twisted.internet.defer import CancelledError, Deferred, fail, succeed
from twisted.internet.endpoints import (
    HostnameEndpoint,
    TCP4ClientEndpoint,
    TCP6ClientEndpoint,
    wrapClientTLS,
)
from twisted.internet.interfaces import (
    IHandshakeListener,
    IProtocol,
    IReactorTime,
    IStreamClientEndpoint,
    ITCPTransport,
    ITransport,
)
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure
from zope.interface import implementer

from twisted_chat.core import events
from twisted_chat.core.formats import read_json
from twisted_chat.gui.trust import Trust, refusal
from twisted_chat.i18n import N_
from twisted_chat.telnet.negotiation import TelnetLayer

if TYPE_CHECKING:
    from twisted_chat.gui.words import Words

#: Seconds to wait for the connection, then as long again for the login's answer.
TIMEOUT = 10.0
DEFAULT_PORT = 6666

_log = Logger()


class LoginFailed(Exception):
    """
    Why a login did not happen, in words for the person at the login window:
    a sentence of the clients' catalog (a msgid) and its values, worded in the
    window's language (:meth:`worded`), or the server's own words (:meth:`said`).
    """

    def __init__(self, template: str, code: str = "", /, **values: object) -> None:
        self.template, self.values = template, values
        #: In English: for the command line, the log, and tests.
        self.message = template.format(**values) if values else template
        super().__init__(self.message)
        #: The server's error code, if it refused with one (``password-required``).
        self.code = code

    @classmethod
    def said(cls, text: str, code: str = "") -> LoginFailed:
        """The server's (or the TLS layer's) words, shown as they came."""
        return cls("{said}", code, said=text)

    def worded(self, words: Words) -> str:
        return words.format(self.template, **self.values)


class Listener(Protocol):
    """What a logged-in client reports to: the chat window's session."""

    def event_received(self, event: events.Event) -> None:
        """The server sent ``event``."""

    def connectionLost(self, reason: str) -> None:
        """The connection is gone; ``reason`` says why, in words."""


def parse_address(address: str) -> tuple[str, int]:
    """``host:port``, ``host``, ``[::1]:port`` or ``::1`` as a host and a port."""
    address = address.strip()
    if not address:
        raise LoginFailed(N_("Type the server's address, such as localhost:6666."))
    host, port = address, str(DEFAULT_PORT)
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        if rest:
            port = rest.removeprefix(":")
    elif address.count(":") == 1:
        host, port = address.split(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise LoginFailed(N_("'{address}' is not a server address; write it as host:port, "
                             "such as localhost:6666."), address=address)
    return host, int(port)


def check_name(name: str) -> str:
    """
    What can be said about a name before asking the server: that there is one.

    Everything else (the characters, the length, whether it is taken) the
    server decides, in its own words.
    """
    name = name.strip()
    if not name:
        raise LoginFailed(N_("Type a name to log in with."))
    if len(name.split()) > 1:
        raise LoginFailed(N_("A name is one word: no spaces."))
    return name


class _Unnegotiated(TelnetLayer):
    """Telnet parsing that never answers: the server then treats us as a raw client."""

    def commandReceived(self, command: bytes, argument: bytes | None) -> None:
        pass

    def negotiate(self, data: list[bytes]) -> None:
        pass


@implementer(IHandshakeListener)
class ChatClient(LineReceiver):
    """One connection to a twisted-chat server, in JSON; ``tls``: once its handshake is done."""

    delimiter = b"\n"
    transport: ITransport
    #: A listing of every room on a full server is long, but not this long.
    MAX_LENGTH = 4 * 1024 * 1024

    def __init__(self, tls: bool = False, language: str | None = None) -> None:
        self.tls = tls
        #: The language to ask the server for (a code), else the one it speaks is fine;
        #: then the one it says it speaks (``/lang``'s answer).
        self.wanted = language
        self.language: str | None = None
        self.telnet = _Unnegotiated(self)
        self.encoding = "utf-8"
        #: Text lines before the switch to JSON: the banner, or why we were refused.
        self.text: list[str] = []
        self.name: str | None = None
        self.listener: Listener | None = None
        self._logging_in: Deferred[ChatClient] | None = None
        self._held: list[events.Event] = []
        self._lost: str | None = None
        self._lost_waiters: list[Deferred[None]] = []
        self._ready: Deferred[ChatClient] = Deferred(lambda _: self._abort())
        self._up = False
        #: Whether the server sent anything at all: a TLS port says nothing to plain TCP.
        self._heard = False

    def connectionMade(self) -> None:
        if ITCPTransport.providedBy(self.transport):
            # A server that vanished without a word is noticed, in time.
            self.transport.setTcpKeepAlive(True)
        self.telnet.makeConnection(self.transport)
        if not self.tls:
            self._begin()

    def handshakeCompleted(self) -> None:
        """TLS is up and the server's certificate passed: now we may speak."""
        self._begin()

    def _begin(self) -> None:
        self._up = True
        self.send("format json")
        # Its answer says which language the server writes in (events' text).
        self.send(f"/lang {self.wanted}" if self.wanted else "/lang")
        if not self._ready.called:
            self._ready.callback(self)

    def when_ready(self) -> Deferred[ChatClient]:
        """
        Fires with this client once it may send (TLS: the handshake done), or
        fails with why the connection went first; cancelling drops the connection.
        """
        return self._ready

    def _abort(self) -> None:
        self.transport.abortConnection()  # type: ignore[attr-defined]

    def send(self, line: str) -> None:
        """Send one command line."""
        self.transport.write(line.encode(self.encoding, "replace") + b"\r\n")

    def close(self) -> None:
        self.transport.loseConnection()

    def when_lost(self) -> Deferred[None]:
        """A Deferred that fires once the connection is closed."""
        if self._lost is not None:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._lost_waiters.append(waiter)
        return waiter

    # Logging in

    def login(self, name: str, clock: IReactorTime, timeout: float = TIMEOUT,
              password: str = "") -> Deferred[ChatClient]:
        """
        Ask for ``name`` (with the password of a registered name); fires with
        this client once logged in, or fails with LoginFailed.
        """
        self._logging_in = Deferred(lambda _: self.close())
        self._logging_in.addTimeout(timeout, clock, onTimeoutCancel=self._no_answer)
        self.send(f"login {name} {password}" if password else f"login {name}")
        return self._logging_in

    def _no_answer(self, result: object, timeout: float) -> object:
        if isinstance(result, Failure) and result.check(CancelledError):
            return Failure(LoginFailed(
                N_("The server did not answer in {timeout:g} seconds. "
                   "Is it a twisted-chat server?"), timeout=timeout))
        return result

    def _login_answered(self, result: ChatClient | Failure) -> None:
        answered, self._logging_in = self._logging_in, None
        if answered is not None:
            answered.callback(result)

    def attach(self, listener: Listener) -> None:
        """From now on, events go to ``listener``: first those that came since the login."""
        self.listener = listener
        held, self._held = self._held, []
        for event in held:
            listener.event_received(event)
        if self._lost is not None:
            listener.connectionLost(self._lost)

    # Bytes in

    def dataReceived(self, data: bytes) -> None:
        self._heard = True
        self.telnet.dataReceived(data)

    def text_received(self, data: bytes) -> None:
        LineReceiver.dataReceived(self, data)

    def lineReceived(self, line: bytes) -> None:
        text = line.decode(self.encoding, "replace").strip()
        if not text:
            return
        if not text.startswith("{"):
            if "\ufffd" not in text or _readable(line, self.encoding):
                # Not the banner's hint for a console in another encoding (GBK):
                # that line is no words of the server's to show.
                self.text.append(text)
            return
        try:
            event = read_json(text)
        except ValueError as error:
            _log.warn("Skipped a line from the server that is no event: {line!r} ({error})",
                      line=text[:200], error=error)
            return
        if event is None:
            return
        try:
            self.event_received(event)
        except Exception:
            # A bug in showing one event costs that event, not the session.
            _log.failure("Could not show {event!r}", event=event)

    def event_received(self, event: events.Event) -> None:
        if isinstance(event, events.Encoding):
            self._follow(event.encoding)
        if isinstance(event, events.LanguageChanged):
            self.language = event.code
        if self._logging_in is not None:
            if isinstance(event, events.LoggedIn):
                self.name = event.name
                self._login_answered(self)
            elif isinstance(event, events.Error):
                self._login_answered(Failure(LoginFailed.said(event.text, event.code)))
                self.close()
        elif self.listener is not None:
            self.listener.event_received(event)
        elif self.name is not None:
            self._held.append(event)

    def _follow(self, encoding: str) -> None:
        """The connection's encoding changed (``/encoding``): read and write in it."""
        try:
            self.encoding = codecs.lookup(encoding).name
        except LookupError:
            _log.warn("The server switched to an encoding we do not know: {encoding}",
                      encoding=encoding)

    def lineLengthExceeded(self, line: bytes) -> None:
        _log.warn("The server sent a line over {limit} bytes; closing", limit=self.MAX_LENGTH)
        self.close()

    def connectionLost(self, reason: Failure | None = None) -> None:
        if not self._ready.called:
            self._ready.errback(reason or Failure(neterror.ConnectionDone()))
        if self._logging_in is not None:
            said = self.text[-1].removeprefix("! ") if self.text else ""
            if not self._heard and not self.tls:
                failed = LoginFailed(N_("The server closed the connection without a word "
                                        "(if its port is an ssl: one, connect with --tls)."))
            elif said:
                failed = LoginFailed.said(said)
            else:
                failed = LoginFailed(N_("The server closed the connection before answering."))
            self._login_answered(Failure(failed))
        self._lost = N_("The server closed the connection.") if reason is None or reason.check(
            neterror.ConnectionDone) else f"Connection lost: {reason.getErrorMessage()}"
        if self.listener is not None:
            self.listener.connectionLost(self._lost)
        waiters, self._lost_waiters = self._lost_waiters, []
        for waiter in waiters:
            waiter.callback(None)

    # What the telnet layer may tell a connection, none of which a client acts on.

    def peer_speaks(self) -> None:
        pass

    def echo_changed(self, on: bool) -> None:
        pass

    def window_size_changed(self, width: int, height: int) -> None:
        pass

    def interrupted(self) -> None:
        pass

    def are_you_there(self) -> None:
        pass

    def subnegotiation_too_long(self) -> None:
        pass

    def send_telnet(self, data: bytes) -> None:
        pass  # The layer never answers (see _Unnegotiated); nothing would reach here.


def connect(reactor: Any, address: str, name: str, timeout: float = TIMEOUT,
            password: str = "", trust: Trust | None = None,
            language: str | None = None) -> Deferred[ChatClient]:
    """
    Connect to ``address`` and log in as ``name``; fails with :class:`LoginFailed`.

    ``reactor`` connects TCP and keeps time.  With ``trust``, the connection is
    TLS and the server's certificate must pass it.  ``language`` (a code) is
    asked for before the login.  Cancelling gives up, connected or not.
    """
    try:
        host, port = parse_address(address)
        name = check_name(name)
    except LoginFailed as failed:
        return fail(failed)
    endpoint = _endpoint(reactor, host, port, timeout)
    factory = Factory.forProtocol(partial(ChatClient, tls=trust is not None, language=language))
    if trust is not None:
        endpoint = wrapClientTLS(trust.creator(host), endpoint)  # type: ignore[assignment]
    connecting = endpoint.connect(factory)
    connecting.addErrback(_not_connected, address, timeout)
    up: Deferred[ChatClient] = connecting.addCallback(_up, reactor, timeout, host)
    return up.addCallback(_log_in, name, reactor, timeout, password)


def _endpoint(reactor: Any, host: str, port: int, timeout: float) -> IStreamClientEndpoint:
    """
    An address as typed: an IP address connects at once; a host name is
    looked up first (``HostnameEndpoint``, on a thread).  No thread for an
    address: a garbage collection run on another thread than Tk's, which
    can reach Tk's objects, aborts the whole program (Tcl_AsyncDelete).
    """
    try:
        version = ip_address(host.strip("[]")).version
    except ValueError:
        return HostnameEndpoint(reactor, host, port, timeout=timeout)
    if version == 6:
        return TCP6ClientEndpoint(reactor, host.strip("[]"), port, timeout=timeout)
    return TCP4ClientEndpoint(reactor, host, port, timeout=timeout)


def _up(client: IProtocol, clock: IReactorTime, timeout: float, host: str
        ) -> Deferred[ChatClient]:
    """Connected: wait until the client may speak (over TLS, the checked handshake)."""
    assert isinstance(client, ChatClient)
    ready = client.when_ready()
    ready.addTimeout(timeout, clock, onTimeoutCancel=_no_handshake)
    return ready.addErrback(_not_secured, host)


def _no_handshake(result: object, timeout: float) -> object:
    if isinstance(result, Failure) and result.check(CancelledError):
        return Failure(LoginFailed(
            N_("The server did not finish the TLS handshake in {timeout:g} seconds. "
               "Is its port an ssl: one?"), timeout=timeout))
    return result


def _not_secured(failure: Failure, host: str) -> Failure:
    if failure.check(LoginFailed, CancelledError):
        return failure
    refused = refusal(failure, host)
    return Failure(LoginFailed.said(refused) if refused else LoginFailed(
        N_("The server closed the connection before answering.")))


def _log_in(client: ChatClient, name: str, clock: IReactorTime, timeout: float,
           password: str) -> Deferred[ChatClient]:
    return client.login(name, clock, timeout, password)


def _not_connected(failure: Failure, address: str, timeout: float) -> Failure:
    if failure.check(CancelledError, neterror.ConnectingCancelledError):
        return failure
    if failure.check(neterror.ConnectionRefusedError):
        failed = LoginFailed(N_("Could not connect to {address}: connection refused. "
                                "Is the server running?"), address=address)
    elif failure.check(neterror.TimeoutError):
        failed = LoginFailed(N_("Could not connect to {address}: no answer in {timeout:g} "
                                "seconds."), address=address, timeout=timeout)
    elif failure.check(neterror.DNSLookupError):
        failed = LoginFailed(N_("Could not connect to {address}: no such host."),
                             address=address)
    else:
        failed = LoginFailed(N_("Could not connect to {address}: {why}"), address=address,
                             why=failure.getErrorMessage())
    return Failure(failed)


def _readable(line: bytes, encoding: str) -> bool:
    """Whether ``line`` is text in ``encoding`` (a replacement character the server sent is)."""
    try:
        line.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
