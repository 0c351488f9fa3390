"""
What a person at a GBK console sees: the server's bytes as a telnet client
keeps them (negotiation consumed, doubled IAC undone), decoded from GBK as
luit (or Windows telnet on code page 936) does, on a terminal that behaves as
xterm does (``pyte``).
"""

from __future__ import annotations

import codecs
import re

import pyte

_NEGOTIATION = re.compile(rb"\xff[\xfb-\xfe].|\xff\xfa.*?\xff\xf0", re.DOTALL)


class Console:
    """A terminal of ``columns`` x ``rows`` reading ``encoding``; feed it what the server sent."""

    def __init__(self, encoding: str = "gbk", columns: int = 80, rows: int = 25) -> None:
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.Stream(self.screen)
        self.decoder = codecs.getincrementaldecoder(encoding)("replace")
        self.received = b""

    def feed(self, data: bytes) -> None:
        """Bytes from the server, as many reads as they came in (negotiation cut whole)."""
        self.received += data
        text = _NEGOTIATION.sub(b"", self.received).replace(b"\xff\xff", b"\xff")
        self.screen.reset()
        self.decoder.reset()
        self.stream.feed(self.decoder.decode(text))

    @property
    def rows(self) -> list[str]:
        """The screen's rows, trailing blanks dropped, blank rows at the end too."""
        rows = [row.rstrip() for row in self.screen.display]
        while rows and not rows[-1]:
            rows.pop()
        return rows

    @property
    def cursor_row(self) -> str:
        return self.screen.display[self.screen.cursor.y].rstrip()
