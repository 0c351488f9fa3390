"""
The real ``twistd -n chat`` with its default storage (``twisted-chat.db`` in
its working directory), killed with SIGKILL mid-flood and started again on the
same file: nothing anyone received is missing, and names and rooms are back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tests.processes import LineClient, RunningServer

Start = Callable[..., RunningServer]


def read_until_gone(client: LineClient) -> list[str]:
    """Every line the client gets until the connection dies."""
    lines = []
    while True:
        try:
            lines.append(client.readline())
        except (EOFError, ConnectionResetError, TimeoutError):
            return lines


def test_kill_9_then_restart(start_server: Start, tmp_path: Path) -> None:
    server = start_server("--flood-rate", "0")
    bob = server.connect().login("bob")
    bob.send("/register oolong-42")
    bob.expect("bob is registered")
    bob.send("/create games")
    bob.send("/room register")
    bob.expect("games is registered")
    bob.send("/topic Go and chess")
    bob.send("a line in games")
    bob.expect("<bob> a line in games")
    bob.send("/leave")
    reader = server.connect().login("reader")

    # A flood from bob; the server is killed while the reader is taking it in.
    flood = [f"line {index} of the flood" for index in range(5000)]
    bob.sock.sendall("".join(f"{line}\r\n" for line in flood).encode())
    received = reader.expect("<bob> line 300 of the flood")
    server.process.kill()
    server.process.wait()
    first_log = server.log_text()
    received += read_until_gone(reader)
    said = [line.removeprefix("<bob> ") for line in received if line.startswith("<bob> line")]
    assert len(said) > 300

    database = sqlite3.connect(tmp_path / "twisted-chat.db")
    query = "SELECT text FROM messages WHERE room='lobby' ORDER BY id"
    stored = [row[0] for row in database.execute(query)]
    missing = [line for line in said if line not in set(stored)]
    assert missing == [], f"{len(missing)} lines received but not stored, such as {missing[:3]}"
    database.close()
    # The store may hold more than the reader took in before the kill: the
    # replay is the tail of what was stored, not of what was received.
    tail = stored[-20:]

    again = start_server()
    newcomer = again.connect()
    newcomer.banner()
    newcomer.send("login carol")
    lines = newcomer.expect("= Members (1): carol")
    lines += newcomer.expect(f"] <bob> {tail[-1]}")
    replay = lines[lines.index("= Last 20 lines in lobby:") + 1 :]
    assert [line.split("] <bob> ", 1)[1] for line in replay] == tail

    impostor = again.connect()
    impostor.banner()
    impostor.send("login bob")
    impostor.expect("! The name 'bob' is registered. Log in with: login bob PASSWORD")
    impostor.send("login bob oolong-42")
    impostor.expect("*** You are bob.")
    impostor.send("/join games")
    room = impostor.expect("] <bob> a line in games")
    assert "= Room games, owned by bob" in room
    assert "= Topic: Go and chess" in room
    impostor.send("/search flood")
    impostor.expect("= No lines in games match flood.")
    impostor.send("/leave")
    impostor.send(f"/search of the flood {said[-1].split()[1]}")
    impostor.expect(f"in lobby matching of the flood {said[-1].split()[1]}:")
    impostor.expect(f"] <bob> {said[-1]}")
    for log in (first_log, again.log_text()):
        assert "oolong-42" not in log, "a password reached the server's log"
