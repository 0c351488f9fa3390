"""
The browser client in a real browser: Debian's Chromium, driven by Playwright,
against the real ``twistd -n chat``, with telnet users in the same rooms.

Every check waits for what a person would see (Playwright's ``expect``
retries until it holds or 10 seconds pass), never for a fixed time.  One
server and one browser serve the module; each person has a browser context of
their own, so nothing (storage, cookies) is shared between them.

With ``TWISTED_CHAT_SCREENSHOTS=DIR`` set, the conversation and the narrow
layout are saved as ``browser-client.png`` and ``browser-client-narrow.png``
in DIR (README.rst shows them from ``docs/``).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    WebSocketRoute,
    expect,
    sync_playwright,
)

from tests.processes import LineClient, RunningServer
from twisted_chat.core.formats import read_json, text_lines

CHROMIUM = "/usr/bin/chromium"
#: What a closed network wants: no sandbox (we run as root), no calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
#: Milliseconds any one thing may take to show; only a failure waits this long.
WAIT = 10_000
#: A reconnect waits its backoff (1, 2, 4, ... s) on top.
RECONNECT_WAIT = 40_000
expect.set_options(timeout=WAIT)

#: Every page runs in this zone, so that the times it shows can be checked.
ZONE = "Asia/Shanghai"
#: The module's server calls itself this (the page's own fallback is "twisted-chat").
SERVER_NAME = "Riverside Club"

#: Kept in the page before its own script runs: every WebSocket it opens, every
#: line it sends, and every Content-Security-Policy violation (an inline style
#: or script would be one).
WATCH = """
window.__sockets = 0;
window.__sent = [];
window.__violations = [];
window.WebSocket = new Proxy(window.WebSocket, {
    construct(target, args, newTarget) {
        window.__sockets += 1;
        return Reflect.construct(target, args, newTarget);
    },
});
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
    window.__sent.push(data);
    return send.call(this, data);
};
document.addEventListener("securitypolicyviolation",
    (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""


class Person:
    """Someone at a browser: a context and a page of their own."""

    def __init__(self, browser: Browser, base: str, width: int, height: int,
                 watch: bool = True) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height},
                                           timezone_id=ZONE, locale="en-GB")
        if watch:
            self.context.add_init_script(WATCH)
        self.context.set_default_timeout(WAIT)
        self.page: Page = self.context.new_page()
        self.base = base
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        #: Errors in the console (a file not found is one), but those ``expected`` finds.
        self.console: list[str] = []
        self.expected: re.Pattern[str] | None = None
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error" or (self.expected and self.expected.search(message.text)):
            return
        if not message.location.get("url") and message.text == RELAY_CLOSE_RACE:
            # From no script of the page's: Playwright's WebSocket route (the
            # tests' Relay) says it when the server's close and its own cross.
            return
        self.console.append(f"{message.text} ({message.location.get('url')})")

    def open(self) -> Person:
        self.page.goto(self.base)
        return self

    def log_in(self, name: str, password: str = "") -> None:
        self.page.fill("#login-name", name)
        self.page.fill("#login-password", password)
        self.page.press("#login-password", "Enter")

    def enter(self, name: str, password: str = "") -> Person:
        """Open the page and log in; back when the room is shown."""
        self.open().log_in(name, password)
        expect(self.page.locator("#chat-view")).to_be_visible()
        expect(self.page.locator("#room-name")).not_to_be_empty()
        return self

    def say(self, line: str) -> None:
        """Type a line into the input and press Enter, as a person does."""
        self.page.fill("#input", line)
        self.page.press("#input", "Enter")

    def lines(self, kind: str, text: str | re.Pattern[str] = "") -> Locator:
        """
        The log's lines of one kind (a class: chat, emote, private, ...) holding
        ``text``; the past (replay, history) only when ``kind`` says history.
        """
        live = "" if "history" in kind else ":not(.history)"
        found = self.page.locator(f"#log li.{kind}{live}")
        return found.filter(has_text=text) if text else found

    def sees(self, kind: str, text: str | re.Pattern[str]) -> Locator:
        line = self.lines(kind, text).last
        expect(line).to_be_visible()
        return line

    def room(self) -> Locator:
        return self.page.locator("#room-name")

    def members(self) -> Locator:
        return self.page.locator("#members .member .name")

    def check_clean(self) -> None:
        """
        Nothing went wrong inside the page: no script error, no CSP refusal, no
        dialog, no error in the console (such as a file not found).
        """
        assert self.errors == []
        assert self.dialogs == []
        assert self.console == []
        if not self.page.is_closed():
            assert self.page.evaluate("window.__violations || []") == []


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    # Page loads are not counted against --conn-rate, chat sessions are: this
    # module starts more than twenty, telnet's and browsers', from 127.0.0.1
    # within half a minute, more than one address may by default (20 a
    # minute).  The other per-address limit, --max-per-ip, stays as it ships.
    running = RunningServer(tmp_path_factory.mktemp("browser"), "--main-topic", "Tea and talk",
                            "--server-name", SERVER_NAME, "--conn-rate", "100", web=True)
    yield running
    running.terminate()


@pytest.fixture
def people(browser: Browser, server: RunningServer) -> Iterator[Callable[..., Person]]:
    """Opens people's browsers on the module's server; checks and closes them after the test."""
    opened: list[Person] = []

    def person(width: int = 1100, height: int = 700, watch: bool = True,
               on: RunningServer = server) -> Person:
        opened.append(Person(browser, f"http://127.0.0.1:{on.web_port}/", width, height, watch))
        return opened[-1]

    yield person
    try:
        for someone in opened:
            someone.check_clean()
    finally:
        for someone in opened:
            someone.context.close()


@pytest.fixture
def telnet(server: RunningServer) -> Iterator[Callable[[str], LineClient]]:
    """Logs telnet users in on the module's server; closes them after the test."""
    opened: list[LineClient] = []

    def user(name: str) -> LineClient:
        opened.append(server.connect().login(name))
        return opened[-1]

    yield user
    for client in opened:
        client.close()


def screenshot(page: Page, name: str) -> None:
    """Saved only when asked for (TWISTED_CHAT_SCREENSHOTS=DIR)."""
    folder = os.environ.get("TWISTED_CHAT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name))


def test_two_browsers_and_telnet_chat_in_one_room(
        people: Callable[..., Person], telnet: Callable[[str], LineClient]) -> None:
    """
    Two browser users and a telnet user in one room read each other's chat,
    Chinese included, with the sender and the local time on every line and
    your own lines marked and lines that name you marked too; emotes and
    private messages go both ways between browser and telnet; the members
    list follows who comes; Up and Down walk back through what was sent.
    """
    music = telnet("sam")
    music.send("/create music")
    music.send("/topic Bach this week")
    music.expect("set the topic of music")
    alice = people().enter("alice")
    expect(alice.room()).to_have_text("lobby")
    expect(alice.page.locator("#topic")).to_have_text("Tea and talk")
    bob = people().enter("bob")
    xiaoming = telnet("小明")
    expect(alice.members()).to_have_text(["alice", "bob", "小明"])
    expect(alice.page.locator("#members .member.self .name")).to_have_text("alice")

    alice.say("hello everyone! Tonight's puzzles are at https://example.org/slides")
    mine = alice.sees("chat.own", "hello everyone!")
    expect(mine).to_have_attribute("data-sender", "alice")
    theirs = bob.sees("chat", "hello everyone!")
    expect(theirs.locator(".marker")).to_have_text("<alice>")
    expect(theirs).not_to_have_class(re.compile(r"\bown\b"))
    xiaoming.expect("<alice> hello everyone! Tonight's puzzles are at https://example.org/slides")
    # The address is a link, to exactly that address, that tells the other site nothing.
    link = theirs.locator("a")
    expect(link).to_have_attribute("href", "https://example.org/slides")
    expect(link).to_have_attribute("rel", "noopener noreferrer")

    # Each line's time is the event's, in the reader's own zone, as HH:MM.
    stamp = theirs.locator("time")
    expect(stamp).to_have_text(re.compile(r"^\d\d:\d\d$"))
    said = datetime.fromisoformat(stamp.get_attribute("datetime") or "")
    assert stamp.inner_text() == said.astimezone(ZoneInfo(ZONE)).strftime("%H:%M")

    bob.say("我在火车上，七点前到。")
    bob.sees("chat.own", "我在火车上，七点前到。")
    expect(alice.sees("chat", "我在火车上")).to_have_attribute("data-sender", "bob")
    xiaoming.expect("<bob> 我在火车上，七点前到。")

    xiaoming.send("大家好！今晚我带棋盘和棋钟。")
    for reader in (alice, bob):
        line = reader.sees("chat", "大家好！今晚我带棋盘和棋钟。")
        expect(line).to_have_attribute("data-sender", "小明")
        expect(line.locator(".marker")).to_have_text("<小明>")

    alice.say("/me waves to 小明")
    expect(bob.sees("emote", "waves to 小明").locator(".marker")).to_have_text("* alice")
    alice.sees("emote.own", "waves to 小明")
    xiaoming.expect("* alice waves to 小明")
    xiaoming.send("/me 鞠躬")
    alice.sees("emote", "鞠躬")
    alice.say("bob, shall we play the Sicilian again? I have been practising")
    expect(bob.sees("chat", "shall we play the Sicilian")).to_have_class(re.compile(r"\bmention\b"))
    expect(alice.sees("chat.own", "shall we play the Sicilian")).not_to_have_class(
        re.compile(r"\bmention\b"))
    bob.say("only if I get white this time!")
    alice.sees("chat", "I get white")

    # Private, browser to browser: both ends see it, each as theirs.
    bob.say("/msg alice could you keep me a seat by the window?")
    received = alice.sees("private.incoming", "keep me a seat")
    expect(received.locator(".marker")).to_have_text("[bob \u2192 alice]")
    bob.sees("private.outgoing", "keep me a seat")
    alice.say("/msg bob done, the one next to the tea urn")
    bob.sees("private.incoming", "next to the tea urn")
    # Browser to telnet and back.
    bob.say("/msg 小明 晚上见")
    xiaoming.expect("[bob -> 小明] 晚上见")
    xiaoming.send("/msg bob 好的，七点见")
    expect(bob.sees("private.incoming", "好的，七点见").locator(".marker")).to_have_text(
        "[小明 \u2192 bob]")
    # Nobody else sees a private message.
    expect(alice.lines("private", "晚上见")).to_have_count(0)

    screenshot(bob.page, "browser-client.png")

    # Up walks back through what was sent, Down forward again to the line being typed.
    bob.page.fill("#input", "half-typed")
    bob.page.press("#input", "ArrowUp")
    expect(bob.page.locator("#input")).to_have_value("/msg 小明 晚上见")
    bob.page.press("#input", "ArrowUp")
    expect(bob.page.locator("#input")).to_have_value(
        "/msg alice could you keep me a seat by the window?")
    bob.page.press("#input", "ArrowDown")
    bob.page.press("#input", "ArrowDown")
    expect(bob.page.locator("#input")).to_have_value("half-typed")


def test_rooms_list_joins_on_click_and_by_command(
        people: Callable[..., Person], telnet: Callable[[str], LineClient]) -> None:
    """
    The rooms list shows every room with its count and topic; a click on a
    room joins it, and so does a typed /join; the members list follows, with
    the owner marked, and the topic bar shows the room's topic.
    """
    carol = people().enter("carol")
    owner = telnet("tom")
    owner.send("/create games")
    owner.expect("= Members (1): tom")
    owner.send("/topic Go and chess")
    owner.expect("set the topic of games")
    # tom leaving the lobby for a room the list does not hold has it asked for again.
    room = carol.page.locator('#rooms .room[data-room="games"]')
    expect(room).to_be_visible()
    expect(room.locator(".count")).to_have_text("1")

    room.click()
    expect(carol.room()).to_have_text("games")
    expect(carol.page.locator("#topic")).to_have_text("Go and chess")
    # Entering a room asks for the list again: the topic is in it now.
    expect(room.locator(".room-topic")).to_have_text("Go and chess")
    expect(carol.members()).to_have_text(["carol", "tom"])
    expect(carol.page.locator("#members .member.owner .name")).to_have_text("tom")
    expect(room).to_have_class(re.compile(r"\bcurrent\b"))
    expect(room.locator(".count")).to_have_text("2")
    owner.expect("*** carol has joined games (from lobby)")

    carol.say("/join lobby")
    expect(carol.room()).to_have_text("lobby")
    owner.expect("*** carol has left for lobby")
    carol.say("/create attic")
    expect(carol.room()).to_have_text("attic")
    expect(carol.page.locator("#members .member.owner .name")).to_have_text("carol")
    carol.say("/join games")
    expect(carol.room()).to_have_text("games")


def test_history_and_help_are_shown(people: Callable[..., Person]) -> None:
    """
    The replay on entering a room and /history are shown muted, each line at
    the time it was said; /help lists the commands in the text format's words.
    """
    dave = people().enter("dave")
    dave.say("/create library")
    expect(dave.room()).to_have_text("library")
    dave.say("a line for the record")
    dave.say("/me files it away")
    live = dave.sees("chat.own", "a line for the record")
    dave.say("/history")
    title = dave.sees("history.title", "History of library, 2 lines")
    past = dave.sees("history.chat", "a line for the record")
    expect(past.locator(".marker")).to_have_text("<dave>")
    dave.sees("history.emote", "files it away")
    # Muted: another colour than the live line.
    live_color = live.evaluate("e => getComputedStyle(e.querySelector('.text')).color")
    past_color = past.evaluate("e => getComputedStyle(e.querySelector('.text')).color")
    assert past_color != live_color
    assert title.evaluate("e => getComputedStyle(e).color") == past_color

    # Someone entering the room gets the replay, muted too.
    erin = people().enter("erin")
    erin.say("/join library")
    expect(erin.room()).to_have_text("library")
    erin.sees("history.title", "Last 2 lines in library")
    erin.sees("history.chat", "a line for the record")

    dave.say("/help")
    dave.sees("listing", "Commands (type /help COMMAND for one in detail):")
    for name, usage in [("msg", "/msg NAME TEXT..."), ("join", "/join ROOM [KEY]"),
                        ("me", "/me ACTION..."), ("history", "/history [N]"),
                        ("logout", "/logout [MESSAGE...]")]:
        entry = dave.page.locator(f'#log li.command[data-command="{name}"]').last
        expect(entry.locator(".marker")).to_have_text(usage)
    dave.say("/whois erin")
    dave.sees("listing", re.compile(r"erin is in library, connected \d+s, idle \d+s"))


def test_wrong_password_shows_the_servers_words(
        people: Callable[..., Person], server: RunningServer) -> None:
    """
    A registered name refuses a wrong password and a missing one: the login
    view stays, with the server's own words, except where those tell a telnet
    user what to type (a missing password, one for a name not registered):
    there the page's own; the right password gets in, and the page keeps it
    nowhere but in memory.
    """
    owner = server.connect().login("frank")
    owner.send("register s3cret-pw")
    owner.expect("frank is registered")
    owner.send("logout")
    owner.expect("Goodbye")
    owner.close()

    frank = people().open()
    frank.log_in("frank", "wrong-guess")
    error = frank.page.locator("#login-error")
    expect(error).to_have_text("Wrong password for 'frank'.")
    expect(frank.page.locator("#login-view")).to_be_visible()
    expect(frank.page.locator("#chat-view")).to_be_hidden()
    frank.log_in("frank")
    expect(error).to_have_text("\u201cfrank\u201d is registered: enter its password.")
    frank.log_in("frankie", "s3cret-pw")
    expect(error).to_have_text("\u201cfrankie\u201d is not registered: leave the password empty.")
    frank.log_in("frank", "s3cret-pw")
    expect(frank.room()).to_have_text("lobby")
    assert frank.page.evaluate(
        "[localStorage.length, sessionStorage.length, document.cookie]") == [0, 0, ""]


def test_markup_from_users_stays_text(
        people: Callable[..., Person], telnet: Callable[[str], LineClient]) -> None:
    """
    HTML in a chat line, from a browser or from telnet, shows as its
    characters: no element is made of it, no script runs, and only http(s)
    addresses become links.
    """
    grace = people().enter("grace")
    henry = people().enter("henry")
    mallory = telnet("mallory")
    grace.say("<img src=x onerror=alert(1)>")
    mallory.send('<script>alert(2)</script> <b onmouseover="alert(3)">bold</b> javascript:alert(4)')
    mallory.send("/me <svg onload=alert(5)>")
    for reader in (grace, henry):
        expect(reader.sees("chat", "<img").locator(".text")).to_have_text(
            "<img src=x onerror=alert(1)>")
        expect(reader.sees("chat", "<script>").locator(".text")).to_have_text(
            '<script>alert(2)</script> <b onmouseover="alert(3)">bold</b> javascript:alert(4)')
        expect(reader.sees("emote", "<svg").locator(".text")).to_have_text("<svg onload=alert(5)>")
        log = reader.page.locator("#log")
        for tag in ("img", "script", "b", "svg"):
            expect(log.locator(tag)).to_have_count(0)
        expect(log.locator("a:not([href^='http://']):not([href^='https://'])")).to_have_count(0)
    mallory.expect("<grace> <img src=x onerror=alert(1)>")
    # The dialogs and violations are checked as each page closes (Person.check_clean).


def test_plain_text_is_chat_and_a_bare_password_is_not(
        people: Callable[..., Person], telnet: Callable[[str], LineClient]) -> None:
    """
    A line typed without a slash is chat, as in the desktop client: "look",
    "help" and "quit" alone are said to the room, not done; but a line that
    starts with login, register or password is that command, so a password
    typed without its slash never reaches the room, nor Up and Down.  The
    server's telnet welcome ("Log in with: login NAME") is not in the log:
    the page's own welcome is, with the server's name from the login event.
    """
    rosa = people().enter("rosa")
    rosa.sees("notice", f"Welcome to {SERVER_NAME}! You are rosa.")
    log = rosa.page.locator("#log")
    expect(log).not_to_contain_text("Log in with")
    expect(log).not_to_contain_text("Welcome to twisted-chat")
    assert rosa.page.title() == f"lobby \u2014 {SERVER_NAME}"
    sid = telnet("sid")
    for word in ("look", "help", "quit"):
        rosa.say(word)
        sid.expect(f"<rosa> {word}")
        expect(rosa.lines("chat.own").last.locator(".text")).to_have_text(word)
    expect(rosa.page.locator("#chat-view")).to_be_visible()

    rosa.say("register secret")
    rosa.sees("notice", "rosa is registered")
    rosa.say("and still here")
    heard = sid.expect("<rosa> and still here")
    assert not [line for line in heard if "secret" in line]
    expect(rosa.lines("chat", "secret")).to_have_count(0)
    assert rosa.page.evaluate("window.__sent.filter(line => line.includes('secret'))") == [
        "/register secret"]
    rosa.page.press("#input", "ArrowUp")
    expect(rosa.page.locator("#input")).to_have_value("and still here")
    rosa.page.press("#input", "ArrowUp")
    expect(rosa.page.locator("#input")).to_have_value("quit")


def test_the_page_loads_cleanly_with_its_icon(people: Callable[..., Person]) -> None:
    """
    A page load asks for nothing the server lacks (no 404 for an icon in the
    console: Person.check_clean); the icon is the page's own SVG.
    """
    tess = people().open()
    expect(tess.page.locator('link[rel="icon"]')).to_have_attribute("href", "/favicon.svg")
    icon = tess.page.request.get(tess.base + "favicon.svg")
    assert icon.status == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.text().startswith("<svg ")


def test_enter_that_confirms_an_input_method_does_not_send(people: Callable[..., Person]) -> None:
    """
    Chinese typed through an input method arrives whole: an Enter that
    confirms a composition (told by the composition events, by isComposing,
    or by keyCode 229 as Safari sends it after compositionend) sends nothing;
    the next real Enter sends the line.
    """
    ivy = people().enter("ivy")
    ivy.page.fill("#input", "也可以输入中文")
    ivy.page.evaluate("""() => {
        const input = document.getElementById("input");
        const enter = (init) => input.dispatchEvent(new KeyboardEvent("keydown",
            {key: "Enter", code: "Enter", bubbles: true, cancelable: true, ...init}));
        input.dispatchEvent(new CompositionEvent("compositionstart", {bubbles: true}));
        enter({});                  // only the composition events say so
        input.dispatchEvent(new CompositionEvent("compositionend", {bubbles: true, data: "中文"}));
        enter({isComposing: true}); // only isComposing says so
        enter({keyCode: 229});      // only keyCode 229 says so (Safari, after compositionend)
    }""")
    assert ivy.page.evaluate("window.__sent.filter(line => line.includes('中文'))") == []
    expect(ivy.page.locator("#input")).to_have_value("也可以输入中文")
    ivy.page.press("#input", "Enter")
    ivy.sees("chat.own", "也可以输入中文")
    assert ivy.page.evaluate("window.__sent.filter(line => line.includes('中文'))") == [
        "/say 也可以输入中文"]
    expect(ivy.page.locator("#input")).to_have_value("")


@pytest.fixture
def quiet_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server of the test's own: its lobby has no lines from other tests to replay."""
    running = RunningServer(tmp_path, "--main-topic", "Tea and talk",
                            "--server-name", SERVER_NAME, web=True)
    yield running
    running.terminate()


def test_narrow_screen(quiet_server: RunningServer, people: Callable[..., Person]) -> None:
    """
    On a 360-pixel phone the page never scrolls sideways, long lines wrap,
    the input line stays on screen and works, and the people and rooms
    panel opens behind a button and closes when a room is chosen.
    """
    jack = people(width=360, height=740, on=quiet_server).open()
    assert jack.page.evaluate("document.documentElement.scrollWidth") <= 360
    jack.log_in("jack")
    expect(jack.room()).to_have_text("lobby")
    kim = quiet_server.connect().login("kim")
    kim.send("刚到车站，火车晚点二十分钟。你们先开始吧！")
    jack.sees("chat", "火车晚点")
    jack.say("no hurry, we are still setting up the board")
    jack.say("/me puts the kettle on")
    jack.sees("emote.own", "puts the kettle on")
    kim.expect("* jack puts the kettle on")
    kim.send("太好了，给我留一杯茶！")
    jack.sees("chat", "给我留一杯茶")
    screenshot(jack.page, "browser-client-narrow.png")

    kim.send("x" * 300)
    kim.send("see https://example.org/" + "a-very-long-path/" * 12)
    kim.send("长" * 200)
    jack.sees("chat", "长长长长")
    jack.say("/me reads it all on a phone")
    newest = jack.sees("emote.own", "reads it all on a phone")
    assert jack.page.evaluate("document.documentElement.scrollWidth") <= 360
    assert jack.page.evaluate(
        "[...document.querySelectorAll('#log li')].every(li => li.scrollWidth <= li.clientWidth)")
    expect(newest).to_be_in_viewport()
    entry = jack.page.locator("#input")
    expect(entry).to_be_in_viewport()
    box = entry.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740
    kim.send("/create phones")
    kim.expect("= Members (1): kim")

    panel = jack.page.locator("#side")
    expect(panel).to_be_hidden()
    jack.page.click("#side-toggle")
    expect(panel).to_be_visible()
    expect(jack.page.locator("#side-toggle")).to_have_attribute("aria-expanded", "true")
    expect(jack.members()).to_have_text(["jack"])
    room = jack.page.locator('#rooms .room[data-room="phones"]')
    expect(room).to_be_visible()
    room.click()
    expect(jack.room()).to_have_text("phones")
    expect(panel).to_be_hidden()
    jack.say("hello from a phone")
    jack.sees("chat.own", "hello from a phone")
    kim.expect("<jack> hello from a phone")
    assert jack.page.evaluate("document.documentElement.scrollWidth") <= 360
    kim.close()


@pytest.fixture
def strict_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server of the test's own that lets one address start two chat sessions a minute."""
    running = RunningServer(tmp_path, "--conn-rate", "2", web=True)
    yield running
    running.terminate()


#: What Playwright's WebSocket route logs, with no source, when a relayed close races its own.
RELAY_CLOSE_RACE = "WebSocket is already in CLOSING or CLOSED state."


class Relay:
    """
    A page's WebSockets, passed on to the server by the test, which can cut
    one as a network would, and keeps the events the server sent.
    """

    def __init__(self, page: Page) -> None:
        self.sockets: list[tuple[WebSocketRoute, WebSocketRoute]] = []
        self.events: list[dict[str, Any]] = []
        #: While set, every new WebSocket fails at once, as with no network.
        self.unreachable = False
        page.route_web_socket("**/ws", self._through)

    def _through(self, page_side: WebSocketRoute) -> None:
        if self.unreachable:
            page_side.close(code=1011)
            return
        server_side = page_side.connect_to_server()

        def heard(message: str | bytes) -> None:
            if isinstance(message, str):
                self.events.append(json.loads(message))
            page_side.send(message)

        server_side.on_message(heard)
        # Each side's own close reaches the other, as it would; a test's close of
        # the page's side alone reaches nothing: a half-dead connection.
        page_side.on_close(lambda code, reason: server_side.close(code=code, reason=reason))
        server_side.on_close(lambda code, reason: page_side.close(code=code, reason=reason))
        self.sockets.append((page_side, server_side))

    def refusal(self) -> dict[str, Any]:
        """The last error the server sent; it must be a refusal for connecting too often."""
        error = [event for event in self.events if event["type"] == "error"][-1]
        assert error["code"] == "connecting-too-fast"
        return error


def pause(page: Page) -> None:
    """Stop the page's clock (installed before it loaded): its timers wait for run_for."""
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)


def test_connecting_too_fast_waits_as_long_as_the_server_says(
        strict_server: RunningServer, people: Callable[..., Person]) -> None:
    """
    A WebSocket refused for connecting too often (--conn-rate, which counts
    chat sessions, telnet's and browsers', not page loads) is told why and
    how long to wait: the page shows the server's words, in the status bar
    when it was getting back in, in the login view when logging in, and
    tries again by itself once that wait is over, never before: not on its
    own backoff, nor when the network seems back, nor on Enter.  (The
    page's clock is Playwright's, run forward by hand.)
    """
    too_fast = "Too many connections from your address in the last minute (at most 2)."
    rosa = people(on=strict_server)
    rosa.page.clock.install()
    relay = Relay(rosa.page)
    rosa.enter("rosa")
    # The minute's second chat session from 127.0.0.1, and its last.
    una = strict_server.connect().login("una")
    pause(rosa.page)

    page_side, server_side = relay.sockets[-1]
    server_side.close()
    page_side.close(code=1006)
    una.expect("*** rosa has left (connection lost)")
    status = rosa.page.locator("#status")
    expect(status).to_contain_text("Disconnected")
    rosa.page.clock.run_for(1500)  # the first backoff: a try, refused
    expect(status).to_contain_text(too_fast)
    expect(rosa.page.locator("#status-now")).to_be_hidden()
    wait = relay.refusal()["args"]["wait"]
    assert rosa.page.evaluate("window.__sockets") == 2
    # The refusal may have come in at any time in the 1.5 s run: short of the
    # wait from the earliest of them, the page has not tried again...
    rosa.page.clock.run_for(int(wait * 1000) - 1500)
    # ... nor when the network seems to come back.
    rosa.page.evaluate("window.dispatchEvent(new Event('online'))")
    assert rosa.page.evaluate("window.__sockets") == 2
    rosa.page.clock.run_for(2500)
    rosa.page.wait_for_function("window.__sockets === 3")
    # Refused again (the minute is not over for the server): said again.
    expect(status).to_contain_text(too_fast)

    # The page itself is served (its files are not chat sessions); the login is refused.
    sara = people(on=strict_server)
    sara.page.clock.install()
    relay = Relay(sara.page)
    sara.open()
    pause(sara.page)
    sara.log_in("sara")
    expect(sara.page.locator("#login-error")).to_contain_text(too_fast)
    button = sara.page.locator("#login-button")
    expect(button).to_be_disabled()
    expect(button).to_have_text(re.compile(r"^Trying again in \d+ s\u2026$"))
    wait = relay.refusal()["args"]["wait"]
    sara.page.clock.run_for(int(wait * 1000))
    sara.page.press("#login-password", "Enter")
    assert sara.page.evaluate("window.__sockets") == 1
    sara.page.clock.run_for(1000)
    sara.page.wait_for_function("window.__sockets === 2")
    expect(sara.page.locator("#login-error")).to_contain_text(too_fast)
    expect(button).to_have_text(re.compile(r"^Trying again in \d+ s\u2026$"))
    expect(sara.page.locator("#login-view")).to_be_visible()
    una.close()


def test_server_restart_reconnects_into_the_same_room(
        browser: Browser, tmp_path: Path) -> None:
    """
    When the server goes away the page says so and counts down to its next
    try; when the server is back on the same port it logs in again by itself,
    with the password the name was registered with in this session (not one
    the server refused), and goes back into the room it was in.
    """
    first = RunningServer(tmp_path, web=True)
    port = first.web_port
    second = None
    lily = Person(browser, f"http://127.0.0.1:{port}/", 1100, 700)
    # Chromium's words for a try while no server listens (it may start after the first try).
    lily.expected = re.compile(r"^WebSocket connection to '\S+' failed: .*ERR_CONNECTION_REFUSED")
    try:
        lily.enter("lily")
        lily.say("/register lily-pw-1")
        lily.sees("notice", "lily is registered")
        # Refused, so the page keeps the password that took.
        lily.say("/register another-pw")
        lily.sees("error", "already registered")
        lily.say("/create studio")
        expect(lily.room()).to_have_text("studio")
        lily.say("/room register")
        lily.sees("notice", "studio is registered")
        lily.say("see you after the restart")
        lily.sees("chat.own", "see you after the restart")

        first.terminate()
        status = lily.page.locator("#status")
        expect(status).to_be_visible()
        expect(status).to_contain_text(re.compile(r"reconnecting in \d+ s"))

        second = RunningServer(tmp_path, web=True, web_port=port)
        expect(status).to_be_hidden(timeout=RECONNECT_WAIT)
        lily.sees("notice", "Connected again as lily")
        expect(lily.room()).to_have_text("studio")
        expect(lily.members()).to_have_text(["lily"])
        watcher = second.connect().login("mia")
        watcher.send("who")
        watcher.expect("lily (in studio)")
        watcher.close()
        lily.say("back again")
        lily.sees("chat.own", "back again")
        lily.check_clean()
    finally:
        lily.context.close()
        first.terminate()
        if second is not None:
            second.terminate()


def test_reconnect_waits_for_its_old_connection_to_go(
        people: Callable[..., Person], telnet: Callable[[str], LineClient]) -> None:
    """
    A connection lost on the page's side only (the server still holds the
    name): the re-login is refused as taken, and the page keeps trying, saying
    why, until the server lets the old connection go; then it is back, in its
    room.
    """
    nina = people(watch=False)
    relay = Relay(nina.page)
    sockets = relay.sockets
    nina.enter("nina")
    nina.say("/create den")
    expect(nina.room()).to_have_text("den")
    friend = telnet("olga")
    friend.send("/join den")
    friend.expect("= Members (2)")

    old_page_side, old_server_side = sockets[-1]
    old_page_side.close(code=1006)
    status = nina.page.locator("#status")
    expect(status).to_contain_text("nina is still taken", timeout=RECONNECT_WAIT)
    expect(status).to_contain_text(re.compile(r"reconnecting in \d+ s"))
    assert len(sockets) >= 2

    old_server_side.close()
    friend.expect("*** nina has left (connection lost)")
    expect(status).to_be_hidden(timeout=RECONNECT_WAIT)
    expect(nina.room()).to_have_text("den")
    friend.expect("*** nina has joined den (from lobby)")
    friend.send("welcome back")
    nina.sees("chat", "welcome back")


def test_a_refused_password_on_reconnect_goes_back_to_the_login_view(
        people: Callable[..., Person], server: RunningServer,
        telnet: Callable[[str], LineClient]) -> None:
    """
    A re-login the server refuses for its password (changed elsewhere while
    the page was away) is not tried again: the login view says the server's
    words, and logging in there with the new password goes back to the room
    with the conversation kept.  /quit leaves for good: the login view, with
    the server's goodbye, and no reconnecting.
    """
    paul = people(watch=False)
    relay = Relay(paul.page)
    sockets = relay.sockets
    paul.enter("paul")
    paul.say("/register paul-pw-1")
    paul.sees("notice", "paul is registered")
    paul.say("/create porch")
    expect(paul.room()).to_have_text("porch")
    paul.say("a line before the break")
    paul.sees("chat.own", "a line before the break")
    friend = telnet("quinn")
    friend.send("/join porch")
    friend.expect("= Members (2)")

    # The network goes: both ends see the connection end, and the page cannot get back yet.
    relay.unreachable = True
    page_side, server_side = sockets[-1]
    server_side.close()
    page_side.close(code=1006)
    friend.expect("*** paul has left (connection lost)")
    expect(paul.page.locator("#status")).to_contain_text("reconnecting in")
    # Meanwhile paul changes his password from telnet.
    elsewhere = server.connect()
    elsewhere.banner()
    elsewhere.send("login paul paul-pw-1")
    elsewhere.expect("= Members")
    elsewhere.send("/password paul-pw-1 paul-pw-2")
    elsewhere.expect("Your password is changed.")
    elsewhere.send("logout")
    elsewhere.expect("Goodbye")
    elsewhere.close()

    relay.unreachable = False
    error = paul.page.locator("#login-error")
    expect(error).to_have_text("Wrong password for 'paul'.", timeout=RECONNECT_WAIT)
    expect(paul.page.locator("#login-view")).to_be_visible()
    expect(paul.page.locator("#status")).to_be_hidden()
    expect(paul.page.locator("#login-name")).to_have_value("paul")
    paul.page.fill("#login-password", "paul-pw-2")
    paul.page.press("#login-password", "Enter")
    expect(paul.room()).to_have_text("porch")
    paul.sees("notice", "Connected again as paul")
    paul.sees("chat.own", "a line before the break")
    friend.expect("*** paul has joined porch (from lobby)")

    paul.say("/quit")
    friend.expect("*** paul has logged out")
    expect(paul.page.locator("#login-view")).to_be_visible()
    expect(error).to_have_text("Goodbye, paul.")
    expect(paul.page.locator("#chat-view")).to_be_hidden()
    expect(paul.page.locator("#status")).to_be_hidden()


@pytest.fixture
def order_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server of the test's own with one server operator, ``rita`` (registered by the test)."""
    running = RunningServer(tmp_path, "--operator", "rita", "--flood-rate", "0", web=True)
    yield running
    running.terminate()


#: The server operator's password on ``order_server``.
RITA_PASSWORD = "rita-pw-1"


def server_operator(server: RunningServer) -> LineClient:
    """``rita`` registered and logged in again with the password: a server operator, on telnet."""
    first = server.connect().login("rita")
    first.send(f"/register {RITA_PASSWORD}")
    first.expect("rita is registered")
    first.send("/logout")
    first.expect("Goodbye")
    first.close()
    rita = server.connect()
    rita.banner()
    rita.send(f"login rita {RITA_PASSWORD}")
    rita.expect("= Members")
    return rita


def badges(person: Person, name: str) -> Locator:
    return person.page.locator(f'#members .member[data-name="{name}"] .badge')


def test_members_list_marks_the_owner_operators_and_server_operators(
        order_server: RunningServer, people: Callable[..., Person]) -> None:
    """
    In the members list the room's owner, its operators and server operators
    each carry a badge in words, beside "you"; /op and /deop (by the owner on
    a page, seen on another page too) change the marks at once, and the
    room's own listing (look) words them as the text format does.
    """
    rita = server_operator(order_server)
    ann = people(on=order_server).enter("ann")
    ann.say("/create games")
    expect(ann.room()).to_have_text("games")
    expect(badges(ann, "ann")).to_have_text(["owner", "you"])
    cy = people(on=order_server).enter("cy")
    cy.say("/join games")
    expect(cy.room()).to_have_text("games")
    ben = order_server.connect().login("ben")
    ben.send("/join games")
    ben.expect("= Members (3)")
    rita.send("/join games")
    rita.expect("= Members (4)")
    for reader in (ann, cy):
        expect(reader.members()).to_have_text(["ann", "ben", "cy", "rita"])
        expect(badges(reader, "ben")).to_have_count(0)
        expect(badges(reader, "rita")).to_have_text(["server operator"])
    expect(badges(cy, "ann")).to_have_text(["owner"])
    expect(badges(cy, "cy")).to_have_text(["you"])

    ann.say("/op ben")
    ben.expect("*** ann made ben an operator of games")
    for reader in (ann, cy):
        reader.sees("moderation", "ann made ben an operator of games")
        expect(badges(reader, "ben")).to_have_text(["operator"])
        expect(reader.page.locator('#members .member.operator .name')).to_have_text("ben")
    cy.say("/look")
    cy.sees("listing", "Members (4): ann (owner), cy, ben (operator), rita (server operator)")
    screenshot(cy.page, "browser-client-operators.png")

    # An operator who leaves and comes back is marked as the server says on arrival.
    ben.send("/leave")
    expect(cy.members()).to_have_text(["ann", "cy", "rita"])
    ben.send("/join games")
    expect(badges(cy, "ben")).to_have_text(["operator"])

    ann.say("/deop ben")
    ben.expect("*** ann removed ben as an operator of games")
    for reader in (ann, cy):
        reader.sees("moderation", "ann removed ben as an operator of games")
        expect(badges(reader, "ben")).to_have_count(0)
    for client in (ben, rita):
        client.close()


def test_a_kicked_user_sees_who_and_why_and_lands_in_the_main_room(
        order_server: RunningServer, people: Callable[..., Person]) -> None:
    """
    Kicked out of a room, a browser user is in the main room, told who kicked
    them and why in a line of the log that stands out and in a notice kept
    above it while the main room's replay comes in; the room they left sees the
    same words and drops them from its members list and count.
    """
    tom = order_server.connect().login("tom")
    tom.send("/create games")
    tom.expect("= Members (1): tom")
    tom.send("a line for the replay of games")
    lobby = order_server.connect().login("lou")
    lobby.send("a line for the replay of the lobby")
    kim = people(on=order_server).enter("kim")
    lee = people(on=order_server).enter("lee")
    for person in (kim, lee):
        person.say("/join games")
        expect(person.room()).to_have_text("games")
    expect(lee.members()).to_have_text(["kim", "lee", "tom"])
    games = lee.page.locator('#rooms .room[data-room="games"] .count')
    expect(games).to_have_text("3")

    for n in range(40):  # kim's log runs past its height, and follows the newest line
        tom.send(f"a games line {n}")
    expect(kim.sees("chat", "a games line 39")).to_be_in_viewport()
    tom.send("/kick kim too many puns")
    words = "tom kicked kim out of games: too many puns"
    tom.expect("*** " + words)
    expect(kim.room()).to_have_text("lobby")
    expect(kim.sees("moderation.to-me", words)).to_have_attribute("data-action", "kick")
    notice = kim.page.locator("#acted")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("role", "alert")
    expect(kim.page.locator("#acted-text")).to_have_text(words)
    expect(kim.members()).to_have_text(["kim", "lou"])
    screenshot(kim.page, "browser-client-kicked.png")
    lee.sees("moderation", words)
    expect(lee.lines("moderation.to-me")).to_have_count(0)
    expect(lee.members()).to_have_text(["lee", "tom"])
    expect(games).to_have_text("2")

    # The notice above the log does not stop the log following the newest line.
    for n in range(40):
        lobby.send(f"a lobby line {n} after the kick")
    newest = kim.sees("chat", "a lobby line 39 after the kick")
    expect(newest).to_be_in_viewport()
    # But a reader who scrolled up to read is left where they are.
    kim.page.locator("#log").hover()
    kim.page.mouse.wheel(0, -3000)
    expect(newest).not_to_be_in_viewport()
    lobby.send("one more while kim reads back")
    expect(kim.sees("chat", "one more while kim reads back")).not_to_be_in_viewport()

    # Read: put away; the user may go back (a kick is not a ban).
    kim.page.click("#acted-close")
    expect(notice).to_be_hidden()
    kim.say("/join games")
    expect(kim.room()).to_have_text("games")
    for client in (tom, lobby):
        client.close()


def test_put_off_the_server_the_page_says_why_and_does_not_come_back(
        order_server: RunningServer, people: Callable[..., Person]) -> None:
    """
    Disconnected by a server operator, a browser user is on the login view with
    who did it and why, and the page does not log in again by itself (which
    would undo it), however long it waits; banned from the server, the same,
    and logging in by hand is refused with the server's words, once.  (The
    page's clock is Playwright's, run forward by hand.)
    """
    rita = server_operator(order_server)
    max_ = people(on=order_server)
    max_.page.clock.install()
    max_.enter("max")
    pause(max_.page)
    rita.send("/disconnect max calm down")
    rita.expect("*** rita disconnected max from the server: calm down")
    error = max_.page.locator("#login-error")
    expect(max_.page.locator("#login-view")).to_be_visible()
    expect(error).to_have_text("rita disconnected max from the server: calm down")
    max_.page.clock.run_for(120_000)
    assert max_.page.evaluate("window.__sockets") == 1
    expect(max_.page.locator("#status")).to_be_hidden()

    max_.log_in("max")
    rita.expect("*** max has logged in")
    expect(max_.page.locator("#chat-view")).to_be_visible()
    rita.send("/ban max 10m spam")
    # How long, to the second, depends on the rounding of times in JSON: not checked here.
    rita.expect("*** rita banned max from the server for ")
    expect(error).to_have_text(re.compile(
        r"^rita banned max from the server for \S+( \S+)? \(until \d\d:\d\d\): spam$"))
    max_.page.clock.run_for(120_000)
    assert max_.page.evaluate("window.__sockets") == 2
    max_.log_in("max")
    max_.page.wait_for_function("window.__sockets === 3")
    expect(max_.page.locator("#login-view")).to_be_visible()
    # The server's refusal: how long is left depends on the server's clock, not the page's.
    expect(error).to_have_text(re.compile(r"^You are banned from this server for .+ more: spam$"))
    max_.page.clock.run_for(120_000)
    assert max_.page.evaluate("window.__sockets") == 3
    rita.close()


#: What starts a text format line; the page shows what follows it.
TEXT_MARKER = re.compile(r"^(?:\*\*\* |=\s+|! )")


def page_lines(person: Person) -> list[str]:
    """The log's lines as read, without their times."""
    return person.page.evaluate("""[...document.querySelectorAll('#log li')].map(li =>
        [...li.childNodes].filter(n => n.nodeName !== 'TIME').map(n => n.textContent)
            .join('').trim())""")


@pytest.fixture
def in_page_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's local time is the pages' (ZONE), so that its text format stamps as they do."""
    monkeypatch.setenv("TZ", ZONE)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("in_page_zone")
def test_order_keeping_listings_read_as_the_text_format_words_them(
        order_server: RunningServer, people: Callable[..., Person]) -> None:
    """
    A server operator's page shows moderation acts, the wall, bans and mutes,
    the audit trail, the ignore list and a room's settings in the very words a
    telnet user reads for the same events (``formats.text_lines``), lines for
    lines, without the text format's markers.
    """
    server_operator(order_server).close()
    rita = people(on=order_server, watch=False)
    relay = Relay(rita.page)
    rita.enter("rita", RITA_PASSWORD)
    zed = order_server.connect().login("zed")
    rita.say("/create hall")
    expect(rita.room()).to_have_text("hall")
    zed.send("/join hall")
    zed.expect("= Members (2)")
    for line in ("/mute zed 10m shouting", "/bans", "/unmute zed", "/room slow 5", "/room",
                 "/ignore zed", "/ignore", "/unignore zed", "/wall tea at four", "/audit 10",
                 "/kick zed enough"):
        rita.say(line)
    rita.sees("moderation", "rita kicked zed out of hall: enough")
    kinds = {"moderation", "wall", "bans", "audit", "ignoring", "room-settings"}
    told = [read_json(json.dumps(event)) for event in relay.events if event["type"] in kinds]
    assert {event.kind for event in told if event is not None} == kinds
    shown = page_lines(rita)
    for event in told:
        assert event is not None
        wanted = [TEXT_MARKER.sub("", line) for line in text_lines(event)]
        assert any(shown[at:at + len(wanted)] == wanted for at in range(len(shown))), (
            wanted, shown)
    zed.close()
