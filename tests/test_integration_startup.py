"""
The real ``twistd -n chat`` refusing to start: one line, exit status 1, and
nothing listened on.

The one line is the whole of its output: no traceback, no help, and no log,
which starts only after the checks; every listen is logged ("... starting
on ..."), so a listener that had started would show.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from tests.processes import DEADLINE, TWISTD


def twistd(cwd: Path, *args: str, env: dict[str, str] | None = None,
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TWISTD, "-n", "--pidfile=", "chat", "--db", ":memory:", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=DEADLINE, env=env)


def refused(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """The one line ``twistd chat ARGS`` stops with, having checked it stopped as it should."""
    result = twistd(cwd, *args, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert len(output.splitlines()) == 1, output
    assert output.startswith("twistd chat: --"), output
    return output.strip()


def test_bad_value_is_one_line_and_help_is_whole(tmp_path: Path) -> None:
    """A bad value: the option and what was typed, not twistd's help first; --help: all of it."""
    assert refused(tmp_path, "--coalesce", "abc") == \
        "twistd chat: --coalesce takes a number, not 'abc'"
    helped = twistd(tmp_path, "--help")
    assert helped.returncode == 0, helped.stderr
    assert "--coalesce=" in helped.stdout and "--port=" in helped.stdout
    assert len(helped.stdout.splitlines()) > 50


def test_the_same_port_twice(tmp_path: Path) -> None:
    """Two options on one port, spelt two ways: refused before either listens."""
    assert refused(tmp_path, "--port", "7000", "--web", "tcp:port=7000") == \
        "twistd chat: --web 'tcp:port=7000': port 7000 is already taken by --port '7000'"


def test_a_later_port_in_use(tmp_path: Path) -> None:
    """
    Another program's port, in the second listener: the first never
    listens (nothing is logged), and its port is free after.
    """
    with socket.create_server(("127.0.0.1", 0)) as first_port, \
            socket.create_server(("127.0.0.1", 0)) as taken:
        first, port = first_port.getsockname()[1], taken.getsockname()[1]
        first_port.close()
        line = refused(tmp_path, "--port", f"tcp:{first}:interface=127.0.0.1",
                       "--web", f"tcp:{port}:interface=127.0.0.1")
    assert line == (f"twistd chat: --web 'tcp:{port}:interface=127.0.0.1': port {port} "
                    "on 127.0.0.1 is already in use")
    with socket.create_server(("127.0.0.1", first)):
        pass


def test_an_address_not_on_this_machine(tmp_path: Path) -> None:
    assert refused(tmp_path, "--port", "tcp:6666:interface=203.0.113.9", "--web", "none") == (
        "twistd chat: --port 'tcp:6666:interface=203.0.113.9': address 203.0.113.9 is not on "
        "this machine")


def test_a_port_out_of_range(tmp_path: Path) -> None:
    assert refused(tmp_path, "--port", "99999", "--web", "none") == \
        "twistd chat: --port '99999': port 99999 is out of range (0-65535)"


def test_a_unix_socket_in_a_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert refused(tmp_path, "--port", f"unix:{missing}/chat.sock", "--web", "none") == (
        f"twistd chat: --port 'unix:{missing}/chat.sock': directory {missing} does not exist")


def test_tls_without_pyopenssl(tmp_path: Path) -> None:
    """Without pyOpenSSL (its import made to fail here), an ssl: listener says what to install."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['OpenSSL'] = None\n")
    env = {**os.environ, "PYTHONPATH": str(blocker)}
    assert refused(tmp_path, "--port", "ssl:6697:privateKey=key.pem", "--web", "none",
                   env=env) == ("twistd chat: --port 'ssl:6697:privateKey=key.pem': TLS needs "
                                "pyOpenSSL: pip install 'twisted[tls]'")
