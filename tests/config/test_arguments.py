"""
``--config FILE`` as ``twistd chat`` parses it: every option a key, the
command line winning, and every mistake one line naming the file and the key.
"""

from __future__ import annotations

import os
from ipaddress import ip_network
from pathlib import Path
from typing import Any, ClassVar

from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase

from tests.config import directory
from twisted_chat.config.arguments import Kind, kinds
from twisted_chat.tap import Options

#: What every test's command line adds: no database file, no real ports named.
QUIET = ["--db", ":memory:", "--port", "tcp:0:interface=127.0.0.1", "--web", "none"]


class FileTests(SynchronousTestCase):
    """The file is named chat.toml, in the test's own directory (as if the server's)."""

    def setUp(self) -> None:
        here = directory(self)
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(here)

    def parsed(self, text: str, *argv: str, options: Options | None = None,
               quiet: bool = True) -> Options:
        Path("chat.toml").write_text(text)
        options = options if options is not None else Options()
        options.parseOptions(["--config", "chat.toml", *argv, *(QUIET if quiet else [])])
        return options

    def refused(self, text: str, *argv: str, quiet: bool = True) -> str:
        with self.assertRaises(usage.UsageError) as caught:
            self.parsed(text, *argv, quiet=quiet)
        return str(caught.exception)


class KeyTests(FileTests):
    def test_every_option_is_a_key(self) -> None:
        """The keys are the options' long names, read from the Options: none left out."""
        keys = kinds(Options())
        documented = {name for name in Options().synonyms.values()} - {"help", "version",
                                                                        "config"}
        self.assertEqual(set(keys), documented)
        self.assertEqual(keys["max-per-ip"], Kind.VALUE)
        self.assertEqual(keys["port"], Kind.LIST)
        self.assertEqual(keys["web-origin"], Kind.LIST)
        self.assertEqual(keys["operator"], Kind.LIST)

    def test_values_as_on_the_command_line(self) -> None:
        options = self.parsed('max-per-ip = 5\nflood-rate = 2.5\nmain-topic = "Homework"\n'
                              'exempt = ["10.0.0.0/8", "::1"]\noperator = ["Teacher"]\n',
                              quiet=False)
        self.assertEqual(options["max-per-ip"], 5)
        self.assertEqual(options["limits"].max_per_ip, 5)
        self.assertEqual(options["limits"].flood_rate, 2.5)
        self.assertEqual(options["main-topic"], "Homework")
        self.assertEqual(options["exempt"], [ip_network("10.0.0.0/8"), ip_network("::1")])
        self.assertEqual(options["operator"], ["teacher"])
        self.assertEqual(options["port"], ["tcp:6666:backlog=1024"])

    def test_listeners_from_the_file(self) -> None:
        options = self.parsed('port = ["tcp:0:interface=127.0.0.1", "unix:chat.sock"]\n'
                              'web = ["none"]\ndb = ":memory:"\n', quiet=False)
        self.assertEqual(options["port"], ["tcp:0:interface=127.0.0.1:backlog=1024",
                                           "unix:chat.sock:backlog=1024"])
        self.assertEqual(options["web"], [])

    def test_one_string_for_a_list(self) -> None:
        self.assertEqual(self.parsed('operator = "teacher"\n')["operator"], ["teacher"])

    def test_a_new_option_is_a_key_with_no_code(self) -> None:
        """An option added later (a value, a list, a flag) is read from the file as it is."""
        class Later(Options):
            optParameters: ClassVar[list[list[Any]]] = [
                *Options.optParameters, ["lang", None, "en", "The default language."]]
            optFlags: ClassVar[list[list[Any]]] = [["metrics-off", None, "No metrics."]]

            def __init__(self) -> None:
                super().__init__()
                self["listen-too"] = []

            def opt_listen_too(self, value: str) -> None:
                self["listen-too"].append(value)

        options = self.parsed('lang = "zh-CN"\nmetrics-off = true\nlisten-too = ["a", "b"]\n',
                              options=Later())
        self.assertEqual((options["lang"], options["metrics-off"], options["listen-too"]),
                         ("zh-CN", 1, ["a", "b"]))
        self.assertEqual(self.parsed("metrics-off = false\n", options=Later())["metrics-off"], 0)


class PrecedenceTests(FileTests):
    def test_the_command_line_wins(self) -> None:
        options = self.parsed("max-per-ip = 5\nreplay = 7\n", "--max-per-ip", "3")
        self.assertEqual((options["max-per-ip"], options["replay"]), (3, 7))

    def test_before_or_after_config(self) -> None:
        """Where on the command line makes no difference: it is the command line's."""
        Path("chat.toml").write_text("max-per-ip = 5\n")
        options = Options()
        options.parseOptions(["--max-per-ip", "3", "--config", "chat.toml", *QUIET])
        self.assertEqual(options["max-per-ip"], 3)

    def test_a_list_on_the_command_line_replaces_the_files(self) -> None:
        options = self.parsed('exempt = ["10.0.0.0/8", "192.0.2.0/24"]\n', "--exempt", "::1")
        self.assertEqual(options["exempt"], [ip_network("::1")])

    def test_a_short_option_counts(self) -> None:
        options = self.parsed('port = ["tcp:7000"]\n', "-p", "tcp:0:interface=127.0.0.1",
                              "--web", "none", "--db", ":memory:", quiet=False)
        self.assertEqual(options["port"], ["tcp:0:interface=127.0.0.1:backlog=1024"])

    def test_a_bad_file_value_the_command_line_overrides(self) -> None:
        """The command line's value is the one used, so the file's is never checked."""
        self.assertEqual(self.parsed('max-per-ip = "five"\n', "--max-per-ip", "3")
                         ["max-per-ip"], 3)

    def test_the_command_line_kept(self) -> None:
        """What a reload parses again: the command line as given, not with the file's words."""
        options = self.parsed("max-per-ip = 5\n")
        self.assertEqual(options.argv, ["--config", "chat.toml", *QUIET])

    def test_without_config(self) -> None:
        options = Options()
        options.parseOptions(QUIET)
        self.assertIsNone(options["config"])
        self.assertIsNone(options.source)


class ErrorTests(FileTests):
    def test_an_unknown_key(self) -> None:
        self.assertEqual(self.refused("max-pre-ip = 5\n"),
                         "chat.toml: max-pre-ip: not an option of twistd chat "
                         "(did you mean max-per-ip?)")
        self.assertEqual(self.refused("[limits]\nsendq = 5\n"),
                         "chat.toml: limits: not an option of twistd chat")

    def test_config_in_the_file(self) -> None:
        self.assertEqual(self.refused('config = "other.toml"\n'),
                         "chat.toml: config: a config file cannot name another")

    def test_a_wrong_type(self) -> None:
        self.assertEqual(self.refused("max-per-ip = [5]\n"),
                         "chat.toml: max-per-ip: takes a string or a number, not a list")
        self.assertEqual(self.refused("max-per-ip = true\n"),
                         "chat.toml: max-per-ip: takes a string or a number, not true")
        self.assertEqual(self.refused("port = false\n"),
                         "chat.toml: port: takes a list of strings, not false")
        self.assertEqual(self.refused("port = [{a = 1}]\n"),
                         "chat.toml: port: takes a list of strings, not a list holding a table")
        self.assertEqual(self.refused("main-topic = 2026-01-01\n"),
                         "chat.toml: main-topic: takes a string or a number, not a date or a time")

    def test_a_flag_takes_true_or_false(self) -> None:
        class Later(Options):
            optFlags: ClassVar[list[list[Any]]] = [["quiet", None, "Say less."]]

        Path("chat.toml").write_text('quiet = "yes"\n')
        with self.assertRaises(usage.UsageError) as caught:
            Later().parseOptions(["--config", "chat.toml", *QUIET])
        self.assertEqual(str(caught.exception),
                         'chat.toml: quiet: takes true or false, not a string')

    def test_a_bad_value(self) -> None:
        """The option's own words, with the value as the file wrote it."""
        self.assertEqual(self.refused('max-per-ip = "five"\n'),
                         'chat.toml: max-per-ip: takes a whole number, not "five"')
        self.assertEqual(self.refused("max-per-ip = 2.5\n"),
                         "chat.toml: max-per-ip: takes a whole number, not 2.5")
        self.assertEqual(self.refused('operator = ["ok", "not ok"]\n'),
                         'chat.toml: operator: "not ok": "not ok" is not a valid name: use '
                         'letters, digits, _ and -, starting with a letter.')

    def test_a_bad_value_the_option_does_not_name(self) -> None:
        """An option whose own error names nothing is named by its key all the same."""
        class Later(Options):
            optParameters: ClassVar[list[list[Any]]] = [
                *Options.optParameters, ["workers", None, 1, "Threads.", int]]

        Path("chat.toml").write_text('workers = "many"\n')
        with self.assertRaises(usage.UsageError) as caught:
            Later().parseOptions(["--config", "chat.toml", *QUIET])
        self.assertEqual(str(caught.exception), "chat.toml: workers: invalid literal for int() "
                                                'with base 10: "many"')

    def test_the_final_checks_name_the_key(self) -> None:
        """postOptions' checks, the command line's own, name the file's key."""
        self.assertEqual(self.refused("max-per-ip = -1\n"),
                         "chat.toml: max-per-ip: must not be negative")
        self.assertEqual(self.refused("replay = 500\n"),
                         "chat.toml: replay: must be from 0 to 200 lines")
        self.assertEqual(self.refused('port = ["99999"]\nweb = ["none"]\ndb = ":memory:"\n',
                                      quiet=False),
                         "chat.toml: port: \"99999\": port 99999 is out of range (0-65535)")
        self.assertEqual(self.refused('motd = "missing.txt"\n'),
                         'chat.toml: motd: [Errno 2] No such file or directory: "missing.txt"')

    def test_a_check_of_the_command_line_stays_its_own(self) -> None:
        self.assertEqual(self.refused("replay = 5\n", "--max-per-ip", "-1"),
                         "--max-per-ip must not be negative")

    def test_a_check_of_both_names_the_file(self) -> None:
        """
        An error naming an option the command line gave stays its own; one
        naming an option nobody gave, or none, names the file (its values had their part).
        """
        self.assertEqual(self.refused("flood-rate = 2\n", "--flood-burst", "0"),
                         "--flood-burst must be at least 1 while flood control is on")
        self.assertEqual(self.refused("flood-burst = 0\n"),
                         "chat.toml: flood-burst: must be at least 1 while flood control is on")
        self.assertEqual(self.refused('web = ["none"]\n', "--port", "none", "--db", ":memory:",
                                      quiet=False),
                         "chat.toml: Every listener is off (none): nobody could connect")

    def test_a_syntax_error(self) -> None:
        self.assertEqual(self.refused("max-per-ip = \n"),
                         "chat.toml: line 1, column 14: Invalid value")

    def test_a_missing_file(self) -> None:
        with self.assertRaises(usage.UsageError) as caught:
            Options().parseOptions(["--config", "nowhere.toml", *QUIET])
        self.assertEqual(str(caught.exception),
                         "nowhere.toml: cannot read it: No such file or directory")

    def test_under_twistd_one_line_and_exit(self) -> None:
        """As twistd's subcommand, the line goes to stderr after "twistd chat:", exit status 1."""
        Path("chat.toml").write_text('max-per-ip = "five"\n')
        options = Options()
        options.parent = usage.Options()
        with self.assertRaises(SystemExit) as caught:
            options.parseOptions(["--config", "chat.toml", *QUIET])
        self.assertEqual(caught.exception.code,
                         'twistd chat: chat.toml: max-per-ip: takes a whole number, not "five"')
