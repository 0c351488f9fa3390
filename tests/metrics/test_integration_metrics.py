"""
The real ``twistd -n chat --metrics``, scraped over a real socket while
users chat over real sockets: what it serves passes ``promtool check
metrics`` (Debian's ``prometheus`` package), its values follow the chat, and
``/readyz`` follows the real PostgreSQL and Redis under a node, down and back.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from twisted.trial.unittest import SynchronousTestCase

from tests.cluster.nodes import Cluster
from tests.processes import DEADLINE, RunningServer

Start = Callable[..., RunningServer]

METRICS = ("--metrics", "tcp:0:interface=127.0.0.1")


def metrics_port(server: RunningServer) -> int:
    """The port the --metrics listener chose, as its log says."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        found = re.search(r"MetricsSite starting on (\d+)", server.log_text())
        if found:
            return int(found.group(1))
        time.sleep(0.05)
    raise AssertionError("no metrics listener:\n" + server.log_text())


def get(port: int, path: str) -> tuple[int, str, str]:
    """Status, content type and body of a GET over loopback."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("content-type", ""), response.read().decode()
    finally:
        connection.close()


def promtool(text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=DEADLINE)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, _, text = get(port, "/metrics")
    assert status == 200, text
    return samples(text)


def until(port: int, path: str, status: int) -> str:
    """Ask ``path`` until it answers ``status`` (the store or Redis coming and going)."""
    end = time.monotonic() + DEADLINE * 2
    seen: list[tuple[int, str]] = []
    while time.monotonic() < end:
        answered, _, body = get(port, path)
        if answered == status:
            return body
        seen.append((answered, body))
        time.sleep(0.1)
    raise AssertionError(f"{path} never answered {status}: {seen[-3:]}")


def test_scraped_while_users_chat(start_server: Start, tmp_path: Path) -> None:
    server = start_server("--db", str(tmp_path / "chat.db"), *METRICS, web=True)
    port = metrics_port(server)
    assert get(port, "/healthz") == (200, "text/plain; charset=utf-8", "ok\n")
    assert get(port, "/readyz") == (200, "text/plain; charset=utf-8", "ready\n")
    status, kind, text = get(port, "/metrics")
    assert (status, kind) == (200, "text/plain; version=0.0.4; charset=utf-8")
    checked = promtool(text)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    first = samples(text)
    assert first[("chat_users", ())] == 0
    assert first[("chat_lines_total", ())] == 0

    alice = server.connect().login("alice")
    bob = server.connect().login("bob")
    carol = server.connect_web().login("carol")
    said = scrape(port)
    assert said[("chat_users", ())] == 3
    assert said[("chat_connections", (("front_end", "telnet"),))] == 2
    assert said[("chat_connections", (("front_end", "web"),))] == 1
    for number in range(1, 6):
        alice.send(f"line {number}")
        bob.expect(f"<alice> line {number}")
        carol.event("chat", f"line {number}")
        now = scrape(port)
        assert now[("chat_lines_total", ())] == number
        # Each line reaches the three in the room, counted once per broadcast.
        assert now[("chat_deliveries_total", ())] - said[("chat_deliveries_total", ())] \
            == 3 * number
    assert now[("chat_store_transaction_seconds_count", ())] \
        > first[("chat_store_transaction_seconds_count", ())]

    bob.send("/frobnicate")
    bob.expect("Unknown command")
    intruder = server.connect()
    intruder.banner()
    intruder.send("login alice")
    intruder.expect("is taken")
    status, _, text = get(port, "/metrics")
    checked = promtool(text)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    last = samples(text)
    assert last[("chat_errors_total", (("code", "unknown-command"),))] == 1
    assert last[("chat_login_failures_total", (("reason", "name-taken"),))] == 1
    assert last[("chat_connections", (("front_end", "telnet"),))] == 3
    assert last[("chat_users", ())] == 3
    alice.send("/quit")
    bob.expect("alice has logged out")
    assert scrape(port)[("chat_users", ())] == 2
    assert "Traceback" not in server.log_text()


def test_a_metrics_listener_that_cannot_listen(start_server: Start, tmp_path: Path) -> None:
    """A port taken stops the start, in one line naming --metrics, like every listener."""
    server = start_server("--db", ":memory:", *METRICS)
    taken = metrics_port(server)
    done = subprocess.run(
        [str(Path(server.process.args[0])), "-n", "--pidfile=", "chat", "--port", "tcp:0",
         "--web", "none", "--db", ":memory:", "--metrics", f"tcp:{taken}:interface=127.0.0.1"],
        capture_output=True, text=True, timeout=DEADLINE, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == (f"twistd chat: --metrics 'tcp:{taken}:interface=127.0.0.1':"
                                   f" port {taken} on 127.0.0.1 is already in use")


class ReadyInAClusterTests(SynchronousTestCase):
    """Two nodes, a real PostgreSQL and a real Redis: each node says what it waits for."""

    def setUp(self) -> None:
        self.cluster = Cluster(2, *METRICS)
        self.addCleanup(self.cluster.stop)
        self.ports = [metrics_port(node) for node in self.cluster.nodes]

    def test_users_counted_on_their_own_node(self) -> None:
        one, two = self.cluster.nodes
        alice = one.connect().login("alice")
        bob = two.connect().login("bob")
        alice.expect("bob has logged in")
        alice.send("from one")
        bob.expect("<alice> from one")
        first, second = (scrape(port) for port in self.ports)
        self.assertEqual((first[("chat_users", ())], second[("chat_users", ())]), (1, 1))
        self.assertEqual((first[("chat_lines_total", ())], second[("chat_lines_total", ())]),
                         (1, 0))
        self.assertEqual(first[("chat_redis_connected", ())], 1)
        status, _, text = get(self.ports[0], "/metrics")
        self.assertEqual(status, 200)
        checked = promtool(text)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)

    def test_not_ready_while_postgresql_is_down(self) -> None:
        port = self.ports[0]
        self.assertEqual(get(port, "/readyz")[2], "ready\n")
        postgres = self.cluster.postgres
        postgres.halt()
        try:
            body = until(port, "/readyz", 503)
            self.assertTrue(body.startswith("not ready: store: "), body)
            self.assertEqual(body.count("\n"), 1, body)
            self.assertEqual(get(port, "/healthz"), (200, "text/plain; charset=utf-8", "ok\n"))
        finally:
            postgres.start()
        self.assertEqual(until(port, "/readyz", 200), "ready\n")
        self.assertGreater(scrape(port)[("chat_store_errors_total", ())], 0)

    def test_not_ready_while_redis_is_down(self) -> None:
        port = self.ports[1]
        self.assertEqual(get(port, "/readyz")[2], "ready\n")
        redis = self.cluster.redis
        redis.stop()
        try:
            self.assertEqual(until(port, "/readyz", 503), "not ready: redis: not connected\n")
            self.assertEqual(scrape(port)[("chat_redis_connected", ())], 0)
        finally:
            redis.start()
        self.assertEqual(until(port, "/readyz", 200), "ready\n")
        after = scrape(port)
        self.assertEqual(after[("chat_redis_connected", ())], 1)
        self.assertEqual(after[("chat_redis_losses_total", ())], 1)
