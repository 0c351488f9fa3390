"""Telling GBK from UTF-8 in a line valid in both: which reading looks like text people type."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core import evidence


def lean(text: str, encoding: str) -> float:
    data = text.encode(encoding)
    assert evidence.valid(data, "utf-8") and evidence.valid(data, "gbk"), text
    return evidence.weigh(data)


class WeighTests(SynchronousTestCase):
    def test_chinese_that_is_valid_utf8_leans_gbk(self) -> None:
        """The issue's lines: 为什么 is Ϊʲô in UTF-8 (three scripts in a word), 毛 a lone ë."""
        for text in ("为什么", "毛", "login 毛", "谢谢", "一些", "途"):
            self.assertGreater(lean(text, "gbk"), 0, text)

    def test_clear_for_real_chinese(self) -> None:
        """Hanzi from GB2312 level 1 against a reading that mixes scripts: a clear lean."""
        self.assertGreaterEqual(lean("为什么", "gbk"), 3)

    def test_words_in_utf8_lean_utf8(self) -> None:
        """Accents beside ASCII letters (é is also the hanzi 茅), Cyrillic, Greek, CJK."""
        for text in ("café", "Zoë", "naïve", "Привет", "Ελλάδα", "25°C", "ok 你好",
                     "Zoë says hi", "café ÿ", "cafe\u0301", "a" + "\u0300" * 5):
            self.assertLess(lean(text, "utf-8"), 0, text)

    def test_ties(self) -> None:
        """
        Words that are as good either way (она is 芯薪邪), and a look-alike
        letter stuck to ASCII ones (аlice with a Cyrillic а is 芯lice): no evidence.
        """
        for text in ("она", "lui è qui", "\u0430lice", "l\u043ebby", "\u0251lice"):
            self.assertEqual(lean(text, "utf-8"), 0, text)

    def test_gbk_extension_characters_are_weak(self) -> None:
        """Cyrillic р-я makes GBK-extension characters (trail under 0xA1): GBK loses."""
        self.assertLess(evidence.gbk_points("рст".encode()), 0)
        self.assertGreater(evidence.gbk_points("中文".encode("gbk")), 0)

    def test_mixed_scripts_and_case_are_implausible(self) -> None:
        self.assertLess(evidence.utf8_points("Ϊʲô"), 0)
        self.assertLess(evidence.utf8_points("һЩ"), 0)
        self.assertGreater(evidence.utf8_points("Привет"), 0)

    def test_partial_character(self) -> None:
        """Half a character at the end counts for nothing (a line still being typed)."""
        data = "为什么".encode("gbk")[:-1]
        self.assertEqual(evidence.weigh(data, final=False), evidence.weigh(data[:-1]))
        self.assertTrue(evidence.valid(data, "gbk", final=False))
        self.assertFalse(evidence.valid(data, "gbk"))
