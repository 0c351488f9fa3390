"""
A TLS listener's certificate read again from its files: new connections get
the new one, and a file that does not load changes nothing.
"""

from __future__ import annotations

from twisted.internet.protocol import Factory
from twisted.internet.testing import MemoryReactor
from twisted.trial.unittest import SynchronousTestCase

from tests.certificates import make_ca, make_server
from tests.config import directory
from twisted_chat.listeners import CurrentCertificate, Listener, ListenerError, Listeners


class RenewalTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.directory = directory(self)
        self.ca, self.ca_key = make_ca(self.directory)
        self.issued = make_server(self.directory, self.ca, self.ca_key)
        self.reactor = MemoryReactor()
        tls = Listener.parse("port", self.issued.listen())
        plain = Listener.parse("web", "tcp:0:interface=127.0.0.1")
        self.listeners = Listeners(self.reactor, [(tls, Factory()), (plain, Factory())])
        self.listeners.privilegedStartService()
        [(_, _, self.creator, _, _)] = self.reactor.sslServers

    def fingerprint(self) -> bytes:
        assert isinstance(self.creator, CurrentCertificate)
        return bytes(self.creator.options.certificate.digest("sha256"))

    def test_the_listener_listens_through_the_current_certificate(self) -> None:
        self.assertIsInstance(self.creator, CurrentCertificate)
        self.assertEqual(self.fingerprint().decode(), self.issued.fingerprint)

    def test_new_files_renewed(self) -> None:
        """The files rewritten: one renewal, changed, which applied is what connections get."""
        make_server(self.directory, self.ca, self.ca_key, stem="server")
        [renewal] = self.listeners.renewals()
        self.assertTrue(renewal.changed)
        self.assertEqual(self.fingerprint().decode(), self.issued.fingerprint)
        renewal.apply()
        self.assertNotEqual(self.fingerprint().decode(), self.issued.fingerprint)

    def test_the_same_files(self) -> None:
        [renewal] = self.listeners.renewals()
        self.assertFalse(renewal.changed)

    def test_a_key_that_does_not_fit(self) -> None:
        """Another key beside the certificate: refused in one line, nothing applied."""
        other = make_server(self.directory, self.ca, self.ca_key, stem="other")
        self.issued.key.write_bytes(other.key.read_bytes())
        with self.assertRaises(ListenerError) as caught:
            self.listeners.renewals()
        self.assertTrue(str(caught.exception).startswith(f"--port '{self.issued.listen()}': "),
                        str(caught.exception))
        self.assertEqual(self.fingerprint().decode(), self.issued.fingerprint)

    def test_a_file_gone(self) -> None:
        self.issued.cert.unlink()
        with self.assertRaises(ListenerError) as caught:
            self.listeners.renewals()
        self.assertIn(f"cannot read {self.issued.cert}", str(caught.exception))
