"""
``twistd chat``: its options and the service they make.

Every front end in :data:`FRONT_ENDS` adds its own listener option (telnet:
``--port``); every listener is an endpoint description, so TLS and UNIX
sockets need no code of ours (:mod:`twisted_chat.listeners`).  Every limit of
:class:`~twisted_chat.core.limits.Limits` is an option of the same name, with
the same default.

With ``--config FILE`` the options come from a TOML file too, under the same
names, the command line winning (:mod:`twisted_chat.config`).

Under twistd, whatever stops the start (a bad value, a port that cannot be
bound, a database that cannot be opened) is one line on stderr, and exit
status 1, before anything listens.
"""

from __future__ import annotations

import gc
import resource
import socket
import sys
from functools import partial
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any, ClassVar, NoReturn

from twisted.application.service import IService, MultiService
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger
from twisted.python import usage
from twisted.python.threadpool import ThreadPool

from twisted_chat.cluster.address import endpoint_description
from twisted_chat.config.arguments import FileArguments, from_file
from twisted_chat.config.live import Running
from twisted_chat.config.reading import ConfigError
from twisted_chat.config.reloader import Reloader
from twisted_chat.core import errors, names
from twisted_chat.core.chat import MAX_HISTORY, Chat
from twisted_chat.core.limits import DEFAULTS, Limits
from twisted_chat.core.logquota import DEFAULT_LOG_RATE, LogQuota
from twisted_chat.hub.local import LocalHub
from twisted_chat.i18n.languages import LANGUAGES, lookup
from twisted_chat.interfaces import IFrontEnd, ISequencedStore
from twisted_chat.listeners import (
    Listener,
    ListenerError,
    Listeners,
    TCPAddress,
    check,
    refuse_collisions,
)
from twisted_chat.service import ChatService, StoreService
from twisted_chat.session.sessions import DEFAULT_MAX_LINE, Sessions
from twisted_chat.store import backends
from twisted_chat.store.accounts import Accounts
from twisted_chat.telnet.frontend import TELNET
from twisted_chat.web.frontend import WEB

#: The ways in, each with its listener option.  A new front end is one package
#: and one entry here.
FRONT_ENDS: tuple[IFrontEnd, ...] = (TELNET, WEB)

#: The listener description that means "no listener for this front end".
NONE = "none"

#: Below this a telnet client's opening negotiation and a pasted line would not fit.
MIN_INPUT_BURST = 4096

#: Beyond this a chat line's delay would be felt.  The default (1 ms) lets a
#: busy room's lines share writes (README, "Performance") and is not.
MAX_COALESCE = 100.0

_log = Logger()

#: How often the cycle collector runs: after 20,000 allocations rather than
#: Python's 700.  With 12,000 users online the default's collections took a
#: quarter of a login's CPU (``loadgen.py capacity``); these, a few percent.
GC_THRESHOLDS = (20_000, 20, 10)

#: The limit options: (option, help).  Each sets the Limits field of the same name.
LIMIT_OPTIONS = [
    ("flood-burst", "Lines a user may send at once before flood control holds them back."),
    ("flood-rate", "Lines a second a user may send after the burst; 0 turns flood control off."),
    ("flood-queue", "Lines held back before the sender is cut off for excess flood."),
    ("input-burst", "Bytes a connection may send at once, a telnet command counting as 64, "
                    "before it is read more slowly."),
    ("input-rate", "Bytes a second a connection may send after the burst; far past it "
                   "(a burst more) it is cut off. 0 for no limit."),
    ("sendq", "Bytes of unsent output a connection that does not read may have before it "
              "is cut off; 0 for no limit."),
    ("max-connections", "Connections open at once in all; 0 for no limit."),
    ("max-per-ip", "Connections open at once from one IPv4 address or IPv6 /64; 0 for no limit."),
    ("conn-rate", "New connections a minute from one address; 0 for no limit."),
    ("login-lines", "Lines a connection may send before it logs in; 0 for no limit."),
    ("login-timeout", "Seconds a connection has to log in; 0 for no limit."),
    ("idle-timeout", "Seconds a user may be idle before being disconnected, with a warning "
                     "a minute before; 0 for never."),
    ("max-rooms", "Rooms that may exist at once, the main room included; 0 for no limit."),
    ("rooms-per-user", "Rooms one user created that may exist at once; 0 for no limit."),
    ("nick-rate", "Name changes a minute per user; 0 for no limit."),
    ("join-rate", "Room changes a minute per user; 0 for no limit."),
    ("create-rate", "Rooms created a minute per user; 0 for no limit."),
    ("crowd", "Members above which a room is told who came and went every "
              "10 seconds, in one summary, instead of one by one; 0 for always one by one."),
    ("msg-targets", "Different people a user may write privately to in a minute; "
                    "0 for no limit."),
    ("search-rate", "Searches of the history a user may make in a minute; 0 for no limit."),
]


def refuse(message: str) -> NoReturn:
    """Stop twistd with ``message`` as one line on stderr, and exit status 1."""
    sys.exit(f"twistd chat: {message}")


def _network(option: str, network: str) -> IPv4Network | IPv6Network:
    try:
        return ip_network(network, strict=False)
    except ValueError as error:
        raise usage.UsageError(f"--{option}: {error}") from None


def typed(option: str, kind: type[int] | type[float]) -> Any:
    """``kind`` for option values, refusing a bad one in words that name the option."""
    wanted = "a whole number" if kind is int else "a number"

    def coerce(value: str) -> int | float:
        try:
            return kind(value)
        except ValueError:
            raise ValueError(f"--{option} takes {wanted}, not {value!r}") from None

    return coerce


def _limit_option(option: str, text: str) -> list[Any]:
    default = getattr(DEFAULTS, option.replace("-", "_"))
    return [option, None, default, text, typed(option, type(default))]


class Options(usage.Options):
    """
    The options of ``twistd chat``; a subclass naming other ``front_ends`` gets
    their listener options (``__init_subclass__``), and ``makeService`` their
    listeners.
    """

    #: The front ends these options make listeners for.
    front_ends: ClassVar[tuple[IFrontEnd, ...]] = FRONT_ENDS
    synopsis = "[options]"
    longdesc = (
        "A multi-user text chat server. Connect with telnet (telnet localhost 6666), "
        "netcat, or any program that speaks lines of UTF-8, or open the browser client "
        "(http://localhost:8080/)."
    )
    optParameters: ClassVar[list[list[Any]]] = [
        ["config", None, None,
         "A TOML file of these options under the same names (max-per-ip = 5, "
         "port = [\"tcp:6666\"]); the command line wins over it. SIGHUP or /reload reads "
         "it again."],
        ["main-room", None, "lobby", "The room everyone enters at login; it always exists."],
        ["main-topic", None, "", "The topic of the main room."],
        ["max-line", None, DEFAULT_MAX_LINE,
         "The longest line a client may send, in bytes, not counting the line ending.",
         typed("max-line", int)],
        ["server-name", None, "twisted-chat", "The name the welcome banner shows."],
        ["lang", None, "en",
         "The language the server writes to users in until they choose one with /lang: "
         f"{', '.join(LANGUAGES)}."],
        ["motd", None, None, "A file whose text every user sees after logging in."],
        ["db", None, "twisted-chat.db",
         "Where history, registered names and lasting rooms are kept: an SQLite file "
         "(:memory: keeps them only while the server runs), or a PostgreSQL database that "
         "several nodes share, as a postgresql:// URI or a libpq string "
         "('dbname=chat host=/run/postgresql')."],
        ["cluster", None, None,
         "Be one node of a cluster: the Redis server every node shares, redis://HOST:PORT or "
         "unix:PATH. Needs --db postgresql://..., the database they share."],
        ["node", None, None,
         "This node's name in the cluster, unique among its nodes "
         "(default: the host's name and the first listener's port)."],
        ["replay", None, 20, "Lines of a room's history shown on entering it; 0 for none.",
         typed("replay", int)],
        ["coalesce", None, 1.0,
         "Milliseconds a stored line waits for others, to go out in one write with them; "
         "0 sends at the next pass of the reactor.", typed("coalesce", float)],
        ["metrics", None, None,
         "Where to serve /metrics (Prometheus), /healthz and /readyz: an endpoint description "
         "such as tcp:9100:interface=127.0.0.1. Off unless given."],
        ["log-rate", None, DEFAULT_LOG_RATE,
         "Log lines a second about users coming and going; past it they are counted, "
         "and one line a second says how many. 0 for no limit.", typed("log-rate", int)],
        *(_limit_option(option, text) for option, text in LIMIT_OPTIONS),
    ]

    def parseOptions(self, options: list[str] | None = None) -> None:
        """
        A UsageError for a bad value; but as twistd's subcommand (``parent``
        set), one line and exit status 1: twistd would print all of
        ``--help`` before the error.  With ``--config``, the file's options
        come first, and an error in one names the file and the key.
        """
        #: The command line as given: a reload reads the file again under it.
        self.argv = list(sys.argv[1:] if options is None else options)
        #: What ``--config``'s file gave (None: no file).
        self.source: FileArguments | None = None
        try:
            argv, self.source = from_file(self, self.argv)
            try:
                super().parseOptions(argv)
            except usage.UsageError as error:
                if self.source is None:
                    raise
                raise usage.UsageError(self.source.blame(str(error))) from None
        except (usage.UsageError, ConfigError) as error:
            # Our own words name the option; Twisted's prefix says nothing more.
            message = str(error).removeprefix("Parameter type enforcement failed: ")
            if self.parent is not None:
                refuse(message)
            raise usage.UsageError(message) from None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _add_listener_options(cls)

    def __init__(self) -> None:
        super().__init__()
        for front in self.front_ends:
            self[front.option] = []
            for option, _, _ in front.extra:
                self[option] = []
        self["exempt"] = []
        self["flood-exempt"] = []
        self["operator"] = []

    def opt_operator(self, name: str) -> None:
        try:
            self["operator"].append(names.key(names.user_name(name)))
        except errors.ChatError as error:
            raise usage.UsageError(f"--operator {name!r}: {error.message}") from None

    opt_operator.__doc__ = (
        "A registered name that is a server operator: it acts in every room and server-wide, "
        "and outranks every room role, once logged in with its password. Repeat for several."
    )

    def opt_exempt(self, network: str) -> None:
        self["exempt"].append(_network("exempt", network))

    opt_exempt.__doc__ = (
        "An address or network (10.0.0.0/8, 2001:db8::/32) the per-address connection "
        "limits never apply to. Repeat for several."
    )

    def opt_flood_exempt(self, network: str) -> None:
        self["flood-exempt"].append(_network("flood-exempt", network))

    opt_flood_exempt.__doc__ = (
        "An address or network whose connections skip flood control, such as a trusted "
        "bot's (127.0.0.1). Repeat for several."
    )

    def postOptions(self) -> None:
        try:
            self["listeners"] = self._listeners()
        except ListenerError as error:
            raise usage.UsageError(str(error)) from None
        if not 0 <= self["replay"] <= MAX_HISTORY:
            # Each room keeps this many lines in memory (twisted_chat.hub.recent).
            raise usage.UsageError(f"--replay must be from 0 to {MAX_HISTORY} lines")
        if not 0 <= self["coalesce"] <= MAX_COALESCE:
            raise usage.UsageError(f"--coalesce must be from 0 to {MAX_COALESCE} milliseconds")
        if self["log-rate"] < 0:
            raise usage.UsageError("--log-rate must not be negative")
        if self["max-line"] < 16:
            raise usage.UsageError("--max-line must be at least 16 bytes")
        for option, _ in LIMIT_OPTIONS:
            if self[option] < 0:
                raise usage.UsageError(f"--{option} must not be negative")
        if self["flood-rate"] and self["flood-burst"] < 1:
            raise usage.UsageError("--flood-burst must be at least 1 while flood control is on")
        if self["input-rate"] and self["input-burst"] < MIN_INPUT_BURST:
            raise usage.UsageError(f"--input-burst must be at least {MIN_INPUT_BURST} bytes "
                                   "while --input-rate is on")
        self["limits"] = Limits(
            exempt=tuple(self["exempt"]), flood_exempt=tuple(self["flood-exempt"]),
            **{option.replace("-", "_"): self[option] for option, _ in LIMIT_OPTIONS})
        try:
            self["main-room"] = names.room_name(self["main-room"])
        except errors.ChatError as error:
            raise usage.UsageError(f"--main-room: {error.message}") from None
        if self["cluster"] is not None:
            try:
                endpoint_description(self["cluster"])
            except ValueError as error:
                raise usage.UsageError(f"--cluster {self['cluster']}: {error}") from None
            if not backends.is_postgres(self["db"]):
                raise usage.UsageError("--cluster needs --db postgresql://...: every node "
                                       "keeps the chat in the one database they share")
            if self["node"] is None:
                self["node"] = _default_node(self["listeners"])
            elif not self["node"] or any(c.isspace() for c in self["node"]):
                raise usage.UsageError("--node must be a name without spaces")
        language = lookup(self["lang"])
        if language is None:
            raise usage.UsageError(f"--lang {self['lang']}: use one of {', '.join(LANGUAGES)}")
        self["lang"] = language.code
        if self["motd"] is not None:
            try:
                with open(self["motd"], encoding="utf-8") as motd:
                    self["motd-text"] = motd.read().strip()
            except (OSError, UnicodeDecodeError) as error:
                raise usage.UsageError(f"--motd: {error}") from None

    def _listeners(self) -> list[Listener]:
        """Every front end's listeners, as given or by default, none of them colliding."""
        listeners: list[Listener] = []
        for front in self.front_ends:
            given = self[front.option] or ([front.default] if front.default else [])
            if NONE in given:
                if given != [NONE]:
                    raise usage.UsageError(f"--{front.option} none cannot go with other "
                                           f"--{front.option} listeners")
                given = []
            planned = [Listener.parse(front.option, typed) for typed in given]
            self[front.option] = [listener.description for listener in planned]
            listeners += planned
        if not listeners:
            raise usage.UsageError("Every listener is off (none): nobody could connect")
        if self["metrics"] is not None:
            metrics = Listener.parse("metrics", self["metrics"])
            if not _loopback(metrics):
                _log.warn("--metrics {where}: not on loopback only, so anyone who reaches it "
                          "reads the chat's numbers (add :interface=127.0.0.1)",
                          where=metrics.description)
            listeners.append(metrics)
        refuse_collisions(listeners)
        return listeners


def _loopback(listener: Listener) -> bool:
    """Whether only this machine can reach ``listener`` (a UNIX socket, or a loopback address)."""
    address = listener.address
    if not isinstance(address, TCPAddress):
        return True
    try:
        return ip_address(address.interface).is_loopback
    except ValueError:
        return address.interface == "localhost"


def _default_node(listeners: list[Listener]) -> str:
    """The host's name and the first listener's port (or path): unique on most clusters."""
    for listener in listeners:
        address = listener.address
        if isinstance(address, TCPAddress):
            return f"{socket.gethostname()}:{address.port}"
        if address is not None:
            return f"{socket.gethostname()}:{address.path}"
    return socket.gethostname()


def _listener_option(front: IFrontEnd) -> Any:
    def opt(self: Options, description: str) -> None:
        self[front.option].append(description)

    opt.__doc__ = front.help
    return opt


def _extra_option(option: str, parse: Any, text: str) -> Any:
    def opt(self: Options, value: str) -> None:
        try:
            self[option].append(parse(value))
        except ValueError as error:
            raise usage.UsageError(f"--{option}: {error}") from None

    opt.__doc__ = text
    return opt


def _add_listener_options(options: type[Options]) -> None:
    """
    ``--OPTION DESCRIPTION`` (and its short form) for each of the class's front
    ends, and each front end's own further options.
    """
    for front in options.front_ends:
        method = _listener_option(front)
        setattr(options, f"opt_{front.option.replace('-', '_')}", method)
        if front.short:
            setattr(options, f"opt_{front.short}", method)
        for option, parse, text in front.extra:
            setattr(options, f"opt_{option.replace('-', '_')}", _extra_option(option, parse, text))


_add_listener_options(Options)


def raise_file_limit(connections: int) -> None:
    """Let the process hold as many sockets as --max-connections allows, if it may."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 100 if connections else hard
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if connections and wanted < connections + 100:
        _log.warn("Only {files} open files are allowed: fewer than --max-connections {limit}",
                  files=wanted, limit=connections)


def tune_garbage_collector() -> None:
    """
    Collect cycles less often, and never look again at what start-up made:
    a server's objects live as long as their connections, and scanning
    them over and over is wasted work.
    """
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def makeService(options: Options) -> IService:
    from twisted.internet import reactor

    try:
        # First of all: a port in use stops the start before the database is touched.
        check(options["listeners"])
    except ListenerError as error:
        refuse(str(error))
    limits: Limits = options["limits"]
    raise_file_limit(limits.max_connections)
    try:
        snapshot = backends.load(options["db"])
    except backends.Refused as error:
        refuse(str(error))
    kept = backends.open(options["db"], reactor)
    hashing = ThreadPool(minthreads=0, maxthreads=2, name="argon2")
    accounts = Accounts(kept, snapshot.accounts, clock=reactor, known=snapshot.known,
                        in_thread=partial(deferToThreadPool, reactor,  # type: ignore[arg-type]
                                         hashing))
    log = LogQuota(options["log-rate"], reactor)
    hub_options = dict(replay=options["replay"], clock=reactor.seconds,
                       schedule=partial(reactor.callLater, options["coalesce"] / 1000), log=log)
    peers = None
    hub: LocalHub
    if options["cluster"] is not None:
        # Imported only here: a server alone needs no Redis client.
        from twisted_chat.cluster import node
        assert ISequencedStore.providedBy(kept)
        hub, peers = node.build(options["cluster"], options["node"], kept, reactor,
                                **hub_options)
    else:
        hub = LocalHub(store=kept, **hub_options)
    chat = Chat(hub, main_room=options["main-room"], main_topic=options["main-topic"],
                server_name=options["server-name"], motd=options.get("motd-text", ""),
                clock=reactor.seconds, limits=limits, store=kept, accounts=accounts,
                lasting=snapshot.rooms, log=log, operators=options["operator"],
                kept=snapshot.order, peers=peers)
    for key in options["operator"]:
        if not accounts.registered(key):
            _log.warn("--operator {name}: not a registered name yet; it acts as a server "
                      "operator once registered and logged in with its password", name=key)
    sessions = Sessions(chat, reactor, max_line=options["max-line"], language=options["lang"])
    tune_garbage_collector()
    top = MultiService()
    # Added first, so stopped last: the listeners close before the goodbyes,
    # and the goodbyes go before the database closes.
    StoreService(kept, hashing).setServiceParent(top)
    if peers is not None:
        node.PeersService(peers, chat).setServiceParent(top)
    ChatService(sessions, reactor, signals=reactor).setServiceParent(top)
    factories = {front.option: front.factory(sessions, options) for front in options.front_ends}
    if options["metrics"] is not None:
        from twisted_chat.metrics.resource import make_site
        factories["metrics"] = make_site(
            sessions, kept, reactor, [factories[listener.option] for listener in
                                      options["listeners"] if listener.option in factories],
            link=getattr(hub, "link", None))
    listeners = Listeners(reactor, [(listener, factories[listener.option])
                                    for listener in options["listeners"]])
    listeners.setServiceParent(top)
    if options["config"] is not None:
        chat.reloader = Reloader(options, Running(chat, sessions, raise_file_limit), listeners)
    return top
