"""
The ``--metrics`` listener's site: ``/metrics`` in Prometheus's text format,
``/healthz`` and ``/readyz``.

``/metrics`` renders with ``generate_latest`` in a plain ``Resource``, on the
reactor thread, from a registry of our own.  (``prometheus_client``'s Twisted
``MetricsResource`` collects in the reactor's thread pool, where the chat's
objects change under it, and imports the global reactor: FIELD-NOTES,
"Operating".)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.pages import notFound
from twisted.web.resource import IResource, Resource
from twisted.web.server import NOT_DONE_YET, Request, Site

from twisted_chat.metrics.collector import ChatCollector, registry
from twisted_chat.metrics.health import Health

if TYPE_CHECKING:
    from twisted.internet.interfaces import IReactorTime

    from twisted_chat.cluster.link import RedisLink
    from twisted_chat.interfaces import IStore
    from twisted_chat.session.sessions import Sessions

_log = Logger()

_TEXT = b"text/plain; charset=utf-8"


class Metrics(Resource):
    """``/metrics``: the registry's metrics, collected now, on this thread."""

    isLeaf = True

    def __init__(self, registry: CollectorRegistry) -> None:
        super().__init__()
        self.registry = registry

    def render_GET(self, request: Request) -> bytes:
        request.setHeader(b"content-type", CONTENT_TYPE_PLAIN_0_0_4.encode())
        return generate_latest(self.registry)


class Healthz(Resource):
    """``/healthz``: the process answers (200 ``ok``), nothing more is asked."""

    isLeaf = True

    def render_GET(self, request: Request) -> bytes:
        request.setHeader(b"content-type", _TEXT)
        return b"ok\n"


class Readyz(Resource):
    """``/readyz``: 200 ``ready``, or 503 with one line saying what is not."""

    isLeaf = True

    def __init__(self, health: Health) -> None:
        super().__init__()
        self.health = health

    def render_GET(self, request: Request) -> int:
        request.setHeader(b"content-type", _TEXT)
        gone: list[Failure] = []
        request.notifyFinish().addErrback(gone.append)

        def answer(problems: list[str]) -> None:
            if gone:
                return  # The scraper gave up waiting.
            if problems:
                request.setResponseCode(503)
                request.write(("not ready: " + "; ".join(problems) + "\n").encode())
            else:
                request.write(b"ready\n")
            request.finish()

        def failed(failure: Failure) -> None:
            _log.failure("Checking readiness failed", failure)
            if not gone:
                request.setResponseCode(500)
                request.write(b"not ready: the check failed (see the log)\n")
                request.finish()

        self.health.problems().addCallback(answer).addErrback(failed)
        return NOT_DONE_YET


class _Root(Resource):
    """The three pages; anything else is a plain 404."""

    def getChild(self, path: bytes, request: Request) -> IResource:
        return notFound()


class MetricsSite(Site):
    """
    The ``--metrics`` listener's factory (its name is what the log says on
    listening).  No access log: a scrape every few seconds is not news.
    """

    def log(self, request: Request) -> None:  # type: ignore[override]
        pass


def make_site(sessions: Sessions, store: IStore, clock: IReactorTime,
              listening: Iterable[Any], link: RedisLink | None = None) -> MetricsSite:
    """
    The site for ``--metrics``: ``listening`` are the chat's listeners'
    factories, which must all be listening for ``/readyz`` to say ready.
    """
    root = _Root()
    root.putChild(b"metrics", Metrics(registry(ChatCollector(sessions, store, link))))
    root.putChild(b"healthz", Healthz())
    root.putChild(b"readyz", Readyz(Health(sessions, store, clock, listening, link)))
    # A scraper asks and goes: a connection idle for 30 s is let go, not kept 12 hours.
    site = MetricsSite(root, timeout=30)
    site.displayTracebacks = False
    return site
