"""
What a line means depends on the state the session is in.

As in the book, a session is always in exactly one state: logging in, in a
room, or logged out.  Each command is one method on the state where it makes
sense; :mod:`twisted_chat.core.commands` finds them.  A state decides and
reports; the :class:`~twisted_chat.core.chat.Chat` changes users and rooms;
the session (:class:`~twisted_chat.interfaces.ISession`), whatever its front
end, does the I/O.

Dispatch rules: ``/word`` is always a command.  Before login nothing is chat,
so a bare first word is a command too.  In a room a line without a slash is a
command only when it cannot be chat: one of the book's words alone (``look``,
``quit``), a setting word with one of its values (``format json``), ``help``
with a command's name, ``say TEXT``; or a command that takes a password
(whatever the shape: a password is never chat).  Any other line is chat
(``quit joking around``, ``create fun``), and ``//text`` sends ``/text`` as
chat.  A chat line shaped like a room command earns its sender a hint.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from twisted.logger import Logger
from zope.interface import implementer

from twisted_chat.core import charsets, errors, events, names
from twisted_chat.core.chat import DEFAULT_HISTORY, MAX_HISTORY, Chat
from twisted_chat.core.commands import (
    BOOK_WORDS,
    PLEAS,
    ROOM_WORDS,
    SECRET_WORDS,
    SWITCH,
    Command,
    command,
    commands_of,
    split,
)
from twisted_chat.core.formats import FORMATS
from twisted_chat.core.moderation import SETTINGS, Rank
from twisted_chat.core.sanitise import clean
from twisted_chat.core.users import User
from twisted_chat.i18n import N_, languages
from twisted_chat.interfaces import ISession, IState

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred
    from twisted.python.failure import Failure

    from twisted_chat.interfaces import IAccounts

_log = Logger()

#: Lines kept while a command waits; more are refused (flood control already limits them).
MAX_HELD = 64
#: Seconds a password's hash takes to check, at most, after its turn has come.
CHECK_TIME = 5.0

#: What a browser (or curl) sends first: this is not a chat client.
HTTP_REQUEST = re.compile(r"[A-Z]+ \S+ HTTP/\d(\.\d)?")


def is_command_name(word: str) -> bool:
    """
    Whether ``word``, after ``help`` without a slash, asks about a command:
    ``help look`` and ``help /me`` do, but ``help me`` is a plea (chat).
    """
    name = word.lstrip("/").lower()
    return name in KNOWN and (word.startswith("/") or name not in PLEAS)


@implementer(IState)
class State:
    """The commands every state shares, and the dispatch of a line to a command."""

    commands: ClassVar[dict[str, Command]] = {}
    #: Words that are commands without a slash; None means every command word.
    bare_words: ClassVar[frozenset[str] | None] = None

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls.commands = commands_of(cls)

    def __init__(self, session: ISession, chat: Chat) -> None:
        self.session = session
        self.chat = chat
        #: Lines that came while a command waited (on a password check): they wait too.
        self.held: list[str] | None = None

    def hold(self, work: Deferred[Any]) -> None:
        """Until ``work`` is done, lines wait, so that each acts after the one before."""
        self.held = []
        work.addBoth(self._resume)

    def _resume(self, result: object) -> object:
        held, self.held = self.held or [], None
        for line in held:
            # The command may have changed the state (logged in): the lines go to the new one.
            self.session.state.line_received(line)
        return result

    def enter(self) -> None:
        """Called when the session enters this state."""

    def encoding_changed(self, old: str, new: str) -> None:
        """The session reads another encoding now: nothing of this state's was read in the old."""

    def end(self, reason: str) -> None:
        """
        The session is over, for ``reason``: let go of what this state holds.

        Called when the connection is gone, whoever closed it, or when the
        server cuts it (``kick``), whatever the front end.
        """
        self.session.become(LoggedOutState(self.session, self.chat))

    def kick(self, error: errors.ChatError, reason: str) -> None:
        """Abuse or a timeout: say why in one line, end the session, and close."""
        self.fail(error)
        self.end(reason)
        self.close()

    def close(self) -> None:
        """Close the session once what it was told so far has gone out."""
        self.chat.later(self.session.close)

    def timed_out(self) -> None:
        """The timeout this state set ran out."""

    def line_received(self, line: str) -> None:
        """Act on one decoded line; every mistake becomes one error line."""
        if self.held is not None:
            if len(self.held) >= MAX_HELD:
                self.fail(errors.Busy())
            else:
                self.held.append(line)
            return
        try:
            self.dispatch(clean(line).strip())
        except errors.ChatError as error:
            self.fail(error)
        except Exception:
            _log.failure("A command failed")
            self.fail(errors.InternalError())

    def fail(self, error: errors.ChatError) -> None:
        self.reply(self.chat.error(error))

    def dispatch(self, line: str) -> None:
        if not line:
            return
        if line.startswith("//"):
            self.text(line[1:])
            return
        slash = line.startswith("/")
        word, rest = split(line[1:] if slash else line)
        name = word.lower()
        if not slash and not self.is_bare_command(name, rest):
            self.text(line)
            return
        found = self.commands.get(name)
        if found is None:
            self.unavailable(name)
        self.run(found, rest)

    def is_bare_command(self, name: str, rest: str) -> bool:
        """Whether a line without a slash is a command (of any state) rather than text."""
        known = KNOWN.get(name)
        if known is None:
            return False
        if self.bare_words is None or name in SECRET_WORDS:
            return True
        return name in self.bare_words and known.bare(rest)

    def run(self, found: Command, rest: str) -> None:
        args = found.bind(rest)
        if args is None:
            raise errors.Usage(found.usage)
        getattr(self, found.method)(*args)

    def rank(self) -> int:
        """The user's rank where they are: what help lists (none before login)."""
        return Rank.MEMBER

    def unavailable(self, name: str) -> NoReturn:
        """A command this state does not offer: say whether it exists at all."""
        if name in KNOWN:
            raise errors.NotAvailableHere(name)
        raise errors.UnknownCommand(name)

    def text(self, line: str) -> None:
        """A line that is not a command."""
        raise NotImplementedError

    def reply(self, event: events.Event) -> None:
        """Answer this connection, after what the chat decided before (a line being stored)."""
        self.chat.tell(self.session, event)

    # Commands open in every state

    @command("help [COMMAND]", "h", "?", bare={"COMMAND": is_command_name})
    def do_help(self, name: str | None = None) -> None:
        """List the commands you can use now, or explain one.

        With a command name (with or without its slash), shows its usage,
        its aliases and what it does.
        """
        now = self.chat.clock()
        if name is None:
            unique = {found.name: found for found in self.commands.values()
                      if found.needs <= self.rank()}
            self.reply(events.Help(now, tuple(unique[key].help() for key in sorted(unique))))
            return
        word = name.lstrip("/").lower()
        found = self.commands.get(word)
        if found is None:
            self.unavailable(word)
        self.reply(events.Help(now, (found.help(),), detailed=True))

    @command("format [NAME]", bare={"NAME": lambda name: name.lower() in FORMATS})
    def do_format(self, name: str | None = None) -> None:
        """Show or set your output format: text (for people) or json (for programs).

        In json every event is one JSON object on its own line; README.rst
        documents the fields.
        """
        if name is not None:
            chosen = name.lower()
            if chosen not in FORMATS:
                raise errors.UnknownFormat(name, ", ".join(FORMATS))
            self.session.configure(format=chosen)
        self.reply(events.FormatChanged(self.chat.clock(), self.session.format.name))

    @command("encoding [NAME]", "charset",
             bare={"NAME": lambda name: charsets.lookup(name) is not None})
    def do_encoding(self, name: str | None = None) -> None:
        """Show or set the character encoding your terminal uses.

        UTF-8 unless you choose: gbk or gb18030 for Simplified Chinese,
        big5, shift_jis, euc-kr, latin-1, cp1252 and more; /encoding lists
        them.  Lines you read are sent in it; characters it cannot show
        arrive as ?.
        """
        if name is None:
            self.reply(events.Encoding(self.chat.clock(), self.session.settings.encoding,
                                       choices=tuple(charsets.ENCODINGS)))
            return
        chosen = charsets.lookup(name)
        if chosen is None:
            raise errors.UnknownEncoding(name, ", ".join(charsets.ENCODINGS))
        settings = self.session.settings
        if settings.encoding_fixed and chosen != settings.encoding:
            raise errors.EncodingFixed(settings.encoding)
        self.session.configure(encoding=chosen)
        self.reply(events.Encoding(self.chat.clock(), chosen))

    @command("color [on|off]", "colour", bare={"on|off": lambda switch: switch.lower() in SWITCH})
    def do_color(self, switch: str | None = None) -> None:
        """Show or switch colour for the line markers (text format; off by default).

        Only the markers (<name>, ***, !) are coloured, never what people wrote.
        """
        if switch is not None:
            on = SWITCH.get(switch.lower())
            if on is None:
                raise errors.BadSwitch("color")
            self.session.configure(color=on)
        self.reply(events.Color(self.chat.clock(), self.session.settings.color))


    @command("lang [CODE]", "language",
             bare={"CODE": lambda code: languages.lookup(code) is not None})
    def do_lang(self, code: str | None = None) -> None:
        """Show or set the language the server writes to you in: en, zh-CN or zh-TW.

        Everything the server says (notices, errors, help, listings) follows;
        what people write is never translated.  zh-CN is Simplified Chinese,
        zh-TW Traditional Chinese.
        """
        if code is None:
            current = languages.get(self.session.settings.language)
            self.reply(events.LanguageChanged(self.chat.clock(), current.code, current.name,
                                              choices=tuple(languages.LANGUAGES)))
            return
        chosen = languages.lookup(code)
        if chosen is None:
            raise errors.UnknownLanguage(code, ", ".join(languages.LANGUAGES))
        self.session.configure(language=chosen.code)
        self.reply(events.LanguageChanged(self.chat.clock(), chosen.code, chosen.name))


class LoginState(State):
    """Connected, not yet named: only login, help, format and quit make sense."""

    def fail(self, error: errors.ChatError) -> None:
        """A mistake before login: one more failed login (or refusal) for the metrics."""
        super().fail(error)
        self.chat.hub.counters.login_refused(error.code)

    def __init__(self, session: ISession, chat: Chat, connected_at: float) -> None:
        super().__init__(session, chat)
        self.connected_at = connected_at
        self.lines = 0

    def end(self, reason: str) -> None:
        self.chat.log.info("connections that never logged in",
                           "A connection from {address} ended before logging in: {reason}",
                           address=self.session.address or "a local socket", reason=reason)
        super().end(reason)

    def enter(self) -> None:
        self.session.setTimeout(self.chat.limits.login_timeout or None)
        if self.session.format.name == "json":
            # A program (the browser page) learns at once which language the
            # sentences are in, to word its own labels in it.
            language = languages.get(self.session.settings.language)
            self.reply(events.LanguageChanged(self.chat.clock(), language.code, language.name))
        self.reply(events.Notice.words(
            self.chat.clock(),
            N_("Welcome to {server}!\n"
               "Log in with: login NAME    Help: /help    Language: /lang    Leave: /quit"),
            server=self.chat.server_name))

    def line_received(self, line: str) -> None:
        """Lines before login are few: a browser is sent away, a babbler cut off."""
        if not line.strip():
            return
        self.lines += 1
        if self.lines == 1 and HTTP_REQUEST.fullmatch(line.strip()):
            self.kick(errors.NotHttp(), N_("not a chat client"))
            return
        limit = self.chat.limits.login_lines
        if limit and self.lines > limit:
            self.kick(errors.TooManyLinesBeforeLogin(limit), N_("too many lines before login"))
            return
        super().line_received(line)

    def timed_out(self) -> None:
        self.kick(errors.LoginTimeout(self.chat.limits.login_timeout), N_("login timeout"))

    def text(self, line: str) -> None:
        raise errors.LoginRequired()

    def unavailable(self, name: str) -> NoReturn:
        if name in KNOWN:
            raise errors.LoginRequired()
        super().unavailable(name)

    @command("login NAME [PASSWORD]")
    def do_login(self, name: str, password: str | None = None) -> None:
        """Take a name and enter the main room.

        Names are 1 to 24 letters (any script), digits, _ or -, starting with
        a letter; nobody else online may have the same name in any case.
        A registered name (see /register) needs its password.
        """
        name = self.chat.check_free(name)
        key = names.key(name)
        accounts = self.chat.accounts
        if accounts is None or not accounts.registered(key):
            if password is not None:
                raise errors.PasswordNotNeeded(name)
            self._enter(name, None)
            return
        if password is None:
            raise errors.PasswordRequired(name)
        address = self.chat.address_of(self.session)
        wait = accounts.wait(key, address)
        checked = accounts.verify(key, password, address)
        self._leave_time_for_the_check(wait)
        checked.addCallback(self._verified, name, key).addErrback(self._check_failed)
        self.hold(checked)

    def _leave_time_for_the_check(self, wait: float) -> None:
        """
        A guess may wait its turn (twisted_chat.core.guessing): the login timeout
        leaves it that long, and the time to check it, but no more.
        """
        timeout = self.chat.limits.login_timeout
        if timeout:
            left = timeout - (self.chat.clock() - self.connected_at)
            if left < wait + CHECK_TIME:
                self.session.setTimeout(wait + CHECK_TIME)

    def _verified(self, right: bool, name: str, key: str) -> None:
        if self.session.state is not self:
            return  # Gone, or given up, while the password was being checked.
        if not right:
            self.fail(errors.WrongPassword(name))
            return
        try:
            self._enter(name, key)
        except errors.ChatError as error:
            self.fail(error)

    def _check_failed(self, failure: Failure) -> None:
        _log.failure("Checking a password failed", failure)
        if self.session.state is self:
            self.fail(errors.InternalError())

    def _enter(self, name: str, account: str | None) -> None:
        claimed = self.chat.claim(name)
        if claimed is None:
            self._log_in(name, account)
            return
        # In a cluster: the name is this node's first, on every node at once.
        self.hold(claimed.addCallback(self._claimed, name, account).addErrback(self._not_claimed))

    def _claimed(self, _: object, name: str, account: str | None) -> None:
        if self.session.state is self:
            self._log_in(name, account)
        else:
            self.chat.peers.release(name)  # They left while it was being taken.

    def _not_claimed(self, failure: Failure) -> None:
        if self.session.state is not self:
            return
        if failure.check(errors.ChatError):
            self.fail(failure.value)
        else:
            _log.failure("Taking a name across the cluster failed", failure)
            self.fail(errors.InternalError())

    def _log_in(self, name: str, account: str | None) -> None:
        try:
            user = self.chat.login(self.session, name, self.connected_at, account)
        except errors.ChatError:
            self.chat.peers.release(name)
            raise
        self.session.become(RoomState(self.session, self.chat, user))

    @command("quit [MESSAGE...]", "logout")
    def do_quit(self, message: str | None = None) -> None:
        """Close the connection."""
        self.reply(events.Goodbye.words(self.chat.clock(), N_("Goodbye.")))
        self.session.become(LoggedOutState(self.session, self.chat))
        self.close()


class RoomState(State):
    """
    Logged in and in a room: the room decides who hears what you say.
    """

    bare_words = BOOK_WORDS

    def __init__(self, session: ISession, chat: Chat, user: User) -> None:
        super().__init__(session, chat)
        self.user = user
        self.warned = False
        #: The name was read again in the encoding the lines showed (once: a
        #: user whose lines swing back and forth is not renamed each time).
        self.reread = False

    def encoding_changed(self, old: str, new: str) -> None:
        """
        The name was read in the encoding before, which the lines now show
        was wrong (``毛`` typed in GBK read as UTF-8 ``ë``): read it again,
        and rename, as /nick does but not counted against it; or say why not.
        """
        name = self.user.name
        if self.reread or name.isascii():
            return
        self.reread = True
        try:
            self.chat.rename(self.user, name.encode(old).decode(new), counted=False)
            return
        except UnicodeError:
            pass
        except errors.ChatError as error:
            self.fail(error)
        self.reply(events.Notice.words(self.chat.clock(), N_(
            "Your name was read in {old} before your text showed {new}; it stays {name}. "
            "Type /nick NAME to change it."), old=old.upper(), new=new.upper(), name=name))

    def enter(self) -> None:
        self._await_idle()

    def rank(self) -> int:
        return self.chat.moderation.rank(self.user, self.chat.room_of(self.user))

    def line_received(self, line: str) -> None:
        self.chat.touch(self.user)
        if self.warned:
            self._await_idle()
        else:
            self.session.resetTimeout()
        super().line_received(line)

    def end(self, reason: str) -> None:
        self.chat.drop(self.user, reason)
        super().end(reason)

    def timed_out(self) -> None:
        limits = self.chat.limits
        # The limit may have changed since the timer was set (a reload): idle
        # users may stay now, or have longer, or the warning is due.
        quiet = self.chat.clock() - self.user.last_active
        due = limits.idle_timeout - limits.idle_warning
        if not limits.idle_timeout or (not self.warned and quiet < due):
            self.warned = False
            self.session.setTimeout(due - quiet if limits.idle_timeout else None)
            return
        if self.warned:
            self.kick(errors.IdleTimeout(limits.idle_timeout), N_("idle timeout"))
            return
        self.warned = True
        self.fail(errors.IdleWarning(limits.idle_timeout - limits.idle_warning,
                                     limits.idle_warning))
        self.session.setTimeout(limits.idle_warning)

    def _await_idle(self) -> None:
        """Time the idle warning from now (no timeout if idle users may stay)."""
        limits = self.chat.limits
        self.warned = False
        self.session.setTimeout(limits.idle_timeout - limits.idle_warning
                                   if limits.idle_timeout else None)

    def text(self, line: str) -> None:
        self.chat.say(self.user, line)
        self._hint(line)

    def _hint(self, line: str) -> None:
        """
        A line said that has a room command's shape (``create fun``, from a
        multi-room tutorial), or that asks for help (``help me``, a lost
        newcomer's first words): tell its sender alone how to run the command.
        """
        word, rest = split(line)
        word = word.lower()
        if word in ROOM_WORDS and self.commands[word].bind(rest) is not None:
            self.reply(events.SentAsChat(self.chat.clock(), f"/{word} {rest}"))
        elif rest and self.commands.get(word) is self.commands["help"]:
            self.reply(events.SentAsChat(self.chat.clock(), "/help"))

    @command("say TEXT...", bare={"TEXT": lambda text: True})
    def do_say(self, text: str) -> None:
        """Say something to everyone in the room; most lines without a slash do too (/help say).

        Without a slash, a line is a command only when it could not be chat:
        look, who, list, logout, quit, help or h alone;
        help or h with a command's name (help look; help me is chat, help /me is not);
        format, color, encoding or lang alone or with one of its values
        (format json, color on, encoding gbk, lang zh-CN);
        say TEXT; and login, register or password, whatever follows (a password is never chat).
        Anything else is chat, quit joking around and create fun too:
        type the slash for the rest (/quit bye, /create fun).
        (The browser and desktop clients send every line without a slash as chat,
        except a password's.)
        """
        self.chat.say(self.user, text)

    @command("me ACTION...")
    def do_me(self, action: str) -> None:
        """Act something out: /me waves shows as * YOURNAME waves."""
        self.chat.emote(self.user, action)

    @command("msg NAME TEXT...", "tell", "whisper")
    def do_msg(self, name: str, text: str) -> None:
        """Send a private message to someone online, in any room.

        You see a copy of what you sent.
        """
        self.chat.private(self.user, name, text)

    @command("look")
    def do_look(self) -> None:
        """Who is in this room, and its topic."""
        self.reply(self.chat.room_info(self.chat.room_of(self.user)))

    @command("who")
    def do_who(self) -> None:
        """Everyone online, and the room each is in."""
        self.reply(self.chat.who())

    @command("whois NAME")
    def do_whois(self, name: str) -> None:
        """Where someone is, how long they have been connected and idle."""
        self.reply(self.chat.whois(name))

    @command("list")
    def do_list(self) -> None:
        """The rooms, how many are in each, and their topics."""
        self.reply(self.chat.room_list())

    @command("create ROOM")
    def do_create(self, room: str) -> None:
        """Make a new room and go into it; you own it.

        It goes away when its last member leaves.
        """
        self.chat.create(self.user, room)

    @command("join ROOM [KEY]", "select")
    def do_join(self, room: str, key: str | None = None) -> None:
        """Go to another room that exists; both rooms are told.

        A room with a key (/room key) needs it: join ROOM KEY.
        """
        self.chat.join(self.user, room, key)

    @command("leave", "part")
    def do_leave(self) -> None:
        """Go back to the main room."""
        self.chat.leave(self.user)

    @command("topic [TEXT...]")
    def do_topic(self, text: str | None = None) -> None:
        """Show this room's topic, or set it (the room's owner and operators)."""
        if text is None:
            room = self.chat.room_of(self.user)
            self.reply(events.Topic(self.chat.clock(), room.name, room.topic))
        else:
            self.chat.set_topic(self.user, text)

    @command("history [N]")
    def do_history(self, count: str | None = None) -> None:
        """Show this room's last N lines (20 if no N), with the time each was said."""
        self.chat.history(self.user, _count(count, "history [N]"))

    @command("search WORDS...")
    def do_search(self, words: str) -> None:
        """Find this room's past lines holding all of WORDS (any case, any part of a word)."""
        self.hold(self.chat.search(self.user, words))

    @command("register PASSWORD")
    def do_register(self, password: str) -> None:
        """Register your name: from then on, login NAME PASSWORD is needed to use it.

        A password is 6 to 128 characters without spaces.  It is stored only
        as an Argon2 hash.  Telnet shows what you type: mind who can see
        your screen, and your terminal's scrollback.
        """
        accounts = self._accounts()
        user = self.user
        address = self.chat.address_of(self.session)
        self.hold(accounts.register(user.key, user.name, password, address).addCallbacks(
            self._registered, self._not_saved, callbackArgs=(user,)))

    def _registered(self, _: object, user: User) -> None:
        user.account = user.key
        self.chat.peers.registered(user.key, user.name)
        if self.session.state is self:
            self.reply(events.Notice.words(self.chat.clock(), N_(
                "{name} is registered. From now on log in with: login {name} PASSWORD"),
                name=user.name))

    @command("password OLD NEW")
    def do_password(self, old: str, new: str) -> None:
        """Change your registered name's password."""
        accounts = self._accounts()
        user = self.user
        if user.account != user.key:
            raise errors.NotRegistered(user.name, N_("a password"))
        address = self.chat.address_of(self.session)
        self.hold(accounts.change(user.key, user.name, old, new, address).addCallbacks(
            self._password_changed, self._not_saved, callbackArgs=(user.name,)))

    def _password_changed(self, right: bool, name: str) -> None:
        if self.session.state is not self:
            return
        if right:
            self.reply(events.Notice.words(self.chat.clock(), N_("Your password is changed.")))
        else:
            self.fail(errors.WrongPassword(name))

    def _not_saved(self, failure: Failure) -> None:
        if failure.check(errors.ChatError):
            # Registered meanwhile (on another node, its word not heard here yet).
            if self.session.state is self:
                self.fail(failure.value)
            return
        _log.failure("Saving an account failed", failure)
        if self.session.state is self:
            self.fail(errors.InternalError())

    def _accounts(self) -> IAccounts:
        if self.chat.accounts is None:
            raise errors.NoHistory()
        return self.chat.accounts

    @command("room [SETTING] [VALUE]")
    def do_room(self, setting: str | None = None, value: str | None = None) -> None:
        """This room's settings; an operator changes them, its owner registers it.

        /room alone shows them.  Operators: invite-only on|off (then /invite NAME),
        key KEY|off (then join ROOM KEY), limit N|off (members at most),
        slow SECONDS|off (one line each per SECONDS, operators excepted),
        quiet SECONDS|off (newcomers wait that long before speaking).
        The owner, under a registered name: register (the room lasts, with its
        topic, settings, operators and bans, when empty and across restarts,
        and is yours again whenever you come in) or unregister.
        """
        room = self.chat.room_of(self.user)
        if setting is None:
            self.reply(self.chat.moderation.settings(room))
            return
        chosen = setting.lower()
        if chosen in ("register", "unregister") and value is None:
            {"register": self.chat.register_room,
             "unregister": self.chat.unregister_room}[chosen](self.user)
        elif chosen in SETTINGS:
            self.chat.moderation.set(self.user, chosen, value)
        else:
            raise errors.Usage(f"room [{'|'.join(SETTINGS)}|register|unregister] [VALUE]")

    # Keeping order (twisted_chat.core.moderation)

    @command("op NAME", needs=Rank.OWNER)
    def do_op(self, name: str) -> None:
        """Make someone an operator of this room (its owner only).

        Operators kick, ban, mute, invite and change the room's settings.
        A registered name stays an operator of a registered room across restarts.
        """
        self.chat.moderation.op(self.user, name)

    @command("deop NAME", needs=Rank.OWNER)
    def do_deop(self, name: str) -> None:
        """Take someone's operator role in this room away (its owner only)."""
        self.chat.moderation.deop(self.user, name)

    @command("kick NAME [REASON...]", needs=Rank.OPERATOR)
    def do_kick(self, name: str, reason: str | None = None) -> None:
        """Put someone out of this room, back to the main room (operators).

        From the main room, a kick is out of the server.  They may come back unless banned.
        """
        self.chat.moderation.kick(self.user, name, reason)

    @command("ban NAME|ADDRESS [DURATION] [REASON...]", needs=Rank.OPERATOR)
    def do_ban(self, target: str, duration: str | None = None,
               reason: str | None = None) -> None:
        """Keep someone out of this room (operators); from the main room, out of the server.

        A ban by name holds for the name, its account if registered, and the
        connection (a rename does not escape it).  A ban by address
        (203.0.113.7, or @NAME for that user's) covers an IPv4 address or an
        IPv6 /64: mind a classroom behind one address.  DURATION is 30s, 10m,
        2h or 7d; without one the ban lasts until /unban.
        """
        self.chat.moderation.ban(self.user, target, duration, reason)

    @command("unban NAME|ADDRESS", needs=Rank.OPERATOR)
    def do_unban(self, target: str) -> None:
        """Lift a ban given in this room (operators)."""
        self.chat.moderation.unban(self.user, target)

    @command("bans", needs=Rank.OPERATOR)
    def do_bans(self) -> None:
        """The bans and mutes in force in this room, or the server's from the main room."""
        self.reply(self.chat.moderation.bans(self.user))

    @command("mute NAME [DURATION] [REASON...]", needs=Rank.OPERATOR)
    def do_mute(self, name: str, duration: str | None = None,
                reason: str | None = None) -> None:
        """Let someone read this room but not speak in it (operators).

        From the main room, a server operator's mute holds in every room, and
        for private messages too.  DURATION as for /ban.
        """
        self.chat.moderation.mute(self.user, name, duration, reason)

    @command("unmute NAME", needs=Rank.OPERATOR)
    def do_unmute(self, name: str) -> None:
        """Let someone muted speak again (operators)."""
        self.chat.moderation.unmute(self.user, name)

    @command("invite NAME", needs=Rank.OPERATOR)
    def do_invite(self, name: str) -> None:
        """Let someone into this room past invite-only, its key and its limit (operators).

        The pass is good once, or always for a registered name.
        """
        self.chat.moderation.invite(self.user, name)

    @command("audit [N]", needs=Rank.OPERATOR)
    def do_audit(self, count: str | None = None) -> None:
        """The last N acts of keeping order in this room (operators); server operators see all."""
        self.reply(self.chat.moderation.audit(self.user, _count(count, "audit [N]")))

    @command("disconnect NAME [REASON...]", "kill", needs=Rank.SERVER_OPERATOR)
    def do_disconnect(self, name: str, reason: str | None = None) -> None:
        """Put someone off the server (server operators)."""
        self.chat.moderation.disconnect(self.user, name, reason)

    @command("wall TEXT...", needs=Rank.SERVER_OPERATOR)
    def do_wall(self, text: str) -> None:
        """A notice to everyone online (server operators)."""
        self.chat.moderation.wall(self.user, text)

    @command("lock on|off", needs=Rank.SERVER_OPERATOR)
    def do_lock(self, switch: str) -> None:
        """No new logins but operators' (on), for a raid, or again anyone's (server operators)."""
        on = SWITCH.get(switch.lower())
        if on is None:
            raise errors.Usage(self.commands["lock"].usage)
        self.chat.moderation.lock(self.user, on)

    @command("reload", needs=Rank.SERVER_OPERATOR)
    def do_reload(self) -> None:
        """Read the config file again and apply what changed, nobody cut off (server operators)."""
        self.reply(self.chat.reload(self.user))

    @command("ignore [NAME]")
    def do_ignore(self, name: str | None = None) -> None:
        """Stop seeing someone's chat, emotes and private messages; alone, whom you ignore.

        They are not told.  A registered name's list lasts across logins.
        """
        ignoring = self.chat.ignoring
        self.reply(ignoring.listing(self.user) if name is None
                   else ignoring.ignore(self.user, name))

    @command("unignore NAME")
    def do_unignore(self, name: str) -> None:
        """See someone you ignored again."""
        self.reply(self.chat.ignoring.unignore(self.user, name))

    @command("nick NAME")
    def do_nick(self, name: str) -> None:
        """Change your name; the room is told."""
        claimed = self.chat.claim(self.chat.check_free(name, self.user))
        if claimed is None:
            self.chat.rename(self.user, name)
            return
        self.hold(claimed.addCallback(self._claimed, name).addErrback(self._not_claimed, name))

    def _claimed(self, _: object, name: str) -> None:
        if self.session.state is not self:
            self.chat.peers.release(name)
            return
        try:
            self.chat.rename(self.user, name)
        except errors.ChatError as error:
            if names.key(name) != self.user.key:
                self.chat.peers.release(name)
            self.fail(error)

    def _not_claimed(self, failure: Failure, name: str) -> None:
        if self.session.state is not self:
            return
        if failure.check(errors.ChatError):
            self.fail(failure.value)
        else:
            _log.failure("Taking a name across the cluster failed", failure)
            self.fail(errors.InternalError())

    @command("logout [MESSAGE...]", "quit")
    def do_logout(self, message: str | None = None) -> None:
        """Leave the chat; the room is told, with your message if you give one."""
        name = self.user.name
        self.chat.logout(self.user, message)
        self.reply(events.Goodbye.words(self.chat.clock(), N_("Goodbye, {name}."), name=name))
        self.session.become(LoggedOutState(self.session, self.chat))
        self.close()


class LoggedOutState(State):
    """Said goodbye; whatever still arrives before the close is ignored."""

    def enter(self) -> None:
        self.session.setTimeout(None)

    def end(self, reason: str) -> None:
        pass

    def line_received(self, line: str) -> None:
        pass

    def text(self, line: str) -> None:
        pass


def _count(count: str | None, usage: str) -> int:
    """A listing's N: 20 if none, a positive whole number, capped at what any listing shows."""
    if count is None:
        return DEFAULT_HISTORY
    # ASCII digits only: str.isdigit() also passes "²", which int() refuses.
    if not (count.isascii() and count.isdigit()) or not count.strip("0"):
        raise errors.NotANumber(usage)  # 0 lines is nothing to ask for
    # More digits than any count shown: int() of thousands of them would refuse too.
    return int(count) if len(count) <= 6 else MAX_HISTORY


#: Every command any state offers, so "not here" can be told from "no such command".
#: Named here, from the states that exist: a state defined elsewhere (a test's) adds nothing.
KNOWN: dict[str, Command] = {**LoginState.commands, **RoomState.commands}
