"""User text reaches other terminals without controls or direction tricks."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core.sanitise import clean


class CleanTests(SynchronousTestCase):
    def test_ordinary_text_unchanged(self) -> None:
        for text in ["hello", "你好\uff0c世界", "emoji 👍🏽 and ZWJ 👩‍💻", "Ünïcödé"]:
            self.assertEqual(clean(text), text)

    def test_c0_controls_become_caret_notation(self) -> None:
        self.assertEqual(clean("\x1b[2J"), "^[[2J")
        self.assertEqual(clean("bell\x07"), "bell^G")
        self.assertEqual(clean("a\rb\nc\x00"), "a^Mb^Jc^@")
        self.assertEqual(clean("\x7f"), "^?")

    def test_c1_controls_replaced(self) -> None:
        self.assertEqual(clean("\x9b2J\x85"), "\ufffd2J\ufffd")

    def test_tabs_and_separators_become_spaces(self) -> None:
        self.assertEqual(clean("a\tb\u2028c\u2029d"), "a b c d")

    def test_bidi_controls_dropped(self) -> None:
        self.assertEqual(clean("abc\u202edcb\u202c"), "abcdcb")
        self.assertEqual(clean("\u2066x\u2069\u200f"), "x")

    def test_no_control_survives(self) -> None:
        text = "".join(chr(code) for code in range(0x00, 0xA0))
        cleaned = clean(text)
        self.assertFalse([c for c in cleaned if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0])

    def test_invisible_format_characters_dropped(self) -> None:
        """Characters that show as nothing cannot hide text from a reader."""
        hidden = ["\u200b", "\u2060", "\u2061", "\u2062", "\u2063", "\u2064", "\u206a",
                  "\u206f", "\ufeff", "\ufff9", "\ufffa", "\ufffb", "\U000e0001",
                  "\U000e0041", "\U000e007f"]
        for char in hidden:
            self.assertEqual(clean(f"pay{char}pal"), "paypal", ascii(char))

    def test_joiners_and_emoji_sequences_kept(self) -> None:
        """ZWJ and ZWNJ work as before, and so does a subdivision flag (tags and all)."""
        england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
        for text in ["👩\u200d💻", "می\u200cخواهم", f"go {england}!", "❤\ufe0f"]:
            self.assertEqual(clean(text), text, ascii(text))
        self.assertEqual(clean("\U000e0067\U000e007f stray"), " stray")
