"""
A terminal screen that behaves as xterm does, for tests that check what a
person sees rather than the bytes sent.

``pyte`` emulates a VT100-class terminal.  Two of xterm's habits it lacks
are added here, since the echo's redraw depends on exactly these:

- A wide (two-column) character that would start in a row's last column
  goes to the next row, leaving that column empty.
- After a row's last column is written the cursor stays on that column
  (the next character wraps); a Backspace then moves back from it, so it
  lands one column further left than pyte's would, and a combining mark
  joins that column's character instead of wrapping.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import shutil
import time
from collections.abc import Callable

import pexpect
import pyte
from pyte import modes
from wcwidth import wcwidth


class XtermScreen(pyte.Screen):
    def draw(self, data: str) -> None:
        for char in data:
            size = wcwidth(char)
            if size == 2 and self.cursor.x == self.columns - 1 and modes.DECAWM in self.mode:
                super().draw(" ")
            elif size == 0 and self.cursor.x == self.columns and modes.DECAWM in self.mode:
                # A combining mark joins the row's last character; it does not wrap.
                self.mode.discard(modes.DECAWM)
                super().draw(char)
                self.mode.add(modes.DECAWM)
                continue
            super().draw(char)

    def backspace(self) -> None:
        if self.cursor.x == self.columns:
            self.cursor.x = self.columns - 1
        super().backspace()

    def rows(self) -> list[str]:
        """What each row shows, trailing blanks dropped."""
        return [row.rstrip() for row in self.display]


def screen(columns: int, lines: int = 24) -> tuple[XtermScreen, pyte.Stream]:
    """An empty screen, and the stream that draws on it."""
    shown = XtermScreen(columns, lines)
    return shown, pyte.Stream(shown)


class Terminal:
    """
    The real ``telnet`` program in a pseudo-terminal of a given size, its
    output drawn on an :class:`XtermScreen`: what a person at xterm sees.
    """

    def __init__(self, port: int, columns: int, lines: int = 24, timeout: float = 30.0) -> None:
        assert shutil.which("telnet"), "the telnet program is missing: .ci/run installs it"
        self.screen, self._stream = screen(columns, lines)
        self.timeout = timeout
        # A UTF-8 terminal shows the banner's GBK hint line as replacement characters.
        self.process = pexpect.spawn("telnet", ["127.0.0.1", str(port)], encoding="utf-8",
                                     codec_errors="replace",
                                     timeout=timeout, dimensions=(lines, columns))

    def type(self, keys: str) -> None:
        self.process.send(keys)

    def rows(self) -> list[str]:
        self._pump(0)
        return self.screen.rows()

    def wait(self, done: Callable[[list[str]], bool], what: str) -> list[str]:
        """Read until the screen satisfies ``done``; the rows then."""
        deadline = time.monotonic() + self.timeout
        while not done(self.screen.rows()):
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed {what}:\n"
                                     + "\n".join(f"|{row}" for row in self.screen.rows()))
            self._pump(0.1)
        return self.screen.rows()

    def wait_for(self, text: str) -> list[str]:
        return self.wait(lambda rows: any(text in row for row in rows), repr(text))

    def ended(self) -> bool:
        """Whether telnet has exited (the server closed the connection)."""
        try:
            self.process.expect(pexpect.EOF)
        except pexpect.TIMEOUT:
            return False
        finally:
            self._stream.feed(self.process.before or "")
        return True

    def close(self) -> None:
        self.process.close(force=True)

    def _pump(self, wait: float) -> None:
        with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
            self._stream.feed(self.process.read_nonblocking(65536, timeout=wait))


_NEGOTIATION = re.compile(rb"\xff[\xfb-\xfe].|\xff\xfa.*?\xff\xf0", re.DOTALL)


class Console:
    """
    What a person at a console reading ``encoding`` sees (a GBK console: luit,
    or Windows telnet on code page 936): the server's bytes as a telnet
    client keeps them (negotiation consumed, doubled IAC undone), decoded,
    on an :class:`XtermScreen`.
    """

    def __init__(self, encoding: str = "gbk", columns: int = 80, rows: int = 25) -> None:
        self.screen, self.stream = screen(columns, rows)
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
        rows = self.screen.rows()
        while rows and not rows[-1]:
            rows.pop()
        return rows

    @property
    def cursor_row(self) -> str:
        return self.screen.display[self.screen.cursor.y].rstrip()
