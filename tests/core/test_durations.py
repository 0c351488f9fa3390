"""One arithmetic, two readings: the long one errors name, the short one listings show."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core.durations import duration

#: Seconds, the long reading and the short one, as the two functions this module
#: replaced (``errors._duration`` and ``formats.duration``) gave them.
EDGES: list[tuple[float, str, str]] = [
    (-4, '1 second', '0s'),
    (0, '1 second', '0s'),
    (0.2, '1 second', '0s'),
    (0.999, '1 second', '0s'),
    (1, '1 second', '1s'),
    (1.0001, '2 seconds', '1s'),
    (59, '59 seconds', '59s'),
    (59.5, '1 minute', '59s'),
    (59.9, '1 minute', '59s'),
    (60, '1 minute', '1m 0s'),
    (60.5, '61 seconds', '1m 0s'),
    (61, '61 seconds', '1m 1s'),
    (119, '119 seconds', '1m 59s'),
    (120, '2 minutes', '2m 0s'),
    (121, '121 seconds', '2m 1s'),
    (3599, '3599 seconds', '59m 59s'),
    (3600, '60 minutes', '1h 0m'),
    (3601, '3601 seconds', '1h 0m'),
    (3660, '61 minutes', '1h 1m'),
    (7200, '120 minutes', '2h 0m'),
    (86399, '86399 seconds', '23h 59m'),
    (86400, '1440 minutes', '1d 0h'),
    (86400 + 3661, '90061 seconds', '1d 1h'),
    (2 * 86400 + 5 * 3600 + 7, '190807 seconds', '2d 5h'),
    (10 * 86400 + 59, '864059 seconds', '10d 0h'),
    (400 * 86400, '576000 minutes', '400d 0h'),
]


class DurationTests(SynchronousTestCase):
    def test_edges(self) -> None:
        """Both readings give, at every edge, what the two old functions gave."""
        for seconds, long, short in EDGES:
            with self.subTest(seconds=seconds):
                self.assertEqual(duration(seconds), long)
                self.assertEqual(duration(seconds, short=True), short)

    def test_long_rounds_up_to_a_second(self) -> None:
        """A wait is never shorter than the real one, and never reads as nothing."""
        self.assertEqual(duration(0.001), "1 second")
        self.assertEqual(duration(1.5), "2 seconds")

    def test_long_minutes_only_when_whole(self) -> None:
        """Minutes are said only when they are exact; an hour is still minutes."""
        self.assertEqual(duration(300), "5 minutes")
        self.assertEqual(duration(301), "301 seconds")
        self.assertEqual(duration(3600), "60 minutes")

    def test_short_rounds_down_to_two_units(self) -> None:
        """A listing shows the largest unit and the next, whatever is smaller being cut."""
        self.assertEqual(duration(59.9, short=True), "59s")
        self.assertEqual(duration(3 * 86400 + 4 * 3600 + 59 * 60 + 59, short=True), "3d 4h")
        self.assertEqual(duration(-4, short=True), "0s")
