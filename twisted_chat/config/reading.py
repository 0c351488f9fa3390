"""
A config file read into a table of keys and values, or one line saying why not.

TOML, read by the standard library's ``tomllib``; the line says which file,
and for a syntax error where in it (``chat.toml: line 3, column 7: ...``).
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

#: Where tomllib says a syntax error is, at the end of its message.
_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


class ConfigError(Exception):
    """A config file that cannot be used: its str is the one line that says why."""


def read(path: str) -> dict[str, Any]:
    """The top-level table of the TOML file at ``path``; ConfigError if it cannot be read."""
    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read it: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {_located(str(error))}") from None


def _located(message: str) -> str:
    """tomllib's "... (at line 3, column 7)" as "line 3, column 7: ..."."""
    found = _WHERE.search(message)
    if found is None:
        return message
    return f"line {found.group(1)}, column {found.group(2)}: {message[:found.start()]}"
