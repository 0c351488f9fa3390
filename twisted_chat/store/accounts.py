"""
Registered names: who has one, and checking passwords slowly enough to stop guessing.

Passwords are hashed with Argon2id (argon2-cffi) on a thread pool of their own,
never on the reactor's thread, and only the hash is stored.  How fast they
may be guessed, per name and per address, is :mod:`twisted_chat.core.guessing`'s;
the addresses each name has logged in from (the last :data:`KNOWN_ADDRESSES`)
are kept here and in the store, so that the owner is let in past a guesser.
The set of registered names is kept in memory, so that "is this name
registered?" never waits for the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater
from zope.interface import implementer

from twisted_chat.core import errors, names
from twisted_chat.core.guessing import Guesses
from twisted_chat.interfaces import IAccounts, IStore

SHORTEST = 6
LONGEST = 128
#: Addresses remembered for each name: those it logged in from last.
KNOWN_ADDRESSES = 16

#: OWASP's first choice for Argon2id (19 MiB, 2 passes): about 30 ms here, and
#: 19 MiB a hash at most twice at once, so a small machine keeps its memory.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def check_password(password: str) -> str:
    if not SHORTEST <= len(password) <= LONGEST or any(c.isspace() for c in password):
        raise errors.BadPassword(SHORTEST, LONGEST)
    return password


@implementer(IAccounts)
class Accounts:
    """
    ``in_thread(f, *args)`` runs ``f`` off the reactor's thread and returns a
    Deferred (``deferToThreadPool`` in the server); ``clock`` times the delays.
    """

    def __init__(self, store: IStore, registered: Mapping[str, str] | Iterable[str], *,
                 in_thread: Callable[..., Deferred[Any]], clock: IReactorTime,
                 hasher: PasswordHasher = HASHER,
                 known: Mapping[str, Iterable[str]] | None = None) -> None:
        """
        ``registered``: the registered names' keys, or each name as shown by
        its key; ``known``: for each name, the addresses it logged in from.
        """
        self.store = store
        shown = dict(registered) if isinstance(registered, Mapping) else {
            key: key for key in registered}
        self._registered = set(shown)
        #: Each form a registered name looks like (names.lookalikes), and its key.
        self._forms: dict[str, str] = {}
        for key, name in shown.items():
            self._add_forms(key, name)
        self._in_thread = in_thread
        self._clock = clock
        self._hasher = hasher
        self.guesses = Guesses(clock.seconds)
        #: Name key -> the addresses it logged in from, oldest first.
        self._known: dict[str, list[str]] = {key: list(addresses)[-KNOWN_ADDRESSES:]
                                             for key, addresses in (known or {}).items()}

    def registered(self, key: str) -> bool:
        return key in self._registered

    def lookalike(self, name: str) -> str | None:
        """The registered name (its key) that ``name`` looks like, if it is not one itself."""
        if names.key(name) in self._registered:
            return None
        for form in names.lookalikes(name):
            if form in self._forms:
                return self._forms[form]
        return None

    def _add_forms(self, key: str, name: str) -> None:
        for form in names.lookalikes(name) | names.lookalikes(key):
            self._forms.setdefault(form, key)

    def wait(self, key: str, address: str | None = None) -> float:
        """The seconds a guess at ``key`` from ``address`` made now would wait its turn."""
        return self.guesses.wait(key, address, self._known_from(key, address))

    def _known_from(self, key: str, address: str | None) -> bool:
        return address is not None and address in self._known.get(key, ())

    def verify(self, key: str, password: str, address: str | None = None) -> Deferred[bool]:
        """
        Whether ``password`` is the one registered for the name ``key``, tried
        from ``address`` (an address key; None for one not counted).  The
        guess is counted now, and checked when its turn comes; raises
        :class:`~twisted_chat.core.errors.TooManyGuesses` if that is too far off.
        """
        wait = self.guesses.start(key, address, self._known_from(key, address))
        ready: Deferred[None] = deferLater(self._clock, wait) if wait > 0 else succeed(None)
        checked = ready.addCallback(lambda _: self.store.account(key))
        checked.addCallback(self._check, password)
        return checked.addCallback(self._counted, key, address)

    def _check(self, account: Any, password: str) -> Deferred[bool] | bool:
        if account is None:
            return False
        return self._in_thread(self._matches, account.hash, password)

    def _matches(self, hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _counted(self, right: bool, key: str, address: str | None) -> bool:
        if right:
            self.guesses.right(key, address)
            self._remember(key, address)
        return right

    def _remember(self, key: str, address: str | None) -> None:
        """The name logged in (or registered) from ``address``: it is one of its own now."""
        if address is None:
            return
        known = self._known.setdefault(key, [])
        if address in known:
            known.remove(address)
        known.append(address)
        del known[:-KNOWN_ADDRESSES]
        self.store.remember_address(key, address, KNOWN_ADDRESSES).addErrback(
            lambda failure: None)  # A store that fails says so itself; the login goes on.

    def sweep(self) -> None:
        """Forget the guesses nobody has made for a while."""
        self.guesses.sweep()

    def register(self, key: str, name: str, password: str,
                 address: str | None = None) -> Deferred[None]:
        """Register ``name``, from ``address``: from now on logging in as it takes ``password``."""
        check_password(password)
        if key in self._registered:
            raise errors.AlreadyRegistered(name)
        self._registered.add(key)
        self._add_forms(key, name)

        def unless_kept(kept: Any) -> Deferred[None]:
            # A database several nodes share may hold it already, registered
            # on another whose word has not come here (yet): never overwritten.
            if kept is not None:
                raise errors.AlreadyRegistered(name)
            return self._save(key, name, password)

        saved = self.store.account(key).addCallback(unless_kept)
        saved.addCallback(lambda _: self._remember(key, address))
        saved.addErrback(self._unregister, key)
        return saved

    def add(self, key: str, name: str) -> None:
        """Registered on another node (its hash is in the database they share)."""
        if key not in self._registered:
            self._registered.add(key)
            self._add_forms(key, name)

    def _unregister(self, failure: Any, key: str) -> Any:
        if failure.check(errors.AlreadyRegistered):
            return failure  # It is registered: as it stays.
        self._registered.discard(key)
        self._forms = {form: owner for form, owner in self._forms.items() if owner != key}
        return failure

    def change(self, key: str, name: str, old: str, new: str,
               address: str | None = None) -> Deferred[bool]:
        """Change the password, if ``old`` is right; fires with whether it was."""
        check_password(new)

        def if_right(right: bool) -> Deferred[bool] | bool:
            if not right:
                return False
            return self._save(key, name, new).addCallback(lambda _: True)

        return self.verify(key, old, address).addCallback(if_right)

    def _save(self, key: str, name: str, password: str) -> Deferred[None]:
        hashed = self._in_thread(self._hasher.hash, password)
        return hashed.addCallback(lambda hash: self.store.save_account(key, name, hash))
