"""
The desktop client for real: its Tk windows on an Xvfb display, the Twisted
reactor pumped in this process, a real ``twistd -n chat`` on loopback, and a
netcat-like second user over a plain socket.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import tkinter as tk
import tkinter.font as tkfont
from collections.abc import Callable, Iterator
from pathlib import Path
from tkinter import ttk
from typing import Any

import pytest
from twisted.internet import reactor as _reactor
from twisted.internet import tksupport
from twisted.logger import capturedLogs
from zope.interface.verify import verifyObject

from tests.certificates import make_ca, make_server
from tests.processes import DEADLINE, LineClient, RunningServer
from twisted_chat.gui.app import App
from twisted_chat.gui.present import Row
from twisted_chat.gui.session import IChatView
from twisted_chat.gui.trust import Trust, load_ca, parse_fingerprint
from twisted_chat.gui.windows import MAX_LOG_LINES, ChatWindow
from twisted_chat.gui.words import Words
from twisted_chat.i18n.languages import SIMPLIFIED, TRADITIONAL, Language

reactor: Any = _reactor
pytestmark = pytest.mark.usefixtures("display", "resolver_threads")


class Gui:
    """The client's application in a Tk root of its own, on the global reactor."""

    def __init__(self, server: str, name: str = "", timeout: float = 10.0,
                 trust: Trust | None = None, random: Callable[[], float] = lambda: 0.5,
                 language: Language | None = None) -> None:
        self.root = tk.Tk(className="twisted-chat")
        tksupport.install(self.root)
        self.quits = 0
        self.app = App(self.root, reactor, server, name, quit=self._quit, timeout=timeout,
                       trust=trust, random=random, language=language)
        self.pump(lambda: self.root.winfo_ismapped(), "the login window shows")

    def _quit(self) -> None:
        self.quits += 1

    def pump(self, until: Callable[[], object], what: str) -> None:
        """Run the reactor (and so Tk) until ``until()`` is true."""
        end = time.monotonic() + DEADLINE
        while not until():
            if time.monotonic() > end:
                raise AssertionError(f"never happened: {what}")
            reactor.iterate(0.005)

    def type(self, entry: ttk.Entry, text: str, key: str | None = "<Return>") -> None:
        """Replace what ``entry`` holds with ``text``, then press ``key`` in it."""
        entry.focus_force()
        entry.delete(0, "end")
        entry.insert(0, text)
        self.root.update()
        if key:
            entry.event_generate(key)

    def press(self, widget: tk.Misc, key: str) -> None:
        widget.focus_force()
        self.root.update()
        widget.event_generate(key)

    def double_click(self, listbox: tk.Listbox, index: int) -> None:
        self.root.update()
        x, y, _, _ = listbox.bbox(index)
        for _ in range(2):
            listbox.event_generate("<ButtonPress-1>", x=x + 2, y=y + 2)
            listbox.event_generate("<ButtonRelease-1>", x=x + 2, y=y + 2)
        self.root.update()

    def log_in(self, name: str) -> ChatWindow:
        self.type(self.app.login_window.name_entry, name)
        self.pump(lambda: self.app.chat_window is not None, f"{name} logged in")
        chat = self.chat
        self.pump(lambda: chat.member_names, "the member list")
        return chat

    @property
    def chat(self) -> ChatWindow:
        assert self.app.chat_window is not None
        return self.app.chat_window

    def login_message(self) -> str:
        return str(self.app.login_window.message["text"])

    def close(self) -> None:
        self.app.close()
        self.pump(lambda: self.quits, "the application quit")
        tksupport.uninstall()
        self.root.destroy()


@pytest.fixture
def gui(server: RunningServer) -> Iterator[Callable[..., Gui]]:
    """Opens the client's windows, aimed at the test's server; closes them after."""
    opened: list[Gui] = []

    def open_gui(address: str = f"127.0.0.1:{server.port}", name: str = "",
                 timeout: float = 10.0, trust: Trust | None = None,
                 random: Callable[[], float] = lambda: 0.5,
                 language: Language | None = None) -> Gui:
        """``random``: the jitter of the waits to reconnect (0.5: three quarters of the longest)."""
        opened.append(Gui(address, name, timeout, trust, random, language))
        return opened[-1]

    yield open_gui
    for window in opened:
        window.close()
    reactor.iterate(0)  # What was due already (a connector's own call at once) runs.
    left = reactor.getDelayedCalls()
    assert left == [], f"the client left timers behind: {left}"


def arrived(client: LineClient, wanted: str) -> Callable[[], bool]:
    """Whether ``wanted`` has reached ``client``, read without blocking the reactor."""
    def check() -> bool:
        client.sock.settimeout(0)
        try:
            client.pending += client.sock.recv(65536)
        except BlockingIOError:
            pass
        finally:
            client.sock.settimeout(DEADLINE)
        return wanted.encode() in client.pending
    return check


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_login_window_to_chat_window(server: RunningServer, gui: Callable[..., Gui]) -> None:
    """Enter in the name field logs in; the chat window shows the room, its topic, its members."""
    window = gui()
    assert str(window.app.login_window.security["text"]) == (
        "Not encrypted: the password crosses the network as typed (see --tls).")
    chat = window.log_in("小明")
    assert verifyObject(IChatView, chat)
    assert window.root.title() == "lobby — 小明 — twisted-chat"
    assert str(chat.topic["text"]) == "lobby: Tea and talk"
    assert "= Members (1): 小明" in chat.log_text()
    assert chat.member_names == ["小明"]
    window.pump(lambda: chat.room_names == ["lobby"], "the room list")
    assert chat.rooms.get(0) == "lobby (1)"


def test_send_receive_and_live_members(server: RunningServer, gui: Callable[..., Gui]) -> None:
    """Chinese both ways; a second user's arrival and departure change the member list."""
    window = gui()
    chat = window.log_in("小明")
    bob = server.connect().login("bob")
    window.pump(lambda: chat.member_names == ["bob", "小明"], "bob in the member list")
    assert "*** bob has logged in" in chat.log_text()

    window.type(chat.entry, "你好 bob")
    window.pump(arrived(bob, "<小明> 你好 bob"), "bob hears 小明")
    assert chat.input.get() == ""
    bob.send("hi 小明, 你好!")
    window.pump(lambda: "<bob> hi 小明, 你好!" in chat.log_text(), "小明 hears bob")
    assert "mention" in chat.log.tag_names("end-2l")

    bob.send("quit")
    window.pump(lambda: chat.member_names == ["小明"], "bob gone from the member list")


def test_name_taken_then_another(server: RunningServer, gui: Callable[..., Gui]) -> None:
    """The server's own words in the login window; a second try works without a restart."""
    bob = server.connect().login("bob")
    window = gui()
    window.type(window.app.login_window.name_entry, "BOB")
    window.pump(lambda: "taken" in window.login_message(), "the name-taken message")
    assert window.login_message() == ("The name 'BOB' is taken: it reads the same as 'bob', "
                                      "who is online. Choose another.")
    assert window.app.chat_window is None
    window.type(window.app.login_window.name_entry, "al!ce")
    window.pump(lambda: "not a valid name" in window.login_message(), "the invalid-name message")
    chat = window.log_in("alice")
    assert chat.member_names == ["alice", "bob"]
    bob.close()


def test_registered_name_and_history(server: RunningServer, gui: Callable[..., Gui]) -> None:
    """A registered name needs its password in the login window; the room's past shows."""
    bob = server.connect().login("bob")
    bob.send("/register oolong-42")
    bob.expect("bob is registered")
    bob.send("tea is served")
    bob.send("quit")
    window = gui()
    window.type(window.app.login_window.name_entry, "bob")
    window.pump(lambda: "registered" in window.login_message(), "the password-required message")
    assert window.login_message() == ("The name 'bob' is registered: type its password in the "
                                      "Password field, then press Login.")
    assert window.root.focus_get() is window.app.login_window.password_entry
    window.type(window.app.login_window.password_entry, "oolong-42")
    window.pump(lambda: window.app.chat_window is not None, "bob logged in")
    chat = window.chat
    window.pump(lambda: "<bob> tea is served" in chat.log_text(), "the replay")
    assert "= Last 1 line in lobby:" in chat.log_text()
    assert "history" in chat.log.tag_names("end-2c")


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[RunningServer, Path, str]]:
    """A second server, on an ``ssl:`` port: it, its CA's certificate, its fingerprint."""
    workdir = tmp_path / "tls"
    workdir.mkdir()
    ca, key = make_ca(workdir)
    issued = make_server(workdir, ca, key)
    running = RunningServer(workdir, listen=issued.listen())
    yield running, ca.cert, issued.fingerprint
    running.terminate()


def test_tls_refused(tls_server: tuple[RunningServer, Path, str],
                     gui: Callable[..., Gui]) -> None:
    """The login window says the connection is encrypted; a certificate that fails is one line."""
    tls, _, fingerprint = tls_server
    pinned = gui(address=f"localhost:{tls.port}",
                 trust=Trust(fingerprint=parse_fingerprint("00" * 32)))
    assert str(pinned.app.login_window.security["text"]) == (
        "Encrypted (TLS), its certificate pinned by fingerprint.")
    pinned.type(pinned.app.login_window.name_entry, "alice")
    pinned.pump(lambda: "fingerprint is" in pinned.login_message(), "the refusal")
    assert pinned.login_message() == (
        "The server's certificate is not the one pinned with --fingerprint; "
        f"its fingerprint is {fingerprint}.")
    assert pinned.app.chat_window is None


def test_over_tls(tls_server: tuple[RunningServer, Path, str], gui: Callable[..., Gui]) -> None:
    tls, ca, _ = tls_server
    window = gui(address=f"localhost:{tls.port}", trust=Trust(ca=load_ca(str(ca))))
    assert str(window.app.login_window.security["text"]) == (
        "Encrypted (TLS), its certificate checked against the CA given.")
    chat = window.log_in("alice")
    assert chat.member_names == ["alice"]


def test_refused_then_the_right_address(server: RunningServer, gui: Callable[..., Gui]) -> None:
    window = gui(address=f"127.0.0.1:{free_port()}")
    window.type(window.app.login_window.name_entry, "alice")
    window.pump(lambda: "refused" in window.login_message(), "the refusal")
    assert "Is the server running?" in window.login_message()
    window.type(window.app.login_window.address_entry, f"localhost:{server.port}", key=None)
    window.log_in("alice")


def test_several_servers_at_login(server: RunningServer, gui: Callable[..., Gui]) -> None:
    """
    The first server down: the second is tried, and logged in on; both down:
    a line for each; a malformed one: said before connecting anywhere.
    """
    down, other_down = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    window = gui(address=f"{down}, {other_down}")
    window.type(window.app.login_window.name_entry, "alice")
    window.pump(lambda: window.login_message().count("refused") == 2, "both refusals")
    assert window.login_message().splitlines() == [
        f"Could not connect to {down}: connection refused. Is the server running?",
        f"Could not connect to {other_down}: connection refused. Is the server running?"]
    window.type(window.app.login_window.address_entry, f"{down}, here:port", key=None)
    window.type(window.app.login_window.name_entry, "alice")
    window.pump(lambda: "is not a server address" in window.login_message(), "the mistake")
    assert window.login_message() == ("'here:port' is not a server address; write it as "
                                      "host:port, such as localhost:6666.")
    window.type(window.app.login_window.address_entry, f"{down},127.0.0.1:{server.port}",
                key=None)
    chat = window.log_in("alice")
    assert window.app.server == f"127.0.0.1:{server.port}"
    assert chat.member_names == ["alice"]


def test_empty_name_and_a_silent_server(gui: Callable[..., Gui]) -> None:
    """No name: said before connecting.  A server that never answers: given up on."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        window = gui(address=f"127.0.0.1:{silent.getsockname()[1]}", timeout=0.5)
        window.type(window.app.login_window.name_entry, "  ")
        window.pump(lambda: window.login_message() == "Type a name to log in with.",
                    "the empty-name message")
        window.type(window.app.login_window.name_entry, "alice")
        window.pump(lambda: "did not answer" in window.login_message(), "the timeout")
        assert window.app.login_window.button.instate(["!disabled"])


def test_close_while_connecting(gui: Callable[..., Gui]) -> None:
    """Closing the window during a login gives up on it quietly."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        window = gui(address=f"127.0.0.1:{silent.getsockname()[1]}")
        window.type(window.app.login_window.name_entry, "alice")
        window.pump(lambda: window.app.attempt is not None, "the attempt")
        with capturedLogs() as logs:
            window.app.close()
            window.pump(lambda: window.quits == 1 and window.app.attempt is None, "given up")
        assert [log for log in logs if "log_failure" in log] == []
        assert window.login_message() == f"Connecting to {window.app.server} ..."


def test_rooms_members_and_buttons(server: RunningServer, gui: Callable[..., Gui]) -> None:
    """Double-click a room to join it, a member to write to them; Users; Up and Down."""
    window = gui()
    chat = window.log_in("alice")
    bob = server.connect().login("bob")
    bob.send("/create games")
    window.pump(lambda: "games" in chat.room_names, "games in the room list")

    window.double_click(chat.rooms, chat.room_names.index("games"))
    window.pump(lambda: window.root.title().startswith("games"), "alice in games")
    window.pump(lambda: chat.member_names == ["alice", "bob"], "games' members")
    assert chat.members.get(1) == "bob (owner)"

    window.double_click(chat.members, 1)
    assert chat.input.get() == "/msg bob "
    window.type(chat.entry, chat.input.get() + "psst")
    window.pump(arrived(bob, "[alice -> bob] psst"), "the private message")

    chat.users_button.invoke()
    window.pump(lambda: chat.log_text().count("= Members (2): bob (owner), alice") == 2,
                "the look reply")

    window.type(chat.entry, "one")
    window.type(chat.entry, "two")
    window.press(chat.entry, "<Up>")
    assert chat.input.get() == "two"
    window.press(chat.entry, "<Up>")
    window.press(chat.entry, "<Up>")
    assert chat.input.get() == "/msg bob psst"
    window.press(chat.entry, "<Down>")
    assert chat.input.get() == "one"


def test_reconnect_after_registering_in_the_window(server: RunningServer,
                                                   gui: Callable[..., Gui]) -> None:
    """A name registered in the window: Reconnect logs in with its password, not refused."""
    window = gui()
    chat = window.log_in("carol")
    window.type(chat.entry, "/register toffee-77")
    window.pump(lambda: "carol is registered" in chat.log_text(), "the registration")
    window.type(chat.entry, "/quit")
    window.pump(lambda: chat.lost_bar.winfo_ismapped(), "the lost bar")
    chat.reconnect_button.invoke()
    window.pump(lambda: "*** Connected again as carol." in chat.log_text(), "reconnected")


def test_lost_and_reconnect(server: RunningServer, gui: Callable[..., Gui]) -> None:
    """A lost connection is said in the window, with Reconnect; the user goes back to their room."""
    window = gui()
    chat = window.log_in("alice")
    bob = server.connect().login("bob")
    bob.send("/create games")
    window.type(chat.entry, "/join games")
    window.pump(lambda: window.root.title().startswith("games"), "alice in games")

    window.type(chat.entry, "/quit")
    window.pump(lambda: chat.lost_bar.winfo_ismapped(), "the lost bar")
    assert str(chat.lost_message["text"]) == "Goodbye, alice."
    assert chat.entry.instate(["disabled"])

    chat.reconnect_button.invoke()
    window.pump(lambda: not chat.lost_bar.winfo_ismapped(), "reconnected")
    window.pump(lambda: window.root.title().startswith("games"), "back in games")
    assert "*** Connected again as alice." in chat.log_text()
    assert not chat.entry.instate(["disabled"])

    bob.close()
    server.terminate()
    window.pump(lambda: chat.lost_bar.winfo_ismapped(), "the lost bar after the server stopped")
    assert str(chat.lost_message["text"]) == (
        f"Connection lost. Reconnecting to 127.0.0.1:{server.port} in 2 s ...")
    chat.reconnect_button.invoke()
    window.pump(lambda: "refused" in str(chat.lost_message["text"]), "the failed reconnect")
    assert str(chat.lost_message["text"]) == (
        f"Could not connect to 127.0.0.1:{server.port}: connection refused. Is the server "
        f"running? Reconnecting to 127.0.0.1:{server.port} in 3 s ...")
    assert chat.reconnect_button.instate(["!disabled"])


@pytest.fixture
def other(tmp_path: Path) -> Iterator[RunningServer]:
    """A second, separate server: its own process, port and database."""
    workdir = tmp_path / "other"
    workdir.mkdir()
    running = RunningServer(workdir, "--main-topic", "Tea and talk")
    yield running
    running.terminate()


def lost_line(chat: ChatWindow) -> str:
    return str(chat.lost_message["text"])


def test_back_by_itself_on_the_other_server(server: RunningServer, other: RunningServer,
                                            gui: Callable[..., Gui]) -> None:
    """
    Given two servers, on the first in a room of its own, which is killed
    with SIGKILL: the window says it is reconnecting to the second, does, and
    is back in the room, made again there since it was the user's.
    """
    there = f"127.0.0.1:{other.port}"
    window = gui(address=f"127.0.0.1:{server.port}, {there}")
    chat = window.log_in("alice")
    window.type(chat.entry, "/create maths")
    window.pump(lambda: window.root.title() == "maths — alice — twisted-chat", "alice in maths")
    bob = other.connect().login("bob")

    server.process.kill()
    window.pump(lambda: chat.lost_bar.winfo_ismapped(), "the lost bar")
    assert lost_line(chat) == f"Connection lost. Reconnecting to {there} in 2 s ..."
    assert chat.reconnect_button.instate(["!disabled"]) and chat.entry.instate(["disabled"])

    window.pump(lambda: not chat.lost_bar.winfo_ismapped(), "reconnected")
    window.pump(lambda: window.root.title() == "maths — alice — twisted-chat", "back in maths")
    assert f"*** Connected again as alice, on {there}." in chat.log_text()
    assert "*** The room maths is not on this server; making it again, as it was yours." \
        in chat.log_text()
    window.pump(lambda: chat.members.get(0, "end") == ("alice (owner)",), "alice owns maths")
    assert chat.entry.instate(["!disabled"])
    bob.expect("*** alice has logged in")
    bob.send("/join maths")
    window.pump(lambda: "bob" in chat.member_names, "bob in maths")
    window.type(chat.entry, "back on the other one")
    window.pump(arrived(bob, "<alice> back on the other one"), "bob hears alice")
    bob.close()


def test_name_still_taken_on_return(server: RunningServer, other: RunningServer,
                                    gui: Callable[..., Gui]) -> None:
    """
    The name held on the other server: said, tried again (round the list),
    and in once it is free.  (Jitter off: each wait is half the longest.)
    """
    there = f"127.0.0.1:{other.port}"
    window = gui(address=f"127.0.0.1:{server.port},{there}", random=lambda: 1.0)
    chat = window.log_in("alice")
    ghost = other.connect().login("alice")

    server.process.kill()
    window.pump(lambda: "taken" in lost_line(chat), "the name-taken line")
    assert lost_line(chat) == (
        f"Your name is still taken on {there} (your last connection may not be gone yet). "
        f"Reconnecting to 127.0.0.1:{server.port} in 2 s ...")
    ghost.send("/quit")
    ghost.expect("Goodbye")
    window.pump(lambda: not chat.lost_bar.winfo_ismapped(), "reconnected")
    assert f"*** Connected again as alice, on {there}." in chat.log_text()


def test_put_off_stays_off(tmp_path: Path, other: RunningServer,
                           gui: Callable[..., Gui]) -> None:
    """
    Put off the server by its operator: the window says who and why and does
    not come back by itself, to that server or the other; Reconnect still works.
    """
    workdir = tmp_path / "moderated"
    workdir.mkdir()
    moderated = RunningServer(workdir, "--operator", "teacher")
    try:
        teacher = moderated.connect().login("teacher")
        teacher.send("/register teacher-secret")
        teacher.expect("teacher is registered")
        window = gui(address=f"127.0.0.1:{moderated.port}, 127.0.0.1:{other.port}")
        chat = window.log_in("alice")
        teacher.send("/disconnect alice trolling")
        window.pump(lambda: chat.lost_bar.winfo_ismapped(), "the lost bar")
        assert lost_line(chat) == "teacher disconnected you from the server: trolling"
        assert window.app.returning is not None and not window.app.returning.waiting
        assert window.app.attempt is None
        chat.reconnect_button.invoke()
        window.pump(lambda: not chat.lost_bar.winfo_ismapped(), "reconnected")
        teacher.expect("*** alice has logged in")
        teacher.close()
    finally:
        moderated.terminate()


def test_ranks_and_a_kick(server: RunningServer, gui: Callable[..., Gui]) -> None:
    """
    The members list marks the owner and, after ``/op``, an operator; kicked
    by that operator, the window's user reads who did it and why, set apart,
    and is in the main room.
    """
    bob, carol = server.connect().login("bob"), server.connect().login("carol")
    bob.send("/create games")
    bob.expect("= Members")
    carol.send("/join games")
    carol.expect("= Members")
    window = gui()
    chat = window.log_in("alice")
    window.type(chat.entry, "/join games")
    window.pump(lambda: chat.member_names == ["alice", "bob", "carol"], "alice in games")
    assert chat.members.get(0, "end") == ("alice", "bob (owner)", "carol")

    bob.send("/op carol")
    window.pump(lambda: chat.members.get(2) == "carol (operator)", "carol marked an operator")
    assert chat.members.get(0, "end") == ("alice", "bob (owner)", "carol (operator)")
    assert "*** bob made carol an operator of games" in chat.log_text()

    carol.send("/kick alice too loud")
    window.pump(lambda: window.root.title().startswith("lobby"), "alice back in the main room")
    window.pump(lambda: chat.member_names == ["alice"], "the main room's members")
    kicked = chat.log.search("carol kicked alice out of games: too loud", "1.0")
    assert kicked and "sanction-band" in chat.log.tag_names(kicked)
    assert shows(chat, "carol kicked alice out of games: too loud")
    window.pump(lambda: chat.rooms.get(0, "end") == ("games (2)", "lobby (1)"), "the rooms")
    bob.close()
    carol.close()


def on_screen(chat: ChatWindow, index: str) -> bool:
    """Whether the log's line at ``index`` is wholly in view, where a person would read it."""
    chat.update()
    line = chat.log.dlineinfo(index)  # What is in view of it: a sliver, at the bottom edge.
    full = tkfont.Font(font=chat.log["font"]).metrics("linespace")
    return line is not None and line[3] >= full


def last_line_shows(chat: ChatWindow) -> bool:
    """Whether the log's newest line is wholly in view."""
    return on_screen(chat, "end-1c linestart -1 lines")


def shows(chat: ChatWindow, text: str) -> bool:
    """Whether ``text`` is in the log and wholly in view."""
    found = chat.log.search(text, "1.0")
    return bool(found) and on_screen(chat, found)


def test_log_follows_after_a_reconnect(tmp_path: Path, gui: Callable[..., Gui]) -> None:
    """
    The server stops (the lost bar shrinks the log), starts again on its port,
    Reconnect: lines that come after still scroll into view.
    """
    workdir = tmp_path / "restarted"
    workdir.mkdir()
    servers = [RunningServer(workdir, "--flood-rate", "0")]
    try:
        window = gui(address=f"127.0.0.1:{servers[0].port}")
        chat = window.log_in("alice")
        bob = servers[0].connect().login("bob")
        for number in range(60):
            bob.send(f"before {number}")
        window.pump(lambda: "<bob> before 59" in chat.log_text(), "bob's lines")
        assert shows(chat, "<bob> before 59")
        bob.close()
        servers[0].terminate()
        window.pump(lambda: chat.lost_bar.winfo_ismapped(), "the lost bar")
        assert shows(chat, "The server is shutting down")
        assert last_line_shows(chat), chat.log_text().splitlines()[-3:]

        servers.append(RunningServer(workdir, "--flood-rate", "0",
                                     listen=f"tcp:{servers[0].port}:interface=127.0.0.1"))
        chat.reconnect_button.invoke()
        window.pump(lambda: not chat.lost_bar.winfo_ismapped(), "reconnected")
        carol = servers[1].connect().login("carol")
        for number in range(60):
            carol.send(f"after {number}")
        window.pump(lambda: "<carol> after 59" in chat.log_text(), "carol's lines")
        assert shows(chat, "<carol> after 59")
        assert last_line_shows(chat)
        carol.close()
    finally:
        for running in servers:
            running.terminate()


def test_close_says_goodbye(server: RunningServer, gui: Callable[..., Gui]) -> None:
    window = gui()
    chat = window.log_in("alice")
    bob = server.connect().login("bob")
    window.pump(lambda: len(chat.member_names) == 2, "bob arrived")
    chat.close_button.invoke()
    window.pump(arrived(bob, "*** alice has logged out"), "alice's goodbye")
    window.pump(lambda: window.quits == 1, "the application quit")


def test_log_keeps_its_last_lines(display: str) -> None:
    """A long session's log stays bounded: the oldest rows go."""
    root = tk.Tk()
    try:
        chat = ChatWindow(root, on_reconnect=lambda: None, onClose=lambda: None)
        chat.pack()
        rows = [Row("12:00", "chat", "<bob>", f"line {number}")
                for number in range(MAX_LOG_LINES + 50)]
        chat.show_rows(rows)
        text = chat.log_text().splitlines()
        assert len(text) == MAX_LOG_LINES
        assert text[0] == "12:00  <bob> line 50"
        assert text[-1] == f"12:00  <bob> line {MAX_LOG_LINES + 49}"
    finally:
        root.destroy()


def test_members_ranks_and_rows_not_to_miss(display: str) -> None:
    """Ranks in words after the names; a kick against the user and a wall in bold, banded."""
    root = tk.Tk()
    try:
        chat = ChatWindow(root, on_reconnect=lambda: None, onClose=lambda: None)
        chat.pack()
        chat.show_members(["alice", "bob", "carol", "dave"],
                          {"alice": "owner", "bob": "operator", "dave": "server operator"},
                          "carol", more=2)
        assert chat.members.get(0, "end") == ("alice (owner)", "bob (operator)", "carol",
                                              "dave (server operator)", "and 2 more")
        assert chat.member_names == ["alice", "bob", "carol", "dave"]
        chat.show_rows([Row("12:00", "sanction", "***", "bob kicked carol out of games: spam"),
                        Row("12:01", "wall", "***", "Notice to everyone from dave: noon"),
                        Row("12:02", "moderation", "***", "bob made alice an operator")])
        for line, band in ((1, "sanction-band"), (2, "wall-band")):
            for column in ("0", "end-1c"):  # The time too, and out to the line's end.
                assert band in chat.log.tag_names(f"{line}.{column}")
        assert not any(name.endswith("-band") for name in chat.log.tag_names("3.20"))
        assert chat.log.tag_cget("sanction-band", "font") == str(chat.bold_log)
    finally:
        root.destroy()


def test_a_long_lost_line_wraps_beside_reconnect(display: str) -> None:
    """However long the lost bar's line, it wraps, and the Reconnect button stays whole."""
    root = tk.Tk()
    try:
        root.geometry("960x600")
        chat = ChatWindow(root, on_reconnect=lambda: None, onClose=lambda: None)
        chat.pack(fill="both", expand=True)
        chat.show_lost("Could not connect to chat-1.example.org:6666: connection refused. "
                       "Is the server running? Reconnecting to chat-2.example.org:6666 in 4 s ...")
        root.update()
        root.update()
        button = chat.reconnect_button
        assert button.winfo_width() >= button.winfo_reqwidth()
        assert button.winfo_rootx() + button.winfo_width() <= root.winfo_rootx() + 960
        line = tkfont.nametofont("TkDefaultFont").metrics("linespace")
        assert chat.lost_message.winfo_height() >= 2 * line
        chat.show_lost("Connection lost.")
        root.update()
        root.update()
        assert chat.lost_message.winfo_height() < 2 * line
    finally:
        root.destroy()


def test_log_stays_where_the_user_scrolled(display: str) -> None:
    """Scrolled up to read: new lines do not pull the log away; scrolled back down, it follows."""
    root = tk.Tk()
    try:
        root.geometry("960x600")
        chat = ChatWindow(root, on_reconnect=lambda: None, onClose=lambda: None)
        chat.pack(fill="both", expand=True)
        chat.show_rows([Row("12:00", "chat", "<bob>", f"line {number}") for number in range(100)])
        assert shows(chat, "line 99")
        for _ in range(40):
            chat.log.event_generate("<Button-4>")  # The wheel, up (X11).
        root.update()
        assert shows(chat, "line 1")
        chat.show_rows([Row("12:01", "chat", "<bob>", "line 100")])
        assert shows(chat, "line 1") and not shows(chat, "line 100")
        for _ in range(80):
            chat.log.event_generate("<Button-5>")
        root.update()
        chat.show_rows([Row("12:02", "chat", "<bob>", f"more {number}") for number in range(50)])
        assert last_line_shows(chat)
    finally:
        root.destroy()


def test_in_chinese(server: RunningServer, gui: Callable[..., Gui]) -> None:
    """
    With --lang zh-CN the windows' labels, menu and members' badges are the
    clients catalog's Chinese and a /who listing reads as the server words
    it in zh-CN; the Language menu switches to 繁體中文 once the server says so.
    """
    window = gui(language=SIMPLIFIED)
    chinese = Words(SIMPLIFIED)._
    login = window.app.login_window
    assert str(login.button["text"]) == chinese("Login") != "Login"
    assert str(login.security["text"]) == chinese(
        "Not encrypted: the password crosses the network as typed (see --tls).")
    assert window.app.menu.entrycget(0, "label") == chinese("Language") != "Language"
    chat = window.log_in("小红")
    assert str(chat.send_button["text"]) == chinese("Send") != "Send"
    assert str(chat.reconnect_button["text"]) == chinese("Reconnect")
    window.type(chat.entry, "/create 书房")
    window.pump(lambda: chat.session.room == "书房", "in the new room")
    window.pump(lambda: chat.members.get(0) == f"小红 ({SIMPLIFIED.gettext('owner')})",
                "the owner marked in Chinese")
    window.type(chat.entry, "/who")
    listing = "= " + SIMPLIFIED.format("Online ({count}):", count=1)
    window.pump(lambda: listing in chat.log_text(), "the /who listing")
    assert "=   " + SIMPLIFIED.format("{name} (in {room})", name="小红", room="书房") \
        in chat.log_text()

    window.app.language_menu.invoke(2)
    traditional = Words(TRADITIONAL)._
    window.pump(lambda: str(chat.send_button["text"]) == traditional("Send"),
                "re-labelled in zh-TW")
    assert window.app.menu.entrycget(0, "label") == traditional("Language")
    assert window.app.language_choice.get() == "zh-TW"
    assert listing in chat.log_text()  # What was shown stays as it was said.


def test_the_program(server: RunningServer, tmp_path: Path) -> None:
    """
    ``python -m twisted_chat.gui --server ... --name ...`` logs in without the
    login window, on the first of its servers that answers.
    """
    bob = server.connect().login("bob")
    program = subprocess.Popen(
        [sys.executable, "-m", "twisted_chat.gui", "--server", f"127.0.0.1:{free_port()}",
         "--server", f"127.0.0.1:{server.port}", "--name", "carol"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        bob.expect("*** carol has logged in")
    finally:
        program.send_signal(signal.SIGTERM)
        output = program.communicate(timeout=DEADLINE)[0].decode()
    bob.expect("*** carol has left")
    assert "Traceback" not in output


def test_console_script_help() -> None:
    script = Path(sys.executable).parent / "twisted-chat-gui"
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=DEADLINE)
    assert result.returncode == 0
    assert "--server=" in result.stdout and "--name=" in result.stdout
