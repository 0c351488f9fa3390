"""
The rules for user names and room names.

Names are what makes the text format unforgeable: they may hold letters of
any script, digits, ``_`` and ``-`` and nothing else, so no name can contain
the markers (``<``, ``*``, ``[``, ``!``, spaces) that start the lines of the
text format.  Two names are the same name when they differ only in case, in Unicode
compatibility forms (full-width letters, ligatures) or in invisible
characters: :func:`key` folds all three away, and a name holding an invisible
character is refused outright.
"""

from __future__ import annotations

import re
import unicodedata

from twisted_chat import errors

MAX_NAME_LENGTH = 24

#: Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt):
#: characters that show as nothing.  Most are format characters that names
#: refuse anyway, but the Hangul fillers are letters and the variation
#: selectors and the grapheme joiner are marks, so "bob" plus one of them
#: would pass for a second "bob".
_INVISIBLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_INVISIBLES = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _INVISIBLE) + "]")

RESERVED_USER_NAMES = frozenset(
    {"admin", "administrator", "all", "everyone", "me", "nobody", "operator", "root",
     "server", "system", "you"}
)
RESERVED_ROOM_NAMES = frozenset({"all", "none", "private", "server", "system"})


def _written_out(invisible: re.Match[str]) -> str:
    return f"\\u{ord(invisible.group()):04x}"


def _allowed(char: str) -> bool:
    """A character allowed after the first, which must be a letter (``isalpha``: category L)."""
    # Combining marks belong to letters in many scripts (Devanagari vowel signs).
    return (char.isalpha() or char.isdecimal() or char in "_-"
            or unicodedata.category(char)[0] == "M")


def normalise(raw: str, what: str, reserved: frozenset[str] = frozenset()) -> str:
    """
    Return the name as it will be shown, or raise the error that says what is wrong.

    ``what`` is the word the error messages use ("name", "room name").
    """
    name = unicodedata.normalize("NFKC", raw.strip())
    if not name:
        raise errors.NameEmpty(what)
    if len(name) > MAX_NAME_LENGTH:
        raise errors.NameTooLong(what, MAX_NAME_LENGTH)
    if _INVISIBLES.search(name):
        raise errors.NameInvisible(what, _INVISIBLES.sub(_written_out, name))
    if not (name[0].isalpha() and all(_allowed(char) for char in name[1:])):
        raise errors.NameInvalid(what, name)
    if key(name) in reserved:
        raise errors.NameReserved(what, name)
    return name


def user_name(raw: str) -> str:
    return normalise(raw, "name", RESERVED_USER_NAMES)


def room_name(raw: str) -> str:
    return normalise(raw, "room name", RESERVED_ROOM_NAMES)


def key(name: str) -> str:
    """The form under which a name is unique: NFKC, without invisibles, casefolded."""
    if name.isascii():
        # What the rest comes to for ASCII, which most names are.
        return name.lower()
    folded = _INVISIBLES.sub("", unicodedata.normalize("NFKC", name)).casefold()
    # Casefolding can undo NFKC (and NFKC can undo casefolding) for a few characters.
    return unicodedata.normalize("NFKC", folded)
