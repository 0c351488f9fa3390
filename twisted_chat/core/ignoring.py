"""
Ignoring someone: the server stops sending you their chat, emotes and
private messages, and they are not told.

An ignore holds against the person, as a ban does: their connection (so a
rename does not escape it), and their account if they have one, else their
name.  A registered user's list is kept, and comes back at each login.
Lines are not rendered per recipient for it: whoever ignores the sender is
left out of the line's audience (:meth:`~twisted_chat.core.rooms.Room.hearers`),
and the rest share one rendering per format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.logger import Logger

from twisted_chat.core import errors, events, names
from twisted_chat.core.moderation import names_equal
from twisted_chat.core.quotas import Identity

if TYPE_CHECKING:
    from twisted_chat.core.chat import Chat
    from twisted_chat.core.users import User

#: The most people one user may ignore.
MAX_IGNORED = 100

_log = Logger()


class Ignoring:
    """Each user's ignore list: set, lifted, listed, and kept for registered names."""

    def __init__(self, chat: Chat, kept: dict[str, dict[Identity, str]] | None = None) -> None:
        self.chat = chat
        #: Registered names' lists, by account, as the store had them (and as they change).
        self.kept = dict(kept or {})

    def restore(self, user: User) -> None:
        """A registered user logs in: their list is theirs again (before they enter a room)."""
        if user.account is not None and self.kept.get(user.account):
            user.ignoring = dict(self.kept[user.account])

    def ignore(self, user: User, raw: str) -> events.Ignoring:
        marks, label = self._marks(raw)
        if ("connection", user.connection) in marks or names.key(label) == user.key:
            raise errors.IgnoreSelf()
        ignoring = user.ignoring or {}
        if any(mark in ignoring for mark in marks):
            raise errors.AlreadyIgnoring(label)
        if len(set(ignoring.values())) >= MAX_IGNORED:
            raise errors.IgnoreListFull(MAX_IGNORED)
        if not ignoring:
            self._counted(user, +1)
        user.ignoring = {**ignoring, **dict.fromkeys(marks, label)}
        self._changed(user)
        self._keep(user, "save_ignore", [(mark, label) for mark in marks])
        return events.Ignoring(self.chat.clock(), self.listed(user), changed=label, on=True)

    def unignore(self, user: User, raw: str) -> events.Ignoring:
        ignoring = user.ignoring or {}
        gone = [mark for mark, label in ignoring.items() if names_equal(label, raw)]
        if not gone:
            raise errors.NotIgnoring(raw)
        label = ignoring[gone[0]]
        left = {mark: shown for mark, shown in ignoring.items() if mark not in gone}
        user.ignoring = left or None
        if not left:
            self._counted(user, -1)
        self._changed(user)
        self._keep(user, "forget_ignore", [(mark,) for mark in gone])
        return events.Ignoring(self.chat.clock(), self.listed(user), changed=label, on=False)

    def listing(self, user: User) -> events.Ignoring:
        return events.Ignoring(self.chat.clock(), self.listed(user))

    @staticmethod
    def listed(user: User) -> tuple[str, ...]:
        return tuple(sorted(set((user.ignoring or {}).values()), key=names.key))

    def _marks(self, raw: str) -> tuple[frozenset[Identity], str]:
        """Someone online (their connection, and account or name), or a name that is not."""
        try:
            target = self.chat.find_user(raw)
        except errors.NoSuchUser:
            # Someone not online: a registered name (whoever logs in with it), or nobody.
            key = names.key(raw)
            if not self.chat.registered(key):
                raise
            return frozenset({("account", key), ("name", key)}), names.user_name(raw)
        lasting = ("account", target.account) if target.account else ("name", target.key)
        return frozenset({("connection", target.connection), lasting}), target.name

    def _counted(self, user: User, change: int) -> None:
        """The room counts who ignores anyone: while nobody does, a line goes to all at once."""
        if user.room is not None:
            user.room.ignorers += change

    @staticmethod
    def _changed(user: User) -> None:
        if user.room is not None:
            user.room.reheard()

    def _keep(self, user: User, method: str, rows: list[tuple[Any, ...]]) -> None:
        account = user.account
        if account is None:
            return
        self.kept[account] = {mark: label for mark, label in (user.ignoring or {}).items()
                              if mark[0] != "connection"}
        store = self.chat.store
        if store is None:
            return
        for row in rows:
            if row[0][0] != "connection":
                getattr(store, method)(account, *row).addErrback(
                    lambda failure: _log.failure("Could not keep an ignore list", failure))
