"""What the desktop client's real-process tests share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from twisted.internet import reactor as _reactor

reactor: Any = _reactor


@pytest.fixture(scope="session")
def resolver_threads() -> Iterator[None]:
    """
    The reactor is pumped in these tests, never run, so the thread pool that
    resolves host names (``HostnameEndpoint``) is started and stopped by hand,
    once: a stopped pool does not start again.
    """
    pool = reactor.getThreadPool()
    pool.start()
    yield
    pool.stop()
