"""How the echo reads a line still being typed: as the session will, at a bounded cost."""

from __future__ import annotations

from unittest.mock import patch

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core import evidence
from twisted_chat.session.reading import Reading
from twisted_chat.session.settings import Settings
from twisted_chat.telnet.typed import TypedLine


class CostTests(SynchronousTestCase):
    def test_a_line_typed_a_byte_a_read_is_weighed_a_few_times_not_once_a_byte(self) -> None:
        """
        Cyrillic in UTF-8 is valid GBK too, so every read of it is evidence
        to weigh; a kilobyte typed a byte a read is weighed as it doubles.
        """
        weighed: list[int] = []
        real = evidence.weigh

        def counted(data: bytes, *, final: bool = True) -> float:
            weighed.append(len(data))
            return real(data, final=final)

        line = ("Привет как дела " * 40)[:580].encode()
        typed = TypedLine(Reading(lambda: Settings()))
        with patch.object(evidence, "weigh", counted):
            for end in range(1, len(line) + 1):
                shown = typed.decode(line[:end])
            whole = typed.decode(line, final=True)
        self.assertEqual(whole, line.decode())
        self.assertEqual(shown, line.decode())
        self.assertLess(sum(weighed), 4 * len(line) + 64 * 64)

    def test_a_line_that_stops_reading_as_judged_is_judged_again(self) -> None:
        """Valid UTF-8 at first, then a byte only GBK reads: the judgement does not hold."""
        typed = TypedLine(Reading(lambda: Settings()))
        start = ("Привет " * 20).encode()
        self.assertEqual(typed.decode(start), start.decode())
        gbk = start + "中文".encode("gbk")
        self.assertEqual(typed.decode(gbk), gbk.decode("gbk"))
        self.assertEqual(typed.encoding, "gbk")
