"""
Reading a line while it is still being typed, in the encoding it is typed in.

The echo (:mod:`twisted_chat.telnet.editing`) must show what the session
will read once Enter comes; before then the session has decided nothing.
So the echo reads the partial line the way the session would read the whole
one, and keeps its guess only while the session's encoding is what it was
when the guess was made (the session settles on the guess, or the user
chooses).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from twisted_chat.core import charsets


class TypedLine:
    """Decodes the bytes typed so far, leaving out a character still arriving."""

    def __init__(self, encoding: Callable[[], str] = lambda: "utf-8") -> None:
        """``encoding`` reads the session's encoding: no copy is kept here."""
        self._session_encoding = encoding
        #: What the typing looked like when it was not in the session's encoding,
        #: and the session's encoding then.
        self._guessed: tuple[str, str] | None = None

    @property
    def encoding(self) -> str:
        """The encoding the echo writes in: the session's, or the guess that holds."""
        session = self._session_encoding()
        if self._guessed is not None and self._guessed[1] == session:
            return self._guessed[0]
        return session

    def decode(self, pending: bytes) -> str:
        """``pending`` as text, as the session will read it once the line ends."""
        encoding = self.encoding
        try:
            return _decoder(encoding).decode(pending)
        except UnicodeDecodeError:
            guessed = charsets.guess(pending, final=False) or encoding
            if guessed != encoding:
                self._guessed = (guessed, self._session_encoding())
            return _decoder(guessed, "replace").decode(pending)


def _decoder(encoding: str, errors: str = "strict") -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder(encoding)(errors)
