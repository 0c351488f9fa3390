"""
The other nodes of a cluster, as the chat's rules see them: whom this node
tells what its chat decided about its own users, and whom it asks first for
a name.

A node decides everything about the users connected to it (their name,
their room, what they say) and the other nodes mirror those users
(:meth:`~twisted_chat.core.chat.Chat.mirror_login` and the rest), so that
``who``, ``list`` and ``look`` are the cluster's.  A server alone has no
peers: :class:`Alone` tells nobody and lets every free name be taken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zope.interface import implementer

from twisted_chat.interfaces import IPeers

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from twisted_chat.core import events
    from twisted_chat.core.rooms import Room
    from twisted_chat.core.sanctions import Sanction
    from twisted_chat.core.users import User


@implementer(IPeers)
class Alone:
    """No other node: nothing to tell, nobody to ask."""

    def claim(self, name: str) -> Deferred[None] | None:
        return None

    def release(self, name: str) -> None:
        pass

    def came(self, user: User) -> None:
        pass

    def moved(self, user: User, old: Room) -> None:
        pass

    def renamed(self, user: User, old: str) -> None:
        pass

    def went(self, user: User, action: str, reason: str | None, told: bool) -> None:
        pass

    def room_changed(self, room: Room) -> None:
        pass

    def registered(self, key: str, name: str) -> None:
        pass

    def sanctioned(self, sanction: Sanction) -> None:
        pass

    def lifted(self, sanction: Sanction) -> None:
        pass

    def locked(self, on: bool) -> None:
        pass

    def put_out(self, user: User, room: str | None, goodbye: events.Goodbye | None) -> None:
        raise AssertionError("a server alone has no other node's users")
