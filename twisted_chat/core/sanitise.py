"""
Make user text safe to put on someone else's terminal.

Every piece of text a user supplies (chat, emotes, private messages, topics,
quit messages) passes through :func:`clean` once, on the way in, so events
only ever carry safe text and no format has to think about it again.

- C0 controls and DEL become caret notation (ESC shows as ``^[``): visible,
  so nobody can clear a screen, move a cursor or forge a line, and the reader
  sees that something was there.
- C1 controls become U+FFFD: several terminals act on them as on ESC.
- Tabs become a space; Unicode line and paragraph separators become a space.
- Bidirectional embeddings, overrides and isolates are dropped: they make
  text read differently from what it is.
- Invisible format characters with no use in chat are dropped: zero-width
  space, word joiner and the invisible operators, the deprecated format
  controls, the byte order mark, interlinear annotation marks, and tag
  characters outside an emoji flag sequence.  The zero-width joiner and
  non-joiner stay: emoji sequences and several scripts need them.
"""

from __future__ import annotations

import re

_TABLE: dict[int, str | None] = {}
for _code in range(0x20):
    _TABLE[_code] = "^" + chr(_code + 0x40)
_TABLE[0x7F] = "^?"
for _code in range(0x80, 0xA0):
    _TABLE[_code] = "\ufffd"
_TABLE[0x09] = " "
_TABLE[0x2028] = " "
_TABLE[0x2029] = " "
for _code in (0x061C, 0x200B, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2060, 0x2070),
              0xFEFF, *range(0xFFF9, 0xFFFC)):
    _TABLE[_code] = None
del _code

#: Tag characters are only ever seen in a subdivision flag (black flag, tags,
#: cancel tag: England's flag); anywhere else they hide text from the reader.
_TAGS = re.compile("(\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F)|[\U000E0000-\U000E007F]")


def _keep_flag(match: re.Match[str]) -> str:
    return match.group(1) or ""


def clean(text: str) -> str:
    """Return ``text`` with every control and direction override neutralised."""
    text = text.translate(_TABLE)
    if text.isascii() or max(text) < "\U000e0000":
        return text
    return _TAGS.sub(_keep_flag, text)
