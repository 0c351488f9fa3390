"""
One connection's output, bounded.

``transport.write`` never blocks and buffers without limit, so a client that
stops reading would make the server keep everything its room says.  A
:class:`SendQueue` registers itself on the transport as a streaming producer
and so hears when the transport's own buffer is full (``pauseProducing``) and
when it has drained (``resumeProducing``).  While the transport keeps up,
writes go straight through; while it does not, output waits here, counted.
Past the limit the owner is told, and cuts the connection.

Reading from the client is never paused: a slow reader's own lines still
reach its room, and nobody else's delivery waits for it.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IPushProducer, ITransport
from zope.interface import implementer


@implementer(IPushProducer)
class SendQueue:
    """
    Writes to ``transport``, holding them while it is paused.

    The unsent output is counted as what is held here plus what was handed
    over at the last resume, which the transport may still hold: exact just
    after a resume, an upper bound after.  A reader that keeps up, however
    slowly, empties the transport before each resume and is never cut.
    """

    __slots__ = ("_flushed", "_full", "_held", "_size", "_transport", "exceeded", "limit",
                 "overflow")

    def __init__(self, transport: ITransport, limit: int, overflow: Callable[[], None]) -> None:
        self._transport = transport
        self.limit = limit
        self.overflow = overflow
        self._held: list[bytes] | None = None
        self._size = 0
        self._flushed = 0
        self._full = False
        #: Whether the limit was passed (and the owner told): a count for /metrics.
        self.exceeded = False
        transport.registerProducer(self, True)  # type: ignore[attr-defined]

    @property
    def unsent(self) -> int:
        """Bytes written but perhaps not yet sent, by the count above."""
        return self._size if self._held is not None else 0

    def write(self, data: bytes) -> None:
        if self._held is None:
            if not self._full:
                self._transport.write(data)
            return
        self._held.append(data)
        self._size += len(data)
        if self.limit and self._size > self.limit:
            # From here on nothing more is kept: the connection is being cut.
            self._full = True
            self._held = None
            self.exceeded = True
            self.overflow()

    def close(self) -> None:
        """Hand everything held to the transport and let go of it, so that it can close."""
        self.resumeProducing()
        self._transport.unregisterProducer()  # type: ignore[attr-defined]

    # IPushProducer: the transport's side.

    def pauseProducing(self) -> None:
        self._held = []
        self._size = self._flushed

    def resumeProducing(self) -> None:
        if self._held is None:
            return
        data = b"".join(self._held)
        self._held = None
        self._flushed = len(data)
        if data:
            # This may pause us again at once, which starts a new count.
            self._transport.write(data)

    def stopProducing(self) -> None:
        self._held = None
        self._full = True
