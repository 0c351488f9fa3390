"""
The chat with its memory: history, registered names and lasting rooms, over
the real store on a real SQLite database, with transactions run when the test
says (``Transactions``) instead of on a thread.
"""

from __future__ import annotations

import gc
import shutil
import sqlite3
import tempfile
import weakref
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server, Transactions, only
from twisted_chat.core import events
from twisted_chat.hub.local import MAX_UNSTORED
from twisted_chat.hub.outbox import WAIT as OUTBOX_WAIT
from twisted_chat.service import OVERDUE_INTERVAL
from twisted_chat.store.sqlite import schema, searching


def chat_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("<")]


class DeliveryTests(SynchronousTestCase):
    """A line goes out once it is stored, and nothing overtakes it."""

    def setUp(self) -> None:
        self.transactions = Transactions(immediate=False)
        self.server = Server(db=self.transactions)
        self.alice = self.server.login("alice")
        self.bob = self.server.login("bob")
        self.commit_all()
        self.alice.clear()
        self.bob.clear()

    def commit_all(self) -> None:
        while self.transactions.pending:
            self.transactions.finish()

    def test_delivered_only_once_stored(self) -> None:
        self.alice.send("hello")
        self.assertEqual(self.bob.lines(), [])
        self.assertEqual(self.alice.lines(), [])
        self.commit_all()
        self.assertEqual(self.bob.lines(), ["<alice> hello"])
        self.assertEqual(self.alice.lines(), ["<alice> hello"])
        stored = self.transactions.connection.execute("SELECT sender, text FROM messages")
        self.assertEqual(stored.fetchall(), [("alice", "hello")])

    def test_nothing_overtakes_a_line_being_stored(self) -> None:
        """Said, then gone: the room reads the line before the departure."""
        self.alice.send("bye all")
        self.alice.send("/look")
        self.alice.send("/quit see you")
        self.assertEqual(self.bob.lines(), [])
        self.commit_all()
        self.assertEqual(self.bob.lines(),
                         ["<alice> bye all", "*** alice has logged out (see you)"])
        lines = self.alice.lines()
        self.assertEqual(lines[0], "<alice> bye all")
        self.assertEqual(lines[1], "= Room lobby")
        self.assertEqual(lines[-1], "*** Goodbye, alice.")
        self.assertFalse(self.alice.connected)

    def test_an_answer_asked_for_before_quitting_is_sent(self) -> None:
        """A bot that searches and quits in one breath reads the answer, then goodbye."""
        self.alice.send("oolong tea")
        self.alice.send("/search oolong")
        self.alice.send("/quit")
        self.commit_all()
        lines = self.alice.lines()
        self.assertEqual(lines[:2], ["<alice> oolong tea", "= 1 line in lobby matching oolong:"])
        self.assertTrue(lines[2].endswith("] <alice> oolong tea"), lines[2])
        self.assertEqual(lines[-1], "*** Goodbye, alice.")

    def test_a_store_that_hangs_holds_nobody_up_for_long(self) -> None:
        """
        The store does not answer: within two seconds bob has his /who, and
        alice is told her line was not stored; when the store answers at
        last, the line is not delivered after all.
        """
        self.server.start_timers()
        self.alice.send("lost in the store")
        self.bob.send("/who")
        self.assertEqual(self.bob.lines(), [])
        self.server.clock.advance(OUTBOX_WAIT + OVERDUE_INTERVAL)
        self.assertEqual(self.bob.lines(), ["= Online (2):", "=   alice (in lobby)",
                                            "=   bob (in lobby)"])
        self.assertEqual(self.alice.lines(), [
            "! Your message could not be stored, so it was not sent. Try again."])
        alice = self.server.chat.find_user("alice")
        self.assertEqual(self.server.hub.unstored(alice), 1,
                         "still waiting: a sender far ahead is not read")
        self.commit_all()
        self.assertEqual(self.alice.lines() + self.bob.lines(), [])
        self.assertEqual(self.server.hub.unstored(alice), 0)
        stored = self.transactions.connection.execute("SELECT text FROM messages").fetchall()
        self.assertEqual(stored, [], "what its sender was told was not stored is not")
        self.alice.send("the store is back")
        self.commit_all()
        self.assertEqual(self.bob.lines(), ["<alice> the store is back"])
        self.server.stop_timers()

    def test_a_store_that_hangs_stops_reading_its_senders(self) -> None:
        """
        However long the store hangs, a sender far ahead of it (64 lines) is
        not read: its lines cannot pile up in memory.
        """
        self.server.start_timers()
        for index in range(MAX_UNSTORED):
            self.alice.send(f"line {index}")
            self.server.clock.advance(OUTBOX_WAIT + OVERDUE_INTERVAL)
        self.assertEqual(self.alice.transport.producerState, "paused")
        self.commit_all()
        self.assertEqual(self.alice.transport.producerState, "producing")
        self.server.stop_timers()

    def test_group_commit(self) -> None:
        """Lines said while a transaction runs go together in the next one."""
        store = self.server.store
        before = store.transactions
        self.alice.send("one")
        for text in ("two", "three", "four"):
            self.bob.send(text)
        self.assertEqual(len(self.transactions.pending), 1)
        self.commit_all()
        self.assertEqual(store.transactions - before, 2)
        self.assertEqual(chat_lines(self.alice.lines()),
                         ["<alice> one", "<bob> two", "<bob> three", "<bob> four"])

    def test_json_lines_carry_their_id(self) -> None:
        self.bob.send("/format json")
        self.bob.clear()
        self.alice.send("hello")
        self.commit_all()
        [event] = self.bob.events()
        self.assertEqual((event["type"], event["text"]), ("chat", "hello"))
        self.assertIsInstance(event["id"], int)

    def test_not_stored_is_not_sent(self) -> None:
        """A line the database refused is not delivered, and its sender is told."""
        self.transactions.broken = True
        self.alice.send("lost?")
        self.commit_all()
        self.assertEqual(self.bob.lines(), [])
        self.assertEqual(self.alice.lines(), [
            "! Your message could not be stored, so it was not sent. Try again."])
        self.flushLoggedErrors(sqlite3.OperationalError)

    def test_a_sender_far_ahead_of_the_store_is_not_read(self) -> None:
        transport = self.alice.transport
        for index in range(MAX_UNSTORED):
            self.alice.send(f"line {index}")
        self.assertEqual(transport.producerState, "paused")
        while len(self.transactions.pending) and transport.producerState == "paused":
            self.transactions.finish()
        self.assertEqual(transport.producerState, "producing")

    def test_newcomer_gets_earlier_lines_once(self) -> None:
        """Lines said before joining come in the replay, those after live; none twice."""
        self.alice.send("before")
        carol = self.server.connect()
        carol.send("login carol")
        self.alice.send("after")
        self.commit_all()
        lines = carol.lines()
        replay = lines.index("= Last 1 line in lobby:")
        self.assertRegex(lines[replay + 1], r"^=   \[\d\d:\d\d\] <alice> before$")
        self.assertEqual(chat_lines(lines), ["<alice> after"])

    def test_replay_from_memory(self) -> None:
        """Once the room's last lines are known, entering it reads nothing from the store."""
        self.alice.send("one")
        self.alice.send("/me pours tea")
        self.commit_all()
        carol = self.server.connect()
        carol.send("login carol")
        self.assertEqual(self.transactions.pending, [])
        lines = carol.lines()
        replay = lines.index("= Last 2 lines in lobby:")
        stored = schema.recent(self.transactions.connection.cursor(), "lobby", 20)
        self.assertEqual([line.text for line in stored], ["one", "pours tea"])
        self.assertRegex(lines[replay + 1], r"^=   \[\d\d:\d\d\] <alice> one$")
        self.assertRegex(lines[replay + 2], r"^=   \[\d\d:\d\d\] \* alice pours tea$")

    def test_a_line_not_stored_is_not_replayed(self) -> None:
        self.transactions.broken = True
        self.alice.send("lost?")
        self.commit_all()
        self.transactions.broken = False
        self.alice.send("kept")
        self.commit_all()
        carol = self.server.connect()
        carol.send("login carol")
        self.commit_all()
        lines = carol.lines()
        replay = lines.index("= Last 1 line in lobby:")
        self.assertRegex(lines[replay + 1], r"^=   \[\d\d:\d\d\] <alice> kept$")
        self.flushLoggedErrors(sqlite3.OperationalError)


class HistoryTests(SynchronousTestCase):
    def setUp(self) -> None:
        # Lines long enough for a count of more digits than int() reads.
        self.server = Server(max_line=8192, db=Transactions(), replay=3)
        self.alice = self.server.login("alice")
        for text in ("one", "two tea", "three", "four TEA", "five"):
            self.alice.send(text)
        self.alice.send("/me pours tea")
        self.alice.clear()

    def listing(self, client_line: str) -> list[str]:
        self.alice.send(client_line)
        return [line.split("] ", 1)[-1] for line in self.alice.lines()]

    def test_replay_on_entering(self) -> None:
        bob = self.server.connect()
        bob.send("login bob")
        lines = bob.lines()
        start = lines.index("= Last 3 lines in lobby:")
        self.assertEqual([line.split("] ", 1)[1] for line in lines[start + 1:start + 4]],
                         ["<alice> four TEA", "<alice> five", "* alice pours tea"])

    def test_the_hub_lets_go_of_a_room_that_is_gone(self) -> None:
        """What the hub keeps of a room's lines goes with the room: made and left, nothing stays."""
        self.alice.send("/create games")
        self.alice.send("a line in games")
        room = weakref.ref(self.server.chat.find_room("games"))
        self.alice.send("/leave")
        gc.collect()
        self.assertIsNone(room())

    def test_a_room_made_again_replays_its_past(self) -> None:
        """A room gone and made again is read from the store: its past is its name's."""
        self.alice.send("/create games")
        self.alice.send("a move")
        self.alice.send("/leave")
        bob = self.server.login("bob")
        bob.send("/create Games")
        lines = bob.lines()
        replay = lines.index("= Last 1 line in Games:")
        self.assertTrue(lines[replay + 1].endswith("] <alice> a move"), lines[replay + 1])

    def test_history(self) -> None:
        self.assertEqual(self.listing("/history 2"), [
            "= History of lobby, 2 lines:", "<alice> five", "* alice pours tea"])
        self.assertEqual(len(self.listing("/history")), 7)

    def test_history_of_no_lines(self) -> None:
        """/history 0 asks for nothing: the usage, not "nothing has been said"."""
        for zero in ("0", "000"):
            with self.subTest(zero=zero):
                self.alice.send(f"/history {zero}")
                self.assertEqual(self.alice.lines(), [
                    "! Usage: /history [N] (N is a number of lines, such as 50)"])

    def test_search(self) -> None:
        self.assertEqual(self.listing("/search tea"), [
            "= 3 lines in lobby matching tea:", "<alice> two tea", "<alice> four TEA",
            "* alice pours tea"])
        self.assertEqual(self.listing("/search coffee"), ["= No lines in lobby match coffee."])

    def test_history_is_per_room(self) -> None:
        self.alice.send("/create games")
        self.alice.clear()
        self.assertEqual(self.listing("/history"), ["= Nothing has been said in games yet."])

    def test_at_most_eight_words(self) -> None:
        self.assertEqual(self.listing("/search " + " ".join("abcdefghi")),
                         ["! A search takes at most 8 words. Leave some out."])
        self.assertEqual(self.listing("/search " + " ".join("tea " * 20)),
                         ["= 3 lines in lobby matching " + " ".join("tea " * 20).strip() + ":",
                          "<alice> two tea", "<alice> four TEA", "* alice pours tea"])

    def test_searches_a_minute(self) -> None:
        server = Server(db=Transactions(), limits=only(search_rate=2))
        alice = server.login("alice")
        alice.send("/search tea")
        alice.send("/search tea")
        alice.clear()
        alice.send("/search tea")
        self.assertEqual(alice.lines(), ["! You are searching too fast: at most 2 a minute. "
                                         "Try again in 1 minute."])

    def test_a_search_past_its_time_is_stopped(self) -> None:
        server = Server(db=Transactions(), search_time=0.0005)
        alice = server.login("alice")
        messages = [events.Message(1.0, "lobby", "bob", f"line {n} abcdefghijklmnopqrstuvwxy")
                    for n in range(20_000)]
        assert server.transactions is not None
        schema.append(server.transactions.connection.cursor(), messages, ["lobby"] * 20_000)
        assert server.searches is not None
        searching.catch_up(server.transactions.connection.cursor(), server.searches.connection)
        alice.send("/search a b c d e f g z")
        self.assertEqual(alice.lines(), ["! That search took more than 0.0005 seconds and was "
                                         "stopped. Use fewer short words, or longer ones."])
        alice.send("/search line 19999")
        self.assertIn("= 1 line in lobby matching line 19999:", alice.lines())

    def test_a_search_holds_up_nobody_else(self) -> None:
        """
        While alice's search runs, bob's lines reach everyone, alice
        included; what alice does next waits for her answer.
        """
        searches = Transactions(immediate=False, prepare=searching.prepare)
        server = Server(db=Transactions(), searches=searches)
        alice, bob = server.logins("alice", "bob")
        alice.send("oolong")
        searches.finish()  # the copy of "oolong"
        alice.clear()
        bob.clear()
        alice.send("/search oolong")
        alice.send("after my search")
        bob.send("meanwhile")
        self.assertEqual(alice.lines(), ["<bob> meanwhile"])
        self.assertEqual(bob.lines(), ["<bob> meanwhile"])
        while searches.pending:
            searches.finish()
        lines = alice.lines()
        self.assertEqual(lines[0], "= 1 line in lobby matching oolong:")
        self.assertEqual(lines[-1], "<alice> after my search")

    def test_two_searches_at_once_from_an_address(self) -> None:
        """The search thread's few places are not all one address's."""
        searches = Transactions(immediate=False, prepare=searching.prepare)
        server = Server(db=Transactions(), searches=searches)
        users = server.logins("ann", "bob", "cat")
        for user in users:
            user.send("/search tea")
        self.assertEqual([user.lines() for user in users], [[], [], [
            "! Too many searches are running just now. Try again in a moment."]])
        while searches.pending:
            searches.finish()
        users[2].send("/search tea")
        searches.finish()
        self.assertEqual(users[2].lines(), ["= No lines in lobby match tea."])

    def test_a_search_waits_a_bounded_time(self) -> None:
        """
        The copy does not answer: after SEARCH_WAIT the searcher is told the
        history cannot be read, and what it typed meanwhile goes on.
        """
        searches = Transactions(immediate=False, prepare=searching.prepare)
        server = Server(db=Transactions(), searches=searches)
        alice = server.login("alice")
        alice.send("/search tea")
        alice.send("after my search")
        self.assertEqual(alice.lines(), [])
        server.clock.advance(searching.SEARCH_WAIT)
        self.assertEqual(alice.lines(), ["! The history could not be read just now. Try again.",
                                         "<alice> after my search"])
        while searches.pending:
            searches.finish()
        self.assertEqual(alice.lines(), [], "the answer that came too late is not sent")

    def test_json(self) -> None:
        self.alice.send("/format json")
        self.alice.clear()
        self.alice.send("/search tea")
        [event] = self.alice.events()
        self.assertEqual((event["type"], event["reason"], event["query"], event["room"]),
                         ("history", "search", "tea", "lobby"))
        self.assertEqual([line["text"] for line in event["lines"]],
                         ["two tea", "four TEA", "pours tea"])
        self.assertEqual(event["lines"][2]["kind"], "emote")

    def test_bad_count(self) -> None:
        """Any count but ASCII digits is a usage error, never an internal one."""
        for count in ["many", "\u00b2", "\u0663", "\uff15", "-3"]:
            self.alice.send(f"/history {count}")
            self.assertEqual(self.alice.lines(), [
                "! Usage: /history [N] (N is a number of lines, such as 50)"], ascii(count))

    def test_huge_count(self) -> None:
        """A count of thousands of digits shows the most there is, as a big one does."""
        self.assertEqual(self.listing("/history " + "9" * 5000), self.listing("/history 200"))

    def test_without_a_store(self) -> None:
        client = Server().login("alice")
        client.send("/history")
        client.send("/search tea")
        client.send("/register oolong-42")
        self.assertEqual(client.lines(), [
            "! This server runs without memory: no history, registered names or lasting "
            "rooms."] * 3)


class AccountTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.transactions = Transactions()
        self.server = Server(db=self.transactions)
        self.bob = self.server.login("bob")
        self.bob.send("/register oolong-42")
        self.bob.clear()

    def login(self, line: str) -> list[str]:
        client = self.server.connect()
        client.clear()
        client.send(line)
        return client.lines()

    def test_the_hash_is_argon2_never_the_password(self) -> None:
        [(name, hashed)] = self.transactions.connection.execute(
            "SELECT name, hash FROM accounts").fetchall()
        self.assertEqual(name, "bob")
        self.assertTrue(hashed.startswith("$argon2id$"))
        self.assertNotIn("oolong-42", hashed)

    def test_password_needed(self) -> None:
        self.bob.send("/quit")
        self.assertEqual(self.login("login bob"), [
            "! The name 'bob' is registered. Log in with: login bob PASSWORD"])
        self.assertEqual(self.login("login BOB oolong-42")[0],
                         "*** You are BOB. Type /help for the commands.")

    def test_wrong_password_is_slowed(self) -> None:
        """After each wrong try at a name, the next waits longer (see test_guessing)."""
        self.bob.send("/quit")
        client = self.server.connect()
        client.clear()
        client.send("login bob guess-1")
        self.assertEqual(client.lines(), ["! Wrong password for 'bob'."])
        client.send("login bob guess-2")
        self.server.clock.advance(0.9)
        self.assertEqual(client.lines(), [])
        self.server.clock.advance(0.1)
        self.assertEqual(client.lines(), ["! Wrong password for 'bob'."])
        client.send("login bob oolong-42")
        client.send("hello")
        self.server.clock.advance(1.9)
        self.assertEqual(client.lines(), [])
        self.server.clock.advance(0.1)
        lines = client.lines()
        self.assertEqual(lines[0], "*** You are bob. Type /help for the commands.")
        self.assertEqual(lines[-1], "<bob> hello", "the line after the login waited for it")

    def test_register_twice_and_bad_passwords(self) -> None:
        self.bob.send("/register another1")
        self.bob.send("/password oolong-42 short")
        self.assertEqual(self.bob.lines(), [
            "! 'bob' is already registered. To change its password: /password OLD NEW",
            "! A password is 6 to 128 characters, with no spaces."])

    def test_change_password(self) -> None:
        self.bob.send("/password oolong-42 darjeeling")
        self.assertEqual(self.bob.lines(), ["*** Your password is changed."])
        self.bob.send("/quit")
        client = self.server.connect()
        client.clear()
        client.send("login bob oolong-42")
        self.server.clock.advance(1)
        client.send("login bob darjeeling")
        self.assertEqual(client.lines()[:2], [
            "! Wrong password for 'bob'.", "*** You are bob. Type /help for the commands."])

    def test_wrong_old_password(self) -> None:
        self.bob.send("/password guess-1 darjeeling")
        self.server.clock.advance(1)
        self.assertEqual(self.bob.lines(), ["! Wrong password for 'bob'."])

    def test_nobody_else_takes_a_registered_name(self) -> None:
        carol = self.server.login("carol")
        self.bob.send("/quit")
        carol.clear()
        carol.send("/nick Bob")
        self.assertEqual(carol.lines(), [
            "! The name 'Bob' is registered to someone; choose another."])

    def test_unregistered_name_cannot_change_a_password(self) -> None:
        carol = self.server.login("carol")
        carol.send("/password a-b-c-d-e f-g-h-i-j")
        self.assertEqual(carol.lines(), [
            "! 'carol' is not a registered name, needed for a password. "
            "Register it first: /register PASSWORD"])


class LastingRoomTests(SynchronousTestCase):
    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = Path(directory) / "chat.db"
        self.server = Server(db=Transactions(str(self.path)))
        self.bob = self.server.login("bob")
        self.bob.send("/register oolong-42")
        self.bob.send("/create games")
        self.bob.clear()

    def stop(self) -> None:
        """Let go of the file, as a server that stops does."""
        assert self.server.transactions is not None
        self.server.transactions.connection.close()

    def test_register_and_outlive_everyone(self) -> None:
        self.bob.send("/room register")
        self.bob.send("/topic Go and chess")
        self.bob.send("good game")
        self.bob.send("/quit")
        carol = self.server.login("carol")
        carol.send("list")
        self.assertIn("=   games (0): Go and chess", carol.lines())

        # A new server on the same file (the old one stopped, as it holds the
        # file alone): the room, its topic and its keeper are back.
        self.stop()
        again = Server(db=Transactions(str(self.path)))
        carol = again.login("carol")
        carol.send("/join games")
        lines = carol.lines()
        self.assertIn("= Topic: Go and chess", lines)
        self.assertRegex(lines[-1], r"<bob> good game$")
        bob = again.connect()
        bob.send("login bob oolong-42")
        bob.send("/join games")
        self.assertIn("*** bob now owns games", carol.lines())
        self.assertIn("= Room games, owned by bob", bob.lines())

    def test_rules(self) -> None:
        carol = self.server.login("carol")
        carol.send("/join games")
        carol.send("/room register")
        self.bob.send("/room REGISTER")
        self.bob.send("/room register")
        carol.send("/room unregister")
        self.bob.send("/leave")
        self.bob.send("/room register")
        self.bob.send("/room remember")
        self.assertEqual([line for line in carol.lines() if line.startswith("!")], [
            "! 'carol' is not a registered name, needed for registering a room. "
            "Register it first: /register PASSWORD",
            "! Only the one who registered games can do that."])
        self.assertEqual([line for line in self.bob.lines() if line.startswith(("!", "*** g"))], [
            "*** games is registered: it stays, with its topic, when empty and when the server "
            "restarts, and it is yours whenever you are in it.",
            "! games is already registered.",
            "! lobby is the main room: it always exists and has no owner.",
            "! Usage: /room [invite-only|key|limit|slow|quiet|register|unregister] [VALUE]"])

    def test_unregister(self) -> None:
        self.bob.send("/room register")
        self.bob.send("/room unregister")
        self.bob.send("/leave")
        self.bob.send("/list")
        self.assertIn("= Rooms (1):", self.bob.lines())
        self.stop()
        connection = schema.connect(str(self.path))
        self.assertEqual(schema.rooms(connection.cursor()), [])
