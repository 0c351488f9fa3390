"""
Load on the real server, side by side with the bare Twisted baseline.

Two scenarios, each run on every contender in turn, alternating, in one run:

- **fanout**: N members in one room; S of them send M lines each, with at
  most W of their own lines unacknowledged (a sender's own line coming back
  acknowledges it).  Every text carries its sender, sequence number and send
  time; each member counts what it gets: lines lost, lines had twice, lines
  had after a later one of their sender, and whether it saw the room's lines
  in the same order as every other member (``div``: members that did not).
  Reported: deliveries a second, the server's CPU seconds during the
  traffic (from /proc, all of its threads), CPU µs per delivery, and latency
  p50/p99/max.
- **capacity**: open and log in N connections (spread over 127.0.0.x source
  addresses) from as many holding processes as it takes (``--per-process``
  each: a process here may hold at most 20,000 files), hold them; the time
  to log them all in, the server's RSS before and after, RSS per
  connection, and whether all are still there.

Contenders: ``twisted-chat`` (text and JSON formats over telnet; ``web``,
every member a browser on the WebSocket; ``mixed``, every other member one;
``readers``, every member but the senders one;
flood control off, the default storage on, in a temporary directory), ``bare`` (``bare.py``, a
LineReceiver that writes every line to everyone) and, if it is installed
(``apt-get install ngircd``), ngIRCd, a C IRC server, with its limits and
penalties off (its members ``JOIN #lobby`` and ``PRIVMSG`` it; IRC does not
echo a line to its sender, so a member that does not send acknowledges
for the senders, and senders do not count their own lines).  ngIRCd is left
out of the capacity scenario unless named with ``--only``: it tells every
member of each arrival, so logging N in costs N².  The server is pinned to
CPU 0, this generator to CPU 1; it runs on uvloop, which costs half what
asyncio's own loop does per connection and per read, so that it can load
the server faster than the server keeps up.  Everything is bounded by ``--deadline``:
what was measured by then is reported.  Prints a table and one JSON line;
``busy 0/1`` says how busy each core was meanwhile, whoever for (the host is
shared: where the servers' core was busier than the server, others had it).

With ``--cluster 3``, ``cluster3 text`` is loaded too (``cluster.py``): one
PostgreSQL, one Redis and three nodes, all pinned to CPU 0 as a single server
is, the members round-robin over the nodes; its CPU is every process's
(nodes, redis-server, postgres and its backends), each shown apart, and
capacity logs in ``--cluster-connections`` on it.

    python benchmarks/loadgen.py fanout [--members 100 --senders 10 --messages 500 --window 20]
    python benchmarks/loadgen.py capacity [--connections 2000]
    python benchmarks/loadgen.py fanout --idle 18000 --rooms 1000 --only "chat text"
    python benchmarks/loadgen.py fanout --build before=OLD/bin/twistd --build after=.venv/bin/twistd
    python benchmarks/loadgen.py fanout --cluster 3 --only bare --only "chat text" \
        --only "cluster3 text"
    python benchmarks/loadgen.py capacity --connections 15000 --cluster 3 \
        --cluster-connections 50000 --only "chat text" --only "cluster3 text"

With ``--idle``, that many more users sit in ``--rooms`` other rooms while
the measured room talks: its cost per line should not change.  (The bare
server has no rooms: it would send them every line, so leave it out.)
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import cluster
import uvloop
from wsproto.frame_protocol import FrameProtocol

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent
PAYLOAD = re.compile(rb"p:(\d+):(\d+):(\d+)")


@dataclass(frozen=True)
class Contender:
    name: str
    command: list[str]
    #: What a member sends to log in (``{0}``: its number), and the sign that it is in.
    login: str
    ready: bytes | None
    #: After the traffic: the sign that a ``/search`` was answered, which
    #: means every line of the run is indexed, so its cost is counted too.
    searched: bytes | None = None
    #: A line of chat (``{0}``: the text), entering the measured room after
    #: logging in, and entering another room (``{0}``: its name).
    say: str = "{0}\r\n"
    lobby: str = ""
    enter: str = "/create {0}\r\n/join {0}\r\n"
    #: Whether a sender gets its own line back.  Where not (IRC), a member
    #: that does not send acknowledges every sender's lines.
    echoes: bool = True
    #: In the capacity scenario unless named with --only (ngIRCd's logins cost N²).
    capacity: bool = True
    #: Which members are browsers, over the WebSocket: none, "all", "half" (every
    #: other member, senders too), or "readers" (every member but the senders).
    web: str = ""
    #: A cluster of this many nodes (``cluster.py``), its members spread
    #: round-robin over them; 0 for a single process.
    nodes: int = 0
    #: The languages members read the server in, round-robin (``/lang`` after
    #: logging in); none: the server's own.  The first member's is the first.
    languages: tuple[str, ...] = ()

    def browser(self, index: int, senders: int = 0) -> bool:
        return (self.web == "all" or (self.web == "half" and index % 2 == 1)
                or (self.web == "readers" and index >= senders))


#: How a browser member logs in (it speaks JSON from the start), and the sign it is in.
WEB_LOGIN = "login m{0}\r\n"
WEB_READY = b'"type":"room"'
#: Frames a browser's lines, masked as a browser does: the load generator's cost, not the server's.
_CLIENT_FRAMES = FrameProtocol(client=True, extensions=[])


def frame_lines(text: str) -> bytes:
    """Each CRLF-ended line of ``text`` as one masked WebSocket text frame."""
    return b"".join(bytes(_CLIENT_FRAMES.send_data(line, True))
                    for line in text.split("\r\n") if line)


def plain(text: str) -> bytes:
    return text.encode()


def upgrade_request(port: int) -> bytes:
    """A browser's opening handshake on /ws, from the page's own origin."""
    return (f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}"
            f"\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n\r\n"
            ).encode()


def serves_web(twistd: str) -> bool:
    """Whether a build of twisted-chat has the browser front end (``--web``)."""
    found = subprocess.run([twistd, "chat", "--help"], capture_output=True, text=True)
    return "--web" in found.stdout


def speaks_languages(twistd: str) -> bool:
    """Whether a build of twisted-chat words things in other languages (``--lang``)."""
    found = subprocess.run([twistd, "chat", "--help"], capture_output=True, text=True)
    return "--lang" in found.stdout


def contenders(workdir: str, coalesce: float | None = None,
               builds: list[tuple[str, str]] | None = None,
               clusters: list[int] | None = None) -> list[Contender]:
    """
    ``builds``: (name, twistd) of each build of twisted-chat to load, side
    by side (an older one installed in a venv of its own); by default the
    twistd beside this Python, under no name.  ``clusters``: the sizes of
    clusters to load besides (``clusterN text``), on PostgreSQL and Redis.
    """
    found = [
        Contender("bare", [sys.executable, str(HERE / "bare.py"), "0"], "login m{0}\r\n", None),
    ]
    clustered: list[Contender] = []
    for build, twistd in builds or [("", str(BIN / "twistd"))]:
        chat = [twistd, "-n", "--pidfile=", "chat", "--port",
                "tcp:0:interface=127.0.0.1", "--flood-rate", "0", "--max-per-ip", "0",
                "--conn-rate", "0", "--max-connections", "0", "--max-rooms", "0",
                "--create-rate", "0"]
        if coalesce is not None:
            chat += ["--coalesce", str(coalesce)]
        web = serves_web(twistd)
        if web:
            chat += ["--web", "tcp:0:interface=127.0.0.1"]
        suffix = f" {build}" if build else ""
        # A cluster's nodes get their --db (PostgreSQL), --cluster and --node from cluster.py.
        clustered += [Contender(f"cluster{nodes} text{suffix}", chat, "login m{0}\r\n",
                                b"= Members", b" match ", nodes=nodes) for nodes in clusters or []]
        chat = [*chat, "--db", f"{workdir}/chat{build}.db"]
        found += [
            Contender(f"chat text{suffix}", chat, "login m{0}\r\n", b"= Members", b" match "),
            Contender(f"chat json{suffix}", chat, "format json\r\nlogin m{0}\r\n",
                      b'"type":"room"', b'"reason":"search"'),
        ]
        if web:
            found += [
                Contender(f"chat web{suffix}", chat, WEB_LOGIN, WEB_READY, b'"reason":"search"',
                          web="all"),
                # Half telnet (text), half browsers: the first member, who settles, is telnet.
                Contender(f"chat mixed{suffix}", chat, "login m{0}\r\n", b"= Members",
                          b" match ", web="half"),
                # Telnet senders, every other member a browser: what a browser costs to reach.
                Contender(f"chat readers{suffix}", chat, "login m{0}\r\n", b"= Members",
                          b" match ", web="readers", capacity=False),
            ]
        if speaks_languages(twistd):
            # A room reading the server in English, Simplified and Traditional Chinese.
            found.append(Contender(f"chat languages{suffix}", chat, "login m{0}\r\n",
                                   b"= Members", b" match ", capacity=False,
                                   languages=("en", "zh-CN", "zh-TW")))
    if shutil.which("ngircd"):
        found.append(Contender(
            "ngircd", ["ngircd", "--nodaemon", "--config", ngircdConfig(workdir)],
            "NICK m{0}\r\nUSER m{0} 0 * :m\r\n", b" 366 ", say="PRIVMSG #lobby :{0}\r\n",
            lobby="JOIN #lobby\r\n", enter="JOIN #{0}\r\n", echoes=False, capacity=False))
    else:
        print("ngircd is not installed (apt-get install ngircd): measuring without it",
              file=sys.stderr)
    return found + clustered


def ngircdConfig(workdir: str) -> str:
    """ngIRCd on a free loopback port, with no limit that would slow the load down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = Path(workdir) / "ngircd.conf"
    path.write_text(f"""[Global]
Name = bench.local
Info = twisted-chat benchmark
Listen = 127.0.0.1
Ports = {port}
PidFile = {workdir}/ngircd.pid
[Limits]
MaxConnections = 0
MaxConnectionsIP = 0
MaxJoins = 0
MaxPenaltyTime = 0
PingTimeout = 3600
PongTimeout = 3600
[Options]
DNS = no
Ident = no
PAM = no
""")
    return str(path)


class Server:
    """A contender's server process, pinned to CPU 0."""

    def __init__(self, contender: Contender, workdir: str) -> None:
        self.log = Path(workdir) / f"{contender.name.replace(' ', '-')}.log"
        self.process = subprocess.Popen(
            ["taskset", "-c", str(cluster.SERVER_CPU), *contender.command],
            stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not (found := re.search(rb"(?:starting on|listening on) (?:\[[^]]*\]:)?(\d+)",
                                      self.log.read_bytes())):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{contender.name} did not start:\n{self.log.read_text()}")
            time.sleep(0.05)
        self.port = int(found.group(1))
        # The web listener may be logged a moment after the telnet one: wait for it too.
        while (web := re.search(rb"ChatSite starting on (\d+)", self.log.read_bytes())) is None \
                and contender.web:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{contender.name} did not start:\n{self.log.read_text()}")
            time.sleep(0.05)
        #: The browser front end's port, if the contender serves one.
        self.web_port = int(web.group(1)) if web else 0
        #: Where members connect, by number (round-robin): one server, one of each.
        self.ports = [self.port]
        self.web_ports = [self.web_port]

    def cpu_parts(self) -> dict[str, float]:
        return {"server": cluster.tree_cpu(self.process.pid)}

    def cpu(self) -> float:
        return sum(self.cpu_parts().values())

    def rss(self) -> int:
        return cluster.rss(self.process.pid)

    def rss_parts(self) -> dict[str, int]:
        return {}

    def files(self) -> list[int]:
        return [cluster.open_files(self.process.pid)]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def cores_busy() -> list[float]:
    """How long the servers' core and the generator's have been busy, whoever for."""
    return [cluster.core_busy(cluster.SERVER_CPU), cluster.core_busy(cluster.GENERATOR_CPU)]


#: What a contender runs as: one server process, or a cluster of them on its engines.
Running = Server | cluster.Cluster


@dataclass
class Member:
    """A connected member: its streams, how it frames what it sends, and how what it reads ends."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    encode: Callable[[str], bytes] = plain
    #: The byte that ends each thing the server sends it: a line's LF, a JSON message's brace.
    end: bytes = b"\n"


def member_port(server: Running, index: int, browser: bool = False) -> int:
    """Member ``index``'s port: its node's, round-robin over a cluster's nodes."""
    ports = server.web_ports if browser else server.ports
    return ports[index % len(ports)]


async def join(server: Running, contender: Contender, index: int, source: str = "127.0.0.1",
               room: str | None = None, senders: int = 0) -> Member:
    """A member, logged in, in the measured room or ``room``; what it read on the way is dropped."""
    browser = contender.browser(index, senders)
    port = member_port(server, index, browser)
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0),
                                                   limit=1 << 20)
    member = Member(reader, writer)
    login, ready = contender.login, contender.ready
    if browser:
        writer.write(upgrade_request(port))
        await reader.readuntil(b"\r\n\r\n")
        member.encode, member.end = frame_lines, b"}"
        login, ready = WEB_LOGIN, WEB_READY
    enter = contender.lobby if room is None else contender.enter.format(room)
    writer.write(member.encode(login.format(index) + enter))
    if ready is not None:
        seen = b""
        while ready not in seen:
            chunk = await reader.read(1 << 16)
            if not chunk:
                raise ConnectionError(f"member {index} was closed while logging in")
            seen = seen[-64:] + chunk
    if contender.languages:
        # Once in: output waiting in the session would be worded in the new language.
        code = contender.languages[index % len(contender.languages)]
        writer.write(member.encode(f"lang {code}\r\n"))
    return member


@dataclass
class Tally:
    """What the members got."""

    senders: int
    messages: int
    delivered: int = 0
    #: Lines a member should have had and never had.
    lost: int = 0
    #: Lines a member had again.
    duplicated: int = 0
    #: Lines a member had after a later line of the same sender.
    reordered: int = 0
    latencies: list[int] = field(default_factory=list)
    #: Each member's room, as it saw it: its lines (``sender * messages + seq``) in order.
    orders: list[list[int]] = field(default_factory=list)

    def diverged(self) -> int:
        """
        How many members saw, of the lines they had, some in another order
        than the member who had most: every member should see the room's
        lines in one order, across nodes too.  (A line lost is counted
        as lost, not here.)
        """
        if not self.orders:
            return 0
        reference = max(self.orders, key=len)
        wrong = 0
        for order in self.orders:
            had = set(order)
            wrong += [line for line in reference if line in had] != \
                [line for line in order if line in had]
        return wrong


async def receive(member: Member, tally: Tally, wanted: int,
                  acknowledge: Callable[[int], None] | None, deaf: int | None = None) -> None:
    """
    Read until ``wanted`` lines came; check each sender's order and the
    room's; acknowledge as told.  ``deaf``: the sender whose lines this
    member does not get (itself, where a server does not echo).  A browser's
    frames are read as they are: server frames are not masked, so their text
    is in the bytes.
    """
    messages = tally.messages
    following = [0] * tally.senders
    seen = bytearray(tally.senders * messages)
    order: list[int] = []
    got = 0
    rest = b""
    reader, end = member.reader, member.end
    try:
        while got < wanted:
            chunk = await reader.read(1 << 18)
            if not chunk:
                return
            now = time.perf_counter_ns()
            data = rest + chunk
            cut = data.rfind(end) + 1
            rest = data[cut:]
            for sender, seq, sent in PAYLOAD.findall(data[:cut]):
                sender, seq = int(sender), int(seq)
                got += 1
                tally.delivered += 1
                tally.latencies.append(now - int(sent))
                line = sender * messages + seq
                if seen[line]:
                    tally.duplicated += 1
                    continue
                seen[line] = 1
                order.append(line)
                if seq < following[sender]:
                    tally.reordered += 1
                else:
                    following[sender] = seq + 1
                if acknowledge is not None:
                    acknowledge(sender)
    finally:  # Done, closed or cancelled at the deadline: what never came is lost.
        tally.lost += sum(messages - sum(seen[sender * messages:(sender + 1) * messages])
                          for sender in range(tally.senders) if sender != deaf)
        tally.orders.append(order)


async def send(member: Member, say: str, me: int, messages: int,
               window: asyncio.Semaphore) -> None:
    writer, encode = member.writer, member.encode
    for seq in range(messages):
        await window.acquire()
        writer.write(encode(say.format(f"p:{me}:{seq}:{time.perf_counter_ns()}")))
        if seq % 16 == 15:
            await writer.drain()


async def settle(member: Member, searched: bytes, deadline: float) -> None:
    """Ask for a search and wait for its answer: what storing the run cost is then all spent."""
    reader, writer = member.reader, member.writer
    writer.write(member.encode("/search nothing-said-matches-this\r\n"))
    seen = b""
    async with asyncio.timeout(deadline):
        while searched not in seen:
            chunk = await reader.read(1 << 16)
            if not chunk:
                raise ConnectionError("closed before the search was answered")
            seen = seen[-64:] + chunk


def _own(window: asyncio.Semaphore, me: int, sender: int) -> None:
    if sender == me:
        window.release()


async def populate(server: Running, contender: Contender, users: int,
                   rooms: int) -> list[asyncio.StreamWriter]:
    """Users spread over rooms of their own, idle: the chat around the measured room."""
    first = random.randrange(2, 200)
    gate = asyncio.Semaphore(256)
    writers: list[asyncio.StreamWriter] = []

    async def one(index: int) -> None:
        async with gate:
            member = await join(server, contender, 10**6 + index,
                                f"127.0.{first + index // 5000}.1", f"r{index % rooms}")
            writers.append(member.writer)
            asyncio.get_running_loop().create_task(_discard(member.reader))

    await asyncio.gather(*(one(index) for index in range(users)))
    return writers


async def _discard(reader: asyncio.StreamReader) -> None:
    while await reader.read(1 << 16):
        pass


async def fanout(server: Running, contender: Contender, members: int, senders: int,
                 messages: int, window: int, deadline: float, idle: int = 0,
                 rooms: int = 1) -> dict[str, float]:
    crowd = await populate(server, contender, idle, rooms) if idle else []
    files = server.files()
    links = [await join(server, contender, index, senders=senders) for index in range(members)]
    files = [after - before for before, after in zip(files, server.files(), strict=True)]
    await asyncio.sleep(0.3)
    for link in links:  # Presence and replay from the logins: not the traffic.
        while True:
            try:
                if not await asyncio.wait_for(link.reader.read(1 << 20), 0.01):
                    break
            except TimeoutError:
                break
    tally = Tally(senders, messages)
    windows = [asyncio.Semaphore(window) for _ in range(senders)]
    wanted = [senders * messages] * members
    acknowledgers: list[Callable[[int], None] | None] = [None] * members
    if contender.echoes:
        for index in range(senders):
            acknowledgers[index] = partial(_own, windows[index], index)
    else:
        # A sender does not hear itself; the first member that is not a sender
        # acknowledges for everyone.
        wanted[:senders] = [(senders - 1) * messages] * senders
        acknowledgers[senders] = lambda sender: windows[sender].release()
    deaf = [None if contender.echoes or index >= senders else index for index in range(members)]
    cpu, began, busy = server.cpu_parts(), time.perf_counter(), cores_busy()
    readers = [asyncio.create_task(receive(link, tally, wanted[index], acknowledgers[index],
                                           deaf[index]))
               for index, link in enumerate(links)]
    writers = [asyncio.create_task(send(links[index], contender.say, index, messages,
                                        windows[index]))
               for index in range(senders)]
    _, pending = await asyncio.wait(readers + writers, timeout=deadline)
    elapsed = time.perf_counter() - began
    if contender.searched is not None and not pending:
        await settle(links[0], contender.searched, deadline)
    parts = {name: spent - cpu[name] for name, spent in server.cpu_parts().items()}
    busy = [(now - then) / (time.perf_counter() - began)
            for then, now in zip(busy, cores_busy(), strict=True)]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for link in links:
        link.writer.close()
    for writer in crowd:
        writer.close()
    latencies = sorted(tally.latencies) or [0]
    expected = sum(wanted)
    cpu = sum(parts.values())
    return {
        "deliveries": tally.delivered, "missing": expected - tally.delivered,
        "lost": tally.lost, "duplicated": tally.duplicated, "reordered": tally.reordered,
        "diverged": tally.diverged(), "node_files_added": files,
        "seconds": elapsed, "rate": tally.delivered / elapsed, "cpu_seconds": cpu,
        "cpu_us": cpu / max(tally.delivered, 1) * 1e6,
        "cpu_us_parts": {name: spent / max(tally.delivered, 1) * 1e6
                         for name, spent in parts.items()},
        "server_core_busy": busy[0], "generator_core_busy": busy[1],
        "p50_ms": latencies[len(latencies) // 2] / 1e6,
        "p99_ms": latencies[int(len(latencies) * 0.99)] / 1e6,
        "max_ms": latencies[-1] / 1e6, "complete": not pending,
    }


class Holder(asyncio.Protocol):
    """
    A capacity member: logs in, tells ``done`` when in, then holds on and
    drops what it reads.  A protocol rather than a stream: the generator
    must log members in faster than the server can, to measure the server.
    """

    def __init__(self, login: bytes, ready: bytes | None, done: asyncio.Future[None],
                 upgrade: bytes = b"") -> None:
        """With ``upgrade`` (a browser) that handshake goes first, ``login`` after its answer."""
        self.login = login
        self.ready = ready
        self.done = done
        self.upgrade = upgrade
        self.seen = b""
        self.transport: asyncio.Transport | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.upgrade or self.login)  # type: ignore[union-attr]
        if self.ready is None:
            self.done.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self.done.done():
            return
        self.seen = self.seen[-64:] + data
        if self.upgrade:
            if b"\r\n\r\n" not in self.seen:
                return
            self.upgrade, self.seen = b"", self.seen.partition(b"\r\n\r\n")[2]
            self.transport.write(self.login)  # type: ignore[union-attr]
        if self.ready is not None and self.ready in self.seen:
            self.seen = b""
            self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.done.done():
            self.done.set_exception(ConnectionError("closed while logging in"))

    @property
    def alive(self) -> bool:
        return not self.lost and self.transport is not None and not self.transport.is_closing()


#: Connections one generator process holds: a process here may hold at most
#: 20,000 files, so 50,000 members take several.
PER_PROCESS = 15_000


@dataclass
class Holding:
    """
    What one holding process is told: which members (``start`` to
    ``start + count``, by number) it logs in, where and how.
    """

    ports: list[int]
    web_ports: list[int]
    login: str
    ready: str | None  # Bytes, as latin-1: JSON has no bytes.
    lobby: str
    web: str
    first: int
    start: int
    count: int
    deadline: float


async def hold(holding: Holding) -> None:
    """
    One holding process: says ``ready``; on ``go`` logs its members in and
    tells how many got in; on ``count`` how many are still there; on
    ``close`` closes them all.  It talks over its standard input and output.
    """
    loop = asyncio.get_running_loop()
    orders = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(orders), sys.stdin)
    web = Contender("", [], "", None, web=holding.web)
    ready = None if holding.ready is None else holding.ready.encode("latin-1")
    gate = asyncio.Semaphore(256)
    holders: list[Holder] = []

    async def one(index: int) -> None:
        async with gate:
            if web.browser(index):
                port = holding.web_ports[index % len(holding.web_ports)]
                holder = Holder(frame_lines(WEB_LOGIN.format(index)), WEB_READY,
                                loop.create_future(), upgrade_request(port))
            else:
                port = holding.ports[index % len(holding.ports)]
                holder = Holder((holding.login.format(index) + holding.lobby).encode(), ready,
                                loop.create_future())
            holders.append(holder)
            # 5,000 a source address, from a block no earlier run has left in TIME_WAIT.
            await loop.create_connection(lambda: holder, "127.0.0.1", port,
                                         local_addr=(f"127.0.{holding.first + index // 5000}.1",
                                                     0))
            await holder.done

    print("ready", flush=True)
    await orders.readline()
    tasks = [asyncio.create_task(one(index))
             for index in range(holding.start, holding.start + holding.count)]
    _, pending = await asyncio.wait(tasks, timeout=holding.deadline)
    for task in pending:
        task.cancel()
    logged = sum(1 for holder in holders if holder.done.done() and not holder.done.cancelled()
                 and not holder.done.exception())
    print(json.dumps({"logged": logged, "complete": not pending}), flush=True)
    await orders.readline()
    print(sum(1 for holder in holders if holder.alive), flush=True)
    await orders.readline()
    for holder in holders:
        if holder.transport is not None:
            holder.transport.close()


async def capacity(server: Running, contender: Contender, connections: int,
                   deadline: float, per_process: int = PER_PROCESS) -> dict[str, float]:
    """
    Log ``connections`` members in at once, from as many holding processes
    as it takes (``per_process`` each), and hold them: the login's time and
    CPU (every process of the contender), and the memory they hold.
    """
    before, redis_before, files = server.rss(), server.rss_parts(), server.files()
    first = random.randrange(2, 200)
    holdings = [Holding(server.ports, server.web_ports, contender.login,
                        None if contender.ready is None else contender.ready.decode("latin-1"),
                        contender.lobby, contender.web, first, start,
                        min(per_process, connections - start), deadline)
                for start in range(0, connections, per_process)]
    holders = [await asyncio.create_subprocess_exec(
        sys.executable, __file__, "hold", json.dumps(vars(holding)),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE) for holding in holdings]

    async def tell(order: bytes) -> list[bytes]:
        for holder in holders:
            holder.stdin.write(order)  # type: ignore[union-attr]
        return [await holder.stdout.readline() for holder in holders]  # type: ignore[union-attr]

    for holder in holders:
        if await holder.stdout.readline() != b"ready\n":  # type: ignore[union-attr]
            raise SystemExit("a holding process did not start")
    began, cpu, busy = time.perf_counter(), server.cpu_parts(), cores_busy()
    done = [json.loads(line) for line in await tell(b"go\n")]
    seconds = time.perf_counter() - began
    parts = {name: spent - cpu[name] for name, spent in server.cpu_parts().items()}
    busy = [(now - then) / seconds for then, now in zip(busy, cores_busy(), strict=True)]
    logged = sum(each["logged"] for each in done)
    await asyncio.sleep(1)
    after, redis_after = server.rss(), server.rss_parts()
    files = [after_ - before_ for before_, after_ in zip(files, server.files(), strict=True)]
    alive = sum(int(line) for line in await tell(b"count\n"))
    for holder in holders:
        holder.stdin.write(b"close\n")  # type: ignore[union-attr]
        await holder.wait()
    return {"connections": logged, "alive": alive, "login_seconds": seconds,
            "processes": len(holders),
            "login_cpu_us": sum(parts.values()) / max(logged, 1) * 1e6,
            "login_cpu_us_parts": {name: spent / max(logged, 1) * 1e6
                                   for name, spent in parts.items()},
            "rss_before_mb": before / 2**20, "rss_after_mb": after / 2**20,
            "rss_per_connection_kb": (after - before) / max(logged, 1) / 1024,
            "rss_per_connection_kb_parts": {
                name: (redis_after[name] - held) / max(logged, 1) / 1024
                for name, held in redis_before.items()},
            "node_files_added": files,
            "server_core_busy": busy[0], "generator_core_busy": busy[1],
            "complete": all(each["complete"] for each in done)}


def main() -> None:
    if sys.argv[1:2] == ["hold"]:  # One of capacity's holding processes.
        uvloop.run(hold(Holding(**json.loads(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=["fanout", "capacity"])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--idle", type=int, default=0,
                        help="fanout: this many more users, idle in rooms of their own")
    parser.add_argument("--rooms", type=int, default=1000,
                        help="fanout: how many rooms the idle users are spread over")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--deadline", type=float, default=120.0,
                        help="seconds a run may take before its partial result is reported")
    parser.add_argument("--only", action="append", help="run only these contenders")
    parser.add_argument("--coalesce", type=float,
                        help="twisted-chat's --coalesce, in milliseconds (default: its own)")
    parser.add_argument("--build", action="append", type=build, default=[],
                        metavar="NAME=TWISTD",
                        help="a build of twisted-chat to load, by its twistd (repeat to "
                             "compare builds in one run: before=..., after=...)")
    parser.add_argument("--cluster", action="append", type=int, default=[], metavar="NODES",
                        help="load a cluster of NODES nodes too (clusterNODES text), on "
                             "PostgreSQL and Redis, its members round-robin over them")
    parser.add_argument("--cluster-connections", type=int,
                        help="capacity: how many a cluster logs in (default: --connections)")
    parser.add_argument("--per-process", type=int, default=PER_PROCESS,
                        help="capacity: connections one generator process holds")
    options = parser.parse_args()
    os.sched_setaffinity(0, {cluster.GENERATOR_CPU})
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if options.cluster_connections is None:
        options.cluster_connections = options.connections
    if options.scenario == "capacity":
        for wanted, nodes in [(options.connections, 1)] + [
                (options.cluster_connections, nodes) for nodes in options.cluster]:
            if -(-wanted // nodes) > hard - 200 or options.per_process > hard - 200:
                raise SystemExit(f"{wanted} connections on {nodes} node(s) need more open files "
                                 f"than this machine allows a process ({hard}: each server and "
                                 "each generator process holds at most that many)")

    results: dict[str, list[dict[str, float]]] = {}
    engines = cluster.Engines()
    with tempfile.TemporaryDirectory() as workdir:
        try:
            chosen = [c for c in contenders(workdir, options.coalesce, options.build,
                                            options.cluster)
                      if (c.name in options.only if options.only
                          else options.scenario == "fanout" or c.capacity)]
            for _ in range(options.rounds):
                for contender in chosen:
                    results.setdefault(contender.name, []).append(
                        one_round(contender, workdir, engines, options))
        finally:
            engines.stop()
    report(options, results)


def one_round(contender: Contender, workdir: str, engines: cluster.Engines,
              options: argparse.Namespace) -> dict[str, float]:
    """Start the contender, load it as the scenario says, stop it."""
    server = cluster.Cluster(contender, workdir, engines, Server) if contender.nodes \
        else Server(contender, workdir)
    try:
        if options.scenario == "fanout":
            run = fanout(server, contender, options.members, options.senders,
                         options.messages, options.window, options.deadline,
                         options.idle, options.rooms)
        else:
            run = capacity(server, contender, options.cluster_connections if contender.nodes
                           else options.connections, options.deadline, options.per_process)
        return uvloop.run(run)
    finally:
        server.stop()


def build(text: str) -> tuple[str, str]:
    name, equals, twistd = text.partition("=")
    if not equals or not name or not Path(twistd).exists():
        raise argparse.ArgumentTypeError(f"{text!r}: write NAME=PATH-TO-TWISTD")
    return name, twistd


def paired_median(runs: list[dict[str, float]], bare: list[dict[str, float]] | None,
                  figure: str) -> float:
    """The median over rounds of ``figure`` as a ratio to the bare server's in the same round."""
    if not bare:
        return float("nan")
    ratios = [run[figure] / base[figure] for run, base in zip(runs, bare, strict=False)
              if base[figure]]
    return statistics.median(ratios) if ratios else float("nan")


def where(best: dict[str, dict[str, Any]], figure: str, what: str) -> None:
    """For contenders of several processes (a cluster), the share of each."""
    for name, run in best.items():
        parts = run[figure]
        if len(parts) > 1:
            shares = "  ".join(f"{part} {spent:.3f}" for part, spent in parts.items())
            print(f"{name}: {what}, by process: {shares}")


def busy(run: dict[str, Any]) -> str:
    """How busy the servers' core and the generator's were, whoever for (the host is shared)."""
    return f"{run['server_core_busy']:.0%}/{run['generator_core_busy']:.0%}".replace("%", "")


def report(options: argparse.Namespace, results: dict[str, list[dict[str, float]]]) -> None:
    best = {name: min(runs, key=lambda run: run.get("cpu_us", run.get("login_seconds", 0)))
            for name, runs in results.items()}
    base = best.get("bare")
    if options.scenario == "fanout":
        # Latency's tail swings more from run to run than CPU does: each
        # round's p99 is compared with the bare server's in the same round,
        # and the middle of those ratios is reported.
        tails = {name: paired_median(runs, results.get("bare"), "p99_ms")
                 for name, runs in results.items()}
        print(f"fanout: N={options.members} S={options.senders} M={options.messages} "
              f"W={options.window}, best of {options.rounds} by CPU; p99 x bare: median "
              f"of the rounds' ratios")
        print(f"{'contender':<18}{'CPU µs/deliv':>13}{'x bare':>8}{'deliv/s':>11}"
              f"{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'p99 x bare':>11}"
              f"{'loss/dup/reord/div':>20}{'busy 0/1 %':>12}")
        for name, run in best.items():
            # A short run may take less than the clock tick (10 ms) of the
            # bare server's CPU: no ratio then, rather than a division by 0.
            ratio = run["cpu_us"] / base["cpu_us"] if base and base["cpu_us"] else float("nan")
            faults = (f"{run['lost']}/{run['duplicated']}/{run['reordered']}/"
                      f"{run['diverged']}")
            print(f"{name:<18}{run['cpu_us']:>13.3f}{ratio:>8.2f}{run['rate']:>11,.0f}"
                  f"{run['p50_ms']:>8.2f}{run['p99_ms']:>8.2f}{run['max_ms']:>8.1f}"
                  f"{tails[name]:>11.2f}{faults:>20}{busy(run):>12}")
        where(best, "cpu_us_parts", "CPU µs a delivery")
        for name, run in best.items():
            run["p99_x_bare_median"] = tails[name]
    else:
        clusters = f" ({options.cluster_connections} on a cluster)" if options.cluster else ""
        print(f"capacity: {options.connections} connections{clusters}, best of {options.rounds}")
        print(f"{'contender':<18}{'logged in':>10}{'alive':>8}{'seconds':>9}{'CPU µs/login':>14}"
              f"{'RSS before MB':>15}{'after MB':>10}{'KB/conn':>9}{'busy 0/1 %':>12}")
        for name, run in best.items():
            print(f"{name:<18}{run['connections']:>10}{run['alive']:>8}{run['login_seconds']:>9.2f}"
                  f"{run['login_cpu_us']:>14.0f}{run['rss_before_mb']:>15.1f}"
                  f"{run['rss_after_mb']:>10.1f}{run['rss_per_connection_kb']:>9.2f}"
                  f"{busy(run):>12}")
        where(best, "login_cpu_us_parts", "CPU µs a login")
        for name, run in best.items():
            for part, kb in run["rss_per_connection_kb_parts"].items():
                print(f"{name}: {part} holds {kb:.2f} KB a connection more (RSS)")
    print(json.dumps({"scenario": options.scenario, "options": vars(options), "best": best}))


if __name__ == "__main__":
    main()
