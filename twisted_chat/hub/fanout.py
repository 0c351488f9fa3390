"""
Fan-out: one run of events to many users, framed once per format.

A format frames a run (:meth:`~twisted_chat.interfaces.IFormat.frame`) into
one ``bytes``: a stream front end's joins the events, a message front end's
makes one message (a WebSocket frame) of each.  Every recipient of the same
format is handed the same bytes, and one recipient whose client raises must
not cost the others their copy.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from twisted.logger import Logger

from twisted_chat.core import events

if TYPE_CHECKING:
    from twisted_chat.core.users import User

_log = Logger()


def broadcast(event: events.Event, users: Iterable[User]) -> None:
    """Send ``event`` to every user."""
    deliver((event,), users)


def broadcast_runs(deliveries: list[tuple[events.Event, list[User]]]) -> None:
    """
    Several broadcasts in a row, as one: lines in a row to the same audience
    (the same list: :meth:`Room.audience`) are framed together, once per
    format, and each member gets one delivery for all of them.
    """
    for _, run in itertools.groupby(deliveries, key=lambda delivery: id(delivery[1])):
        batch = list(run)
        deliver([event for event, _ in batch], batch[0][1])


def deliver(run: Sequence[events.Event], users: Iterable[User]) -> None:
    """The events of ``run``, in order, to each of ``users``."""
    framed: dict[int, bytes] = {}
    for user in users:
        client = user.client
        fmt = client.format
        # By identity: formats are shared (formats.build), so this is one per format.
        payload = framed.get(id(fmt))
        if payload is None:
            payload = framed[id(fmt)] = fmt.frame(run)
        try:
            client.deliver(payload)
        except Exception:
            _log.failure("Delivery to {name} failed", name=user.name)
