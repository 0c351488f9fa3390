"""
The desktop client's own words (labels, menus, what the window says itself)
in the user's language.

They are the ``clients`` catalog's; a word the window shares with the
server (a rank, ``operator``) is the server's msgid, translated by the
server's catalog when the client's has none.  One :class:`Words` is shared
by the application's windows: the language changes in it, then each window
re-labels itself.  Events read in the same language through
:func:`twisted_chat.core.formats.text_lines`.
"""

from __future__ import annotations

from twisted_chat.i18n import catalogs
from twisted_chat.i18n.languages import ENGLISH, Language

#: The menu's choices, each named in its own language.
CHOICES = ("en", "zh-CN", "zh-TW")


class Words:
    """The client's words in one language, which may change."""

    def __init__(self, language: Language = ENGLISH) -> None:
        self.language = language

    def _(self, message: str) -> str:
        """``message`` in the language: the client's catalog, else the server's (a shared word)."""
        found = catalogs.translations(self.language.locale, catalogs.CLIENTS).gettext(message)
        return found if found != message else self.language.gettext(message)

    def format(self, message: str, /, **values: object) -> str:
        """``message`` translated, then filled in (``str.format``)."""
        return self._(message).format(**values)

    def ngettext(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        """The form for ``count``, filled in with it (``{count}``) and ``values``."""
        form = catalogs.translations(self.language.locale, catalogs.CLIENTS).ngettext(
            singular, plural, count)
        return form.format(count=count, **values)
