"""
The rules for user names and room names.

Names are what makes the text format unforgeable: they may hold letters of
any script, digits, ``_`` and ``-`` and nothing else, so no name can contain
the markers (``<``, ``*``, ``[``, ``!``, spaces) that start the lines of the
text format.  Two names are the same name when their casefolded NFKC forms
are equal.
"""

from __future__ import annotations

import unicodedata

from twisted_chat import errors

MAX_NAME_LENGTH = 24

RESERVED_USER_NAMES = frozenset(
    {"admin", "administrator", "all", "everyone", "me", "nobody", "operator", "root",
     "server", "system", "you"}
)
RESERVED_ROOM_NAMES = frozenset({"all", "none", "private", "server", "system"})


def _allowed(char: str, first: bool) -> bool:
    category = unicodedata.category(char)
    if category[0] == "L":
        return True
    if first:
        return False
    # Combining marks belong to letters in many scripts (Devanagari vowel signs).
    return category == "Nd" or category[0] == "M" or char in "_-"


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
    if not all(_allowed(char, index == 0) for index, char in enumerate(name)):
        raise errors.NameInvalid(what, name)
    if key(name) in reserved:
        raise errors.NameReserved(what, name)
    return name


def user_name(raw: str) -> str:
    return normalise(raw, "name", RESERVED_USER_NAMES)


def room_name(raw: str) -> str:
    return normalise(raw, "room name", RESERVED_ROOM_NAMES)


def key(name: str) -> str:
    """The form under which a name is unique: NFKC, then casefolded."""
    return unicodedata.normalize("NFKC", name).casefold()
