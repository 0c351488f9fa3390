"""
Several servers, without a display: the list, a login that tries each in
turn, and the way back after a loss, on a ``Clock``.  The servers are the real
server logic in memory (``tests.harness``), reached as the chat window's
session reaches them (``test_session.Window``); a server that is down answers
as the client's connection says a refused one.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, fail
from twisted.internet.task import Clock
from twisted.python import usage
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import implementer
from zope.interface.verify import verifyObject

from tests.gui.test_session import Window
from tests.harness import Server, Transactions
from twisted_chat.gui.app import Options
from twisted_chat.gui.client import ChatClient, LoginFailed
from twisted_chat.gui.servers import (
    CAP,
    FIRST_WAIT,
    TAKEN_TRIES,
    IReturnView,
    Reconnector,
    first_to_answer,
    parse_servers,
    wait,
)


def refused(address: str) -> Deferred[ChatClient]:
    return fail(LoginFailed(f"Could not connect to {address}: connection refused. "
                            "Is the server running?"))


class ServerListTests(SynchronousTestCase):
    def test_forms(self) -> None:
        self.assertEqual(parse_servers("localhost:6666"), ["localhost:6666"])
        self.assertEqual(parse_servers("a:6666,b:6667"), ["a:6666", "b:6667"])
        self.assertEqual(parse_servers(" a:6666, b:6667 ,, [::1]:7000 c"),
                         ["a:6666", "b:6667", "[::1]:7000", "c"])
        self.assertEqual(parse_servers("a:6666,A:6666,b,a:6666"), ["a:6666", "b"])

    def test_mistakes(self) -> None:
        """One line, naming the address that is wrong."""
        failed = self.assertRaises(LoginFailed, parse_servers, "a:6666, b:port")
        self.assertEqual(failed.message, "'b:port' is not a server address; write it as "
                                         "host:port, such as localhost:6666.")
        for text in ("", " , ,"):
            with self.subTest(text=text):
                self.assertEqual(self.assertRaises(LoginFailed, parse_servers, text).message,
                                 "Type the server's address, such as localhost:6666.")


class OptionsTests(SynchronousTestCase):
    """``--server``: one as ever, or several, comma-separated or given again."""

    def servers(self, *argv: str) -> list[str]:
        options = Options()
        options.parseOptions(list(argv))
        return options["servers"]  # type: ignore[no-any-return]

    def test_one_and_several(self) -> None:
        self.assertEqual(self.servers(), ["localhost:6666"])
        self.assertEqual(self.servers("--server", "chat.example.org:6697"),
                         ["chat.example.org:6697"])
        self.assertEqual(self.servers("--server", "a:6666,b:6666", "-s", "c:6666"),
                         ["a:6666", "b:6666", "c:6666"])

    def test_a_mistake_is_one_line(self) -> None:
        with self.assertRaises(usage.UsageError) as caught:
            self.servers("--server", "a:6666", "--server", "b:seven")
        self.assertEqual(str(caught.exception), "--server: 'b:seven' is not a server address; "
                                                "write it as host:port, such as localhost:6666.")


class WaitTests(SynchronousTestCase):
    def test_doubles_up_to_the_cap(self) -> None:
        waits = [wait(tries, random=lambda: 0.0) for tries in range(8)]
        self.assertEqual(waits, [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0])
        self.assertEqual(wait(10_000, random=lambda: 0.0), CAP)

    def test_jitter_takes_up_to_half(self) -> None:
        self.assertEqual(wait(0, random=lambda: 0.5), FIRST_WAIT * 0.75)
        self.assertEqual(wait(9, random=lambda: 1.0), CAP / 2)


class Dialler:
    """Log in as the window's user on one of the named in-memory servers; others are down."""

    def __init__(self, window: Window, servers: dict[str, Server]) -> None:
        self.window = window
        self.servers = servers
        self.tried: list[str] = []

    def __call__(self, address: str) -> Deferred[ChatClient]:
        self.tried.append(address)
        if address not in self.servers:
            return refused(address)
        return self.window.dial(self.window.session.name or "alice", self.servers[address])


class LoginTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.window = Window(Server(), "alice")
        self.window.session.name = "carol"
        self.said: list[tuple[str, str]] = []

    def log_in(self, *addresses: str) -> tuple[Dialler, list[object]]:
        dialler = Dialler(self.window, {"up:1": self.server})
        outcome: list[object] = []
        first_to_answer(addresses, dialler, lambda *said: self.said.append(said)).addBoth(
            outcome.append)
        return dialler, outcome

    def test_the_first_that_answers(self) -> None:
        dialler, outcome = self.log_in("down:1", "up:1", "down:2")
        self.assertEqual(outcome, [(self.window.client, "up:1")])
        self.assertEqual(dialler.tried, ["down:1", "up:1"])
        self.assertEqual(self.said, [("up:1", "Could not connect to down:1: connection refused. "
                                              "Is the server running?")])

    def test_none_answers(self) -> None:
        """A line for each server, in order."""
        _, [failure] = self.log_in("down:1", "down:2")
        assert isinstance(failure, Failure)
        self.assertEqual(failure.value.message.splitlines(), [  # type: ignore[attr-defined]
            "Could not connect to down:1: connection refused. Is the server running?",
            "Could not connect to down:2: connection refused. Is the server running?"])

    def test_one_server_fails_as_ever(self) -> None:
        _, [failure] = self.log_in("down:1")
        assert isinstance(failure, Failure)
        self.assertEqual(failure.value.message,  # type: ignore[attr-defined]
                         "Could not connect to down:1: connection refused. Is the server running?")

    def test_a_refusal_is_the_answer(self) -> None:
        """The name taken: said at once, in the server's words, with no other server tried."""
        self.server.login("carol")
        dialler, [failure] = self.log_in("up:1", "down:1")
        assert isinstance(failure, Failure)
        self.assertEqual(failure.value.code, "name-taken")  # type: ignore[attr-defined]
        self.assertEqual(dialler.tried, ["up:1"])
        self.assertEqual(self.said, [])


@implementer(IReturnView)
class LostBar:
    """The chat window's lost bar, as the way back drives it."""

    def __init__(self) -> None:
        self.shown: list[str] = []
        self.button = True

    def show_lost(self, message: str) -> None:
        self.shown.append(message)
        self.button = True

    def show_reconnecting(self, message: str) -> None:
        self.shown.append(message)
        self.button = False


class ReconnectorTests(SynchronousTestCase):
    """
    Alice is on ``a:1``, logged in through a session; ``b:1`` and ``c:1`` are
    other servers.  Jitter is off: each wait is the longest.
    """

    def setUp(self) -> None:
        self.a, self.b, self.c = Server(), Server(), Server()
        self.window = Window(self.a, "alice")
        self.window.type("/create maths")
        self.clock = Clock()
        self.bar = LostBar()
        self.up = {"a:1": self.a, "b:1": self.b, "c:1": self.c}
        self.dialler = Dialler(self.window, self.up)
        self.back: list[str] = []
        self.reconnector = Reconnector(self.clock, ["a:1", "b:1", "c:1"], "a:1", self.dialler,
                                       self.arrived, self.bar, random=lambda: 0.0)

    def arrived(self, client: ChatClient, server: str) -> None:
        self.back.append(server)
        self.window.session.attach(client, server)
        self.window.sync()

    def lose(self, *down: str) -> None:
        """The connection goes, and with it these servers."""
        for address in down:
            del self.up[address]
        self.window.drop()
        self.assertTrue(self.window.session.comes_back)
        self.reconnector.lost("Connection lost.")

    def test_the_view(self) -> None:
        self.assertTrue(verifyObject(IReturnView, self.bar))

    def test_back_on_the_next_server_after_a_wait(self) -> None:
        """Said at once; nothing tried before the wait is over; then back, in the room."""
        self.lose("a:1")
        self.assertEqual(self.bar.shown, ["Connection lost. Reconnecting to b:1 in 2 s ..."])
        self.clock.advance(FIRST_WAIT - 0.01)
        self.assertEqual(self.dialler.tried, [])
        self.clock.advance(0.01)
        self.assertEqual(self.bar.shown[-1], "Reconnecting to b:1 ...")
        self.assertEqual((self.back, self.window.view.room), (["b:1"], "maths"))
        self.assertIn("*** Connected again as alice, on b:1.", self.window.view.lines())
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_round_with_longer_waits(self) -> None:
        """All down: every server in turn, round again, each wait longer, up to the cap."""
        self.lose("a:1", "b:1", "c:1")
        waits = []
        for _ in range(7):
            [call] = self.clock.getDelayedCalls()
            waits.append(call.getTime() - self.clock.seconds())
            self.clock.advance(waits[-1])
        self.assertEqual(self.dialler.tried, ["b:1", "c:1", "a:1", "b:1", "c:1", "a:1", "b:1"])
        self.assertEqual(waits, [2, 4, 8, 16, 30, 30, 30])
        self.assertEqual(self.bar.shown[-1],
                         "Could not connect to b:1: connection refused. Is the server running? "
                         "Reconnecting to c:1 in 30 s ...")
        self.up["c:1"] = self.c
        self.clock.advance(30)
        self.assertEqual(self.back, ["c:1"])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_one_server(self) -> None:
        """One server: the same one, again and again."""
        self.reconnector.servers = ["a:1"]
        self.lose("a:1")
        self.clock.advance(2)
        self.clock.advance(4)
        self.assertEqual(self.dialler.tried, ["a:1", "a:1"])
        self.assertEqual(self.bar.shown[0], "Connection lost. Reconnecting to a:1 in 2 s ...")

    def test_reconnect_at_once(self) -> None:
        """The Reconnect button does not wait; the wait that was set is forgotten."""
        self.lose("a:1")
        self.reconnector.now()
        self.assertEqual(self.back, ["b:1"])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_reconnect_after_a_quit(self) -> None:
        """Not coming back by itself (a /quit): Reconnect tries the server it was on."""
        self.window.type("/quit")
        self.assertFalse(self.window.session.comes_back)
        self.reconnector.now()
        self.assertEqual(self.back, ["a:1"])

    def test_a_failed_reconnect_goes_on_by_itself(self) -> None:
        self.window.type("/quit")
        del self.up["a:1"]
        self.reconnector.now()
        self.assertEqual(self.bar.shown[-1],
                         "Could not connect to a:1: connection refused. Is the server running? "
                         "Reconnecting to b:1 in 2 s ...")
        self.assertTrue(self.bar.button)
        self.clock.advance(2)
        self.assertEqual(self.back, ["b:1"])

    def test_a_ghost_gone_in_time(self) -> None:
        """The name still held (a ghost on every server): said, tried again; in once it goes."""
        self.reconnector.servers = ["b:1"]
        ghost = self.b.login("alice")
        self.lose("a:1")
        self.clock.advance(2)
        self.assertEqual(self.bar.shown[-1],
                         "Your name is still taken on b:1 (your last connection may not be "
                         "gone yet). Reconnecting to b:1 in 4 s ...")
        ghost.drop()
        self.clock.advance(4)
        self.assertEqual((self.back, self.window.view.room), (["b:1"], "maths"))

    def test_a_name_taken_for_good(self) -> None:
        """A few tries, then a line that says so, and no more timers."""
        self.reconnector.servers = ["b:1"]
        self.b.login("alice")
        self.lose("a:1")
        for _ in range(TAKEN_TRIES * 2):
            self.clock.advance(CAP)
        self.assertEqual(self.dialler.tried, ["b:1"] * TAKEN_TRIES)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.assertEqual(self.bar.shown[-1],
                         f"Your name is still taken on b:1, after {TAKEN_TRIES} tries: someone "
                         "else may have it now. Press Reconnect to try again, or Close.")
        self.assertTrue(self.bar.button)
        self.assertEqual(self.back, [])
        self.reconnector.now()
        self.assertEqual(self.dialler.tried, ["b:1"] * (TAKEN_TRIES + 1))

    def test_taken_here_free_there(self) -> None:
        """A name held on one server (someone else's there) is not held on the next."""
        self.b.login("alice")
        self.lose("a:1")
        self.clock.advance(2)
        self.clock.advance(4)
        self.assertEqual(self.back, ["c:1"])

    def test_a_refusal_gives_up_at_once(self) -> None:
        """
        Refused in the server's words (the name is registered there, by
        someone else): said, not tried again, nor elsewhere.
        """
        self.b = self.up["b:1"] = Server(db=Transactions())
        owner = self.b.login("alice")
        owner.send("/register oolong-42")
        owner.send("/quit")
        self.lose("a:1")
        self.clock.advance(2)
        self.assertTrue(self.bar.shown[-1].startswith("Could not log back in on b:1: "),
                        self.bar.shown[-1])
        self.assertIn("registered", self.bar.shown[-1])
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.assertEqual((self.back, self.dialler.tried), ([], ["b:1"]))

    def test_stop(self) -> None:
        """The window closing: the wait is called off."""
        self.lose("a:1")
        self.reconnector.stop()
        self.assertEqual(self.clock.getDelayedCalls(), [])
