"""The log of comings and goings: every line up to the rate, then a count a second."""

from __future__ import annotations

from typing import Any

from twisted.internet.task import Clock
from twisted.logger import Logger, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core.logquota import LogQuota


class LogQuotaTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000.25)
        self.events: list[dict[str, Any]] = []
        self.quota = LogQuota(3, self.clock, Logger(observer=self.events.append))

    def logged(self) -> list[str]:
        lines = [formatEvent(event) for event in self.events]
        self.events.clear()
        return lines

    def login(self, *names: str) -> None:
        for name in names:
            self.quota.info("logins", "{name} logged in", name=name)

    def test_under_the_rate_every_line(self) -> None:
        self.login("a", "b", "c")
        self.clock.advance(1)
        self.login("d")
        self.clock.advance(5)
        self.assertEqual(self.logged(),
                         ["a logged in", "b logged in", "c logged in", "d logged in"])

    def test_past_the_rate_a_count_at_the_end_of_the_second(self) -> None:
        self.login("a", "b", "c", "d", "e")
        self.clock.advance(0.5)
        self.quota.info("drops", "{name} dropped", name="a")
        self.assertEqual(self.logged(), ["a logged in", "b logged in", "c logged in"])
        self.clock.advance(0.5)
        self.assertEqual(self.logged(), [
            "Past 3 lines a second, not logged one by one: 2 logins, 1 drops"])
        self.clock.advance(10)
        self.assertEqual(self.logged(), [], "one summary, and only while lines go unlogged")

    def test_a_new_second_logs_again(self) -> None:
        self.login("a", "b", "c", "d")
        self.clock.advance(1)
        self.login("e", "f")
        self.assertEqual(self.logged(), [
            "a logged in", "b logged in", "c logged in",
            "Past 3 lines a second, not logged one by one: 1 logins",
            "e logged in", "f logged in"])

    def test_summarise_now(self) -> None:
        """At a stop the count is told at once, and not again later."""
        self.login("a", "b", "c", "d")
        self.quota.summarise()
        self.assertEqual(self.logged()[-1],
                         "Past 3 lines a second, not logged one by one: 1 logins")
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_no_rate_no_limit(self) -> None:
        quota = LogQuota(log=Logger(observer=self.events.append))
        for index in range(100):
            quota.info("logins", "{index} logged in", index=index)
        self.assertEqual(len(self.logged()), 100)

    def test_a_rate_needs_a_clock(self) -> None:
        self.assertRaises(ValueError, LogQuota, 5)
