"""
The character encodings a connection may use, and recognising GBK.

Every client reads and writes in its own encoding; text inside the server is
always ``str``.  Only encodings that keep ASCII as ASCII are offered: line
ends, command words and telnet bytes must mean the same in all of them.

Windows telnet on a Chinese code page sends GBK.  A line that is not valid
UTF-8 but is valid GBK (or its superset GB18030) is taken as a sign of that:
:func:`guess` names the encoding, and the connection switches to it.
"""

from __future__ import annotations

import codecs

DEFAULT = "utf-8"

#: The encodings offered, by the name the server shows, with what they are for.
ENCODINGS: dict[str, str] = {
    "utf-8": "Unicode; every modern system",
    "gbk": "Simplified Chinese (Windows code page 936)",
    "gb18030": "Chinese, all of Unicode",
    "big5": "Traditional Chinese",
    "shift_jis": "Japanese (Windows)",
    "euc-jp": "Japanese (Unix)",
    "euc-kr": "Korean",
    "latin-1": "Western European (ISO 8859-1)",
    "cp1252": "Western European (Windows)",
    "cp1251": "Cyrillic (Windows)",
    "koi8-r": "Russian (Unix)",
}

_BY_CODEC = {codecs.lookup(name).name: name for name in ENCODINGS}

#: Tried in order when a line is not valid in the connection's encoding.
_GUESSES = ("gbk", "gb18030")


def lookup(name: str) -> str | None:
    """The offered encoding ``name`` means (any alias Python knows), or None."""
    try:
        codec = codecs.lookup(name.strip())
    except LookupError:
        return None
    return _BY_CODEC.get(codec.name)


def guess(data: bytes, *, final: bool = True) -> str | None:
    """
    The Chinese encoding ``data`` is valid in, or None.

    With ``final`` false, ``data`` may end part-way through a character (a
    line still being typed).
    """
    for name in _GUESSES:
        try:
            codecs.getincrementaldecoder(name)().decode(data, final)
        except UnicodeDecodeError:
            continue
        return name
    return None
