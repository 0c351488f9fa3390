"""
The character encodings a connection may use, and recognising GBK.

Every client reads and writes in its own encoding; text inside the server is
always ``str``.  Only encodings that keep ASCII as ASCII are offered: line
ends, command words and telnet bytes must mean the same in all of them.

Windows telnet on a Chinese code page sends GBK.  How a connection that
never chose is told to be one is :mod:`twisted_chat.session.reading`'s
business, on the evidence :mod:`twisted_chat.core.evidence` weighs.
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

def lookup(name: str) -> str | None:
    """The offered encoding ``name`` means (any alias Python knows), or None."""
    try:
        codec = codecs.lookup(name.strip())
    except LookupError:
        return None
    return _BY_CODEC.get(codec.name)
