"""
A crowded room hears who came and went in one summary every few seconds, not
one line per arrival: filling a room of N would otherwise cost N² lines.
"""

from __future__ import annotations

from dataclasses import replace

from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server
from twisted_chat.core.chat import CROWD_NAMES
from twisted_chat.core.limits import CROWD_INTERVAL, UNLIMITED


class CrowdTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server(limits=replace(UNLIMITED, crowd=3))
        self.server.start_timers()
        self.addCleanup(self.server.stop_timers)
        self.first = self.server.login("first")
        self.server.login("second")
        self.first.clear()

    def test_small_room_hears_each_arrival(self) -> None:
        """Below the limit, as always; "third" makes three, and the room crowded."""
        self.server.login("third")
        self.assertEqual(self.first.lines(), ["*** third has logged in"])

    def test_crowded_room_hears_a_summary(self) -> None:
        self.server.login("third")
        self.first.clear()
        fourth = self.server.login("fourth")
        self.server.login("fifth").send("/quit")
        fourth.drop()
        self.assertEqual(self.first.lines(), [])
        self.server.clock.advance(CROWD_INTERVAL)
        self.assertEqual(self.first.lines(), [
            "*** lobby: 2 came in: fourth, fifth; 2 left: fifth, fourth"])
        self.server.clock.advance(CROWD_INTERVAL)
        self.assertEqual(self.first.lines(), [], "nothing new, nothing said")

    def test_newcomer_reads_the_first_names_and_the_count(self) -> None:
        for index in range(CROWD_NAMES + 5):
            self.server.login(f"u{index}")
        late = self.server.connect()
        late.send("login late")
        members = [line for line in late.lines() if line.startswith("= Members")]
        self.assertEqual(len(members), 1)
        self.assertTrue(members[0].startswith(f"= Members ({CROWD_NAMES + 8}): first, second,"))
        self.assertTrue(members[0].endswith(" and 8 more"))

    def test_json(self) -> None:
        watcher = self.server.login("watcher", "json")
        self.server.login("x")
        self.server.clock.advance(CROWD_INTERVAL)
        [event] = watcher.events()
        self.assertEqual((event["type"], event["arrivals"], event["arrived"]), ("crowd", 1, ["x"]))

    def test_chat_is_not_folded(self) -> None:
        for name in ("third", "fourth"):
            self.server.login(name)
        self.first.clear()
        self.server.chat.say(self.server.chat.find_user("fourth"), "hello")
        self.assertEqual(self.first.lines(), ["<fourth> hello"])
