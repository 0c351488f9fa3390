"""
Every mistake a user can make, one exception each.

A state or the model raises one of these; the state turns it into an error
event, so the user gets one line (text) or one object with a stable ``code``
(JSON) and the session goes on.  Codes are part of the JSON schema: never
rename one.
"""

from __future__ import annotations

import math


class ChatError(Exception):
    """A recoverable user mistake: reported to the user, never logged as a failure."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LoginRequired(ChatError):
    code = "login-required"

    def __init__(self) -> None:
        super().__init__("Please log in first: login NAME")


class UnknownCommand(ChatError):
    code = "unknown-command"

    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown command /{name}. Type /help for the list.")


class NotAvailableHere(ChatError):
    code = "not-available"

    def __init__(self, name: str) -> None:
        super().__init__(f"/{name} is not available now. Type /help for what is.")


class Usage(ChatError):
    code = "usage"

    def __init__(self, usage: str) -> None:
        super().__init__(f"Usage: /{usage}")


class LineTooLong(ChatError):
    code = "line-too-long"

    def __init__(self, limit: int) -> None:
        super().__init__(f"Line too long (the limit is {limit} bytes); it was ignored.")


class BadEncoding(ChatError):
    code = "bad-encoding"

    def __init__(self, encoding: str) -> None:
        super().__init__(f"That line was not valid {encoding} and was ignored. "
                         "Type /encoding to see or set yours.")


class NameEmpty(ChatError):
    code = "name-empty"

    def __init__(self, what: str) -> None:
        super().__init__(f"The {what} is empty.")


class NameTooLong(ChatError):
    code = "name-too-long"

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"The {what} is too long: at most {limit} characters.")


class NameInvalid(ChatError):
    code = "name-invalid"

    def __init__(self, what: str, name: str) -> None:
        super().__init__(
            f"{name!r} is not a valid {what}: use letters, digits, _ and -, "
            "starting with a letter."
        )




class NameInvisible(NameInvalid):
    """A name with a character that shows as nothing, so it would pass for another."""

    def __init__(self, what: str, shown: str) -> None:
        """``shown``: the name with its invisible characters written out (``\\u3164``)."""
        ChatError.__init__(self, f"'{shown}' is not a valid {what}: it holds an invisible "
                                 "character.")


class NameMixedScripts(NameInvalid):
    """Letters of scripts nobody writes together: one looks like another's."""

    def __init__(self, what: str, name: str, scripts: list[str]) -> None:
        ChatError.__init__(self, f"{name!r} is not a valid {what}: it mixes "
                                 f"{' and '.join(scripts)} letters, which are not written "
                                 "together. Use one script.")


class NameStacked(NameInvalid):
    def __init__(self, what: str, limit: int) -> None:
        ChatError.__init__(self, f"That is not a valid {what}: a letter may carry at most "
                                 f"{limit} marks, and not the same twice.")


class NameReserved(ChatError):
    code = "name-reserved"

    def __init__(self, what: str, name: str, like: str | None = None) -> None:
        if like is None:
            super().__init__(f"The {what} {name!r} is reserved; choose another.")
        else:
            super().__init__(f"The {what} {name!r} looks like {like!r}, which is reserved; "
                             "choose another.")


class NameTaken(ChatError):
    code = "name-taken"

    def __init__(self, name: str, holder: str | None = None) -> None:
        if holder is None or holder == name:
            super().__init__(f"The name {name!r} is taken; choose another.")
        else:
            super().__init__(f"The name {name!r} is taken: it reads the same as {holder!r}, "
                             "who is online. Choose another.")


class NameLookalike(ChatError):
    code = "name-taken"

    def __init__(self, name: str, holder: str) -> None:
        super().__init__(f"The name {name!r} looks like {holder!r}, who is online. "
                         "Choose another.")


class NameLooksRegistered(ChatError):
    code = "name-registered"

    def __init__(self, name: str, registered: str) -> None:
        super().__init__(f"The name {name!r} looks like {registered!r}, a registered name. "
                         "Choose another.")


class NoSuchUser(ChatError):
    code = "no-such-user"

    def __init__(self, name: str) -> None:
        super().__init__(f"No user named {name!r} is online.")


class NoSuchRoom(ChatError):
    code = "no-such-room"

    def __init__(self, name: str) -> None:
        super().__init__(f"There is no room {name!r}. Make it with /create {name}.")


class RoomExists(ChatError):
    code = "room-exists"

    def __init__(self, name: str, like: str | None = None) -> None:
        if like is None:
            super().__init__(f"The room {name!r} exists already. Enter it with /join {name}.")
        else:
            super().__init__(f"The room name {name!r} looks like {like!r}, which exists. "
                             f"Enter it with /join {like}, or choose another name.")


class AlreadyThere(ChatError):
    code = "already-there"

    def __init__(self, room: str) -> None:
        super().__init__(f"You are in {room} already.")


class NotOwner(ChatError):
    code = "not-owner"

    def __init__(self, room: str) -> None:
        super().__init__(f"Only the owner of {room} may change its topic.")


class MainRoomTopic(ChatError):
    code = "main-room-topic"

    def __init__(self, room: str) -> None:
        super().__init__(f"The topic of {room} is set by the server.")


class TopicTooLong(ChatError):
    code = "topic-too-long"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The topic is too long: at most {limit} characters.")


class UnknownFormat(ChatError):
    code = "unknown-format"

    def __init__(self, name: str, known: str) -> None:
        super().__init__(f"Unknown format {name!r}; use one of: {known}.")


class UnknownEncoding(ChatError):
    code = "unknown-encoding"

    def __init__(self, name: str, choices: str) -> None:
        super().__init__(f"Unknown encoding {name!r}; use one of: {choices}.")


class BadSwitch(ChatError):
    code = "usage"

    def __init__(self, command: str) -> None:
        super().__init__(f"Usage: /{command} on  or  /{command} off")


class SubnegotiationTooLong(ChatError):
    code = "telnet-violation"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"Telnet subnegotiation longer than {limit} bytes; closing the connection.")


class InternalError(ChatError):
    """Sent when a command failed in a way we did not foresee; the failure is logged."""

    code = "internal-error"

    def __init__(self) -> None:
        super().__init__("Internal error: that command failed. The session goes on.")


class UnreadableInput(ChatError):
    """Sent when input broke the connection's parser: a bug, logged, and the end of it."""

    code = "internal-error"

    def __init__(self) -> None:
        super().__init__("Internal error: the server could not read what you sent; "
                         "closing the connection.")


# Limits (see limits.py): each says what was hit and what to do now.


def _duration(seconds: float) -> str:
    whole = max(1, math.ceil(seconds))
    if whole % 60 == 0:
        minutes = whole // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{whole} second{'s' if whole != 1 else ''}"


class RateLimited(ChatError):
    code = "rate-limited"

    def __init__(self, doing: str, limit: int, wait: float, by_address: bool = False) -> None:
        where = " from your address" if by_address else ""
        super().__init__(f"You are {doing} too fast: at most {limit} a minute{where}. "
                         f"Try again in {_duration(wait)}.")


class TooManyTargets(ChatError):
    code = "rate-limited"

    def __init__(self, limit: int, wait: float, by_address: bool = False) -> None:
        where = " from your address" if by_address else ""
        super().__init__(f"You have written to {limit} different people in the last minute"
                         f"{where}, the most allowed. Write to someone new in {_duration(wait)}.")


class TooManyRooms(ChatError):
    code = "too-many-rooms"

    def __init__(self, limit: int) -> None:
        super().__init__(f"This server has {limit} rooms, the most it allows. "
                         "Join one of them (/list).")


class TooManyOwnRooms(ChatError):
    code = "too-many-rooms"

    def __init__(self, limit: int, by_address: bool = False) -> None:
        if by_address:
            super().__init__(f"{limit} rooms made from your address still exist, the most one "
                             "address may. Join one of them (/list).")
        else:
            super().__init__(f"You made {limit} rooms that still exist, the most one user may. "
                             "Join one of them (/list).")


class FloodWarning(ChatError):
    code = "flood-warning"

    def __init__(self, waiting: int, limit: int) -> None:
        super().__init__(f"Slow down: {waiting} of your lines are waiting their turn. "
                         f"Past {limit}, the server disconnects you.")


class ExcessFlood(ChatError):
    code = "excess-flood"

    def __init__(self, limit: int) -> None:
        super().__init__(f"Excess flood: more than {limit} of your lines were waiting. "
                         "Closing the connection.")


class InputFlood(ChatError):
    code = "excess-flood"

    def __init__(self, rate: float) -> None:
        super().__init__(f"Excess flood: you sent far more than {rate:g} bytes a second. "
                         "Closing the connection.")


class NotHttp(ChatError):
    code = "not-http"

    def __init__(self) -> None:
        super().__init__("This is a chat server, not a web server: connect with telnet "
                         "or netcat, not a browser. Closing the connection.")


class TooManyLinesBeforeLogin(ChatError):
    code = "login-required"

    def __init__(self, limit: int) -> None:
        super().__init__(f"{limit} lines without logging in. Closing the connection.")


class LoginTimeout(ChatError):
    code = "login-timeout"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"You did not log in within {_duration(seconds)}. "
                         "Closing the connection.")


class IdleWarning(ChatError):
    code = "idle-warning"

    def __init__(self, idle: float, remaining: float) -> None:
        super().__init__(f"You have been idle for {_duration(idle)}. Type anything within "
                         f"{_duration(remaining)} to stay connected.")


class IdleTimeout(ChatError):
    code = "idle-timeout"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"You were idle for {_duration(seconds)}. Closing the connection.")


# Refusals: a connection over a limit reads one of these, then is closed.


class ServerFull(ChatError):
    code = "server-full"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The server is full ({limit} connections). Try again later.")


class TooManyFromAddress(ChatError):
    code = "too-many-connections"

    def __init__(self, limit: int) -> None:
        super().__init__(f"Too many connections from your address (at most {limit} at once). "
                         "Close one and try again.")


class ConnectingTooFast(ChatError):
    code = "connecting-too-fast"

    def __init__(self, limit: int, wait: float) -> None:
        super().__init__(f"Too many connections from your address in the last minute "
                         f"(at most {limit}). Try again in {_duration(wait)}.")


# Memory: history, registered names, lasting rooms.


class NotStored(ChatError):
    code = "not-stored"

    def __init__(self) -> None:
        super().__init__("Your message could not be stored, so it was not sent. Try again.")


class NoHistory(ChatError):
    code = "no-history"

    def __init__(self) -> None:
        super().__init__("This server runs without memory: no history, registered names "
                         "or lasting rooms.")


class HistoryUnavailable(ChatError):
    code = "history-unavailable"

    def __init__(self) -> None:
        super().__init__("The history could not be read just now. Try again.")


class SearchTooManyWords(ChatError):
    code = "usage"

    def __init__(self, limit: int) -> None:
        super().__init__(f"A search takes at most {limit} words. Leave some out.")


class SearchTooSlow(ChatError):
    """Raised on the search's own thread, past its time: the search stops there."""

    code = "search-too-slow"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"That search took more than {seconds:g} seconds and was stopped. "
                         "Use fewer short words, or longer ones.")


class SearchBusy(ChatError):
    code = "search-busy"

    def __init__(self) -> None:
        super().__init__("Too many searches are running just now. Try again in a moment.")


class NotANumber(ChatError):
    code = "usage"

    def __init__(self, usage: str) -> None:
        super().__init__(f"Usage: /{usage} (N is a number of lines, such as 50)")


class PasswordRequired(ChatError):
    code = "password-required"

    def __init__(self, name: str) -> None:
        super().__init__(f"The name '{name}' is registered. Log in with: login {name} PASSWORD")


class PasswordNotNeeded(ChatError):
    code = "not-registered"

    def __init__(self, name: str) -> None:
        super().__init__(f"The name '{name}' is not registered; log in without a password: "
                         f"login {name}")


class TooManyGuesses(ChatError):
    code = "too-many-guesses"

    def __init__(self, name: str, wait: float) -> None:
        super().__init__(f"Too many wrong passwords for '{name}' lately. "
                         f"Try again in {_duration(wait)}.")


class WrongPassword(ChatError):
    code = "wrong-password"

    def __init__(self, name: str) -> None:
        super().__init__(f"Wrong password for '{name}'.")


class NameRegistered(ChatError):
    code = "name-registered"

    def __init__(self, name: str) -> None:
        super().__init__(f"The name '{name}' is registered to someone; choose another.")


class AlreadyRegistered(ChatError):
    code = "already-registered"

    def __init__(self, name: str) -> None:
        super().__init__(f"'{name}' is already registered. To change its password: "
                         "/password OLD NEW")


class NotRegistered(ChatError):
    code = "not-registered"

    def __init__(self, name: str, doing: str) -> None:
        super().__init__(f"'{name}' is not a registered name, needed for {doing}. "
                         "Register it first: /register PASSWORD")


class BadPassword(ChatError):
    code = "bad-password"

    def __init__(self, shortest: int, longest: int) -> None:
        super().__init__(f"A password is {shortest} to {longest} characters, with no spaces.")


class Busy(ChatError):
    code = "busy"

    def __init__(self) -> None:
        super().__init__("Still checking a password: that line was dropped. Wait a moment.")


class NotKeeper(ChatError):
    code = "not-keeper"

    def __init__(self, room: str) -> None:
        super().__init__(f"Only the one who registered {room} can do that.")


class MainRoomLasts(ChatError):
    code = "main-room"

    def __init__(self, room: str) -> None:
        super().__init__(f"{room} is the main room: it always exists and has no owner.")


class RoomAlreadyRegistered(ChatError):
    code = "room-registered"

    def __init__(self, room: str) -> None:
        super().__init__(f"{room} is already registered.")


class RoomNotRegistered(ChatError):
    code = "room-not-registered"

    def __init__(self, room: str) -> None:
        super().__init__(f"{room} is not registered.")
