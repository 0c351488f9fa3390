"""
One user's session, whatever the front end: the state in charge, and all
that keeps one connection within bounds.

A front end does I/O and nothing else: it hands the session the bytes it read
(:meth:`Session.receive`) and each whole line (:meth:`Session.submit`), and
it hears back through the few hooks it gives (``parse``, ``prepare``).
Everything else is here, so that a WebSocket front end gets it for free:

- **Flood control.**  Reads pass a budget in bytes
  (:mod:`~twisted_chat.session.budget`): past it the session is not read for a
  while, far past it cut.  Lines pass a token bucket
  (:mod:`~twisted_chat.session.throttle`) before they are decoded.  A flood of
  either is cut with "excess flood".
- **Decoding.**  Only whole lines are decoded, in the session's encoding.  A
  session that never chose its encoding settles it on the evidence of its
  lines, UTF-8 or GBK (:mod:`~twisted_chat.session.reading`), and re-reads
  the user's name if it was read in the other.
- **Output** goes through a bounded
  :class:`~twisted_chat.session.sendqueue.SendQueue`; a client that stops
  reading is cut with "send queue exceeded".
- **Timeouts.**  The state in charge sets the timeout (logging in, idling)
  through Twisted's ``TimeoutMixin`` and decides what happens when it runs out.
- **Closing with grace.**  A closing session sends what it has, and is cut if
  the client does not read it in :data:`CLOSE_GRACE` seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from twisted.internet.interfaces import IDelayedCall, IReactorTime, ITransport
from twisted.protocols.policies import TimeoutMixin
from zope.interface import implementer

from twisted_chat.core import errors, events, formats
from twisted_chat.core.states import LoggedOutState, LoginState
from twisted_chat.i18n import N_, languages
from twisted_chat.interfaces import IFormat, ISession, IState
from twisted_chat.session.budget import Budget, allowance
from twisted_chat.session.budget import cost as budget_cost
from twisted_chat.session.reading import Reading
from twisted_chat.session.sendqueue import SendQueue
from twisted_chat.session.settings import DEFAULT, Settings
from twisted_chat.session.throttle import Throttle

if TYPE_CHECKING:
    from twisted_chat.core.chat import Chat
    from twisted_chat.core.limits import IP
    from twisted_chat.session.sessions import Sessions

#: How long a closing session's client may take to read what it was sent before it is cut.
CLOSE_GRACE = 10.0


def _as_is(text: str) -> str:
    return text


@implementer(ISession)
class Session(TimeoutMixin):
    """
    One connection's session, whatever its front end: what a state may ask
    (:class:`~twisted_chat.interfaces.ISession`) and what the hub delivers to.

    ``parse`` takes input that passed the budget (the front end's own parser);
    ``prepare`` a decoded line before the state reads it (telnet applies the
    editing keys); ``framing`` is how the front end wants a run of events
    (:class:`~twisted_chat.core.formats.Stream` or
    :class:`~twisted_chat.core.formats.Messages`); ``settings`` how a new
    session renders (a WebSocket's starts in JSON, its encoding fixed);
    ``weigh`` what a read costs of the input budget (telnet commands count more).
    ``transport`` takes the bytes, and pauses reading.  ``front_end`` names
    the way in (/metrics counts connections by it).
    """

    state: IState

    def __init__(self, sessions: Sessions, transport: ITransport, address: IP | None, *,
                 parse: Callable[[bytes], None],
                 prepare: Callable[[str], str] = _as_is,
                 framing: formats.Framing = formats.STREAM,
                 settings: Settings = DEFAULT,
                 weigh: Callable[[bytes], int] = budget_cost,
                 front_end: str = "telnet") -> None:
        self.sessions = sessions
        self.front_end = front_end
        self.chat: Chat = sessions.chat
        self.clock: IReactorTime = sessions.clock
        self.transport = transport
        #: The peer's IP address, as admission counted it.
        self.address = address
        self.max_line = sessions.max_line
        self._parse = parse
        self._prepare = prepare
        self._framing = framing
        limits = self.chat.limits
        trusted = address is not None and any(address in net for net in limits.flood_exempt)
        self.throttle = Throttle(self._handle, burst=limits.flood_burst,
                                 rate=0 if trusted else limits.flood_rate,
                                 queue=limits.flood_queue, clock=self.clock,
                                 warn=self._flood_warning, overflow=self._excess_flood)
        #: The input budget in bytes: with flood control, for all but trusted addresses.
        self.budget: Budget | None = None
        if limits.flood_rate and limits.input_rate and not trusted:
            rate, burst = allowance(limits, self.max_line)
            self.budget = Budget(rate=rate, burst=burst, clock=self.clock.seconds, weigh=weigh)
        #: When the input over the budget (budget.waiting) is read.
        self._held_call: IDelayedCall | None = None
        #: Why reading from the client is paused ("store", "budget", "flood"); read when none.
        #: (Frozen: the empty one is shared, where an empty set costs 216 bytes.)
        self._pauses: frozenset[str] = frozenset()
        # The server's language until the user chooses one (--lang).
        language = sessions.language
        self.settings = settings if language == settings.language else replace(
            settings, language=language)
        self.format: IFormat = self.settings.build(framing)
        #: What the front end puts around each delivery, if anything (telnet's echoed line).
        self.around: Callable[[bytes], bytes] | None = None
        self.closing = False
        self._close_timer: IDelayedCall | None = None
        self._lost_reason = N_("connection lost")
        self.output = SendQueue(transport, limits.sendq, self._send_queue_exceeded)
        #: How lines are decoded: the evidence for the encoding, while it is not settled.
        self.reading = Reading(lambda: self.settings)
        self.state = LoginState(self, self.chat, self.chat.clock())

    def callLater(self, period: float, func: Callable[[], object]) -> IDelayedCall:
        """TimeoutMixin's clock, and ours."""
        return self.clock.callLater(period, func)

    def start(self) -> None:
        """The front end is ready (it has sent what goes before the first line)."""
        self.sessions.opened(self)
        self.state.enter()

    def lost(self) -> None:
        """The connection is gone, whoever closed it."""
        self.setTimeout(None)
        self.throttle.stop()
        for timer in (self._close_timer, self._held_call):
            if timer is not None and timer.active():
                timer.cancel()
        self.state.end(self._lost_reason)
        self.sessions.closed(self)

    # Bytes in

    def receive(self, data: bytes) -> None:
        """Bytes read: parsed as far as the budget allows, the rest later."""
        if self.closing:
            return
        if self.budget is not None:
            if self.budget.waiting:
                # Already read from below (TLS decrypts in pieces) while paused.
                self._hold(self.budget.waiting + data)
                return
            data, held = self.budget.take(data)
            if held and self.budget.flooding(held):
                self._input_flood()
                return
            if held:
                self._hold(held)
        if data:
            self._parse(data)

    def charge(self, amount: int) -> bool:
        """
        What was read costs ``amount`` more of the budget than its bytes; cut
        a flood.  Whether the rest of what was read should still be handled.
        """
        if self.closing or "flood" in self._pauses:
            return False
        if self.budget is not None and self.budget.charge(amount):
            self._input_flood()
            return False
        return True

    def _hold(self, held: bytes) -> None:
        """Keep input over the budget until it fits, not reading meanwhile; or cut a flood."""
        assert self.budget is not None
        if self.budget.flooding(held):
            self._input_flood()
            return
        self.budget.waiting = held
        self._pause("budget")
        if self._held_call is None:
            self._held_call = self.callLater(self.budget.wait(held), self._read_held)

    def _read_held(self) -> None:
        assert self.budget is not None
        self._held_call = None
        held, self.budget.waiting = self.budget.waiting, b""
        self._resume("budget")
        self.receive(held)

    def submit(self, line: bytes) -> None:
        """A whole line, without its end: read when its turn comes (flood control)."""
        if not self.closing:
            self.throttle.submit(line)

    def _handle(self, line: bytes) -> None:
        """A line whose turn has come: decode it and hand it to the state."""
        text = self.decode(line)
        if text is not None:
            self.state.line_received(self._prepare(text))

    def decode(self, line: bytes) -> str | None:
        """The line as text (None: not valid, after one error), settling the encoding on it."""
        read = self.reading.read(line)
        if read.encoding != self.settings.encoding:
            self._switch(read.encoding)
        if read.text is None:
            self.fail(errors.BadEncoding(self.settings.encoding))
        return read.text

    def _switch(self, encoding: str) -> None:
        """
        The lines point to another encoding: switch to it, say so, and let
        the state re-read what it read in the old one (the user's name).
        """
        old = self.settings.encoding
        self.settle(encoding=encoding)
        self.send(events.Encoding(self.chat.clock(), encoding, guessed=True))
        self._suggest_language(encoding)
        if encoding == "gb18030" and old == "gbk":
            return  # GB18030 reads GBK the same.
        self.state.encoding_changed(old, encoding)

    def _suggest_language(self, encoding: str) -> None:
        """
        Text in a Chinese encoding: say, in that Chinese, how to read the server
        in it.  The banner's line that says so went out in UTF-8, before the
        encoding was known, so a GBK or Big5 console could not show it.
        """
        suggested = languages.suggested(encoding)
        if suggested is None or self.settings.language != languages.ENGLISH.code:
            return
        self.send(events.Notice(self.chat.clock(), suggested.format(
            N_("To read the server in {name}, type: /lang {code}"), name=suggested.name,
            code=suggested.code)))

    # Limits

    def _flood_warning(self, waiting: int) -> None:
        self.fail(errors.FloodWarning(waiting, self.throttle.queue))

    def _excess_flood(self) -> None:
        self.chat.log.info("floods", "Excess flood from {peer}", peer=self.transport.getPeer())
        self.kick(errors.ExcessFlood(self.throttle.queue), N_("excess flood"))

    def _input_flood(self) -> None:
        assert self.budget is not None
        self.budget.waiting = b""
        if "flood" in self._pauses:
            return  # Cut off already (TLS hands over what it decrypted).
        # Nothing more is read from it: it is being cut off.
        self._pause("flood")
        self.chat.log.info("floods", "Excess flood from {peer}: input far past "
                           "{rate} bytes a second", peer=self.transport.getPeer(),
                           rate=self.budget.rate)
        self.kick(errors.InputFlood(self.budget.rate), N_("excess flood"))

    def _send_queue_exceeded(self) -> None:
        self.chat.log.info(
            "connections not reading", "{peer} is not reading: more than {limit} bytes unsent; "
            "cutting it off", peer=self.transport.getPeer(), limit=self.output.limit)
        self._cut(N_("send queue exceeded"))
        # Not at once: this runs in the middle of a broadcast to the room.
        self.callLater(0, self.transport.abortConnection)  # type: ignore[attr-defined]

    def timeoutConnection(self) -> None:
        self.state.timed_out()

    # What the front end reports

    def fail(self, error: errors.ChatError) -> None:
        """A mistake in what the client sent (a line too long): one error line, and on."""
        self.state.fail(error)

    def kick(self, error: errors.ChatError, reason: str) -> None:
        """Input nobody should send: say why, end the session, close."""
        self.state.kick(error, reason)

    def notice(self, template: str, /, **values: object) -> None:
        """Tell the user something of the connection's own (an interrupt), at once."""
        self.send(events.Notice.words(self.chat.clock(), template, **values))

    # Events out: IClient

    def send(self, event: events.Event) -> None:
        # deliver(), inline: every reply and notice comes this way.
        if self.closing:
            return
        payload = self.format.frame((event,))
        if self.around is not None:
            payload = self.around(payload)
        self.output.write(payload)

    def deliver(self, payload: bytes) -> None:
        if self.closing:
            # The goodbye was the last line: what others do meanwhile is not for us.
            return
        if self.around is not None:
            payload = self.around(payload)
        self.output.write(payload)

    def cut(self, reason: str) -> None:
        """End the connection now, for ``reason``: the client is gone (it stopped answering)."""
        if not self.closing:
            self._cut(reason)
            self.transport.abortConnection()  # type: ignore[attr-defined]

    def _cut(self, reason: str) -> None:
        self._lost_reason = reason
        self.closing = True
        self.throttle.stop()

    def write(self, data: bytes) -> None:
        """Bytes of the front end's own (telnet's answers, echo), queued as output is."""
        if not self.closing:
            self.output.write(data)

    def pause_input(self) -> None:
        self._pause("store")

    def resume_input(self) -> None:
        self._resume("store")

    def dismiss(self) -> None:
        # Logged out at once, so nothing more of theirs reaches the chat; closed in turn.
        self.become(LoggedOutState(self, self.chat))
        self.chat.later(self.close)

    def _pause(self, reason: str) -> None:
        if not self._pauses:
            self.transport.pauseProducing()  # type: ignore[attr-defined]
        self._pauses |= {reason}

    def _resume(self, reason: str) -> None:
        self._pauses -= {reason}
        if not self._pauses and not self.closing:
            self.transport.resumeProducing()  # type: ignore[attr-defined]

    # ISession

    def become(self, state: IState) -> None:
        self.state = state
        state.enter()

    def configure(self, *, format: str | None = None, encoding: str | None = None,
                  color: bool | None = None, language: str | None = None) -> None:
        self.settle(format=format, encoding=encoding, color=color, language=language,
                    encoding_chosen=True if encoding is not None else None)

    def settle(self, *, format: str | None = None, encoding: str | None = None,
               color: bool | None = None, width: int | None = None,
               encoding_chosen: bool | None = None, language: str | None = None) -> None:
        """
        Change some settings (those not None) and rebuild the format from all
        of them: the user's choices, or what the front end learnt (a guessed
        encoding, a window's width).
        """
        changes: dict[str, Any] = {"format": format, "encoding": encoding, "color": color,
                                   "width": width, "encoding_chosen": encoding_chosen,
                                   "language": language}
        self.settings = replace(
            self.settings, **{key: value for key, value in changes.items() if value is not None})
        self.format = self.settings.build(self._framing)

    def reframe(self, framing: formats.Framing) -> None:
        """The front end frames output anew from now on (a telnet client showed itself)."""
        self._framing = framing
        self.format = self.settings.build(framing)

    def close(self) -> None:
        if self.closing:
            return
        self.closing = True
        self.throttle.stop()
        self.setTimeout(None)
        self.output.close()
        self._close_timer = self.callLater(
            CLOSE_GRACE, self.transport.abortConnection)  # type: ignore[attr-defined]
        self.transport.loseConnection()
