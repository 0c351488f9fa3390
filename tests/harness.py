"""
A chat server in memory, and clients that talk to it over StringTransport.

Time is a ``task.Clock``; nothing here touches the global reactor.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any

from argon2 import PasswordHasher
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransportWithDisconnection
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import AcceptConnection, CloseConnection, Ping, Pong, TextMessage
from wsproto.events import Request as WSRequest

from twisted_chat.core.chat import Chat
from twisted_chat.core.limits import UNLIMITED, Limits
from twisted_chat.hub.local import LocalHub
from twisted_chat.service import ChatService
from twisted_chat.session.sessions import Sessions
from twisted_chat.store.accounts import Accounts
from twisted_chat.store.sqlite import schema, searching
from twisted_chat.store.sqlite.searching import Searcher
from twisted_chat.store.sqlite.store import SqliteStore
from twisted_chat.telnet import hint
from twisted_chat.telnet.factory import TelnetFactory
from twisted_chat.web.origins import Origins
from twisted_chat.web.site import make_site

#: The banner's hint in GBK, the one line that is not UTF-8 (telnet/hint.py): what
#: the tests read is the rest (``banner`` keeps it, when the banner came at once).
GBK_HINT = hint.TEXT.encode("gbk") + b"\r\n"

#: Argon2 at its cheapest: the tests check what is stored, not how hard it is to crack.
QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class Transactions:
    """
    A store's runner on a real SQLite connection, in the test's hands: a
    transaction runs when :meth:`finish` says, or at once if ``immediate``.
    """

    def __init__(self, path: str = ":memory:", immediate: bool = True,
                 prepare: Callable[[sqlite3.Connection], object] = schema.migrate) -> None:
        self.connection = schema.connect(path)
        prepare(self.connection)
        self.immediate = immediate
        self.pending: list[tuple[Callable[..., Any], tuple[Any, ...], Deferred[Any]]] = []
        self.broken = False
        #: The server's clock, if a server uses this: its reactor pass ends with each result.
        self.clock: Clock | None = None

    def __call__(self, function: Callable[..., Any], *args: Any) -> Deferred[Any]:
        done: Deferred[Any] = Deferred()
        self.pending.append((function, args, done))
        if self.immediate:
            self.finish()
        return done

    def finish(self) -> None:
        """Run the oldest waiting transaction and commit it (or fail it, if ``broken``)."""
        function, args, done = self.pending.pop(0)
        try:
            if self.broken:
                raise sqlite3.OperationalError("disk I/O error")
            result = function(self.connection, *args)
            self.connection.commit()
        except Exception:
            self.connection.rollback()
            done.errback()
        else:
            done.callback(result)
        if self.clock is not None:
            self.clock.advance(0)

START = 1_800_000_000.0


def only(**limits: object) -> Limits:
    """Limits with only the given ones on."""
    fields = {name: getattr(UNLIMITED, name) for name in UNLIMITED.__dataclass_fields__}
    return Limits(**{**fields, **limits})  # type: ignore[arg-type]


def limited(**limits: object) -> Server:
    """A server with only the given limits on."""
    return Server(limits=only(**limits))


class Server:
    """
    A chat server on a ``Clock``.

    Nothing is limited unless a test says so with ``limits``: the tests of
    the limits show each one, and no other test trips over them by accident.
    """

    def __init__(self, max_line: int = 1024, limits: Limits = UNLIMITED,
                 db: Transactions | None = None, searches: Transactions | None = None,
                 search_time: float = searching.SEARCH_TIME, origins: tuple[str, ...] = (),
                 **chat: Any) -> None:
        """
        With ``db``, the chat keeps history and accounts in it (SQLite, no
        threads), and its search copy in ``searches`` (one made here if none).
        """
        self.clock = Clock()
        self.clock.advance(START)
        self.transactions = db
        if db is not None:
            db.clock = self.clock
            #: The search copy's transactions: at once, unless the test says otherwise.
            self.searches = searches or Transactions(prepare=searching.prepare)
            self.searches.clock = self.clock
            searcher = Searcher(self.searches, search_time=search_time)
            self.store = SqliteStore(db, clock=self.clock.seconds, searcher=searcher)
            searcher.history, searcher.clock = self.store.lines, self.clock
            cursor = db.connection.cursor()
            replay = chat.pop("replay", 20)
            chat.setdefault("lasting", schema.rooms(cursor))
            chat.setdefault("kept", schema.order(cursor))
            chat["store"] = self.store
            chat["accounts"] = Accounts(self.store, schema.account_names(cursor),
                                        known=schema.known_addresses(cursor),
                                        in_thread=maybeDeferred, clock=self.clock,
                                        hasher=QUICK_HASHER)
        else:
            replay = chat.pop("replay", 0)
        # As in the server: output released in one pass of the reactor goes out at its end.
        self.hub = LocalHub(store=chat.get("store"), replay=replay, clock=self.clock.seconds,
                            schedule=partial(self.clock.callLater, 0), log=chat.get("log"))
        self.chat = Chat(self.hub, clock=self.clock.seconds, limits=limits, **chat)
        self.sessions = Sessions(self.chat, self.clock, max_line=max_line)
        self.factory = TelnetFactory(self.sessions)
        #: The web listener's factory: the page, and the WebSocket at /ws.
        self.site = make_site(self.sessions, Origins(origins))
        #: The timers of the running server: started by the tests that need them.
        self.service = ChatService(self.sessions, self.clock)
        self._port = 40000

    def start_timers(self) -> None:
        """The server's every-so-often work (sweeps, crowds, overdue output), on the Clock."""
        self.service.start_timers()

    def stop_timers(self) -> None:
        self.service.stop_timers()

    def connect(self, host: str = "127.0.0.1") -> Client:
        """A new connection, from ``host``."""
        self._port += 1
        return Client(self, self._port, host)

    def connect_web(self, host: str = "127.0.0.1") -> HttpClient:
        """A new connection to the web listener, from ``host``: HTTP until it upgrades."""
        if not self.site.numPorts:
            self.site.doStart()  # As listening does: its pings begin.
        self._port += 1
        return HttpClient(self, self._port, host)

    def browser(self, name: str | None = None, host: str = "127.0.0.1") -> Browser:
        """A WebSocket client, as the page is: connected, and logged in as ``name`` if given."""
        browser = Browser(self.connect_web(host))
        if name is not None:
            browser.send(f"login {name}")
        browser.clear()
        return browser

    def logins(self, *names: str) -> list[Client]:
        """Clients logged in under ``names``, with everything they were told cleared."""
        clients = [self.login(name) for name in names]
        for client in clients:
            client.clear()
        return clients

    def login(self, name: str, fmt: str = "text") -> Client:
        """A client logged in as ``name``, with what it was told so far cleared."""
        client = self.connect()
        if fmt != "text":
            client.send(f"/format {fmt}")
        client.send(f"login {name}")
        client.clear()
        return client


class Client:
    def __init__(self, server: Server, port: int, host: str = "127.0.0.1") -> None:
        peer = IPv4Address("TCP", host, port)
        self.protocol = server.factory.buildProtocol(peer)
        self.transport = StringTransportWithDisconnection(peerAddress=peer)
        self.transport.protocol = self.protocol
        self.server = server
        self.protocol.makeConnection(self.transport)
        # Like netcat: the telnet offer comes first, then a CR, then the banner.
        self.offer, cr, self.banner = self.transport.value().partition(b"\r")
        assert cr, "the banner follows the telnet offer and a CR"
        self.transport.clear()
        self.transport.write(self.banner)

    def send(self, line: str | bytes, end: bytes = b"\r\n") -> None:
        data = line.encode("utf-8") if isinstance(line, str) else line
        self.protocol.dataReceived(data + end)
        self.server.clock.advance(0)

    def received(self) -> bytes:
        """What the server sent since the last look (but the banner's hint in GBK)."""
        data = self.transport.value().replace(GBK_HINT, b"")
        self.transport.clear()
        return data

    def lines(self) -> list[str]:
        """What the server sent since the last look, decoded and split on CRLF."""
        data = self.received()
        assert data == b"" or data.endswith(b"\r\n"), data
        assert b"\xff" not in data, "a client that never spoke telnet got an IAC byte"
        return data.decode("utf-8").split("\r\n")[:-1]

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines()]

    def clear(self) -> None:
        self.transport.clear()

    @property
    def connected(self) -> bool:
        return self.transport.connected

    def drop(self) -> None:
        """The client goes away without saying goodbye."""
        self.transport.loseConnection()


class HttpClient:
    """A connection to the web listener, over a StringTransport."""

    def __init__(self, server: Server, port: int, host: str = "127.0.0.1") -> None:
        peer = IPv4Address("TCP", host, port)
        self.server = server
        self.protocol = server.site.buildProtocol(peer)
        self.transport = StringTransportWithDisconnection(
            peerAddress=peer, hostAddress=IPv4Address("TCP", "127.0.0.1", 8080))
        self.transport.protocol = self.protocol
        self.protocol.makeConnection(self.transport)

    def send(self, data: bytes) -> None:
        self.protocol.dataReceived(data)
        self.server.clock.advance(0)

    def received(self) -> bytes:
        data = self.transport.value()
        self.transport.clear()
        return data

    def get(self, path: str = "/", headers: dict[str, str] | None = None) -> bytes:
        """Send a GET; what came back."""
        lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1:8080"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        return self.received()

    @property
    def connected(self) -> bool:
        return self.transport.connected


class Browser:
    """
    A WebSocket client on an :class:`HttpClient`, framing as a browser does
    (wsproto, masked) and reading the server's frames back as JSON events.
    """

    def __init__(self, http: HttpClient, origin: str | None = "http://127.0.0.1:8080") -> None:
        self.http = http
        self.ws = WSConnection(ConnectionType.CLIENT)
        extra = [(b"origin", origin.encode())] if origin else []
        http.send(self.ws.send(WSRequest("127.0.0.1:8080", "/ws", extra_headers=extra)))
        self.messages: list[str] = []
        self.closed_with: int | None = None
        self.pings: list[bytes] = []
        self.pongs: list[bytes] = []
        self._partial = ""
        self._read()
        assert self.accepted, "the handshake was refused"

    accepted = False

    def send(self, text: str) -> None:
        self.http.send(self.ws.send(TextMessage(text)))

    def send_event(self, event: object) -> None:
        self.http.send(self.ws.send(event))  # type: ignore[arg-type]

    @property
    def session(self) -> Any:
        """The server's session for this browser."""
        (found,) = [session for session in self.http.server.sessions.open
                    if getattr(session.transport, "transport", None) is self.http.transport]
        return found

    def _read(self) -> None:
        data = self.http.received()
        if data:
            self.ws.receive_data(data)
            self._events()
        if not self.http.connected and self.ws.state is not ConnectionState.CLOSED:
            self.ws.receive_data(None)
            self._events()

    def _events(self) -> None:
        for event in self.ws.events():
            if isinstance(event, AcceptConnection):
                self.accepted = True
            elif isinstance(event, TextMessage):
                self._partial += event.data
                if event.message_finished:
                    self.messages.append(self._partial)
                    self._partial = ""
            elif isinstance(event, Ping):
                self.pings.append(event.payload)
            elif isinstance(event, Pong):
                self.pongs.append(event.payload)
            elif isinstance(event, CloseConnection) and self.closed_with is None:
                self.closed_with = event.code

    def texts(self) -> list[str]:
        """Every message since the last look."""
        self._read()
        messages, self.messages = self.messages, []
        return messages

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(message) for message in self.texts()]

    def clear(self) -> None:
        self.texts()

    @property
    def connected(self) -> bool:
        return self.http.connected
