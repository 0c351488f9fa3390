"""Each event, in each format: text lines with their markers, and JSON objects."""

from __future__ import annotations

import json

from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from twisted_chat.core import events
from twisted_chat.core.formats import FORMATS, JsonFormat, TextFormat, build, read_json
from twisted_chat.interfaces import IFormat

T = 1_800_000_000.25

#: One sample of every event, with the first line of its text form.
SAMPLES: list[tuple[events.Event, str]] = [
    (events.Message(T, "lobby", "alice", "hi"), "<alice> hi"),
    (events.Emote(T, "lobby", "alice", "waves"), "* alice waves"),
    (events.Private(T, "alice", "bob", "psst"), "[alice -> bob] psst"),
    (events.Notice(T, "Welcome"), "*** Welcome"),
    (events.SentAsChat(T, "/create fun"),
     "*** Sent as chat. For the command, type: /create fun"),
    (events.Presence(T, "login", "lobby", "alice"), "*** alice has logged in"),
    (events.Presence(T, "join", "games", "alice", from_room="lobby"),
     "*** alice has joined games (from lobby)"),
    (events.Presence(T, "part", "lobby", "alice", to_room="games"),
     "*** alice has left for games"),
    (events.Presence(T, "logout", "lobby", "alice", reason="bye"),
     "*** alice has logged out (bye)"),
    (events.Presence(T, "drop", "lobby", "alice", reason="connection lost"),
     "*** alice has left (connection lost)"),
    (events.Presence(T, "nick", "lobby", "alicia", old_name="alice"),
     "*** alice is now known as alicia"),
    (events.Owner(T, "games", "bob"), "*** bob now owns games"),
    (events.Topic(T, "games", "chess"), "= Topic of games: chess"),
    (events.Topic(T, "games", "chess", setter="bob"), "*** bob set the topic of games: chess"),
    (events.LoggedIn(T, "alice", "tea"), "*** You are alice. Type /help for the commands."),
    (events.Renamed(T, "alicia", "alice"), "*** You are now known as alicia"),
    (events.RoomInfo(T, "lobby", "", None, ("alice",)), "= Room lobby"),
    (events.Who(T, (events.UserEntry("alice", "lobby"),)), "= Online (1):"),
    (events.WhoIs(T, "alice", "lobby", 65, 3), "= alice is in lobby, connected 1m 5s, idle 3s"),
    (events.Rooms(T, (events.RoomEntry("lobby", 1, "", None),)), "= Rooms (1):"),
    (events.Help(T, (events.CommandHelp("look", "look", "Look."),)),
     "= Commands (type /help COMMAND for one in detail):"),
    (events.FormatChanged(T, "text"), "*** Output format: text"),
    (events.Encoding(T, "gbk", choices=("utf-8", "gbk")), "*** Encoding: gbk"),
    (events.Encoding(T, "gbk", guessed=True),
     "*** Your text looks like GBK, so this connection now uses GBK. "
     "Type /encoding NAME to change it."),
    (events.Color(T, True), "*** Colour is on"),
    (events.LanguageChanged(T, "zh-CN", "简体中文"),
     "*** Language: 简体中文 (zh-CN). Type /lang CODE to change it."),
    (events.Goodbye(T, "Goodbye."), "*** Goodbye."),
    (events.Error(T, "name-taken", "Taken."), "! Taken."),
    (events.History(T, "lobby", "replay", (events.Line(7, T - 60, "chat", "bob", "hi"),)),
     "= Last 1 line in lobby:"),
    (events.History(T, "lobby", "search", (), "tea"), "= No lines in lobby match tea."),
    (events.Crowd(T, "lobby", 12, 1, ("a", "b"), ("c",)),
     "*** lobby: 12 came in: a, b and 10 more; 1 left: c"),
    (events.Moderation(T, "kick", "games", "alice", "bob", "spam", removed=("bob",)),
     "*** alice kicked bob out of games: spam"),
    (events.Moderation(T, "kick", None, "alice", "bob"), "*** alice kicked bob out of the server"),
    (events.Moderation(T, "ban", None, "alice", "203.0.113.7"),
     "*** alice banned 203.0.113.7 from the server"),
    (events.Moderation(T, "unmute", "games", None, "bob", "expired"),
     "*** bob's mute in games has run out"),
    (events.Moderation(T, "setting", "games", "alice", setting="slow", value="10"),
     "*** alice put games in slow mode: one line each per 10 seconds"),
    (events.Moderation(T, "setting", "games", "alice", setting="key", value="off"),
     "*** alice took the key off games"),
    (events.Wall(T, "alice", "Back in 5"), "*** Notice to everyone from alice: Back in 5"),
    (events.Sanctions(T, "games", (events.SanctionEntry("mute", "bob", "games", "alice", T,
                                                        None, "noise"),)),
     "= Bans and mutes in games (1):"),
    (events.Sanctions(T, None, ()), "= No bans or mutes on the server."),
    (events.Audit(T, "games", (events.Act(T, "alice", "kick", "bob", "games"),)),
     "= Audit of games, last 1:"),
    (events.Ignoring(T, ("bob",)), "= You ignore (1): bob"),
    (events.Ignoring(T, ("bob",), changed="bob"), "*** You now ignore bob; they are not told."),
    (events.RoomSettings(T, "games", True, False, 0, 10, 0, True),
     "= games: invite-only on, key off, limit off, slow 10s, quiet off, registered"),
]


def all_event_classes() -> set[type]:
    """Every event class the module defines (slotted dataclasses leave ghosts behind)."""
    return {value for value in vars(events).values()
            if isinstance(value, type) and issubclass(value, events.Event)
            and value is not events.Event}


class TextFormatTests(SynchronousTestCase):
    def test_interface(self) -> None:
        for name in FORMATS:
            self.assertTrue(verifyObject(IFormat, build(name, encoding="gbk", color=True)))

    def test_every_event_has_a_sample(self) -> None:
        """A new event kind must be added here, so both formats are tried on it."""
        self.assertEqual({type(event) for event, _ in SAMPLES}, all_event_classes())

    def test_first_lines(self) -> None:
        for event, first in SAMPLES:
            rendered = TextFormat().render(event).decode()
            self.assertTrue(rendered.endswith("\r\n"))
            self.assertEqual(rendered.split("\r\n")[0], first)

    def test_markers(self) -> None:
        """Every line of every event starts with one of the markers."""
        for event, _ in SAMPLES:
            for line in TextFormat().render(event).decode().split("\r\n")[:-1]:
                self.assertTrue(line.startswith(("<", "* ", "[", "*** ", "= ", "! ")), line)

    def test_detailed_help(self) -> None:
        event = events.Help(T, (events.CommandHelp(
            "msg", "msg NAME TEXT...", "Send.", ("tell",), "More.\nAnd more."),), detailed=True)
        self.assertEqual(TextFormat().render(event).decode().split("\r\n")[:-1], [
            "= /msg NAME TEXT...", "=   Send.", "=   Also: /tell", "=   More.", "=   And more."])

    def test_unencodable_characters_replaced(self) -> None:
        rendered = TextFormat("latin-1").render(events.Message(T, "lobby", "alice", "héllo 你"))
        self.assertEqual(rendered, "<alice> héllo ?\r\n".encode("latin-1"))


class JsonFormatTests(SynchronousTestCase):
    def test_every_event_is_one_object_line(self) -> None:
        for event, _ in SAMPLES:
            rendered = JsonFormat().render(event)
            self.assertTrue(rendered.endswith(b"\r\n"))
            self.assertEqual(rendered.count(b"\n"), 1)
            document = json.loads(rendered)
            self.assertEqual(document["type"], event.kind)
            self.assertEqual(document["time"], 1_800_000_000.25)

    def test_fields(self) -> None:
        document = json.loads(JsonFormat().render(
            events.Who(T, (events.UserEntry("小明", "lobby"),))))
        self.assertEqual(document, {"type": "who", "time": T,
                                    "users": [{"name": "小明", "room": "lobby"}]})

    def test_not_ascii_escaped(self) -> None:
        rendered = JsonFormat().render(events.Message(T, "lobby", "小明", "你好"))
        self.assertIn("你好".encode(), rendered)


class ReadJsonTests(SynchronousTestCase):
    """The JSON format read back, as the desktop client reads it."""

    def test_every_event_reads_back_equal(self) -> None:
        for event, _ in SAMPLES:
            with self.subTest(kind=event.kind):
                line = JsonFormat().render(event).decode().strip()
                self.assertEqual(read_json(line), event)
                self.assertIs(type(read_json(line)), type(event))

    def test_new_fields_are_ignored(self) -> None:
        """The server only ever adds fields; an older client must still read the event."""
        self.assertEqual(
            read_json('{"type":"rooms","time":1.5,"rooms":[{"name":"lobby","members":2,'
                      '"topic":"","owner":null,"created":3}],"total":1}'),
            events.Rooms(1.5, (events.RoomEntry("lobby", 2, "", None),)))

    def test_new_types_are_none(self) -> None:
        self.assertIsNone(read_json('{"type":"reaction","time":1.5,"emoji":"+1"}'))

    def test_not_events(self) -> None:
        for line in ('[1, 2]', '{"time": 1}', '{"type":"chat","time":1,"room":"lobby"}',
                     '{"type":"who","time":1,"users":"alice"}',
                     '{"type":"who","time":1,"users":["alice"]}', "{broken"):
            with self.subTest(line=line):
                self.assertRaises(ValueError, read_json, line)


class HistoryTextTests(SynchronousTestCase):
    def test_lines_with_their_times(self) -> None:
        day = 86400
        event = events.History(T, "games", "history", (
            events.Line(1, T - day, "chat", "bob", "yesterday"),
            events.Line(2, T - 60, "emote", "bob", "waves")))
        lines = TextFormat().render(event).decode().split("\r\n")[:-1]
        self.assertEqual(lines[0], "= History of games, 2 lines:")
        self.assertRegex(lines[1], r"^=   \[\d\d-\d\d \d\d:\d\d\] <bob> yesterday$")
        self.assertRegex(lines[2], r"^=   \[\d\d:\d\d\] \* bob waves$")

    def test_search_title(self) -> None:
        event = events.History(T, "lobby", "search",
                               (events.Line(1, T, "chat", "bob", "oolong tea"),), "tea")
        self.assertEqual(TextFormat().render(event).decode().split("\r\n")[0],
                         "= 1 line in lobby matching tea:")


class HelpLayoutTests(SynchronousTestCase):
    def test_a_long_usage_does_not_push_every_summary_right(self) -> None:
        """Summaries line up after the usual usages; ban's long one has its own spacing."""
        from twisted_chat.core.formats import text_lines
        lines = text_lines(events.Help(T, (
            events.CommandHelp("look", "look", "Look."),
            events.CommandHelp("ban", "ban NAME|ADDRESS [DURATION] [REASON...]", "Ban."),
        )))
        self.assertEqual(lines[1:], ["=   /look  Look.",
                                     "=   /ban NAME|ADDRESS [DURATION] [REASON...]  Ban."])
