"""
The real ``twistd -n chat`` on a real PostgreSQL (``--db postgresql://...``):
names, lasting rooms and history survive a restart of the node and come back
through ``history`` and ``/search``; a PostgreSQL that cannot be reached
stops the node at start-up with one line.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import psycopg

from tests.engines import Postgres
from tests.processes import DEADLINE, TWISTD, RunningServer

Start = Callable[..., RunningServer]


def test_a_node_on_postgresql_restarted(start_server: Start) -> None:
    server = Postgres.shared()
    name = server.database()
    db = server.uri(name)
    node = start_server("--db", db, "--main-topic", "Tea")
    bob = node.connect().login("bob")
    bob.send("/register oolong-42")
    bob.expect("bob is registered")
    bob.send("/create games")
    bob.send("/room register")
    bob.expect("games is registered")
    bob.send("/topic Go and chess")
    bob.send("a line in games")
    bob.expect("<bob> a line in games")
    bob.send("/leave")
    for text in ("Oolong TEA is ready", "我们喝茶吧", "the last line"):
        bob.send(text)
        bob.expect(f"<bob> {text}")
    node.terminate()

    with psycopg.connect(server.conninfo(name)) as connection:
        rows = connection.execute("SELECT room, seq, text FROM messages ORDER BY id").fetchall()
    assert rows == [("games", 1, "a line in games"), ("lobby", 1, "Oolong TEA is ready"),
                    ("lobby", 2, "我们喝茶吧"), ("lobby", 3, "the last line")]

    again = start_server("--db", db)
    impostor = again.connect()
    impostor.banner()
    impostor.send("login bob")
    impostor.expect("! The name 'bob' is registered. Log in with: login bob PASSWORD")
    impostor.send("login bob oolong-42")
    impostor.expect("*** You are bob.")
    impostor.send("/history")
    history = impostor.expect("] <bob> the last line")
    assert [line.split("] <bob> ", 1)[1] for line in history if "] <bob> " in line][-3:] == [
        "Oolong TEA is ready", "我们喝茶吧", "the last line"]
    impostor.send("/search oolong tea")
    impostor.expect("in lobby matching oolong tea:")
    impostor.expect("] <bob> Oolong TEA is ready")
    impostor.send("/search 喝茶")
    impostor.expect("] <bob> 我们喝茶吧")
    impostor.send("/join games")
    room = impostor.expect("] <bob> a line in games")
    assert "= Room games, owned by bob" in room
    assert "= Topic: Go and chess" in room
    impostor.send("/search chess")
    impostor.expect("= No lines in games match chess.")
    impostor.send("said after the restart")
    impostor.expect("<bob> said after the restart")
    again.terminate()
    with psycopg.connect(server.conninfo(name)) as connection:
        assert connection.execute("SELECT seq FROM messages WHERE text = %s",
                                  ("said after the restart",)).fetchone() == (2,)
    for log in (node.log_text(), again.log_text()):
        assert "oolong-42" not in log, "a password reached the server's log"


def test_postgresql_restarted_under_a_running_node(start_server: Start) -> None:
    """
    While PostgreSQL is down, a line gets the not-stored error and reaches
    nobody; once it is back, the same node stores and delivers again.
    """
    server = Postgres.shared()
    node = start_server("--db", server.uri(server.database()))
    bob = node.connect().login("bob")
    alice = node.connect().login("alice")
    bob.send("before")
    alice.expect("<bob> before")
    server.halt()
    try:
        bob.send("while it is down")
        told = bob.expect("! Your message could not be stored, so it was not sent. Try again.")
        assert not [line for line in told if "Error" in line or "Traceback" in line]
    finally:
        server.start()
    bob.send("after")
    seen = alice.expect("<bob> after")
    assert not [line for line in seen if "while it is down" in line]
    alice.send("/history")
    history = alice.expect("] <bob> after")
    assert [line.split("] <bob> ", 1)[1] for line in history if "] <bob> " in line] == [
        "before", "after"]
    assert node.process.poll() is None
    node.terminate()


def test_postgresql_out_of_reach_stops_the_node_in_one_line(tmp_path: Path) -> None:
    db = f"postgresql://chat:hunter2@/chat?host={tmp_path}"
    done = subprocess.run([TWISTD, "-n", "--pidfile=", "chat", "--port", "tcp:0", "--web",
                           "none", "--db", db], capture_output=True, text=True,
                          timeout=DEADLINE, cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"twistd chat: --db user=chat dbname=chat host={tmp_path}: ")
    assert "hunter2" not in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
