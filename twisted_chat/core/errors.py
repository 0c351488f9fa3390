"""
Every mistake a user can make, one exception each: a code, a template, its arguments.

A state or the chat raises one of these; the state turns it into an error
event (:meth:`ChatError.event`), so the user gets one line (text) or one object
(JSON) and the session goes on.  The three parts are the contract with clients:

- ``code``, stable: part of the JSON schema, never rename one;
- ``template``, the sentence a person reads: a ``str.format`` template with
  named fields;
- ``args``, the template's values, raw (numbers stay numbers, waits stay
  seconds), which JSON carries so that a program can word the error itself.

Subclasses are declarative: a ``code``, a ``template`` and an ``__init__`` that
only records the arguments.  Where the sentence depends on the case, the other
sentences are ``template_*`` attributes beside it, and ``__init__`` records the
one that fits.  Templates have format specs of their own:
``{wait:duration}`` words seconds (:mod:`twisted_chat.core.durations`),
``{scripts:and}`` joins a list with "and", and ``{what:word}`` is a value that
is itself one of the server's words, translated with the template.  Templates
are msgids (``N_``): an error is worded in each user's language when it is
rendered (:mod:`twisted_chat.i18n`).
"""

from __future__ import annotations

from twisted_chat.core import events
from twisted_chat.i18n import N_
from twisted_chat.i18n.languages import ENGLISH


class ChatError(Exception):
    """A recoverable user mistake: reported to the user, never logged as a failure."""

    code = "error"
    template = "{message}"

    def __init__(self, message: str) -> None:
        self._record(message=message)

    def _record(self, template: str | None = None, /, **args: object) -> None:
        """Keep the template's values; ``template`` is the case's, if not the class's."""
        if template is not None:
            self.template = template
        self._args = args

    @property
    def args(self) -> dict[str, object]:  # type: ignore[override]
        """
        The template's values by field name, raw.

        This hides ``BaseException.args``, the constructor's arguments as a
        tuple, which only ``repr`` and pickling still read.
        """
        return self._args

    @property
    def message(self) -> str:
        """The sentence for people: the template with its values."""
        return ENGLISH.fill(self.template, self._args)

    def __str__(self) -> str:
        """The sentence, as ``str(error)`` always gave it: tracebacks and failures read it."""
        return self.message

    def event(self, time: float) -> events.Error:
        """The error as the user gets it: its code, its sentence, and its values for programs."""
        return events.Error(time, self.code, self.message, dict(self._args),
                            template=self.template)


class LoginRequired(ChatError):
    code = "login-required"
    template = N_("Please log in first: login NAME")

    def __init__(self) -> None:
        self._record()


class UnknownCommand(ChatError):
    code = "unknown-command"
    template = N_("Unknown command /{name}. Type /help for the list.")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class NotAvailableHere(ChatError):
    code = "not-available"
    template = N_("/{name} is not available now. Type /help for what is.")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class Usage(ChatError):
    code = "usage"
    template = N_("Usage: /{usage}")

    def __init__(self, usage: str) -> None:
        self._record(usage=usage)


class LineTooLong(ChatError):
    code = "line-too-long"
    template = N_("Line too long (the limit is {limit} bytes); ignored up to the next Enter.")

    def __init__(self, limit: int) -> None:
        self._record(limit=limit)


class BadEncoding(ChatError):
    code = "bad-encoding"
    template = N_("That line was not valid {encoding} and was ignored. "
                  "Type /encoding to see or set yours.")

    def __init__(self, encoding: str) -> None:
        self._record(encoding=encoding)


class NameEmpty(ChatError):
    code = "name-empty"
    template = N_("The {what:word} is empty.")

    def __init__(self, what: str) -> None:
        self._record(what=what)


class NameTooLong(ChatError):
    code = "name-too-long"
    template = N_("The {what:word} is too long: at most {limit} characters.")

    def __init__(self, what: str, limit: int) -> None:
        self._record(what=what, limit=limit)


class NameInvalid(ChatError):
    code = "name-invalid"
    template = N_("{name!r} is not a valid {what:word}: use letters, digits, _ and -, "
                  "starting with a letter.")

    def __init__(self, what: str, name: str) -> None:
        self._record(what=what, name=name)


class NameInvisible(NameInvalid):
    """A name with a character that shows as nothing, so it would pass for another."""

    template = N_("'{shown}' is not a valid {what:word}: it holds an invisible character.")

    def __init__(self, what: str, shown: str) -> None:
        """``shown``: the name with its invisible characters written out (``\\u3164``)."""
        self._record(what=what, shown=shown)


class NameMixedScripts(NameInvalid):
    """Letters of scripts nobody writes together: one looks like another's."""

    template = N_("{name!r} is not a valid {what:word}: it mixes {scripts:and} letters, which are "
                  "not written together. Use one script.")

    def __init__(self, what: str, name: str, scripts: list[str]) -> None:
        self._record(what=what, name=name, scripts=scripts)


class NameStacked(NameInvalid):
    template = N_("That is not a valid {what:word}: a letter may carry at most {limit} marks, "
                  "and not the same twice.")

    def __init__(self, what: str, limit: int) -> None:
        self._record(what=what, limit=limit)


class NameReserved(ChatError):
    code = "name-reserved"
    template = N_("The {what:word} {name!r} is reserved; choose another.")
    template_like = N_("The {what:word} {name!r} looks like {like!r}, which is reserved; choose "
                       "another.")

    def __init__(self, what: str, name: str, like: str | None = None) -> None:
        if like is None:
            self._record(what=what, name=name)
        else:
            self._record(self.template_like, what=what, name=name, like=like)


class NameTaken(ChatError):
    code = "name-taken"
    template = N_("The name {name!r} is taken; choose another.")
    template_holder = N_("The name {name!r} is taken: it reads the same as {holder!r}, "
                         "who is online. Choose another.")

    def __init__(self, name: str, holder: str | None = None) -> None:
        if holder is None or holder == name:
            self._record(name=name)
        else:
            self._record(self.template_holder, name=name, holder=holder)


class NameLookalike(ChatError):
    code = "name-taken"
    template = N_("The name {name!r} looks like {holder!r}, who is online. Choose another.")

    def __init__(self, name: str, holder: str) -> None:
        self._record(name=name, holder=holder)


class NameLooksRegistered(ChatError):
    code = "name-registered"
    template = N_("The name {name!r} looks like {registered!r}, a registered name. "
                  "Choose another.")

    def __init__(self, name: str, registered: str) -> None:
        self._record(name=name, registered=registered)


class NoSuchUser(ChatError):
    code = "no-such-user"
    template = N_("No user named {name!r} is online.")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class NoSuchRoom(ChatError):
    code = "no-such-room"
    template = N_("There is no room {name!r}. Make it with /create {name}.")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class RoomExists(ChatError):
    code = "room-exists"
    template = N_("The room {name!r} exists already. Enter it with /join {name}.")
    template_like = N_("The room name {name!r} looks like {like!r}, which exists. "
                       "Enter it with /join {like}, or choose another name.")

    def __init__(self, name: str, like: str | None = None) -> None:
        if like is None:
            self._record(name=name)
        else:
            self._record(self.template_like, name=name, like=like)


class AlreadyThere(ChatError):
    code = "already-there"
    template = N_("You are in {room} already.")

    def __init__(self, room: str) -> None:
        self._record(room=room)


class NotOwner(ChatError):
    code = "not-owner"
    template = N_("Only the owner and operators of {room} may change its topic.")

    def __init__(self, room: str) -> None:
        self._record(room=room)


class MainRoomTopic(ChatError):
    code = "main-room-topic"
    template = N_("The topic of {room} is set by the server.")

    def __init__(self, room: str) -> None:
        self._record(room=room)


class TopicTooLong(ChatError):
    code = "topic-too-long"
    template = N_("The topic is too long: at most {limit} characters.")

    def __init__(self, limit: int) -> None:
        self._record(limit=limit)


class UnknownFormat(ChatError):
    code = "unknown-format"
    template = N_("Unknown format {name!r}; use one of: {known}.")

    def __init__(self, name: str, known: str) -> None:
        self._record(name=name, known=known)


class UnknownEncoding(ChatError):
    code = "unknown-encoding"
    template = N_("Unknown encoding {name!r}; use one of: {choices}.")

    def __init__(self, name: str, choices: str) -> None:
        self._record(name=name, choices=choices)


class UnknownLanguage(ChatError):
    code = "unknown-language"
    template = N_("Unknown language {name!r}; use one of: {choices}.")

    def __init__(self, name: str, choices: str) -> None:
        self._record(name=name, choices=choices)


class EncodingFixed(ChatError):
    code = "encoding-fixed"
    template = N_("This connection's encoding is {encoding}, and cannot be changed.")

    def __init__(self, encoding: str) -> None:
        self._record(encoding=encoding)


class BadSwitch(ChatError):
    code = "usage"
    template = N_("Usage: /{command} on  or  /{command} off")

    def __init__(self, command: str) -> None:
        self._record(command=command)


class SubnegotiationTooLong(ChatError):
    code = "telnet-violation"
    template = N_("Telnet subnegotiation longer than {limit} bytes; closing the connection.")

    def __init__(self, limit: int) -> None:
        self._record(limit=limit)


class InternalError(ChatError):
    """Sent when a command failed in a way we did not foresee; the failure is logged."""

    code = "internal-error"
    template = N_("Internal error: that command failed. The session goes on.")

    def __init__(self) -> None:
        self._record()


class UnreadableInput(ChatError):
    """Sent when input broke the connection's parser: a bug, logged, and the end of it."""

    code = "internal-error"
    template = N_("Internal error: the server could not read what you sent; "
                  "closing the connection.")

    def __init__(self) -> None:
        self._record()


# Limits (see limits.py): each says what was hit and what to do now.  A limit
# counted per address says so, and records ``by_address`` for programs.


class RateLimited(ChatError):
    code = "rate-limited"
    template = N_("You are {doing:word} too fast: at most {limit} a minute. Try again in "
                  "{wait:duration}.")
    template_by_address = N_("You are {doing:word} too fast: at most {limit} a minute from your "
                             "address. Try again in {wait:duration}.")

    def __init__(self, doing: str, limit: int, wait: float, by_address: bool = False) -> None:
        self._record(self.template_by_address if by_address else None,
                     doing=doing, limit=limit, wait=wait, by_address=by_address)


class TooManyTargets(ChatError):
    code = "rate-limited"
    template = N_("You have written to {limit} different people in the last minute, the most "
                  "allowed. Write to someone new in {wait:duration}.")
    template_by_address = N_("You have written to {limit} different people in the last minute "
                             "from your address, the most allowed. Write to someone new in "
                             "{wait:duration}.")

    def __init__(self, limit: int, wait: float, by_address: bool = False) -> None:
        self._record(self.template_by_address if by_address else None,
                     limit=limit, wait=wait, by_address=by_address)


class TooManyRooms(ChatError):
    code = "too-many-rooms"
    template = N_("This server has {limit} rooms, the most it allows. Join one of them (/list).")

    def __init__(self, limit: int) -> None:
        self._record(limit=limit)


class TooManyOwnRooms(ChatError):
    code = "too-many-rooms"
    template = N_("You made {limit} rooms that still exist, the most one user may. "
                  "Join one of them (/list).")
    template_by_address = N_("{limit} rooms made from your address still exist, the most one "
                             "address may. Join one of them (/list).")

    def __init__(self, limit: int, by_address: bool = False) -> None:
        self._record(self.template_by_address if by_address else None,
                     limit=limit, by_address=by_address)


class FloodWarning(ChatError):
    code = "flood-warning"
    template = N_("Slow down: {waiting} of your lines are waiting their turn. "
                  "Past {limit}, the server disconnects you.")

    def __init__(self, waiting: int, limit: int) -> None:
        self._record(waiting=waiting, limit=limit)


class ExcessFlood(ChatError):
    code = "excess-flood"
    template = N_("Excess flood: more than {limit} of your lines were waiting. "
                  "Closing the connection.")

    def __init__(self, limit: int) -> None:
        self._record(limit=limit)


class InputFlood(ChatError):
    code = "excess-flood"
    template = N_("Excess flood: you sent far more than {rate:g} bytes a second. "
                  "Closing the connection.")

    def __init__(self, rate: float) -> None:
        self._record(rate=rate)


class BinaryMessage(ChatError):
    code = "binary-message"
    template = N_("Only text messages are read here, one command line each; a binary one was "
                  "ignored.")

    def __init__(self) -> None:
        self._record()


class NotUtf8(ChatError):
    code = "bad-encoding"
    template = N_("That message was not valid UTF-8, as WebSocket text must be; "
                  "closing the connection.")

    def __init__(self) -> None:
        self._record()


class BadFrame(ChatError):
    code = "bad-frame"
    template = N_("That was not a WebSocket frame this server can read ({reason:word}); "
                  "closing the connection.")

    def __init__(self, reason: str) -> None:
        self._record(reason=reason)


class NotHttp(ChatError):
    code = "not-http"
    template = N_("This is a chat server, not a web server: connect with telnet "
                  "or netcat, not a browser. Closing the connection.")

    def __init__(self) -> None:
        self._record()


class TooManyLinesBeforeLogin(ChatError):
    code = "login-required"
    template = N_("{limit} lines without logging in. Closing the connection.")

    def __init__(self, limit: int) -> None:
        self._record(limit=limit)


class LoginTimeout(ChatError):
    code = "login-timeout"
    template = N_("You did not log in within {seconds:duration}. Closing the connection.")

    def __init__(self, seconds: float) -> None:
        self._record(seconds=seconds)


class IdleWarning(ChatError):
    code = "idle-warning"
    template = N_("You have been idle for {idle:duration}. Type anything within "
                  "{remaining:duration} to stay connected.")

    def __init__(self, idle: float, remaining: float) -> None:
        self._record(idle=idle, remaining=remaining)


class IdleTimeout(ChatError):
    code = "idle-timeout"
    template = N_("You were idle for {seconds:duration}. Closing the connection.")

    def __init__(self, seconds: float) -> None:
        self._record(seconds=seconds)


# Refusals: a connection over a limit reads one of these, then is closed.


class ServerFull(ChatError):
    code = "server-full"
    template = N_("The server is full ({limit} connections). Try again later.")

    def __init__(self, limit: int) -> None:
        self._record(limit=limit)


class TooManyFromAddress(ChatError):
    code = "too-many-connections"
    template = N_("Too many connections from your address (at most {limit} at once). "
                  "Close one and try again.")

    def __init__(self, limit: int) -> None:
        self._record(limit=limit)


class ConnectingTooFast(ChatError):
    code = "connecting-too-fast"
    template = N_("Too many connections from your address in the last minute "
                  "(at most {limit}). Try again in {wait:duration}.")

    def __init__(self, limit: int, wait: float) -> None:
        self._record(limit=limit, wait=wait)


# Storage: history, registered names, lasting rooms.


class NotStored(ChatError):
    code = "not-stored"
    template = N_("Your message could not be stored, so it was not sent. Try again.")

    def __init__(self) -> None:
        self._record()


class NoHistory(ChatError):
    code = "no-history"
    template = N_("This server runs without memory: no history, registered names "
                  "or lasting rooms.")

    def __init__(self) -> None:
        self._record()


class ClusterUnavailable(ChatError):
    """The nodes cannot reach each other (Redis is away): names cannot be taken for now."""

    code = "cluster-unavailable"
    template = N_("The servers of this chat cannot reach each other just now, so no name can "
                  "be taken. Try again in a moment.")

    def __init__(self) -> None:
        self._record()


class HistoryUnavailable(ChatError):
    code = "history-unavailable"
    template = N_("The history could not be read just now. Try again.")

    def __init__(self) -> None:
        self._record()


class SearchTooManyWords(ChatError):
    code = "usage"
    template = N_("A search takes at most {limit} words. Leave some out.")

    def __init__(self, limit: int) -> None:
        self._record(limit=limit)


class SearchTooSlow(ChatError):
    """Raised on the search's own thread, past its time: the search stops there."""

    code = "search-too-slow"
    template = N_("That search took more than {seconds:g} seconds and was stopped. "
                  "Use fewer short words, or longer ones.")

    def __init__(self, seconds: float) -> None:
        self._record(seconds=seconds)


class SearchBusy(ChatError):
    code = "search-busy"
    template = N_("Too many searches are running just now. Try again in a moment.")

    def __init__(self) -> None:
        self._record()


class AlreadyNamed(ChatError):
    code = "already-named"
    template = N_("You are already {name}.")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class NotANumber(ChatError):
    code = "usage"
    template = N_("Usage: /{usage} (N is a number of lines, such as 50)")

    def __init__(self, usage: str) -> None:
        self._record(usage=usage)


class PasswordRequired(ChatError):
    code = "password-required"
    template = N_("The name '{name}' is registered. Log in with: login {name} PASSWORD")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class PasswordNotNeeded(ChatError):
    code = "not-registered"
    template = N_("The name '{name}' is not registered; log in without a password: login {name}")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class TooManyGuesses(ChatError):
    code = "too-many-guesses"
    template = N_("Too many wrong passwords for '{name}' lately. Try again in {wait:duration}.")

    def __init__(self, name: str, wait: float) -> None:
        self._record(name=name, wait=wait)


class WrongPassword(ChatError):
    code = "wrong-password"
    template = N_("Wrong password for '{name}'.")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class NameRegistered(ChatError):
    code = "name-registered"
    template = N_("The name '{name}' is registered to someone; choose another.")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class AlreadyRegistered(ChatError):
    code = "already-registered"
    template = N_("'{name}' is already registered. To change its password: /password OLD NEW")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class NotRegistered(ChatError):
    code = "not-registered"
    template = N_("'{name}' is not a registered name, needed for {doing:word}. "
                  "Register it first: /register PASSWORD")

    def __init__(self, name: str, doing: str) -> None:
        self._record(name=name, doing=doing)


class BadPassword(ChatError):
    code = "bad-password"
    template = N_("A password is {shortest} to {longest} characters, with no spaces.")

    def __init__(self, shortest: int, longest: int) -> None:
        self._record(shortest=shortest, longest=longest)


class Busy(ChatError):
    code = "busy"
    template = N_("Still checking a password: that line was dropped. Wait a moment.")

    def __init__(self) -> None:
        self._record()


class NotKeeper(ChatError):
    code = "not-keeper"
    template = N_("Only the one who registered {room} can do that.")

    def __init__(self, room: str) -> None:
        self._record(room=room)


class MainRoomLasts(ChatError):
    code = "main-room"
    template = N_("{room} is the main room: it always exists and has no owner.")

    def __init__(self, room: str) -> None:
        self._record(room=room)


class RoomAlreadyRegistered(ChatError):
    code = "room-registered"
    template = N_("{room} is already registered.")

    def __init__(self, room: str) -> None:
        self._record(room=room)


class RoomNotRegistered(ChatError):
    code = "room-not-registered"
    template = N_("{room} is not registered.")

    def __init__(self, room: str) -> None:
        self._record(room=room)


# Keeping order (twisted_chat.core.moderation)

class NotOperator(ChatError):
    code = "not-operator"
    template = N_("Only an operator of {room} may do that.")
    template_owner = N_("Only the owner of {room} (or a server operator) may do that.")

    def __init__(self, room: str, owner: bool = False) -> None:
        self._record(self.template_owner if owner else None, room=room)


class NotServerOperator(ChatError):
    code = "not-server-operator"
    template = N_("Only a server operator may do that.")

    def __init__(self) -> None:
        self._record()


class Outranked(ChatError):
    code = "outranked"
    template = N_("You cannot act against {name}: they are {rank:word}.")

    def __init__(self, name: str, rank: str) -> None:
        self._record(name=name, rank=rank)


class NotHere(ChatError):
    code = "not-here"
    template = N_("{name} is not in {room}.")

    def __init__(self, name: str, room: str) -> None:
        self._record(name=name, room=room)


class MainRoomOperators(ChatError):
    code = "main-room"
    template = N_("{room} is the main room: only a server operator may make its operators.")

    def __init__(self, room: str) -> None:
        self._record(room=room)


class AlreadyOperator(ChatError):
    code = "already-operator"
    template = N_("{name} is an operator of {room} already.")

    def __init__(self, name: str, room: str) -> None:
        self._record(name=name, room=room)


class NotAnOperator(ChatError):
    code = "not-an-operator"
    template = N_("{name} is not an operator of {room}.")

    def __init__(self, name: str, room: str) -> None:
        self._record(name=name, room=room)


class Banned(ChatError):
    code = "banned"
    template = N_("You are banned from {room:place}.")
    template_timed = N_("You are banned from {room:place} for {wait:span} more.")
    template_reason = N_("You are banned from {room:place}: {reason}")
    template_timed_reason = N_("You are banned from {room:place} for {wait:span} more: {reason}")

    def __init__(self, room: str, wait: float | None, reason: str | None) -> None:
        template = {(False, False): None, (True, False): self.template_timed,
                    (False, True): self.template_reason,
                    (True, True): self.template_timed_reason}[wait is not None, bool(reason)]
        args: dict[str, object] = {"room": room}
        if wait is not None:
            args["wait"] = wait
        if reason:
            args["reason"] = reason
        self._record(template, **args)


class Muted(ChatError):
    code = "muted"
    template = N_("You are muted in {room:place}: you may read, not speak.")
    template_timed = N_("You are muted in {room:place} for {wait:span} more: you may read, "
                        "not speak.")

    def __init__(self, room: str, wait: float | None) -> None:
        if wait is None:
            self._record(room=room)
        else:
            self._record(self.template_timed, room=room, wait=wait)


class SlowMode(ChatError):
    code = "slow-mode"
    template = N_("{room} is in slow mode: one line each per {every:duration}. "
                  "You may speak again in {wait:duration}.")

    def __init__(self, room: str, every: float, wait: float) -> None:
        self._record(room=room, every=every, wait=wait)


class QuietNewcomer(ChatError):
    code = "quiet"
    template = N_("Newcomers to {room} wait {quiet:duration} before speaking. "
                  "You may speak in {wait:duration}.")

    def __init__(self, room: str, quiet: float, wait: float) -> None:
        self._record(room=room, quiet=quiet, wait=wait)


class InviteOnly(ChatError):
    code = "invite-only"
    template = N_("{room} is invite-only: ask one of its operators for an /invite.")

    def __init__(self, room: str) -> None:
        self._record(room=room)


class KeyNeeded(ChatError):
    code = "wrong-key"
    template = N_("{room} needs its key: join {room} KEY")
    template_wrong = N_("That is not the key of {room}.")

    def __init__(self, room: str, given: bool) -> None:
        self._record(self.template_wrong if given else None, room=room)


class RoomFull(ChatError):
    code = "room-full"
    template = N_("{room} is full: at most {limit} members.")

    def __init__(self, room: str, limit: int) -> None:
        self._record(room=room, limit=limit)


class ServerLocked(ChatError):
    code = "server-locked"
    template = N_("The server is locked: no new logins for now. Try again later.")

    def __init__(self) -> None:
        self._record()


class NotBanned(ChatError):
    code = "not-banned"
    template = N_("{target} is not {what:word} in {room:place}.")

    def __init__(self, target: str, what: str, room: str) -> None:
        self._record(target=target, what=what, room=room)


class BadAddress(ChatError):
    code = "bad-address"
    template = N_("{name} has no address to ban (a local connection): ban the name instead.")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class ReasonTooLong(ChatError):
    code = "reason-too-long"
    template = N_("The reason is too long: at most {limit} characters.")

    def __init__(self, limit: int) -> None:
        self._record(limit=limit)


class TooManySanctions(ChatError):
    code = "too-many"
    template = N_("{room} has {limit} {what:word} already: lift some first.")

    def __init__(self, room: str, limit: int, what: str) -> None:
        self._record(room=room, limit=limit, what=what)


class BadSetting(ChatError):
    code = "usage"
    template = N_("Usage: /room {usage:word}")

    def __init__(self, usage: str) -> None:
        self._record(usage=usage)


class IgnoreSelf(ChatError):
    code = "ignore-self"
    template = N_("You cannot ignore yourself.")

    def __init__(self) -> None:
        self._record()


class NotIgnoring(ChatError):
    code = "not-ignoring"
    template = N_("You do not ignore {name}.")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class AlreadyIgnoring(ChatError):
    code = "already-ignoring"
    template = N_("You ignore {name} already.")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class IgnoreListFull(ChatError):
    code = "too-many"
    template = N_("You ignore {limit} people already: /unignore some first.")

    def __init__(self, limit: int) -> None:
        self._record(limit=limit)


class NameBanned(ChatError):
    code = "banned"
    template = N_("The name {name} is banned from this server.")

    def __init__(self, name: str) -> None:
        self._record(name=name)


class NotYourself(ChatError):
    code = "not-yourself"
    template = N_("You cannot do that to yourself.")

    def __init__(self) -> None:
        self._record()


class AlreadyIn(ChatError):
    code = "already-there"
    template = N_("{name} is in {room} already.")

    def __init__(self, name: str, room: str) -> None:
        self._record(name=name, room=room)


class NotAnAddress(ChatError):
    code = "bad-address"
    template = N_("{text!r} is not an address: give an IPv4 address (203.0.113.7), an IPv6 one "
                  "(its /64 is banned), or @NAME for that user's.")

    def __init__(self, text: str) -> None:
        self._record(text=text)


class BadDuration(ChatError):
    code = "bad-duration"
    template = N_("{text!r} is not a length: give 30s, 10m, 2h or 7d (at most 365d), or none to "
                  "last.")

    def __init__(self, text: str) -> None:
        self._record(text=text)


class MainRoomOpen(ChatError):
    code = "main-room"
    template = N_("{room} is the main room: everyone logged in is in it, so it takes no "
                  "invitations, key or limit (a server operator can /lock the server for a raid).")

    def __init__(self, room: str) -> None:
        self._record(room=room)


class LockUnchanged(ChatError):
    code = "lock-unchanged"
    template = N_("The server is locked already.")
    template_open = N_("The server is not locked.")

    def __init__(self, on: bool) -> None:
        self._record(None if on else self.template_open)


class NoConfigFile(ChatError):
    code = "no-config"
    template = N_("There is no file to reload: the server was started without --config.")

    def __init__(self) -> None:
        self._record()


class NotReloaded(ChatError):
    code = "not-reloaded"
    #: ``problem`` is the file's mistake, worded as at start-up (in English, as the log has it).
    template = N_("Nothing was reloaded: {problem}")

    def __init__(self, problem: str) -> None:
        self._record(problem=problem)
