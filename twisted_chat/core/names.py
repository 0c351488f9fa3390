"""
The rules for user names and room names.

Names are what makes the text format unforgeable: they may hold letters of
any script, digits, ``_`` and ``-`` and nothing else, so no name can contain
the markers (``<``, ``*``, ``[``, ``!``, spaces) that start the lines of the
text format.  Two names are the same name when they differ only in case, in Unicode
compatibility forms (full-width letters, ligatures) or in invisible
characters: :func:`key` folds all three away, and a name holding an invisible
character is refused outright.

Nobody may pass for someone else with letters that only look the same, as
UTS #39 (Unicode's security mechanisms) defines them, through ICU's spoof
checker (PyICU):

- a name mixes scripts only as people write them (Latin with Han, Kana or
  Hangul; ICU's "highly restrictive" level), so Cyrillic ``а`` in ``аlice``
  or Greek ``Ι`` beside Latin ``l1`` is refused;
- no letter carries more than :data:`MAX_MARKS` marks, nor the same twice;
- names that look alike meet under the same :func:`lookalikes`: the UTS #39
  skeleton, of the name as shown and of its key, with the marks on Latin,
  Greek and Cyrillic letters left out (``ɑlice``, ``alice̲`` and ``alice``
  are one; so are ``José`` and ``Jose``), and whoever has one of them first
  keeps it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import icu

from twisted_chat.core import errors
from twisted_chat.i18n import N_

MAX_NAME_LENGTH = 24
#: The most combining marks one letter may carry (Thai and Tibetan stack three).
MAX_MARKS = 3

#: ICU's checker with its defaults: every check, at the "highly restrictive" level.
_SPOOF = icu.SpoofChecker()
#: The scripts a refused name most often mixes, as ICU names them: marked for the
#: catalogs, so that the error names them in the user's language.
SCRIPT_WORDS = (N_("Latin"), N_("Cyrillic"), N_("Greek"), N_("Han"), N_("Hiragana"),
                N_("Katakana"), N_("Hangul"), N_("Arabic"), N_("Hebrew"), N_("Armenian"),
                N_("Georgian"), N_("Thai"), N_("Devanagari"), N_("Common"))

#: What ICU finds in a single name that refuses it: scripts mixed as nobody
#: writes them, digits from several systems, the same mark twice in a row.
_MIXED = icu.USpoofChecks.RESTRICTION_LEVEL | icu.USpoofChecks.MIXED_NUMBERS
_REPEATED_MARK = icu.USpoofChecks.INVISIBLE
#: The scripts whose marks are accents on a letter that reads without them:
#: left out when telling names apart by their look.  (A Devanagari or Thai
#: mark is a vowel: it stays.)
_ACCENTED = frozenset({"Latin", "Greek", "Cyrillic", "Common", "Inherited"})

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
    _refuse_spoofing(name, what)
    if key(name) in reserved:
        raise errors.NameReserved(what, name)
    like = _looks_reserved(reserved)
    for form in lookalikes(name):
        if form in like:
            raise errors.NameReserved(what, name, like[form])
    return name


@lru_cache(maxsize=8)
def _looks_reserved(reserved: frozenset[str]) -> dict[str, str]:
    """Each form a reserved word looks like, and the word."""
    return {form: word for word in sorted(reserved) for form in lookalikes(word)}


def _refuse_spoofing(name: str, what: str) -> None:
    """Raise if ``name`` mixes scripts nobody writes together, or stacks marks."""
    if name.isascii():
        return  # One script; no marks.
    found = _SPOOF.check(name)
    if found & _MIXED:
        scripts = sorted({icu.Script.getScript(char).getName() for char in name} -
                         {"Common", "Inherited"})
        raise errors.NameMixedScripts(what, name, scripts)
    stacked = 0
    for char in name:
        stacked = stacked + 1 if unicodedata.category(char) in ("Mn", "Me", "Mc") else 0
        if stacked > MAX_MARKS:
            raise errors.NameStacked(what, MAX_MARKS)
    if found & _REPEATED_MARK:
        raise errors.NameStacked(what, MAX_MARKS)


def lookalikes(name: str) -> frozenset[str]:
    """
    The forms under which names that look alike meet: two names look alike
    when they share one.  The UTS #39 skeleton (``rn`` for ``m``, ``l`` for
    ``I`` and ``1``, ``a`` for Cyrillic ``а``) of the name as shown and of
    its key (for case), with the accents of Latin, Greek and Cyrillic letters
    left out.
    """
    if name.isascii():
        # Most names: ASCII has no accents, and its skeleton is its letters'.
        return frozenset((name.translate(_ASCII_SKELETONS),
                          name.lower().translate(_ASCII_SKELETONS)))
    return _lookalikes(name)


@lru_cache(maxsize=4096)
def _lookalikes(name: str) -> frozenset[str]:
    return frozenset((_skeleton(name), _skeleton(key(name))))


def _skeleton(text: str) -> str:
    """
    The UTS #39 skeleton, without the marks on letters of the scripts whose
    marks are accents (Latin, Greek, Cyrillic, and digits and signs): those
    ICU keeps (``é``), those it makes (``Б`` is ``b̄``) and any other mark a
    font puts on them (a stress sign, a kana voicing mark under an ``e``).
    """
    if text.isascii():
        return text.translate(_ASCII_SKELETONS)
    skeleton = unicodedata.normalize("NFD", str(_SPOOF.getSkeleton(0, text)))
    kept, script = [], ""
    for char in skeleton:
        if unicodedata.category(char) in ("Mn", "Me"):
            if script in _ACCENTED:
                continue
        else:
            script = icu.Script.getScript(char).getName()
        kept.append(char)
    return "".join(kept)


#: Each ASCII character's skeleton, as ICU has it (``m`` is ``rn``, ``1`` is
#: ``l``): an ASCII text's skeleton is its characters', one after another, so
#: a table lookup in C gives what a call to ICU would.
_ASCII_SKELETONS = {code: str(_SPOOF.getSkeleton(0, chr(code))) for code in range(128)}


def user_name(raw: str) -> str:
    return normalise(raw, N_("name"), RESERVED_USER_NAMES)


def room_name(raw: str) -> str:
    return normalise(raw, N_("room name"), RESERVED_ROOM_NAMES)


def key(name: str) -> str:
    """The form under which a name is unique: NFKC, without invisibles, casefolded."""
    if name.isascii():
        # What the rest comes to for ASCII, which most names are.
        return name.lower()
    folded = _INVISIBLES.sub("", unicodedata.normalize("NFKC", name)).casefold()
    # Casefolding can undo NFKC (and NFKC can undo casefolding) for a few characters.
    return unicodedata.normalize("NFKC", folded)
