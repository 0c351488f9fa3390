"""
Reading a line while it is still being typed, in the encoding it is typed in.

The echo (:mod:`twisted_chat.telnet.editing`) must show what the session
will read once Enter comes; before then the session has decided nothing.
So the echo reads the partial line by the session's own rules
(:meth:`~twisted_chat.session.reading.Reading.peek`: the same evidence, the
same encoding), and writes in the encoding it read in while the session's
is what it was then (the session settles on it, or the user chooses).
"""

from __future__ import annotations

from collections.abc import Callable

from twisted_chat.session.reading import Reading
from twisted_chat.session.settings import Settings


class TypedLine:
    """Decodes the bytes typed so far, leaving out a character still arriving."""

    def __init__(self, encoding: Callable[[], str] = lambda: "utf-8") -> None:
        """
        ``encoding`` reads the session's encoding: no copy is kept here.  The
        session's :class:`~twisted_chat.session.reading.Reading` is one, and
        with it the line is read by the session's rules and evidence; with
        a plain encoding, as a session that never chose would read it.
        """
        self._session_encoding = encoding
        if isinstance(encoding, Reading):
            self._reading = encoding
        else:
            # Read as a session that never chose would read it.
            self._reading = Reading(lambda: Settings(encoding=encoding()))
        #: The encoding the typing was read in when it was not the session's,
        #: and the session's encoding then.
        self._typed_in: tuple[str, str] | None = None

    @property
    def encoding(self) -> str:
        """The encoding the echo writes in: the session's, or the one the typing reads in."""
        session = self._session_encoding()
        if self._typed_in is not None and self._typed_in[1] == session:
            return self._typed_in[0]
        return session

    def decode(self, pending: bytes) -> str:
        """``pending`` as text, as the session will read it once the line ends."""
        text, encoding = self._reading.peek(pending)
        session = self._session_encoding()
        if encoding != session:
            self._typed_in = (encoding, session)
        elif not pending.isascii():
            self._typed_in = None
        return text
