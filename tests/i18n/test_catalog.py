"""
The server's catalogs: every message the code has, translated in every
language, keeping its placeholders; and the ``.pot`` in step with the code.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po
from twisted.trial.unittest import SynchronousTestCase

from tests.i18n.placeholders import fields
from twisted_chat.i18n import catalogs, extract


def _strings(message: object) -> list[str]:
    string = message.string  # type: ignore[attr-defined]
    return list(string) if isinstance(string, tuple) else [string]


def _ids(message: object) -> list[str]:
    ident = message.id  # type: ignore[attr-defined]
    return list(ident) if isinstance(ident, tuple) else [ident]


class ServerCatalogTests(SynchronousTestCase):
    code: set[object]

    @classmethod
    def setUpClass(cls) -> None:
        # Extracting reads the whole package: once for all the tests.
        cls.code = {message.id for message in extract.template(catalogs.SERVER) if message.id}

    def po(self, locale: str) -> object:
        with catalogs.po_path(locale).open("rb") as source:
            return read_po(source, locale=locale)

    def test_pot_is_the_code(self) -> None:
        """A message added or changed in the code without running the extractor fails here."""
        pot = Path(str(catalogs.LOCALE / f"{catalogs.SERVER}.pot"))
        with pot.open("rb") as source:
            kept = {message.id for message in read_po(source) if message.id}
        self.assertEqual(self.code - kept, set(), "run: python -m twisted_chat.i18n.extract")
        self.assertEqual(kept - self.code, set(), "run: python -m twisted_chat.i18n.extract")

    def test_every_message_translated(self) -> None:
        for locale in extract.LOCALES:
            catalog = self.po(locale)
            found = {message.id: message for message in catalog if message.id}  # type: ignore
            with self.subTest(locale=locale):
                self.assertEqual(self.code - set(found), set())
                untranslated = [ident for ident, message in found.items()
                                if ident in self.code and not all(_strings(message))]
                self.assertEqual(untranslated, [])

    def test_placeholders_kept(self) -> None:
        """A translation has the English's fields, specs and conversions: no more, no fewer."""
        for locale in extract.LOCALES:
            for message in self.po(locale):  # type: ignore[attr-defined]
                if not message.id:
                    continue
                english = fields(_ids(message)[-1])
                for translated in filter(None, _strings(message)):  # (Empty: the test above.)
                    with self.subTest(locale=locale, msgid=_ids(message)[0]):
                        self.assertEqual(fields(translated), english)

    def test_lines_kept(self) -> None:
        """A multi-line message (the banner, a command's help) has no more lines in translation."""
        for locale in extract.LOCALES:
            for message in self.po(locale):  # type: ignore[attr-defined]
                if message.id and "\n" in _ids(message)[0]:
                    for translated in _strings(message):
                        with self.subTest(locale=locale, msgid=_ids(message)[0]):
                            self.assertLessEqual(translated.count("\n"),
                                                 _ids(message)[0].count("\n"))
