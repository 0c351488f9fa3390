"""
The banner's hint in Chinese: how to read the server in Chinese, and what a
console that reads GBK while the server speaks UTF-8 should type; written once
in each encoding, so that every reader has one line right.

A GBK console (Windows telnet on code page 936) that only types ASCII gives
the server no evidence of its encoding, and shows every Chinese line as
mojibake.  The hint tells it what to type.  The line in the other encoding is
mojibake, never anything worse: neither line holds a control character read
either way (checked by a test), and ``/encoding gbk`` stays ASCII, so both
show it.  Telnet only: a browser's encoding is fixed.
"""

from __future__ import annotations

TEXT = "*** 中文 /lang zh-CN，繁體 /lang zh-TW；乱码请输入 /encoding gbk"

#: What follows the banner: the hint in UTF-8, then in GBK.
LINES = TEXT.encode("utf-8") + b"\r\n" + TEXT.encode("gbk") + b"\r\n"
