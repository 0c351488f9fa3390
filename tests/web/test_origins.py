"""Which pages may open the chat's WebSocket."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.web.origins import Origins, origin, own_origin


class OriginTests(SynchronousTestCase):
    def test_one_form(self) -> None:
        """Scheme and host in lower case, the default port dropped: equal origins compare equal."""
        self.assertEqual(origin("HTTP://Chat.Example.org:80"), "http://chat.example.org")
        self.assertEqual(origin("https://chat.example.org:8443"), "https://chat.example.org:8443")
        self.assertEqual(origin("http://[::1]:8080"), "http://[::1]:8080")
        for bad in ("chat.example.org", "ftp://x.org", "https://x.org/path", "null", "",
                    "https://user@x.org", "http://"):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                origin(bad)

    def test_own(self) -> None:
        """The page's own origin is the scheme it was served on and the Host it was asked by."""
        self.assertEqual(own_origin(False, b"localhost:8080"), "http://localhost:8080")
        self.assertEqual(own_origin(True, b"chat.example.org"), "https://chat.example.org")
        self.assertIsNone(own_origin(False, None))
        self.assertIsNone(own_origin(False, b"bad host/"))

    def test_allows(self) -> None:
        """Its own and the listed ones; no Origin (a program) too; any other page never."""
        origins = Origins(("https://school.example.org",))
        own = "http://10.0.0.5:8080"
        self.assertTrue(origins.allows("http://10.0.0.5:8080", own))
        self.assertTrue(origins.allows("HTTPS://school.example.org:443", own))
        self.assertTrue(origins.allows(None, own))
        for other in ("http://evil.example", "http://10.0.0.5:8081", "https://10.0.0.5:8080",
                      "null", "garbage"):
            with self.subTest(other=other):
                self.assertFalse(origins.allows(other, own))
