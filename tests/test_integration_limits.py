"""
The limits against the real ``twistd -n chat`` over loopback: stalled and
slow readers, a flood, a storm of connections, a silent connection, and a
stop while a client is not reading.
"""

from __future__ import annotations

import re
import socket
import subprocess
import threading
from collections.abc import Callable

from tests.processes import DEADLINE, LineClient, RunningServer, cut_off

LINE = "x" * 1000

#: The start_server fixture: options in, a running twistd out.
Start = Callable[..., RunningServer]


class Collector(threading.Thread):
    """Reads a client's lines on a thread of its own until one contains ``until``."""

    def __init__(self, client: LineClient, until: str, times: int = 1) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.until = until
        self.times = times
        self.lines: list[str] = []
        self.error: Exception | None = None
        self.start()

    def run(self) -> None:
        try:
            while True:
                line = self.client.readline()
                self.lines.append(line)
                if self.until in line:
                    self.times -= 1
                    if not self.times:
                        return
        except (EOFError, OSError) as error:
            self.error = error

    def result(self) -> list[str]:
        self.join(DEADLINE * 4)
        assert not self.is_alive(), f"still reading; {len(self.lines)} lines so far"
        assert self.error is None, f"{self.error!r} after {self.lines[-3:]!r}"
        return self.lines


def test_stalled_reader_is_cut_and_memory_stays_bounded(start_server: Start) -> None:
    """
    A member with a tiny receive buffer stops reading while another floods
    the room with 16 MB: the server's memory stays bounded, the fast reader
    gets every line in order, and the stalled one is cut and the room told.
    """
    server = start_server("--flood-rate", "0")
    fast = server.connect().login("fast")
    stalled = server.connect(receive_buffer=4096).login("stalled")
    flooder = server.connect().login("flooder")
    fast.expect("*** flooder has logged in")
    before = server.rss()
    readers = [Collector(fast, "<flooder> the end"), Collector(flooder, "<flooder> the end")]
    lines = [f"{index} {LINE}" for index in range(16_000)]
    flooder.sock.sendall("".join(f"{line}\r\n" for line in lines).encode() + b"the end\r\n")
    seen = readers[0].result()
    readers[1].result()
    grown = server.rss() - before
    assert [line for line in seen if line.startswith("<")] == [
        f"<flooder> {line}" for line in [*lines, "the end"]]
    if "*** stalled has left (send queue exceeded)" not in seen:
        # Told in its place: after every line said before the cut, which may be all of them.
        fast.expect("*** stalled has left (send queue exceeded)")
    assert cut_off(stalled)
    assert grown < 8 * 2**20, f"the server grew by {grown} bytes"
    assert "is not reading: more than 262144 bytes unsent" in server.log_text()


def test_burst_is_throttled_then_cut(start_server: Start) -> None:
    """A 300-line burst: the first lines go through at the flood rate, then excess flood."""
    server = start_server()
    watcher = server.connect().login("watcher")
    flooder = server.connect().login("flooder")
    watcher.expect("*** flooder has logged in")
    flooder.sock.sendall(b"".join(b"spam %d\r\n" % index for index in range(300)))
    told = flooder.expect("! Excess flood")
    assert "! Slow down: 33 of your lines are waiting their turn. Past 64, the server " \
           "disconnects you." in told
    assert cut_off(flooder)
    seen = watcher.expect("*** flooder has left (excess flood)")
    spam = [line for line in seen if line.startswith("<flooder>")]
    assert 0 < len(spam) < 64, "the rest were held back, then dropped with the flooder"
    assert spam == [f"<flooder> spam {index}" for index in range(len(spam))]
    watcher.send("still here")
    watcher.expect("<watcher> still here")


def test_connection_storm_from_one_address(start_server: Start) -> None:
    """
    300 connections from 127.0.0.1: 20 are let in, the rest are told why in
    one line and closed, and users on other addresses chat on.
    """
    server = start_server()
    admitted, refused = [], []
    for _ in range(300):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE)
        data = b""
        while b"\r\n" not in data:
            data += sock.recv(4096)
        (refused if data.startswith(b"!") else admitted).append((sock, data))
    assert len(admitted) == 20
    assert {data for _, data in refused} == {
        b"! Too many connections from your address (at most 20 at once). "
        b"Close one and try again.\r\n"}
    for sock, _ in refused:
        assert sock.recv(4096) == b"", "closed after the one line"
    ann = server.connect(source="127.0.0.2").login("ann")
    bob = server.connect(source="127.0.0.3").login("bob")
    ann.send("the others are served")
    bob.expect("<ann> the others are served")
    for sock, _ in admitted:
        sock.close()
    ann.send("/who")  # by now the 20 are closed
    ann.expect("= Online (2)")
    late = socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE)
    assert late.recv(4096).startswith(
        b"! Too many connections from your address in the last minute (at most 20).")


def test_silent_connection_closed_after_login_timeout(start_server: Start) -> None:
    server = start_server("--login-timeout", "1")
    silent = server.connect()
    silent.banner()
    silent.expect("! You did not log in within 1 second. Closing the connection.")
    assert cut_off(silent)


def test_nothing_lost(start_server: Start) -> None:
    """
    Four senders, a fast reader, a slow reader, a stalled reader that gets
    cut, one that sends junk and one that vanishes: every member who stays
    connected gets every line of every sender, in each sender's order.
    """
    server = start_server("--flood-burst", "100", "--flood-rate", "1000")
    names = [f"sender{index}" for index in range(4)]
    senders = [server.connect().login(name) for name in names]
    fast = server.connect().login("fast")
    slow = server.connect().login("slow")
    slow.chunk, slow.pause = 8192, 0.001
    stalled = server.connect(receive_buffer=4096).login("stalled")
    junk = server.connect().login("junk")
    vanishing = server.connect().login("vanishing")
    fast.expect("*** vanishing has logged in")
    count, text = 1500, "y" * 800
    readers = [Collector(client, "> done", times=len(names)) for client in [fast, slow, *senders]]

    def send(client: LineClient) -> None:
        for index in range(count):
            client.send(f"{index} {text}")
            if index % 10 == 9:
                threading.Event().wait(0.02)  # about 400 lines a second from each
        client.send("done")

    threads = [threading.Thread(target=send, args=(client,)) for client in senders]
    for thread in threads:
        thread.start()
    junk.sock.sendall(b"z" * 5000 + b"\r\n\xc3(\r\n\x00\x1b[31m\x9b\r\n")
    vanishing.sock.close()
    for thread in threads:
        thread.join(DEADLINE * 4)
    expected = [str(index) for index in range(count)] + ["done"]
    for reader in readers:
        lines = reader.result()
        for name in names:
            got = [line.split(" ", 2)[1] for line in lines if line.startswith(f"<{name}> ")]
            assert got == expected, (reader.client.sock.getsockname(), name)
        assert "*** stalled has left (send queue exceeded)" in lines
        assert "*** vanishing has left (connection lost)" in lines
    assert cut_off(stalled)
    assert junk.expect("! Line too long")[-1].startswith("! Line too long")


def test_sigterm_with_a_stalled_reader(start_server: Start) -> None:
    """SIGTERM: everyone is told; a client that does not read delays the exit by seconds at most."""
    server = start_server("--flood-rate", "0", "--sendq", "0")
    reader = server.connect().login("reader")
    stalled = server.connect(receive_buffer=4096).login("stalled")
    talker = server.connect().login("talker")
    collectors = [Collector(reader, "<talker> the end"), Collector(talker, "<talker> the end")]
    talker.sock.sendall(b"".join(b"%d %s\r\n" % (index, LINE.encode()) for index in range(8000))
                        + b"the end\r\n")
    for collector in collectors:
        collector.result()
    assert server.terminate() == 0
    reader.expect("*** The server is shutting down. Goodbye!")
    assert cut_off(reader) and cut_off(stalled)
    assert "Traceback" not in server.log_text()


def test_a_burst_of_logins_is_counted_not_logged_line_by_line(start_server: Start) -> None:
    """
    Past --log-rate lines a second, logins are counted, and the count is
    logged: every login is in the log either as its own line or in a count.
    """
    server = start_server("--log-rate", "2")
    clients = [server.connect().login(f"user{index}") for index in range(12)]
    clients[0].expect("*** user11 has logged in")
    assert server.terminate() == 0
    log = server.log_text()
    one_by_one = re.findall(r"user\d+ logged in from 127\.0\.0\.1", log)
    counts = re.findall(r"Past 2 lines a second, not logged one by one: (.*)", log)
    counted = [int(found.group(1)) for line in counts
               if (found := re.search(r"(\d+) logins", line))]
    assert counted, log
    assert len(one_by_one) + sum(counted) == 12
    assert "Traceback" not in log


def test_listener_queues_a_burst_of_arrivals(start_server: Start) -> None:
    """
    The kernel holds up to 1024 connections for accept(), not Twisted's 50:
    past the queue a SYN is dropped, and that arrival waits a second.
    """
    server = start_server()
    listening = subprocess.run(["ss", "-Hltn", f"sport = :{server.port}"], check=True,
                               capture_output=True, text=True).stdout.split()
    assert listening[0] == "LISTEN"
    assert listening[2] == "1024", listening  # Send-Q: the backlog of a listening socket
