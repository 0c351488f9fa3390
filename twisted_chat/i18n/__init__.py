"""
The server's words in the user's language: English, Simplified and Traditional Chinese.

Every sentence the server writes is an English ``str.format`` template, its
msgid; ``gettext`` catalogs (``twisted_chat/locale``, kept with Babel) give
each language's.  A format renders an event in one language, so a broadcast
renders once per (format, language), never per recipient.  What users write
is never translated.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it: it is translated when rendered."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message's singular and plural for the catalogs, as one entry: see :func:`N_`."""
    return singular, plural
