"""Display widths, wrapping to a window, and colour."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat import terminal


class WidthTests(SynchronousTestCase):
    def test_widths(self) -> None:
        self.assertEqual(terminal.width("abc"), 3)
        self.assertEqual(terminal.width("你好"), 4)
        self.assertEqual(terminal.width("e\u0301"), 1)
        self.assertEqual(terminal.width("ｈｉ"), 4)


class WrapTests(SynchronousTestCase):
    def test_short_lines_and_narrow_windows_are_left_alone(self) -> None:
        self.assertEqual(terminal.wrap("short", 80), ["short"])
        self.assertEqual(terminal.wrap("x " * 40, 10), ["x " * 40])

    def test_words(self) -> None:
        rows = terminal.wrap("<bob> " + "word " * 12, 30)
        self.assertEqual(rows, ["<bob> word word word word", "  word word word word word",
                                "  word word word "])
        self.assertTrue(all(terminal.width(row) <= 29 for row in rows))

    def test_chinese_breaks_anywhere_by_width(self) -> None:
        rows = terminal.wrap("<bob> " + "中" * 30, 21)
        self.assertEqual(rows[0], "<bob> " + "中" * 7)
        self.assertTrue(all(terminal.width(row) <= 20 for row in rows))
        self.assertEqual("".join(row.strip() for row in rows).count("中"), 30)

    def test_a_word_longer_than_the_window(self) -> None:
        rows = terminal.wrap("x" * 50, 21)
        self.assertEqual(rows, ["x" * 20, "  " + "x" * 18, "  " + "x" * 12])


class PaintTests(SynchronousTestCase):
    def test_paint_resets(self) -> None:
        self.assertEqual(terminal.paint("!", "red"), "\x1b[31m!\x1b[0m")
