"""Display widths, wrapping to a window, and colour."""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core import terminal


def quadratic_wrap(line: str, columns: int) -> list[str]:
    """The wrapping as it was before it was made linear: the reference for its rows."""
    limit = columns - 1
    if columns < terminal.MIN_WIDTH or terminal.width(line) <= limit:
        return [line]
    rows: list[str] = []
    rest = line
    while terminal.width(rest) > limit:
        used, cut, space = 0, 0, -1
        for index, char in enumerate(rest):
            used += terminal.char_width(char)
            if used > limit:
                if char == " ":
                    space = index  # the word before it ends at the last column
                break
            cut = index + 1
            if char == " " and used > limit // 2:
                space = index
        if space > 0:
            rows.append(rest[:space].rstrip())
            rest = rest[space + 1:]
        else:
            rows.append(rest[:cut])
            rest = rest[cut:]
        rest = terminal.INDENT + rest.lstrip(" ")
    rows.append(rest)
    return rows


#: Text made of what wrapping cares about: spaces, narrow, wide and zero-width characters.
TEXT = st.lists(st.sampled_from(["a", "b", " ", "  ", "中", "ｈ", "e\u0301", "\u200d", "-",
                                 "x" * 7]), max_size=120).map("".join)


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

    def test_a_word_ending_at_the_last_column_stays_on_its_row(self) -> None:
        """19 usable columns in a window of 20: a word ending at the 19th is not moved down."""
        self.assertEqual(terminal.wrap("a" * 10 + " " + "b" * 8 + " cc dd", 20),
                         ["a" * 10 + " " + "b" * 8, "  cc dd"])
        self.assertEqual(terminal.wrap(" ".join(["中" * 4, "文" * 5, "字"]), 20),
                         ["中" * 4 + " " + "文" * 5, "  字"])

    def test_a_word_longer_than_the_window(self) -> None:
        rows = terminal.wrap("x" * 50, 21)
        self.assertEqual(rows, ["x" * 20, "  " + "x" * 18, "  " + "x" * 12])


    @given(TEXT, st.integers(min_value=0, max_value=90))
    def test_rows_as_before(self, line: str, columns: int) -> None:
        """Every line at every width wraps to the same rows as before."""
        self.assertEqual(terminal.wrap(line, columns), quadratic_wrap(line, columns))

    def test_one_pass(self) -> None:
        """
        A kilobyte of Chinese at the narrowest width looks up each character's
        width a few times, not once a row: wrapping is linear in the line.
        """
        looked: list[str] = []
        real = terminal.char_width

        def counted(char: str) -> int:
            looked.append(char)
            return real(char)

        line = ("中文字 " * 260)[:1024]
        terminal._totals.cache_clear()  # A line wrapped before would look nothing up.
        with patch.object(terminal, "char_width", counted):
            rows = terminal.wrap(line, terminal.MIN_WIDTH)
        self.assertGreater(len(rows), 100)
        self.assertLessEqual(len(looked), 3 * len(line))


class PaintTests(SynchronousTestCase):
    def test_paint_resets(self) -> None:
        self.assertEqual(terminal.paint("!", "red"), "\x1b[31m!\x1b[0m")
