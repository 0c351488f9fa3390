"""
How a session's output is rendered: the user's choices and what the front end
learnt (a telnet window's width), as one value the format is built from.

States read and change these through :class:`~twisted_chat.interfaces.ISession`;
no setting is any one front end's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from twisted_chat.core import charsets, formats, terminal
from twisted_chat.interfaces import IFormat


@dataclass(frozen=True, slots=True)
class Settings:
    format: str = "text"
    encoding: str = charsets.DEFAULT
    color: bool = False
    #: The client's window width in columns (0: unknown, so no wrapping).
    width: int = 0
    #: The user chose the encoding: a line not in it is refused, never guessed over.
    encoding_chosen: bool = False
    #: The front end's messages are in this encoding, which nobody may change
    #: (a WebSocket's text is UTF-8).
    encoding_fixed: bool = False
    #: The language the server words things in (a code of twisted_chat.i18n.languages).
    language: str = "en"

    def build(self, framing: formats.Framing = formats.STREAM) -> IFormat:
        """The (shared) format these settings make, framed for the front end."""
        return _build(self, framing)


@lru_cache(maxsize=4096)
def _build(settings: Settings, framing: formats.Framing) -> IFormat:
    """Once per distinct settings: a login makes its session's format from a cache."""
    return formats.build(settings.format, encoding=settings.encoding, color=settings.color,
                         width=terminal.wrap_width(settings.width), framing=framing,
                         language=settings.language)


#: A new session's settings, shared until it changes one.
DEFAULT = Settings()
