"""
A config file as the command line it stands for.

Every option of ``twistd chat`` is a key, under its long name (``max-per-ip
= 5``, ``port = ["tcp:6666"]``), read from the options themselves: a flag
takes true or false, an option that takes a value one string or number, and
a repeatable one (a list when nothing is given) a list.  The file becomes
``--max-per-ip 5 --port tcp:6666``, and the command line follows it, so an
option added later is a key with no code here, and every value passes the
same checks as if typed.  An option on the command line wins: the file's
value (all of a list) is left out.

Each key's words are first parsed alone, so that a bad value names its key
even where the option's own error does not; what the options' checks refuse
after (``postOptions``) names its option, which :meth:`FileArguments.blame`
turns into the file's key.
"""

from __future__ import annotations

import datetime
import difflib
import getopt
import json
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from twisted.python import usage

from twisted_chat.config.reading import ConfigError, read

#: Options that are no keys of a file: which file to read, and what only prints.
NOT_KEYS = frozenset({"config", "help", "version"})

#: Twisted's words before a coercion's own error, which say nothing more.
COERCION = "Parameter type enforcement failed: "

#: An error that starts by naming its option: ``--max-per-ip must not be negative``.
_NAMED = re.compile(r"--([a-z0-9][a-z0-9-]*)(?::\s*|\s+|$)")


class Kind(Enum):
    """What a key takes, as its option does."""

    FLAG = "true or false"
    VALUE = "a string or a number"
    LIST = "a list of strings"


def kinds(options: usage.Options) -> dict[str, Kind]:
    """Every option a file may set, by its long name, and what it takes."""
    found: dict[str, Kind] = {}
    for long in options.longOpt:
        name = long.removesuffix("=")
        if name in NOT_KEYS or options.synonyms.get(name, name) != name:
            continue
        if not long.endswith("="):
            found[name] = Kind.FLAG
        elif isinstance(options.opts.get(name), list):
            found[name] = Kind.LIST
        else:
            found[name] = Kind.VALUE
    return found


def command_line(options: usage.Options, argv: list[str]) -> dict[str, list[str]]:
    """
    The options ``argv`` gives, by long name, with their values: read as
    ``parseOptions`` reads them (None if it would refuse them, as it will).
    """
    try:
        pairs, _ = getopt.getopt(argv, options.shortOpt, options.longOpt)
    except getopt.GetoptError:
        return {}
    given: dict[str, list[str]] = {}
    for opt, value in pairs:
        typed = opt[2:] if opt.startswith("--") else opt[1:]
        name = options.synonyms.get(typed) or options.synonyms.get(typed.replace("-", "_"))
        if name is not None:
            given.setdefault(name, []).append(value)
    return given


@dataclass
class FileArguments:
    """
    A config file's words for the options the command line leaves to it,
    and the whole command line they make with it.
    """

    path: str
    #: Per key, its words: ``["--port", "tcp:6666", "--port", "tcp:6667"]``.
    words: dict[str, list[str]]
    #: The options the command line gave itself.
    typed: frozenset[str]
    #: Per key, each value's word and how the file wrote it (``'five'``: ``"five"``).
    written: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def argv(self) -> list[str]:
        """The file's words, then the command line's (which win)."""
        return [word for words in self.words.values() for word in words]

    def line(self, key: str, problem: str) -> str:
        """A key's problem in one line: the file, the key, and values as the file wrote them."""
        for word, written in self.written.get(key, {}).items():
            problem = problem.replace(repr(word), written).replace(f"'{word}'", written)
        return f"{self.path}: {key}: {problem}"

    def blame(self, message: str) -> str:
        """
        The options' own error, in the file's words if it names a key the
        file set; the file's name first if it names no option the command
        line gave (the file had its part in it).
        """
        message = message.removeprefix(COERCION)
        named = _NAMED.match(message)
        if named is not None and named.group(1) in self.words:
            return self.line(named.group(1), message[named.end():])
        if named is not None and named.group(1) in self.typed:
            return message
        return f"{self.path}: {message}"


def from_file(options: usage.Options, argv: list[str]) -> tuple[list[str], FileArguments | None]:
    """
    The command line ``argv`` stands for, with ``--config FILE``'s options
    before it, and what they came from (None without ``--config``).
    ConfigError for a file that cannot be read, an unknown key, a value of
    the wrong type or one its option refuses.
    """
    given = command_line(options, argv)
    paths = given.get("config")
    if not paths:
        return argv, None
    path = paths[-1]
    table = read(path)
    takes = kinds(options)
    source = FileArguments(path, {}, frozenset(given))
    for key, value in table.items():
        if key == "config":
            raise ConfigError(f"{path}: config: a config file cannot name another")
        kind = takes.get(key)
        if kind is None:
            near = difflib.get_close_matches(key, takes, n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise ConfigError(f"{path}: {key}: not an option of twistd chat{hint}")
        words, written = _words(path, key, kind, value)
        if key in given:
            continue  # the command line's wins
        source.words[key], source.written[key] = words, written
        _check(options, source, key)
    return source.argv + argv, source


def _words(path: str, key: str, kind: Kind, value: Any) -> tuple[list[str], dict[str, str]]:
    """A key's value as its option's words on a command line; ConfigError for the wrong type."""
    def wrong(what: str) -> ConfigError:
        return ConfigError(f"{path}: {key}: takes {kind.value}, not {what}")

    if kind is Kind.FLAG:
        if not isinstance(value, bool):
            raise wrong(_what(value))
        return ([f"--{key}"] if value else []), {}
    values = value if kind is Kind.LIST and isinstance(value, list) else [value]
    if kind is Kind.VALUE and isinstance(value, list):
        raise wrong("a list")
    words: list[str] = []
    written: dict[str, str] = {}
    for one in values:
        if isinstance(one, bool) or not isinstance(one, str | int | float):
            raise wrong(f"a list holding {_what(one)}" if values is value else _what(one))
        word = one if isinstance(one, str) else repr(one)
        words += [f"--{key}", word]
        written[word] = json.dumps(one, ensure_ascii=False)
    return words, written


def _what(value: Any) -> str:
    """A TOML value's kind, in words."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime.date | datetime.time):
        return "a date or a time"
    return type(value).__name__


def _check(options: usage.Options, source: FileArguments, key: str) -> None:
    """A key's words parsed alone, by fresh options of the same kind, without the final checks."""
    alone = type(options)()
    alone.postOptions = lambda: None  # type: ignore[method-assign]
    try:
        usage.Options.parseOptions(alone, source.words[key])
    except (usage.UsageError, ValueError) as error:
        message = str(error).removeprefix(COERCION)
        named = _NAMED.match(message)
        if named is not None and named.group(1) == key:
            message = message[named.end():]
        raise ConfigError(source.line(key, message)) from None
