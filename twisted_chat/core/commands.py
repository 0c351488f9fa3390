"""
Turning a line into a command and its arguments.

A command is a method on a state, marked with :func:`command` and a usage
string such as ``msg NAME TEXT...``.  The usage is the whole grammar: each
upper-case word takes one word of the line, ``TEXT...`` takes the rest of
the line, and brackets make a parameter optional.  So the usage shown by
``help`` is the same thing the parser enforces, and a bare ``join games``
counts as a command only because it has exactly the shape ``join ROOM``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from twisted_chat.core.events import CommandHelp

Method = TypeVar("Method", bound=Callable[..., Any])

#: The words of the book and the multi-room tutorials, which work without a slash.
BOOK_WORDS = frozenset(
    {"login", "logout", "say", "look", "who", "list", "create", "select", "join", "h", "help",
     "quit"}
)


#: The commands that take a password: a line that starts with one of these
#: words is never chat, whatever its shape, so a password typed without its
#: slash is never shown to a room, stored or logged.
SECRET_WORDS = frozenset({"login", "register", "password"})


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    optional: bool
    rest: bool


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    usage: str
    aliases: tuple[str, ...]
    method: str
    params: tuple[Param, ...]
    summary: str
    details: str

    def bind(self, rest: str) -> tuple[str, ...] | None:
        """The arguments ``rest`` gives this command, or None if it has another shape."""
        args: list[str] = []
        for param in self.params:
            if param.rest:
                if rest:
                    args.append(rest)
                    rest = ""
                elif not param.optional:
                    return None
                break
            word, rest = split(rest)
            if not word:
                if param.optional:
                    break
                return None
            args.append(word)
        return None if rest else tuple(args)

    def help(self) -> CommandHelp:
        return CommandHelp(self.name, self.usage, self.summary, self.aliases, self.details)


def split(line: str) -> tuple[str, str]:
    """The first word of ``line`` and the rest, both stripped."""
    parts = line.split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def _param(word: str) -> Param:
    optional = word.startswith("[") and word.endswith("]")
    word = word.strip("[]")
    return Param(word.removesuffix("..."), optional, word.endswith("..."))


def command(usage: str, *aliases: str) -> Callable[[Method], Method]:
    """Mark a state's method as the command ``usage`` describes."""

    def mark(method: Method) -> Method:
        method.command_spec = (usage, aliases)  # type: ignore[attr-defined]
        return method

    return mark


def commands_of(cls: type) -> dict[str, Command]:
    """Every command a class offers, under its name and each alias."""
    table: dict[str, Command] = {}
    for attribute in dir(cls):
        if attribute.startswith("__"):
            continue  # Python's and zope.interface's, never a command.
        spec = getattr(getattr(cls, attribute), "command_spec", None)
        if spec is None:
            continue
        usage, aliases = spec
        name, *words = usage.split()
        doc = (getattr(cls, attribute).__doc__ or "").strip()
        summary, _, details = doc.partition("\n")
        found = Command(name, usage, aliases, attribute, tuple(_param(w) for w in words),
                        summary.strip(), _dedent(details))
        for word in (name, *aliases):
            table[word] = found
    return table


def _dedent(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip().splitlines())
