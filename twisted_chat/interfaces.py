"""
The seams between the chat model, the states and the front ends.

Today the only front end is the line protocol; a WebSocket front end will
implement the same interfaces, so the model and the states serve both.
"""

from __future__ import annotations

from zope.interface import Attribute, Interface

from twisted_chat.core.events import Event


class IFormat(Interface):
    """Turns events into the bytes one kind of client reads."""

    name = Attribute("The format's name, as given to the format command.")
    encoding = Attribute("The character encoding of what this client sends and reads.")

    def render(event: Event) -> bytes:
        """Return ``event`` as complete lines, each ending in CRLF."""


class IChatClient(Interface):
    """
    What the chat model may ask of a connected user, whatever the transport.

    A broadcast renders an event once per distinct ``format`` among the
    recipients and hands the same bytes to each through ``write``.
    """

    format = Attribute("The IFormat this client reads; hashable.")
    address = Attribute("The peer's IP address, or None (a local socket): for the log.")

    def send(event: Event) -> None:
        """Render ``event`` in this client's format and send it."""

    def write(data: bytes) -> None:
        """Send bytes already rendered in this client's ``format``."""

    def pauseInput() -> None:
        """Stop taking lines from this client for now (its lines wait to be stored)."""

    def resumeInput() -> None:
        """Take lines from this client again."""


class IConnection(IChatClient):
    """What a state may ask of the connection it drives."""

    encoding = Attribute("The name of the character encoding this client uses.")
    color = Attribute("Whether this client asked for colour in the text format.")
    state = Attribute("The state now deciding what lines mean: a state that waited on the "
                      "store checks it is still the one in charge.")

    def become(state: object) -> None:
        """Make ``state`` decide what the following lines mean."""

    def configure(*, format: str | None = None, encoding: str | None = None,
                  color: bool | None = None) -> None:
        """
        Change how everything from now on is rendered: the format's name, the
        encoding (a name from :mod:`twisted_chat.core.charsets`; the client's own
        choice, never guessed over again) or colour.
        """

    def close() -> None:
        """Send what is pending, then disconnect."""

    def setTimeout(seconds: float | None) -> object:
        """
        Call the state's ``timedOut`` after ``seconds`` without a new
        ``setTimeout`` or ``resetTimeout``; None means never.
        """

    def resetTimeout() -> None:
        """Start the current timeout's period again (activity)."""
