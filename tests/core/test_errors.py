"""Errors as data: a stable code, a template, its raw arguments, and the text they render."""

from __future__ import annotations

import json
import string

from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.core import errors, events
from twisted_chat.core.formats import JsonFormat, TextFormat, read_json

T = 1_800_000_000.25

#: Every error class, in every case, with the code and the text it had when each
#: class built its sentence with an f-string: generated from that code, pasted here.
RENDERED: list[tuple[errors.ChatError, str, str]] = [
    (errors.ChatError("Anything at all."), 'error',
     'Anything at all.'),
    (errors.LoginRequired(), 'login-required',
     'Please log in first: login NAME'),
    (errors.UnknownCommand("frob"), 'unknown-command',
     'Unknown command /frob. Type /help for the list.'),
    (errors.NotAvailableHere("topic"), 'not-available',
     '/topic is not available now. Type /help for what is.'),
    (errors.Usage("msg NAME TEXT..."), 'usage',
     'Usage: /msg NAME TEXT...'),
    (errors.LineTooLong(512), 'line-too-long',
     'Line too long (the limit is 512 bytes); it was ignored.'),
    (errors.BadEncoding("utf-8"), 'bad-encoding',
     'That line was not valid utf-8 and was ignored. Type /encoding to see or set yours.'),
    (errors.NameEmpty("name"), 'name-empty',
     'The name is empty.'),
    (errors.NameTooLong("room name", 32), 'name-too-long',
     'The room name is too long: at most 32 characters.'),
    (errors.NameInvalid("name", "9lives"), 'name-invalid',
     "'9lives' is not a valid name: use letters, digits, _ and -, starting with a letter."),
    (errors.NameInvalid("name", "o'brien"), 'name-invalid',
     '"o\'brien" is not a valid name: use letters, digits, _ and -, starting with a letter.'),
    (errors.NameInvisible("name", "a\\u3164b"), 'name-invalid',
     "'a\\u3164b' is not a valid name: it holds an invisible character."),
    (errors.NameMixedScripts("name", "pаypal", ["Latin", "Cyrillic"]), 'name-invalid',
     "'pаypal' is not a valid name: it mixes Latin and Cyrillic letters, which are not written "
     'together. Use one script.'),
    (errors.NameMixedScripts("room name", "x", ["Latin", "Greek", "Cyrillic"]), 'name-invalid',
     "'x' is not a valid room name: it mixes Latin and Greek and Cyrillic letters, which are "
     'not written together. Use one script.'),
    (errors.NameStacked("name", 2), 'name-invalid',
     'That is not a valid name: a letter may carry at most 2 marks, and not the same twice.'),
    (errors.NameReserved("name", "server"), 'name-reserved',
     "The name 'server' is reserved; choose another."),
    (errors.NameReserved("room name", "lobby", "Lobby"), 'name-reserved',
     "The room name 'lobby' looks like 'Lobby', which is reserved; choose another."),
    (errors.NameReserved("name", "admin", like="admin"), 'name-reserved',
     "The name 'admin' looks like 'admin', which is reserved; choose another."),
    (errors.NameTaken("bob"), 'name-taken',
     "The name 'bob' is taken; choose another."),
    (errors.NameTaken("bob", "bob"), 'name-taken',
     "The name 'bob' is taken; choose another."),
    (errors.NameTaken("bob", "Bob"), 'name-taken',
     "The name 'bob' is taken: it reads the same as 'Bob', who is online. Choose another."),
    (errors.NameTaken("小明", "小明 "), 'name-taken',
     "The name '小明' is taken: it reads the same as '小明 ', who is online. Choose another."),
    (errors.NameLookalike("b0b", "bob"), 'name-taken',
     "The name 'b0b' looks like 'bob', who is online. Choose another."),
    (errors.NameLooksRegistered("aIice", "alice"), 'name-registered',
     "The name 'aIice' looks like 'alice', a registered name. Choose another."),
    (errors.NoSuchUser("carol"), 'no-such-user',
     "No user named 'carol' is online."),
    (errors.NoSuchRoom("games"), 'no-such-room',
     "There is no room 'games'. Make it with /create games."),
    (errors.RoomExists("games"), 'room-exists',
     "The room 'games' exists already. Enter it with /join games."),
    (errors.RoomExists("Games", "games"), 'room-exists',
     "The room name 'Games' looks like 'games', which exists. Enter it with /join games, or "
     'choose another name.'),
    (errors.RoomExists("games", like="gamez"), 'room-exists',
     "The room name 'games' looks like 'gamez', which exists. Enter it with /join gamez, or "
     'choose another name.'),
    (errors.AlreadyThere("lobby"), 'already-there',
     'You are in lobby already.'),
    (errors.NotOwner("games"), 'not-owner',
     'Only the owner of games may change its topic.'),
    (errors.MainRoomTopic("lobby"), 'main-room-topic',
     'The topic of lobby is set by the server.'),
    (errors.TopicTooLong(200), 'topic-too-long',
     'The topic is too long: at most 200 characters.'),
    (errors.UnknownFormat("xml", "text, json"), 'unknown-format',
     "Unknown format 'xml'; use one of: text, json."),
    (errors.UnknownEncoding("ebcdic", "utf-8, latin-1, gbk"), 'unknown-encoding',
     "Unknown encoding 'ebcdic'; use one of: utf-8, latin-1, gbk."),
    (errors.BadSwitch("color"), 'usage',
     'Usage: /color on  or  /color off'),
    (errors.SubnegotiationTooLong(1024), 'telnet-violation',
     'Telnet subnegotiation longer than 1024 bytes; closing the connection.'),
    (errors.InternalError(), 'internal-error',
     'Internal error: that command failed. The session goes on.'),
    (errors.UnreadableInput(), 'internal-error',
     'Internal error: the server could not read what you sent; closing the connection.'),
    (errors.RateLimited("chatting", 30, 2.5), 'rate-limited',
     'You are chatting too fast: at most 30 a minute. Try again in 3 seconds.'),
    (errors.RateLimited("joining rooms", 10, 60), 'rate-limited',
     'You are joining rooms too fast: at most 10 a minute. Try again in 1 minute.'),
    (errors.RateLimited("creating rooms", 5, 0.2, True), 'rate-limited',
     'You are creating rooms too fast: at most 5 a minute from your address. Try again in 1 '
     'second.'),
    (errors.RateLimited("changing names", 4, 119, by_address=True), 'rate-limited',
     'You are changing names too fast: at most 4 a minute from your address. Try again in 119 '
     'seconds.'),
    (errors.RateLimited("chatting", 1, 0), 'rate-limited',
     'You are chatting too fast: at most 1 a minute. Try again in 1 second.'),
    (errors.RateLimited("chatting", 1, 120.0, by_address=False), 'rate-limited',
     'You are chatting too fast: at most 1 a minute. Try again in 2 minutes.'),
    (errors.TooManyTargets(20, 45), 'rate-limited',
     'You have written to 20 different people in the last minute, the most allowed. Write to '
     'someone new in 45 seconds.'),
    (errors.TooManyTargets(20, 59.5, True), 'rate-limited',
     'You have written to 20 different people in the last minute from your address, the most '
     'allowed. Write to someone new in 1 minute.'),
    (errors.TooManyTargets(1, 61, by_address=True), 'rate-limited',
     'You have written to 1 different people in the last minute from your address, the most '
     'allowed. Write to someone new in 61 seconds.'),
    (errors.TooManyRooms(100), 'too-many-rooms',
     'This server has 100 rooms, the most it allows. Join one of them (/list).'),
    (errors.TooManyOwnRooms(3), 'too-many-rooms',
     'You made 3 rooms that still exist, the most one user may. Join one of them (/list).'),
    (errors.TooManyOwnRooms(3, True), 'too-many-rooms',
     '3 rooms made from your address still exist, the most one address may. Join one of them '
     '(/list).'),
    (errors.TooManyOwnRooms(1, by_address=False), 'too-many-rooms',
     'You made 1 rooms that still exist, the most one user may. Join one of them (/list).'),
    (errors.FloodWarning(20, 50), 'flood-warning',
     'Slow down: 20 of your lines are waiting their turn. Past 50, the server disconnects you.'),
    (errors.ExcessFlood(50), 'excess-flood',
     'Excess flood: more than 50 of your lines were waiting. Closing the connection.'),
    (errors.InputFlood(4096.0), 'excess-flood',
     'Excess flood: you sent far more than 4096 bytes a second. Closing the connection.'),
    (errors.InputFlood(2.5), 'excess-flood',
     'Excess flood: you sent far more than 2.5 bytes a second. Closing the connection.'),
    (errors.InputFlood(1e7), 'excess-flood',
     'Excess flood: you sent far more than 1e+07 bytes a second. Closing the connection.'),
    (errors.NotHttp(), 'not-http',
     'This is a chat server, not a web server: connect with telnet or netcat, not a browser. '
     'Closing the connection.'),
    (errors.TooManyLinesBeforeLogin(10), 'login-required',
     '10 lines without logging in. Closing the connection.'),
    (errors.LoginTimeout(60), 'login-timeout',
     'You did not log in within 1 minute. Closing the connection.'),
    (errors.LoginTimeout(30.0), 'login-timeout',
     'You did not log in within 30 seconds. Closing the connection.'),
    (errors.LoginTimeout(90), 'login-timeout',
     'You did not log in within 90 seconds. Closing the connection.'),
    (errors.IdleWarning(3300, 300), 'idle-warning',
     'You have been idle for 55 minutes. Type anything within 5 minutes to stay connected.'),
    (errors.IdleWarning(1, 1), 'idle-warning',
     'You have been idle for 1 second. Type anything within 1 second to stay connected.'),
    (errors.IdleWarning(59.5, 0.2), 'idle-warning',
     'You have been idle for 1 minute. Type anything within 1 second to stay connected.'),
    (errors.IdleTimeout(3600), 'idle-timeout',
     'You were idle for 60 minutes. Closing the connection.'),
    (errors.IdleTimeout(7201), 'idle-timeout',
     'You were idle for 7201 seconds. Closing the connection.'),
    (errors.ServerFull(1000), 'server-full',
     'The server is full (1000 connections). Try again later.'),
    (errors.TooManyFromAddress(8), 'too-many-connections',
     'Too many connections from your address (at most 8 at once). Close one and try again.'),
    (errors.ConnectingTooFast(20, 3), 'connecting-too-fast',
     'Too many connections from your address in the last minute (at most 20). Try again in 3 '
     'seconds.'),
    (errors.ConnectingTooFast(20, 180), 'connecting-too-fast',
     'Too many connections from your address in the last minute (at most 20). Try again in 3 '
     'minutes.'),
    (errors.NotStored(), 'not-stored',
     'Your message could not be stored, so it was not sent. Try again.'),
    (errors.NoHistory(), 'no-history',
     'This server runs without memory: no history, registered names or lasting rooms.'),
    (errors.HistoryUnavailable(), 'history-unavailable',
     'The history could not be read just now. Try again.'),
    (errors.SearchTooManyWords(8), 'usage',
     'A search takes at most 8 words. Leave some out.'),
    (errors.SearchTooSlow(2.0), 'search-too-slow',
     'That search took more than 2 seconds and was stopped. Use fewer short words, or longer '
     'ones.'),
    (errors.SearchTooSlow(0.5), 'search-too-slow',
     'That search took more than 0.5 seconds and was stopped. Use fewer short words, or longer '
     'ones.'),
    (errors.SearchBusy(), 'search-busy',
     'Too many searches are running just now. Try again in a moment.'),
    (errors.NotANumber("history [N]"), 'usage',
     'Usage: /history [N] (N is a number of lines, such as 50)'),
    (errors.PasswordRequired("alice"), 'password-required',
     "The name 'alice' is registered. Log in with: login alice PASSWORD"),
    (errors.PasswordNotNeeded("bob"), 'not-registered',
     "The name 'bob' is not registered; log in without a password: login bob"),
    (errors.TooManyGuesses("alice", 300), 'too-many-guesses',
     "Too many wrong passwords for 'alice' lately. Try again in 5 minutes."),
    (errors.TooManyGuesses("alice", 1.5), 'too-many-guesses',
     "Too many wrong passwords for 'alice' lately. Try again in 2 seconds."),
    (errors.WrongPassword("alice"), 'wrong-password',
     "Wrong password for 'alice'."),
    (errors.NameRegistered("alice"), 'name-registered',
     "The name 'alice' is registered to someone; choose another."),
    (errors.AlreadyRegistered("alice"), 'already-registered',
     "'alice' is already registered. To change its password: /password OLD NEW"),
    (errors.NotRegistered("bob", "registering a room"), 'not-registered',
     "'bob' is not a registered name, needed for registering a room. Register it first: "
     '/register PASSWORD'),
    (errors.BadPassword(6, 64), 'bad-password',
     'A password is 6 to 64 characters, with no spaces.'),
    (errors.Busy(), 'busy',
     'Still checking a password: that line was dropped. Wait a moment.'),
    (errors.NotKeeper("games"), 'not-keeper',
     'Only the one who registered games can do that.'),
    (errors.MainRoomLasts("lobby"), 'main-room',
     'lobby is the main room: it always exists and has no owner.'),
    (errors.RoomAlreadyRegistered("games"), 'room-registered',
     'games is already registered.'),
    (errors.RoomNotRegistered("games"), 'room-not-registered',
     'games is not registered.'),
]


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
