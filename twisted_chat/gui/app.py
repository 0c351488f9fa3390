"""
The desktop client as a program: its options, its windows, its connections.

Tk runs inside the Twisted reactor (:mod:`twisted.internet.tksupport`): one
thread, in which the reactor reads the socket when there is something to read
and lets Tk draw between times.  No thread polls a socket, and no widget is
touched from anywhere but the reactor's thread.

Given several servers (``--server a:6666,b:6666``, or ``--server`` again), the
client logs in on the first that answers and, when a connection is lost by
accident, comes back by itself on the next (:mod:`twisted_chat.gui.servers`).

Languages: ``--lang`` and the Language menu choose the one the windows speak
and the server is asked to write in; once logged in, the server's word on
it (its answer to ``/lang``, typed or sent) is what the windows follow.
"""

from __future__ import annotations

import random as _random
import sys
import tkinter as tk
from collections.abc import Callable
from typing import Any, ClassVar

from twisted.internet.defer import CancelledError, Deferred, fail
from twisted.logger import (
    FilteringLogObserver,
    Logger,
    LogLevel,
    LogLevelFilterPredicate,
    globalLogBeginner,
    textFileLogObserver,
)
from twisted.python import usage
from twisted.python.failure import Failure

from twisted_chat.gui.client import TIMEOUT, ChatClient, LoginFailed, connect
from twisted_chat.gui.servers import Reconnector, first_to_answer, parse_servers
from twisted_chat.gui.trust import Trust, load_ca, parse_fingerprint
from twisted_chat.gui.windows import ChatWindow, LoginWindow
from twisted_chat.gui.words import CHOICES, Words
from twisted_chat.i18n import N_, languages

#: Milliseconds between the reactor's turns at Tk: quick enough that typing never
#: lags, slow enough that an idle window costs about 2 % of a core (10 ms: 4 %).
TK_INTERVAL = 20

#: Seconds Close waits for the server to take the goodbye before the window goes.
CLOSE_WAIT = 2.0

_log = Logger()


class Options(usage.Options):
    synopsis = ("[--server HOST:PORT[,HOST:PORT...]] [--name NAME] [--lang CODE] "
                "[--tls [--ca FILE | --fingerprint SHA256]]")
    longdesc = ("The twisted-chat desktop client. With --name it logs in at once; "
                "otherwise it opens the login window.")
    optFlags: ClassVar[list[list[str | None]]] = [
        ["tls", None, "Connect over TLS (the server's ssl: port), its certificate checked "
                      "against the system's trusted CAs and the host name."],
    ]
    optParameters: ClassVar[list[list[str | None]]] = [
        ["name", "n", None, "Log in with this name at once, without the login window."],
        ["lang", None, None, "The language of the windows and of what the server writes: "
                             "en, zh-CN or zh-TW (default: the server's)."],
        ["ca", None, None, "With --tls: trust this CA (a PEM file) instead of the system's."],
        ["fingerprint", None, None,
         "With --tls: accept only the certificate with this SHA-256 fingerprint "
         "(64 hex digits, colons optional), for a self-signed one."],
    ]

    def __init__(self) -> None:
        super().__init__()
        self["servers"] = []

    def opt_server(self, addresses: str) -> None:
        ("The server's address, as host:port (default: localhost:6666). Several, "
         "comma-separated or with --server again, are tried in turn, and the next one "
         "after a lost connection.")
        self["servers"].append(addresses)

    opt_s = opt_server

    def postOptions(self) -> None:
        self["trust"] = None
        self["language"] = None
        if self["lang"] is not None:
            self["language"] = languages.lookup(self["lang"])
            if self["language"] is None:
                raise usage.UsageError(f"--lang: no language '{self['lang']}'; choose one of "
                                       f"{', '.join(languages.LANGUAGES)}")
        try:
            self["servers"] = parse_servers(",".join(self["servers"]) or "localhost:6666")
        except LoginFailed as error:
            raise usage.UsageError(f"--server: {error.message}") from None
        if self["ca"] and self["fingerprint"]:
            raise usage.UsageError("give --ca or --fingerprint, not both")
        if (self["ca"] or self["fingerprint"]) and not self["tls"]:
            raise usage.UsageError("--ca and --fingerprint go with --tls")
        try:
            if self["fingerprint"]:
                self["trust"] = Trust(fingerprint=parse_fingerprint(self["fingerprint"]))
            elif self["ca"]:
                self["trust"] = Trust(ca=load_ca(self["ca"]))
            elif self["tls"]:
                self["trust"] = Trust()
        except ValueError as error:
            option = "--fingerprint" if self["fingerprint"] else "--ca"
            raise usage.UsageError(f"{option}: {error}") from None


class App:
    """What happens on Login, Reconnect and Close, and which window shows."""

    def __init__(self, root: tk.Tk, reactor: Any, server: str, name: str,
                 quit: Callable[[], object], timeout: float = TIMEOUT,
                 trust: Trust | None = None,
                 random: Callable[[], float] = _random.random,
                 language: languages.Language | None = None) -> None:
        """
        ``server``: one address or several (``a:6666, b:6666``), as the login
        window takes; ``language``: the one to speak and ask the server for
        (None: the server's).
        """
        self.root = root
        self.words = Words(language or languages.ENGLISH)
        #: The language to ask the server for at the next login (a code), if any.
        self.asked = None if language is None else language.code
        self.reactor = reactor
        self.quit = quit
        #: Seconds to connect, and as many for the server to answer the login.
        self.timeout = timeout
        #: The server logged in on (before that: what the login window was given).
        self.server = server
        #: The jitter of the waits between tries to reconnect.
        self.random = random
        self.returning: Reconnector | None = None
        #: Over TLS, what the server's certificate must be; None: plain TCP.
        self.trust = trust
        self.login_window = LoginWindow(root, server, name, self.log_in, self._security(),
                                        self.words)
        self.chat_window: ChatWindow | None = None
        self.client: ChatClient | None = None
        self.attempt: Deferred[ChatClient] | None = None
        self.closing = False
        self.login_name = self.password = ""
        root.title("twisted-chat")
        self._build_menu()
        root.protocol("WM_DELETE_WINDOW", self.close)
        root.report_callback_exception = self._callback_failed  # type: ignore[method-assign]
        self.login_window.pack(fill="both", expand=True)
        self.login_window.focus()

    def _build_menu(self) -> None:
        """The menu bar: Language, each choice named in its own language."""
        self.menu = tk.Menu(self.root, tearoff=False)
        self.language_menu = tk.Menu(self.menu, tearoff=False)
        self.language_choice = tk.StringVar(self.root, self.words.language.code)
        for code in CHOICES:
            self.language_menu.add_radiobutton(
                label=languages.LANGUAGES[code].name, value=code, variable=self.language_choice,
                command=lambda code=code: self.choose_language(code))  # type: ignore[misc]
        self.menu.add_cascade(label=self.words._(N_("Language")), menu=self.language_menu)
        self.root.configure(menu=self.menu)

    def choose_language(self, code: str) -> None:
        """
        The Language menu: ask the server, whose answer re-labels the windows;
        not connected, re-label them now, and ask at the next login.
        """
        self.asked = code
        window = self.chat_window
        if window is not None and window.session.connected:
            window.session.submit(f"/lang {code}")
            return
        self.words.language = languages.get(code)
        if window is not None:
            window.language_changed()
        else:
            self.relabel()

    def relabel(self) -> None:
        """The menu and the login window in the language of the moment."""
        self.language_choice.set(self.words.language.code)
        self.menu.entryconfigure(0, label=self.words._(N_("Language")))
        self.login_window.relabel(self._security())

    def _security(self) -> str:
        _ = self.words._
        if self.trust is not None:
            return _("Encrypted (TLS), {how}.").format(how=_(self.trust.describe()))
        return _("Not encrypted: the password crosses the network as typed (see --tls).")

    def log_in(self, servers: str, name: str, password: str = "") -> Deferred[ChatClient]:
        """
        Connect to the first of ``servers`` (one address, or several) that
        answers, as ``name``, from the login window.
        """
        # Kept for Reconnect, in this process only.
        self.login_name, self.password = name, password
        attempt: Deferred[tuple[ChatClient, str]]
        try:
            addresses = parse_servers(servers)
        except LoginFailed as failed:
            addresses, attempt = [], fail(failed)
        else:
            self.server = addresses[0]
            self.login_window.busy(self._connecting(addresses[0]))
            attempt = first_to_answer(
                addresses, lambda server: self._connect(server, name, password),
                self._trying_next)
        logged_in = attempt.addCallback(self._logged_in, addresses)
        logged_in.addErrback(self._failed, self.login_window.failed)
        return logged_in

    def reconnect(self) -> None:
        """The chat window's Reconnect: at once, with the same name."""
        if self.returning is not None and self.client is None:
            self.returning.now()

    def close(self) -> Deferred[None]:
        """Close: leave the chat politely, then stop."""
        self.closing = True
        self.root.withdraw()
        if self.returning is not None:
            self.returning.stop()
        if self.attempt is not None:
            self.attempt.cancel()
        done: Deferred[None]
        if self.client is not None and self.chat_window is not None \
                and self.chat_window.session.connected:
            done = self.client.when_lost()
            self.chat_window.session.close()
            done.addTimeout(CLOSE_WAIT, self.reactor)
        else:
            done = Deferred()
            done.callback(None)
        done.addBoth(lambda _: self.quit())
        return done

    # Inside

    def _connecting(self, server: str) -> str:
        return (self.words._("Connecting to {server} over TLS ...") if self.trust is not None
                else self.words._("Connecting to {server} ...")).format(server=server)

    def _connect(self, server: str, name: str, password: str) -> Deferred[ChatClient]:
        # Back after a loss, the language the window speaks now (the user may have typed /lang).
        language = self.asked if self.chat_window is None else self.words.language.code
        attempt = self.attempt = connect(self.reactor, server, name, self.timeout,
                                         password, self.trust, language)
        attempt.addBoth(self._settled)
        return attempt

    def _settled(self, result: object) -> object:
        self.attempt = None
        return result

    def _trying_next(self, server: str, why: str) -> None:
        self.login_window.busy(f"{why}\n{self._connecting(server)}")

    def _logged_in(self, logged_in: tuple[ChatClient, str], servers: list[str]) -> ChatClient:
        client, server = logged_in
        self.server = server
        self.login_window.pack_forget()
        window = self.chat_window = ChatWindow(self.root, self.reconnect, self.close,
                                               self.words, self.relabel)
        window.pack(fill="both", expand=True)
        self.root.geometry("960x600")
        self.returning = Reconnector(
            self.reactor, servers, server,
            lambda server: self._connect(server, *self._credentials(window)),
            lambda client, server: self._reconnected(client, server, window),
            window, self.random, self.words)
        self._attach(client, window)
        return client

    def _credentials(self, window: ChatWindow) -> tuple[str, str]:
        """The name to log back in with, and its password if it has one."""
        name = window.session.name
        if window.session.registered is not None:
            # Registered (or changed) in the window since logging in: that password now.
            self.login_name, self.password = window.session.registered
        if name.casefold() != self.login_name.casefold():
            self.password = ""  # Renamed since: the password was for the other name.
        return name, self.password

    def _reconnected(self, client: ChatClient, server: str, window: ChatWindow) -> None:
        moved = server if server.casefold() != self.server.casefold() else None
        self.server = server
        self._attach(client, window, moved)

    def _attach(self, client: ChatClient, window: ChatWindow, moved: str | None = None) -> None:
        self.client = client
        window.session.attach(client, moved)
        client.when_lost().addCallback(self._lost, client, window)

    def _lost(self, _: None, client: ChatClient, window: ChatWindow) -> None:
        """The connection went: by accident, the way back starts by itself."""
        if self.client is client:
            self.client = None
        if self.closing or self.returning is None or not window.session.comes_back:
            return  # The window says why; Reconnect is the user's to press.
        self.returning.lost(self.words._("Connection lost."))

    def _failed(self, failure: Failure, show: Callable[..., object]) -> None:
        """A login that did not happen: ``show(text, code)`` says why."""
        if self.closing or failure.check(CancelledError):
            return  # Closed while connecting: nobody is waiting for the answer.
        if isinstance(failure.value, LoginFailed):
            show(failure.value.worded(self.words), failure.value.code)
        elif failure.check(Exception):
            _log.failure("Connecting failed", failure)
            show(self.words._("Could not connect: {why}").format(why=failure.getErrorMessage()))

    def _callback_failed(self, kind: type, value: BaseException, trace: object) -> None:
        """A bug in a Tk callback: log it; the window goes on."""
        _log.failure("A window action failed", Failure(value, kind, trace))  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> None:
    """``twisted-chat-gui`` and ``python -m twisted_chat.gui``."""
    options = Options()
    try:
        options.parseOptions(sys.argv[1:] if argv is None else argv)
    except usage.UsageError as error:
        sys.exit(f"{options}\ntwisted-chat-gui: {error}")
    try:
        root = tk.Tk(className="twisted-chat")
    except tk.TclError as error:
        sys.exit(f"twisted-chat-gui needs a display to open its window: {error}")

    from twisted.internet import reactor, tksupport

    globalLogBeginner.beginLoggingTo([FilteringLogObserver(
        textFileLogObserver(sys.stderr), [LogLevelFilterPredicate(LogLevel.warn)])])
    tksupport.install(root, ms=TK_INTERVAL)
    # Host names looked up by twisted.names, on the reactor, not by
    # getaddrinfo on a thread: a garbage collection on another thread than
    # Tk's can reach Tk's objects, and aborts the program (Tcl_AsyncDelete).
    from twisted.names import client as names_client
    reactor.installResolver(names_client.createResolver())  # type: ignore[attr-defined]
    servers = ", ".join(options["servers"])
    app = App(root, reactor, servers, options["name"] or "", reactor.stop,
              trust=options["trust"], language=options["language"])
    if options["name"]:
        app.log_in(servers, options["name"])
    reactor.run()  # type: ignore[attr-defined]
