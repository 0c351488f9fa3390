"""
Keeping the catalogs: every message of the code into ``.pot`` files, and the
``.po`` files of each language brought up to them.

``python -m twisted_chat.i18n.extract`` after changing what the server says;
then translate what is new in each ``.po`` (an empty ``msgstr``).  The tests
extract the same way and fail on a message without a translation.

Babel's Python extractor finds ``N_("...")``, ``NP_("...", "...")`` and
``words.plural("...", "...", n)``; this module adds the help of each command,
which is its method's docstring (:func:`twisted_chat.core.commands.help_texts`).
The page's JavaScript goes through Babel's own JavaScript extractor.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_python
from babel.messages.pofile import read_po, write_po

from twisted_chat.core.commands import help_texts
from twisted_chat.i18n import catalogs

PACKAGE = Path(__file__).resolve().parent.parent
LOCALES = ("zh_CN", "zh_TW")

KEYWORDS: dict[str, Any] = {**DEFAULT_KEYWORDS, "N_": None, "NP_": (1, 2), "plural": (1, 2)}
#: The page's JavaScript marks its messages with t("...") and tn("...", "...", n).
CLIENT_KEYWORDS: dict[str, Any] = {**KEYWORDS, "t": None, "tn": (1, 2)}

#: What each domain's messages are read from, by glob and extractor, under the package.
METHODS = {
    catalogs.SERVER: [("gui/**", "ignore"), ("web/page/**", "ignore"),
                      ("**.py", "twisted_chat.i18n.extract:extract_with_help")],
    # No ("**", "ignore") here: Babel prunes every folder an ignore matches, gui/
    # and web/ with them; a file no pattern matches is skipped anyway.
    catalogs.CLIENTS: [("gui/**.py", "python"), ("web/page/**.js", "javascript")],
}


def extract_with_help(fileobj: IO[bytes], keywords: dict[str, Any], comment_tags: list[str],
                      options: Any) -> Iterator[tuple[int, Any, Any, Any]]:
    """Babel's Python extractor, and each ``@command`` method's docstring as its help."""
    source = fileobj.read()
    yield from extract_python(BytesIO(source), keywords, comment_tags, options)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and any(
                _is_command(decorator) for decorator in node.decorator_list):
            summary, details = help_texts(ast.get_docstring(node, clean=False))
            for text in (summary, details):
                if text:
                    yield node.lineno, "", text, []


def _is_command(decorator: ast.expr) -> bool:
    call = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(call, ast.Name) and call.id == "command"


def template(domain: str) -> Catalog:
    """Every message ``domain`` has in the code now, with where it is."""
    catalog = Catalog(project="twisted-chat", domain=domain, charset="utf-8")
    keywords = CLIENT_KEYWORDS if domain == catalogs.CLIENTS else KEYWORDS
    for filename, lineno, message, comments, context in extract_from_dir(
            PACKAGE, METHODS[domain], {}, keywords, strip_comment_tags=True):
        catalog.add(message, None, [(f"twisted_chat/{filename}", lineno)],
                    auto_comments=comments, context=context)
    return catalog


def read(locale: str, domain: str) -> Catalog:
    path = Path(str(catalogs.po_path(locale, domain)))
    if not path.exists():
        return Catalog(locale=locale, domain=domain, project="twisted-chat")
    with path.open("rb") as source:
        return read_po(source, locale=locale, domain=domain)


def write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=100, omit_header=False, sort_output=False,
                 ignore_obsolete=True, include_previous=False)


def main(argv: list[str] | None = None) -> int:
    """Write each domain's ``.pot`` and bring every language's ``.po`` up to it."""
    for domain in METHODS:
        pot = template(domain)
        kept = PACKAGE / "locale" / f"{domain}.pot"
        if kept.exists():
            # Dated once: a run that changes nothing leaves the files as they were.
            with kept.open("rb") as source:
                pot.creation_date = read_po(source).creation_date
        write(pot, kept)
        for locale in LOCALES:
            catalog = read(locale, domain)
            catalog.update(pot, no_fuzzy_matching=True, update_header_comment=False)
            catalog.fuzzy = False  # Babel marks a new header fuzzy: these are kept by hand.
            write(catalog, Path(str(catalogs.po_path(locale, domain))))
            # The clients' messages the server's catalog translates are translated.
            shared = set(catalogs.messages(locale)) if domain == catalogs.CLIENTS else set()
            missing = [message.id for message in catalog if message.id and not message.string
                       and message.id not in shared]
            print(f"{locale}/{domain}: {len(catalog)} messages, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
