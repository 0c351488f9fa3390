"""
Whether the server is ready to serve: it listens, the store answers, and in
a cluster Redis answers.  ``/readyz`` says so (:mod:`~twisted_chat.metrics.resource`).

Each question is a real one, asked through the seam (``IStore.ping``,
``RedisLink.ping``), with a deadline: a store that hangs is as unready as
one that refuses.  One question at a time each: a scraper asking every
second of a long hang shares the one question out rather than piling up
more behind it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import (
    Deferred,
    TimeoutError,
    gatherResults,
    maybeDeferred,
    succeed,
)
from twisted.python.failure import Failure

if TYPE_CHECKING:
    from twisted.internet.interfaces import IReactorTime

    from twisted_chat.cluster.link import RedisLink
    from twisted_chat.interfaces import IStore
    from twisted_chat.session.sessions import Sessions

#: Seconds the store and Redis have to answer before they count as not ready.
TIMEOUT = 3.0
#: The most of a refusal's words a not-ready line quotes.
MAX_REASON = 160


def reason(failure: Failure) -> str:
    """Why a question failed, in one short line."""
    text = " ".join(failure.getErrorMessage().split()) or getattr(failure.type, "__name__", "?")
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 3] + "..."


class Probe:
    """
    ``ask()`` something that may refuse or hang; :meth:`check` is None once
    it answers, else a line saying why not, ``what`` first.
    """

    def __init__(self, what: str, ask: Callable[[], Deferred[Any]], clock: IReactorTime,
                 timeout: float = TIMEOUT) -> None:
        self.what = what
        self.ask = ask
        self.clock = clock
        self.timeout = timeout
        self._waiting: list[Deferred[str | None]] = []
        #: A question not answered yet, past its time or not: no second one is
        #: queued behind it (a hung store would collect one a scrape).
        self._unanswered = False

    def check(self) -> Deferred[str | None]:
        waiter: Deferred[str | None] = Deferred()
        self._waiting.append(waiter)
        if len(self._waiting) > 1:
            return waiter
        if self._unanswered:
            self._answer(f"{self.what}: no answer yet to the last question")
            return waiter
        self._unanswered = True
        answered: Deferred[Any] = Deferred()
        maybeDeferred(self.ask).addBoth(self._returned, answered)
        answered.addTimeout(self.timeout, self.clock)
        answered.addCallbacks(lambda _: None, self._why).addCallback(self._answer)
        return waiter

    def _returned(self, result: object, answered: Deferred[Any]) -> None:
        self._unanswered = False
        if answered.called:
            return  # Past its time: the scrape was answered already.
        if isinstance(result, Failure):
            answered.errback(result)
        else:
            answered.callback(result)

    def _why(self, failure: Failure) -> str:
        if failure.check(TimeoutError):
            return f"{self.what}: no answer in {self.timeout:g} s"
        return f"{self.what}: {reason(failure)}"

    def _answer(self, problem: str | None) -> None:
        waiting, self._waiting = self._waiting, []
        for waiter in waiting:
            waiter.callback(problem)


class Health:
    """
    Readiness: ``listening`` are the factories the chat's listeners serve
    (a factory counts the ports it is started on), the ``store`` and the
    Redis ``link`` (None: a server alone) are asked.
    """

    def __init__(self, sessions: Sessions, store: IStore, clock: IReactorTime,
                 listening: Iterable[Any], link: RedisLink | None = None,
                 timeout: float = TIMEOUT) -> None:
        self.sessions = sessions
        self.listening = Counter(listening)
        self.store = Probe("store", store.ping, clock, timeout)
        self.link = link
        self.redis = None if link is None else Probe("redis", link.ping, clock, timeout)

    def problems(self) -> Deferred[list[str]]:
        """Fires with what is not ready, in a few words each (nothing: ready)."""
        checks = [self.store.check()]
        if self.redis is not None:
            checks.append(self._redis())
        found = [problem for problem in (self._listening(),) if problem]
        asked: Deferred[list[str | None]] = gatherResults(checks)
        return asked.addCallback(
            lambda answers: found + [problem for problem in answers if problem])

    def _listening(self) -> str | None:
        if self.sessions.chat.stopping:
            return "shutting down"
        for factory, listeners in self.listening.items():
            if factory.numPorts < listeners:
                return "not listening"
        return None

    def _redis(self) -> Deferred[str | None]:
        assert self.link is not None and self.redis is not None
        if not self.link.connected:
            return succeed("redis: not connected")
        return self.redis.check()
