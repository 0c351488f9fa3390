"""
Registered names: who has one, and checking passwords slowly enough to stop guessing.

Passwords are hashed with Argon2id (argon2-cffi) on a thread pool of their own,
never on the reactor's thread, and only the hash is stored.  A wrong password
makes the next try at that name wait (1 s, then 2, 4, ... up to a minute),
however many connections the guesser uses; the right one clears the count.
The set of registered names is kept in memory, so that "is this name
registered?" never waits for the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater

from twisted_chat import errors
from twisted_chat.store import IStore

SHORTEST = 6
LONGEST = 128
#: The longest a guesser waits between tries at one name, in seconds.
MAX_DELAY = 60.0

#: OWASP's first choice for Argon2id (19 MiB, 2 passes): about 30 ms here, and
#: 19 MiB a hash at most twice at once, so a small machine keeps its memory.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def check_password(password: str) -> str:
    if not SHORTEST <= len(password) <= LONGEST or any(c.isspace() for c in password):
        raise errors.BadPassword(SHORTEST, LONGEST)
    return password


class Accounts:
    """
    ``inThread(f, *args)`` runs ``f`` off the reactor's thread and returns a
    Deferred (``deferToThreadPool`` in the server); ``clock`` times the delays.
    """

    def __init__(self, store: IStore, registered: Iterable[str], *,
                 inThread: Callable[..., Deferred[Any]], clock: IReactorTime,
                 hasher: PasswordHasher = HASHER) -> None:
        self.store = store
        self._registered = set(registered)
        self._inThread = inThread
        self._clock = clock
        self._hasher = hasher
        #: Name key -> (wrong passwords in a row, time before which no try is checked).
        self._failures: dict[str, tuple[int, float]] = {}

    def registered(self, key: str) -> bool:
        return key in self._registered

    def verify(self, key: str, password: str) -> Deferred[bool]:
        """Whether ``password`` is the one registered for the name ``key``."""
        _, notBefore = self._failures.get(key, (0, 0.0))
        wait = notBefore - self._clock.seconds()
        ready: Deferred[None] = deferLater(self._clock, wait) if wait > 0 else succeed(None)
        checked = ready.addCallback(lambda _: self.store.account(key))
        checked.addCallback(self._check, password)
        return checked.addCallback(self._counted, key)

    def _check(self, account: Any, password: str) -> Deferred[bool] | bool:
        if account is None:
            return False
        return self._inThread(self._matches, account.hash, password)

    def _matches(self, hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _counted(self, right: bool, key: str) -> Deferred[bool] | bool:
        if right:
            self._failures.pop(key, None)
            return True
        failures = self._failures.get(key, (0, 0.0))[0] + 1
        delay = min(2.0 ** (failures - 1), MAX_DELAY)
        self._failures[key] = (failures, self._clock.seconds() + delay)
        # The wrong answer itself comes late, so a guesser learns nothing sooner.
        return deferLater(self._clock, delay, lambda: False)

    def register(self, key: str, name: str, password: str) -> Deferred[None]:
        """Register ``name``: from now on logging in as it takes ``password``."""
        check_password(password)
        if key in self._registered:
            raise errors.AlreadyRegistered(name)
        self._registered.add(key)
        saved = self._save(key, name, password)
        saved.addErrback(self._unregister, key)
        return saved

    def _unregister(self, failure: Any, key: str) -> Any:
        self._registered.discard(key)
        return failure

    def change(self, key: str, name: str, old: str, new: str) -> Deferred[bool]:
        """Change the password, if ``old`` is right; fires with whether it was."""
        check_password(new)

        def ifRight(right: bool) -> Deferred[bool] | bool:
            if not right:
                return False
            return self._save(key, name, new).addCallback(lambda _: True)

        return self.verify(key, old).addCallback(ifRight)

    def _save(self, key: str, name: str, password: str) -> Deferred[None]:
        hashed = self._inThread(self._hasher.hash, password)
        return hashed.addCallback(lambda hash: self.store.saveAccount(key, name, hash))
