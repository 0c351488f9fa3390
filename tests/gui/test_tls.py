"""
The desktop client over TLS, for real: a ``twistd -n chat`` listening on an
``ssl:`` port with a certificate made here, and the client's own connection
code on the reactor.  A certificate that fails the check must cost the
connection before the client said anything: the server never sees a login.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from twisted.internet import reactor as _reactor
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from tests.certificates import Issued, make_ca, make_server
from tests.processes import DEADLINE, LineClient, RunningServer
from twisted_chat.gui.client import ChatClient, LoginFailed, connect
from twisted_chat.gui.trust import Trust, load_ca, parse_fingerprint

reactor: Any = _reactor
pytestmark = pytest.mark.usefixtures("resolver_threads")


class Certificates:
    """The test's CA and the server's certificate it signed (for ``localhost`` only)."""

    def __init__(self, directory: Path) -> None:
        self.ca, key = make_ca(directory)
        self.server = make_server(directory, self.ca, key)
        self.other_ca, _ = make_ca(directory, "other-ca")

    def context(self) -> ssl.SSLContext:
        """What a Python program trusting the test's CA connects with."""
        return ssl.create_default_context(cafile=str(self.ca.cert))


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    return Certificates(tmp_path)


@pytest.fixture
def tls_server(tmp_path: Path, certificates: Certificates) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path, listen=certificates.server.listen())
    yield running
    running.terminate()


def settle(deferred: Deferred[Any]) -> Any:
    """Pump the reactor until ``deferred`` fires; its result, or the Failure."""
    outcome: list[Any] = []
    deferred.addBoth(outcome.append)
    end = time.monotonic() + DEADLINE
    while not outcome:
        assert time.monotonic() < end, "the connection attempt never ended"
        reactor.iterate(0.005)
    return outcome[0]


def heard(client: LineClient, wanted: str) -> None:
    """Pump the reactor until ``wanted`` reaches ``client``, read without blocking."""
    end = time.monotonic() + DEADLINE
    client.sock.settimeout(0)
    try:
        while wanted.encode() not in client.pending:
            assert time.monotonic() < end, f"never got {wanted!r}; got {client.pending!r}"
            reactor.iterate(0.005)
            with contextlib.suppress(BlockingIOError, ssl.SSLWantReadError):
                client.pending += client.sock.recv(65536)
    finally:
        client.sock.settimeout(DEADLINE)


def log_in(port: int, trust: Trust, host: str = "localhost", name: str = "alice",
           password: str = "") -> Any:
    return settle(connect(reactor, f"{host}:{port}", name, 5.0, password, trust))


def outcome_of_a_turn() -> Deferred[None]:
    """A Deferred that fires on the reactor's next turn: the aborted connection's last word."""
    turn: Deferred[None] = Deferred()
    reactor.callLater(0, turn.callback, None)
    return turn


def refused(outcome: Any) -> str:
    assert isinstance(outcome, Failure), outcome
    assert isinstance(outcome.value, LoginFailed), outcome
    return outcome.value.message


def no_login_seen(server: RunningServer, observer: LineClient) -> None:
    """The server never heard from alice: nobody logged in, the room holds only bob."""
    observer.send("look")
    observer.expect("= Members (1): bob")
    assert "alice" not in server.log_text()


def close(client: ChatClient) -> None:
    lost = client.when_lost()
    client.close()
    settle(lost)


def test_with_the_ca(tls_server: RunningServer, certificates: Certificates) -> None:
    """--tls --ca: the certificate chains to the CA and names the host; the login goes through."""
    bob = tls_server.connect(tls=certificates.context()).login("bob")
    client = log_in(tls_server.port, Trust(ca=load_ca(str(certificates.ca.cert))))
    assert isinstance(client, ChatClient), client
    bob.expect("*** alice has logged in")
    client.send("/say over TLS")
    heard(bob, "<alice> over TLS")
    close(client)


def test_with_the_fingerprint(tls_server: RunningServer, certificates: Certificates) -> None:
    """--fingerprint: the pinned certificate is accepted whoever signed it, colons or not."""
    bob = tls_server.connect(tls=certificates.context()).login("bob")
    pinned = certificates.server.fingerprint.lower().replace(":", "")
    client = log_in(tls_server.port, Trust(fingerprint=parse_fingerprint(pinned)),
                    host="127.0.0.1")
    assert isinstance(client, ChatClient), client
    bob.expect("*** alice has logged in")
    close(client)


def test_wrong_fingerprint(tls_server: RunningServer, certificates: Certificates) -> None:
    bob = tls_server.connect(tls=certificates.context()).login("bob")
    wrong = parse_fingerprint(certificates.other_ca.fingerprint)
    message = refused(log_in(tls_server.port, Trust(fingerprint=wrong), password="oolong-42"))
    seen = certificates.server.fingerprint
    assert message == ("The server's certificate is not the one pinned with --fingerprint; "
                       f"its fingerprint is {seen}.")
    no_login_seen(tls_server, bob)


@pytest.mark.parametrize("which", ["system", "other CA"])
def test_untrusted(tls_server: RunningServer, certificates: Certificates, which: str) -> None:
    """Neither the system's CAs nor another CA vouch for the test's certificate."""
    bob = tls_server.connect(tls=certificates.context()).login("bob")
    trust = Trust() if which == "system" else Trust(ca=load_ca(str(certificates.other_ca.cert)))
    message = refused(log_in(tls_server.port, trust, password="oolong-42"))
    assert message.startswith("The server's certificate is not trusted: it is not signed by a "
                              "CA this client trusts"), message
    no_login_seen(tls_server, bob)


def test_wrong_host(tls_server: RunningServer, certificates: Certificates) -> None:
    """The CA is right, but the certificate is for localhost, not 127.0.0.1."""
    bob = tls_server.connect(tls=certificates.context()).login("bob")
    trust = Trust(ca=load_ca(str(certificates.ca.cert)))
    message = refused(log_in(tls_server.port, trust, host="127.0.0.1", password="oolong-42"))
    assert message == ("The server's certificate is not trusted: it is not for '127.0.0.1' "
                       "(connect with the name the certificate gives).")
    no_login_seen(tls_server, bob)


def test_tls_to_a_plain_port(server: RunningServer) -> None:
    """--tls against the telnet port: one line saying TLS failed, not a hang or a traceback."""
    message = refused(log_in(server.port, Trust()))
    assert message.startswith("Could not connect over TLS: "), message
    assert message.endswith("(is the server's port an ssl: one?)."), message


def test_plain_to_a_tls_port(tls_server: RunningServer) -> None:
    """Without --tls, the ssl: port says nothing: the client says what that may mean."""
    outcome = settle(connect(reactor, f"localhost:{tls_server.port}", "alice", 5.0))
    assert refused(outcome) == ("The server closed the connection without a word "
                                "(if its port is an ssl: one, connect with --tls).")


def test_a_silent_tls_server() -> None:
    """A port that accepts and never answers the handshake: given up on, in time."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        outcome = settle(connect(reactor, f"127.0.0.1:{silent.getsockname()[1]}", "alice",
                                 0.5, trust=Trust()))
    assert refused(outcome) == ("The server did not finish the TLS handshake in 0.5 seconds. "
                                "Is its port an ssl: one?")
    settle(outcome_of_a_turn())
    assert reactor.getDelayedCalls() == [], "the handshake's timer outlived it"


class Recorder:
    """
    A TLS server that answers nothing and keeps every byte it is sent after
    the handshake: what the client told a server, in clear.
    """

    def __init__(self, issued: Issued) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(issued.cert, issued.key)
        self.listening = socket.create_server(("127.0.0.1", 0))
        self.port = self.listening.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.listening.accept()
        connection.settimeout(DEADLINE)
        try:
            with self.context.wrap_socket(connection, server_side=True) as tls:
                while data := tls.recv(65536):
                    self.received += data
        except (ssl.SSLError, OSError):
            pass  # The client walked out of the handshake: it sent nothing.
        finally:
            connection.close()
            self.listening.close()

    def finished(self) -> bytes:
        """Once the client has gone: all it sent."""
        end = time.monotonic() + DEADLINE
        while self.thread.is_alive():
            assert time.monotonic() < end, "the client never went"
            reactor.iterate(0.005)
        return self.received


@pytest.mark.parametrize("right", [True, False])
def test_nothing_sent_before_the_check(certificates: Certificates, right: bool) -> None:
    """
    The right pin: the server reads the switch to JSON and the login with its
    password.  The wrong one: not a byte, because the handshake never finished.
    """
    recorder = Recorder(certificates.server)
    pin = certificates.server if right else certificates.other_ca
    outcome = settle(connect(reactor, f"127.0.0.1:{recorder.port}", "alice", 0.5,
                             "oolong-42", Trust(fingerprint=parse_fingerprint(pin.fingerprint))))
    received = recorder.finished()
    if right:
        assert refused(outcome).startswith("The server did not answer in 0.5 seconds.")
        assert received == b"format json\r\n/lang\r\nlogin alice oolong-42\r\n"
    else:
        assert refused(outcome).startswith("The server's certificate is not the one pinned")
        assert received == b""


def test_issued_files(certificates: Certificates) -> None:
    """What the tests rely on: the fingerprint is the certificate's, as openssl prints it."""
    issued: Issued = certificates.server
    assert len(issued.fingerprint) == 95 and issued.fingerprint.count(":") == 31
