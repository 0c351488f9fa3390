"""
One node of a cluster, put together: the Redis link, the hub that orders
rooms' lines across nodes, the peers that mirror the other nodes' users, and
the service that starts them after the chat exists and stops them before the
database closes.
"""

from __future__ import annotations

from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred

from twisted_chat.cluster.hub import ClusterHub
from twisted_chat.cluster.link import RedisLink
from twisted_chat.cluster.peers import Peers
from twisted_chat.core.chat import Chat
from twisted_chat.interfaces import ISequencedStore


def build(address: str, node: str, store: ISequencedStore, reactor: Any,
          **hub: Any) -> tuple[ClusterHub, Peers]:
    """The hub and peers of node ``node`` on the Redis at ``address``."""
    link = RedisLink(reactor, address)
    cluster_hub = ClusterHub(store=store, link=link, node=node, call_later=reactor.callLater,
                             **hub)
    peers = Peers(link, cluster_hub, node, clock=reactor, call_later=reactor.callLater)
    return cluster_hub, peers


class PeersService(Service):
    """Reaching the other nodes while the chat runs; telling them when it stops."""

    def __init__(self, peers: Peers, chat: Chat) -> None:
        self.peers = peers
        self.chat = chat

    def startService(self) -> None:
        super().startService()
        self.peers.start(self.chat)

    def stopService(self) -> Deferred[Any]:
        super().stopService()
        return self.peers.stop()
