"""
How an event looks in the chat window's log, without a display.

Each event becomes rows: a time stamp, a style (which the window maps to a
colour and font), the marker (the sender's part of a chat line, or the
``***``/``=``/``!`` of the text format) and the text.  The wording is the text
format's (:func:`twisted_chat.core.formats.text_lines`), so a telnet user and a
window user read the same words; only the styling is the window's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twisted_chat.core import events
from twisted_chat.core.formats import marker, past_line, stamp, text_lines

#: The style of each kind of event; the rest are listings (look, who, help, ...).
STYLES = {
    "chat": "chat",
    "emote": "emote",
    "private": "private",
    "error": "error",
    "notice": "notice",
    "presence": "presence",
    "login": "notice",
    "renamed": "notice",
    "owner": "notice",
    "goodbye": "notice",
    "history": "listing",
}


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the log."""

    stamp: str
    style: str
    marker: str
    text: str
    #: Someone else's line that says your name: worth a highlight.
    mention: bool = False
    #: Your own chat line, emote or private message.
    own: bool = False


def rows(event: events.Event, me: str, now: float) -> list[Row]:
    """The rows that show ``event`` to the user called ``me``."""
    if isinstance(event, events.History) and event.lines:
        return _history(event, me, now)
    style = STYLES.get(event.kind, "listing")
    if isinstance(event, events.Topic) and event.setter:
        style = "notice"
    sender = getattr(event, "sender", None)
    own = sender is not None and _same(sender, me)
    mention = (not own and isinstance(event, (events.Message, events.Emote))
               and _says(event.text, me))
    when = stamp(event.time, now)
    result = []
    for line in text_lines(event):
        start = marker(event, line)
        if not line.startswith(start):
            start = ""
        result.append(Row(when, style, start, line[len(start):].removeprefix(" "),
                          mention, own))
    return result


def _same(one: str, other: str) -> bool:
    return one.casefold() == other.casefold()


def _says(text: str, name: str) -> bool:
    """Whether ``text`` holds ``name`` as a word of its own, in any case."""
    if not name:
        return False
    pattern = r"(?<!\w)" + re.escape(name.casefold()) + r"(?!\w)"
    return re.search(pattern, text.casefold()) is not None


def _history(event: events.History, me: str, now: float) -> list[Row]:
    """A title, then each past line at the time it was said, marked as history."""
    [title, *_] = text_lines(event)
    result = [Row(stamp(event.time, now), "listing", "=", title.removeprefix("= "))]
    for line in event.lines:
        said = past_line(line)
        start = said.split(" ", 1)[0] if line.kind == "chat" else f"* {line.sender}"
        result.append(Row(stamp(line.time, now), "history", start,
                          said[len(start):].removeprefix(" "), own=_same(line.sender, me)))
    return result
