"""
The real ``twistd -n chat`` over real loopback sockets, several clients at once.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.processes import TWISTD, RunningServer


def test_three_users_chat_across_rooms(server: RunningServer) -> None:
    """Login, chat, emotes, private messages, rooms and presence between three clients."""
    alice = server.connect().login("alice")
    bob = server.connect().login("bob")
    carol = server.connect().login("小明")
    alice.expect("*** 小明 has logged in")

    alice.send("hello all")
    assert bob.expect("<alice>") == ["*** 小明 has logged in", "<alice> hello all"]
    carol.expect("<alice> hello all")

    bob.send("/me waves")
    carol.expect("* bob waves")
    bob.send("/msg 小明 psst")
    assert carol.expect("[bob ->") == ["[bob -> 小明] psst"]
    bob.expect("[bob -> 小明] psst")

    # A multi-room tutorial's bare line is chat, with a hint to its sender alone.
    alice.send("create games")
    assert alice.expect("*** Sent")[-2:] == [
        "<alice> create games", "*** Sent as chat. For the command, type: /create games"]
    bob.expect("<alice> create games")
    carol.expect("<alice> create games")
    alice.send("/create games")
    assert alice.expect("= Members")[-3:] == [
        "= Room games, owned by alice", "= Topic: (none)", "= Members (1): alice (owner)"]
    bob.expect("*** alice has left for games")
    bob.send("/select games")
    alice.expect("*** bob has joined games (from lobby)")
    bob.send("only games hears this")
    alice.expect("<bob> only games hears this")

    carol.send("list")
    assert carol.expect("=   games") == [
        "*** alice has left for games", "*** bob has left for games",
        "= Rooms (2):", "=   lobby (1): Tea and talk", "=   games (2)"]

    carol.send("/who")
    assert carol.expect("=   小明") == [
        "= Online (3):", "=   alice (in games)", "=   bob (in games)", "=   小明 (in lobby)"]

    bob.close()
    alice.expect("*** bob has left (connection lost)")
    alice.send("/logout see you")
    alice.expect("*** Goodbye, alice.")
    assert alice.closed()
    carol.send("/whois alice")
    carol.expect("! No user named 'alice' is online.")


def test_bad_input_keeps_connection(server: RunningServer) -> None:
    """Junk bytes and an overlong line get errors; the sender and others carry on."""
    alice = server.connect().login("alice")
    bob = server.connect().login("bob")
    alice.send(b"\xff\xfe\xfd\x00\x80")
    alice.expect("! That line was not valid utf-8 and was ignored.")
    alice.send(b"x" * 100_000)
    alice.expect("! Line too long (the limit is 1024 bytes); ignored up to the next Enter.")
    alice.send("still here", end=b"\n")
    bob.expect("<alice> still here")
    alice.expect("<alice> still here")


def test_json_client(server: RunningServer) -> None:
    bot = server.connect()
    bot.banner()
    bot.send("/format json")
    assert bot.event("format")["format"] == "json"
    bot.send("login bot")
    assert bot.event("room")["members"] == ["bot"]
    alice = server.connect().login("alice")
    assert bot.event("presence")["name"] == "alice"
    alice.send("hi bot")
    chat = bot.event("chat")
    assert (chat["sender"], chat["text"], chat["room"]) == ("alice", "hi bot", "lobby")
    bot.send("/nick 9")
    assert bot.event("error")["code"] == "name-invalid"


def test_sigterm_tells_everyone_and_exits_cleanly(server: RunningServer) -> None:
    """
    SIGTERM: every connection, logged in or not, gets a notice before it
    closes, and the process exits 0 (twistd alone would end itself with the
    signal it stopped for).
    """
    alice = server.connect().login("alice")
    stranger = server.connect()
    stranger.banner()
    assert server.terminate() == 0
    alice.expect("*** The server is shutting down. Goodbye!")
    stranger.expect("*** The server is shutting down. Goodbye!")
    assert alice.closed() and stranger.closed()
    log = server.log_text()
    assert "alice logged in" in log
    assert "Server Shut Down." in log
    assert "Traceback" not in log


def test_port_in_use_stops_startup(server: RunningServer, tmp_path: Path) -> None:
    """A port a running server holds stops a second twistd at start-up, in one line."""
    second = tmp_path / "second"
    second.mkdir()
    typed = f"tcp:{server.port}:interface=127.0.0.1"
    result = subprocess.run(
        [TWISTD, "-n", "--pidfile=", "chat", "--port", typed, "--web", "none"],
        cwd=second, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stdout + result.stderr == (
        f"twistd chat: --port {typed!r}: port {server.port} on 127.0.0.1 is already in use\n")
