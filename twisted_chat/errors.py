"""
Every mistake a user can make, one exception each.

A state or the model raises one of these; the state turns it into an error
event, so the user gets one line (text) or one object with a stable ``code``
(JSON) and the session goes on.  Codes are part of the JSON schema: never
rename one.
"""

from __future__ import annotations


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


class NameReserved(ChatError):
    code = "name-reserved"

    def __init__(self, what: str, name: str) -> None:
        super().__init__(f"The {what} {name!r} is reserved; choose another.")


class NameTaken(ChatError):
    code = "name-taken"

    def __init__(self, name: str) -> None:
        super().__init__(f"The name {name!r} is taken; choose another.")


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

    def __init__(self, name: str) -> None:
        super().__init__(f"The room {name!r} exists already. Enter it with /join {name}.")


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
