"""
The browser client in a cluster: Debian's Chromium, driven by Playwright,
opens the page through a real HAProxy in front of three real nodes' web
listeners (one PostgreSQL, one Redis), and chats with a telnet user on
another node.  When the browser's node is killed the page gets back by
itself, through HAProxy, to a node still running, under its own name and in
its own room, and the chat goes on both ways.

The page cannot choose its node: HAProxy does (round robin), for the page's
files and for each WebSocket alike; which node the browser's session is on
the nodes' logs tell (every login is logged there).

With ``TWISTED_CHAT_SCREENSHOTS=DIR`` set, the page is saved there while it
is reconnecting, while its name is still held by the dead node, and back in
its room, and while the nodes cannot reach each other (``cluster-*.png``);
otherwise in the test's temporary directory.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.cluster.nodes import Cluster
from tests.engines import HAProxy
from tests.processes import DEADLINE, RunningServer
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, RECONNECT_WAIT, Person, Relay

#: Chromium's words for a WebSocket that HAProxy closed unanswered (it still
#: sent the try to the dead node), or that ended as its node died.
SOCKET_FAILED = re.compile(r"^WebSocket connection to '\S+' failed")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """
    Three nodes, each with a web listener; HAProxy's address (127.0.0.1) is
    exempt from the per-address limits, as README's cluster runs it.
    """
    nodes = Cluster(3, "--exempt", "127.0.0.1", web=True)
    yield nodes
    nodes.stop()


@pytest.fixture
def proxy(cluster: Cluster) -> Iterator[HAProxy]:
    """HAProxy's web front end over the nodes' web listeners (TCP: the WebSocket passes)."""
    front = HAProxy([f"127.0.0.1:{node.web_port}" for node in cluster.nodes])
    front.start()
    yield front
    front.stop()


def nodes_of(cluster: Cluster, name: str, logins: int = 1) -> list[str]:
    """The nodes whose log says ``name`` logged in there, waiting for ``logins`` to say so."""
    said = re.compile(rf"\] {re.escape(name)} logged in from ")
    end = time.monotonic() + DEADLINE
    while True:
        found = [node_name for node_name, node in zip(cluster.names, cluster.nodes, strict=True)
                 if said.search(node.log_text())]
        if len(found) >= logins or time.monotonic() > end:
            return found
        time.sleep(0.05)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: TWISTED_CHAT_SCREENSHOTS if set, else the test's directory."""
    folder = Path(os.environ.get("TWISTED_CHAT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / name))


def test_page_gets_back_into_its_room_through_haproxy(
        browser: Browser, cluster: Cluster, proxy: HAProxy, shots: Path) -> None:
    """
    A browser user in maths with a telnet user on another node read each
    other's lines; the browser's node is killed (``kill -9``): the page says
    it is reconnecting; its tries through HAProxy reach a live node but are
    refused while the dead node still holds the name, and the page says so
    and tries again, by itself, until the name is free; then it is back in
    maths, on a node still running, and the chat goes on both ways.
    """
    ann = Person(browser, f"http://127.0.0.1:{proxy.port}/", 1100, 700)
    ann.expected = SOCKET_FAILED
    try:
        ann.enter("ann")
        (first,) = nodes_of(cluster, "ann")
        index = cluster.names.index(first)
        node: RunningServer = cluster.nodes[index]
        other = cluster.nodes[(index + 1) % 3]
        tom = other.connect().login("tom")
        ann.say("/create maths")
        expect(ann.room()).to_have_text("maths")
        tom.expect("ann has left for maths")
        tom.send("/join maths")
        tom.expect("= Members (2)")
        # Past the replay: his node knows where maths's lines are (one said while
        # it reads may reach him twice or not at all, a cluster bug this skirts).
        tom.send("/look")
        tom.expect("= Members (2)")
        expect(ann.members()).to_have_text(["ann", "tom"])
        ann.say("what is 7 times 8?")
        ann.sees("chat.own", "what is 7 times 8?")
        tom.expect("<ann> what is 7 times 8?")
        tom.send("56, from another node")
        ann.sees("chat", "56, from another node")

        node.process.kill()
        node.process.wait()
        status = ann.page.locator("#status")
        expect(status).to_contain_text(re.compile(r"Disconnected \u2014 reconnecting in \d+ s"))
        ann.sees("notice.lost", "Disconnected from the server.")
        screenshot(ann.page, shots, "cluster-reconnecting.png")
        # Its own next try (1 s on) reaches a live node, as HAProxy sends none to a
        # dead one once it is DOWN (1.5 s at most), or its next (2 s later): both
        # come while the dead node's claim on the name lasts (its heartbeat's 5 s).
        expect(status).to_contain_text(
            re.compile(r"ann is still taken .* \u2014 reconnecting in \d+ s"))
        screenshot(ann.page, shots, "cluster-still-taken.png")
        end = time.monotonic() + DEADLINE
        while proxy.status().get(f"node{index + 1}") != "DOWN":
            assert time.monotonic() < end, proxy.status()
            time.sleep(0.1)
        assert "their server went away" in tom.expect("ann has left")[-1]

        expect(status).to_be_hidden(timeout=RECONNECT_WAIT)
        ann.sees("notice", "Connected again as ann")
        expect(ann.room()).to_have_text("maths")
        tom.expect("ann has joined maths")
        expect(ann.members()).to_have_text(["ann", "tom"])
        again = [name for name in nodes_of(cluster, "ann", 2) if name != first]
        assert len(again) == 1 and again[0] in cluster.names, again
        ann.say("back, through HAProxy")
        ann.sees("chat.own", "back, through HAProxy")
        tom.expect("<ann> back, through HAProxy")
        tom.send("welcome back to maths")
        ann.sees("chat", "welcome back to maths")
        screenshot(ann.page, shots, "cluster-back.png")
        tom.close()
        ann.check_clean()
    finally:
        ann.context.close()



def test_page_keeps_trying_while_the_nodes_cannot_reach_each_other(
        browser: Browser, cluster: Cluster, proxy: HAProxy, shots: Path) -> None:
    """
    The page's connection is lost (the network, not the node) while Redis
    is away: the nodes it reaches through HAProxy cannot let it take its name
    back for now (its own node: no name can be taken without Redis; the
    others: it is still there for all they know), and say so; the page
    shows their words and keeps trying by itself, as they say to, never
    falling back to the login view; once Redis is back it is in, in its room.
    """
    bea = Person(browser, f"http://127.0.0.1:{proxy.port}/", 1100, 700, watch=False)
    bea.expected = SOCKET_FAILED
    relay = Relay(bea.page)
    try:
        bea.enter("bea")
        bea.say("/register bea-pw-1")
        bea.sees("notice", "bea is registered")
        bea.say("/create algebra")
        expect(bea.room()).to_have_text("algebra")
        bea.say("/room register")
        bea.sees("notice", "algebra is registered")

        cluster.redis.stop()
        page_side, server_side = relay.sockets[-1]
        server_side.close()
        page_side.close(code=1006)
        status = bea.page.locator("#status")
        expect(status).to_contain_text("cannot reach each other", timeout=RECONNECT_WAIT)
        expect(status).to_contain_text(re.compile(r"reconnecting in \d+ s"))
        expect(bea.page.locator("#login-view")).to_be_hidden()
        screenshot(bea.page, shots, "cluster-unreachable.png")
        refusals = {event["code"] for event in relay.events if event["type"] == "error"}
        assert "cluster-unavailable" in refusals, refusals

        cluster.redis.start()
        expect(status).to_be_hidden(timeout=RECONNECT_WAIT)
        bea.sees("notice", "Connected again as bea")
        expect(bea.room()).to_have_text("algebra")
        bea.say("still here")
        bea.sees("chat.own", "still here")
        bea.check_clean()
    finally:
        bea.context.close()
