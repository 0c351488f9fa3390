"""
Line editing for clients that send every keystroke, and the server's echo.

A telnet client in character mode (Windows telnet always; Linux telnet and
PuTTY once the server offers ECHO) sends keys as they are typed, editing keys
included.  :func:`edit` applies them to a whole, decoded line: the one set of
rules the server acts on.  :class:`EchoLine` shows the line being typed by
applying the same rules to what has arrived so far, and sends the terminal
only the difference.

The keys: Backspace (BS or DEL) erases a character, Ctrl-U the line so far,
Ctrl-W the word before the cursor; Ctrl-D and Ctrl-L act (the protocol
leaves or redraws) and are never text.  Cursor and function keys arrive as escape
sequences (``ESC [ A``); they are dropped, not taken as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from twisted_chat.core.sanitise import clean
from twisted_chat.core.terminal import char_width, width
from twisted_chat.session.reading import Reading
from twisted_chat.session.settings import DEFAULT as DEFAULT_SETTINGS
from twisted_chat.telnet.typed import TypedLine

ERASE_CHAR = "\b\x7f"
ERASE_LINE = "\x15"
ERASE_WORD = "\x17"
#: Keys that act rather than erase (Ctrl-D, Ctrl-L): never part of the text.
ACTION_KEYS = "\x04\x0c"

# An escape sequence a key sends: CSI (ESC [ params final) or SS3 (ESC O x), or ESC alone.
_KEY_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|O.?)?")
_EDITING = re.compile(r"[\b\x7f\x15\x17\x1b\x04\x0c]")


def edit(text: str) -> str:
    """Apply the editing keys in ``text`` and drop key escape sequences."""
    if not _EDITING.search(text):
        return text
    text = _KEY_SEQUENCE.sub("", text)
    kept: list[str] = []
    for char in text:
        if char in ERASE_CHAR:
            if kept:
                kept.pop()
        elif char in ACTION_KEYS:
            continue
        elif char == ERASE_LINE:
            kept.clear()
        elif char == ERASE_WORD:
            while kept and kept[-1] == " ":
                kept.pop()
            while kept and kept[-1] != " ":
                kept.pop()
        else:
            kept.append(char)
    return "".join(kept)


class EchoLine:
    """
    The line a user is typing, as the server echoes it to their terminal.

    :meth:`feed` takes text bytes as they arrive (each line ending in LF) and
    returns what to send back; :meth:`hide` and :meth:`show` let other output
    be written without tearing the half-typed line.

    A line wider than the window wraps, and most terminals (xterm, Windows'
    console) do not move Backspace back across a row, nor say where the
    cursor is once a row is full.  So the echo works out the cursor's row
    and column from the line drawn, the window's width (NAWS) and each
    character's display width, and erases with what every VT100-class terminal obeys:
    ``\b`` only within the cursor's row, and otherwise a carriage return,
    cursor-up and erase-to-end-of-screen, then the line drawn again.
    """

    def __init__(self, limit: int, reading: Reading | None = None,
                 columns: Callable[[], int] = lambda: 0) -> None:
        """
        ``reading`` is the session's (by default, one that never chose: UTF-8
        until the lines say otherwise) and ``columns`` reads its window width
        (0: unknown, taken as :data:`DEFAULT_COLUMNS`): the echo keeps no copy
        of its own.
        """
        self.limit = limit
        self.pending = b""
        self.shown = ""
        self.typed = TypedLine(reading or Reading(lambda: DEFAULT_SETTINGS))
        self._columns = columns
        #: An overlong line is being thrown away, up to its Enter.
        self._discarding = False

    @property
    def encoding(self) -> str:
        return self.typed.encoding

    @property
    def empty(self) -> bool:
        """Whether nothing is being typed (an overlong line thrown away is something)."""
        return not self.shown and not self._discarding

    @property
    def columns(self) -> int:
        return self._columns() or DEFAULT_COLUMNS

    def feed(self, data: bytes) -> bytes:
        out: list[str] = []
        if self._discarding:
            _, ended, data = data.partition(b"\n")
            if not ended:
                return b""
            self._discarding = False
        *lines, self.pending = (self.pending + data).split(b"\n")
        for line in lines:
            if len(line) > self.limit:
                # The protocol refuses it whole: the screen shows none of it.
                out.append(self._update(b""))
                continue
            # Show the line as it was sent; the protocol acts on it; a new row.
            out += [self._update(line, final=True), "\r\n"]
            self.shown = ""
        if len(self.pending) > self.limit:
            # The protocol throws an overlong line away, up to its Enter; so does the screen.
            self.pending = b""
            self._discarding = True
        out.append(self._update(self.pending))
        return "".join(out).encode(self.encoding, "replace")

    def hide(self) -> bytes:
        """Erase the half-typed line, so that other output starts on a clean row."""
        if not self.shown:
            return b""
        return self._to_start(self.shown).encode(self.encoding)

    def show(self) -> bytes:
        """Draw the half-typed line again, after other output (which ended its row)."""
        return self.shown.encode(self.encoding, "replace")

    def resized(self) -> bytes:
        """
        The window's width changed: some terminals reflow what they show
        (tmux, VTE, Windows'), some do not (xterm), so where the half-typed
        line's rows now are is unknown.  It is drawn again on a fresh row,
        leaving the rows above as they are (never erasing someone's line).
        """
        if not self.shown:
            return b""
        return b"\r\n" + self.show()

    def redraw(self) -> bytes:
        """Clear the screen and draw the half-typed line at its top (Ctrl-L)."""
        return CLEAR_SCREEN.encode() + self.show()

    def clear(self) -> None:
        """Forget the half-typed line (it was interrupted)."""
        self.pending = b""
        self.shown = ""
        self._discarding = False

    def _update(self, pending: bytes, *, final: bool = False) -> str:
        wanted = clean(edit(self.typed.decode(pending, final=final)))
        shown = self.shown
        common = 0
        for old, new in zip(shown, wanted, strict=False):
            if old != new:
                break
            common += 1
        # A mark that combines with the character before it is redrawn with that character.
        while common and (_joins(shown, common) or _joins(wanted, common)):
            common -= 1
        self.shown = wanted
        columns = self.columns
        # The cursor is where the terminal left it after drawing the line.
        row, column = advance((0, 0), shown, columns)
        gone = width(shown[common:])
        if not gone:
            out = ""
        elif column < columns and advance((0, 0), wanted[:common], columns) == (row, column - gone):
            # Within the cursor's row, not from a full row's end (where
            # terminals disagree on what Backspace does), and back to where
            # the kept text ends (not where a wide character wrapped early).
            out = "\b" * gone + " " * gone + "\b" * gone
        else:
            out = self._to_start(shown)
            common = 0
        return out + wanted[common:]

    def _to_start(self, drawn: str) -> str:
        """From the end of ``drawn`` back to its first column, erasing it and all below."""
        rows = advance((0, 0), drawn, self.columns)[0]
        return "\r" + (f"\x1b[{rows}A" if rows else "") + ERASE_BELOW


#: The width taken for a window that did not say (NAWS): a VT100's.
DEFAULT_COLUMNS = 80
#: VT100: erase from the cursor to the end of the screen; home and clear all.
ERASE_BELOW = "\x1b[J"
CLEAR_SCREEN = "\x1b[H\x1b[2J"


def _joins(text: str, index: int) -> bool:
    """Whether the character at ``index`` takes no column of its own (it marks the one before)."""
    return index < len(text) and char_width(text[index]) == 0


def advance(cursor: tuple[int, int], text: str, columns: int) -> tuple[int, int]:
    """
    Where the cursor is after ``text`` is written from ``cursor``, as a
    terminal with automatic wrap places it: a character that does not fit
    goes to the next row (a wide one leaves the last column empty), and a
    full row leaves the cursor at its end (column ``columns``) until the
    next character.
    """
    row, column = cursor
    if text.isascii():
        if not text:
            return cursor
        if column >= columns:
            row, column = row + 1, 0
        total = column + len(text)
        rows, rest = divmod(total - 1, columns)
        return row + rows, rest + 1
    for char in text:
        size = char_width(char)
        if column + size > columns:
            row, column = row + 1, 0
        column += size
    return row, column
