"""
The real ``telnet`` program, switched to Chinese, against the real server: every
line the server writes reads in Chinese, and lines up on an xterm-like screen.
"""

from __future__ import annotations

import re

import pytest

from tests.processes import RunningServer
from tests.telnet.screen import Terminal
from twisted_chat.core.terminal import INDENT, width

HAN = re.compile(r"[\u4e00-\u9fff]")

#: A window narrow enough that Chinese help and notices wrap.
COLUMNS = 60

#: The rows that start a server line: what follows the markers is the server's words.
HEADINGS = ("*** ", "= ", "! ")


def server_rows(rows: list[str], after: str) -> list[str]:
    """The rows below the last one holding ``after``."""
    last = max(index for index, row in enumerate(rows) if after in row)
    return rows[last + 1:]


#: What the person types after logging in: a tour of what the server says.
TYPED = ("/help", "/who", "/list", "/create 茶室", "/look", "/join nowhere", "/topic 喝茶",
         "/whois 小明", "/history", "/room", "/bans", "/ignore", "/encoding", "/lang",
         "/msg nobody hi", "/frobnicate", "login 小明", "/quit")


@pytest.mark.parametrize("code", ["zh-CN", "zh-TW"])
def test_every_server_line_in_chinese(start_server: object, code: str) -> None:
    server: RunningServer = start_server("--main-topic", "Tea and talk")  # type: ignore
    person = Terminal(server.port, columns=COLUMNS, lines=200)
    try:
        person.wait_for("/lang")
        person.type(f"/lang {code}\r")
        person.wait(lambda rows: "语言" in "".join(rows) or "語言" in "".join(rows), "语言")
        person.type("login 小明\r")
        person.wait_for("小明")
        for command in TYPED[:-2]:
            person.type(command + "\r")
            person.wait(lambda rows, command=command: any(
                row.endswith(command) for row in rows), command)
        person.type("/quit\r")
        rows = person.wait(lambda rows: person.ended(), "telnet ended")
    finally:
        person.close()
    shown = server_rows(rows, f"/lang {code}")
    # A listing's items ("=   lobby (1)") are names; its title and every other line are words.
    headings = [row for row in shown if row.startswith(HEADINGS) and not row.startswith("=   ")]
    assert len(headings) > 20, shown
    english = [row for row in headings if not HAN.search(row)]
    # What users wrote and the command lines typed are theirs; the rest is Chinese.
    assert english == [], "\n".join(english)
    for row in shown:
        assert width(row) < COLUMNS, row
        if row in TYPED:
            continue  # Telnet's own echo of what was typed.
        # A wrapped line goes on indented: no row starts mid-sentence at the margin.
        assert row.startswith(HEADINGS) or row.startswith(INDENT) or row == "" \
            or row.startswith("Connection closed"), row
