"""The name rules: what is a name, when two names are the same."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core import errors, names


class NameTests(SynchronousTestCase):
    def test_valid(self) -> None:
        for name in ["alice", "Bob_2", "x-y", "小明", "Ünal", "Дмитрий", "नमस्ते", "a" * 24]:
            self.assertEqual(names.user_name(name), name)

    def test_normalised(self) -> None:
        """Full-width letters become ordinary ones; surrounding space goes."""
        self.assertEqual(names.user_name("  \uff41\uff4c\uff49\uff43\uff45 "), "alice")

    def test_errors(self) -> None:
        cases = [
            ("", errors.NameEmpty),
            ("   ", errors.NameEmpty),
            ("a" * 25, errors.NameTooLong),
            ("1abc", errors.NameInvalid),
            ("_abc", errors.NameInvalid),
            ("a b", errors.NameInvalid),
            ("a<b>", errors.NameInvalid),
            ("al*ce", errors.NameInvalid),
            ("ali:ce", errors.NameInvalid),
            ("al\u200bice", errors.NameInvalid),
            ("a\u202ecba", errors.NameInvalid),
            ("SERVER", errors.NameReserved),
            ("You", errors.NameReserved),
        ]
        for raw, error in cases:
            self.assertRaises(error, names.user_name, raw)

    def test_room_names(self) -> None:
        self.assertEqual(names.room_name("茶室"), "茶室")
        self.assertRaises(errors.NameInvalid, names.room_name, "#games")
        self.assertRaises(errors.NameReserved, names.room_name, "System")
        self.assertEqual(names.room_name("admin"), "admin")

    def test_messages_say_which_kind(self) -> None:
        with self.assertRaises(errors.NameEmpty) as caught:
            names.room_name("")
        self.assertEqual(caught.exception.message, "The room name is empty.")

    def test_key(self) -> None:
        """Names are the same regardless of case and compatibility forms."""
        self.assertEqual(names.key("Alice"), names.key("aLICE"))
        self.assertEqual(names.key("\uff21lice"), names.key("alice"))
        self.assertEqual(names.key("Straße"), names.key("STRASSE"))
        self.assertNotEqual(names.key("alice"), names.key("alicia"))


class SkeletonTests(SynchronousTestCase):
    @given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
    def test_ascii_skeletons_are_icus(self, text: str) -> None:
        """The table for ASCII gives what ICU's skeleton gives, for any ASCII text."""
        self.assertEqual(names._skeleton(text), str(names._SPOOF.getSkeleton(0, text)))
