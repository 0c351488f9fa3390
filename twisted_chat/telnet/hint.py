"""
The banner's hint for a Chinese console that reads GBK while the server
speaks UTF-8, written once in each, so that every reader has one line right.

A GBK console (Windows telnet on code page 936) that only types ASCII gives
the server no evidence of its encoding, and shows every Chinese line as
mojibake.  The hint tells it what to type.  The line in the other encoding is
mojibake, never anything worse: neither line holds a control character read
either way (checked by a test), and ``/encoding gbk`` stays ASCII, so both
show it.  Telnet only: a browser's encoding is fixed.
"""

from __future__ import annotations

TEXT = "*** 如果中文显示为乱码，请输入 /encoding gbk"

#: What follows the banner: the hint in UTF-8, then in GBK.
LINES = TEXT.encode("utf-8") + b"\r\n" + TEXT.encode("gbk") + b"\r\n"
