"""
Guessing passwords: counted as each guess starts, per name and per address,
with the owner let in past guessers elsewhere.  Time is a ``task.Clock``.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Client, Server, Transactions, only
from twisted_chat.core.errors import TooManyGuesses
from twisted_chat.core.guessing import FORGET, Guesses


class GuessesTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.guesses = Guesses(self.clock.seconds)

    def wave(self, count: int, address: str | None = None, known: bool = False) -> list[float]:
        """``count`` guesses at once, each from its own address unless one is given."""
        waits = []
        for index in range(count):
            try:
                waits.append(self.guesses.start("alice", address or f"10.0.0.{index}", known))
            except TooManyGuesses:
                waits.append(-1)
        return waits

    def test_parallel_guesses_wait_as_serial_ones(self) -> None:
        """A wave at once is checked 1, 2, 4, 8 s apart; guesses too far off are refused."""
        self.assertEqual(self.wave(8), [0, 1, 3, 7, 15, -1, -1, -1])

    def test_the_owner_from_a_known_address_does_not_wait(self) -> None:
        self.wave(5)
        self.assertEqual(self.guesses.start("alice", "192.0.2.1", known=True), 0)

    def test_a_fresh_address_waits_like_any_guesser(self) -> None:
        self.wave(3)
        self.assertEqual(self.guesses.start("alice", "192.0.2.1", known=False), 7)

    def test_one_address_guessing_many_names(self) -> None:
        waits = [self.guesses.start(f"user{index}", "10.9.9.9", known=False)
                 for index in range(4)]
        self.assertEqual(waits, [0, 1, 3, 7])

    def test_an_addresss_own_guesses_hold_back_its_known_owner(self) -> None:
        """A known address is spared the name's queue, not its own."""
        self.wave(3, address="10.9.9.9", known=True)
        self.assertEqual(self.guesses.start("alice", "10.9.9.9", known=True), 7)

    def test_the_right_password_clears_the_name(self) -> None:
        self.wave(4)
        self.guesses.right("alice", "192.0.2.1")
        self.assertEqual(self.guesses.start("alice", "192.0.2.9", known=False), 0)

    def test_a_guesser_cannot_clear_its_address_by_logging_in_between(self) -> None:
        """Its own right password takes one guess off the address's count, no more."""
        for index in range(4):
            self.guesses.start(f"victim{index}", "10.9.9.9", known=False)
            self.guesses.start("mine", "10.9.9.9", known=True)
            self.guesses.right("mine", "10.9.9.9")
        with self.assertRaises(TooManyGuesses):
            self.guesses.start("victim9", "10.9.9.9", known=False)

    def test_forgotten_after_a_quiet_while(self) -> None:
        self.wave(5)
        self.assertEqual(self.guesses.remembered, 6)
        self.clock.advance(2 * FORGET)
        self.guesses.sweep()
        self.assertEqual(self.guesses.remembered, 0)


class LoginTests(SynchronousTestCase):
    """A wave of guessers at a registered name, and its owner, as they meet the server."""

    def setUp(self) -> None:
        self.server = Server(db=Transactions())
        owner = self.server.connect(host="192.0.2.1")
        owner.send("login alice")
        owner.send("/register right-pass")
        owner.send("/quit")

    def guess(self, host: str, password: str) -> Client:
        client = self.server.connect(host=host)
        client.clear()
        client.send(f"login alice {password}")
        return client

    def test_a_wave_of_guessers_is_checked_one_turn_at_a_time(self) -> None:
        """
        Twenty connections from twenty addresses guess at once: one is
        answered now, the next after a second, and so on; the rest are told
        to come back later, at once.  The right password, guessed last, is
        refused like the others: it is not its turn.
        """
        guessers = [self.guess(f"10.0.0.{index}", f"wrong-{index}") for index in range(19)]
        guessers.append(self.guess("10.0.0.99", "right-pass"))
        told = [client.lines() for client in guessers]
        self.assertEqual(told[0], ["! Wrong password for 'alice'."])
        self.assertEqual(sum(lines == [] for lines in told), 4, "waiting their turn")
        refused = [lines for lines in told if lines and "Too many wrong" in lines[0]]
        self.assertEqual(len(refused), 15)
        self.assertEqual(told[-1], ["! Too many wrong passwords for 'alice' lately. Try again "
                                    "in 31 seconds."])
        self.server.clock.advance(1)
        self.assertEqual(guessers[1].lines(), ["! Wrong password for 'alice'."])

    def test_the_owner_is_let_in_past_them(self) -> None:
        """From an address it logged in from before, the owner's login does not wait."""
        for index in range(20):
            self.guess(f"10.0.0.{index}", f"wrong-{index}")
        owner = self.guess("192.0.2.1", "right-pass")
        self.assertIn("*** You are alice. Type /help for the commands.", owner.lines())

    def test_known_addresses_last_across_restarts(self) -> None:
        """The store keeps them: after a restart the owner is still let in."""
        db = self.server.transactions
        assert db is not None
        self.server = Server(db=db)
        for index in range(20):
            self.guess(f"10.0.0.{index}", f"wrong-{index}")
        owner = self.guess("192.0.2.1", "right-pass")
        self.assertIn("*** You are alice. Type /help for the commands.", owner.lines())

    def test_waiting_does_not_count_toward_the_login_timeout(self) -> None:
        """A guess checked 16 s late still gets its answer, though typed 50 s after connecting."""
        server = Server(db=Transactions(), limits=self.server.chat.limits.__class__(
            login_timeout=60, flood_rate=0, max_per_ip=0, conn_rate=0))
        owner = server.connect(host="192.0.2.1")
        owner.send("login alice")
        owner.send("/register right-pass")
        owner.send("/quit")
        for index in range(4):
            server.connect(host=f"10.0.0.{index}").send(f"login alice wrong-{index}")
        late = server.connect(host="10.0.0.50")
        server.clock.advance(50)
        server.connect(host="10.0.0.51").send("login alice wrong-5")  # the next turn: in 16 s
        late.send("login alice right-pass")
        late.clear()
        server.clock.advance(17)
        self.assertTrue(late.connected)
        self.assertIn("*** You are alice. Type /help for the commands.", late.lines())

    def test_a_guess_buys_no_more_time_than_it_waits(self) -> None:
        """A guess checked at once leaves the login timeout where it was."""
        server = Server(db=Transactions(), limits=only(login_timeout=60))
        owner = server.connect(host="192.0.2.1")
        owner.send("login alice")
        owner.send("/register right-pass")
        owner.send("/quit")
        guesser = server.connect(host="10.0.0.1")
        server.clock.advance(50)
        guesser.send("login alice wrong-1")
        server.clock.advance(10)
        self.assertFalse(guesser.connected)

