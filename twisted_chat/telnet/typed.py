"""
Reading a line while it is still being typed, in the encoding it is typed in.

The echo (:mod:`twisted_chat.telnet.editing`) must show what the session
will read once Enter comes; before then the session has decided nothing.
So the echo reads the partial line by the session's own rules
(:meth:`~twisted_chat.session.reading.Reading.peek`: the same evidence, the
same encoding), and writes in the encoding it read in while the session's
is what it was then (the session settles on it, or the user chooses).

Weighing the evidence takes a pass over the line, and a line typed a byte a
read would be weighed once a byte, its whole length each time.  So the
judgement of the line so far holds until the line has doubled, or no longer
reads in that encoding, or the session's encoding changes; a whole line
(Enter) is always judged afresh, as the session will judge it.
"""

from __future__ import annotations

import codecs

from twisted_chat.session.reading import Reading

#: A line shorter than this is judged on every read: that costs next to nothing.
JUDGED_EVERY_READ = 64


class TypedLine:
    """Decodes the bytes typed so far, leaving out a character still arriving."""

    def __init__(self, reading: Reading) -> None:
        """``reading`` is the session's: no copy of its evidence is kept here."""
        self._reading = reading
        #: The encoding the typing was read in when it was not the session's,
        #: and the session's encoding then.
        self._typed_in: tuple[str, str] | None = None
        #: The last judgement: its length of line, its encoding, the session's then.
        self._judged: tuple[int, str, str] | None = None

    @property
    def encoding(self) -> str:
        """The encoding the echo writes in: the session's, or the one the typing reads in."""
        session = self._reading()
        if self._typed_in is not None and self._typed_in[1] == session:
            return self._typed_in[0]
        return session

    def decode(self, pending: bytes, *, final: bool = False) -> str:
        """
        ``pending`` as text, as the session will read it once the line ends
        (with ``final``, it has: the whole line).
        """
        session = self._reading()
        text = None if final else self._as_judged(pending, session)
        if text is None:
            text, encoding = self._reading.peek(pending, final=final)
            self._judged = (len(pending), encoding, session)
        else:
            encoding = self._judged[1] if self._judged else session
        if encoding != session:
            self._typed_in = (encoding, session)
        elif not pending.isascii():
            self._typed_in = None
        if final:
            self._judged = None
        return text

    def _as_judged(self, pending: bytes, session: str) -> str | None:
        """``pending`` read as last judged, if that judgement still holds; None if not."""
        judged = self._judged
        if (judged is None or len(pending) < JUDGED_EVERY_READ or judged[2] != session
                or not judged[0] <= len(pending) < 2 * judged[0]):
            return None
        try:
            return codecs.getincrementaldecoder(judged[1])().decode(pending)
        except UnicodeDecodeError:
            return None
