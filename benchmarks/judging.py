"""
How well a line's encoding is told, GBK against UTF-8: the table in
twisted_chat/core/evidence.py comes from here.

    python benchmarks/judging.py            # this module's judge
    python benchmarks/judging.py --compare  # and charset-normalizer's, if installed

A line is judged right when a fresh session that never chose its encoding
(twisted_chat.session.reading) reads it in the encoding it was written in:
a line valid in both by its lean (twisted_chat.core.evidence.weigh), a tie
as UTF-8.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterable

from twisted_chat.core import evidence
from twisted_chat.session.reading import Reading
from twisted_chat.session.settings import Settings


def gb2312(leads: range) -> list[str]:
    found = []
    for lead in leads:
        for trail in range(0xA1, 0xFF):
            try:
                found.append(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


LEVEL_1 = gb2312(range(0xB0, 0xD8))
LEVEL_2 = gb2312(range(0xD8, 0xF8))

#: Chinese people type, some with punctuation and ASCII.
CHINESE_PHRASES = """
为什么 你好 谢谢 没问题 好的 我们走吧 今天天气很好 是 好 嗯 哦 对 不是 毛 猫 么 什么 怎么样
晚上好 早上好 我爱你 再见 明天见 你在哪里 吃饭了吗 哈哈哈 真的吗 太好了 我不知道 可以 不行 谁
一些 一起 也是 有意思 中文 汉字 请输入 如果 显示 乱码 你好，世界 好的！ 为什么？ 我用python写的
QQ号是多少 明天下午3点 毛泽东 李白 王小明 张伟 上海 北京 广州 深圳 中国人民
""".split()  # noqa: SIM905

#: Words and names in UTF-8, in eight languages, and lines mixing them with ASCII.
UTF8_WORDS = """
café naïve résumé déjà vu garçon français très être où Zoë Noël Hélène François Éric à la
Straße Grüße müde schön Mädchen Übung Jürgen Müller Köln Größe fünf Привет привет спасибо
пожалуйста она вино дело поле хорошо Москва Россия Иван Ольга да нет Ελλάδα καλημέρα ευχαριστώ
Γιώργος Αθήνα ναι όχι νερό 你好 谢谢 为什么 中文 李明 北京 毛泽东 こんにちは ありがとう
カタカナ 東京 さくら España señor año mañana niño José Peña Ñandú São Paulo coração não
informação João Dvořák Łódź Kraków żółć Škoda Gdańsk Wałęsa İstanbul Çağ Şule Gül élève été
hôtel forêt août Noël cœur sœur œuvre Bjørn Søren Åsa Ærø Malmö Göteborg Århus Äpfel Öl Übermut
Brücke Bär Käse Tschüß weiß heißen Düsseldorf München Zürich ПРИВЕТ Спасибо Здравствуйте Да Нет
Пока Хорошо Кто Что Где Когда Почему Сергей Наталья Путин Київ Україна дякую їжак Євген Ґанок
Београд Љубав Σωκράτης Πλάτων Ευρώπη θάλασσα ΕΛΛΑΔΑ γεια σου שלום תודה ירושלים Ճանապարհ Երևան
مرحبا شكرا 你 我 他 好 是 的 了 和 中国 世界 学习 谢谢你 没问题 日本語 ひらがな
ありがとうございます 안녕하세요 감사합니다 crème brûlée fiancée café au lait piñata jalapeño
über façade
""".split()  # noqa: SIM905

UTF8_LINES = [
    "lui è qui", "è", "à bientôt", "C'est déjà fait", "25°C today", "it costs £5",
    "Привет, как дела?", "я тут", "в Москве", "Ελλάδα είναι ωραία", "ο άνθρωπος",
    "мы", "он", "она", "да", "ok 👍", "😀", "Zoë says hi", "naïve question", "über alles",
    "Ça va?", "¿Qué tal?", "« Bonjour »", "je suis allé", "à", "ok é", "5 €", "± 3",
    "привет всем", "спасибо!", "Да.", "Σ", "ναι!", "ö", "Ü-Bahn", "Ελλάδα!",
    # Look-alikes the name rules refuse, and accents left decomposed (NFD).
    "login \u0430lice", "login l\u043ebby", "login \u0251lice", "alice\u0332", "cafe\u0301",
]


def judged(line: bytes) -> str:
    """The encoding a fresh session (one that never chose) reads ``line`` in."""
    read = Reading(Settings).read(line)
    return "none" if read.text is None else read.encoding


def normalizer(line: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(line, cp_isolation=["utf_8", "gbk"]).best()
    if best is None:
        return "none"
    return {"utf_8": "utf-8"}.get(best.encoding, best.encoding)


def phrases(count: int, seed: int = 18) -> list[str]:
    chooser = random.Random(seed)
    return ["".join(chooser.choice(LEVEL_1 + LEVEL_2) for _ in range(chooser.randint(2, 6)))
            for _ in range(count)]


def table(judges: dict[str, Callable[[bytes], str]]) -> None:
    corpora: list[tuple[str, Iterable[str], str]] = [
        ("GB2312 level 1 alone", LEVEL_1, "gbk"),
        ("GB2312 level 2 alone", LEVEL_2, "gbk"),
        ("GB2312 phrases, 2-6 hanzi", phrases(20000), "gbk"),
        ("Chinese phrases in GBK", CHINESE_PHRASES, "gbk"),
        ("UTF-8 words, 8 languages, names", UTF8_WORDS, "utf-8"),
        ("UTF-8 one-letter and short lines", UTF8_LINES, "utf-8"),
    ]
    print(f"{'corpus (lines; of them valid in both)':44}"
          + "".join(f"{name + ' (of both)':>28}" for name in judges))
    for title, texts, encoding in corpora:
        lines = list(dict.fromkeys(text.encode(encoding) for text in texts))
        both = {line for line in lines
                if evidence.valid(line, "utf-8") and evidence.valid(line, "gbk")}
        row = f"{title} ({len(lines)}; {len(both)})"
        cells = []
        wrong: list[str] = []
        for judge in judges.values():
            right = {line for line in lines if judge(line) == encoding}
            cells.append(f"{100 * len(right) / len(lines):13.2f} %"
                         f" ({100 * len(right & both) / max(len(both), 1):6.2f} %)")
            if judge is judged:
                wrong = [line.decode(encoding) for line in lines if line not in right]
        print(f"{row:44}" + "".join(cells))
        if wrong:
            print("    wrong:", " ".join(wrong[:40]))


if __name__ == "__main__":
    judges: dict[str, Callable[[bytes], str]] = {"this module": judged}
    if "--compare" in sys.argv:
        judges["charset-normalizer"] = normalizer
    table(judges)
