"""The chat's life cycle inside twistd: on stop, everyone is told before the close."""

from __future__ import annotations

from twisted.application.service import Service
from twisted.internet.defer import Deferred

from twisted_chat.factory import ChatFactory

SHUTDOWN_NOTICE = "The server is shutting down. Goodbye!"


class ChatService(Service):
    def __init__(self, factory: ChatFactory) -> None:
        self.factory = factory

    def stopService(self) -> Deferred[None]:
        super().stopService()
        return self.factory.shutdown(SHUTDOWN_NOTICE)
