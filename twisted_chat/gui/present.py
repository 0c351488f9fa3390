"""
How an event looks in the chat window's log, without a display.

Each event becomes rows: a time stamp, a style (which the window maps to a
colour and font), the marker (the sender's part of a chat line, or the
``***``/``=``/``!`` of the text format) and the text.  The wording is the text
format's (:func:`twisted_chat.core.formats.text_lines`) in the user's language,
so a telnet user and a window user read the same words; only the styling is the window's own: an
operator's act against the user (a kick, ban, mute or disconnect) is styled
apart from the same act against someone else, so that it is not missed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twisted_chat.core import events
from twisted_chat.core.formats import marker, past_line, stamp, text_lines
from twisted_chat.i18n.languages import ENGLISH, Language

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
    "moderation": "moderation",
    "wall": "wall",
    "bans": "listing",
    "audit": "listing",
    "ignoring": "listing",
    "room-settings": "listing",
}

#: The acts against someone: the one they are against reads them set apart.
SANCTIONS = frozenset({"kick", "ban", "mute", "disconnect"})


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


def rows(event: events.Event, me: str, now: float, language: Language = ENGLISH) -> list[Row]:
    """The rows that show ``event`` to the user called ``me``, in ``language``."""
    if isinstance(event, events.History) and event.lines:
        return _history(event, me, now, language)
    style = _style(event, me)
    sender = getattr(event, "sender", None)
    own = sender is not None and _same(sender, me)
    mention = (not own and isinstance(event, (events.Message, events.Emote))
               and _says(event.text, me))
    when = stamp(event.time, now)
    result = []
    for line in text_lines(event, language):
        start = marker(event, line)
        if not line.startswith(start):
            start = ""
        result.append(Row(when, style, start, line[len(start):].removeprefix(" "),
                          mention, own))
    return result


def _style(event: events.Event, me: str) -> str:
    """
    The kind's style; but a listing's answer that is a change (a topic set,
    someone ignored) is a notice, and an act against ``me`` a sanction.
    """
    if isinstance(event, events.Moderation) and _against(event, me):
        return "sanction"
    changed = (isinstance(event, events.Topic) and bool(event.setter)) or \
        (isinstance(event, events.Ignoring) and event.changed is not None)
    return "notice" if changed else STYLES.get(event.kind, "listing")


def _against(event: events.Moderation, me: str) -> bool:
    """Whether ``event`` is an act against ``me``: a kick, ban, mute or disconnect."""
    if any(_same(name, me) for name in event.removed):
        return True
    return event.action in SANCTIONS and event.target is not None and _same(event.target, me)


def _same(one: str, other: str) -> bool:
    return one.casefold() == other.casefold()


def _says(text: str, name: str) -> bool:
    """Whether ``text`` holds ``name`` as a word of its own, in any case."""
    if not name:
        return False
    pattern = r"(?<!\w)" + re.escape(name.casefold()) + r"(?!\w)"
    return re.search(pattern, text.casefold()) is not None


def _history(event: events.History, me: str, now: float, language: Language) -> list[Row]:
    """A title, then each past line at the time it was said, marked as history."""
    [title, *_] = text_lines(event, language)
    result = [Row(stamp(event.time, now), "listing", "=", title.removeprefix("= "))]
    for line in event.lines:
        said = past_line(line)
        start = said.split(" ", 1)[0] if line.kind == "chat" else f"* {line.sender}"
        result.append(Row(stamp(line.time, now), "history", start,
                          said[len(start):].removeprefix(" "), own=_same(line.sender, me)))
    return result
