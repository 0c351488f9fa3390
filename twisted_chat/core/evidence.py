"""
Telling GBK from UTF-8 when a line's bytes are valid in both.

A GBK console (Windows telnet on code page 936, ``luit -encoding GBK``) and a
UTF-8 terminal send the same bytes for different text: ``为什么`` in GBK is
``ce aa ca b2 c3 b4``, which is also valid UTF-8 for ``Ϊʲô``; 682 of the 3,755
GB2312 level-1 hanzi are valid two-byte UTF-8 on their own.  The other way
round, every two-byte UTF-8 character (all of Latin-1, Greek, Cyrillic) is a
valid GBK character.  Validity alone cannot decide; so each reading is given
points for looking like text people type:

- **GBK**, per two-byte character: a GB2312 level-1 hanzi (lead 0xB0-0xD7,
  trail from 0xA1: the 3,755 common ones) or GB2312 punctuation (rows 1 and 3:
  ，。！？) +1; a level-2 hanzi +0.5; other GB2312 symbols 0; a GBK-extension
  character (a trail under 0xA1, as Cyrillic ``р-я`` makes) -2; any of them
  stuck to an ASCII letter 0 ("caf茅" is café, "芯lice" is аlice with a
  Cyrillic а).
- **UTF-8**, per non-ASCII character, by the word it is in: CJK, kana or
  hangul (three bytes or more) +3; a Latin letter, sign or accent next to
  ASCII letters or digits ("café", "Zoë", "25°C": é is also the hanzi 茅) +3,
  any other letter next to them ("аlice", "ɑlice") 0; a word of one script in
  a plausible case (Привет, Ελλάδα) +1; a lone letter +1 if it is a word
  (``è``, ``в``, ``ο``) beside other words, 0 if not but beside other words,
  -2 alone; a word that mixes scripts or case ("Ϊʲô", "һЩ"), repeats one
  letter ("лл" is 谢谢) or holds rarely typed letters (IPA, modifier letters,
  combining marks on no Latin letter, Coptic, archaic Cyrillic) -2.

:func:`weigh` gives the two scores' difference (positive leans GBK).
Measured by ``benchmarks/judging.py`` (every GB2312 character alone, 20,000
random GB2312 phrases of 2-6 hanzi, Chinese phrases people type, words and
names in a dozen languages typed in UTF-8, short lines and look-alike names),
counting a line right when a fresh session reads it in the encoding it was
written in; in brackets, of the lines valid in both.  charset-normalizer 3.4.7 (``from_bytes(line,
cp_isolation=["utf_8", "gbk"]).best()``), which prefers UTF-8 whenever it is
valid, on the same lines::

    corpus (lines; valid in both)          this module         charset-normalizer
    GB2312 level 1 alone (3755; 682)       100.00 % (100.00 %)  83.86 % (11.14 %)
    GB2312 level 2 alone (3008; 248)       100.00 % (100.00 %)  92.72 % (11.69 %)
    GB2312 phrases, 2-6 hanzi (19999; 92)   99.95 % ( 90.22 %)  99.68 % (31.52 %)
    Chinese phrases in GBK (57; 9)         100.00 % (100.00 %)  84.21 % (11.11 %)
    UTF-8 words and names (179; 158)       100.00 % (100.00 %) 100.00 % (100.00 %)
    UTF-8 short lines (41; 40)              92.68 % ( 92.50 %)  97.56 % (97.50 %)

What it gets wrong: a line of one lone accented or Greek letter (``è``,
``ö``, ``Σ``), which reads likelier as the one hanzi it also is, and a few
random pairs of rare hanzi.  A tie (``она`` is also 芯薪邪) is no evidence:
the session (:mod:`twisted_chat.session.reading`) reads it as UTF-8 and
decides nothing on it.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator

#: Runs of characters that make one word: anything but spaces and ASCII punctuation.
_WORDS = re.compile(r"[^\s!-/:-@\[-`{-~]+")

#: Single non-ASCII letters that are words of their own (Italian è, Russian в, Greek ο).
_ONE_LETTER_WORDS = frozenset("àáèéìíòóùúавиксуяояеоηοω")

#: Latin-1 signs people type next to words and numbers.
_SIGNS = frozenset("¡£¥§©«®°±²³µ·¹º»¼½¾¿€")

#: Points for a reading's characters.
STRONG = 3.0
LATIN_IN_WORD = 3.0
PLAUSIBLE = 1.0
HALF = 0.5
IMPLAUSIBLE = -2.0


def _script(char: str) -> str | None:
    """The script of a letter people commonly type, "rare" for others, None for a non-letter."""
    code = ord(char)
    if code < 0x80:
        return "latin" if char.isalpha() else None
    if code >= 0x800:
        return "wide"
    if char in _SIGNS:
        return None
    if 0xC0 <= code <= 0x17F and char not in "×÷":
        return "latin"
    if 0x386 <= code <= 0x3CE:
        return "greek"
    if 0x400 <= code <= 0x45F or code in (0x490, 0x491):
        return "cyrillic"
    if 0x531 <= code <= 0x587:
        return "armenian"
    if 0x5D0 <= code <= 0x5EA:
        return "hebrew"
    if 0x620 <= code <= 0x669:
        return "arabic"
    return "rare"


def _marks_on_latin(word: str) -> bool:
    """Whether the rare characters of ``word`` are all combining accents on Latin letters."""
    on_letter = False
    for char in word:
        if 0x300 <= ord(char) <= 0x36F:
            if not on_letter:
                return False
        elif _script(char) == "rare":
            return False
        else:
            on_letter = _script(char) == "latin"
    return True


def _mixed_case(word: str) -> bool:
    """An upper-case letter after a lower-case one, outside ASCII (not "iPhone")."""
    previous_lower = False
    for char in word:
        if char.isupper() and previous_lower and not char.isascii():
            return True
        if char.isalpha():
            previous_lower = char.islower()
    return False


def _word_points(word: str, others: bool) -> float:
    """Points for the non-ASCII characters of ``word``; ``others``: the line has other words."""
    wide = [char for char in word if not char.isascii()]
    if not wide:
        return 0.0
    scripts = {_script(char) for char in word} - {None}
    if _marks_on_latin(word):
        # Marks NFC left on the Latin letter before them ("alice̲") are Latin.
        scripts -= {"rare"}
    if "wide" in scripts:
        return STRONG * sum(1 for char in wide if ord(char) >= 0x800)
    each = IMPLAUSIBLE
    ascii = any(char.isascii() and char.isalnum() for char in word)
    if ascii and scripts != {"latin"} and scripts:
        # ASCII letters with Cyrillic, Greek or IPA ("аlice", "ɑlice"): GBK reads
        # a hanzi stuck to ASCII letters, as odd.  No evidence either way.
        each = 0.0
    elif "rare" in scripts or len(scripts) > 1 or _mixed_case(word):
        each = IMPLAUSIBLE
    elif ascii:
        # Only Latin mixes with ASCII: "café", "25°C".
        each = LATIN_IN_WORD
    elif not scripts:
        # Signs alone: « guillemets » between words.
        each = PLAUSIBLE if others else IMPLAUSIBLE
    elif len(set(wide)) == 1 and len(wide) > 1:
        # One letter over and over ("лл" is 谢谢 in GBK) is no word.
        each = IMPLAUSIBLE
    elif len(wide) >= 2 or (word in _ONE_LETTER_WORDS and others):
        each = PLAUSIBLE
    elif others:
        # A lone letter beside other words ("café ÿ"): no evidence either way.
        each = 0.0
    return each * len(wide)


def utf8_points(text: str) -> float:
    """How much ``text`` (a UTF-8 reading) looks like what people type."""
    words = _WORDS.findall(unicodedata.normalize("NFC", text))
    ascii = any(char.isascii() and char.isalnum() for word in words for char in word)
    others = ascii or len(words) > 1
    return sum(_word_points(word, others) for word in words)


def _gbk_char_points(lead: int, trail: int) -> float:
    if trail < 0xA1:
        return IMPLAUSIBLE
    if 0xB0 <= lead <= 0xD7 or lead in (0xA1, 0xA3):
        return PLAUSIBLE
    if 0xD8 <= lead <= 0xF7:
        return HALF
    if 0xA2 <= lead <= 0xA9:
        return 0.0
    return IMPLAUSIBLE


def _ascii_letter(byte: int) -> bool:
    return 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A


def _pairs(data: bytes) -> Iterator[tuple[int, int, int]]:
    """Each two-byte GBK character of ``data``: where it starts, its lead and trail byte."""
    index = 0
    while index < len(data) - 1:
        lead = data[index]
        if lead < 0x80:
            index += 1
            continue
        yield index, lead, data[index + 1]
        index += 2


def gbk_points(data: bytes) -> float:
    """How much ``data`` (valid GBK, perhaps ending mid-character) looks like Chinese."""
    points = 0.0
    for index, lead, trail in _pairs(data):
        stuck = ((index > 0 and _ascii_letter(data[index - 1]))
                 or (index + 2 < len(data) and _ascii_letter(data[index + 2])))
        # A hanzi stuck to ASCII letters ("caf茅", which is café; "芯lice", аlice) is
        # no evidence of Chinese.
        points += 0.0 if stuck else _gbk_char_points(lead, trail)
    return points


def has_chinese(data: bytes) -> bool:
    """Whether ``data`` read as GBK holds a GB2312 hanzi or punctuation mark, not only strays."""
    return any(_gbk_char_points(lead, trail) > 0 for _, lead, trail in _pairs(data))


def valid(data: bytes, encoding: str, *, final: bool = True) -> bool:
    """Whether ``data`` is valid in ``encoding`` (with ``final`` false, it may end part-way)."""
    try:
        if final:
            data.decode(encoding)
        else:
            codecs.getincrementaldecoder(encoding)().decode(data, final)
    except UnicodeDecodeError:
        return False
    return True


def weigh(data: bytes, *, final: bool = True) -> float:
    """
    How far ``data``, valid in both UTF-8 and GBK, leans to GBK (positive) or
    UTF-8 (negative); 0 is no evidence either way.
    """
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(data, final)
    return gbk_points(data) - utf8_points(text)
