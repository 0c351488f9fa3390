"""A session's reading of its lines: the evidence for its encoding, and when it settles."""

from __future__ import annotations

from dataclasses import replace

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.session.reading import Reading
from twisted_chat.session.settings import DEFAULT, Settings


class Open:
    """A session's settings as the reading sees them, switched as the session would."""

    def __init__(self, settings: Settings = DEFAULT) -> None:
        self.settings = settings
        self.reading = Reading(lambda: self.settings)

    def read(self, line: bytes) -> str | None:
        read = self.reading.read(line)
        self.settings = replace(self.settings, encoding=read.encoding)
        return read.text


class ReadingTests(SynchronousTestCase):
    def test_ascii_is_no_evidence(self) -> None:
        session = Open()
        self.assertEqual(session.read(b"login li"), "login li")
        self.assertTrue(session.reading.open)
        self.assertEqual(session.reading.lean, 0)

    def test_chinese_valid_in_both_reads_as_gbk(self) -> None:
        """为什么 from a GBK console is valid UTF-8 too: read as GBK, and GBK from then on."""
        session = Open()
        self.assertEqual(session.read("为什么".encode("gbk")), "为什么")
        self.assertEqual(session.settings.encoding, "gbk")

    def test_one_bad_line_after_utf8_is_one_error(self) -> None:
        """Once UTF-8 was seen, a stray invalid line (valid GBK) is dropped, not a switch."""
        session = Open()
        self.assertEqual(session.read("Привет".encode()), "Привет")
        self.assertIsNone(session.read(b"oops \xc0\x80 stray"))
        self.assertEqual(session.settings.encoding, "utf-8")
        self.assertEqual(session.read("Привет".encode()), "Привет")

    def test_stray_bytes_first_are_no_chinese(self) -> None:
        """Valid GBK with no GB2312 character in it settles nothing: one error."""
        session = Open()
        self.assertIsNone(session.read(b"oops \xc0\x80 stray"))
        self.assertTrue(session.reading.open)
        self.assertEqual(session.read("Привет".encode()), "Привет")

    def test_valid_in_one_only_settles(self) -> None:
        """来 in UTF-8 is not valid GBK: UTF-8 settles, and GBK is an error after it."""
        session = Open()
        self.assertEqual(session.read("来".encode()), "来")
        self.assertFalse(session.reading.open)
        self.assertIsNone(session.read("你好".encode("gbk")))
        self.assertEqual(session.settings.encoding, "utf-8")

    def test_gbk_only_settles_gbk_and_grows_to_gb18030(self) -> None:
        session = Open()
        self.assertEqual(session.read("你好".encode("gbk")), "你好")
        self.assertEqual(session.settings.encoding, "gbk")
        self.assertEqual(session.read("😀".encode("gb18030")), "😀")
        self.assertEqual(session.settings.encoding, "gb18030")

    def test_gb18030_beyond_gbk(self) -> None:
        session = Open()
        self.assertEqual(session.read("€ 😀".encode("gb18030")), "€ 😀")
        self.assertEqual(session.settings.encoding, "gb18030")

    def test_a_tie_stays_utf8_and_open(self) -> None:
        session = Open()
        self.assertEqual(session.read("она".encode()), "она")
        self.assertTrue(session.reading.open)
        self.assertEqual(session.settings.encoding, "utf-8")

    def test_lean_swings_back(self) -> None:
        """A lone ÿ leans GBK (每); French after it swings back to UTF-8."""
        session = Open()
        self.assertEqual(session.read("ÿ".encode()), "每")
        self.assertEqual(session.settings.encoding, "gbk")
        self.assertEqual(session.read("café crème".encode()), "café crème")
        self.assertEqual(session.settings.encoding, "utf-8")

    def test_a_chosen_encoding_is_never_guessed_over(self) -> None:
        session = Open(Settings(encoding="utf-8", encoding_chosen=True))
        self.assertEqual(session.read("为什么".encode("gbk")), "Ϊʲô")
        self.assertIsNone(session.read("你好".encode("gbk")))

    def test_peek_reads_as_read_will_and_keeps_nothing(self) -> None:
        session = Open()
        data = "为什么".encode("gbk")
        self.assertEqual(session.reading.peek(data[:3]), ("为", "gbk"))
        self.assertEqual(session.reading.peek(data + b"\x7f\x7f"), ("为什么\x7f\x7f", "gbk"))
        self.assertEqual(session.reading.lean, 0)
        self.assertTrue(session.reading.open)
