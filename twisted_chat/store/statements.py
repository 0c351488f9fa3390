"""
The store's calls that are one statement of its schema each, through its
group commit, whatever the backend: each backend's ``schema`` module has a
function of the same name and arguments for every one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from twisted_chat.core import events
    from twisted_chat.core.quotas import Identity
    from twisted_chat.core.sanctions import Sanction
    from twisted_chat.metrics.counters import Histogram
    from twisted_chat.store.groupcommit import GroupCommit
    from twisted_chat.store.values import Account, KeptRules, LastingRoom


class Statements:
    """Accounts, lasting rooms and what keeps order: a backend sets ``schema``."""

    #: The backend's module of statements.
    schema: ModuleType
    _commit: GroupCommit
    _clock: Callable[[], float]

    def ping(self) -> Deferred[None]:
        """A question that reads nothing, in turn behind the rest: readiness."""
        return self._commit.call(_ping)

    @property
    def latency(self) -> Histogram:
        """Its transactions' seconds (the group commit's)."""
        return self._commit.latency

    @property
    def failed(self) -> int:
        """Operations the database failed or refused."""
        return self._commit.failed

    def account(self, key: str) -> Deferred[Account | None]:
        return self._commit.call(self.schema.account, key)

    def save_account(self, key: str, name: str, hash: str) -> Deferred[None]:
        return self._commit.call(self.schema.save_account, key, name, hash, self._clock())

    def remember_address(self, key: str, address: str, keep: int) -> Deferred[None]:
        return self._commit.call(self.schema.remember_address, key, address, keep,
                                 self._clock())

    def save_room(self, key: str, room: LastingRoom) -> Deferred[None]:
        return self._commit.call(self.schema.save_room, key, room, self._clock())

    def forget_room(self, key: str) -> Deferred[None]:
        return self._commit.call(self.schema.forget_room, key)

    def save_sanction(self, sanction: Sanction) -> Deferred[None]:
        return self._commit.call(self.schema.save_sanction, sanction)

    def forget_sanction(self, id: str) -> Deferred[None]:
        return self._commit.call(self.schema.forget_sanction, id)

    def save_operator(self, room: str, account: str) -> Deferred[None]:
        return self._commit.call(self.schema.save_operator, room, account)

    def forget_operator(self, room: str, account: str) -> Deferred[None]:
        return self._commit.call(self.schema.forget_operator, room, account)

    def save_invite(self, room: str, account: str) -> Deferred[None]:
        return self._commit.call(self.schema.save_invite, room, account)

    def save_rules(self, room: str, rules: KeptRules) -> Deferred[None]:
        return self._commit.call(self.schema.save_rules, room, rules)

    def save_ignore(self, account: str, mark: Identity, label: str) -> Deferred[None]:
        return self._commit.call(self.schema.save_ignore, account, mark, label)

    def forget_ignore(self, account: str, mark: Identity) -> Deferred[None]:
        return self._commit.call(self.schema.forget_ignore, account, mark)

    def record_act(self, act: events.Act) -> Deferred[None]:
        return self._commit.call(self.schema.record_act, act)


def _ping(cursor: Any) -> None:
    """Asks the database for one row of nothing: it answers, or the transaction fails."""
    cursor.execute("SELECT 1")
    cursor.fetchall()
