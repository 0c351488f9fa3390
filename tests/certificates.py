"""
Certificates for the TLS tests, made with ``cryptography`` (which pyOpenSSL
brings): a CA of the test's own, and a server certificate it signs.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Issued:
    """A key and its certificate, written as PEM files."""

    key: Path
    cert: Path
    #: The certificate's SHA-256 fingerprint, as ``openssl x509 -fingerprint`` prints it.
    fingerprint: str

    def listen(self) -> str:
        """The ``ssl:`` endpoint description of a loopback port that serves this certificate."""
        return f"ssl:0:interface=127.0.0.1:privateKey={self.key}:certKey={self.cert}"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write(directory: Path, stem: str, key: ec.EllipticCurvePrivateKey,
           cert: x509.Certificate) -> Issued:
    key_path, cert_path = directory / f"{stem}-key.pem", directory / f"{stem}.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return Issued(key_path, cert_path, ":".join(digest[at:at + 2] for at in range(0, 64, 2)))


def _builder(subject: str, issuer: x509.Name,
             key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=7)))


def make_ca(directory: Path, stem: str = "ca") -> tuple[Issued, ec.EllipticCurvePrivateKey]:
    """A self-signed CA; its key, to sign with."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (_builder(f"twisted-chat test {stem}", _name(f"twisted-chat test {stem}"), key)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return _write(directory, stem, key, cert), key


def make_server(directory: Path, ca: Issued, ca_key: ec.EllipticCurvePrivateKey,
                names: tuple[str, ...] = ("localhost",), ips: tuple[str, ...] = (),
                stem: str = "server") -> Issued:
    """A server certificate for these DNS names and IP addresses, signed by ``ca``."""
    key = ec.generate_private_key(ec.SECP256R1())
    issuer = x509.load_pem_x509_certificate(ca.cert.read_bytes()).subject
    sans: list[x509.GeneralName] = [x509.DNSName(name) for name in names]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    cert = (_builder(names[0] if names else ips[0], issuer, key)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    return _write(directory, stem, key, cert)
