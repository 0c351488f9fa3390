"""Editing keys applied to a line, and the echo that shows them."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.session.reading import Reading
from twisted_chat.session.settings import Settings
from twisted_chat.telnet.editing import EchoLine, edit


class EditTests(SynchronousTestCase):
    def test_plain_text_is_untouched(self) -> None:
        self.assertEqual(edit("hello 你好"), "hello 你好")

    def test_backspace_and_delete(self) -> None:
        self.assertEqual(edit("loginn\b alice"), "login alice")
        self.assertEqual(edit("你好吗\x7f"), "你好")
        self.assertEqual(edit("\b\x7fa"), "a")

    def test_erase_line_and_word(self) -> None:
        self.assertEqual(edit("wrong\x15right"), "right")
        self.assertEqual(edit("say one two  \x17three"), "say one three")

    def test_key_sequences_are_dropped(self) -> None:
        """Arrow and function keys are not text; a lone ESC goes too."""
        self.assertEqual(edit("a\x1b[Ab\x1bOPc\x1b[15~d\x1be"), "abcde")

    def test_other_controls_stay_for_sanitising(self) -> None:
        self.assertEqual(edit("a\x07\x1b]0;x"), "a\x07]0;x")


class EchoLineTests(SynchronousTestCase):
    def test_typing_and_erasing(self) -> None:
        echo = EchoLine(100)
        self.assertEqual(echo.feed(b"ab"), b"ab")
        self.assertEqual(echo.feed(b"\x7f"), b"\b \b")
        self.assertEqual(echo.feed(b"c\n"), b"c\r\n")
        self.assertEqual(echo.shown, "")

    def test_wide_characters_take_two_columns(self) -> None:
        echo = EchoLine(100)
        echo.feed("你好".encode())
        self.assertEqual(echo.feed(b"\x08"), b"\b\b  \b\b")
        self.assertEqual(echo.shown, "你")

    def test_a_character_arriving_byte_by_byte(self) -> None:
        echo = EchoLine(100)
        encoded = "好".encode()
        self.assertEqual(echo.feed(encoded[:1]), b"")
        self.assertEqual(echo.feed(encoded[1:2]), b"")
        self.assertEqual(echo.feed(encoded[2:]), encoded)

    def test_gbk_is_recognised_and_echoed_as_gbk(self) -> None:
        echo = EchoLine(100)
        self.assertEqual(echo.feed("中文".encode("gbk")), "中文".encode("gbk"))
        self.assertEqual(echo.encoding, "gbk")

    def test_whole_gbk_line_in_one_read_is_echoed_as_gbk(self) -> None:
        """A pasted line, Enter and all: echoed in GBK, as the session will read it."""
        echo = EchoLine(100)
        self.assertEqual(echo.feed("你好\n".encode("gbk")), "你好\r\n".encode("gbk"))
        self.assertEqual(echo.feed("再".encode("gbk")), "再".encode("gbk"))

    def test_guess_gives_way_to_the_sessions_choice(self) -> None:
        """The echo's guess holds only while the session's encoding is what it was."""
        session = ["utf-8"]
        echo = EchoLine(100, Reading(lambda: Settings(encoding=session[0])))
        echo.feed("中文\n".encode("gbk"))
        self.assertEqual(echo.encoding, "gbk")
        session[0] = "big5"
        self.assertEqual(echo.encoding, "big5")

    def test_controls_echo_as_they_will_be_shown(self) -> None:
        echo = EchoLine(100)
        self.assertEqual(echo.feed(b"a\x07\x1b[A"), b"a^G")

    def test_hide_and_show(self) -> None:
        echo = EchoLine(100)
        self.assertEqual(echo.hide(), b"")
        echo.feed("ab中".encode())
        self.assertEqual(echo.hide(), b"\r\x1b[J")
        self.assertEqual(echo.show(), "ab中".encode())

    def test_hide_goes_up_to_the_first_row_of_a_wrapped_line(self) -> None:
        echo = EchoLine(1000, columns=lambda: 30)
        echo.feed(b"x" * 70)
        self.assertEqual(echo.hide(), b"\r\x1b[2A\x1b[J")
        self.assertEqual(echo.show(), b"x" * 70)

    def test_overlong_line_is_forgotten(self) -> None:
        echo = EchoLine(4)
        echo.feed(b"abcdefgh")
        self.assertEqual(echo.pending, b"")
