"""
Where the front ends listen: all of it, or none of it.

Every listener is an endpoint description (``tcp:6666``, ``ssl:...``,
``unix:...``).  Where it would listen is read by the endpoint itself, asked to
listen on a reactor that only notes the address (:class:`_Where`), so that no
description is parsed here.  With the addresses known, two listeners that
would collide are refused while the options are parsed, every address is
tried (bound, never listened on) before any listens, and every failure is one
line: the option, the value as typed, and the cause in plain words.

A TLS listener's connections get their certificate through a
:class:`CurrentCertificate`, so that a reload can give new connections a
new one (:meth:`Listeners.renewals`) while those made keep theirs.
"""

from __future__ import annotations

import errno
import os
import socket
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any, NamedTuple

from twisted.application.service import Service
from twisted.internet import endpoints
from twisted.internet.abstract import isIPv6Address
from twisted.internet.defer import Deferred, gatherResults, maybeDeferred
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import (
    IListeningPort,
    IOpenSSLServerConnectionCreator,
    IProtocolFactory,
    IReactorCore,
    IStreamServerEndpoint,
)
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.python.lockfile import FilesystemLock
from zope.interface import implementer

#: Connections the kernel may hold for accept(): Twisted's default, 50, drops
#: the SYNs of a burst of arrivals, which then wait a second to try again
#: (a class logging in at once; ``loadgen.py capacity``).  Linux caps it at
#: net.core.somaxconn (4096 on current kernels).
BACKLOG = 1024
#: The endpoint types that take a ``backlog`` argument.
_LISTENERS = ("tcp:", "tcp6:", "ssl:", "unix:")

MAX_PORT = 65535
#: What TLS listeners import, which ``pip install 'twisted[tls]'`` brings.
TLS_MODULES = frozenset({"OpenSSL", "cryptography"})
TLS_MISSING = "TLS needs pyOpenSSL: pip install 'twisted[tls]'"

_log = Logger()


def endpoint_description(port: str) -> str:
    """Bare digits mean a TCP port; anything else is an endpoint description."""
    return f"tcp:{port}" if port.isdigit() else port


def with_backlog(description: str) -> str:
    """A listener's description, with :data:`BACKLOG` unless it says its own."""
    if description.startswith(_LISTENERS) and "backlog=" not in description:
        return f"{description}:backlog={BACKLOG}"
    return description


class ListenerError(Exception):
    """A listener that cannot be: its str is the one line that says why."""


@dataclass(frozen=True)
class TCPAddress:
    """A TCP port (TLS's too) on one interface, or on every one ('', 0.0.0.0, ::)."""

    port: int
    interface: str = ""

    def __str__(self) -> str:
        ip = self._ip()
        if ip is not None and ip.is_unspecified:
            return f"port {self.port}"
        return f"port {self.port} on {self.interface}"

    def _ip(self) -> IPv4Address | IPv6Address | None:
        try:
            ip = ip_address(self.interface or "0.0.0.0")
        except ValueError:
            return None  # a host name: known to collide only with itself
        if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        return ip

    def collides(self, other: Address) -> bool:
        """
        Whether both cannot listen at once: the same port (not 0, which the
        system chooses) on the same interface, or on one that the other's
        every-address covers (Linux's rule; :: covers IPv4 too, as Twisted
        leaves IPV6_V6ONLY off).
        """
        if not isinstance(other, TCPAddress) or not self.port or self.port != other.port:
            return False
        mine, theirs = self._ip(), other._ip()
        if mine is None or theirs is None:
            return self.interface == other.interface
        return mine == theirs or _covers(mine, theirs) or _covers(theirs, mine)

    def check(self) -> None:
        """Bind as Twisted's port will, without listening: the OSError its listen would raise."""
        family = socket.AF_INET6 if isIPv6Address(self.interface) else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                # As Twisted does, for the scope of a link-local address.
                probe.bind(socket.getaddrinfo(self.interface, self.port, family, 0, 0,
                                              socket.AI_NUMERICHOST)[0][4])
            else:
                probe.bind((self.interface, self.port))

    def explain(self, error: OSError) -> str:
        if isinstance(error, socket.gaierror):
            return f"address {self.interface} is not known"
        causes = {
            errno.EADDRINUSE: f"{self} is already in use",
            errno.EADDRNOTAVAIL: f"address {self.interface} is not on this machine",
            errno.EACCES: f"{self} needs root (ports below 1024 are privileged)"
            if self.port < 1024 else f"{self} is not allowed",
        }
        return causes.get(error.errno or 0, f"cannot listen on {self}: {error.strerror or error}")


def _covers(wide: IPv4Address | IPv6Address, narrow: IPv4Address | IPv6Address) -> bool:
    return wide.is_unspecified and (wide.version == 6 or narrow.version == 4)


@dataclass(frozen=True)
class UNIXAddress:
    """A UNIX socket's path; ``lockfile`` (Twisted's default): a lock beside it."""

    path: str
    lockfile: bool = False

    def __str__(self) -> str:
        return f"socket {self.path}"

    def collides(self, other: Address) -> bool:
        return (isinstance(other, UNIXAddress)
                and os.path.abspath(self.path) == os.path.abspath(other.path))

    def check(self) -> None:
        """Bind where Twisted's port will, then remove the file the bind made."""
        if self.lockfile:
            self._clear_left_behind()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.bind(self.path)
            if not self.path.startswith("\0"):  # Linux's abstract names have no file
                os.unlink(self.path)

    def _clear_left_behind(self) -> None:
        """
        As Twisted's port does with its lock: a socket whose server's lock
        is stale is removed, a running server's is refused.
        """
        lock = FilesystemLock(f"{self.path}.lock")
        if not lock.lock():
            raise OSError(errno.EBUSY, "locked by a running server")
        try:
            if not lock.clean and stat.S_ISSOCK(os.stat(self.path).st_mode):
                os.remove(self.path)
        except FileNotFoundError:
            pass
        finally:
            lock.unlock()

    def explain(self, error: OSError) -> str:
        directory = os.path.dirname(self.path) or "."
        causes = {
            errno.ENOENT: f"directory {directory} does not exist",
            errno.ENOTDIR: f"{directory} is not a directory",
            errno.EBUSY: f"{self} is in use by a running server",
            errno.EADDRINUSE: f"{self.path} already exists: remove it if no server uses it",
            errno.EACCES: f"no permission to create {self.path}",
        }
        return causes.get(error.errno or 0, f"cannot listen on {self}: {error.strerror or error}")


Address = TCPAddress | UNIXAddress


class _Where:
    """
    A reactor that listens nowhere: each endpoint's listen says where it
    would have, in the arguments Twisted's reactors take.
    """

    def listenTCP(self, port: int, factory: object, backlog: int = 50,
                  interface: str = "") -> TCPAddress:
        return TCPAddress(port, interface)

    def listenSSL(self, port: int, factory: object, contextFactory: object,
                  backlog: int = 50, interface: str = "") -> TCPAddress:
        return TCPAddress(port, interface)

    def listenUNIX(self, address: str, factory: object, backlog: int = 50,
                   mode: int = 0o666, wantPID: int = 0) -> UNIXAddress:
        return UNIXAddress(address, bool(wantPID))


class _Certificates(_Where):
    """A reactor that listens nowhere, and keeps the TLS options a listener would have used."""

    found: Any = None

    def listenSSL(self, port: int, factory: object, contextFactory: object,
                  backlog: int = 50, interface: str = "") -> TCPAddress:
        self.found = contextFactory
        return super().listenSSL(port, factory, contextFactory, backlog, interface)


@implementer(IOpenSSLServerConnectionCreator)
class CurrentCertificate:
    """
    The certificate a TLS listener's new connections get: each connection
    takes the current one's context as it is made, so a swap of
    ``options`` holds for the next connection, and none made is touched.
    """

    def __init__(self) -> None:
        #: The listener's CertificateOptions, once it listens.
        self.options: Any = None

    def serverConnectionForTLS(self, protocol: object) -> Any:
        from OpenSSL.SSL import Connection

        return Connection(self.options.getContext(), None)


class _Swappable:
    """
    The reactor a listener listens on: the real one, but a TLS listen is
    given a :class:`CurrentCertificate` that holds the endpoint's options.
    """

    def __init__(self, reactor: Any, certificate: CurrentCertificate) -> None:
        self._reactor = reactor
        self._certificate = certificate

    def listenSSL(self, port: int, factory: IProtocolFactory, contextFactory: object,
                  backlog: int = 50, interface: str = "") -> IListeningPort:
        self._certificate.options = contextFactory
        listened: IListeningPort = self._reactor.listenSSL(port, factory, self._certificate,
                                                           backlog, interface)
        return listened

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reactor, name)


@dataclass(frozen=True)
class Listener:
    """
    One ``--OPTION VALUE``: as typed (for errors), as listened on, and
    where (None for an endpoint that listens elsewhere than a port or a
    path, such as ``systemd:``: only its listen will tell).
    """

    option: str
    typed: str
    description: str
    address: Address | None

    def __str__(self) -> str:
        return _said(self.option, self.typed)

    @classmethod
    def parse(cls, option: str, typed: str) -> Listener:
        """The listener ``--option typed`` asks for; ListenerError for one that cannot be."""
        said = _said(option, typed)
        # As typed (not with our backlog), so that Twisted's errors quote the user.
        address = _address(_read(said, endpoint_description(typed), _Where()))
        if isinstance(address, TCPAddress) and not 0 <= address.port <= MAX_PORT:
            raise ListenerError(f"{said}: port {address.port} is out of range (0-{MAX_PORT})")
        return cls(option, typed, with_backlog(endpoint_description(typed)), address)

    def certificate(self) -> Any:
        """
        The TLS options (a CertificateOptions) this listener's files give now,
        read again; None for a listener without TLS.  ListenerError if they
        cannot be read, or do not make a certificate (a key that does not fit it).
        """
        where = _Certificates()
        _address(_read(str(self), self.description, where))
        return where.found

    def check(self) -> None:
        """Raise ListenerError if this listener's address cannot be bound now."""
        if self.address is None:
            return
        try:
            self.address.check()
        except OSError as error:
            raise ListenerError(f"{self}: {self.address.explain(error)}") from None

    def failed(self, error: BaseException | None) -> ListenerError:
        """The error for a listen that failed with ``error``."""
        cause = error.socketError if isinstance(error, CannotListenError) else error
        if isinstance(cause, OSError) and self.address is not None:
            return ListenerError(f"{self}: {self.address.explain(cause)}")
        return ListenerError(f"{self}: {cause}")


def _read(said: str, description: str, reactor: object) -> IStreamServerEndpoint:
    """The endpoint ``description`` makes on ``reactor``; ListenerError in plain words if none."""
    try:
        return endpoints.serverFromString(reactor, description)
    except ImportError as error:
        missing = TLS_MISSING if error.name in TLS_MODULES \
            else f"the Python module {error.name} is not installed"
        raise ListenerError(f"{said}: {missing}") from None
    except OSError as error:  # ssl:'s certificate and key files
        cause = f"cannot read {error.filename}: {error.strerror}" if error.filename \
            else str(error)
        raise ListenerError(f"{said}: {cause}") from None
    except Exception as error:  # each endpoint type's parser raises its own kinds
        raise ListenerError(f"{said}: not a listener Twisted can read ({error}); "
                            f"write a port, or for example tcp:6666:interface=127.0.0.1"
                            ) from None


def _said(option: str, typed: str) -> str:
    # Quoted as typed: repr would double an endpoint description's backslashes.
    return f"--{option} '{typed}'"


def _address(endpoint: IStreamServerEndpoint) -> Address | None:
    noted: list[Any] = []
    endpoint.listen(Factory()).addBoth(noted.append)
    found = noted[0] if noted else None
    return found if isinstance(found, TCPAddress | UNIXAddress) else None


def refuse_collisions(listeners: Sequence[Listener]) -> None:
    """ListenerError if two listeners would listen on the same address (in any spelling)."""
    for index, later in enumerate(listeners):
        for earlier in listeners[:index]:
            if later.address is not None and earlier.address is not None \
                    and later.address.collides(earlier.address):
                also = "" if str(later.address) == str(earlier.address) \
                    else f" ({earlier.address})"
                raise ListenerError(
                    f"{later}: {later.address} is already taken by {earlier}{also}")


def check(listeners: Sequence[Listener]) -> None:
    """
    Every address bound and let go at once, none listened on: ListenerError
    for the first that fails.
    """
    for listener in listeners:
        listener.check()


class Planned(NamedTuple):
    """
    A listener, the endpoint it listens through, the factory its connections
    get, and the certificate they are given (used by a TLS listener only).
    """

    listener: Listener
    endpoint: IStreamServerEndpoint
    factory: IProtocolFactory
    certificate: CurrentCertificate | None = None


class Renewal(NamedTuple):
    """A TLS listener's certificate as its files give it now, to be :meth:`applied <apply>`."""

    listener: Listener
    certificate: CurrentCertificate
    options: Any

    @property
    def changed(self) -> bool:
        """Whether the files give another certificate than the one in use (a key fits one)."""
        return _der(self.options) != _der(self.certificate.options)

    def apply(self) -> None:
        self.certificate.options = self.options


def _der(options: Any) -> bytes:
    from OpenSSL import crypto

    der: bytes = crypto.dump_certificate(crypto.FILETYPE_ASN1, options.certificate)
    return der


class Listeners(Service):
    """
    Every front end's listeners as one service: all of them listen in
    ``privilegedStartService`` (before twistd gives up root), or none does.
    A listen that fails there (its address taken since :func:`check`, or
    an endpoint whose address could not be known) closes the others and
    stops twistd with one line in the log.
    """

    def __init__(self, reactor: IReactorCore,
                 planned: Sequence[tuple[Listener, IProtocolFactory]]) -> None:
        self.reactor = reactor
        self.planned = [self._plan(listener, factory) for listener, factory in planned]
        self.ports: list[IListeningPort] = []
        self._listened = False

    def _plan(self, listener: Listener, factory: IProtocolFactory) -> Planned:
        certificate = CurrentCertificate()
        endpoint = endpoints.serverFromString(_Swappable(self.reactor, certificate),
                                              listener.description)
        return Planned(listener, endpoint, factory, certificate)

    def renewals(self) -> list[Renewal]:
        """
        Every TLS listener's certificate read again from its files, to apply
        together; ListenerError, and nothing to apply, if one cannot be read.
        """
        renewals = []
        for planned in self.planned:
            if planned.certificate is not None and planned.certificate.options is not None:
                options = planned.listener.certificate()
                renewals.append(Renewal(planned.listener, planned.certificate, options))
        return renewals

    def privilegedStartService(self) -> None:
        super().privilegedStartService()
        self._listened = True
        for listener, endpoint, factory, _ in self.planned:
            listening: Deferred[IListeningPort] = endpoint.listen(factory)
            if not listening.called:
                # An endpoint that answers later: it stops the server if it fails.
                listening.addCallbacks(self.ports.append, self._failed_later,
                                       errbackArgs=(listener,))
                continue
            outcome: list[Any] = []
            listening.addBoth(outcome.append)
            if isinstance(outcome[0], Failure):
                self._close()
                _log.critical("{error}", error=listener.failed(outcome[0].value))
                raise SystemExit(1)
            self.ports.append(outcome[0])

    def startService(self) -> None:
        if not self._listened:  # a parent that skipped privilegedStartService
            self.privilegedStartService()
        super().startService()

    def stopService(self) -> Deferred[Any]:
        super().stopService()
        return self._close()

    def _close(self) -> Deferred[Any]:
        ports, self.ports = self.ports, []
        return gatherResults([maybeDeferred(port.stopListening) for port in ports])

    def _failed_later(self, failure: Failure, listener: Listener) -> None:
        _log.critical("{error}", error=listener.failed(failure.value))
        self.reactor.callWhenRunning(self.reactor.stop)  # type: ignore[attr-defined]
