"""
The translations, read from the ``.po`` files that ship in the package.

The ``.po`` files are the only copy: each is compiled in memory with Babel
when first asked for, once per process, so no built ``.mo`` can go stale
beside its source.
"""

from __future__ import annotations

import gettext
from functools import cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

#: The catalogs' folder inside the package: LOCALE/ll_CC/LC_MESSAGES/DOMAIN.po.
LOCALE = resources.files("twisted_chat") / "locale"

#: The server's words; the desktop client's and the page's own labels are in ``clients``.
SERVER = "twisted_chat"
CLIENTS = "clients"


def po_path(locale: str, domain: str = SERVER) -> resources.abc.Traversable:
    return LOCALE / locale / "LC_MESSAGES" / f"{domain}.po"


@cache
def translations(locale: str | None, domain: str = SERVER) -> gettext.NullTranslations:
    """
    The catalog of ``locale`` (``zh_CN``) for ``domain``; None, or a locale
    without one, is English: the msgids themselves.  One object a language,
    shared by every session (``gettext.translation`` would copy it each call).
    """
    if locale is None:
        return gettext.NullTranslations()
    path = po_path(locale, domain)
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def messages(locale: str, domain: str = SERVER) -> dict[str, str]:
    """Every translated message of ``locale`` by msgid: what the browser page fetches."""
    path = po_path(locale, domain)
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    return {message.id: message.string for message in catalog
            if isinstance(message.id, str) and message.id and isinstance(message.string, str)
            and message.string}
