"""
The real ``twistd -n chat --config chat.toml`` over loopback: a bad file
stops the start in one line; README's example file runs; SIGHUP and
``/reload`` change a limit, the topic and the certificate while telnet users
stay connected; a bad file on reload changes nothing.

The ports are the command line's (``RunningServer`` passes ``--port`` and
``--web``), which win over the file's: each test listens on a port of its own.
"""

from __future__ import annotations

import hashlib
import signal
import ssl
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.certificates import make_ca, make_server
from tests.config.test_readme import example
from tests.processes import DEADLINE, TWISTD, LineClient, RunningServer, logged_in_registered

Start = Callable[..., RunningServer]


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def hang_up(server: RunningServer, wanted: str) -> None:
    """SIGHUP, and wait for the log line that says it was read (or why not)."""
    seen = server.log_text().count(wanted)
    server.process.send_signal(signal.SIGHUP)
    end = time.monotonic() + DEADLINE
    while server.log_text().count(wanted) == seen:
        assert time.monotonic() < end, f"never logged {wanted!r}:\n{server.log_text()}"
        assert server.process.poll() is None, server.log_text()
        time.sleep(0.05)


def refused_at_connect(server: RunningServer) -> str:
    """The one line a connection over a limit reads, having checked it is then closed."""
    sock = LineClient(server.port).sock
    answer = b""
    while chunk := sock.recv(4096):
        answer += chunk
    sock.close()
    return answer.decode().strip()


def test_a_bad_file_is_one_line_and_nothing_starts(tmp_path: Path) -> None:
    (tmp_path / "chat.toml").write_text('port = ["tcp:0:interface=127.0.0.1"]\n'
                                        'max-per-ip = "five"\n')
    result = subprocess.run([TWISTD, "-n", "--pidfile=", "chat", "--config", "chat.toml"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=DEADLINE)
    assert result.returncode == 1
    assert result.stdout + result.stderr == (
        'twistd chat: chat.toml: max-per-ip: takes a whole number, not "five"\n')


def test_a_syntax_error_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "chat.toml").write_text("replay = 5\nmax-per-ip 5\n")
    result = subprocess.run([TWISTD, "-n", "--pidfile=", "chat", "--config", "chat.toml"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=DEADLINE)
    assert (result.returncode, result.stdout + result.stderr) == (1, (
        "twistd chat: chat.toml: line 2, column 12: Expected '=' after a key in a key/value "
        "pair\n"))


def test_readme_file_and_sighup(tmp_path: Path, start_server: Start) -> None:
    """
    README's file as printed (its database in memory): a telnet user is
    connected from 127.0.0.1; max-per-ip 20 → 1 and SIGHUP: the user stays
    and chats, a second connection from the address is refused.
    """
    config = tmp_path / "chat.toml"
    config.write_text(example())
    server = start_server("--config", "chat.toml", "--db", ":memory:")
    ann = server.connect().login("ann")
    bob = server.connect().login("bob")
    ann.expect("*** bob has logged in")
    bob.close()
    rewrite(config, "max-per-ip = 20", "max-per-ip = 1")
    hang_up(server, "Reloaded chat.toml")
    assert "Reloaded chat.toml: max-per-ip 20 → 1 (by SIGHUP)" in server.log_text()
    assert refused_at_connect(server) == (
        "! Too many connections from your address (at most 1 at once). Close one and try again.")
    ann.send("still here")
    ann.expect("<ann> still here")


def test_reload_by_an_operator(tmp_path: Path, start_server: Start) -> None:
    """
    /reload by a server operator: the main room's topic changes for
    everyone in it, a port change waits for a restart, and a bad file later
    changes nothing and says why, to the operator and in the log.
    """
    config = tmp_path / "chat.toml"
    motd = tmp_path / "motd.txt"
    motd.write_text("Be kind.")
    config.write_text('operator = ["teacher"]\nmain-topic = "Welcome"\nmotd = "motd.txt"\n'
                      'max-per-ip = 5\ndb = ":memory:"\n')
    server = start_server("--config", "chat.toml")
    teacher = logged_in_registered(server, "teacher")
    ann = server.connect().login("ann")

    rewrite(config, '"Welcome"', '"Homework: page 12"')
    motd.write_text("Be very kind.")
    config.write_text(config.read_text() + "replay = 5\n")
    teacher.send("/reload")
    assert teacher.expect("*** Reloaded")[-1] == (
        "*** Reloaded chat.toml: main-topic, motd; replay needs a restart")
    ann.expect("= Topic of lobby: Homework: page 12")
    carol = server.connect()
    carol.banner()
    carol.send("login carol")
    carol.expect("*** Be very kind.")

    rewrite(config, "max-per-ip = 5", 'max-per-ip = 1\nsendq = "lots"')
    teacher.send("/reload")
    teacher.expect('! Nothing was reloaded: chat.toml: sendq: takes a whole number, not "lots"')
    assert ('Nothing was reloaded (by teacher): chat.toml: sendq: takes a whole number, '
            'not "lots"') in server.log_text()
    # Three connected from 127.0.0.1, under 5: a fourth is still let in.
    dave = server.connect().login("dave")
    ann.send("/reload")
    ann.expect("! Only a server operator may do that.")
    for client in (teacher, ann, carol, dave):
        client.send("hello")
        client.expect("hello")


def fingerprint(client: LineClient) -> str:
    der = client.sock.getpeercert(binary_form=True)  # type: ignore[attr-defined]
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[at:at + 2] for at in range(0, 64, 2))


def over_tls(tmp_path: Path, start_server: Start, config: str) -> tuple[
        RunningServer, Any, Any, Any, ssl.SSLContext]:
    """A server from ``config`` on a certificate of a test CA: it, the certificate, the CA,
    its key, and a client context that trusts the CA."""
    ca, key = make_ca(tmp_path)
    first = make_server(tmp_path, ca, key)
    (tmp_path / "chat.toml").write_text(config)
    server = start_server("--config", "chat.toml", listen=first.listen())
    return server, first, ca, key, ssl.create_default_context(cafile=str(ca.cert))


def test_a_new_certificate(tmp_path: Path, start_server: Start) -> None:
    """
    The certificate's files replaced and SIGHUP: a new TLS connection is
    shown the new certificate, the one already open keeps its session and chats on.
    """
    server, first, ca, key, trusting = over_tls(tmp_path, start_server, 'db = ":memory:"\n')
    old = server.connect(tls=trusting).login("ann")
    assert fingerprint(old) == first.fingerprint

    second = make_server(tmp_path, ca, key)  # the same files, rewritten
    assert second.fingerprint != first.fingerprint
    hang_up(server, "Reloaded chat.toml")
    assert "Reloaded chat.toml: port certificate (by SIGHUP)" in server.log_text()
    new = server.connect(tls=trusting).login("bob")
    assert fingerprint(new) == second.fingerprint
    old.expect("*** bob has logged in")
    old.send("on the old certificate")
    new.expect("<ann> on the old certificate")
    old.expect("<ann> on the old certificate")


def test_a_certificate_that_does_not_load_changes_nothing(tmp_path: Path,
                                                          start_server: Start) -> None:
    """A certificate file broken, and a limit changed: SIGHUP changes neither."""
    server, first, _, _, trusting = over_tls(tmp_path, start_server,
                                             'db = ":memory:"\nmax-per-ip = 5\n')
    ann = server.connect(tls=trusting).login("ann")
    first.cert.write_text("not a certificate")
    rewrite(tmp_path / "chat.toml", "max-per-ip = 5", "max-per-ip = 1")
    hang_up(server, "Nothing was reloaded")
    assert "Nothing was reloaded (by SIGHUP): --port 'ssl:" in server.log_text()
    # The old certificate still, and max-per-ip still 5: a second connection is let in.
    bob = server.connect(tls=trusting).login("bob")
    assert fingerprint(bob) == first.fingerprint
    ann.expect("*** bob has logged in")
