"""
The desktop client's TLS options, without a network: the fingerprint's forms,
a CA file that is not one, and the options that go together.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase

from tests.certificates import make_ca
from twisted_chat.gui.app import Options
from twisted_chat.gui.trust import Trust, load_ca, parse_fingerprint, shown

DIGITS = "ab" * 32


class FingerprintTests(SynchronousTestCase):
    def test_forms(self) -> None:
        """Colons optional, any case: all one fingerprint."""
        for text in (DIGITS, DIGITS.upper(), shown(DIGITS), f"  {shown(DIGITS).lower()} "):
            self.assertEqual(parse_fingerprint(text), DIGITS)

    def test_not_one(self) -> None:
        for text in ("", DIGITS[:-2], DIGITS + "ab", "zz" * 32, "sha256:" + DIGITS):
            with self.assertRaises(ValueError) as caught:
                parse_fingerprint(text)
            self.assertIn("is not a SHA-256 fingerprint: 64 hex digits", str(caught.exception))

    def test_shown(self) -> None:
        self.assertEqual(shown("0a1b" * 16), ":".join(["0A", "1B"] * 16))


class OptionsTests(SynchronousTestCase):
    def parse(self, *argv: str) -> Options:
        options = Options()
        options.parseOptions(list(argv))
        return options

    def refused(self, *argv: str) -> str:
        with self.assertRaises(usage.UsageError) as caught:
            self.parse(*argv)
        return str(caught.exception)

    def test_plain_and_tls(self) -> None:
        self.assertIsNone(self.parse()["trust"])
        self.assertEqual(self.parse("--tls")["trust"], Trust())
        self.assertEqual(self.parse("--tls", "--fingerprint", shown(DIGITS))["trust"],
                         Trust(fingerprint=DIGITS))

    def test_ca(self) -> None:
        scratch = tempfile.TemporaryDirectory()
        self.addCleanup(scratch.cleanup)
        ca, _ = make_ca(Path(scratch.name))
        trust = self.parse("--tls", "--ca", str(ca.cert))["trust"]
        self.assertEqual(trust, Trust(ca=load_ca(str(ca.cert))))

    def test_mistakes(self) -> None:
        """One line each, naming the option."""
        self.assertEqual(self.refused("--tls", "--ca", "/nowhere/ca.pem"),
                         "--ca: cannot read '/nowhere/ca.pem': No such file or directory")
        self.assertEqual(self.refused("--tls", "--ca", __file__),
                         f"--ca: '{__file__}' holds no PEM certificate")
        self.assertEqual(self.refused("--tls", "--fingerprint", "ab:cd"),
                         "--fingerprint: 'ab:cd' is not a SHA-256 fingerprint: 64 hex digits, "
                         "with or without colons")
        self.assertEqual(self.refused("--fingerprint", DIGITS),
                         "--ca and --fingerprint go with --tls")
        self.assertEqual(self.refused("--tls", "--ca", __file__, "--fingerprint", DIGITS),
                         "give --ca or --fingerprint, not both")
