"""
A user connected to another node, as this node's chat holds them: whatever
the chat tells them (a private message, a reply to something they are part
of) goes to their node, which delivers it.  Room lines and presence never
come here: each node delivers those to its own members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zope.interface import implementer

from twisted_chat.core import formats
from twisted_chat.interfaces import IClient

if TYPE_CHECKING:
    from twisted_chat.cluster.peers import Peers
    from twisted_chat.core import events
    from twisted_chat.core.users import User


@implementer(IClient)
class RemoteClient:
    """``user`` is the mirror this client belongs to (its name may change)."""

    #: What a fan-out would frame for them, were they in one: nothing is sent.
    format = formats.build("json")
    address = None

    def __init__(self, peers: Peers) -> None:
        self.peers = peers
        self.user: User | None = None

    def send(self, event: events.Event) -> None:
        if self.user is not None and self.user.node is not None:
            self.peers.tell(self.user.node, self.user.key, event)

    def deliver(self, payload: bytes) -> None:
        """Never a member of an audience here: their node delivers to them."""

    def pause_input(self) -> None:
        pass

    def resume_input(self) -> None:
        pass

    def dismiss(self) -> None:
        """Never asked: the chat asks their node to put them off (Chat.dismiss)."""
