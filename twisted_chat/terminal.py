"""
What a text terminal shows: how wide text is, wrapping it, and colour.

Chinese, Japanese and Korean characters take two columns, combining marks
none; both matter when the server erases what it echoed or wraps a line to
the width a telnet client reported.
"""

from __future__ import annotations

import unicodedata

#: A continuation line starts with this; no line marker starts with a space.
INDENT = "  "
#: Below this width, wrapping would do more harm than the terminal's own.
MIN_WIDTH = 20

RESET = "\x1b[0m"
COLORS = {
    "bold": "\x1b[1m",
    "red": "\x1b[31m",
    "green": "\x1b[32m",
    "yellow": "\x1b[33m",
    "magenta": "\x1b[35m",
    "cyan": "\x1b[36m",
}


def char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def width(text: str) -> int:
    """The number of columns ``text`` takes on a terminal."""
    if text.isascii():
        return len(text)
    return sum(char_width(char) for char in text)


def wrap(line: str, columns: int) -> list[str]:
    """
    Break ``line`` into rows of at most ``columns - 1`` columns.

    Breaks at the last space that fits if that fills at least half the row,
    otherwise anywhere (Chinese has no spaces to break at).  Rows after the
    first start with :data:`INDENT`.  One column is left free, since some
    terminals wrap early when a row is full.
    """
    limit = columns - 1
    if columns < MIN_WIDTH or width(line) <= limit:
        return [line]
    rows: list[str] = []
    rest = line
    while width(rest) > limit:
        used, cut, space = 0, 0, -1
        for index, char in enumerate(rest):
            used += char_width(char)
            if used > limit:
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
        rest = INDENT + rest.lstrip(" ")
    rows.append(rest)
    return rows


def paint(text: str, color: str) -> str:
    """``text`` in ``color``, and the terminal's colour reset after it."""
    return COLORS[color] + text + RESET
