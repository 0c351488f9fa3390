"""The counters behind the targeted limits, and the limits' defaults."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core.limits import DEFAULTS, UNLIMITED, Limits, Targets, Window


class DefaultsTests(SynchronousTestCase):
    def test_the_documented_defaults(self) -> None:
        """The defaults README.rst promises."""
        self.assertEqual((DEFAULTS.flood_burst, DEFAULTS.flood_rate, DEFAULTS.flood_queue),
                         (8, 4.0, 64))
        self.assertEqual(DEFAULTS.sendq, 256 * 1024)
        self.assertEqual((DEFAULTS.max_connections, DEFAULTS.max_per_ip, DEFAULTS.conn_rate),
                         (10_000, 20, 20))
        self.assertEqual((DEFAULTS.login_timeout, DEFAULTS.idle_timeout), (60, 0))
        self.assertEqual(DEFAULTS.max_rooms, 1000)
        self.assertEqual((DEFAULTS.input_burst, DEFAULTS.input_rate), (64 * 1024, 16 * 1024))
        self.assertEqual(DEFAULTS.search_rate, 10)

    def test_idle_warning(self) -> None:
        """A minute before the cut, or half way for a timeout under two minutes."""
        self.assertEqual(Limits(idle_timeout=600).idle_warning, 60)
        self.assertEqual(Limits(idle_timeout=90).idle_warning, 45)

    def test_unlimited_limits_nothing(self) -> None:
        counted = ["flood_rate", "sendq", "max_connections", "max_per_ip", "conn_rate",
                   "login_lines", "login_timeout", "idle_timeout", "max_rooms",
                   "rooms_per_user", "nick_rate", "join_rate", "create_rate", "msg_targets",
                   "input_rate", "search_rate"]
        self.assertEqual([getattr(UNLIMITED, name) for name in counted], [0] * len(counted))


class WindowTests(SynchronousTestCase):
    def test_limit_a_minute(self) -> None:
        window = Window(3)
        for now in [0, 10, 20]:
            self.assertEqual(window.wait(now), 0)
            window.record(now)
        self.assertEqual(window.wait(30), 30, "the first of the three leaves the window at 60")
        self.assertEqual(window.wait(60), 0)
        window.record(60)
        self.assertEqual(window.wait(61), 9)

    def test_waiting_is_not_counted(self) -> None:
        """Only what happened counts: asking again and again does not push the end back."""
        window = Window(1)
        window.record(0)
        for now in range(1, 60):
            self.assertEqual(window.wait(now), 60 - now)
        self.assertEqual(window.wait(60), 0)

    def test_zero_is_off(self) -> None:
        window = Window(0)
        for now in range(100):
            window.record(now)
        self.assertEqual(window.wait(100), 0)

    def test_idle(self) -> None:
        window = Window(5)
        self.assertTrue(window.idle(0))
        window.record(0)
        self.assertFalse(window.idle(59))
        self.assertTrue(window.idle(60))


class TargetsTests(SynchronousTestCase):
    def test_new_people_are_limited_conversations_are_not(self) -> None:
        targets = Targets(2)
        for key in ["ann", "bob"]:
            self.assertEqual(targets.wait(key, 0), 0)
            targets.record(key, 0)
        self.assertEqual(targets.wait("cat", 10), 50)
        for now in range(10, 200, 10):
            self.assertEqual(targets.wait("bob", now), 0, "bob is written to all along")
            targets.record("bob", now)
        self.assertEqual(targets.wait("cat", 60), 0, "ann has left the window")

    def test_zero_is_off(self) -> None:
        targets = Targets(0)
        for index in range(50):
            self.assertEqual(targets.wait(f"user{index}", 0), 0)
            targets.record(f"user{index}", 0)
