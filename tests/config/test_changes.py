"""The difference between two sets of options, and the line that words it."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.config.changes import Change, changes, summary

KEYS = ["max-per-ip", "motd", "port", "flood-rate", "main-topic"]
OLD = {"max-per-ip": 5, "motd": "motd.txt", "motd-text": "Hello", "port": ["tcp:6666"],
       "flood-rate": 4.0, "main-topic": "Old"}


class ChangesTests(SynchronousTestCase):
    def test_nothing_changed(self) -> None:
        self.assertEqual(changes(OLD, dict(OLD), KEYS), [])

    def test_each_changed_key_in_order(self) -> None:
        new = {**OLD, "port": ["tcp:7000"], "max-per-ip": 3}
        self.assertEqual(changes(OLD, new, KEYS), [Change("max-per-ip", 5, 3),
                                                   Change("port", ["tcp:6666"], ["tcp:7000"])])

    def test_a_files_text_changing_under_the_same_name(self) -> None:
        """The motd file rewritten: the option is the same, what it gave is not."""
        self.assertEqual([change.key for change in changes(OLD, {**OLD, "motd-text": "Bye"},
                                                           KEYS)], ["motd"])

    def test_only_the_keys_asked_about(self) -> None:
        self.assertEqual(changes(OLD, {**OLD, "listeners": [1]}, KEYS), [])

    def test_numbers_with_their_values(self) -> None:
        self.assertEqual(str(Change("max-per-ip", 5, 3)), "max-per-ip 5 → 3")
        self.assertEqual(str(Change("flood-rate", 4.0, 2.5)), "flood-rate 4 → 2.5")
        self.assertEqual(str(Change("main-topic", "Old", "New")), "main-topic")
        self.assertEqual(str(Change("port", ["a"], ["b"])), "port")


class SummaryTests(SynchronousTestCase):
    def test_applied_and_waiting(self) -> None:
        self.assertEqual(summary(0.0, "chat.toml", ["max-per-ip 5 → 3", "motd"], ["port"]).text,
                         "Reloaded chat.toml: max-per-ip 5 → 3, motd; port needs a restart")

    def test_several_waiting(self) -> None:
        self.assertEqual(summary(0.0, "chat.toml", [], ["port", "web", "db"]).text,
                         "Reloaded chat.toml: port, web and db need a restart")

    def test_nothing(self) -> None:
        self.assertEqual(summary(0.0, "chat.toml", [], []).text,
                         "Reloaded chat.toml: nothing changed")
