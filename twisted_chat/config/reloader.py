"""
``SIGHUP`` and ``/reload``: the config file read again, under the same
command line, and what changed put in force.

Everything is read before anything is applied: a file that does not read,
a value its option refuses, a TLS certificate that does not load, and
nothing changes; the log and the operator are told why, in one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from twisted.logger import Logger
from twisted.python import usage
from zope.interface import implementer

from twisted_chat.config.arguments import kinds
from twisted_chat.config.changes import READ_FROM, changes, summary
from twisted_chat.config.live import APPLY, Running, apply
from twisted_chat.core import errors, events
from twisted_chat.interfaces import IReloader
from twisted_chat.listeners import ListenerError, Listeners

if TYPE_CHECKING:
    from twisted_chat.tap import Options

_log = Logger()


@implementer(IReloader)
class Reloader:
    """Reads ``options``' file again, as ``options`` were read, and applies what changed."""

    def __init__(self, options: Options, running: Running,
                 listeners: Listeners | None = None) -> None:
        #: The file (None: the server was started without --config).
        self.path: str | None = options["config"]
        self.argv: list[str] = options.argv
        self.make = type(options)
        #: The options compared, in the order a reload words their changes.
        self.keys = sorted(kinds(options))
        #: The options in force: those read at start, and the changes applied since.
        self.options: dict[str, Any] = dict(options)
        self.running = running
        self.listeners = listeners

    def reload(self, by: str) -> events.Notice:
        if self.path is None:
            raise errors.NoConfigFile()
        try:
            new = self.make()
            new.parseOptions(self.argv)
            renewals = self.listeners.renewals() if self.listeners is not None else []
        except (usage.UsageError, ListenerError) as error:
            return self._refused(str(error), by)
        except Exception:
            _log.failure("Reading {path} again failed", path=self.path)
            return self._refused(f"{self.path}: it could not be read", by)
        changed = changes(self.options, new, self.keys)
        live = [change for change in changed if change.key in APPLY]
        restart = [change.key for change in changed if change.key not in APPLY]
        try:
            apply(self.running, live, new)
        except Exception:
            # A bug: what was applied before it stays; the rest waits for the next reload.
            _log.failure("Applying {path} failed part way", path=self.path)
            raise errors.NotReloaded(f"{self.path}: applying it failed part way, "
                                     "see the server's log") from None
        for change in live:
            self.options[change.key] = new.get(change.key)
            if change.key in READ_FROM:
                self.options[READ_FROM[change.key]] = new.get(READ_FROM[change.key])
        renewed = [f"{renewal.listener.option} certificate" for renewal in renewals
                   if renewal.changed]
        for renewal in renewals:
            renewal.apply()
        applied = [str(change) for change in live] + renewed
        told = summary(self.running.chat.clock(), self.path, applied, restart)
        # A change that waits for a restart is a warning: the file says what the server does not.
        (_log.warn if restart else _log.info)("{line} (by {by})", line=told.text, by=by)
        return told

    def _refused(self, problem: str, by: str) -> NoReturn:
        _log.error("Nothing was reloaded (by {by}): {problem}", by=by, problem=problem)
        raise errors.NotReloaded(problem)
