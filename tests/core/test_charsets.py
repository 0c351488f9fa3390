"""Which encodings a connection may choose."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core import charsets


class LookupTests(SynchronousTestCase):
    def test_names_and_aliases(self) -> None:
        for name, expected in [("UTF8", "utf-8"), ("gbk", "gbk"), ("cp936", "gbk"),
                               ("GB18030", "gb18030"), ("big5", "big5"), ("sjis", "shift_jis"),
                               ("euc_kr", "euc-kr"), ("latin1", "latin-1"),
                               ("iso-8859-1", "latin-1"), ("windows-1252", "cp1252")]:
            self.assertEqual(charsets.lookup(name), expected, name)

    def test_refused(self) -> None:
        """Unknown names, and encodings that do not keep ASCII as ASCII, are refused."""
        for name in ("klingon", "utf-16", "utf-7", "rot13", "base64", ""):
            self.assertIsNone(charsets.lookup(name), name)

    def test_every_offered_encoding_keeps_ascii(self) -> None:
        for name in charsets.ENCODINGS:
            self.assertEqual("login x\r\n".encode(name), b"login x\r\n")
