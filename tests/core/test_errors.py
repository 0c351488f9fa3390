"""Errors as data: a stable code, a template, its raw arguments, and the text they render."""

from __future__ import annotations

import json
import string
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core import errors, events
from twisted_chat.core.formats import JsonFormat, TextFormat, read_json

T = 1_800_000_000.25

#: Every error class, in every case, with the code and the text it had when each
#: class built its sentence with an f-string: generated from that code, kept as data.
RENDERED: list[tuple[errors.ChatError, str, str]] = [
    (getattr(errors, case["error"])(*case["args"], **case["kwargs"]), case["code"], case["text"])
    for case in json.loads((Path(__file__).parent / "errors_rendered.json").read_text())]


def fields(template: str) -> set[str]:
    """The names a template's fields take from ``args``."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def every_class() -> set[type[errors.ChatError]]:
    return {value for value in vars(errors).values()
            if isinstance(value, type) and issubclass(value, errors.ChatError)}


class RenderedTests(SynchronousTestCase):
    def test_text_unchanged(self) -> None:
        """Every error, in every case, reads byte for byte as it did, and keeps its code."""
        for error, code, text in RENDERED:
            with self.subTest(error=type(error).__name__, args=error.args):
                self.assertEqual(error.code, code)
                self.assertEqual(error.message, text)
                self.assertEqual(str(error), text)

    def test_every_class_sampled(self) -> None:
        """A new error class must join the table above, so its text is pinned too."""
        self.assertEqual({type(error) for error, _, _ in RENDERED}, every_class())

    def test_every_template_sampled(self) -> None:
        """Each case's template (``template`` and every ``template_*``) is rendered above."""
        used = {(type(error), error.template) for error, _, _ in RENDERED}
        for cls in every_class():
            for name in dir(cls):
                if name.startswith("template"):
                    self.assertIn((cls, getattr(cls, name)), used, f"{cls.__name__}.{name}")


class ArgsTests(SynchronousTestCase):
    def test_raw_values(self) -> None:
        """Numbers stay numbers, waits stay seconds, lists stay lists: nothing is pre-worded."""
        self.assertEqual(errors.FloodWarning(20, 50).args, {"waiting": 20, "limit": 50})
        self.assertIs(type(errors.FloodWarning(20, 50).args["waiting"]), int)
        self.assertEqual(errors.IdleWarning(3300, 300).args, {"idle": 3300, "remaining": 300})
        self.assertEqual(errors.RateLimited("chatting", 30, 2.5).args,
                         {"doing": "chatting", "limit": 30, "wait": 2.5, "by_address": False})
        self.assertEqual(errors.NameMixedScripts("name", "x", ["Latin", "Greek"]).args,
                         {"what": "name", "name": "x", "scripts": ["Latin", "Greek"]})
        self.assertEqual(errors.ChatError("Anything.").args, {"message": "Anything."})
        self.assertEqual(errors.LoginRequired().args, {})

    def test_args_are_the_templates_fields(self) -> None:
        """
        ``args`` hold what the chosen template names, and only ``by_address``
        besides, which tells a program which sentence it got.
        """
        for error, _, _ in RENDERED:
            with self.subTest(error=type(error).__name__, args=error.args):
                named = fields(error.template)
                self.assertLessEqual(named, set(error.args))
                self.assertLessEqual(set(error.args) - named, {"by_address"})

    def test_case_in_args(self) -> None:
        """Where the sentence depends on the case, the args tell the cases apart."""
        self.assertEqual(errors.NameTaken("bob").args, {"name": "bob"})
        self.assertEqual(errors.NameTaken("bob", "bob").args, {"name": "bob"})
        self.assertEqual(errors.NameTaken("bob", "Bob").args, {"name": "bob", "holder": "Bob"})
        self.assertEqual(errors.RoomExists("Games", "games").args,
                         {"name": "Games", "like": "games"})
        self.assertEqual(errors.TooManyOwnRooms(3, True).args, {"limit": 3, "by_address": True})

    def test_args_survive_json(self) -> None:
        """Every error's args are plain JSON, and come back from it as they went."""
        for error, _, _ in RENDERED:
            with self.subTest(error=type(error).__name__):
                self.assertEqual(json.loads(json.dumps(error.args)), error.args)


class EventTests(SynchronousTestCase):
    def test_event(self) -> None:
        """``event`` builds the error event: the time, the code, the text and the args."""
        error = errors.FloodWarning(20, 50)
        self.assertEqual(error.event(T), events.Error(
            T, "flood-warning", error.message, {"waiting": 20, "limit": 50}))

    def test_event_args_are_a_copy(self) -> None:
        """The event does not share the exception's dict, so neither can change the other."""
        error = errors.FloodWarning(20, 50)
        self.assertIsNot(error.event(T).args, error.args)

    def test_text_format_renders_the_text(self) -> None:
        """The text format shows the rendered sentence, as before; the args stay out of it."""
        error = errors.RateLimited("chatting", 30, 2.5, by_address=True)
        self.assertEqual(TextFormat().render(error.event(T)),
                         b"! You are chatting too fast: at most 30 a minute from your address. "
                         b"Try again in 3 seconds.\r\n")

    def test_json_carries_args_after_text(self) -> None:
        """JSON keeps every field it had, in order, and adds ``args`` after ``text``."""
        rendered = JsonFormat().render(errors.FloodWarning(20, 50).event(T))
        self.assertEqual(rendered, (
            b'{"type":"error","time":1800000000.25,"code":"flood-warning",'
            b'"text":"Slow down: 20 of your lines are waiting their turn. Past 50, the server '
            b'disconnects you.","args":{"waiting":20,"limit":50}}\r\n'))

    def test_json_read_back(self) -> None:
        """A client rebuilds every error event from its JSON, args and all."""
        for error, _, _ in RENDERED:
            event = error.event(T)
            with self.subTest(error=type(error).__name__):
                self.assertEqual(read_json(JsonFormat().render(event).decode()), event)

    def test_args_default_empty(self) -> None:
        """An error built by hand (the GUI's own) needs no args, and JSON without them reads."""
        event = events.Error(T, "client", "Not connected.")
        self.assertEqual(event.args, {})
        self.assertEqual(json.loads(JsonFormat().render(event))["args"], {})
        self.assertEqual(read_json('{"type":"error","time":1.0,"code":"usage","text":"U."}'),
                         events.Error(1.0, "usage", "U."))

    def test_hashable(self) -> None:
        """An error event still hashes, though its args are a dict."""
        event = errors.FloodWarning(20, 50).event(T)
        self.assertEqual(hash(event), hash(events.Error(T, "flood-warning", event.text)))
