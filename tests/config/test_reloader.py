"""
A reload on a chat in memory: the file read again under the same command
line, what changed applied to everyone connected, nobody cut off, and a bad
file changing nothing.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from twisted.logger import capturedLogs
from twisted.trial.unittest import SynchronousTestCase

from tests.config import directory
from tests.harness import Client, Server, Transactions
from twisted_chat.config.live import Running
from twisted_chat.config.reloader import Reloader
from twisted_chat.core.limits import UNLIMITED
from twisted_chat.tap import Options

#: The file as the server starts with it: what the tests change is a line of it.
START = """\
max-per-ip = 2
nick-rate = 0
motd = "motd.txt"
main-topic = "Welcome"
operator = ["teacher"]
port = ["tcp:0:interface=127.0.0.1"]
web = ["none"]
db = ":memory:"
"""


class Started(SynchronousTestCase):
    """
    A server started from chat.toml (as makeService would, its limits the
    file's), the teacher logged in as its server operator, and its reloader.
    """

    def setUp(self) -> None:
        here = directory(self)
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(here)
        Path("motd.txt").write_text("Be kind.")
        self.write(START)
        options = Options()
        options.parseOptions(["--config", "chat.toml"])
        self.options = options
        self.server = Server(db=Transactions(str(here / "chat.db")),
                             limits=replace(UNLIMITED, max_per_ip=2), motd=options["motd-text"],
                             main_topic="Welcome", operators=options["operator"])
        self.files: list[int] = []
        self.reloader = Reloader(options, Running(self.server.chat, self.server.sessions,
                                                  self.files.append))
        self.server.chat.reloader = self.reloader
        self.teacher = self.register("teacher", "192.0.2.1")

    def write(self, text: str) -> None:
        Path("chat.toml").write_text(text)

    def change(self, old: str, new: str) -> None:
        text = Path("chat.toml").read_text()
        assert old in text, old
        self.write(text.replace(old, new))

    def register(self, name: str, host: str) -> Client:
        client = self.server.connect(host)
        client.send(f"login {name}")
        client.send("/register chalk-and-talk")
        client.drop()
        client = self.server.connect(host)
        client.send(f"login {name} chalk-and-talk")
        client.clear()
        return client

    def reload(self) -> list[str]:
        self.teacher.clear()
        self.teacher.send("/reload")
        return self.teacher.lines()



class ReloadTests(Started):
    def test_nothing_changed(self) -> None:
        self.assertEqual(self.reload(), ["*** Reloaded chat.toml: nothing changed"])

    def test_a_connection_limit_lowered(self) -> None:
        """max-per-ip 2 → 1: the one connected from an address stays, a second is refused."""
        first = self.server.login("ann")
        self.change("max-per-ip = 2", "max-per-ip = 1")
        self.assertEqual(self.reload(), ["*** Reloaded chat.toml: max-per-ip 2 → 1"])
        self.assertTrue(first.connected)
        self.assertEqual(self.server.chat.limits.max_per_ip, 1)
        refused = self.server.connect()
        self.assertFalse(refused.connected)
        first.send("still here")
        self.assertEqual(first.lines(), ["<ann> still here"])

    def test_a_connection_limit_raised(self) -> None:
        """The door reads the limit in force: 2 → 3 lets a third in where 2 refused it."""
        self.server.login("ann"), self.server.login("bob")
        self.assertFalse(self.server.connect().connected)
        self.change("max-per-ip = 2", "max-per-ip = 3")
        self.reload()
        self.assertTrue(self.server.connect().connected)

    def test_a_rate_lowered_counts_what_was_done(self) -> None:
        """nick-rate 2 → 1 a minute: a user who changed name since is held to it at once."""
        ann = self.server.login("ann")
        self.change("nick-rate = 0", "nick-rate = 2")
        self.reload()
        ann.send("/nick anna")
        self.change("nick-rate = 2", "nick-rate = 1")
        self.reload()
        ann.clear()
        ann.send("/nick ann")
        [line] = ann.lines()
        self.assertTrue(line.startswith("! You are changing your name too fast: at most 1 a "
                                        "minute."), line)

    def test_the_file_limit_follows_max_connections(self) -> None:
        self.write(START + "max-connections = 500\n")
        self.reload()
        self.assertEqual(self.files, [500])

    def test_the_motd(self) -> None:
        """The file's text changed, its name did not: new logins read the new one."""
        Path("motd.txt").write_text("Be very kind.")
        self.assertEqual(self.reload(), ["*** Reloaded chat.toml: motd"])
        ann = self.server.connect()
        ann.send("login ann")
        self.assertIn("*** Be very kind.", ann.lines())

    def test_the_main_topic(self) -> None:
        """Everyone in the main room is told the new topic, as a topic event."""
        ann = self.server.login("ann")
        self.change('main-topic = "Welcome"', 'main-topic = "Homework: page 12"')
        self.assertEqual(self.reload(), ["= Topic of lobby: Homework: page 12",
                                         "*** Reloaded chat.toml: main-topic"])
        self.assertEqual(ann.lines(), ["= Topic of lobby: Homework: page 12"])
        ann.send("look")
        self.assertIn("= Topic: Homework: page 12", ann.lines())

    def test_operators_granted_and_revoked(self) -> None:
        """alice becomes a server operator at once, and the teacher no longer is one."""
        alice = self.register("alice", "192.0.2.2")
        alice.send("/wall hello")
        self.assertEqual(alice.lines(), ["! Only a server operator may do that."])
        self.change('operator = ["teacher"]', 'operator = ["alice"]')
        with capturedLogs() as logs:
            self.assertEqual(self.reload(), ["*** Reloaded chat.toml: operator"])
        self.assertIn("Server operators now: alice (made: alice; no longer: teacher)",
                      [log["log_format"].format(**log) for log in logs])
        alice.send("/wall hello")
        self.assertIn("*** Notice to everyone from alice: hello", alice.lines())
        self.assertTrue(self.teacher.connected)
        self.teacher.clear()
        self.teacher.send("/reload")
        self.assertEqual(self.teacher.lines(), ["! Only a server operator may do that."])

    def test_what_needs_a_restart_is_said_and_the_rest_applied(self) -> None:
        self.change("tcp:0:", "tcp:7000:")
        self.change("max-per-ip = 2", "max-per-ip = 4")
        self.write(Path("chat.toml").read_text().replace('db = ":memory:"', 'db = "other.db"'))
        with capturedLogs() as logs:
            self.assertEqual(self.reload(), ["*** Reloaded chat.toml: max-per-ip 2 → 4; db and "
                                             "port need a restart"])
        self.assertEqual([log["log_level"].name for log in logs
                          if "Reloaded" in log["log_format"].format(**log)], ["warn"])
        self.assertEqual(self.server.chat.limits.max_per_ip, 4)
        # Still waiting for it, the next time too; what was applied is not again.
        self.assertEqual(self.reload(), ["*** Reloaded chat.toml: db and port need a restart"])

    def test_a_bad_file_changes_nothing(self) -> None:
        """A value refused, after others that were fine: none of them is applied."""
        Path("motd.txt").write_text("Changed.")
        self.change("max-per-ip = 2", 'max-per-ip = 1\nreplay = 5\nsendq = "lots"')
        self.change('main-topic = "Welcome"', 'main-topic = "New"')
        with capturedLogs() as logs:
            lines = self.reload()
        self.assertEqual(lines, ['! Nothing was reloaded: chat.toml: sendq: takes a whole '
                                 'number, not "lots"'])
        self.assertEqual([log["log_format"].format(**log) for log in logs],
                         ['Nothing was reloaded (by teacher): chat.toml: sendq: takes a whole '
                          'number, not "lots"'])
        chat = self.server.chat
        self.assertEqual((chat.limits.max_per_ip, chat.motd, chat.main.topic),
                         (2, "Be kind.", "Welcome"))
        # Mended, it all applies: what failed was not taken as applied.
        self.change('sendq = "lots"', "sendq = 0")
        self.assertEqual(self.reload(), ["= Topic of lobby: New",
                                         "*** Reloaded chat.toml: main-topic, max-per-ip 2 → 1, "
                                         "motd, sendq 262144 → 0; replay needs a restart"])

    def test_a_syntax_error_changes_nothing(self) -> None:
        self.change("max-per-ip = 2", "max-per-ip = 1\nmax-per-ip 3")
        self.assertEqual(self.reload(), ["! Nothing was reloaded: chat.toml: line 2, column 12: "
                                         "Expected '=' after a key in a key/value pair"])
        self.assertEqual(self.server.chat.limits.max_per_ip, 2)

    def test_a_file_gone(self) -> None:
        os.remove("chat.toml")
        self.assertEqual(self.reload(), ["! Nothing was reloaded: chat.toml: cannot read it: "
                                         "No such file or directory"])

    def test_the_command_line_still_wins(self) -> None:
        """Read again under the same command line: its values stay, whatever the file says."""
        options = Options()
        options.parseOptions(["--config", "chat.toml", "--max-per-ip", "9"])
        reloader = Reloader(options, Running(self.server.chat, self.server.sessions))
        self.change("max-per-ip = 2", "max-per-ip = 1")
        self.assertEqual(reloader.reload("test").text, "Reloaded chat.toml: nothing changed")

    def test_only_server_operators(self) -> None:
        ann = self.server.login("ann")
        ann.send("/reload")
        self.assertEqual(ann.lines(), ["! Only a server operator may do that."])

    def test_without_a_file(self) -> None:
        self.server.chat.reloader = None
        self.assertEqual(self.reload(), ["! There is no file to reload: the server was started "
                                         "without --config."])


class SignalTests(Started):
    """SIGHUP's work, as the service does it when the signal comes."""

    def test_sighup_reloads(self) -> None:
        self.change("max-per-ip = 2", "max-per-ip = 1")
        with capturedLogs() as logs:
            self.server.service.reload()
        self.assertEqual([log["log_format"].format(**log) for log in logs],
                         ["Reloaded chat.toml: max-per-ip 2 → 1 (by SIGHUP)"])
        self.assertEqual(self.server.chat.limits.max_per_ip, 1)

    def test_sighup_without_a_file(self) -> None:
        self.server.chat.reloader = None
        with capturedLogs() as logs:
            self.server.service.reload()
        self.assertEqual([log["log_format"].format(**log) for log in logs],
                         ["Received SIGHUP: There is no file to reload: the server was started "
                          "without --config."])

    def test_sighup_with_a_bad_file_logs_once(self) -> None:
        self.write("max-per-ip = \n")
        with capturedLogs() as logs:
            self.server.service.reload()
        self.assertEqual([log["log_format"].format(**log) for log in logs],
                         ["Nothing was reloaded (by SIGHUP): chat.toml: line 1, column 14: "
                          "Invalid value"])


class ReloadWordedTests(Started):
    def test_the_answer_in_the_operators_language(self) -> None:
        """The operator reads what a reload did in their language; the option names stay."""
        from twisted_chat.i18n.languages import SIMPLIFIED

        self.teacher.send("/lang zh-CN")
        self.assertEqual(self.reload(), ["*** " + SIMPLIFIED.format(
            "Reloaded {path}: nothing changed", path="chat.toml")])

    def test_a_failure_applying_is_one_line(self) -> None:
        """A bug while applying: the operator reads one line, stays, and the log has why."""
        from twisted_chat.config import live

        def broken(running: object, new: object) -> None:
            raise RuntimeError("a bug")

        self.patch(live, "APPLY", {**live.APPLY, "motd": broken})
        Path("motd.txt").write_text("Be kinder.")
        self.assertEqual(self.reload(), ["! Nothing was reloaded: chat.toml: applying it failed "
                                         "part way, see the server's log"])
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.teacher.send("/look")
        self.assertTrue(self.teacher.lines())
