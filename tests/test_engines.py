"""
The real engines the cluster's tests start (tests/engines.py) do what those
tests rely on: Redis comes back on the same socket, empty; PostgreSQL comes
back on the same socket with its data; HAProxy spreads connections over
real nodes and stops sending them to one that died.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg

from tests.engines import HAProxy, Postgres, Redis
from tests.processes import DEADLINE, LineClient, RunningServer

Start = Callable[..., RunningServer]


def test_redis_restarts_on_the_same_socket() -> None:
    redis = Redis()
    try:
        first = redis.process
        assert redis.ping()
        redis.restart()
        assert redis.process is not first and first is not None and first.poll() is not None
        assert redis.ping()
    finally:
        redis.stop()
    assert not redis.ping()
    assert not redis.directory.exists()


def test_postgres_restarts_with_its_data() -> None:
    server = Postgres.shared()
    conninfo = server.conninfo(server.database())
    with psycopg.connect(conninfo) as connection:
        connection.execute("CREATE TABLE kept (x text)")
        connection.execute("INSERT INTO kept VALUES ('oolong')")
    server.restart()
    with psycopg.connect(conninfo) as connection:
        assert connection.execute("SELECT x FROM kept").fetchall() == [("oolong",)]
    assert server.uri("x").startswith("postgresql://chat@/x?host=%2F")


def wait_for(proxy: HAProxy, states: dict[str, str]) -> None:
    """Until HAProxy's health checks say so (only a hang reaches the deadline)."""
    end = time.monotonic() + DEADLINE
    while proxy.status() != states:
        assert time.monotonic() < end, proxy.status()
        time.sleep(0.1)


def test_haproxy_spreads_and_skips_a_dead_node(start_server: Start) -> None:
    nodes = [start_server("--server-name", name, "--db", ":memory:") for name in ("one", "two")]
    proxy = HAProxy([f"127.0.0.1:{node.port}" for node in nodes])
    proxy.start()
    try:
        wait_for(proxy, {"node1": "UP", "node2": "UP"})
        banners = [" ".join(LineClient(proxy.port).banner()) for _ in range(2)]
        assert sorted("one" in banner for banner in banners) == [False, True], banners
        assert sorted("two" in banner for banner in banners) == [False, True], banners
        nodes[0].terminate()
        wait_for(proxy, {"node1": "DOWN", "node2": "UP"})
        for _ in range(2):
            assert "two" in " ".join(LineClient(proxy.port).banner())
    finally:
        proxy.stop()
