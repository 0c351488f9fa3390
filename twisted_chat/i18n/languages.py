"""
The languages the server speaks, and a sentence in one of them.

A :class:`Language` translates a template and fills it in.  Templates have
format specs of their own, read the same in every language:
``{wait:duration}`` words seconds, ``{until:span}`` a time left,
``{scripts:and}`` joins a list with the language's "and",
``{what:word}`` translates a value that is itself one of the server's words
("room name"), and ``{room:place}`` is a room's name or the server's words for
everywhere ("the server"): a room's name holds no space, so a value with one
is translated.  Anything else is filled in as it is: names and what users
wrote are never translated.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from twisted_chat.i18n import N_, catalogs


@dataclass(frozen=True, eq=False)
class Language:
    """One language: its code (``zh-CN``), its own name for itself, its gettext locale."""

    code: str
    name: str
    locale: str | None
    _formatter: _Formatter = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_formatter", _Formatter(self))

    def gettext(self, message: str) -> str:
        if self.locale is None:
            return message  # English: the msgid is the sentence (and a login words several).
        return catalogs.translations(self.locale).gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        if self.locale is None:
            return singular if count == 1 else plural
        return catalogs.translations(self.locale).ngettext(singular, plural, count)

    def format(self, template: str, /, **args: Any) -> str:
        """``template`` in this language, filled in with ``args``."""
        return self._fill(self.gettext(template), args)

    def fill(self, template: str, args: dict[str, Any]) -> str:
        """:meth:`format` with the values as one dict (an error's ``args``)."""
        return self._fill(self.gettext(template), args)

    def plural(self, singular: str, plural: str, count: int, /, **args: Any) -> str:
        """The form for ``count`` (``{count} line``, ``{count} lines``), filled in."""
        return self._fill(self.ngettext(singular, plural, count), {"count": count, **args})

    def _fill(self, text: str, args: dict[str, Any]) -> str:
        # Most sentences use no spec of ours: str.format_map, in C, is several
        # times cheaper than string.Formatter, and a login words several.
        if _plain(text):
            return text.format_map(args)
        return self._formatter.vformat(text, (), args)

    def and_(self, items: Iterable[str]) -> str:
        """``a``, ``a and b``, ``a, b and c``: a list joined as this language joins one."""
        *first, last = list(items) or [""]
        if not first:
            return last
        return self.gettext(N_(", ")).join(first) + self.gettext(N_(" and ")) + last


#: The format specs :class:`_Formatter` adds to ``str.format``'s.
_SPECS = frozenset({"duration", "span", "and", "word", "place"})


@lru_cache(maxsize=4096)
def _plain(text: str) -> bool:
    """Whether ``text`` (a template, in any language) uses none of our specs."""
    return not any(spec in _SPECS for _, _, spec, _ in string.Formatter().parse(text))


class _Formatter(string.Formatter):
    """``str.format`` and the specs templates add, in one language."""

    def __init__(self, language: Language) -> None:
        self.language = language

    def format_field(self, value: Any, format_spec: str) -> Any:
        # Imported here: durations words its units through a Language.
        from twisted_chat.core.durations import duration, span

        if format_spec == "duration":
            return duration(value, language=self.language)
        if format_spec == "span":
            return span(value, language=self.language)
        if format_spec == "and":
            return self.language.and_(self.language.gettext(item) for item in value)
        if format_spec == "word" or (format_spec == "place" and " " in value):
            return self.language.gettext(value)
        if format_spec == "place":
            return value
        return super().format_field(value, format_spec)


ENGLISH = Language("en", "English", None)
SIMPLIFIED = Language("zh-CN", "简体中文", "zh_CN")
TRADITIONAL = Language("zh-TW", "繁體中文", "zh_TW")

#: Every language by its code, English first.
LANGUAGES: dict[str, Language] = {language.code: language
                                  for language in (ENGLISH, SIMPLIFIED, TRADITIONAL)}

#: Other ways people write a code, lower case, to the code they mean.
_ALIASES = {
    "en": "en", "en-us": "en", "en-gb": "en", "english": "en",
    "zh": "zh-CN", "zh-cn": "zh-CN", "zh-hans": "zh-CN", "zh-sg": "zh-CN", "zh-hans-cn": "zh-CN",
    "zh-tw": "zh-TW", "zh-hant": "zh-TW", "zh-hk": "zh-TW", "zh-mo": "zh-TW", "zh-hant-tw": "zh-TW",
    "中文": "zh-CN", "简体中文": "zh-CN", "简体": "zh-CN", "繁體中文": "zh-TW", "繁體": "zh-TW",
}


def lookup(code: str) -> Language | None:
    """The language ``code`` names (``zh_cn``, ``zh-Hans``, ``en-US``), or None."""
    found = _ALIASES.get(code.strip().lower().replace("_", "-"))
    return None if found is None else LANGUAGES[found]


#: The language a user is likely to read who types in an encoding (a codec's name).
_BY_ENCODING = {"gbk": SIMPLIFIED, "gb18030": SIMPLIFIED, "gb2312": SIMPLIFIED,
                "big5": TRADITIONAL, "big5hkscs": TRADITIONAL, "cp950": TRADITIONAL}


def suggested(encoding: str) -> Language | None:
    """The language to offer someone whose text is in ``encoding``, if it says one."""
    return _BY_ENCODING.get(encoding.lower().replace("-", ""))


def get(code: str) -> Language:
    """The language of a code already looked up (a setting's): English if unknown."""
    return LANGUAGES.get(code, ENGLISH)

