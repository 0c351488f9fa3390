"""
How the desktop client trusts a server it reaches over TLS (``--tls``).

Either the server's certificate chains to a trusted root (the system's, or the
CA given with ``--ca``) and names the host the user typed, which OpenSSL and
service_identity check during the handshake (Twisted's
``optionsForClientTLS``); or the certificate is the one whose SHA-256
fingerprint the user pinned with ``--fingerprint`` (a self-signed one), which
is compared in the same place.  A certificate that fails aborts the handshake,
so the client never writes a byte of its own to that server, the password
least of all; :func:`refusal` says why, in one line for the window.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.hashes import SHA256
from OpenSSL import SSL, crypto
from service_identity import VerificationError
from twisted.internet import ssl
from twisted.internet.abstract import isIPAddress, isIPv6Address
from twisted.internet.interfaces import IOpenSSLClientConnectionCreator
from twisted.protocols.tls import TLSMemoryBIOProtocol
from twisted.python.failure import Failure
from zope.interface import implementer

from twisted_chat.i18n import N_


class FingerprintMismatch(Exception):
    """The server's certificate is not the pinned one."""

    def __init__(self, seen: str) -> None:
        # Only the server's: the one pinned is the user's own, and both at once
        # (95 characters each) wrap to half a window and are hard to tell apart.
        super().__init__(f"The server's certificate is not the one pinned with --fingerprint; "
                         f"its fingerprint is {seen}.")


def parse_fingerprint(text: str) -> str:
    """A SHA-256 fingerprint as 64 hex digits, colons optional, any case: lower hex."""
    digits = text.strip().replace(":", "").lower()
    if len(digits) != 64 or not set(digits) <= set(string.hexdigits.lower()):
        raise ValueError(f"'{text}' is not a SHA-256 fingerprint: 64 hex digits, "
                         "with or without colons")
    return digits


def shown(fingerprint: str) -> str:
    """A fingerprint as ``openssl x509 -fingerprint -sha256`` prints it: AB:CD:..."""
    upper = fingerprint.upper()
    return ":".join(upper[at:at + 2] for at in range(0, len(upper), 2))


def fingerprint_of(certificate: crypto.X509) -> str:
    """A certificate's SHA-256 fingerprint, as lower hex."""
    return certificate.to_cryptography().fingerprint(SHA256()).hex()


def load_ca(path: str) -> ssl.Certificate:
    """The PEM certificate of a private CA; ValueError saying why it cannot be one."""
    try:
        return ssl.Certificate.loadPEM(Path(path).read_bytes())
    except OSError as error:
        raise ValueError(f"cannot read '{path}': {error.strerror}") from None
    except crypto.Error:
        raise ValueError(f"'{path}' holds no PEM certificate") from None


@dataclass(frozen=True)
class Trust:
    """What a server's certificate must be: from a trusted CA, or the pinned one."""

    #: A private CA instead of the system's trust store.
    ca: ssl.Certificate | None = None
    #: A certificate pinned by its SHA-256 fingerprint (lower hex), whoever signed it.
    fingerprint: str | None = None

    def creator(self, host: str) -> IOpenSSLClientConnectionCreator:
        """How to make the TLS connection to ``host``, its certificate checked."""
        if self.fingerprint is not None:
            return _Pinned(host, self.fingerprint)
        root = ssl.trustRootFromCertificates([self.ca]) if self.ca is not None \
            else ssl.platformTrust()
        return ssl.optionsForClientTLS(host, root)

    def describe(self) -> str:
        """How the certificate is checked, for the login window (a msgid: it translates it)."""
        if self.fingerprint is not None:
            return N_("its certificate pinned by fingerprint")
        if self.ca is not None:
            return N_("its certificate checked against the CA given")
        return N_("its certificate checked against the system's trusted CAs")


@implementer(IOpenSSLClientConnectionCreator)
class _Pinned:
    """TLS whose only check is the leaf certificate's fingerprint: for self-signed ones."""

    def __init__(self, host: str, fingerprint: str) -> None:
        self.options = ssl.CertificateOptions()
        self.host = host
        self.fingerprint = fingerprint

    def clientConnectionForTLS(self, tlsProtocol: TLSMemoryBIOProtocol) -> SSL.Connection:
        connection = self.options.clientConnectionForTLS(tlsProtocol)
        if not (isIPAddress(self.host) or isIPv6Address(self.host)):
            connection.set_tlsext_host_name(self.host.encode("idna"))

        def verify(conn: SSL.Connection, certificate: crypto.X509, error: int, depth: int,
                   ok: int) -> bool:
            if depth > 0:
                return True  # Who signed it does not matter: the pin is the check.
            seen = fingerprint_of(certificate)
            if seen == self.fingerprint:
                return True
            tlsProtocol.failVerification(Failure(FingerprintMismatch(shown(seen))))
            return False

        connection.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, verify)
        return connection


def refusal(reason: Failure, host: str) -> str | None:
    """Words for a TLS connection that failed before it was up; None if TLS was not why."""
    if reason.check(FingerprintMismatch):
        return str(reason.value)
    if reason.check(VerificationError):
        return (f"The server's certificate is not trusted: it is not for '{host}' "
                "(connect with the name the certificate gives).")
    if isinstance(reason.value, SSL.Error):
        said = _openssl_words(reason.value)
        if "certificate verify failed" in said:
            return ("The server's certificate is not trusted: it is not signed by a CA "
                    "this client trusts (give the server's CA with --ca FILE, or pin a "
                    "self-signed certificate with --fingerprint).")
        return (f"Could not connect over TLS: {said or 'the handshake failed'} "
                "(is the server's port an ssl: one?).")
    return None


def _openssl_words(error: BaseException) -> str:
    """What OpenSSL said, without the list-of-tuples wrapping."""
    reasons = error.args[0] if error.args and isinstance(error.args[0], list) else []
    return "; ".join(str(entry[-1]) for entry in reasons if entry) or str(error)
