"""
Line editing for clients that send every keystroke, and the server's echo.

A telnet client in character mode (Windows telnet always; Linux telnet and
PuTTY once the server offers ECHO) sends keys as they are typed, editing keys
included.  :func:`edit` applies them to a whole, decoded line: the one set of
rules the server acts on.  :class:`EchoLine` shows the line being typed by
applying the same rules to what has arrived so far, and sends the terminal
only the difference.

The keys: Backspace (BS or DEL) erases a character, Ctrl-U the line so far,
Ctrl-W the word before the cursor.  Cursor and function keys arrive as escape
sequences (``ESC [ A``); they are dropped, not taken as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from twisted_chat.core.sanitise import clean
from twisted_chat.core.terminal import width
from twisted_chat.telnet.typed import TypedLine

ERASE_CHAR = "\b\x7f"
ERASE_LINE = "\x15"
ERASE_WORD = "\x17"

# An escape sequence a key sends: CSI (ESC [ params final) or SS3 (ESC O x), or ESC alone.
_KEY_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|O.?)?")
_EDITING = re.compile(r"[\b\x7f\x15\x17\x1b]")


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
    """

    def __init__(self, limit: int, encoding: Callable[[], str] = lambda: "utf-8") -> None:
        """``encoding`` reads the session's encoding: the echo keeps no copy of its own."""
        self.limit = limit
        self.pending = b""
        self.shown = ""
        self.typed = TypedLine(encoding)

    @property
    def encoding(self) -> str:
        return self.typed.encoding

    def feed(self, data: bytes) -> bytes:
        out: list[str] = []
        *lines, self.pending = (self.pending + data).split(b"\n")
        for line in lines:
            # Show the line as it was sent; the protocol acts on it; a new row.
            out += [self._update(line), "\r\n"]
            self.shown = ""
        if len(self.pending) > self.limit:
            # The protocol throws an overlong line away; so does the screen.
            self.pending = b""
        out.append(self._update(self.pending))
        return "".join(out).encode(self.encoding, "replace")

    def hide(self) -> bytes:
        """Erase the half-typed line, so that other output starts on a clean row."""
        if not self.shown:
            return b""
        return ("\r" + " " * width(self.shown) + "\r").encode(self.encoding)

    def show(self) -> bytes:
        """Draw the half-typed line again, after other output."""
        return self.shown.encode(self.encoding, "replace")

    def clear(self) -> None:
        """Forget the half-typed line (it was interrupted)."""
        self.pending = b""
        self.shown = ""

    def _update(self, pending: bytes) -> str:
        wanted = clean(edit(self.typed.decode(pending)))
        shown = self.shown
        common = 0
        for old, new in zip(shown, wanted, strict=False):
            if old != new:
                break
            common += 1
        gone = width(shown[common:])
        self.shown = wanted
        return "\b" * gone + " " * gone + "\b" * gone + wanted[common:]
