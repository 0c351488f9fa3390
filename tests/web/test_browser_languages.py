"""
The browser page in the user's language, in Debian's Chromium against the
real ``twistd -n chat``: the chooser, the labels, the lines the page words
itself from events, the choice kept across a reload, and a first visit from
a Chinese browser.

What is expected is read from the catalogs, never written here: the page's
own labels from the ``clients`` catalog, and each sentence the server words
as :meth:`Language.format` gives it for the same msgid, which is what the
server serves (its catalog may be still being translated).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.processes import RunningServer
from tests.web.test_browser import Person, browser, page_lines
from twisted_chat.core import errors
from twisted_chat.i18n import catalogs
from twisted_chat.i18n.languages import SIMPLIFIED, TRADITIONAL, Language
from twisted_chat.web.site import CONTENT_SECURITY_POLICY

__all__ = ["browser"]  # The browser fixture, shared with the page's other tests.

LANGUAGE_KEY = "twisted-chat.language"


def own(language: Language, msgid: str) -> str:
    """One of the page's own labels in ``language``, as its catalog has it."""
    return catalogs.translations(language.locale, catalogs.CLIENTS).gettext(msgid)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path_factory.mktemp("languages"), "--server-name", "Riverside",
                            "--conn-rate", "100", web=True)
    yield running
    running.terminate()


@pytest.fixture
def people(browser: Browser, server: RunningServer) -> Iterator[Callable[..., Person]]:
    opened: list[Person] = []

    def person(locale: str = "en-GB") -> Person:
        someone = Person(browser, f"http://127.0.0.1:{server.web_port}/", 1100, 700)
        if locale != "en-GB":
            # A browser of its own language: a context says it from its start.
            someone.context.close()
            someone.context = browser.new_context(viewport={"width": 1100, "height": 700},
                                                  timezone_id="Asia/Shanghai", locale=locale)
            someone.page = someone.context.new_page()
            someone.page.on("pageerror", lambda error: someone.errors.append(str(error)))
        opened.append(someone)
        return someone

    yield person
    try:
        for someone in opened:
            assert someone.errors == []
            assert someone.console == []
    finally:
        for someone in opened:
            someone.context.close()


def sees_line(person: Person, text: str) -> None:
    """The log has a line reading ``text`` (its time aside), waited for."""
    person.page.wait_for_function(
        """wanted => [...document.querySelectorAll('#log li')].some(li =>
            [...li.childNodes].filter(n => n.nodeName !== 'TIME').map(n => n.textContent)
                .join('').trim() === wanted)""", arg=text)


def test_chosen_chinese_the_page_and_its_lines_read_in_it(
        people: Callable[..., Person], tmp_path: Path) -> None:
    """
    Chosen before logging in, 简体中文 re-labels the login view at once; the
    server is asked for it before the login, and every line the page words
    from an event (the room, its topic and members, the rooms, who, an
    error) reads as the server words the same msgid in zh-CN; the labels
    and badges are the clients catalog's.  Switched to 繁體中文 in the chat,
    the page follows the server's answer; lines shown before stay as they were.
    """
    lan = people().open()
    page = lan.page
    expect(page.locator("#login-intro")).to_have_text("Choose a name to join the chat.")
    page.select_option("#login-language", "zh-CN")
    expect(page.locator("#login-intro")).to_have_text(
        own(SIMPLIFIED, "Choose a name to join the chat."))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#login-button")).to_have_text(own(SIMPLIFIED, "Log in"))
    expect(page.locator("#login-name-label")).to_have_text(own(SIMPLIFIED, "Name"))

    lan.log_in("兰兰")
    expect(page.locator("#chat-view")).to_be_visible()
    sent = page.evaluate("window.__sent")
    assert sent.index("/lang zh-CN") < sent.index("login 兰兰"), sent
    expect(page.locator("#send-button")).to_have_text(own(SIMPLIFIED, "Send"))
    expect(page.locator("#input")).to_have_attribute("placeholder",
                                                     own(SIMPLIFIED, "Message, or /help"))
    expect(page.locator("#rooms-title")).to_have_text(own(SIMPLIFIED, "Rooms"))
    expect(page.locator("#chat-language")).to_have_value("zh-CN")
    expect(page.locator("#members .member.self .badge")).to_have_text(own(SIMPLIFIED, "you"))
    sees_line(lan, own(SIMPLIFIED, "Welcome to {server}!").format(server="Riverside") + " " +
              SIMPLIFIED.format("You are {name}. Type /help for the commands.", name="兰兰"))

    lan.say("/create 书房")
    expect(lan.room()).to_have_text("书房")
    sees_line(lan, SIMPLIFIED.format("Room {room}, owned by {owner}", room="书房", owner="兰兰"))
    sees_line(lan, SIMPLIFIED.format("Topic: {topic}", topic=SIMPLIFIED.gettext("(none)")))
    sees_line(lan, SIMPLIFIED.format("Members ({total}): {names}", total=1, names=SIMPLIFIED.format(
        "{name} ({role})", name="兰兰", role=SIMPLIFIED.gettext("owner"))))
    expect(page.locator("#members .member.owner .badge.owner")).to_have_text(
        SIMPLIFIED.gettext("owner"))
    lan.say("/list")
    sees_line(lan, SIMPLIFIED.format("Rooms ({count}):", count=2))
    lan.say("/who")
    sees_line(lan, SIMPLIFIED.format("Online ({count}):", count=1))
    sees_line(lan, SIMPLIFIED.format("{name} (in {room})", name="兰兰", room="书房"))
    lan.say("/join nowhere")
    wrong = errors.NoSuchRoom("nowhere")
    expect(lan.lines("error").last).to_contain_text(SIMPLIFIED.fill(wrong.template, wrong.args))
    expect(page.locator("#log li.line")).not_to_have_count(0)

    folder = Path(os.environ.get("TWISTED_CHAT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "browser-client-zh-CN.png"))

    before = page_lines(lan)
    page.select_option("#chat-language", "zh-TW")
    expect(page.locator("#send-button")).to_have_text(own(TRADITIONAL, "Send"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-TW")
    sees_line(lan, TRADITIONAL.format("Language: {name} ({code}). Type /lang CODE to change it.",
                                      name="繁體中文", code="zh-TW"))
    assert page_lines(lan)[:len(before)] == before
    lan.say("/who")
    sees_line(lan, TRADITIONAL.format("{name} (in {room})", name="兰兰", room="书房"))
    assert page.evaluate(f"localStorage.getItem({json.dumps(LANGUAGE_KEY)})") == "zh-TW"


def test_the_choice_survives_a_reload(people: Callable[..., Person]) -> None:
    """
    Chosen once, the language is the page's from its next load on: its
    labels at once, and asked of the server on each connection.
    """
    mei = people().open()
    page = mei.page
    page.select_option("#login-language", "zh-TW")
    expect(page.locator("#login-intro")).to_have_text(
        own(TRADITIONAL, "Choose a name to join the chat."))
    page.reload()
    expect(page.locator("#login-intro")).to_have_text(
        own(TRADITIONAL, "Choose a name to join the chat."))
    expect(page.locator("#login-language")).to_have_value("zh-TW")
    mei.log_in("mei")
    expect(page.locator("#chat-view")).to_be_visible()
    expect(page.locator("#status-now")).to_have_text(own(TRADITIONAL, "Reconnect now"))
    sent = page.evaluate("window.__sent")
    assert sent[:2] == ["/lang zh-TW", "login mei"], sent
    mei.say("/who")
    sees_line(mei, TRADITIONAL.format("{name} (in {room})", name="mei", room="lobby"))


def test_a_first_visit_from_a_chinese_browser(people: Callable[..., Person]) -> None:
    """
    Nothing chosen yet, a browser asking for zh-TW on an English server gets
    繁體中文: the page asks for it before the login; nothing is kept, since
    the user chose nothing.
    """
    ming = people(locale="zh-TW").open()
    page = ming.page
    expect(page.locator("#login-intro")).to_have_text(
        own(TRADITIONAL, "Choose a name to join the chat."))
    ming.log_in("阿明")
    expect(page.locator("#chat-view")).to_be_visible()
    expect(page.locator("#send-button")).to_have_text(own(TRADITIONAL, "Send"))
    ming.say("/who")
    sees_line(ming, TRADITIONAL.format("Online ({count}):", count=1))
    assert page.evaluate(f"localStorage.getItem({json.dumps(LANGUAGE_KEY)})") is None


def test_the_tables(server: RunningServer) -> None:
    """
    /i18n/CODE.json serves each language's words, the server's and the
    clients', as JSON with the page's headers; an unknown code is a 404.
    """
    base = f"http://127.0.0.1:{server.web_port}/i18n/"
    with urllib.request.urlopen(base + "zh-TW.json") as answer:
        assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
        assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        table = json.loads(answer.read().decode("utf-8"))
    assert table == {**catalogs.messages("zh_TW", catalogs.SERVER),
                     **catalogs.messages("zh_TW", catalogs.CLIENTS)}
    # A plural's forms, under the key a compiled catalog gives it.
    assert table["{count} member\0{count} members"] == [
        catalogs.translations("zh_TW", catalogs.CLIENTS).ngettext(
            "{count} member", "{count} members", 2)]
    with urllib.request.urlopen(base + "en.json") as answer:
        assert json.loads(answer.read()) == {}
    for wrong in ("fr.json", "zh-TW", "zh-TW.json/more", "..%2f..%2fsetup.cfg"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + wrong)
        assert refused.value.code == 404, wrong
