"""
Where the front ends listen: which addresses collide, the check of every
address before any listens, and the service that listens on all or none.
"""

from __future__ import annotations

import errno
import itertools
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.error import CannotListenError
from twisted.internet.protocol import ServerFactory
from twisted.internet.testing import MemoryReactor
from twisted.logger import LogLevel, capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.listeners import (
    Listener,
    ListenerError,
    Listeners,
    Planned,
    TCPAddress,
    UNIXAddress,
    check,
)

INTERFACES = ["", "0.0.0.0", "127.0.0.1", "127.0.0.2", "::", "::1"]


def kernel_refuses(listening: str, binding: str) -> bool:
    """Whether Linux refuses to bind ``binding`` to the port ``listening`` listens on."""
    family = socket.AF_INET6 if ":" in listening else socket.AF_INET
    with socket.socket(family) as first:
        first.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        first.bind((listening, 0))
        first.listen()
        port = first.getsockname()[1]
        with socket.socket(socket.AF_INET6 if ":" in binding else socket.AF_INET) as second:
            second.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                second.bind((binding, port))
            except OSError:
                return True
            return False


def temporary_directory(case: SynchronousTestCase) -> Path:
    path = Path(tempfile.mkdtemp())
    case.addCleanup(shutil.rmtree, path)
    return path


class CollisionTests(SynchronousTestCase):
    def test_tcp_collisions_are_the_kernels(self) -> None:
        """
        Two TCP listeners on one port collide exactly when Linux refuses the
        second while the first listens: asked of the kernel, pair by pair
        (:: takes IPv4 too; 0.0.0.0 and 127.0.0.1 may not share a port).
        """
        for listening, binding in itertools.product(INTERFACES, INTERFACES):
            with self.subTest(listening=listening, binding=binding):
                self.assertEqual(TCPAddress(7000, binding).collides(TCPAddress(7000, listening)),
                                 kernel_refuses(listening, binding))

    def test_what_never_collides(self) -> None:
        """Port 0 (the system picks), other ports, a port and a path."""
        self.assertFalse(TCPAddress(0).collides(TCPAddress(0)))
        self.assertFalse(TCPAddress(7000).collides(TCPAddress(7001)))
        self.assertFalse(TCPAddress(7000).collides(UNIXAddress("/tmp/7000")))
        self.assertFalse(UNIXAddress("/tmp/a.sock").collides(UNIXAddress("/tmp/b.sock")))
        self.assertTrue(UNIXAddress("/tmp/a.sock").collides(UNIXAddress("/tmp/./a.sock")))

    def test_addresses_in_words(self) -> None:
        self.assertEqual(str(TCPAddress(7000)), "port 7000")
        self.assertEqual(str(TCPAddress(7000, "::")), "port 7000")
        self.assertEqual(str(TCPAddress(7000, "127.0.0.1")), "port 7000 on 127.0.0.1")
        self.assertEqual(str(UNIXAddress("/run/chat.sock")), "socket /run/chat.sock")


class CheckTests(SynchronousTestCase):
    """Every address bound and let go before anything listens, and why one cannot be."""

    def refusal(self, typed: str) -> str:
        listener = Listener.parse("port", typed)
        return str(self.assertRaises(ListenerError, check, [listener]))

    def test_port_in_use(self) -> None:
        taken = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(taken.close)
        port = taken.getsockname()[1]
        self.assertEqual(self.refusal(f"tcp:{port}:interface=127.0.0.1"),
                         f"--port 'tcp:{port}:interface=127.0.0.1': port {port} on 127.0.0.1 "
                         "is already in use")
        # Every address includes the one another program listens on.
        self.assertEqual(self.refusal(str(port)),
                         f"--port '{port}': port {port} is already in use")

    def test_address_not_on_this_machine(self) -> None:
        self.assertEqual(self.refusal("tcp:0:interface=203.0.113.9"),
                         "--port 'tcp:0:interface=203.0.113.9': address 203.0.113.9 is not on "
                         "this machine")

    def test_unix_socket_in_a_missing_directory(self) -> None:
        missing = temporary_directory(self) / "missing"
        self.assertEqual(self.refusal(f"unix:{missing}/chat.sock"),
                         f"--port 'unix:{missing}/chat.sock': directory {missing} does not exist")

    def test_check_leaves_nothing_behind(self) -> None:
        """A free port and a free path pass; the path's probe and lock are gone after."""
        path = temporary_directory(self)
        check([Listener.parse("port", "tcp:0:interface=127.0.0.1"),
               Listener.parse("port", f"unix:{path}/chat.sock")])
        self.assertEqual(list(path.iterdir()), [])

    def test_unix_socket_of_a_running_server(self) -> None:
        """A socket whose lock a running process holds (this one) is refused."""
        path = temporary_directory(self) / "chat.sock"
        with socket.socket(socket.AF_UNIX) as running:
            running.bind(str(path))
            os.symlink(str(os.getpid()), f"{path}.lock")  # FilesystemLock's form: the pid
            self.assertEqual(self.refusal(f"unix:{path}"),
                             f"--port 'unix:{path}': socket {path} is in use by a running "
                             "server")

    def test_unix_socket_left_behind(self) -> None:
        """
        A socket whose server died, its lock stale, is removed as Twisted's
        port would; with no lock to tell, an existing file is refused.
        """
        path = temporary_directory(self) / "chat.sock"
        with socket.socket(socket.AF_UNIX) as dead:
            dead.bind(str(path))
        os.symlink(str(2 ** 22 + 1), f"{path}.lock")  # above Linux's largest pid
        check([Listener.parse("port", f"unix:{path}")])
        self.assertFalse(path.exists())
        with socket.socket(socket.AF_UNIX) as dead:
            dead.bind(str(path))
        self.assertEqual(self.refusal(f"unix:{path}:lockfile=0"),
                         f"--port 'unix:{path}:lockfile=0': {path} already exists: remove it "
                         "if no server uses it")


class StoppedPort:
    """What a Crowded reactor's listen returns: it notes being stopped."""

    def __init__(self, reactor: Crowded, port: int) -> None:
        self.reactor = reactor
        self.port = port

    def stopListening(self) -> None:
        self.reactor.stopped.append(self.port)


class Crowded(MemoryReactor):
    """A reactor on which ``taken`` is another program's port, as if taken since the check."""

    def __init__(self, taken: int) -> None:
        super().__init__()
        self.taken = taken
        self.stopped: list[int] = []

    def listenTCP(self, port: int, factory: Any, backlog: int = 50,
                  interface: str = "") -> Any:
        if port == self.taken:
            raise CannotListenError(interface, port, OSError(errno.EADDRINUSE, "in use"))
        super().listenTCP(port, factory, backlog, interface)
        return StoppedPort(self, port)


class ListenersTests(SynchronousTestCase):
    def listeners(self, reactor: MemoryReactor, *typed: str) -> tuple[Listeners, ServerFactory]:
        factory = ServerFactory()
        return Listeners(reactor, [(Listener.parse("port", each), factory)
                                   for each in typed]), factory

    def test_all_listen_then_stop(self) -> None:
        """privilegedStartService: every listener listens, with our backlog; stop stops all."""
        reactor = Crowded(taken=0)
        listeners, factory = self.listeners(reactor, "7000", "tcp:7001:interface=127.0.0.1")
        listeners.privilegedStartService()
        self.assertEqual(reactor.tcpServers, [(7000, factory, 1024, ""),
                                              (7001, factory, 1024, "127.0.0.1")])
        listeners.startService()
        self.assertEqual(len(reactor.tcpServers), 2)  # not twice
        listeners.stopService()
        self.assertEqual(reactor.stopped, [7000, 7001])

    def test_one_fails_none_listens(self) -> None:
        """
        A listen that fails at start-up closes those before it and stops
        twistd, with one line in the log naming the option, value and cause.
        """
        reactor = Crowded(taken=7001)
        listeners, _ = self.listeners(reactor, "7000", "7001", "7002")
        with capturedLogs() as logs:
            stopped = self.assertRaises(SystemExit, listeners.privilegedStartService)
        self.assertEqual(stopped.code, 1)
        self.assertEqual(reactor.stopped, [7000])
        self.assertEqual([port for port, *_ in reactor.tcpServers], [7000])
        self.assertEqual([(event["log_level"], formatEvent(event)) for event in logs],
                         [(LogLevel.critical, "--port '7001': port 7001 is already in use")])

    def test_an_endpoint_that_answers_later(self) -> None:
        """One whose listen has not answered yet: its failure, later, stops the reactor."""
        reactor = Crowded(taken=0)
        listeners, factory = self.listeners(reactor, "7000")
        later: Deferred[Any] = Deferred()

        class Later:
            def listen(self, factory: Any) -> Deferred[Any]:
                return later

        listeners.planned = [Planned(listeners.planned[0].listener, Later(), factory)]
        listeners.privilegedStartService()
        with capturedLogs() as logs:
            later.errback(Failure(CannotListenError("", 7000,
                                                    OSError(errno.EADDRINUSE, "in use"))))
        self.assertEqual([formatEvent(event) for event in logs],
                         ["--port '7000': port 7000 is already in use"])
        self.assertEqual(reactor.whenRunningHooks, [(reactor.stop, (), {})])
