"""
The chat's metrics as Prometheus families, read at each scrape from the
chat's own counts (:mod:`~twisted_chat.metrics.counters`) and from what is
cheaper to look at once a scrape than to keep up to date: the sessions open,
the users, the rooms, the output waiting in send queues.

It runs where ``generate_latest`` is called: on the reactor thread
(:mod:`~twisted_chat.metrics.resource`), so it reads the chat's objects as
they are between two events, with no lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from twisted_chat.metrics.counters import Histogram

if TYPE_CHECKING:
    from twisted_chat.cluster.link import RedisLink
    from twisted_chat.interfaces import IStore
    from twisted_chat.session.sessions import Sessions

#: The front ends whose connections are always shown, 0 or not.
FRONT_ENDS = ("telnet", "web")


def _labelled(family: CounterMetricFamily | GaugeMetricFamily,
              values: dict[str, int] | Iterable[tuple[str, int]]) -> Any:
    items = values.items() if isinstance(values, dict) else values
    for label, value in sorted(items):
        family.add_metric([label], value)
    return family


def histogram(name: str, text: str, counts: Histogram) -> HistogramMetricFamily:
    """A Prometheus histogram of the plain counts of ``counts``."""
    buckets = [("+Inf" if bound == float("inf") else repr(bound), count)
               for bound, count in counts.cumulative()]
    return HistogramMetricFamily(name, text, buckets=buckets, sum_value=counts.sum)


class ChatCollector(Collector):
    """
    ``sessions`` (and through them the chat and its hub's counters), the
    ``store``, and in a cluster the node's Redis ``link``.
    """

    def __init__(self, sessions: Sessions, store: IStore, link: RedisLink | None = None,
                 front_ends: Sequence[str] = FRONT_ENDS) -> None:
        self.sessions = sessions
        self.store = store
        self.link = link
        self.front_ends = front_ends

    def collect(self) -> Iterator[Metric]:
        sessions = self.sessions
        counters = sessions.counters
        chat = sessions.chat
        connections = dict.fromkeys(self.front_ends, 0)
        queued = largest = 0
        for session in sessions.open:
            connections[session.front_end] = connections.get(session.front_end, 0) + 1
            unsent = session.output.unsent
            queued += unsent
            largest = max(largest, unsent)
        yield _labelled(GaugeMetricFamily(
            "chat_connections", "Sessions open, by front end.", labels=["front_end"]),
            connections)
        yield GaugeMetricFamily(
            "chat_users", "Users logged in here (in a cluster, on this node).",
            value=sum(1 for user in chat.users() if user.node is None))
        yield GaugeMetricFamily("chat_rooms", "Rooms that exist, the main room included.",
                                value=len(chat.rooms()))
        yield CounterMetricFamily("chat_lines", "Lines said here.", value=counters.lines)
        yield CounterMetricFamily(
            "chat_deliveries", "Events broadcast to members: each broadcast counts its "
            "audience (a line to a room of 10 is 10).", value=counters.deliveries)
        yield _labelled(CounterMetricFamily(
            "chat_refusals", "Connections and logins refused by the server's rules, by "
            "error code.", labels=["reason"]), counters.refusals)
        yield _labelled(CounterMetricFamily(
            "chat_login_failures", "Logins that failed, by error code.", labels=["reason"]),
            counters.login_failures)
        yield _labelled(CounterMetricFamily(
            "chat_limit_hits", "Limits reached (flood control, rates, timeouts, the send "
            "queue), by error code.", labels=["limit"]), counters.limit_hits())
        yield _labelled(CounterMetricFamily(
            "chat_errors", "Errors told to users, by code.", labels=["code"]), counters.errors)
        yield GaugeMetricFamily("chat_send_queue_bytes",
                                "Bytes of output waiting for clients that read slowly.",
                                value=queued)
        yield GaugeMetricFamily("chat_send_queue_largest_bytes",
                                "The most output waiting for one client, in bytes.",
                                value=largest)
        yield histogram("chat_store_transaction_seconds",
                        "Seconds from a store transaction's start to its commit (a group "
                        "commit of lines, or a read).", self.store.latency)
        yield CounterMetricFamily("chat_store_errors",
                                  "Store operations the database failed or refused.",
                                  value=self.store.failed)
        if self.link is not None:
            yield GaugeMetricFamily("chat_redis_connected",
                                    "1 while both of the node's connections to Redis are up.",
                                    value=int(self.link.connected))
            yield CounterMetricFamily("chat_redis_losses",
                                      "Times the node lost its link to Redis.",
                                      value=self.link.losses)
            yield CounterMetricFamily("chat_redis_dropped",
                                      "Lines not published for want of a link to Redis (the "
                                      "other nodes read them from the database).",
                                      value=self.link.dropped)


def registry(collector: ChatCollector) -> CollectorRegistry:
    """A registry of our own (not the global one): the chat's metrics and the process's."""
    own = CollectorRegistry()
    own.register(collector)
    ProcessCollector(registry=own)
    return own
