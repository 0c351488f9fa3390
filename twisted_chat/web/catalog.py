"""
The browser page's words in each language: one JSON table a language, at
``/i18n/CODE.json``.

The page words most events itself, from their fields, with the server's own
msgids (so the server's catalog translates them) and labels of its own (the
``clients`` catalog).  A table maps each msgid to its translation; a plural
entry is keyed as a compiled gettext catalog keys it, ``singular``, NUL,
``plural``, and holds its forms.  English has no table to speak of: its
msgids are its words.  Each table is made once per process.
"""

from __future__ import annotations

import json
from functools import cache

from twisted_chat.i18n import catalogs
from twisted_chat.i18n.languages import LANGUAGES


def table(code: str) -> bytes | None:
    """The page's table for the language ``code`` (``zh-CN``) as UTF-8 JSON; None if unknown."""
    # Looked up before the cache: a code from a URL must not grow it.
    return _made(code) if code in LANGUAGES else None


@cache
def _made(code: str) -> bytes:
    language = LANGUAGES[code]
    words: dict[str, str | list[str]] = {}
    if language.locale is not None:
        for domain in (catalogs.SERVER, catalogs.CLIENTS):
            words.update(catalogs.messages(language.locale, domain))
    return json.dumps(words, ensure_ascii=False, sort_keys=True).encode("utf-8")
