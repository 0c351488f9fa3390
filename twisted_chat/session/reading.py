"""
How a session reads the bytes of its lines: in the encoding the user chose,
or, until the evidence settles it, in the one the lines themselves point to.

A session that never chose (telnet, netcat: the browser's is fixed) starts in
UTF-8, and every line that is not plain ASCII is evidence:

- valid in both: its lean (:func:`twisted_chat.core.evidence.weigh`) is added
  to what the lines before it leaned.  While the sum is clear (:data:`CLEAR`
  either way) the session reads and writes in the encoding it points to, and
  switches if later lines swing it; while it is not, the session stays as it
  is (UTF-8 at first).
- valid in one only (UTF-8; GBK and Chinese to read, at least one GB2312
  character; or GB18030 only, GBK's superset): that encoding settles, for
  good, unless the lines before were judged the other way: then, as for a
  line valid in neither, one error, and the line is dropped.

Once settled, a line not valid in the settled encoding is one error, never a
switch (a GBK session still grows to GB18030, which reads GBK the same).
Whenever the session switches, it re-reads the user's name, which was read
in the encoding before (:class:`~twisted_chat.session.session.Session`).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass

from twisted_chat.core import evidence
from twisted_chat.session.settings import Settings

#: How far the lines must lean, summed, before the encoding settles on them.
CLEAR = 1.0



@dataclass(frozen=True, slots=True)
class Read:
    """A line read: its text (None: not valid, dropped), and the encoding the session is now in."""

    text: str | None
    encoding: str


class Reading:
    """
    One session's evidence for its encoding.  Called, it gives the encoding
    the session writes in, so that it can stand wherever one is asked for
    (the echo's).
    """

    __slots__ = ("_settings", "lean", "settled")

    def __init__(self, settings: Callable[[], Settings]) -> None:
        self._settings = settings
        #: Whether a line valid in one encoding only settled it.
        self.settled = False
        #: What the lines valid in both encodings leaned, summed (positive: GBK).
        self.lean = 0.0

    def __call__(self) -> str:
        return self._settings().encoding

    @property
    def open(self) -> bool:
        """Whether lines still decide the encoding."""
        settings = self._settings()
        return not (self.settled or settings.encoding_chosen or settings.encoding_fixed)

    def read(self, line: bytes) -> Read:
        """A whole line: its text, and the encoding it leaves the session in (evidence kept)."""
        current = self()
        if line.isascii() or not self.open:
            # Most lines: no evidence to weigh.
            try:
                return Read(line.decode(current), current)
            except UnicodeDecodeError:
                pass
        encoding, lean, settles = self._judge(line, final=True)
        if lean is not None:
            self.lean = lean
        if settles:
            self.settled = True
        if encoding is None:
            return Read(None, current)
        return Read(line.decode(encoding), encoding)

    def peek(self, pending: bytes, *, final: bool = False) -> tuple[str, str]:
        """
        A line still being typed (it may end part-way through a character;
        with ``final``, it has ended), read as :meth:`read` would read it if
        it ended here, and in which encoding: nothing is kept.
        """
        encoding = self._judge(pending, final=final)[0] or self()
        return _decode(pending, encoding), encoding

    def _judge(self, line: bytes, final: bool) -> tuple[str | None, float | None, bool]:
        """
        The encoding ``line`` is read in (None: not valid); for a line valid
        in both, the sum of the leans with it; whether it settles the encoding.
        """
        current = self()
        if line.isascii() or not self.open:
            if evidence.valid(line, current, final=final):
                return current, None, False
            grows = self.settled and not self._settings().encoding_chosen
            if current == "gbk" and grows and evidence.valid(line, "gb18030", final=final):
                return "gb18030", None, False
            return None, None, False
        utf8 = evidence.valid(line, "utf-8", final=final)
        gbk = evidence.valid(line, "gbk", final=final)
        if utf8 and gbk:
            lean = self.lean + evidence.weigh(line, final=final)
            return _leaning(lean) or current, lean, False
        only = _only(line, utf8, gbk, final)
        judged = _leaning(self.lean)
        if only is None or (judged is not None and judged != only.replace("gb18030", "gbk")):
            # Not valid in the encoding the lines before it were judged to be in: one error.
            return None, None, False
        return only, None, True


def _only(line: bytes, utf8: bool, gbk: bool, final: bool) -> str | None:
    """The one encoding a line valid in at most one is evidence of (None: no encoding)."""
    if utf8:
        return "utf-8"
    if gbk:
        # A stray byte or two ("oops \xc0\x80") is valid GBK too: Chinese it is not.
        return "gbk" if evidence.has_chinese(line) else None
    return "gb18030" if evidence.valid(line, "gb18030", final=final) else None


def _leaning(lean: float) -> str | None:
    """The encoding a sum of leans points to, if it is clear."""
    if lean >= CLEAR:
        return "gbk"
    if lean <= -CLEAR:
        return "utf-8"
    return None


def _decode(data: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)("replace").decode(data)
