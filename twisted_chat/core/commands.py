"""
Turning a line into a command and its arguments.

A command is a method on a state, marked with :func:`command` and a usage
string such as ``msg NAME TEXT...``.  The usage is the whole grammar: each
upper-case word takes one word of the line, ``TEXT...`` takes the rest of
the line, and brackets make a parameter optional.  So the usage shown by
``help`` is the same thing the parser enforces.

A line without a slash, in a room, is chat unless it could not be: one of
the book's words whose every argument passes that parameter's ``bare``
check (a setting's value, a command's name; ``say``'s text).  A parameter
without a check is never given bare, so ``quit joking around`` and
``create fun`` are chat, while ``format json`` and ``help look`` are commands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from twisted_chat.core.events import CommandHelp

Method = TypeVar("Method", bound=Callable[..., Any])

#: The words that work without a slash in a room (the book's, and the settings),
#: each only in the shapes its parameters' ``bare`` checks allow: :meth:`Command.bare`.
BOOK_WORDS = frozenset(
    {"say", "look", "who", "list", "logout", "quit", "h", "help",
     "format", "color", "colour", "encoding", "charset", "lang", "language"}
)

#: Command names that, after ``help`` without a slash, make a plea rather
#: than a question about the command: ``help me`` is chat, ``help /me`` is not.
PLEAS = frozenset({"me"})

#: The multi-room tutorials' words, which take a slash here: a line without one
#: that has their shape (``create fun``) is chat, and its sender is told so.
ROOM_WORDS = frozenset({"create", "select", "join"})


#: The commands that take a password: a line that starts with one of these
#: words is never chat, whatever its shape, so a password typed without its
#: slash is never shown to a room, stored or logged.
SECRET_WORDS = frozenset({"login", "register", "password"})


#: What an on-or-off setting takes (``color``, ``lock``, ``room invite-only``).
SWITCH = {"on": True, "off": False}

#: Whether a word (or, for ``TEXT...``, the rest of the line) may be given without a slash.
Check = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    optional: bool
    rest: bool
    #: What this parameter accepts in a line without a slash; None: nothing, so such a line is chat.
    bare: Check | None = None


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    usage: str
    aliases: tuple[str, ...]
    method: str
    params: tuple[Param, ...]
    summary: str
    details: str
    #: The rank it takes (twisted_chat.core.moderation.Rank; 0: anyone's): help lists
    #: it to those who hold that rank where they are.
    needs: int = 0

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

    def bare(self, rest: str) -> bool:
        """
        Whether ``rest``, after this command's word without a slash, makes the
        line this command rather than chat: it has the command's shape, and
        each argument passes its parameter's ``bare`` check.
        """
        args = self.bind(rest)
        if args is None:
            return False
        return all(param.bare is not None and param.bare(arg)
                   for param, arg in zip(self.params, args, strict=False))

    def help(self) -> CommandHelp:
        return CommandHelp(self.name, self.usage, self.summary, self.aliases, self.details)


def split(line: str) -> tuple[str, str]:
    """The first word of ``line`` and the rest, both stripped."""
    parts = line.split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def _param(word: str, bare: dict[str, Check]) -> Param:
    optional = word.startswith("[") and word.endswith("]")
    word = word.strip("[]")
    name = word.removesuffix("...")
    return Param(name, optional, word.endswith("..."), bare.get(name))


def command(usage: str, *aliases: str, bare: dict[str, Check] | None = None,
            needs: int = 0) -> Callable[[Method], Method]:
    """
    Mark a state's method as the command ``usage`` describes.

    ``bare`` maps a parameter's name to what it accepts in a line without a
    slash (see :meth:`Command.bare`); ``needs`` is the rank it takes.
    """

    def mark(method: Method) -> Method:
        method.command_spec = (usage, aliases, bare or {}, needs)  # type: ignore[attr-defined]
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
        usage, aliases, bare, needs = spec
        name, *words = usage.split()
        summary, details = help_texts(getattr(cls, attribute).__doc__)
        found = Command(name, usage, aliases, attribute, tuple(_param(w, bare) for w in words),
                        summary, details, needs)
        for word in (name, *aliases):
            table[word] = found
    return table


def help_texts(doc: str | None) -> tuple[str, str]:
    """
    A command method's docstring as its help: the first line, its summary,
    and the rest, each line stripped.  Both are msgids (the catalogs' extractor,
    :mod:`twisted_chat.i18n.extract`, reads docstrings the same way).
    """
    summary, _, details = (doc or "").strip().partition("\n")
    return summary.strip(), "\n".join(line.strip() for line in details.strip().splitlines())
