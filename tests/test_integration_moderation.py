"""
Keeping order with the real ``twistd -n chat`` (issue 19): a server ban, a
timed mute and a registered room's operator and mute survive ``kill -9`` and
a restart on the same file, and the timed mute still runs out on time.
Every connection comes from 127.0.0.1 here, so nothing is banned by address.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.processes import LineClient, RunningServer

Start = Callable[..., RunningServer]

#: Long enough to outlast the restart, short enough to wait for.
MUTE = 12


def registered(server: RunningServer, name: str) -> LineClient:
    client = server.connect().login(name)
    client.send(f"/register {name}-secret")
    client.expect(f"{name} is registered")
    return client


def test_order_survives_kill_9_and_a_restart(start_server: Start) -> None:
    options = ("--operator", "teacher")
    server = start_server(*options)
    teacher = registered(server, "teacher")
    alice = registered(server, "alice")
    alice.send("/create games")
    alice.send("/room register")
    alice.expect("games is registered")
    bob = registered(server, "bob")
    bob.send("/join games")
    alice.expect("bob has joined games")
    alice.send("/op bob")
    bob.expect("*** alice made bob an operator of games")
    carol = server.connect().login("carol")
    carol.send("/join games")
    carol.expect("= Members (3): alice (owner), bob (operator), carol")
    alice.send("/mute carol 1h noisy")
    carol.expect("*** alice muted carol in games for 1h")

    troll = server.connect().login("troll")
    teacher.send("/ban troll rude")
    teacher.expect("*** teacher banned troll from the server: rude")
    assert troll.expect("*** teacher banned you from the server: rude")
    assert troll.closed()
    dave = server.connect().login("dave")
    teacher.send(f"/mute dave {MUTE}s")
    dave.expect(f"*** teacher muted dave in every room for {MUTE}s")

    server.process.kill()
    server.process.wait()
    # Each act is one line of the log.
    assert "Moderation: teacher ban troll in the server: rude" in server.log_text()

    again = start_server(*options)
    troll = again.connect()
    troll.banner()
    troll.send("login troll")
    troll.expect("! You are banned from this server: rude")
    dave = again.connect().login("dave")
    dave.send("still here?")
    dave.expect("! You are muted in every room for")
    bob = again.connect().login("bob bob-secret")
    bob.send("/join games")
    assert bob.expect("= Members")[-1] == "= Members (1): bob (operator)"
    carol = again.connect().login("carol")
    carol.send("/join games")
    carol.expect("= Members (2): bob (operator), carol")
    carol.send("let me speak")
    carol.expect("! You are muted in games for")
    # The timed mute runs out on time, although the server was down meanwhile.
    dave.expect("*** dave's mute in every room has run out")
    dave.send("free at last")
    dave.expect("<dave> free at last")
    assert "Moderation: (expiry) unmute dave in the server: expired" in again.log_text()
