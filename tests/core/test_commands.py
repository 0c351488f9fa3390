"""The command grammar: a usage string is what the parser enforces."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core.commands import command, commands_of, split


class Sample:
    @command("look")
    def do_look(self) -> None:
        """Look around.

        In detail.
        """

    @command("join ROOM", "select")
    def do_join(self, room: str) -> None:
        """Join."""

    @command("msg NAME TEXT...", "tell")
    def do_msg(self, name: str, text: str) -> None:
        """Message."""

    @command("topic [TEXT...]")
    def do_topic(self, text: str | None = None) -> None:
        """Topic."""

    @command("help [COMMAND]")
    def do_help(self, name: str | None = None) -> None:
        """Help."""

    @command("color [on|off]", bare={"on|off": lambda word: word in ("on", "off")})
    def do_color(self, switch: str | None = None) -> None:
        """Colour."""

    @command("say TEXT...", bare={"TEXT": lambda text: True})
    def do_say(self, text: str) -> None:
        """Say."""


TABLE = commands_of(Sample)


class BindTests(SynchronousTestCase):
    def test_no_arguments(self) -> None:
        self.assertEqual(TABLE["look"].bind(""), ())
        self.assertIsNone(TABLE["look"].bind("around"))

    def test_one_word(self) -> None:
        self.assertEqual(TABLE["join"].bind("games"), ("games",))
        self.assertIsNone(TABLE["join"].bind(""))
        self.assertIsNone(TABLE["join"].bind("two words"))

    def test_word_and_text(self) -> None:
        self.assertEqual(TABLE["msg"].bind("bob  hi  there "), ("bob", "hi  there"))
        self.assertIsNone(TABLE["msg"].bind("bob"))

    def test_optional_text(self) -> None:
        self.assertEqual(TABLE["topic"].bind(""), ())
        self.assertEqual(TABLE["topic"].bind("a b c"), ("a b c",))

    def test_optional_word(self) -> None:
        self.assertEqual(TABLE["help"].bind(""), ())
        self.assertEqual(TABLE["help"].bind("look"), ("look",))
        self.assertIsNone(TABLE["help"].bind("look twice"))


class TableTests(SynchronousTestCase):
    def test_aliases_share_the_command(self) -> None:
        self.assertIs(TABLE["select"], TABLE["join"])
        self.assertIs(TABLE["tell"], TABLE["msg"])

    def test_help_from_docstring(self) -> None:
        found = TABLE["look"].help()
        self.assertEqual(found.summary, "Look around.")
        self.assertEqual(found.details, "In detail.")
        self.assertEqual(found.usage, "look")

    def test_split(self) -> None:
        self.assertEqual(split("  join   games  "), ("join", "games"))
        self.assertEqual(split(""), ("", ""))


class BareTests(SynchronousTestCase):
    """Without a slash, only arguments a parameter's ``bare`` check accepts make a command."""

    def test_no_arguments(self) -> None:
        self.assertTrue(TABLE["look"].bare(""))
        self.assertFalse(TABLE["look"].bare("around"))

    def test_parameter_without_a_check_is_never_bare(self) -> None:
        self.assertFalse(TABLE["join"].bare("games"))
        self.assertFalse(TABLE["topic"].bare("chess"))
        self.assertTrue(TABLE["topic"].bare(""))

    def test_checked_word(self) -> None:
        self.assertTrue(TABLE["color"].bare(""))
        self.assertTrue(TABLE["color"].bare("on"))
        self.assertFalse(TABLE["color"].bare("blue"))
        self.assertFalse(TABLE["color"].bare("on off"))

    def test_checked_text(self) -> None:
        self.assertTrue(TABLE["say"].bare("create fun"))
        self.assertFalse(TABLE["say"].bare(""))
