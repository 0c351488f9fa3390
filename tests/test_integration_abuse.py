"""
One determined user against the real ``twistd -n chat`` over loopback, each
test shaped like an attack (bounded in count and time), each asserting what
a bystander gets.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import LineClient, RunningServer

#: The start_server fixture: options in, a running twistd out.
Start = Callable[..., RunningServer]

GOODBYE = "*** The server is shutting down. Goodbye!"


def read_to_end(client: LineClient) -> list[str]:
    """Every line until the server closes the connection."""
    lines = []
    while True:
        try:
            lines.append(client.readline())
        except EOFError:
            return lines


def test_after_sigterm_the_goodbye_is_the_last_line(start_server: Start) -> None:
    """
    45 users in three rooms: after SIGTERM each reads the goodbye as its last
    line, and not one of the others' departures after it.
    """
    server = start_server("--max-per-ip", "0", "--conn-rate", "0")
    clients = [server.connect().login(f"user{index}") for index in range(45)]
    for index, client in enumerate(clients[15:30]):
        client.send("/create games" if index == 0 else "/join games")
        client.expect("= Members")
    assert server.terminate() == 0
    for client in clients:
        lines = read_to_end(client)
        assert lines[-1] == GOODBYE, lines[-5:]


def test_a_bare_password_is_never_shown_stored_or_logged(server: RunningServer) -> None:
    """
    Typed bare after login, ``register`` and ``password`` lines are commands:
    the room never reads them, the history never holds them, the log never
    names them.
    """
    alice = server.connect().login("alice")
    watcher = server.connect(source="127.0.0.2").login("watcher")
    alice.expect("*** watcher has logged in")
    alice.send("register tea-secret-1")
    alice.expect("alice is registered")
    alice.send("password tea-secret-1 tea-secret-2")
    alice.expect("Your password is changed")
    alice.send("register tea-secret-3 please")
    alice.expect("! Usage: /register PASSWORD")
    alice.send("the end")
    seen = watcher.expect("<alice> the end")
    watcher.send("/history")
    history = watcher.expect("<alice> the end")
    assert not [line for line in seen + history if "tea-secret" in line]
    assert server.terminate() == 0
    assert "tea-secret" not in server.log_text()
