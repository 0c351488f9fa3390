"""
One determined user against the real ``twistd -n chat`` over loopback, each
test shaped like an attack (bounded in count and time), each asserting what
a bystander gets.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.processes import DEADLINE, TWISTD, LineClient, RunningServer, cut_off
from twisted_chat.core import events
from twisted_chat.store.sqlite import schema

#: The start_server fixture: options in, a running twistd out.
Start = Callable[..., RunningServer]

GOODBYE = "*** The server is shutting down. Goodbye!"
IAC, DO, NOP, SB, SE, NAWS = b"\xff", b"\xfd", b"\xf1", b"\xfa", b"\xf0", b"\x1f"


def still_open(client: LineClient) -> bool:
    """Whether the connection is open now, without waiting for the server to close it."""
    client.sock.settimeout(0.2)
    try:
        data = client.sock.recv(65536)
    except TimeoutError:
        return True
    except ConnectionResetError:
        return False
    finally:
        client.sock.settimeout(DEADLINE)
    client.pending += data
    return bool(data)


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


def flood(client: LineClient, data: bytes, total: int) -> bool:
    """Send ``data`` over and over, ``total`` bytes at most; whether the server cut it first."""
    client.sock.settimeout(DEADLINE)
    sent = 0
    try:
        while sent < total:
            client.sock.sendall(data)
            sent += len(data)
    except (ConnectionResetError, BrokenPipeError, TimeoutError):
        return True
    return cut_off(client)


def test_telnet_negotiation_from_a_client_that_never_reads(start_server: Start) -> None:
    """
    A logged-in client with a tiny receive buffer never reads and sends up to
    20 MB of ``IAC DO x`` for options the server refuses: it is refused once
    per option, then cut for flooding; the server's memory stays within a
    few megabytes, and the watcher's line arrives as usual.
    """
    server = start_server()
    watcher = server.connect(source="127.0.0.2").login("watcher")
    attacker = server.connect(receive_buffer=4096).login("mallory")
    watcher.expect("*** mallory has logged in")
    before = server.rss()
    requests = b"".join(IAC + DO + bytes([option]) for option in range(40, 240))
    assert flood(attacker, requests * 100, 20 * 2**20), "cut for flooding"
    watcher.expect("*** mallory has left (excess flood)")
    assert server.rss() - before < 8 * 2**20
    watcher.send("still here")
    watcher.expect("<watcher> still here")
    assert "Excess flood from" in server.log_text()


def test_telnet_commands_within_and_past_the_budget(start_server: Start) -> None:
    """
    IAC NOP never forms a line.  A connection sending a few thousand a
    second (within its budget) stays, and the watcher chats on while it
    does; four that send as fast as they can are each cut for flooding while
    the watcher's lines all arrive, in order.
    """
    server = start_server()
    watcher = server.connect(source="127.0.0.2").login("watcher")
    steady = server.connect().login("steady")
    nop = (IAC + NOP) * 100  # counts as 6,400 bytes of text
    for index in range(6):
        steady.sock.sendall(nop)
        watcher.send(f"ping {index}")
        watcher.expect(f"<watcher> ping {index}")
        time.sleep(0.5)
    assert still_open(steady)
    attackers = [server.connect().login(f"mallory{index}") for index in range(4)]
    threads = [threading.Thread(target=flood, args=(attacker, (IAC + NOP) * 32768, 50 * 2**20))
               for attacker in attackers]
    for thread in threads:
        thread.start()
    for index in range(20):
        watcher.send(f"pong {index}")
    seen = watcher.expect("<watcher> pong 19")
    assert [line for line in seen if line.startswith("<watcher>")] == [
        f"<watcher> pong {index}" for index in range(20)]
    for thread in threads:
        thread.join(DEADLINE)
    gone = {f"*** mallory{index} has left (excess flood)" for index in range(4)}
    while not gone <= set(seen):
        seen.append(watcher.readline())
    assert all(cut_off(attacker) for attacker in attackers)


def test_twenty_window_widths_from_one_address(start_server: Start) -> None:
    """
    Twenty connections from one address, each with its own window width (20
    to 39 columns), each chatting kilobyte lines at the flood rate: the
    watcher reads every line of every one, in each sender's order, with its
    own pings among them; and each chatter's rows fit its window.
    """
    server = start_server()
    watcher = server.connect(source="127.0.0.2").login("watcher")
    chatters = []
    for columns in range(20, 40):
        chatter = server.connect().login(f"w{columns}")
        chatter.sock.sendall(IAC + SB + NAWS + columns.to_bytes(2, "big") + b"\x00\x18" + IAC + SE)
        chatters.append(chatter)
    watcher.expect("*** w39 has logged in")
    text = "word " * 199 + "word"
    for _ in range(12):  # 8 at once, then 4 a second: three seconds of it
        for chatter in chatters:
            chatter.send(text)
    for index in range(10):
        watcher.send(f"ping {index}")
        time.sleep(0.2)
    seen = watcher.expect("<watcher> ping 9")
    while sum(line.startswith("<w") for line in seen) < 12 * 20:
        seen.append(watcher.readline())
    assert [line for line in seen if line.startswith("<watcher>")] == [
        f"<watcher> ping {index}" for index in range(10)]
    for columns in range(20, 40):
        said = [line for line in seen if line.startswith(f"<w{columns}> ")]
        assert said == [f"<w{columns}> {text}"] * 12
    rows = chatters[17].expect("<watcher> ping 9")  # 37 columns: rows of at most 29
    assert rows and all(len(row) <= 29 for row in rows)


def test_limits_hold_across_logins(server: RunningServer) -> None:
    """
    A registered name logs in twelve times, each time making rooms and
    registering them as fast as it may: it ends with as many lasting rooms
    as one user may have (5), not five a login.
    """
    owner = server.connect().login("keeper")
    owner.send("register oolong-tea-42")
    owner.expect("keeper is registered")
    owner.close()
    made = 0
    for login in range(12):
        client = server.connect()
        client.banner()
        client.send("login keeper oolong-tea-42")
        client.expect("= Members")
        for index in range(5):
            client.send(f"/create r{login}x{index}")
            answer = client.readline()
            if answer.startswith("!"):
                assert "rooms that still exist" in answer or "too fast" in answer, answer
                continue
            client.expect("= Members")
            client.send("/room register")
            client.expect("is registered")
            client.send("/leave")
            client.expect("= Members")
            made += 1
        client.send("/quit")
        client.expect("Goodbye")
        client.close()
    assert made == 5
    watcher = server.connect(source="127.0.0.2").login("watcher")
    watcher.send("/list")
    listing = watcher.expect("= Rooms (")
    assert listing[-1] == "= Rooms (6):", listing


def test_a_wave_of_guessers_and_the_owner(start_server: Start) -> None:
    """
    Fifty connections from fifty addresses guess a registered name's
    password at once: five are checked, one turn after another (0, 1, 3, 7
    and 15 s on), and the other 45 are told at once to try later.  Meanwhile
    the owner, from the address it registered from, logs in straight away,
    while guessers still wait for their turn.
    """
    server = start_server("--max-connections", "0")
    owner = server.connect(source="127.0.0.9").login("alice")
    owner.send("/register right-pass-1")
    owner.expect("alice is registered")
    owner.send("/quit")
    owner.expect("Goodbye")
    guessers = [server.connect(source=f"127.0.1.{index}") for index in range(1, 51)]
    for index, guesser in enumerate(guessers):
        guesser.banner()
        guesser.send(f"login alice wrong-{index}")
    time.sleep(0.5)
    told = {guesser: still_open(guesser) and guesser.pending for guesser in guessers}
    refused = [guesser for guesser, pending in told.items() if b"Too many wrong" in pending]
    waiting = [guesser for guesser, pending in told.items() if not pending]
    assert len(refused) == 45 and len(waiting) >= 3, (len(refused), len(waiting))
    back = server.connect(source="127.0.0.9")
    back.banner()
    back.send("login alice right-pass-1")
    back.expect("*** You are alice.")
    assert all(still_open(guesser) and not guesser.pending for guesser in waiting[-2:]), \
        "the last guessers still wait for their turn"
    checked = [guesser for guesser in guessers if guesser not in refused]
    assert [guesser.readline() for guesser in checked] == ["! Wrong password for 'alice'."] * 5


def prefill(path: Path, room: str, count: int) -> None:
    """A history of ``count`` lines in ``room``, written before the server starts."""
    database = schema.connect(str(path))
    schema.migrate(database)
    for start in range(0, count, 10_000):
        lines = [events.Message(1.0, room, "filler", f"line {index} abcdefghijklmnopqrstuvwxy")
                 for index in range(start, min(start + 10_000, count))]
        schema.append(database.cursor(), lines, [room] * len(lines))
    database.commit()
    database.close()


def test_searches_hold_up_no_chat(start_server: Start, tmp_path: Path) -> None:
    """
    On a 200,000-line history, a search of 300 one-letter words is refused
    (eight at most); then ten searches of eight short words that match
    nothing, each a scan of the whole room, run one after another while the
    watcher in the main room chats: the watcher's five round trips are done
    before the last search is answered, and an eleventh search in the same
    minute is refused.
    """
    prefill(tmp_path / "twisted-chat.db", "big", 200_000)
    server = start_server()
    watcher = server.connect(source="127.0.0.2").login("watcher")
    searcher = server.connect().login("searcher")
    searcher.send("/create big")
    searcher.expect("= Last 20 lines in big:")
    searcher.send("/search " + " ".join(chr(ord("a") + index % 26) for index in range(300)))
    searcher.expect("! A search takes at most 8 words. Leave some out.")
    for _ in range(10):
        searcher.send("/search a b c d e f g z")
    for index in range(5):
        watcher.send(f"ping {index}")
        watcher.expect(f"<watcher> ping {index}")
    assert still_open(searcher) and searcher.pending.count(b"= No lines in big match") < 10, \
        "the watcher's lines waited for the searches"
    for _ in range(10):
        searcher.expect("= No lines in big match a b c d e f g z.")
    searcher.send("/search tea")
    searcher.expect("! You are searching too fast: at most 10 a minute.")


def test_another_process_cannot_lock_the_database(start_server: Start, tmp_path: Path) -> None:
    """
    Another process tries to lock the database for 20 s: it cannot (the
    server holds its file alone), and the watcher's lines and /who are
    answered as usual.
    """
    server = start_server()
    watcher = server.connect().login("watcher")
    locker = subprocess.run(
        [sys.executable, "-c", "import sqlite3, time\n"
         f"c = sqlite3.connect({str(tmp_path / 'twisted-chat.db')!r}, timeout=1)\n"
         "c.execute('BEGIN EXCLUSIVE'); time.sleep(20)"],
        capture_output=True, text=True, timeout=DEADLINE)
    assert "database is locked" in locker.stderr
    watcher.send("still stored")
    watcher.expect("<watcher> still stored")
    watcher.send("/who")
    watcher.expect("= Online (1):")


def test_the_database_gone_while_running(start_server: Start, tmp_path: Path) -> None:
    """
    The database's directory is removed while users chat: from then on each
    line is refused with a word why (and none is delivered, which would be
    a lie: it is stored nowhere), the log says so, and the server goes on.
    """
    directory = tmp_path / "data"
    directory.mkdir()
    server = start_server("--db", str(directory / "chat.db"))
    alice = server.connect().login("alice")
    watcher = server.connect(source="127.0.0.2").login("watcher")
    alice.send("before")
    watcher.expect("<alice> before")
    alice.expect("<alice> before")
    shutil.rmtree(directory)
    for index in range(20):
        alice.send(f"after {index}")
    told = [alice.readline() for _ in range(20)]
    assert told == ["! Your message could not be stored, so it was not sent. Try again."] * 20
    watcher.send("/who")
    seen = watcher.expect("= Online (2):")
    assert not [line for line in seen if "after" in line]
    assert "chat.db is gone" in server.log_text()
    assert server.terminate() == 0


def test_a_second_server_on_the_same_file_stops(start_server: Start, tmp_path: Path) -> None:
    """The file is one server's: a second on it says why and exits; the first goes on."""
    server = start_server()
    second = subprocess.run([TWISTD, "-n", "--pidfile=", "chat", "--port", "tcp:0",
                             "--web", "none"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=DEADLINE * 2)
    assert second.returncode != 0
    assert "twisted-chat.db: database is locked (the server holds its file alone" in \
        second.stdout + second.stderr
    alice = server.connect().login("alice")
    alice.send("still here")
    alice.expect("<alice> still here")


def test_nothing_done_to_the_files_beside_the_database_kills_it(
        start_server: Start, tmp_path: Path) -> None:
    """
    No ``-shm`` file is mapped into the server (a shrunk one killed it with
    SIGBUS): there is none beside either database while it runs, and one put
    there, truncated and unwritable, changes nothing; chat goes on.
    """
    server = start_server()
    alice = server.connect().login("alice")
    alice.send("before")
    alice.expect("<alice> before")
    for database in ("twisted-chat.db", "twisted-chat.db-search"):
        shm = tmp_path / f"{database}-shm"
        assert not shm.exists(), f"{shm.name} is mapped"
        shm.write_bytes(b"")
        shm.chmod(0)
    for index in range(6):
        alice.send(f"after {index}")
    alice.expect("<alice> after 5")
    alice.send("/search after")
    alice.expect("in lobby matching after:")
    assert server.process.poll() is None
