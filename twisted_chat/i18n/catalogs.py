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

from babel.messages.catalog import Catalog
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
def catalog(locale: str, domain: str = SERVER) -> Catalog | None:
    """The ``.po`` file of ``locale`` for ``domain``, read once a process; None if there is none."""
    path = po_path(locale, domain)
    if not path.is_file():
        return None
    with path.open("rb") as source:
        return read_po(source, locale=locale)


@cache
def translations(locale: str | None, domain: str = SERVER) -> gettext.NullTranslations:
    """
    The catalog of ``locale`` (``zh_CN``) for ``domain``; None, or a locale
    without one, is English: the msgids themselves.  One object a language,
    shared by every session (``gettext.translation`` would copy it each call).
    """
    read = None if locale is None else catalog(locale, domain)
    if read is None:
        return gettext.NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, read)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def messages(locale: str, domain: str = SERVER) -> dict[str, str | list[str]]:
    """
    Every translated message of ``locale`` by msgid, as gettext reads them
    (no fuzzy one): what the browser page fetches.  A plural entry is under
    ``singular\0plural``, its forms a list.
    """
    read = catalog(locale, domain)
    found: dict[str, str | list[str]] = {}
    for message in read or ():
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, str) and isinstance(message.string, str):
            if message.string:
                found[message.id] = message.string
        elif isinstance(message.string, (tuple, list)) and all(message.string):
            found["\0".join(message.id[:2])] = list(message.string)
    return found
