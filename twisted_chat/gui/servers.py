"""
Several servers: a login that tries them in turn, and the way back after a loss.

The desktop client may be given several addresses (the nodes of a cluster,
or servers that stand in for each other).  At login :func:`first_to_answer`
tries them in order, moving on only while a server cannot be reached or is
full: a refusal in the server's own words (a name taken, a wrong password)
would be the same elsewhere, and is the user's to read.

When a connection is lost by accident (not a ``/quit``, not an operator's
act), :class:`Reconnector` brings the window back by itself: the next
server in the list first, since the one just lost is the likeliest to be
down, then round and round, each wait longer than the last up to
:data:`CAP`, with some jitter so that a dead node's users do not all come
back in the same instant.  It says what it does in the window's lost bar;
the Reconnect button tries at once.  A name still taken on return is the
user's last connection not yet gone (a cluster frees a dead node's names
within seconds), so that is tried again, a few times, before it gives up.
"""

from __future__ import annotations

import random as _random
import re
from collections.abc import Callable, Sequence

from twisted.internet.defer import CancelledError, Deferred, fail
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import Interface

from twisted_chat.gui.client import ChatClient, LoginFailed, parse_address
from twisted_chat.gui.words import Words

#: Seconds before the first try after a loss (at most; jitter takes up to half off).
FIRST_WAIT = 2.0
#: The longest wait between two tries, however many failed.
CAP = 30.0
#: How many times a name still taken on return is tried before giving up.
TAKEN_TRIES = 5
#: A server that turns us away for being full: another may not be.
FULL = "server-full"
NAME_TAKEN = "name-taken"

_log = Logger()

#: Log in on a server, with the window's name (and password).
Connect = Callable[[str], Deferred[ChatClient]]


def parse_servers(text: str) -> list[str]:
    """
    ``a:6666, b:6666`` (commas or spaces between) as a list of addresses,
    each checked, duplicates dropped; raises LoginFailed saying which is wrong.
    """
    servers: list[str] = []
    for address in re.split(r"[,\s]+", text.strip()):
        if address and address.casefold() not in (known.casefold() for known in servers):
            parse_address(address)
            servers.append(address)
    if not servers:
        parse_address("")  # Says what to type.
    return servers


def unreachable(failed: LoginFailed) -> bool:
    """Whether another server may do better: this one was not reached, or answered full."""
    return failed.code in ("", FULL)


def wait(tries: int, random: Callable[[], float] = _random.random) -> float:
    """Seconds before the next try, after ``tries`` tries: doubling up to CAP, minus jitter."""
    longest = min(CAP, FIRST_WAIT * 2 ** min(tries, 16))
    return longest * (1 - random() / 2)


def first_to_answer(servers: Sequence[str], connect: Connect,
                    trying: Callable[[str, str], object]) -> Deferred[tuple[ChatClient, str]]:
    """
    Log in on the first of ``servers`` that answers, in order; fires with the
    client and its server.  Before each next one ``trying(server, why)`` says
    why the last was passed over.  Fails with the server's refusal, or, if none
    answered, a LoginFailed with a line for each.
    """
    said: list[str] = []

    def attempt(index: int) -> Deferred[tuple[ChatClient, str]]:
        server = servers[index]
        if said:
            trying(server, said[-1])
        connecting = connect(server)
        answered: Deferred[tuple[ChatClient, str]] = connecting.addCallback(
            lambda client: (client, server))
        return answered.addErrback(passed_over, index)

    def passed_over(failure: Failure, index: int) -> Deferred[tuple[ChatClient, str]]:
        failed = failure.value
        if not isinstance(failed, LoginFailed) or not unreachable(failed):
            return fail(failure)  # A refusal, a bug, or given up (cancelled): as it is.
        said.append(failed.message)
        if index + 1 == len(servers):
            return fail(LoginFailed.said("\n".join(said), failed.code))
        return attempt(index + 1)

    return attempt(0)


class IReturnView(Interface):
    """What the way back asks of the chat window."""

    def show_lost(message: str) -> None:
        """Not connected: say ``message``; the Reconnect button works."""

    def show_reconnecting(message: str) -> None:
        """Trying now: say ``message``; the Reconnect button waits."""


class Reconnector:
    """
    The way back to one of ``servers`` after the connection to ``server`` was
    lost: which next, when, what the window says meanwhile.  ``connect(server)``
    logs in again (the window's name and password); ``back(client, server)``
    takes the new connection.
    """

    def __init__(self, clock: IReactorTime, servers: Sequence[str], server: str,
                 connect: Connect, back: Callable[[ChatClient, str], object],
                 view: IReturnView, random: Callable[[], float] = _random.random,
                 words: Words | None = None) -> None:
        self.clock = clock
        #: The window's words, for what the way back says in it.
        self.words = Words() if words is None else words
        self.servers = list(servers)
        #: The server the window is (or was last) on.
        self.server = server
        #: Where Reconnect goes when not already trying: that server, or the last one tried.
        self.again = server
        self.connect = connect
        self.back = back
        self.view = view
        self.random = random
        #: The server to try next, while trying to get back; None: not trying.
        self.target: str | None = None
        self.trying = False
        self._timer: IDelayedCall | None = None
        self._tries = 0
        self._taken = 0

    @property
    def waiting(self) -> bool:
        """Whether a try is set for later."""
        return self._timer is not None

    def lost(self, why: str) -> None:
        """Lost by accident (``why``, a sentence): come back by itself, elsewhere first."""
        self._begin(self._after(self.server))
        self._wait(why)

    def now(self) -> None:
        """The Reconnect button: try at once (the next server if trying, else :attr:`again`)."""
        if self.trying:
            return
        if self.target is None:
            self._begin(self.again)
        self._cancel()
        self._attempt()

    def stop(self) -> None:
        """The window closes: no more tries (the one under way is the application's to cancel)."""
        self._cancel()
        self.target = None

    # Inside

    def _begin(self, target: str) -> None:
        self._cancel()
        self.target, self._tries, self._taken = target, 0, 0

    def _after(self, server: str) -> str:
        """The server after ``server`` in the list, round; the first if it is none of them."""
        known = [address.casefold() for address in self.servers]
        if server.casefold() not in known:
            return self.servers[0]
        return self.servers[(known.index(server.casefold()) + 1) % len(self.servers)]

    def _wait(self, why: str) -> None:
        assert self.target is not None
        seconds = wait(self._tries, self.random)
        self._tries += 1
        self._timer = self.clock.callLater(seconds, self._attempt)
        shown = max(1, round(seconds))
        self.view.show_lost(self.words._(
            "{why} Reconnecting to {server} in {seconds} s ...").format(
                why=why, server=self.target, seconds=shown))

    def _cancel(self) -> None:
        if self._timer is not None:
            if self._timer.active():
                self._timer.cancel()
            self._timer = None

    def _attempt(self) -> None:
        self._timer = None
        target = self.target
        assert target is not None
        self.trying = True
        self.view.show_reconnecting(self.words._("Reconnecting to {server} ...").format(
            server=target))
        self.connect(target).addCallbacks(self._arrived, self._failed,
                                          callbackArgs=(target,), errbackArgs=(target,))

    def _arrived(self, client: ChatClient, target: str) -> None:
        self.trying = False
        self.server = self.again = target
        self.target = None
        self.back(client, target)

    def _failed(self, failure: Failure, target: str) -> None:
        self.trying = False
        if failure.check(CancelledError):
            return  # The window closed while connecting.
        failed = failure.value
        if not isinstance(failed, LoginFailed):
            _log.failure("Reconnecting failed", failure)
            self._give_up(target, self.words._("Could not reconnect: {why}").format(
                why=failure.getErrorMessage()))
        elif failed.code == NAME_TAKEN:
            self._taken += 1
            if self._taken >= TAKEN_TRIES:
                self._give_up(target, self.words._(
                    "Your name is still taken on {server}, after {count} tries: someone else "
                    "may have it now. Press Reconnect to try again, or Close.").format(
                        server=target, count=self._taken))
                return
            self.target = self._after(target)
            self._wait(self.words._("Your name is still taken on {server} (your last "
                                    "connection may not be gone yet).").format(server=target))
        elif unreachable(failed):
            self.target = self._after(target)
            self._wait(failed.message)
        else:
            self._give_up(target, self.words._("Could not log back in on {server}: {why}").format(
                server=target, why=failed.message))

    def _give_up(self, target: str, message: str) -> None:
        self.target, self.again = None, target
        self.view.show_lost(message)
