"""
The real ``telnet`` program at 60 columns against the real server, its screen
read as xterm shows it: a line wider than the window, edited and interrupted
by others' lines, looks exactly like the line the room receives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.processes import LineClient, RunningServer
from tests.telnet.screen import Terminal

COLUMNS = 60
TYPED = "".join(chr(ord("a") + i % 26) for i in range(84))
ROWS = [TYPED[:COLUMNS], TYPED[COLUMNS:]]


@pytest.fixture
def room(server: RunningServer) -> Iterator[tuple[Terminal, LineClient]]:
    """alice at a 60-column telnet, and bob (a raw client) already in her room."""
    bob = server.connect().login("bob")
    alice = Terminal(server.port, COLUMNS)
    alice.wait_for("Log in with")
    alice.type("login alice\r")
    alice.wait_for("= Members (2)")
    bob.expect("*** alice has logged in")
    yield alice, bob
    alice.close()
    bob.close()


def typed_rows(text: str) -> Callable[[list[str]], bool]:
    """The last rows written show ``text`` as the terminal wraps it, and nothing is below."""
    wanted = [text[i:i + COLUMNS].rstrip() for i in range(0, len(text), COLUMNS)]

    def shown(screen: list[str]) -> bool:
        blank_below = next((i for i, row in enumerate(reversed(screen)) if row), None)
        if blank_below is None:
            return False  # Nothing on the screen yet.
        used = len(screen) - blank_below
        return screen[used - len(wanted):used] == wanted

    return shown


def test_a_line_arriving_erases_every_row_of_a_wrapped_half_line(
        room: tuple[Terminal, LineClient]) -> None:
    alice, bob = room
    alice.type(TYPED)
    alice.wait(typed_rows(TYPED), "the typed line on two rows")
    bob.send("hello there")
    rows = alice.wait(lambda rows: "<bob> hello there" in rows
                      and rows[rows.index("<bob> hello there") + 1:][:2] == ROWS,
                      "bob's line, then the typed line below it")
    at = rows.index("<bob> hello there")
    assert at > 0 and rows[at - 1], "a blank row was left above the new line"
    assert [row for row in rows if TYPED[:20] in row] == [ROWS[0]], "a stale copy stayed behind"


def test_backspace_across_the_row_boundary_shows_what_is_sent(
        room: tuple[Terminal, LineClient]) -> None:
    alice, bob = room
    alice.type(TYPED)
    alice.wait(typed_rows(TYPED), "the typed line")
    for kept in range(83, 53, -1):
        alice.type("\x7f")
        alice.wait(typed_rows(TYPED[:kept]), f"the line cut to {kept}")
    alice.type("X")
    rows = alice.wait(typed_rows(TYPED[:54] + "X"), "the edited line")
    alice.type("\r")
    said = bob.expect("<alice>")[-1]
    assert said == "<alice> " + TYPED[:54] + "X"
    assert [row for row in rows if TYPED[:20] in row] == [TYPED[:54] + "X"]


def test_erasing_a_wrapped_line_and_a_word_leaves_nothing_behind(
        room: tuple[Terminal, LineClient]) -> None:
    alice, bob = room
    alice.type(TYPED)
    alice.wait(typed_rows(TYPED), "the typed line")
    alice.type("\x15")
    alice.wait(lambda rows: not any(TYPED[:10] in row for row in rows), "the line erased")
    words = "word " * 17
    alice.type(words)
    alice.wait(typed_rows(words.rstrip()), "the words")
    alice.type("\x17\x17")
    rows = alice.wait(typed_rows(("word " * 15).rstrip()), "two words erased")
    alice.type("\r")
    assert bob.expect("<alice>")[-1] == "<alice> " + ("word " * 15).rstrip()
    assert not any(TYPED[:10] in row for row in rows)


def test_what_is_typed_after_a_too_long_line_is_neither_shown_nor_sent(
        start_server: Callable[..., RunningServer]) -> None:
    server = start_server("--max-line", "100")
    bob = server.connect().login("bob")
    alice = Terminal(server.port, COLUMNS)
    try:
        alice.wait_for("Log in with")
        alice.type("login alice\r")
        alice.wait_for("= Members (2)")
        alice.type("y" * 120)
        alice.wait_for("Line too long")
        alice.type("after")
        alice.type("\r")
        alice.type("next\r")
        assert bob.expect("<alice>")[-1] == "<alice> next"
        rows = alice.wait(lambda rows: "<alice> next" in rows or "next" in rows, "next")
        assert not any("after" in row for row in rows), rows
    finally:
        alice.close()
        bob.close()


def test_ctrl_l_redraws_and_ctrl_d_on_an_empty_line_leaves(
        room: tuple[Terminal, LineClient]) -> None:
    alice, bob = room
    alice.type("half")
    alice.wait_for("half")
    alice.type("\x0c")
    alice.wait(lambda rows: rows[0] == "half" and not any(rows[1:]), "a clean screen")
    alice.type("\x04")  # within a line: ignored
    alice.type("\x15\x04")
    bob.expect("*** alice has logged out")
    assert alice.ended()
