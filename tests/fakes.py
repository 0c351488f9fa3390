"""Plain clients for the tests of the chat and the hub: no sockets, no reactor."""

from __future__ import annotations

from zope.interface import implementer

from twisted_chat.core import events
from twisted_chat.core.formats import TextFormat
from twisted_chat.interfaces import IClient

RENDERED: list[events.Event] = []


class CountingFormat(TextFormat):
    """A text format that notes every event it renders in RENDERED."""

    def render(self, event: events.Event) -> bytes:
        RENDERED.append(event)
        return TextFormat.render(self, event)


@implementer(IClient)
class RecordingClient:
    """A client that keeps what it is sent."""

    def __init__(self, format: object = None, broken: bool = False) -> None:
        self.format = format or TextFormat()
        self.address = None
        self.broken = broken
        self.received: list[bytes] = []

    def send(self, event: events.Event) -> None:
        self.deliver(self.format.frame((event,)))

    def deliver(self, data: bytes) -> None:
        if self.broken:
            raise OSError("gone")
        self.received.append(data)

    def pause_input(self) -> None:
        self.paused = True

    def resume_input(self) -> None:
        self.paused = False

    def dismiss(self) -> None:
        self.dismissed = True
