"""
The server's words in a session's language: /lang, --lang, the formats, and a
broadcast rendered once per (format, language).

Expected sentences are the catalogs' (``Language.format`` of the same msgid), so
these tests pin the plumbing; each also checks the line is Chinese, which
fails while the catalog lacks the message.
"""

from __future__ import annotations

import json
import re

from twisted.trial.unittest import SynchronousTestCase

from tests.fakes import RENDERED, CountingFormat, RecordingClient
from tests.harness import Server
from twisted_chat.core import errors, events
from twisted_chat.core.durations import duration, span
from twisted_chat.core.formats import JsonFormat, TextFormat, text_lines
from twisted_chat.core.users import User
from twisted_chat.hub.fanout import broadcast
from twisted_chat.i18n import languages
from twisted_chat.i18n.languages import ENGLISH, SIMPLIFIED, TRADITIONAL

HAN = re.compile(r"[\u4e00-\u9fff]")


def chinese(line: str) -> bool:
    return HAN.search(line) is not None


class LookupTests(SynchronousTestCase):
    def test_codes_as_people_write_them(self) -> None:
        for code, language in [("zh-CN", SIMPLIFIED), ("zh_cn", SIMPLIFIED), ("ZH", SIMPLIFIED),
                               ("zh-Hans", SIMPLIFIED), ("zh-TW", TRADITIONAL),
                               ("zh-hant", TRADITIONAL), ("zh-HK", TRADITIONAL),
                               ("en", ENGLISH), ("en-US", ENGLISH), ("繁體", TRADITIONAL)]:
            self.assertIs(languages.lookup(code), language, code)
        self.assertIsNone(languages.lookup("fr"))
        self.assertIsNone(languages.lookup(""))

    def test_encoding_suggests_a_language(self) -> None:
        self.assertIs(languages.suggested("gbk"), SIMPLIFIED)
        self.assertIs(languages.suggested("big5"), TRADITIONAL)
        self.assertIsNone(languages.suggested("utf-8"))


class WordingTests(SynchronousTestCase):
    def test_english_is_the_msgid(self) -> None:
        error = errors.RateLimited("changing rooms", 5, 90)
        self.assertEqual(ENGLISH.fill(error.template, error.args), error.message)

    def test_specs_in_each_language(self) -> None:
        """Durations, spans and word values are worded in the language, numbers kept."""
        for language in (SIMPLIFIED, TRADITIONAL):
            with self.subTest(language=language.code):
                long = duration(300, language=language)
                self.assertIn("5", long)
                self.assertTrue(chinese(long), long)
                short = span(3600 * 26, language=language)
                self.assertIn("1", short)
                self.assertTrue(chinese(short), short)
                error = errors.NameEmpty("room name")
                worded = language.fill(error.template, error.args)
                self.assertNotIn("room name", worded)
                self.assertTrue(chinese(worded), worded)

    def test_every_error_in_chinese(self) -> None:
        """Each error's sentence, in each Chinese, is Chinese: none fell back to English."""
        from tests.core.test_errors import RENDERED as CASES

        for language in (SIMPLIFIED, TRADITIONAL):
            for error, _, english in CASES:
                if error.template == errors.ChatError.template:
                    continue  # A sentence made elsewhere, as it is.
                worded = language.fill(error.template, error.args)
                with self.subTest(language=language.code, error=type(error).__name__):
                    self.assertNotEqual(worded, english)
                    self.assertTrue(chinese(worded), worded)

    def test_every_event_in_chinese(self) -> None:
        """Every sample event's text lines but what users wrote are Chinese."""
        from tests.core.test_formats import SAMPLES

        spoken = {"chat", "emote", "private"}
        for language in (SIMPLIFIED, TRADITIONAL):
            for event, _ in SAMPLES:
                if event.kind in spoken or getattr(event, "template", "") is None:
                    continue
                lines = text_lines(event, language)
                with self.subTest(language=language.code, kind=event.kind):
                    self.assertTrue(chinese(lines[0]), lines)


class FormatTests(SynchronousTestCase):
    def test_broadcast_renders_once_per_format_and_language(self) -> None:
        """Thirty readers in three languages: three renders, each reader's in theirs."""
        RENDERED.clear()
        shared = {code: CountingFormat(language=code) for code in languages.LANGUAGES}
        users = [User(f"u{i}", RecordingClient(shared[code]), 0)
                 for i in range(10) for code in languages.LANGUAGES]
        event = events.Presence(1.0, "login", "lobby", "bob")
        broadcast(event, users)
        self.assertEqual(len(RENDERED), 3)
        for user in users:
            language = languages.get(user.client.format.language)
            self.assertEqual(user.client.received,
                             [f"*** {language.format('{name} has logged in', name='bob')}\r\n"
                              .encode()])
        self.assertNotEqual(users[0].client.received, users[1].client.received)

    def test_json_keeps_codes_and_fields(self) -> None:
        """In JSON the code, type and values stay; only the sentence is the language's."""
        event = errors.NoSuchRoom("games").event(1.0)
        english = json.loads(JsonFormat().render(event))
        chinese_ = json.loads(JsonFormat(language="zh-CN").render(event))
        self.assertEqual({k: v for k, v in chinese_.items() if k != "text"},
                         {k: v for k, v in english.items() if k != "text"})
        self.assertNotEqual(chinese_["text"], english["text"])
        self.assertTrue(chinese(chinese_["text"]))
        self.assertNotIn("template", english)

    def test_help_in_json_follows_the_language(self) -> None:
        command = events.CommandHelp("look", "look", "Show the room you are in: its topic and "
                                     "members.")
        rendered = json.loads(JsonFormat(language="zh-TW").render(events.Help(1.0, (command,))))
        (shown,) = rendered["commands"]
        self.assertEqual((shown["name"], shown["usage"]), ("look", "look"))
        self.assertEqual(shown["summary"], TRADITIONAL.gettext(command.summary))

    def test_a_translation_that_breaks_reads_in_english(self) -> None:
        """A catalog bug (a value the translation wants is missing) costs the language only."""
        broken = events.Notice(1.0, "Goodbye, bob.", template="Goodbye, {name}.", values={})
        self.assertEqual(TextFormat(language="zh-CN").render(broken), b"*** Goodbye, bob.\r\n")
        self.assertEqual(json.loads(JsonFormat(language="zh-TW").render(broken))["text"],
                         "Goodbye, bob.")
        self.assertEqual(len(self.flushLoggedErrors(KeyError)), 2)

    def test_users_words_never_translated(self) -> None:
        """A line said, and the MOTD, read the same in every language."""
        said = events.Message(1.0, "lobby", "bob", "Welcome to {server}!")
        motd = events.Notice(1.0, "Log in with: login NAME")
        for code in languages.LANGUAGES:
            fmt = TextFormat(language=code)
            self.assertEqual(fmt.render(said), b"<bob> Welcome to {server}!\r\n")
            self.assertEqual(fmt.render(motd), b"*** Log in with: login NAME\r\n")


class SessionTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()

    def test_lang_switches_only_that_connection(self) -> None:
        alice, bob = self.server.logins("alice", "bob")
        alice.send("/lang zh-CN")
        (told,) = alice.lines()
        self.assertEqual(told, "*** " + SIMPLIFIED.format(
            "Language: {name} ({code}). Type /lang CODE to change it.", name="简体中文",
            code="zh-CN"))
        alice.send("/join nowhere")
        (error,) = alice.lines()
        self.assertEqual(error, "! " + SIMPLIFIED.fill(errors.NoSuchRoom.template,
                                                       {"name": "nowhere"}))
        self.assertTrue(chinese(error))
        self.server.login("carol")
        self.assertEqual(alice.lines(), ["*** " + SIMPLIFIED.format("{name} has logged in",
                                                                    name="carol")])
        self.assertEqual(bob.lines(), ["*** carol has logged in"])

    def test_sessions_of_a_language_share_one_format(self) -> None:
        """What a broadcast groups by: one format object a (format, language), built once."""
        alice, bob, carol = self.server.logins("alice", "bob", "carol")
        for client in (alice, bob):
            client.send("/lang zh-TW")
        formats = [client.protocol.session.format for client in (alice, bob, carol)]
        self.assertIs(formats[0], formats[1])
        self.assertIsNot(formats[0], formats[2])
        self.assertEqual(formats[0].language, "zh-TW")

    def test_bare_lang_in_a_room_and_the_alias(self) -> None:
        (alice,) = self.server.logins("alice")
        alice.send("lang zh-TW")
        self.assertTrue(chinese(alice.lines()[0]))
        alice.send("/language en")
        self.assertEqual(alice.lines(),
                         ["*** Language: English (en). Type /lang CODE to change it."])
        alice.send("lang is fun")
        self.assertEqual(alice.lines(), ["<alice> lang is fun"])

    def test_unknown_language(self) -> None:
        (alice,) = self.server.logins("alice")
        alice.send("/lang fr")
        self.assertEqual(alice.lines(),
                         ["! Unknown language 'fr'; use one of: en, zh-CN, zh-TW."])
        self.assertEqual(alice.protocol.session.settings.language, "en")

    def test_lang_before_login_words_the_login(self) -> None:
        client = self.server.connect()
        client.send("lang zh-CN")
        client.clear()
        client.send("login alice")
        self.assertEqual(client.lines()[0], "*** " + SIMPLIFIED.format(
            "You are {name}. Type /help for the commands.", name="alice"))

    def test_server_default_language(self) -> None:
        """--lang: a new connection starts in it, banner included, and may choose another."""
        self.server.sessions.language = "zh-TW"
        client = self.server.connect()
        banner = client.lines()
        self.assertTrue(chinese(banner[0]), banner)
        client.send("/lang en")
        client.clear()
        client.send("login alice")
        self.assertEqual(client.lines()[0], "*** You are alice. Type /help for the commands.")

    def test_help_in_chinese(self) -> None:
        (alice,) = self.server.logins("alice")
        alice.send("/lang zh-CN")
        alice.clear()
        alice.send("/help")
        listing = alice.lines()
        self.assertTrue(chinese(listing[0]), listing[0])
        summaries = [line for line in listing[1:] if line.startswith("=   /")]
        self.assertTrue(summaries and all(chinese(line) for line in summaries), summaries)

    def test_gbk_text_suggests_chinese_in_gbk(self) -> None:
        """Text typed in GBK: the hint to switch comes in Chinese, in GBK."""
        client = self.server.connect()
        client.send("login 毛".encode("gbk"))
        shown = client.received().decode("gbk", "replace")
        self.assertIn(SIMPLIFIED.format("To read the server in {name}, type: /lang {code}",
                                        name="简体中文", code="zh-CN"), shown)


class ReadmeTests(SynchronousTestCase):
    def test_the_examples_are_what_the_server_says(self) -> None:
        """README's Languages section quotes the server: a changed translation changes it too."""
        from pathlib import Path

        readme = (Path(__file__).parent.parent.parent / "README.rst").read_text()
        said = [TextFormat(language="zh-CN").render(event).decode().strip() for event in (
            events.LanguageChanged(1.0, "zh-CN", "简体中文"),
            errors.NoSuchRoom("nowhere").event(1.0))]
        for line in said:
            self.assertIn(f"    {line}\n", readme)
