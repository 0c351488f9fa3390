"""
What a person at an xterm sees while typing a line wider than the window,
checked on an emulated screen against the line the server acts on.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from tests.telnet.screen import screen
from twisted_chat.session.reading import Reading
from twisted_chat.session.settings import Settings
from twisted_chat.telnet.editing import EchoLine, edit

#: A UTF-8 terminal whose user chose UTF-8: these tests are about drawing, not guessing.
UTF8 = Reading(lambda: Settings(encoding="utf-8", encoding_chosen=True))

#: Keys as people type them: mostly text, some Backspaces, now and then a whole line or word erased.
KEY = st.sampled_from(["a"] * 8 + ["b"] * 4 + [" "] * 3 + ["中"] * 3 + ["ｈ", "e\u0301"]
                      + ["\x7f"] * 3 + ["\x15", "\x17"])
TYPED = "".join(chr(ord("a") + i % 26) for i in range(84))


class Typist:
    """One person typing through the echo onto an xterm-like screen, and lines arriving."""

    def __init__(self, columns: int, lines: int = 24) -> None:
        self.columns = columns
        self.screen, self.stream = screen(columns, lines)
        self.echo = EchoLine(4096, UTF8, columns=lambda: columns)
        self.sent: list[str] = []
        self.arrived: list[str] = []
        self._typed = b""

    def type(self, keys: str) -> None:
        data = keys.encode()
        self.stream.feed(self.echo.feed(data).decode())
        *lines, self._typed = (self._typed + data).split(b"\n")
        self.sent += [edit(line.decode()) for line in lines]

    def arrive(self, line: str) -> None:
        """Output from the server, drawn around the half-typed line as the session does."""
        self.arrived.append(line)
        self.stream.feed((self.echo.hide() + line.encode() + b"\r\n" + self.echo.show()).decode())

    def expected(self) -> list[str]:
        """The screen as it should be: what arrived, then the typed line, wrapped."""
        fresh, stream = screen(self.columns, self.screen.lines)
        for line in self.arrived:
            stream.feed(line + "\r\n")
        stream.feed(self.echo.shown)
        return fresh.rows()


class WrappedLineTests(SynchronousTestCase):
    def test_a_line_arriving_erases_every_row_of_the_typed_line(self) -> None:
        """The issue's case: 84 characters in 60 columns, then someone speaks."""
        person = Typist(60)
        person.type(TYPED)
        person.arrive("<bob> hello")
        person.arrive("<bob> again")
        self.assertEqual(person.screen.rows()[:4],
                         ["<bob> hello", "<bob> again", TYPED[:60], TYPED[60:]])
        self.assertEqual(person.screen.rows(), person.expected())

    def test_backspace_across_the_row_boundary(self) -> None:
        """84 characters, 30 Backspaces one by one, X, Enter: the screen shows what is sent."""
        person = Typist(60)
        person.type(TYPED)
        for _ in range(30):
            person.type("\x7f")
            self.assertEqual(person.screen.rows(), person.expected())
        person.type("X")
        self.assertEqual(person.screen.rows()[:2], [TYPED[:54] + "X", ""])
        person.type("\n")
        self.assertEqual(person.sent, [TYPED[:54] + "X"])

    def test_backspace_from_a_full_row(self) -> None:
        """Exactly one row typed: xterm's cursor waits in the last column, where \\b misleads."""
        person = Typist(60)
        person.type(TYPED[:60])
        person.type("\x7f")
        person.type("X")
        self.assertEqual(person.screen.rows()[:2], [TYPED[:59] + "X", ""])

    def test_erase_line_and_word_on_a_wrapped_line(self) -> None:
        person = Typist(30)
        person.type("word " * 17)
        person.type("\x17\x17")
        self.assertEqual(person.screen.rows(), person.expected())
        self.assertEqual(person.screen.rows()[:3],
                         [("word " * 6).rstrip()] * 2 + ["word word word"])
        person.type("\x15ok\n")
        self.assertEqual(person.screen.rows()[:3], ["ok", "", ""])
        self.assertEqual(person.sent, ["ok"])

    def test_wide_characters_wrap_early_and_erase_cleanly(self) -> None:
        """A wide character that would start in the last column goes to the next row."""
        person = Typist(21)
        person.type("a" + "中" * 12)
        self.assertEqual(person.screen.rows()[:2], ["a" + "中" * 10, "中" * 2])
        person.type("\x7f\x7f\x7f")
        self.assertEqual(person.screen.rows()[:2], ["a" + "中" * 9, ""])
        person.arrive("<bob> 你好")
        self.assertEqual(person.screen.rows()[:3], ["<bob> 你好", "a" + "中" * 9, ""])

    def test_a_window_that_never_said_its_width_is_taken_as_80_columns(self) -> None:
        person = Typist(80)
        person.echo = EchoLine(4096, UTF8)
        person.type("x" * 100)
        person.arrive("<bob> hi")
        self.assertEqual(person.screen.rows()[:3], ["<bob> hi", "x" * 80, "x" * 20])

    @settings(max_examples=300, deadline=None)
    @given(st.integers(min_value=20, max_value=50),
           st.lists(st.one_of(st.lists(KEY, min_size=1, max_size=30).map("".join), KEY,
                              st.integers(10, 100).map(lambda n: ("word 中文 " * 20)[:n]),
                              st.just("\x7f" * 12), st.just("ARRIVE")), max_size=20))
    def test_the_screen_always_shows_the_line_that_would_be_sent(
            self, columns: int, steps: list[str]) -> None:
        """Whatever is typed, erased or arrives, at any width: the screen never lies."""
        person = Typist(columns, lines=60)
        typed = ""
        for step in steps:
            if step == "ARRIVE":
                person.arrive("<bob> " + "中文 " * 5)
            else:
                person.type(step)
                typed += step
            self.assertEqual(person.screen.rows(), person.expected())
        self.assertEqual(person.echo.shown, edit(typed))


class OverlongLineTests(SynchronousTestCase):
    def test_what_follows_a_too_long_line_is_not_shown_as_a_new_one(self) -> None:
        """The protocol drops an overlong line up to its Enter: the screen shows none of it."""
        person = Typist(60)
        person.echo = EchoLine(50, UTF8, columns=lambda: 60)
        person.type("x" * 51)
        person.type("after")
        self.assertEqual(person.echo.shown, "")
        self.assertNotIn("after", "".join(person.screen.rows()))
        person.type("\nnext")
        self.assertEqual(person.echo.shown, "next")
        self.assertIn("next", person.screen.rows())


class KeyTests(SynchronousTestCase):
    def test_redraw_clears_the_screen_and_keeps_the_typed_line(self) -> None:
        person = Typist(30)
        person.arrive("<bob> earlier")
        person.type("half typed")
        person.stream.feed(person.echo.redraw().decode())
        self.assertEqual(person.screen.rows()[:2], ["half typed", ""])
        person.type("!")
        self.assertEqual(person.screen.rows()[0], "half typed!")

    def test_action_keys_are_never_text(self) -> None:
        self.assertEqual(edit("ab\x04c\x0cd"), "abcd")


