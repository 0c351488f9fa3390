"""
What a text terminal shows: how wide text is, wrapping it, and colour.

Chinese, Japanese and Korean characters take two columns, combining marks
none; both matter when the server erases what it echoed or wraps a line to
the width a telnet client reported.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate

#: A continuation line starts with this; no line marker starts with a space.
INDENT = "  "
#: Below this width, wrapping would do more harm than the terminal's own.
MIN_WIDTH = 20
#: Widths are told apart in steps of this many columns, up to the last.
WRAP_STEP = 10
MAX_WRAP_WIDTH = 200

RESET = "\x1b[0m"
COLORS = {
    "bold": "\x1b[1m",
    "red": "\x1b[31m",
    "green": "\x1b[32m",
    "yellow": "\x1b[33m",
    "magenta": "\x1b[35m",
    "cyan": "\x1b[36m",
}


@lru_cache(maxsize=8192)
def char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def width(text: str) -> int:
    """The number of columns ``text`` takes on a terminal."""
    if text.isascii():
        return len(text)
    return sum(map(char_width, text))


def wrap(line: str, columns: int) -> list[str]:
    """
    Break ``line`` into rows of at most ``columns - 1`` columns.

    Breaks at the last space that fits if that fills at least half the row,
    otherwise anywhere (Chinese has no spaces to break at).  Rows after the
    first start with :data:`INDENT`.  One column is left free, since some
    terminals wrap early when a row is full.

    Linear in the line, whatever the width: each character's width is looked
    up once, into running totals, and each row's end and last space are
    found from those by bisection and ``str.rfind``.
    """
    limit = columns - 1
    if columns < MIN_WIDTH:
        return [line]
    # totals[k]: the columns line[:k] takes (for ASCII, k itself).
    totals = None if line.isascii() else _totals(line)
    if (len(line) if totals is None else totals[-1]) <= limit:
        return [line]
    end = len(line)
    rows: list[str] = []
    start, indent = 0, 0
    while True:
        before = start if totals is None else totals[start]
        reach = before + limit - indent  # the row may take columns up to this total
        half = before + limit // 2 - indent  # a break must leave the row past half of it
        if totals is None:
            cut, low = min(reach, end), half
        else:
            cut, low = bisect_right(totals, reach) - 1, bisect_right(totals, half) - 1
        prefix = INDENT if indent else ""
        if cut >= end:
            rows.append(prefix + line[start:])
            return rows
        # A space just past the row counts: the word before it ends at the last column.
        space = line.rfind(" ", max(low, start), cut + 1)
        if space > start:
            rows.append((prefix + line[start:space]).rstrip())
            start = space + 1
        else:
            rows.append(prefix + line[start:cut])
            start = cut
        while start < end and line[start] == " ":
            start += 1
        indent = len(INDENT)


@lru_cache(maxsize=64)
def _totals(line: str) -> tuple[int, ...]:
    """Running totals of the columns ``line`` takes: shared by the widths it is wrapped to."""
    return tuple(accumulate(map(char_width, line), initial=0))


def wrap_width(columns: int) -> int:
    """
    The width a window of ``columns`` gets its lines wrapped to: rounded down
    to ten columns (a window 97 wide gets rows of at most 89), and at most
    :data:`MAX_WRAP_WIDTH`, so that however many widths clients report, a
    line is wrapped to at most nineteen, and a broadcast renders as few.
    """
    if columns < MIN_WIDTH:
        return 0
    return min(columns - columns % WRAP_STEP, MAX_WRAP_WIDTH)


def paint(text: str, color: str) -> str:
    """``text`` in ``color``, and the terminal's colour reset after it."""
    return COLORS[color] + text + RESET
