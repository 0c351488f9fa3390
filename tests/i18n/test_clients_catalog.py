"""
The ``clients`` catalog: every word of the desktop client and the browser
page has its Simplified and Traditional Chinese, with the English's placeholders.

The words are extracted from the code as ``python -m twisted_chat.i18n.extract``
does.  A word the clients share with the server (the page words most events
with the server's own msgids) is the server catalog's to translate: here it
only has to be one of the server's msgids.
"""

from __future__ import annotations

import string
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.i18n import catalogs, extract

LOCALE = Path(extract.PACKAGE) / "locale"


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def placeholders(text: str) -> set[str]:
    """``{name}`` and ``{until:span}`` alike: each field with its format spec."""
    return {f"{field}:{spec}" if spec else field
            for _, field, spec, _ in string.Formatter().parse(text) if field is not None}


class ClientsCatalogTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.template = extract.template(catalogs.CLIENTS)
        self.server = {_ids(message)[0] for message in
                       _read(LOCALE / f"{catalogs.SERVER}.pot") if message.id}
        self.own = [message for message in self.template
                    if message.id and _ids(message)[0] not in self.server]

    def test_template_is_current(self) -> None:
        """The committed clients.pot holds exactly the messages in the code now."""
        committed = {_ids(message) for message in _read(LOCALE / f"{catalogs.CLIENTS}.pot")
                     if message.id}
        self.assertEqual(committed, {_ids(message) for message in self.template if message.id})

    def test_there_are_words_of_both_kinds(self) -> None:
        """Both the page's JavaScript and the window's Python are read, and share the server's."""
        files = {path for message in self.own for path, _ in message.locations}
        self.assertTrue(any(path.endswith(".js") for path in files), files)
        self.assertTrue(any(path.endswith(".py") for path in files), files)
        self.assertLess(len(self.own), len([message for message in self.template if message.id]))

    def test_every_own_word_is_translated(self) -> None:
        """Each message only the clients have has a translation in zh_CN and zh_TW."""
        for locale in extract.LOCALES:
            catalog = _read(Path(str(catalogs.po_path(locale, catalogs.CLIENTS))), locale)
            untranslated = []
            for message in self.own:
                found = catalog.get(message.id)
                strings = () if found is None else (
                    tuple(found.string) if isinstance(found.string, (list, tuple))
                    else (found.string,))
                if found is None or found.fuzzy or not strings or not all(strings):
                    untranslated.append(_ids(message)[0])
            self.assertEqual(untranslated, [], f"{locale}: untranslated")

    def test_placeholders_are_the_englishs(self) -> None:
        """A translation fills in the very placeholders its English does, no more, no fewer."""
        for locale in extract.LOCALES:
            catalog = _read(Path(str(catalogs.po_path(locale, catalogs.CLIENTS))), locale)
            wrong = []
            for message in catalog:
                if not message.id or not message.string:
                    continue
                ids = _ids(message)
                forms = (tuple(message.string) if isinstance(message.string, (list, tuple))
                         else (message.string,))
                english = placeholders(ids[-1])
                wrong += [(ids[0], form) for form in forms
                          if form and placeholders(form) != english]
            self.assertEqual(wrong, [], f"{locale}: placeholders differ")

    def test_the_check_sees_a_wrong_placeholder(self) -> None:
        """A translation naming another field is told apart from one naming the same."""
        self.assertNotEqual(placeholders("{who} 秒后重试"),
                            placeholders("Trying again in {seconds} s…"))
        self.assertEqual(placeholders("{until:span} 后"), {"until:span"})
