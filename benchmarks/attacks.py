"""
What one determined user's attacks cost everyone else, on the real ``twistd -n chat``.

For each attack: the server's CPU and a bystander's latency with the attack,
against the same run without it (same server options, same bystanders, no
attacker), for one or more builds of the server side by side, alternating.
The machine is shared and noisy, so what to read are the ratios: each
attack run is divided by the no-attack run of the same build in the same
round, and the median over rounds is reported.

    python benchmarks/attacks.py                      # one build: the twistd next to python
    python benchmarks/attacks.py --build before=/work/baseline/.venv/bin/twistd \\
                                 --build after=/work/main/.venv/bin/twistd
    python benchmarks/attacks.py --only iac-nop --only search --seconds 5 --rounds 1

How it measures:

- **The server**: ``TWISTD -n --pidfile= chat --port tcp:0:interface=127.0.0.1
  --db chat.db`` in a fresh temporary directory, on its default limits, with one
  exception: ``--flood-exempt`` for the two bystanders' addresses, which send
  10 lines a second (flood control would hold them to 4).  Pinned to CPU 0 (this
  script and its attackers to CPU 1).  Stopped with SIGTERM (SIGKILL after 10 s)
  after each measurement.  Its CPU is utime + stime of all its threads, from
  ``/proc/PID/stat``, over the window, as % of one core; its RSS (``VmRSS``)
  at the start of the window, at its peak (sampled every 0.2 s) and at its end.
- **The bystanders**, in this process on a thread of their own: ``pinger``
  (from 127.0.0.2) says ``ping N`` every 0.1 s in the main room and times
  its own line coming back; ``watcher`` (127.0.0.3), in the same room, must
  get every ping, in order.  After the window they wait up to 10 s for the
  stragglers; a ping that never came is lost.  p50 and p99 are of the pinger's
  round trips.
- **The attackers** run in a subprocess of this script (``--worker``, niced,
  on CPU 1), so that their load never delays the bystanders' clock; they log
  in, say they are ready, attack from the start of the window to its end,
  and report how it went (when the server cut them off, what they got).  All
  traffic goes to 127.0.0.x; every loop has a bound in count and in time.

The attacks (``--only`` takes these names):

=======================  ===============================================================
telnet-replies           one logged-in attacker that never reads (4 KB receive buffer)
                         sends ``IAC DO NEW-ENVIRON``, which the server refuses with a
                         WONT each time: is its output bounded, and is it cut?
iac-nop, iac-nop-4       one, then four, logged-in attackers sending ``IAC NOP`` as
                         fast as they can (reading and discarding what they get)
naws-widths, naws-none   twenty attackers, each with its own window width (20 to 39)
                         from NAWS, chatting 1000-byte lines at the flood rate (4 a
                         second) in the bystanders' room; and the same twenty without
                         NAWS, to show what the widths cost
password-guess           fifty guessers (from 50 addresses) trying wrong passwords at a
                         registered name, each retrying on each answer; the owner logs
                         in from a fresh address in the middle of the window
password-guess-known     the same, but the owner logged in from that address once before
search                   one attacker in its own room ``big``, which holds 200,000 past
                         lines, sends ``/search`` with 300 one-letter words, up to ten
                         times, each after the last one's answer
search-8                 the same with ``/search a b c d e f g z``: the worst search of
                         eight words, the most a search may hold since the fix
db-lock                  another process holds the database in ``BEGIN EXCLUSIVE`` for
                         20 s while the bystanders chat and the watcher sends ``/who``
                         every 0.5 s
=======================  ===============================================================

The no-attack run is shared by attacks whose runs are the same without the
attacker (the telnet, NAWS and NOP attacks share one; each password variant,
``search`` and ``db-lock`` have their own).  ``search`` needs a database with
200,000 lines in ``big``: it is made once, by chatting through the server
(``--flood-rate 0``, four senders, many lines a write), and kept in
``/tmp/twisted-chat-attacks/`` for later runs.

A full default run (one build, 3 rounds of 10 s) takes about 11 minutes, plus
about a minute to make the database the first time; each further build adds
as much again.  Prints a row per measurement as it goes, a table of medians at
the end, and one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import re
import select
import selectors
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
TICKS = os.sysconf("SC_CLK_TCK")
CACHE = Path(tempfile.gettempdir()) / "twisted-chat-attacks"

#: The bystanders: where they connect from, and how often they speak.
PINGER = "127.0.0.2"
WATCHER = "127.0.0.3"
PING_INTERVAL = 0.1
#: With a build that lacks --flood-exempt the pinger keeps to the default flood rate.
SLOW_PING_INTERVAL = 0.25
WHO_INTERVAL = 0.5
#: How long after the window the bystanders wait for lines still on their way.
GRACE = 10.0
#: The owner of a registered name, and where it logs in from.
OWNER_SOURCE = "127.0.0.9"
REGISTER_SOURCE = "127.0.0.8"
RIGHT_PASSWORD = "rightpass1"
#: How long the owner waits for an answer to a right password before giving up.
OWNER_WAIT = 25.0
GUESSERS = 50
HISTORY_LINES = 200_000
#: Every letter but z: a search for a b c ... tests 26 words against every line.
HISTORY_TEXT = "a quick brown fox jumps over the lucky dog"
SEARCHES = 10
SEARCH_WORDS = 300
#: How long a search still on its way at the end of the window is waited for.
SEARCH_WAIT = 15.0
LOCK_SECONDS = 20.0
LOCK_AT = 1.0
#: telnet-replies sends at most this much.
TELNET_LIMIT = 200 * 2**20
#: Past this much growth of the server's RSS the attack is stopped, whatever it is.
RSS_SAFETY = 6 * 2**30
IAC, DO, NOP, SB, SE = b"\xff", b"\xfd", b"\xf1", b"\xfa", b"\xf0"
NAWS = b"\x1f"
NEW_ENVIRON = b"\x27"

LOCKER = """\
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0.5)
c.execute('BEGIN EXCLUSIVE')
print('locked', flush=True)
time.sleep(float(sys.argv[2]))
"""


# Talking to the server


class Client:
    """One blocking connection from a 127.0.0.x address, reading CRLF lines (the offer skipped)."""

    def __init__(self, port: int, source: str, *, receive_buffer: int = 0,
                 timeout: float = 15.0) -> None:
        self.sock = socket.socket()
        try:
            if receive_buffer:
                # Before connecting, so that the window the server sees is small from the start.
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
            self.sock.bind((source, 0))
            self.sock.settimeout(timeout)
            self.sock.connect(("127.0.0.1", port))
        except OSError:
            self.sock.close()
            raise
        self.pending = b""
        self.offered = False
        self.lines: deque[str] = deque()

    def feed(self, data: bytes) -> None:
        """Bytes read: complete lines go to ``lines``."""
        self.pending += data
        if not self.offered:
            # The telnet offer, up to its CR, comes before the first line.
            if b"\r" not in self.pending:
                return
            self.offered = True
            self.pending = self.pending.partition(b"\r")[2]
        *complete, self.pending = self.pending.split(b"\r\n")
        self.lines.extend(line.decode("utf-8", "replace") for line in complete)

    def readline(self, until: float) -> str:
        """The next line; TimeoutError at ``until`` (a time.monotonic()), EOFError when closed."""
        while not self.lines:
            left = until - time.monotonic()
            if left <= 0:
                raise TimeoutError("no line in time")
            ready, _, _ = select.select([self.sock], [], [], min(left, 0.5))
            if not ready:
                continue
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, TimeoutError):
                continue
            except OSError as error:
                raise EOFError(str(error)) from error
            if not data:
                raise EOFError("closed by the server")
            self.feed(data)
        return self.lines.popleft()

    def expect(self, wanted: str, timeout: float = 15.0) -> list[str]:
        """Lines up to and including the first that holds ``wanted``."""
        until = time.monotonic() + timeout
        seen = []
        while True:
            line = self.readline(until)
            seen.append(line)
            if wanted in line:
                return seen

    def send(self, line: str | bytes) -> None:
        self.sock.sendall((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def login(self, name: str, password: str | None = None, timeout: float = 15.0) -> None:
        self.expect("Log in with", timeout)
        self.send(f"login {name}" + (f" {password}" if password else ""))
        self.expect("= Members", timeout)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class Server:
    """A ``twistd -n chat`` of one build, listening on a loopback port it chose."""

    def __init__(self, twistd: str, workdir: Path, db: Path, args: Sequence[str],
                 pin: bool) -> None:
        self.log_path = workdir / "twistd.log"
        command = [twistd, "-n", "--pidfile=", "chat", "--port", "tcp:0:interface=127.0.0.1",
                   "--db", str(db), *args]
        if pin:
            command = ["taskset", "-c", "0", *command]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=workdir, stdout=log,
                                            stderr=subprocess.STDOUT)
        # Loading (and migrating) a big database happens before the port opens.
        deadline = time.monotonic() + 120
        while not (found := re.search(rb"(?:Chat|Telnet)Factory starting on (\d+)",
                                      self.log_path.read_bytes())):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise StartFailed(self.log_path.read_text(errors="replace"))
            time.sleep(0.05)
        self.port = int(found.group(1))
        self._cpu = 0.0

    def cpu(self) -> float:
        """CPU seconds so far, all threads (the last figure read, once the process is gone)."""
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            self._cpu = (int(fields[11]) + int(fields[12])) / TICKS
        return self._cpu

    def rss(self) -> int:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{self.process.pid}/status").read_text()
            found = re.search(r"VmRSS:\s+(\d+) kB", status)
            if found:
                return int(found.group(1)) * 1024
        return 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


class StartFailed(Exception):
    """The server did not start; the exception holds its log."""


# The bystanders


@dataclass
class Bystanders:
    """What the pinger and the watcher saw in one window."""

    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    echoed: int = 0
    watched: int = 0
    reordered: int = 0
    not_stored: int = 0
    who_latencies: list[float] = field(default_factory=list)
    who_sent: int = 0
    closed: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return max(self.sent - self.echoed, self.sent - self.watched)


PING = re.compile(r"<pinger> ping (\d+)$")


class BystanderThread(threading.Thread):
    """The pinger and the watcher, logged in, then talking for a window on their own thread."""

    def __init__(self, port: int, who: bool, interval: float) -> None:
        super().__init__(daemon=True, name="bystanders")
        self.pinger = Client(port, PINGER)
        self.watcher = Client(port, WATCHER)
        self.pinger.login("pinger")
        self.watcher.login("watcher")
        self.who = who
        self.interval = interval
        self.seconds = 0.0
        self.result = Bystanders()
        # What logging in brought (the watcher hears the pinger arrive, ...): not the traffic.
        time.sleep(0.3)
        for client in (self.pinger, self.watcher):
            client.sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                while client.sock.recv(65536):
                    pass
            client.lines.clear()
            client.pending = b""

    def talk(self, seconds: float) -> None:
        self.seconds = seconds
        self.start()

    def run(self) -> None:
        result = self.result
        sent: dict[int, float] = {}
        outgoing = {self.pinger: b"", self.watcher: b""}
        whoSent: deque[float] = deque()
        following = 0
        selector = selectors.DefaultSelector()
        for client in (self.pinger, self.watcher):
            selector.register(client.sock, selectors.EVENT_READ, client)
        start = time.perf_counter()
        end = start + self.seconds
        nextPing, nextWho = start, start + WHO_INTERVAL / 2
        while True:
            now = time.perf_counter()
            if now < end:
                if now >= nextPing:
                    sent[result.sent] = now
                    outgoing[self.pinger] += f"ping {result.sent}\r\n".encode()
                    result.sent += 1
                    nextPing += self.interval
                if self.who and now >= nextWho:
                    whoSent.append(now)
                    outgoing[self.watcher] += b"/who\r\n"
                    result.who_sent += 1
                    nextWho += WHO_INTERVAL
            elif (now > end + GRACE or result.closed
                  or (not sent and following >= result.sent and not whoSent)):
                break
            for client, data in outgoing.items():
                if data and not result.closed:
                    try:
                        outgoing[client] = data[client.sock.send(data):]
                    except BlockingIOError:
                        pass
                    except OSError as error:
                        result.closed.append(f"{'pinger' if client is self.pinger else 'watcher'}"
                                             f": {error}")
            wake = min(nextPing, nextWho if self.who else nextPing) if now < end else now + 0.05
            for key, _ in selector.select(max(0.0, min(wake - time.perf_counter(), 0.05))):
                client = key.data
                try:
                    data = client.sock.recv(1 << 18)
                except BlockingIOError:
                    continue
                except OSError as error:
                    data, reason = b"", str(error)
                else:
                    reason = "closed by the server"
                arrived = time.perf_counter()
                if not data:
                    result.closed.append(
                        f"{'pinger' if client is self.pinger else 'watcher'}: {reason}")
                    selector.unregister(client.sock)
                    continue
                client.feed(data)
                while client.lines:
                    line = client.lines.popleft()
                    ping = PING.match(line)
                    if client is self.pinger:
                        if ping and int(ping.group(1)) in sent:
                            result.latencies.append(arrived - sent.pop(int(ping.group(1))))
                        elif line.startswith("! Your message could not be stored"):
                            result.not_stored += 1
                    elif ping:
                        number = int(ping.group(1))
                        if number < following:
                            result.reordered += 1
                        else:
                            following = number + 1
                        result.watched += 1
                    elif line.startswith("= Online (") and whoSent:
                        result.who_latencies.append(arrived - whoSent.popleft())
        selector.close()
        # sent now holds the pings never echoed; the echoed were popped.
        result.echoed = result.sent - len(sent)

    def close(self) -> None:
        self.pinger.close()
        self.watcher.close()


# Scenarios: what an attack run and its no-attack run share


def register_owner(port: int, known: bool) -> None:
    """``owner`` registers its name (from 127.0.0.8); with ``known``, logs in once from .9."""
    owner = Client(port, REGISTER_SOURCE)
    try:
        owner.login("owner")
        owner.send(f"/register {RIGHT_PASSWORD}")
        owner.expect("is registered")
        owner.send("/quit")
        with contextlib.suppress(EOFError, TimeoutError):
            owner.expect("\0never", 5)
    finally:
        owner.close()
    if known:
        owner = Client(port, OWNER_SOURCE)
        try:
            owner.expect("Log in with")
            owner.send(f"login owner {RIGHT_PASSWORD}")
            owner.expect("*** You are owner", 30)
            owner.send("/quit")
            with contextlib.suppress(EOFError, TimeoutError):
                owner.expect("\0never", 5)
        finally:
            owner.close()


def owner_login(port: int, at: float, found: dict[str, Any]) -> None:
    """At ``at`` (perf_counter), the owner logs in from 127.0.0.9: how long until it is answered."""
    time.sleep(max(0.0, at - time.perf_counter()))
    try:
        owner = Client(port, OWNER_SOURCE)
    except OSError as error:
        found.update(owner_answer=f"could not connect: {error}")
        return
    try:
        owner.expect("Log in with")
        began = time.perf_counter()
        owner.send(f"login owner {RIGHT_PASSWORD}")
        until = time.monotonic() + OWNER_WAIT
        while True:
            line = owner.readline(until)
            if line.startswith("*** You are owner") or line.startswith("! "):
                found.update(owner_seconds=time.perf_counter() - began, owner_answer=line)
                return
    except TimeoutError:
        found.update(owner_seconds=None, owner_answer=f"no answer in {OWNER_WAIT:.0f} s")
    except EOFError as error:
        found.update(owner_seconds=None, owner_answer=f"closed: {error}")
    finally:
        owner.close()


@dataclass(frozen=True)
class Scenario:
    """The server, the setup and the probes an attack run and its no-attack run share."""

    name: str
    #: Before the bystanders log in.
    setup: Callable[[int], None] | None = None
    #: The owner logs in in the middle of the window.
    owner: bool = False
    #: The watcher sends /who every WHO_INTERVAL.
    who: bool = False
    #: The database starts as a copy of the prefilled history.
    history: bool = False
    #: The window's length, from --seconds.
    window: Callable[[float], float] = lambda seconds: seconds


SCENARIOS = {scenario.name: scenario for scenario in [
    Scenario("plain"),
    Scenario("owner", setup=lambda port: register_owner(port, known=False), owner=True),
    Scenario("owner-known", setup=lambda port: register_owner(port, known=True), owner=True),
    Scenario("history", history=True),
    Scenario("db-lock", who=True,
             window=lambda seconds: max(seconds, LOCK_AT + LOCK_SECONDS + 3)),
]}


# The attackers, in the worker process


class Worker:
    """The worker's side: its port, its window, and when to start and stop."""

    def __init__(self, port: int, seconds: float, db: str) -> None:
        self.port = port
        self.seconds = seconds
        self.db = db
        self.go = threading.Event()
        self.stopped = threading.Event()
        self.began = 0.0
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self) -> None:
        for line in sys.stdin:
            if line.strip() == "GO":
                self.began = time.perf_counter()
                self.go.set()
            elif line.strip() == "STOP":
                self.stopped.set()
        self.stopped.set()
        self.go.set()

    def ready(self) -> None:
        """Logged in: tell the measurer, and wait for the window to start."""
        print("READY", flush=True)
        if not self.go.wait(180):
            raise SystemExit("never told to start")

    def elapsed(self) -> float:
        return time.perf_counter() - self.began

    def over(self) -> bool:
        return self.stopped.is_set() or self.elapsed() >= self.seconds

    def left(self) -> float:
        """Seconds left in the window, as a time.monotonic() deadline."""
        return time.monotonic() + max(0.0, self.seconds - self.elapsed())


@dataclass
class Cuts:
    """When the server closed attackers' connections, in seconds into the window."""

    connections: int
    times: dict[int, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cut(self, worker: Worker, connection: int = 0) -> None:
        with self.lock:
            self.times.setdefault(connection, round(worker.elapsed(), 2))

    def report(self) -> dict[str, Any]:
        return {"connections": self.connections, "cut": sorted(self.times.values())}


def pump(sock: socket.socket, pattern: bytes, worker: Worker, limit: int) -> tuple[int, bool]:
    """Send ``pattern`` over and over, as fast as the socket takes it: bytes sent, and if cut."""
    data = memoryview(pattern * max(1, 65536 // len(pattern)))
    offset = sent = 0
    while sent < limit and not worker.over():
        try:
            count = sock.send(data[offset:])
        except (BlockingIOError, TimeoutError):
            select.select([], [sock], [], 0.1)
            continue
        except OSError:
            return sent, True
        sent += count
        offset = (offset + count) % len(data)
    return sent, False


def discard(sock: socket.socket, worker: Worker, cuts: Cuts, got: list[int],
            connection: int = 0) -> None:
    """Read and drop what comes, until the window ends or the server closes the connection."""
    while not worker.over():
        ready, _, _ = select.select([sock], [], [], 0.2)
        if not ready:
            continue
        try:
            data = sock.recv(1 << 18)
        except (BlockingIOError, TimeoutError):
            continue
        except OSError:
            data = b""
        if not data:
            cuts.cut(worker, connection)
            return
        got[0] += len(data)


def telnet_replies(worker: Worker) -> dict[str, Any]:
    """
    One attacker logs in as ``mallory`` with a 4 KB receive buffer, then never
    reads, and sends ``IAC DO NEW-ENVIRON`` (ff fd 27), an option the server
    refuses with ``IAC WONT NEW-ENVIRON`` each time, as fast as it can, for the
    window or 200 MB.  Replies that bypass the send queue pile up in the server.
    """
    attacker = Client(worker.port, "127.0.0.1", receive_buffer=4096)
    attacker.login("mallory")
    worker.ready()
    cuts = Cuts(1)
    attacker.sock.setblocking(False)
    sent, cut = pump(attacker.sock, IAC + DO + NEW_ENVIRON, worker, TELNET_LIMIT)
    if cut:
        cuts.cut(worker)
    attacker.close()
    return {**cuts.report(), "sent_mb": sent / 2**20}


def iac_nops(worker: Worker, attackers: int) -> dict[str, Any]:
    clients = [Client(worker.port, "127.0.0.1") for _ in range(attackers)]
    for index, client in enumerate(clients):
        client.login(f"mallory{index}")
        client.sock.setblocking(False)
    worker.ready()
    cuts = Cuts(attackers)
    sent = [0] * attackers
    got = [0]

    def attack(index: int) -> None:
        sent[index], cut = pump(clients[index].sock, IAC + NOP, worker, 2**40)
        if cut:
            cuts.cut(worker, index)

    threads = [threading.Thread(target=attack, args=(index,)) for index in range(attackers)]
    threads += [threading.Thread(target=discard, args=(client.sock, worker, cuts, got, index))
                for index, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return {**cuts.report(), "sent_mb": sum(sent) / 2**20}


def iac_nop(worker: Worker) -> dict[str, Any]:
    """
    One attacker, logged in, sends ``IAC NOP`` (ff f1) as fast as it can for
    the window, reading (and discarding) everything it is sent, so that only
    the NOPs load the server.
    """
    return iac_nops(worker, 1)


def iac_nop_4(worker: Worker) -> dict[str, Any]:
    """Four attackers, each as in ``iac-nop``."""
    return iac_nops(worker, 4)


def chatters(worker: Worker, widths: bool) -> dict[str, Any]:
    count = 20
    clients = [Client(worker.port, "127.0.0.1") for _ in range(count)]
    for index, client in enumerate(clients):
        client.login(f"mallory{index}")
        if widths:
            size = (20 + index).to_bytes(2, "big") + (24).to_bytes(2, "big")
            client.sock.sendall(IAC + SB + NAWS + size + IAC + SE)
        client.sock.setblocking(False)
    worker.ready()
    cuts = Cuts(count)
    got = [0]
    readers = [threading.Thread(target=discard, args=(client.sock, worker, cuts, got, index))
               for index, client in enumerate(clients)]
    for reader in readers:
        reader.start()
    line = ("word " * 200).encode()[:1000] + b"\r\n"
    sent = 0
    tick = 0
    alive = set(range(count))
    unsent = [b""] * count
    # 4 lines a second each, the default flood rate, spread evenly over the quarter second.
    while not worker.over():
        index = tick % count
        due = worker.began + tick * 0.25 / count
        time.sleep(max(0.0, due - time.perf_counter()))
        tick += 1
        if index not in alive or worker.over():
            continue
        unsent[index] += line
        sent += 1
        try:
            unsent[index] = unsent[index][clients[index].sock.send(unsent[index]):]
        except BlockingIOError:
            pass
        except OSError:
            alive.discard(index)
    for reader in readers:
        reader.join()
    for client in clients:
        client.close()
    return {**cuts.report(), "lines_sent": sent, "got_mb": got[0] / 2**20}


def naws_widths(worker: Worker) -> dict[str, Any]:
    """
    Twenty attackers from 127.0.0.1, each logged in under its own name with
    its own window width from NAWS (``IAC SB NAWS 0 WW 0 24 IAC SE``, widths 20
    to 39), each saying a 1000-byte line of words 4 times a second (the
    default flood rate) in the bystanders' room, reading and discarding what
    they get: every line is wrapped for twenty widths.
    """
    return chatters(worker, widths=True)


def naws_none(worker: Worker) -> dict[str, Any]:
    """The twenty attackers of ``naws-widths`` without NAWS: the reference for what widths cost."""
    return chatters(worker, widths=False)


def password_guess(worker: Worker) -> dict[str, Any]:
    """
    Fifty guessers, each from its own address (127.0.1.1 to 127.0.1.50), send
    ``login owner wrongpassN`` with a new wrong password each time, and try again
    as each answer comes; a guesser the server closes (20 lines before login
    are allowed) connects again.  Counts the answers.
    """
    worker.ready()
    lock = threading.Lock()
    tally = {"answered": 0, "other_errors": 0, "connections": 0, "refused": 0, "closed": 0}
    answer_times: list[float] = []

    def count(key: str) -> None:
        with lock:
            tally[key] += 1

    def guess(index: int) -> None:
        source = f"127.0.1.{index + 1}"
        tries = 0
        while not worker.over() and tries < 10_000:
            try:
                guesser = Client(worker.port, source, timeout=2.0)
            except OSError:
                count("refused")
                time.sleep(1.0)
                continue
            try:
                first = guesser.readline(worker.left())
                if first.startswith("! "):
                    # Over a connection limit: one line, then the close.  Wait before the next.
                    count("refused")
                    guesser.close()
                    time.sleep(1.0)
                    continue
                count("connections")
                if "Log in with" not in first:
                    guesser.expect("Log in with", timeout=max(0.1, worker.left()
                                                              - time.monotonic()))
                while not worker.over() and tries < 10_000:
                    guesser.send(f"login owner wrongpass{index}x{tries}")
                    tries += 1
                    asked = time.perf_counter()
                    while not (line := guesser.readline(worker.left())).startswith("! "):
                        pass
                    if "Wrong password" in line:
                        count("answered")
                        with lock:
                            answer_times.append(time.perf_counter() - asked)
                    else:
                        count("other_errors")
            except EOFError:
                count("closed")
                time.sleep(0.5)
            except (TimeoutError, OSError):
                pass
            finally:
                guesser.close()

    threads = [threading.Thread(target=guess, args=(index,)) for index in range(GUESSERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(worker.seconds + 30)
    answer_times.sort()
    return {**tally, "guessers": GUESSERS, "connections": 0, "cut": [],
            "guesses_per_minute": tally["answered"] / worker.seconds * 60,
            "answer_p50_s": answer_times[len(answer_times) // 2] if answer_times else None}


def password_guess_known(worker: Worker) -> dict[str, Any]:
    """The guessers of ``password-guess``; the owner had logged in once from its address before."""
    return password_guess(worker)


def search(worker: Worker) -> dict[str, Any]:
    """
    One attacker logs in, enters ``big`` (``/create big``: the room made again
    reads its past, 200,000 lines that hold every letter but z), and sends
    ``/search a b c ...`` (300 one-letter words, cycling through the alphabet),
    up to ten times, each as soon as the last is answered.  A one-letter word
    cannot use the trigram index: every line of the room is scanned.
    """
    return searches(worker, " ".join(chr(ord("a") + index % 26)
                                     for index in range(SEARCH_WORDS)))


def search_8(worker: Worker) -> dict[str, Any]:
    """
    The worst search a server that allows eight words at most still runs:
    ``/search a b c d e f g z``, seven letters every line holds and one none
    does, ten times, so that every line of the room is scanned each time.
    """
    return searches(worker, "a b c d e f g z")


def searches(worker: Worker, words: str) -> dict[str, Any]:
    attacker = Client(worker.port, "127.0.0.1", timeout=30)
    attacker.login("mallory")
    attacker.send("/create big")
    attacker.expect("= Members")
    worker.ready()
    answer = re.compile(r"= (No lines in \S+ match |\d+ lines? in \S+ matching )|! ")
    times: list[float] = []
    answers: list[str] = []
    cuts = Cuts(1)
    try:
        for _ in range(SEARCHES):
            if worker.over():
                break
            asked = time.perf_counter()
            attacker.send(f"/search {words}")
            until = worker.left() + SEARCH_WAIT
            while not (found := answer.match(attacker.readline(until))):
                pass
            times.append(time.perf_counter() - asked)
            answers.append(found.group(0).strip())
    except TimeoutError:
        answers.append("(no answer in time)")
    except EOFError:
        cuts.cut(worker)
    attacker.close()
    return {**cuts.report(), "searches": len(times), "answer_seconds": times,
            "answers": sorted(set(answers))}


def db_lock(worker: Worker) -> dict[str, Any]:
    """
    One second into the window another process takes the database with
    ``BEGIN EXCLUSIVE`` (a busy timeout of 0.5 s) and holds it 20 s, while the
    bystanders chat and the watcher asks ``/who``.  If it cannot take the lock
    (the server is writing), it says so and tries again, up to three times.
    """
    worker.ready()
    time.sleep(LOCK_AT)
    failures: list[str] = []
    locked = released = None
    for _ in range(3):
        locker = subprocess.Popen([sys.executable, "-c", LOCKER, worker.db, str(LOCK_SECONDS)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert locker.stdout is not None
        if locker.stdout.readline().startswith("locked"):
            locked = worker.elapsed()
            try:
                locker.wait(LOCK_SECONDS + 10)
            except subprocess.TimeoutExpired:
                locker.kill()
            released = worker.elapsed()
            break
        locker.wait(10)
        assert locker.stderr is not None
        failures.append(locker.stderr.read().strip().splitlines()[-1:][0]
                        if locker.returncode else "no word from the locker")
    return {"connections": 0, "cut": [], "locked_at": locked, "released_at": released,
            "lock_failures": failures}


@dataclass(frozen=True)
class Attack:
    name: str
    run: Callable[[Worker], dict[str, Any]]
    scenario: str


ATTACKS = {attack.name: attack for attack in [
    Attack("telnet-replies", telnet_replies, "plain"),
    Attack("iac-nop", iac_nop, "plain"),
    Attack("iac-nop-4", iac_nop_4, "plain"),
    Attack("naws-widths", naws_widths, "plain"),
    Attack("naws-none", naws_none, "plain"),
    Attack("password-guess", password_guess, "owner"),
    Attack("password-guess-known", password_guess_known, "owner-known"),
    Attack("search", search, "history"),
    Attack("search-8", search_8, "history"),
    Attack("db-lock", db_lock, "db-lock"),
]}


def work(name: str, port: int, seconds: float, db: str) -> None:
    """The worker process: run one attack, print its result as JSON."""
    # Whatever happens, this process does not outlive its window by much.
    signal.alarm(int(seconds + SEARCH_WAIT + 180))
    with contextlib.suppress(OSError):
        os.nice(5)
    worker = Worker(port, seconds, db)
    try:
        result = ATTACKS[name].run(worker)
    except Exception as error:
        result = {"error": f"{type(error).__name__}: {error}", "connections": 0, "cut": []}
        if not worker.go.is_set():
            print("READY", flush=True)
    print("RESULT " + json.dumps(result), flush=True)


class AttackProcess:
    """The measurer's side of a worker: started, ready, told to go, and its result."""

    def __init__(self, name: str, port: int, seconds: float, db: Path, workdir: Path) -> None:
        self.errors = workdir / "worker.err"
        with self.errors.open("wb") as errors:
            self.process = subprocess.Popen(
                [sys.executable, str(HERE), "--worker", name, "--port", str(port),
                 "--seconds", str(seconds), "--db", str(db)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def _next(self, timeout: float) -> str | None:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def ready(self, timeout: float = 60) -> None:
        line = self._next(timeout)
        if line != "READY":
            self.kill()
            raise RuntimeError(f"the attacker did not get ready ({line!r}):\n"
                               + self.errors.read_text(errors="replace")[-2000:])

    def tell(self, word: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            assert self.process.stdin is not None
            self.process.stdin.write(word + "\n")
            self.process.stdin.flush()

    def result(self, timeout: float) -> dict[str, Any]:
        until = time.monotonic() + timeout
        while (left := until - time.monotonic()) > 0:
            line = self._next(left)
            if line is None:
                break
            if line.startswith("RESULT "):
                self.kill()
                return json.loads(line.removeprefix("RESULT "))
        self.kill()
        return {"error": "no result: " + self.errors.read_text(errors="replace")[-500:],
                "connections": 0, "cut": []}

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            assert self.process.stdin is not None
            self.process.stdin.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


# The prefilled history


#: Where a build keeps its schema: in a package since the reshape, flat before it.
_SCHEMA_VERSION = """
try:
    from twisted_chat.store.sqlite import schema
except ImportError:
    from twisted_chat import sqlite as schema
print(schema.VERSION)
"""


def schema_version(twistd: str) -> int | None:
    """The database schema version a build writes (None if its python cannot say)."""
    python = Path(twistd).parent / "python"
    try:
        found = subprocess.run([str(python), "-c", _SCHEMA_VERSION], capture_output=True,
                               text=True, timeout=60, cwd=tempfile.gettempdir())
        return int(found.stdout.strip())
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def file_version(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])


def history(builds: dict[str, str], lines: int, pin: bool) -> Path:
    """
    A database whose room ``big`` holds ``lines`` past lines, made once by a
    server of the build with the oldest schema (so that every build reads it)
    and kept in CACHE.
    """
    versions = {name: schema_version(twistd) for name, twistd in builds.items()}
    known = {name: version for name, version in versions.items() if version is not None}
    maker = min(known, key=known.__getitem__) if known else next(iter(builds))
    final = CACHE / f"history-{lines}.db"
    if final.exists():
        try:
            usable = not known or file_version(final) <= min(known.values())
        except sqlite3.Error:
            usable = False
        if usable:
            return final
        print(f"{final} is of a newer schema than build {maker} reads: making it again")
    CACHE.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    print(f"Making {final}: {lines:,} lines in room big, by chat through build {maker}...",
          flush=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        db = Path(scratch) / "history.db"
        server = Server(builds[maker], Path(scratch), db,
                        ["--flood-rate", "0", "--sendq", "0", "--max-per-ip", "0",
                         "--conn-rate", "0", "--create-rate", "0", "--login-timeout", "0"], pin)
        try:
            fill(server.port, lines)
        finally:
            server.stop()
        with contextlib.closing(sqlite3.connect(db)) as connection:
            stored = connection.execute("SELECT count(*) FROM messages").fetchone()[0]
        if stored < lines:
            raise SystemExit(f"prefill stored only {stored} of {lines} lines")
        partial = final.with_suffix(".partial")
        shutil.copyfile(db, partial)
        partial.rename(final)
    print(f"Made {final} in {time.monotonic() - began:.0f} s", flush=True)
    return final


def fill(port: int, lines: int, senders: int = 4) -> None:
    """``senders`` members of ``big`` say ``lines`` lines between them, many a write."""
    clients = [Client(port, "127.0.0.1", timeout=60) for _ in range(senders)]
    for index, client in enumerate(clients):
        client.login(f"filler{index}")
        client.send("/create big" if index == 0 else "/join big")
        client.expect("= Members")
    each = -(-lines // senders)
    errors: list[str] = []

    def say(index: int) -> None:
        sock = clients[index].sock
        try:
            for first in range(0, each, 256):
                batch = "".join(f"{index}:{number} {HISTORY_TEXT}\r\n"
                                for number in range(first, min(first + 256, each)))
                sock.sendall(batch.encode())
        except OSError as error:
            errors.append(f"filler{index} could not send: {error}")

    def read(index: int) -> None:
        # Every line comes back to every member: read until this sender's last.
        last = f"<filler{index}> {index}:{each - 1} {HISTORY_TEXT}\r\n".encode()
        sock = clients[index].sock
        tail = b""
        until = time.monotonic() + 900
        try:
            while time.monotonic() < until:
                data = sock.recv(1 << 18)
                if not data:
                    errors.append(f"filler{index} was closed")
                    return
                if last in tail + data:
                    return
                tail = (tail + data)[-len(last):]
        except OSError as error:
            errors.append(f"filler{index} could not read: {error}")
            return
        errors.append(f"filler{index} did not see its last line in time")

    threads = [threading.Thread(target=target, args=(index,), daemon=True)
               for index in range(senders) for target in (say, read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(900)
    for client in clients:
        client.close()
    if errors:
        raise SystemExit("prefill failed: " + "; ".join(errors))


# One measurement


@dataclass
class Measurement:
    cpu_percent: float
    seconds: float
    bystanders: Bystanders
    rss_before: int
    rss_peak: int
    rss_after: int
    attack: dict[str, Any]
    probe: dict[str, Any]
    notes: list[str]

    def p(self, quantile: float, values: list[float] | None = None) -> float:
        ordered = sorted(self.bystanders.latencies if values is None else values)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(len(ordered) * quantile))] * 1000


@dataclass
class Options:
    seconds: float
    pin: bool
    interval: float = PING_INTERVAL
    exempt: bool = True


def measure(twistd: str, scenario: Scenario, attack: Attack | None, options: Options,
            history_db: Path | None) -> Measurement:
    """Start a server, log the bystanders in, run the window (with the attack or not), stop."""
    window = scenario.window(options.seconds)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="attacks-") as scratch:
        workdir = Path(scratch)
        db = workdir / "chat.db"
        if scenario.history and history_db is not None:
            shutil.copyfile(history_db, db)
        server = start(twistd, workdir, db, options)
        attacker: AttackProcess | None = None
        bystanders: BystanderThread | None = None
        try:
            if scenario.setup is not None:
                scenario.setup(server.port)
            bystanders = BystanderThread(server.port, scenario.who, options.interval)
            if attack is not None:
                attacker = AttackProcess(attack.name, server.port, window, db, workdir)
                attacker.ready()
            probe: dict[str, Any] = {}
            prober = None
            began = time.perf_counter()
            cpu, before = server.cpu(), server.rss()
            if attacker is not None:
                attacker.tell("GO")
            bystanders.talk(window)
            if scenario.owner:
                prober = threading.Thread(target=owner_login,
                                          args=(server.port, began + window / 2, probe),
                                          daemon=True)
                prober.start()
            peak = before
            while (now := time.perf_counter()) < began + window:
                time.sleep(min(0.2, began + window - now))
                peak = max(peak, server.rss())
                if attacker is not None and peak - before > RSS_SAFETY and not notes:
                    attacker.tell("STOP")
                    notes.append(f"attack stopped at {now - began:.1f} s: the server's RSS "
                                 f"grew past {RSS_SAFETY >> 30} GB")
            cpu = server.cpu() - cpu
            elapsed = time.perf_counter() - began
            after = server.rss()
            if not server.alive():
                notes.append(f"the server died (exit code {server.process.returncode})")
            result = attacker.result(SEARCH_WAIT + 60) if attacker is not None else {}
            attacker = None
            bystanders.join(GRACE + 15)
            if prober is not None:
                prober.join(OWNER_WAIT + 15)
            if "error" in result:
                notes.append(f"attacker: {result['error']}")
            if bystanders.result.closed:
                notes.append("bystander " + "; ".join(bystanders.result.closed))
            return Measurement(cpu / elapsed * 100, elapsed, bystanders.result, before,
                               peak, after, result, probe, notes)
        finally:
            if attacker is not None:
                attacker.kill()
            if bystanders is not None:
                bystanders.close()
            server.stop()


def start(twistd: str, workdir: Path, db: Path, options: Options) -> Server:
    """The server with the bystanders exempt from flood control, if the build knows how."""
    args = ["--flood-exempt", PINGER, "--flood-exempt", WATCHER] if options.exempt else []
    try:
        return Server(twistd, workdir, db, args, options.pin)
    except StartFailed as failure:
        if not options.exempt or "flood-exempt" not in str(failure):
            raise SystemExit(f"{twistd} did not start:\n{failure}") from None
    print(f"{twistd} has no --flood-exempt: the pinger keeps to 4 lines a second", flush=True)
    options.exempt, options.interval = False, SLOW_PING_INTERVAL
    return start(twistd, workdir, db, options)


# Reporting


def ratio(value: float, base: float) -> float:
    return value / base if base and base == base and value == value else float("nan")


def median(values: Sequence[float | None]) -> float:
    present = [value for value in values if value is not None and value == value]
    return statistics.median(present) if present else float("nan")


def times(value: float) -> str:
    if value != value:
        return "x -"
    return f"x {value:.0f}" if value >= 100 else f"x {value:.2f}" if value < 10 else \
        f"x {value:.1f}"


def cut_text(runs: list[Measurement]) -> str:
    """Whether the attackers were cut (the median round's first cut), and how many."""
    connections = runs[0].attack.get("connections", 0)
    if not connections:
        return "-"
    firsts = [run.attack["cut"][0] if run.attack.get("cut") else None for run in runs]
    counts = [len(run.attack.get("cut", [])) for run in runs]
    if not any(count for count in counts):
        return "no"
    cut = median(firsts)
    share = f"{median(counts):.0f}/{connections} " if connections > 1 else ""
    if any(first is None for first in firsts):
        share += f"({sum(1 for first in firsts if first is not None)}/{len(runs)} rounds) "
    return f"{share}after {cut:.1f} s"


def notes_text(attack: str, runs: list[Measurement], bases: list[Measurement]) -> str:
    """What else each attack reports, medians over rounds."""
    results = [run.attack for run in runs]
    notes: list[str] = []
    if attack in ("telnet-replies", "iac-nop", "iac-nop-4"):
        notes.append(f"sent {median([r.get('sent_mb') for r in results]):.1f} MB")
    elif attack.startswith("naws"):
        notes.append(f"{median([r.get('lines_sent') for r in results]):.0f} lines said, "
                     f"{median([r.get('got_mb') for r in results]):.1f} MB read")
    elif attack.startswith("password-guess"):
        notes.append(f"{median([r.get('guesses_per_minute') for r in results]):.0f} guesses "
                     f"answered/min; guessers closed by the server "
                     f"{median([r.get('closed') for r in results]):.0f} times, refused "
                     f"{median([r.get('refused') for r in results]):.0f}")
        for label, group in (("owner login", runs), ("none", bases)):
            seconds = [run.probe.get("owner_seconds") for run in group]
            if all(value is None for value in seconds):
                answer = group[0].probe.get("owner_answer", "not measured")
                notes.append(f"{label}: {answer}")
            else:
                late = sum(1 for value in seconds if value is None)
                notes.append(f"{label} {median(seconds):.2f} s"
                             + (f" ({late} rounds: no answer in {OWNER_WAIT:.0f} s)"
                                if late else ""))
            answers = {run.probe.get("owner_answer", "")[:40] for run in group}
            wrong = sorted(a for a in answers if a and not a.startswith("*** You are owner")
                           and not a.startswith("no answer"))
            if wrong:
                notes.append(f"({label} answered: {'; '.join(wrong)})")
    elif attack == "search":
        answered = [r.get("answer_seconds") or [] for r in results]
        notes.append(f"{median([len(a) for a in answered]):.0f} searches answered, each in "
                     f"{median([median(a) for a in answered]):.2f} s "
                     f"(max {max((max(a) for a in answered if a), default=float('nan')):.2f})")
        kinds = sorted({kind for r in results for kind in r.get("answers", [])})
        notes.append("answers: " + "; ".join(kinds))
    elif attack == "db-lock":
        failures = sorted({f for r in results for f in r.get("lock_failures", [])})
        held = [r.get("locked_at") for r in results]
        if all(value is None for value in held):
            notes.append("the lock was never taken: " + "; ".join(failures))
        else:
            notes.append(f"lock taken at {median(held):.1f} s, released at "
                         f"{median([r.get('released_at') for r in results]):.1f} s")
            if failures:
                notes.append("first tries failed: " + "; ".join(failures))
        for label, group in (("/who", runs), ("none", bases)):
            who50 = median([run.p(0.5, run.bystanders.who_latencies) for run in group])
            who99 = median([run.p(0.99, run.bystanders.who_latencies) for run in group])
            unanswered = median([run.bystanders.who_sent - len(run.bystanders.who_latencies)
                                 for run in group])
            notes.append(f"{label} p50 {who50:.0f} ms p99 {who99:.0f} ms, "
                         f"{unanswered:.0f} unanswered")
        stored = median([run.bystanders.not_stored for run in runs])
        silent = median([max(0, run.bystanders.lost - run.bystanders.not_stored)
                         for run in runs])
        notes.append(f"pings 'could not be stored' {stored:.0f}, lost without a word "
                     f"{silent:.0f}")
    if any(run.bystanders.reordered for run in runs):
        notes.append(f"reordered {median([run.bystanders.reordered for run in runs]):.0f}")
    for run in runs:
        notes.extend(note for note in run.notes if note not in notes)
    return "; ".join(notes)


HEADER = (f"{'attack':<21}{'build':<9}{'CPU% (x none)':<17}{'p50 ms (x none)':<19}"
          f"{'p99 ms (x none)':<19}{'lost':>6}{'RSS +MB':>9}  {'attacker cut':<22}notes")


def row(attack: str, build: str, runs: list[Measurement], bases: list[Measurement]) -> str:
    cpu = median([run.cpu_percent for run in runs])
    cpu_x = median([ratio(run.cpu_percent, base.cpu_percent) for run, base in zip(runs, bases,
                                                                                  strict=True)])
    p50 = median([run.p(0.5) for run in runs])
    p50_x = median([ratio(run.p(0.5), base.p(0.5)) for run, base in zip(runs, bases, strict=True)])
    p99 = median([run.p(0.99) for run in runs])
    p99_x = median([ratio(run.p(0.99), base.p(0.99))
                    for run, base in zip(runs, bases, strict=True)])
    lost = median([run.bystanders.lost for run in runs])
    rss = median([(run.rss_peak - run.rss_before) / 2**20 for run in runs])
    return (f"{attack:<21}{build:<9}{f'{cpu:.1f} ({times(cpu_x)})':<17}"
            f"{f'{p50:.1f} ({times(p50_x)})':<19}{f'{p99:.1f} ({times(p99_x)})':<19}"
            f"{lost:>6.0f}{rss:>9.1f}  {cut_text(runs):<22}{notes_text(attack, runs, bases)}")


def base_row(scenario: str, build: str, runs: list[Measurement]) -> str:
    cpu = median([run.cpu_percent for run in runs])
    p50 = median([run.p(0.5) for run in runs])
    p99 = median([run.p(0.99) for run in runs])
    lost = median([run.bystanders.lost for run in runs])
    rss = median([(run.rss_peak - run.rss_before) / 2**20 for run in runs])
    notes: list[str] = []
    for run in runs:
        notes.extend(note for note in run.notes if note not in notes)
    return (f"{'(none: ' + scenario + ')':<21}{build:<9}{f'{cpu:.1f}':<17}{f'{p50:.1f}':<19}"
            f"{f'{p99:.1f}':<19}{lost:>6.0f}{rss:>9.1f}  {'-':<22}{'; '.join(notes)}")


def summary(run: Measurement) -> dict[str, Any]:
    return {"cpu_percent": run.cpu_percent, "seconds": run.seconds,
            "p50_ms": run.p(0.5), "p99_ms": run.p(0.99), "pings": run.bystanders.sent,
            "lost": run.bystanders.lost, "reordered": run.bystanders.reordered,
            "not_stored": run.bystanders.not_stored,
            "who_p50_ms": run.p(0.5, run.bystanders.who_latencies),
            "who_p99_ms": run.p(0.99, run.bystanders.who_latencies),
            "rss_before_mb": run.rss_before / 2**20, "rss_peak_mb": run.rss_peak / 2**20,
            "rss_after_mb": run.rss_after / 2**20, "attack": run.attack, "probe": run.probe,
            "notes": run.notes}


def build_argument(text: str) -> tuple[str, str]:
    name, equals, path = text.partition("=")
    if not equals or not name or not path:
        raise argparse.ArgumentTypeError(f"--build takes NAME=PATH_TO_TWISTD, not {text!r}")
    if not os.access(path, os.X_OK):
        raise argparse.ArgumentTypeError(f"{path} is not an executable")
    return name, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--build", action="append", type=build_argument, metavar="NAME=TWISTD",
                        help="a build to measure, by its twistd (repeat; default: "
                             "now=the twistd next to this python)")
    parser.add_argument("--only", action="append", choices=list(ATTACKS), metavar="ATTACK",
                        help=f"run only these attacks (repeat): {', '.join(ATTACKS)}")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="each measurement's window (db-lock's is at least 24 s)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        work(arguments.worker, arguments.port, arguments.seconds, arguments.db)
        return

    began = time.monotonic()
    builds = dict(arguments.build or [("now", str(Path(sys.executable).parent / "twistd"))])
    chosen = [ATTACKS[name] for name in (arguments.only or ATTACKS)]
    pin = len(os.sched_getaffinity(0)) >= 2 and shutil.which("taskset") is not None
    if pin:
        os.sched_setaffinity(0, {1})
    options = {name: Options(arguments.seconds, pin) for name in builds}
    history_db = (history(builds, HISTORY_LINES, pin)
                  if any(SCENARIOS[attack.scenario].history for attack in chosen) else None)

    runs: dict[tuple[str, str], list[Measurement]] = {}
    bases: dict[tuple[str, str], list[Measurement]] = {}
    shared: dict[tuple[str, str], list[Measurement]] = {}
    where = ("server on CPU 0, bystanders and attackers on CPU 1" if pin
             else "no pinning (fewer than 2 CPUs, or no taskset)")
    print(f"builds: {', '.join(f'{n}={p}' for n, p in builds.items())}; {arguments.rounds} "
          f"round(s) of {arguments.seconds:g} s windows; {where}", flush=True)
    print(HEADER, flush=True)
    for round_ in range(arguments.rounds):
        baselines: dict[tuple[str, str], Measurement | None] = {}
        for index, attack in enumerate(chosen):
            order = list(builds)
            if (round_ + index) % 2:
                order.reverse()
            scenario = SCENARIOS[attack.scenario]
            for build in order:
                key = (build, scenario.name)
                tag = f"  [round {round_ + 1}]"
                if key in baselines:
                    base = baselines[key]
                else:
                    base = baselines[key] = attempt(builds[build], scenario, None,
                                                    options[build], history_db,
                                                    f"(none: {scenario.name}) {build}")
                    if base is not None:
                        shared.setdefault(key, []).append(base)
                        print(base_row(scenario.name, build, [base]) + tag, flush=True)
                if base is None:
                    continue
                run = attempt(builds[build], scenario, attack, options[build], history_db,
                              f"{attack.name} {build}")
                if run is None:
                    continue
                runs.setdefault((attack.name, build), []).append(run)
                bases.setdefault((attack.name, build), []).append(base)
                print(row(attack.name, build, [run], [base]) + tag, flush=True)

    print(f"\nMedians over {arguments.rounds} round(s); 'x none' is the median of each "
          f"round's ratio to the run without the attack (same build, same round).")
    print(HEADER)
    for (build, scenario_name), group in sorted(shared.items(), key=lambda item: item[0][1]):
        print(base_row(scenario_name, build, group))
    for attack in chosen:
        for build in builds:
            if (attack.name, build) in runs:
                print(row(attack.name, build, runs[attack.name, build],
                          bases[attack.name, build]))
            else:
                print(f"{attack.name:<21}{build:<9}(no measurement succeeded)")
    print(f"\n{time.monotonic() - began:.0f} s in all")
    print(json.dumps({
        "seconds": arguments.seconds, "rounds": arguments.rounds, "builds": builds,
        "none": {f"{scenario_name} {build}": [summary(run) for run in group]
                 for (build, scenario_name), group in shared.items()},
        "attacks": {f"{name} {build}": [summary(run) for run in group]
                    for (name, build), group in runs.items()}}, default=str))


def attempt(twistd: str, scenario: Scenario, attack: Attack | None, options: Options,
            history_db: Path | None, label: str) -> Measurement | None:
    """One measurement; if it fails, say why and go on with the others."""
    try:
        return measure(twistd, scenario, attack, options, history_db)
    except (OSError, RuntimeError, EOFError, TimeoutError, StartFailed) as error:
        print(f"{label}: failed: {type(error).__name__}: {error}", flush=True)
        return None


if __name__ == "__main__":
    main()
