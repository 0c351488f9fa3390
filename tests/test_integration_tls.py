"""
``ssl:`` listeners for real, from what ``pip install .`` brings (Twisted's
``[tls]`` extra): ``twistd -n chat`` with a certificate made here, and plain
Python ``ssl`` clients on the telnet port and on the web port (HTTPS, WSS).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.certificates import make_ca, make_server
from tests.processes import RunningServer


@pytest.fixture
def trusting(tmp_path: Path) -> tuple[str, ssl.SSLContext]:
    """A server's ``ssl:`` description, and a client context that trusts its CA."""
    ca, key = make_ca(tmp_path)
    issued = make_server(tmp_path, ca, key)
    return issued.listen(), ssl.create_default_context(cafile=str(ca.cert))


@pytest.fixture
def tls_server(tmp_path: Path, trusting: tuple[str, ssl.SSLContext]) -> Iterator[RunningServer]:
    listen, _ = trusting
    running = RunningServer(tmp_path, "--db", ":memory:", listen=listen, web_listen=listen)
    yield running
    running.terminate()


def test_telnet_style_client_over_tls(tls_server: RunningServer,
                                      trusting: tuple[str, ssl.SSLContext]) -> None:
    """``--port ssl:...``: a TLS client logs in, registers, and chats with another."""
    _, context = trusting
    alice = tls_server.connect(tls=context).login("alice")
    alice.send("register oolong-42")
    alice.expect("alice is registered")
    bob = tls_server.connect(tls=context).login("bob")
    alice.expect("*** bob has logged in")
    bob.send("你好 alice")
    alice.expect("<bob> 你好 alice")
    alice.send("quit")
    alice.expect("Goodbye")
    again = tls_server.connect(tls=context)
    again.expect("Log in with")
    again.send("login alice oolong-42")
    again.expect("= Members (2)")
    bob.expect("*** alice has logged in")


def test_https_page_and_wss(tls_server: RunningServer,
                            trusting: tuple[str, ssl.SSLContext]) -> None:
    """``--web ssl:...``: the page over HTTPS, and its WebSocket (wss:) from its https origin."""
    _, context = trusting
    with context.wrap_socket(socket.create_connection(
            ("127.0.0.1", tls_server.web_port)), server_hostname="localhost") as sock:
        sock.sendall(f"GET / HTTP/1.1\r\nHost: localhost:{tls_server.web_port}\r\n"
                     "Connection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:100]
    assert b"<html" in answer.lower()

    carol = tls_server.connect_web(tls=context).login("carol")
    assert carol.accepted
    carol.send("hello over wss")
    assert carol.event("chat")["text"] == "hello over wss"
