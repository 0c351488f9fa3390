"""How events read in the chat window's log, and the input line's history."""

from __future__ import annotations

import time

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core import events
from twisted_chat.gui.history import History
from twisted_chat.gui.present import Row, rows, stamp

NOW = time.mktime((2026, 11, 21, 14, 3, 0, 0, 0, -1))


class RowTests(SynchronousTestCase):
    def test_chat(self) -> None:
        [row] = rows(events.Message(NOW, "lobby", "bob", "hello 小明"), "alice", NOW)
        self.assertEqual(row, Row("14:03", "chat", "<bob>", "hello 小明"))

    def test_own_lines(self) -> None:
        [row] = rows(events.Emote(NOW, "lobby", "Alice", "waves"), "alice", NOW)
        self.assertEqual((row.style, row.marker, row.text, row.own), ("emote", "* Alice", "waves",
                                                                       True))

    def test_private(self) -> None:
        [row] = rows(events.Private(NOW, "bob", "alice", "psst"), "alice", NOW)
        self.assertEqual((row.style, row.marker, row.text), ("private", "[bob -> alice]", "psst"))

    def test_mentions_are_whole_words_in_any_case(self) -> None:
        def mention(text: str) -> bool:
            return rows(events.Message(NOW, "lobby", "bob", text), "Al", NOW)[0].mention
        self.assertTrue(mention("hi al!"))
        self.assertTrue(mention("AL: tea?"))
        self.assertFalse(mention("always"))
        self.assertFalse(mention("hi"))

    def test_own_name_in_own_line_is_no_mention(self) -> None:
        [row] = rows(events.Message(NOW, "lobby", "al", "al here"), "al", NOW)
        self.assertFalse(row.mention)

    def test_styles(self) -> None:
        def style(event: events.Event) -> list[str]:
            return [row.style for row in rows(event, "alice", NOW)]
        self.assertEqual(style(events.Presence(NOW, "join", "lobby", "bob", "games")),
                         ["presence"])
        self.assertEqual(style(events.Error(NOW, "usage", "Usage: /msg NAME TEXT...")), ["error"])
        self.assertEqual(style(events.RoomInfo(NOW, "lobby", "", None, ("a",))), ["listing"] * 3)
        self.assertEqual(style(events.Topic(NOW, "games", "Go")), ["listing"])
        self.assertEqual(style(events.Topic(NOW, "games", "Go", setter="bob")), ["notice"])

    def test_words_are_the_text_formats(self) -> None:
        """A window user reads what a telnet user reads; the marker is set apart for styling."""
        lines = rows(events.Presence(NOW, "drop", "lobby", "bob", reason="excess flood"),
                     "alice", NOW)
        self.assertEqual([(row.marker, row.text) for row in lines],
                         [("***", "bob has left (excess flood)")])
        notice = rows(events.Notice(NOW, "one\ntwo"), "alice", NOW)
        self.assertEqual([row.text for row in notice], ["one", "two"])

    def test_history_lines_keep_their_times(self) -> None:
        event = events.History(NOW, "lobby", "replay", (
            events.Line(1, NOW - 86400, "chat", "bob", "yesterday"),
            events.Line(2, NOW - 60, "emote", "alice", "waves")))
        title, first, second = rows(event, "alice", NOW)
        self.assertEqual((title.style, title.text), ("listing", "Last 2 lines in lobby:"))
        self.assertEqual(first, Row("11-20 14:03", "history", "<bob>", "yesterday"))
        self.assertEqual(second, Row("14:02", "history", "* alice", "waves", own=True))

    def test_moderation(self) -> None:
        """An act against the reader stands apart from the same act against someone else."""
        def style(event: events.Event, me: str = "alice") -> list[str]:
            return [row.style for row in rows(event, me, NOW)]
        kick = events.Moderation(NOW, "kick", "games", "bob", "carol", "spam", removed=("carol",))
        self.assertEqual(style(kick), ["moderation"])
        self.assertEqual(style(kick, "Carol"), ["sanction"])
        [row] = rows(kick, "carol", NOW)
        self.assertEqual((row.marker, row.text), ("***", "bob kicked carol out of games: spam"))
        mute = events.Moderation(NOW, "mute", "games", "bob", "carol", until=NOW + 600)
        self.assertEqual(style(mute, "carol"), ["sanction"])
        self.assertEqual(style(events.Moderation(NOW, "unmute", "games", None, "carol",
                                                 "expired"), "carol"), ["moderation"])
        self.assertEqual(style(events.Moderation(NOW, "op", "games", "bob", "carol"), "carol"),
                         ["moderation"])

    def test_the_wall_and_the_listings(self) -> None:
        def style(event: events.Event) -> list[str]:
            return [row.style for row in rows(event, "alice", NOW)]
        self.assertEqual(style(events.Wall(NOW, "dave", "Restart at noon")), ["wall"])
        entry = events.SanctionEntry("ban", "bob", "games", "dave", NOW, None, "spam")
        self.assertEqual(style(events.Sanctions(NOW, "games", (entry,))), ["listing"] * 2)
        act = events.Act(NOW, "dave", "kick", "bob", "games")
        self.assertEqual(style(events.Audit(NOW, "games", (act,))), ["listing"] * 2)
        self.assertEqual(style(events.RoomSettings(NOW, "games", True, False, 0, 10, 0, False)),
                         ["listing"])
        self.assertEqual(style(events.Ignoring(NOW, ("bob",))), ["listing"])
        self.assertEqual(style(events.Ignoring(NOW, ("bob",), changed="bob")), ["notice"])

    def test_stamp_of_another_day_has_the_date(self) -> None:
        self.assertEqual(stamp(NOW - 60, NOW), "14:02")
        self.assertEqual(stamp(NOW - 86400, NOW), "11-20 14:03")


class HistoryTests(SynchronousTestCase):
    def test_up_and_down(self) -> None:
        history = History()
        for line in ("one", "two", "three"):
            history.add(line)
        self.assertEqual(history.previous("draft"), "three")
        self.assertEqual(history.previous("three"), "two")
        self.assertEqual(history.previous("two"), "one")
        self.assertEqual(history.previous("one"), "one")
        self.assertEqual(history.next("one"), "two")
        self.assertEqual(history.next("two"), "three")
        self.assertEqual(history.next("three"), "draft")
        self.assertEqual(history.next("draft"), "draft")

    def test_empty(self) -> None:
        history = History()
        self.assertEqual(history.previous("typed"), "typed")
        self.assertEqual(history.next("typed"), "typed")

    def test_sending_starts_again_from_the_end(self) -> None:
        history = History()
        history.add("one")
        history.add("two")
        history.previous("")
        history.previous("two")
        history.add("one again")
        self.assertEqual(history.previous(""), "one again")

    def test_repeats_kept_once_and_size_bounded(self) -> None:
        history = History(size=3)
        for line in ("a", "b", "b", "c", "d"):
            history.add(line)
        self.assertEqual(history.lines, ["b", "c", "d"])
