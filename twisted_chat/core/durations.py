"""
Spans of time for people, in the two ways the server words them.

A wait or a limit that an error names ("Try again in 5 minutes.") is rounded
up to a whole second, so it is never shorter than the real one and never reads
as nothing.  A span the server reports (``whois``: connected, idle) is rounded
down and cut to its two largest units, so a line stays short.  Both readings
come from one split into units, so they cannot disagree about the arithmetic.
"""

from __future__ import annotations

import math

from twisted_chat.i18n import N_, NP_
from twisted_chat.i18n.languages import ENGLISH, Language

#: The units, largest first: short name, long name, length in seconds.
_UNITS = (("d", "day", 86400), ("h", "hour", 3600), ("m", "minute", 60), ("s", "second", 1))

#: How each unit reads, short (``3m``) and long (``1 minute``, ``5 minutes``).
_SHORT = {"d": N_("{count}d"), "h": N_("{count}h"), "m": N_("{count}m"), "s": N_("{count}s")}
_LONG = {"minute": NP_("{count} minute", "{count} minutes"),
         "second": NP_("{count} second", "{count} seconds")}

#: The units a long reading uses: today's sentences say "60 minutes", not "1 hour".
_LONG_UNITS = _UNITS[2:]


def _split(seconds: int, units: tuple[tuple[str, str, int], ...]) -> list[tuple[int, str, str]]:
    """``seconds`` as a count of each unit (the first takes all it can): count, short, long."""
    parts = []
    for short, long, size in units:
        count, seconds = divmod(seconds, size)
        parts.append((count, short, long))
    return parts


def duration(seconds: float, *, short: bool = False, language: Language = ENGLISH) -> str:
    """
    ``seconds`` for people.

    Long (the default, for errors): ``1 second``, ``90 seconds``, ``5 minutes``,
    in minutes only when they are whole, and at least ``1 second``.  Short (for
    listings): ``45s``, ``3m 20s``, ``2h 5m``, ``3d 4h``, and ``0s`` for none.
    """
    if short:
        parts = _split(int(max(seconds, 0)), _UNITS)
        while len(parts) > 1 and parts[0][0] == 0:
            parts.pop(0)
        return " ".join(language.format(_SHORT[name], count=count)
                        for count, name, _ in parts[:2])
    whole = max(1, math.ceil(seconds))
    (minutes, _, minute), (rest, _, second) = _split(whole, _LONG_UNITS)
    count, name = (minutes, minute) if rest == 0 else (whole, second)
    return language.plural(*_LONG[name], count)


def span(seconds: float, *, language: Language = ENGLISH) -> str:
    """
    A ban's or mute's time left: ``9m 18s``, ``2h``, ``3d 4h``, rounded up to
    a second (never less than is left), with no empty unit (``10m``, not ``10m 0s``).
    """
    parts = _split(max(1, math.ceil(seconds)), _UNITS)
    first = next(index for index, (count, _, _) in enumerate(parts) if count)
    # The two largest units from the first that is not empty, as listings show them.
    return " ".join(language.format(_SHORT[name], count=count)
                    for count, name, _ in parts[first:first + 2] if count)


#: The longest span a ban or mute may be given: a year (longer: give none, and it lasts).
LONGEST = 365 * 86400

_SIZES = {short: size for short, _, size in _UNITS}


def parse(text: str) -> float | None:
    """
    ``30s``, ``10m``, ``2h``, ``7d`` (and ``1h30m``) in seconds; None for
    anything else, so a caller can read the word as the start of a reason.
    """
    word = text.strip().lower()
    if not word or not word.isascii():
        return None
    total, number = 0, ""
    for char in word:
        if char.isdigit():
            number += char
        elif char in _SIZES and number and len(number) <= 6:
            total += int(number) * _SIZES[char]
            number = ""
        else:
            return None
    if number or not 0 < total <= LONGEST:
        return None
    return float(total)
