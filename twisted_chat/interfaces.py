"""
The seams, in one place: formats, clients, sessions and their states, the
hub, stores, accounts, and front ends.

Each has one implementation or more, checked against it with
``verifyObject`` in the tests.  The chat's rules (:mod:`twisted_chat.core`)
talk to everything else only through these: a new front end implements
:class:`IClient` and drives a session, a new hub :class:`IHub`, a new
backend :class:`IStore`, and nothing in the rules changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from zope.interface import Attribute, Interface

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from twisted_chat.core import errors, events
    from twisted_chat.core.quotas import Identity
    from twisted_chat.core.rooms import Room
    from twisted_chat.core.sanctions import Sanction
    from twisted_chat.core.users import User
    from twisted_chat.store.values import Account, KeptRules, LastingRoom, Sequenced, SequencedLine


class IFormat(Interface):
    """
    How one kind of client reads events: the rendering, and the framing.

    Formats are shared values (equal settings, the same object), so a
    broadcast frames a run of events once per format among its recipients.
    """

    name = Attribute("The format's name, as given to the format command.")

    def render(event: events.Event) -> bytes:
        """One event as one message: for the text and JSON formats, lines ending in CRLF."""

    def frame(run: Sequence[events.Event]) -> bytes:
        """
        The bytes a client is handed for a run of events: for a stream front
        end joined and escaped for its transport, for a message front end one
        message per event (a WebSocket frame each).
        """


class IClient(Interface):
    """What the hub may ask of a connected user, whatever the front end."""

    format = Attribute("The IFormat this client reads; shared, so compared by identity.")
    address = Attribute("The peer's IP address, or None (a local socket): for the limits "
                        "and the log.")

    def send(event: events.Event) -> None:
        """Frame ``event`` alone in this client's format and deliver it."""

    def deliver(payload: bytes) -> None:
        """Send what ``format.frame`` made, shared with every recipient of the same format."""

    def pause_input() -> None:
        """Stop taking lines from this client for now (its lines wait to be stored)."""

    def resume_input() -> None:
        """Take lines from this client again."""

    def dismiss() -> None:
        """
        The chat put this user off the server: what they send means nothing
        from now on, and the connection closes once what was decided before
        (their goodbye) has gone out.
        """


class IState(Interface):
    """What a session's lines mean now: logging in, in a room, or logged out."""

    def enter() -> None:
        """The session has entered this state."""

    def line_received(line: str) -> None:
        """Act on one decoded line; every mistake becomes one error line."""

    def encoding_changed(old: str, new: str) -> None:
        """The session reads ``new`` now: re-read what was read in ``old`` (a name)."""

    def fail(error: errors.ChatError) -> None:
        """Tell the user of ``error``, in its place in the output; the session goes on."""

    def kick(error: errors.ChatError, reason: str) -> None:
        """Abuse or a timeout: say why in one line, end the session, and close."""

    def timed_out() -> None:
        """The timeout this state set ran out."""

    def end(reason: str) -> None:
        """The session is over, for ``reason``: let go of what this state holds."""


class ISession(IClient):
    """
    What a state may ask of the session it drives: nothing of any one front
    end's.  Encoding, colour and width are settings the text format reads.
    """

    state = Attribute("The IState now deciding what lines mean: a state that waited on the "
                      "store checks it is still the one in charge.")
    settings = Attribute("The session's Settings: format name, encoding, colour, width.")

    def become(state: IState) -> None:
        """Make ``state`` decide what the following lines mean."""

    def configure(*, format: str | None = None, encoding: str | None = None,
                  color: bool | None = None, language: str | None = None) -> None:
        """
        The user's choice of how everything from now on is rendered: the
        format's name, the encoding (never guessed over again), colour, or the
        language (a code).
        """

    def close() -> None:
        """Send what is pending, then disconnect."""

    def setTimeout(seconds: float | None) -> object:
        """
        Call the state's ``timed_out`` after ``seconds`` without a new
        ``setTimeout`` or ``resetTimeout``; None means never.  (Twisted's
        ``TimeoutMixin`` names.)
        """

    def resetTimeout() -> None:
        """Start the current timeout's period again (activity)."""


class IHub(Interface):
    """
    What happens once the chat has decided: everything goes out in the order
    it was decided, a line said only once it is stored.  The local hub serves
    one process; a hub for several nodes publishes per room and each node
    fans out to its own members, with the chat's rules unchanged.
    """

    counters = Attribute("The Counters it adds to once per line, per broadcast and per error "
                         "told (twisted_chat.metrics.counters): what /metrics reads.")

    def say(user: User, room: Room, event: events.Message | events.Emote,
            audience: list[User] | None = None) -> None:
        """
        A line said in ``room``: stored if there is a store, then delivered to
        ``audience`` (the chat's choice of who hears it: those who ignore the
        sender are not in it), or to the room's members as they are now.
        """

    def tell(client: IClient, event: events.Event) -> None:
        """Send one user an event, after whatever was decided before it."""

    def announce(room: Room, event: events.Event, besides: User | None = None) -> None:
        """
        Send the room's members (as they are now), ``besides`` one of them, an
        event that is not kept: presence, topics, owners.
        """

    def after(action: Callable[[], object]) -> None:
        """Do something to a connection (close it) after the output decided before it."""

    def wait_for(stored: Deferred[Any]) -> None:
        """
        Output decided after this waits until ``stored`` has fired (a write
        of the store's), or until the store is given up on: an act is told
        once it is kept.
        """

    def recall(user: User, room: Room, reason: str,
               lines: Deferred[list[events.Line]]) -> None:
        """Lines the user asked for, being read, in their place in the user's output."""

    def replay(user: User, room: Room) -> None:
        """The room's last lines, to a user who just came in (if the hub replays any)."""

    def expire() -> None:
        """Give up waiting on what the store has not answered in time (every so often)."""


class IPeers(Interface):
    """
    The other nodes of a cluster (:mod:`twisted_chat.core.peers`): the chat
    tells them what it decided about its own users, so that they mirror
    them, and asks them before a name is taken.  Only this node's users are
    told of; each call follows the change it reports.
    """

    def claim(name: str) -> Deferred[None] | None:
        """
        Take ``name`` (and the forms it looks like) for this node: fires once
        taken, or fails with NameTaken if another node's user has it.  None:
        nobody to ask (a server alone), the name is free if the chat says so.
        """

    def release(name: str) -> None:
        """A name claimed and not used after all (the user left first) is free again."""

    def came(user: User) -> None:
        """``user`` logged in here (and is in their first room)."""

    def moved(user: User, old: Room) -> None:
        """``user`` went from ``old`` into the room they are in now."""

    def renamed(user: User, old: str) -> None:
        """``user`` was called ``old``: that name is free again."""

    def went(user: User, action: str, reason: str | None, told: bool) -> None:
        """
        ``user`` is gone (``action``: logout, drop), for ``reason``; ``told``:
        their room heard why already (put off the server).  Their name is free.
        """

    def room_changed(room: Room) -> None:
        """The room's topic, owner or keeper changed here."""

    def registered(key: str, name: str) -> None:
        """``name`` was registered here: it needs its password on every node now."""

    def sanctioned(sanction: Sanction) -> None:
        """A ban or mute was given here: it holds on every node."""

    def lifted(sanction: Sanction) -> None:
        """It was lifted here (or given again, anew)."""

    def locked(on: bool) -> None:
        """The server was locked (or unlocked) here: every node is."""

    def put_out(user: User, room: str | None, goodbye: events.Goodbye | None) -> None:
        """
        Another node's ``user`` is to be moved into ``room`` (their room heard
        why), or (None) put off the server with ``goodbye``: their node does it.
        """


class IStore(Interface):
    """
    Where history, registered names and lasting rooms are kept.

    Every call returns a Deferred and never blocks the reactor; calls take
    effect, and their Deferreds fire, in the order they were made, so a
    reply never overtakes the message before it.
    """

    latency = Attribute("A Histogram of its transactions' seconds, from begun to committed "
                        "(twisted_chat.metrics.counters).")
    failed = Attribute("How many operations the database failed or refused so far.")

    def append(message: events.Message | events.Emote, room: str) -> Deferred[int]:
        """Store a line said in the room whose key is ``room``; fires with its id once durable."""

    def recent(room: str, limit: int, before: int | None = None) -> Deferred[list[events.Line]]:
        """The room's last ``limit`` lines (before the id ``before``), oldest first."""

    def search(room: str, words: Sequence[str], limit: int) -> Deferred[list[events.Line]]:
        """The room's last ``limit`` lines holding every one of ``words``, oldest first."""

    def forget(id: int) -> Deferred[None]:
        """The line stored as ``id`` is no longer kept (its sender was told it was not)."""

    def account(key: str) -> Deferred[Account | None]:
        """The registered name whose key is ``key``, with its password hash, if any."""

    def save_account(key: str, name: str, hash: str) -> Deferred[None]:
        """Register ``name`` with this password hash, or change its hash."""

    def remember_address(key: str, address: str, keep: int) -> Deferred[None]:
        """The registered name ``key`` logged in from ``address``; keep its last ``keep``."""

    def save_room(key: str, room: LastingRoom) -> Deferred[None]:
        """Keep the room across restarts, with its topic and keeper."""

    def forget_room(key: str) -> Deferred[None]:
        """The room is no longer kept."""

    def save_sanction(sanction: Sanction) -> Deferred[None]:
        """Keep a ban or mute (a server's, or a lasting room's) until it is forgotten."""

    def forget_sanction(id: str) -> Deferred[None]:
        """The ban or mute ``id`` was lifted or ran out."""

    def save_operator(room: str, account: str) -> Deferred[None]:
        """The registered name ``account`` is an operator of the lasting room ``room``."""

    def forget_operator(room: str, account: str) -> Deferred[None]:
        """It is no longer."""

    def save_invite(room: str, account: str) -> Deferred[None]:
        """The registered name ``account`` may always come into the lasting room ``room``."""

    def save_rules(room: str, rules: KeptRules) -> Deferred[None]:
        """The lasting room's settings, as they are now."""

    def save_ignore(account: str, mark: Identity, label: str) -> Deferred[None]:
        """The registered name ``account`` ignores ``mark`` (a name or an account)."""

    def forget_ignore(account: str, mark: Identity) -> Deferred[None]:
        """It does no longer."""

    def record_act(act: events.Act) -> Deferred[None]:
        """One act of keeping order, for the audit trail."""

    def ping() -> Deferred[None]:
        """
        Fires once the database answers a question that reads nothing, asked
        after everything asked before it (readiness: a store that hangs never fires).
        """

    def start() -> Deferred[None]:
        """Take hold of the database (its connections, the file's lock), before anyone comes."""

    def close() -> Deferred[None]:
        """Finish what was asked, then let go of the database (and say what it wrote)."""


class ISequencedStore(IStore):
    """
    A store several nodes share (PostgreSQL): each room's lines carry one
    sequence, 1, 2, 3, ..., given by the database in the order the lines
    commit.  Every node delivers a room's lines in that order, and one that
    missed some (Redis went away) reads them again by sequence.

    The promise a node relies on: once a room's line ``n`` is committed,
    every line below ``n`` of that room is committed or was forgotten, so a
    read of the lines after ``m`` that returns ``n`` says for good that the
    numbers between them that it does not return are no lines at all.
    """

    def append_sequenced(message: events.Message | events.Emote,
                         room: str) -> Deferred[Sequenced]:
        """Store a line said in the room ``room`` (a key); fires with its id and sequence."""

    def lines_after(room: str, seq: int, limit: int) -> Deferred[list[SequencedLine]]:
        """The room's lines numbered above ``seq``, lowest first, at most ``limit``."""

    def last_sequence(room: str) -> Deferred[int]:
        """The highest number the room's lines were given so far (0: none yet)."""


class IAccounts(Interface):
    """Registered names: which exist, what they look like, and proving a password."""

    def registered(key: str) -> bool:
        """Whether the name whose key is ``key`` is registered."""

    def lookalike(name: str) -> str | None:
        """A registered name ``name`` would pass for (not its own), if any."""

    def wait(key: str, address: str | None) -> float:
        """Seconds a guess at ``key``'s password from ``address`` waits before it is checked."""

    def verify(key: str, password: str, address: str | None) -> Deferred[bool]:
        """Whether ``password`` is ``key``'s; raises TooManyGuesses past the limit."""

    def register(key: str, name: str, password: str, address: str | None) -> Deferred[None]:
        """Register ``name`` with ``password``."""

    def change(key: str, name: str, old: str, new: str,
               address: str | None) -> Deferred[bool]:
        """Change ``key``'s password from ``old`` to ``new``; False if ``old`` is wrong."""

    def sweep() -> None:
        """Forget guesses old enough not to count (every minute)."""

    def add(key: str, name: str) -> None:
        """``name`` was registered on another node: it is registered here too."""


class IFrontEnd(Interface):
    """
    One way in (telnet, the browser): the option that says where it
    listens, and the factory of its connections.  :mod:`twisted_chat.tap`
    keeps the registry, as ``twisted.words`` does with ``IProtocolPlugin``.
    """

    name = Attribute("The front end's name, for the log and --help.")
    option = Attribute("The twistd chat option that adds a listener: --OPTION DESCRIPTION.")
    short = Attribute("A one-letter alias of the option, or None.")
    default = Attribute("The endpoint description listened on when the option is not given, "
                        "or None for no listener unless asked.")
    help = Attribute("The option's help text.")
    extra = Attribute("The front end's other options, each repeatable: (option, parse, help), "
                      "where parse checks one value and raises ValueError for a bad one; "
                      "options[option] is the list of parsed values.")

    def factory(sessions: Any, options: Any) -> Any:
        """The IProtocolFactory for this front end's listeners, sharing ``sessions``."""


class IReloader(Interface):
    """
    The server's options read again from its config file (``SIGHUP``,
    ``/reload``): what can change while it runs is applied, nobody is cut
    off, and a file that does not read changes nothing.
    """

    def reload(by: str) -> events.Notice:
        """
        Read the file again and apply what changed, for ``by`` (an operator's
        name, or the signal); the notice that says what changed and what
        needs a restart.  Raises ChatError (NoConfigFile, NotReloaded) instead.
        """
