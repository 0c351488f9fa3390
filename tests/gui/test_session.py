"""
The chat window's logic without a display: the GUI's client and session, wired
in memory (``twisted.test.iosim``) to the real server logic on a ``Clock``,
with a view that records what it is asked to show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred
from twisted.test import iosim
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import implementer
from zope.interface.verify import verifyObject

from tests.harness import Client, Server, Transactions
from twisted_chat.core import events
from twisted_chat.core.chat import CROWD_NAMES
from twisted_chat.core.events import RoomEntry
from twisted_chat.core.formats import JsonFormat
from twisted_chat.core.limits import CROWD_INTERVAL, UNLIMITED
from twisted_chat.gui.client import ChatClient, LoginFailed
from twisted_chat.gui.present import Row
from twisted_chat.gui.session import IChatView, Session
from twisted_chat.gui.words import Words
from twisted_chat.i18n.languages import ENGLISH, SIMPLIFIED, TRADITIONAL
from twisted_chat.service import SHUTDOWN_NOTICE


@implementer(IChatView)
class RecordingView:
    """A chat window without a window: it keeps what it was last told."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.room = self.topic = self.me = ""
        self.members: list[str] = []
        self.ranks: dict[str, str] = {}
        self.rooms: list[tuple[str, int]] = []
        self.current = ""
        self.lost: str | None = None
        self.connections = 0
        self.relabelled = 0

    def show_rows(self, rows: Sequence[Row]) -> None:
        self.rows.extend(rows)

    def clear_log(self) -> None:
        self.rows.clear()

    def show_room(self, room: str, topic: str, name: str) -> None:
        self.room, self.topic, self.me = room, topic, name

    def show_members(self, members: Sequence[str], ranks: Mapping[str, str], me: str,
                     more: int = 0) -> None:
        self.members, self.ranks, self.more = list(members), dict(ranks), more

    @property
    def owner(self) -> str | None:
        return next((name for name, rank in self.ranks.items() if rank == "owner"), None)

    def show_rooms(self, rooms: Sequence[RoomEntry], current: str) -> None:
        self.rooms = [(room.name, room.members) for room in rooms]
        self.current = current

    def show_lost(self, message: str) -> None:
        self.lost = message

    def show_connected(self) -> None:
        self.lost = None
        self.connections += 1

    def language_changed(self) -> None:
        self.relabelled += 1

    def lines(self) -> list[str]:
        """The log as text: marker and text of each row."""
        return [f"{row.marker} {row.text}".strip() for row in self.rows]


class Window:
    """A GUI session, its client and its view, on a connection to an in-memory server."""

    port = 50000

    def __init__(self, server: Server, name: str, language: str | None = None) -> None:
        self.server = server
        self.language = language
        self.view = RecordingView()
        self.session = Session(self.view, clock=server.clock.seconds)
        outcome = self.connect(name)
        assert isinstance(outcome, ChatClient), outcome

    def connect(self, name: str, server: Server | None = None,
                moved: str | None = None) -> ChatClient | LoginFailed:
        """
        Log in over a new connection (to ``server``, if another); attach it to
        the session if that worked (``moved``: the new server's address).
        """
        outcome: list[object] = []
        self.dial(name, server).addCallbacks(
            outcome.append, lambda failure: outcome.append(failure.value))
        if outcome[0] is self.client:
            self.session.attach(self.client, moved)
            self.sync()
        return outcome[0]  # type: ignore[return-value]

    def dial(self, name: str, server: Server | None = None) -> Deferred[ChatClient]:
        """A new connection to ``server`` (else this window's), logging in: answered at once."""
        self.server = server or self.server
        Window.port += 1
        client = ChatClient(language=self.language)
        protocol = self.server.factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", self.port))
        self.pump = iosim.connect(protocol, iosim.makeFakeServer(protocol),
                                  client, iosim.makeFakeClient(client))
        self.client = client
        logging_in = client.login(name, self.server.clock)
        self.pump.flush()
        return logging_in

    def sync(self) -> None:
        """Deliver what is in flight both ways."""
        self.pump.flush()

    def told(self, *sent: events.Event) -> None:
        """
        The server sends these events, in its JSON format's words, as it does
        for acts this in-memory server is not asked to do itself.
        """
        for event in sent:
            self.client.lineReceived(JsonFormat().render(event).removesuffix(b"\r\n"))
        self.sync()

    def type(self, text: str) -> None:
        self.session.submit(text)
        self.sync()

    def drop(self) -> None:
        """The connection breaks."""
        self.client.transport.loseConnection()
        self.sync()


class SessionTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server(main_topic="Tea and talk", motd="Be kind.")
        self.alice = Window(self.server, "alice")
        self.view = self.alice.view

    def sync(self) -> None:
        self.alice.sync()


class ViewTests(SynchronousTestCase):
    def test_recording_view_is_a_view(self) -> None:
        self.assertTrue(verifyObject(IChatView, RecordingView()))


class LoginTests(SessionTestCase):
    def test_what_the_window_shows_after_login(self) -> None:
        self.assertEqual((self.view.room, self.view.topic, self.view.me),
                         ("lobby", "Tea and talk", "alice"))
        self.assertEqual(self.view.members, ["alice"])
        self.assertEqual(self.view.lines(), [
            "*** Be kind.", "= Room lobby", "= Topic: Tea and talk", "= Members (1): alice"])
        self.assertEqual(self.view.connections, 1)

    def test_room_list_is_fetched_quietly(self) -> None:
        """The window asks for the rooms on entering one; the answer fills the list, not the log."""
        self.assertEqual(self.view.rooms, [("lobby", 1)])
        self.assertFalse(any("Rooms" in line for line in self.view.lines()))

    def test_typed_list_is_shown(self) -> None:
        self.alice.type("/list")
        self.assertEqual(self.view.lines()[-2:], ["= Rooms (1):", "=   lobby (1): Tea and talk"])

    def test_name_taken(self) -> None:
        failed = Window(self.server, "bob").connect("ALICE")
        self.assertIsInstance(failed, LoginFailed)
        self.assertIn("is taken", failed.message)  # type: ignore[union-attr]


class MembersTests(SessionTestCase):
    def test_arrivals_and_departures(self) -> None:
        bob = self.server.login("bob")
        self.sync()
        self.assertEqual(self.view.members, ["alice", "bob"])
        self.assertEqual(self.view.rooms, [("lobby", 2)])
        carol = self.server.login("Carol")
        self.sync()
        self.assertEqual(self.view.members, ["alice", "bob", "Carol"])
        carol.drop()
        bob.send("/quit bye")
        self.sync()
        self.assertEqual(self.view.members, ["alice"])
        self.assertEqual(self.view.rooms, [("lobby", 1)])
        self.assertEqual(self.view.lines()[-2:], ["*** Carol has left (connection lost)",
                                                  "*** bob has logged out (bye)"])

    def test_member_leaves_for_a_new_room(self) -> None:
        """A room the list does not know yet is fetched; counts follow the moves."""
        bob = self.server.login("bob")
        bob.send("/create games")
        self.sync()
        self.assertEqual(self.view.members, ["alice"])
        self.assertEqual(self.view.rooms, [("games", 1), ("lobby", 1)])
        bob.send("/join lobby")
        self.sync()
        self.assertEqual(self.view.members, ["alice", "bob"])
        self.assertEqual(self.view.rooms, [("lobby", 2)])

    def test_renames(self) -> None:
        bob = self.server.login("bob")
        bob.send("/nick robert")
        self.alice.type("/nick alicia")
        self.assertEqual(self.view.members, ["alicia", "robert"])
        self.assertEqual(self.view.me, "alicia")
        self.assertEqual(self.alice.session.name, "alicia")

    def test_entering_a_room(self) -> None:
        bob = self.server.login("bob")
        bob.send("/create games")
        self.alice.type("/join games")
        self.assertEqual((self.view.room, self.view.members, self.view.owner),
                         ("games", ["alice", "bob"], "bob"))
        self.assertEqual(self.view.rooms, [("games", 2), ("lobby", 0)])
        self.assertEqual(self.view.current, "games")

    def test_owner_and_topic(self) -> None:
        bob = self.server.login("bob")
        self.alice.type("/create tea")
        self.assertEqual(self.view.owner, "alice")
        self.alice.type("/topic Oolong only")
        self.assertEqual(self.view.topic, "Oolong only")
        bob.send("/join tea")
        self.alice.type("/join lobby")
        self.alice.type("/join tea")
        self.assertEqual(self.view.owner, "bob")


class InputTests(SessionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.bob = self.server.login("bob", "json")
        self.sync()

    def heard(self) -> list[str]:
        return [event["text"] for event in self.bob.events() if event["type"] == "chat"]

    def test_plain_text_is_chat_even_when_it_is_a_command_word(self) -> None:
        self.alice.type("look")
        self.alice.type("who")
        self.assertEqual(self.heard(), ["look", "who"])
        self.assertEqual(self.view.lines()[-1], "<alice> who")
        self.assertTrue(self.view.rows[-1].own)

    def test_a_password_typed_without_its_slash_is_a_command(self) -> None:
        """As on telnet: the room never reads a line that starts with register or password."""
        self.alice.type("register hunter22")
        self.alice.type("password hunter22 other-one")
        self.assertEqual(self.heard(), [])
        self.assertTrue(self.view.lines()[-1].startswith("! "), self.view.lines()[-1])

    def test_slash_commands_work_as_on_telnet(self) -> None:
        self.alice.type("/me waves")
        self.alice.type("/msg bob psst")
        self.alice.type("/look")
        kinds = [event["type"] for event in self.bob.events()]
        self.assertEqual(kinds, ["emote", "private"])
        self.assertEqual(self.view.lines()[-3:],
                         ["= Room lobby", "= Topic: Tea and talk", "= Members (2): alice, bob"])

    def test_double_slash_sends_a_slash(self) -> None:
        self.alice.type("//shrug")
        self.assertEqual(self.heard(), ["/shrug"])

    def test_pasted_lines_go_one_by_one(self) -> None:
        self.alice.type("one\r\n\ntwo\nthree")
        self.assertEqual(self.heard(), ["one", "two", "three"])

    def test_clear_is_the_windows_own(self) -> None:
        self.alice.type("/clear")
        self.assertEqual(self.view.rows, [])
        self.assertEqual(self.bob.events(), [])

    def test_format_stays_json(self) -> None:
        """The window cannot read text, so /format is refused before it reaches the server."""
        self.alice.type("/format text")
        self.assertEqual(self.view.rows[-1].style, "error")
        self.alice.type("still here")
        self.assertEqual(self.heard(), ["still here"])

    def test_join_the_room_you_are_in_sends_nothing(self) -> None:
        shown = len(self.view.rows)
        self.alice.session.join("LOBBY")
        self.sync()
        self.assertEqual(len(self.view.rows), shown)
        self.alice.session.join("games")
        self.sync()
        self.assertEqual(self.view.rows[-1].text,
                         "There is no room 'games'. Make it with /create games.")

    def test_mentions_and_private_messages(self) -> None:
        self.bob.send("hey Alice, tea?")
        self.bob.send("/msg alice psst")
        self.sync()
        chat, private = self.view.rows[-2:]
        self.assertTrue(chat.mention)
        self.assertEqual((private.style, private.marker), ("private", "[bob -> alice]"))


class CrowdTests(SynchronousTestCase):
    def test_a_crowd_updates_the_members_quietly(self) -> None:
        """A summary naming everyone updates the list; one that cannot is followed by a look."""
        server = Server(limits=replace(UNLIMITED, crowd=3))
        server.start_timers()
        self.addCleanup(server.stop_timers)
        window = Window(server, "alice")
        server.login("bob")
        server.login("carol")
        window.sync()
        server.login("dave")
        server.clock.advance(CROWD_INTERVAL)
        window.sync()
        self.assertEqual(window.view.members, ["alice", "bob", "carol", "dave"])
        self.assertEqual(window.view.lines()[-1], "*** lobby: 1 came in: dave")
        for index in range(CROWD_NAMES + 2):
            server.login(f"u{index:02}")
        server.clock.advance(CROWD_INTERVAL)
        window.sync()
        self.assertEqual(len(window.view.members) + window.view.more, CROWD_NAMES + 6)
        self.assertEqual(window.view.more, 6)
        self.assertFalse(any(line.startswith("= Members") for line in window.view.lines()[-3:]),
                         "the window's own look is not shown")


class ConnectionTests(SessionTestCase):
    def test_lost_and_back_in_the_same_room(self) -> None:
        """After a reconnect the user is taken back to the room they were in."""
        bob = self.server.login("bob")
        bob.send("/create games")
        self.alice.type("/join games")
        self.alice.drop()
        self.assertEqual(self.view.lost, "The server closed the connection.")
        self.assertFalse(self.alice.session.connected)
        self.alice.session.submit("anyone?")
        self.assertEqual(self.view.rows[-1].style, "error")
        self.assertIn("Reconnect", self.view.rows[-1].text)

        self.assertIsInstance(self.alice.connect("alice"), ChatClient)
        self.assertIn("*** Connected again as alice.", self.view.lines())
        self.assertEqual((self.view.room, self.view.members), ("games", ["alice", "bob"]))
        self.assertEqual((self.view.lost, self.view.connections), (None, 2))
        self.alice.type("hello again")
        self.assertEqual(bob.lines()[-1], "<alice> hello again")

    def test_own_room_gone_is_made_again(self) -> None:
        """The user's own room emptied while they were away: it is made again, theirs."""
        self.alice.type("/create tea")
        self.alice.type("/topic Oolong only")
        self.alice.drop()
        self.alice.connect("alice")
        self.assertEqual((self.view.room, self.view.owner), ("tea", "alice"))
        self.assertIn("*** The room tea is not on this server; making it again, as it was yours.",
                      self.view.lines())
        self.assertFalse(any(row.style == "error" for row in self.view.rows[-8:]))

    def test_someone_elses_room_gone(self) -> None:
        """Another's room gone meanwhile: the main room, and a line that says so."""
        bob = self.server.login("bob")
        bob.send("/create games")
        self.alice.type("/join games")
        self.alice.drop()
        bob.send("/quit")
        self.alice.connect("alice")
        self.assertEqual(self.view.room, "lobby")
        self.assertEqual((self.view.rows[-1].style, self.view.lines()[-1]), (
            "error", "! The room games you were in is not on this server; you are in lobby. "
                     "Make it with /create games."))
        self.assertNotIn("There is no room 'games'. Make it with /create games.",
                         [row.text for row in self.view.rows])

    def test_back_on_another_server(self) -> None:
        """
        Back through another server, which has never heard of the user's room:
        it is made there, the log says where the user is now.
        """
        self.alice.type("/create maths")
        self.alice.drop()
        other = Server(main_topic="Tea and talk")
        bob = other.login("bob")
        self.alice.connect("alice", server=other, moved="b.example.org:6666")
        self.assertIn("*** Connected again as alice, on b.example.org:6666.", self.view.lines())
        self.assertEqual((self.view.room, self.view.owner, self.view.lost),
                         ("maths", "alice", None))
        self.assertEqual((self.view.rooms, self.view.current),
                         ([("lobby", 1), ("maths", 1)], "maths"))
        bob.send("/join maths")
        self.alice.type("hello from b")
        self.assertEqual(bob.lines()[-1], "<alice> hello from b")

    def test_a_room_that_exists_is_joined_not_made(self) -> None:
        """
        Owner of a room others are still in: back into it (a new owner now),
        never a second /create.
        """
        bob = self.server.login("bob")
        self.alice.type("/create tea")
        bob.send("/join tea")
        self.alice.drop()
        self.alice.connect("alice")
        self.assertEqual((self.view.room, self.view.members), ("tea", ["alice", "bob"]))
        self.assertNotIn("making it again", " ".join(self.view.lines()))

    def test_goodbye_is_the_reason(self) -> None:
        self.alice.type("/quit see you")
        self.assertEqual(self.view.lost, "Goodbye, alice.")

    def test_cut_by_the_server(self) -> None:
        """Cut for idling (or flooding): the window says why, in the server's words."""
        server = Server(limits=replace(UNLIMITED, idle_timeout=120))
        window = Window(server, "alice")
        for _ in range(3):
            server.clock.advance(60)
            window.sync()
        self.assertIn("idle", window.view.lost or "")
        self.assertEqual(window.view.lost, window.view.rows[-1].text)

    def test_close_says_goodbye(self) -> None:
        bob = self.server.login("bob")
        self.alice.session.close()
        self.sync()
        self.assertIn("*** alice has logged out", bob.lines())
        self.assertIsNotNone(self.view.lost)


class ComingBackTests(SessionTestCase):
    """Whether a loss was nobody's doing, so that the window may reconnect by itself."""

    def test_a_broken_connection(self) -> None:
        self.alice.drop()
        self.assertTrue(self.alice.session.comes_back)

    def test_the_server_stopping(self) -> None:
        """The server stopping is no one's decision about the user: back."""
        self.server.sessions.shutdown(SHUTDOWN_NOTICE)
        self.sync()
        self.assertEqual(self.view.lost, "The server closed the connection.")
        self.assertEqual(self.view.lines()[-1], f"*** {SHUTDOWN_NOTICE}")
        self.assertTrue(self.alice.session.comes_back)

    def test_quit_and_logout(self) -> None:
        for typed in ("/quit see you", "/QUIT", "/logout"):
            with self.subTest(typed=typed):
                self.alice.type(typed)
                self.assertIsNotNone(self.view.lost)
                self.assertFalse(self.alice.session.comes_back)
                self.alice.connect("alice")
                self.assertTrue(self.alice.session.comes_back)

    def test_quit_as_chat_is_chat(self) -> None:
        """``quit`` without its slash is a chat line; a loss after it is an accident."""
        self.alice.type("quit")
        self.alice.drop()
        self.assertTrue(self.alice.session.comes_back)

    def test_close(self) -> None:
        self.alice.session.close()
        self.sync()
        self.assertFalse(self.alice.session.comes_back)

    def test_cut_for_idling(self) -> None:
        server = Server(limits=replace(UNLIMITED, idle_timeout=120))
        window = Window(server, "alice")
        for _ in range(3):
            server.clock.advance(60)
            window.sync()
        self.assertIsNotNone(window.view.lost)
        self.assertFalse(window.session.comes_back)

    def test_put_off_by_an_operator(self) -> None:
        server, dave = with_operator()
        window = Window(server, "alice")
        dave.send("/disconnect alice trolling")
        window.sync()
        self.assertIn("trolling", window.view.lost or "")
        self.assertFalse(window.session.comes_back)

    def test_banned_from_the_server(self) -> None:
        server, dave = with_operator()
        window = Window(server, "alice")
        dave.send("/ban alice spam")
        window.sync()
        self.assertIsNotNone(window.view.lost)
        self.assertFalse(window.session.comes_back)

    def test_kicked_from_a_room_then_lost(self) -> None:
        """A kick keeps the connection: a loss after it is an accident, back to the main room."""
        server, _ = with_operator()
        bob = server.login("bob")
        bob.send("/create games")
        window = Window(server, "alice")
        window.type("/join games")
        bob.send("/kick alice")
        window.sync()
        window.drop()
        self.assertTrue(window.session.comes_back)
        window.connect("alice")
        self.assertEqual(window.view.room, "lobby")


class RanksTests(SessionTestCase):
    """The members list marks the owner, room operators and server operators, kept live."""

    def setUp(self) -> None:
        super().setUp()
        self.bob, self.carol = self.server.login("bob"), self.server.login("carol")
        self.alice.type("/create games")
        self.bob.send("/join games")
        self.carol.send("/join games")
        self.sync()

    def test_op_and_deop(self) -> None:
        self.assertEqual(self.view.ranks, {"alice": "owner"})
        self.alice.type("/op bob")
        self.assertEqual(self.view.ranks, {"alice": "owner", "bob": "operator"})
        self.assertEqual(self.view.lines()[-1], "*** alice made bob an operator of games")
        self.assertEqual(self.view.rows[-1].style, "moderation")
        self.alice.type("/deop BOB")
        self.assertEqual(self.view.ranks, {"alice": "owner"})

    def test_entering_a_room_with_operators(self) -> None:
        self.alice.type("/op bob")
        self.alice.type("/op carol")
        self.alice.type("/join lobby")
        self.alice.type("/join games")
        self.assertEqual(self.view.ranks, {"bob": "owner", "carol": "operator"})

    def test_an_operator_renamed_leaving_and_back(self) -> None:
        """
        A rank goes with a new name; an operator who leaves is unmarked, and
        one who comes back still an operator is marked again (the window
        looks, without a word in the log).
        """
        self.alice.type("/op bob")
        self.bob.send("/nick robert")
        self.sync()
        self.assertEqual(self.view.ranks, {"alice": "owner", "robert": "operator"})
        self.bob.send("/join lobby")
        self.sync()
        self.assertEqual(self.view.ranks, {"alice": "owner"})
        self.bob.send("/join games")
        self.sync()
        self.assertEqual(self.view.ranks, {"alice": "owner", "robert": "operator"})
        self.assertEqual(self.view.lines()[-1], "*** robert has joined games (from lobby)")

    def test_a_new_owner(self) -> None:
        """The owner leaves: the room passes to its operator, marked as owner now."""
        self.bob.send("/create tea")
        self.carol.send("/join tea")
        self.alice.type("/join tea")
        self.bob.send("/op carol")
        self.bob.send("/join lobby")
        self.sync()
        self.assertEqual(self.view.ranks, {"carol": "owner"})
        self.assertEqual(self.view.lines()[-1], "*** carol now owns tea")


def with_operator() -> tuple[Server, Client]:
    """A server whose operator is dave, a registered name, logged in with his password."""
    server = Server(db=Transactions(), operators=["dave"], main_topic="Tea and talk")
    dave = server.login("dave")
    dave.send("/register oolong-42")
    dave.send("/quit")
    dave = server.connect()
    dave.send("login dave oolong-42")
    return server, dave


class ServerOperatorTests(SynchronousTestCase):
    """Server operators are marked in every room they are in, and their wall stands out."""

    def setUp(self) -> None:
        self.server, self.dave = with_operator()
        self.alice = Window(self.server, "alice")
        self.view = self.alice.view

    def test_marked_and_known_in_every_room(self) -> None:
        self.assertEqual(self.view.ranks, {"dave": "server operator"})
        self.alice.type("/create games")
        self.assertEqual(self.view.ranks, {"alice": "owner"})
        self.dave.send("/join games")
        self.alice.sync()
        self.assertEqual(self.view.ranks, {"alice": "owner", "dave": "server operator"})

    def test_the_wall(self) -> None:
        self.dave.send("/wall Restart at noon")
        self.alice.sync()
        self.assertEqual((self.view.rows[-1].style, self.view.lines()[-1]),
                         ("wall", "*** Notice to everyone from dave: Restart at noon"))


class PutOutTests(SynchronousTestCase):
    """Kicks, bans and disconnects: who is put out goes from the list; the one put out knows."""

    def setUp(self) -> None:
        self.server, self.dave = with_operator()
        self.bob, self.carol = self.server.login("bob"), self.server.login("carol")
        self.bob.send("/create games")
        self.carol.send("/join games")
        self.alice = Window(self.server, "alice")
        self.alice.type("/join games")
        self.view = self.alice.view

    def test_someone_else_kicked_to_the_main_room(self) -> None:
        self.assertEqual(self.view.rooms, [("games", 3), ("lobby", 1)])
        self.bob.send("/kick carol spam")
        self.alice.sync()
        self.assertEqual(self.view.members, ["alice", "bob"])
        self.assertEqual(self.view.rooms, [("games", 2), ("lobby", 2)])
        self.assertEqual(self.view.lines()[-1], "*** bob kicked carol out of games: spam")
        self.assertEqual(self.view.rows[-1].style, "moderation")

    def test_someone_else_put_off_the_server(self) -> None:
        self.dave.send("/disconnect carol")
        self.alice.sync()
        self.assertEqual(self.view.members, ["alice", "bob"])
        self.assertEqual(self.view.rooms, [("games", 2), ("lobby", 1)])

    def test_kicked_to_the_main_room(self) -> None:
        """Who kicked you and why, set apart in the log; then the main room."""
        self.bob.send("/kick alice too loud")
        self.alice.sync()
        [row] = [row for row in self.view.rows if row.text.startswith("bob kicked")]
        self.assertEqual((row.style, row.text),
                         ("sanction", "bob kicked alice out of games: too loud"))
        self.assertEqual((self.view.room, self.view.members), ("lobby", ["alice", "dave"]))

    def test_a_kick_is_not_undone_by_a_reconnect(self) -> None:
        """
        Kicked, and the connection lost before the main room came: after
        Reconnect the window leaves the user in the main room, not the one
        they were kicked out of.  (The server sends both at once: here the
        kick comes alone, as the window may read it.)
        """
        self.alice.told(events.Moderation(self.server.clock.seconds(), "kick", "games", "bob",
                                          "alice", removed=("alice",)))
        self.alice.drop()
        self.alice.connect("alice")
        self.assertEqual(self.view.room, "lobby")

    def test_put_off_the_server(self) -> None:
        """The lost bar says who put the user off and why; Reconnect lands in the main room."""
        self.dave.send("/disconnect alice trolling")
        self.alice.sync()
        self.assertEqual(self.view.rows[-2].style, "sanction")
        self.assertIn("*** dave disconnected alice from the server: trolling", self.view.lines())
        self.assertIn("dave disconnected you", self.view.lost or "")
        self.assertIn("trolling", self.view.lost or "")
        self.alice.connect("alice")
        self.assertEqual((self.view.room, self.view.lost), ("lobby", None))

    def test_a_later_loss_is_its_own(self) -> None:
        """Once kicked and landed, the user's own choice of room is gone back to as ever."""
        self.bob.send("/kick alice")
        self.alice.sync()
        self.alice.type("/join games")
        self.alice.drop()
        self.assertEqual(self.view.lost, "The server closed the connection.")
        self.alice.connect("alice")
        self.assertEqual(self.view.room, "games")


class LanguageTests(SynchronousTestCase):
    """
    The window speaks the language the server writes to the user in: asked
    for at the login, or changed by ``/lang``; the server's catalog words
    the events, the client's the window's own lines.
    """

    def setUp(self) -> None:
        self.server = Server(main_topic="Tea and talk")

    def test_asked_at_login_the_events_read_in_it(self) -> None:
        """Logged in asking for zh-CN, a /who listing reads as the server words it in zh-CN."""
        window = Window(self.server, "小明", language="zh-CN")
        self.assertIs(window.session.words.language, SIMPLIFIED)
        self.assertEqual(window.view.relabelled, 1)
        window.type("/who")
        who = [row for row in window.view.rows if row.style == "listing"][-2:]
        self.assertEqual([f"{row.marker} {row.text}" for row in who], [
            "= " + SIMPLIFIED.format("Online ({count}):", count=1),
            "=   " + SIMPLIFIED.format("{name} (in {room})", name="小明", room="lobby"),
        ])

    def test_lang_typed_changes_the_windows_language(self) -> None:
        """Typed /lang zh-TW: the window follows the server's answer, and its own words too."""
        window = Window(self.server, "alice")
        self.assertIs(window.session.words.language, ENGLISH)
        self.assertEqual(window.view.relabelled, 0)
        window.type("/lang zh-TW")
        self.assertIs(window.session.words.language, TRADITIONAL)
        self.assertEqual(window.view.relabelled, 1)
        self.assertEqual(window.view.lines()[-1], "*** " + TRADITIONAL.format(
            "Language: {name} ({code}). Type /lang CODE to change it.", name="繁體中文",
            code="zh-TW"))
        window.type("/format text")
        self.assertEqual(window.view.lines()[-1], "! " + Words(TRADITIONAL)._(
            "This window always uses the JSON format; /format works on telnet."))
        self.assertNotIn("JSON format", window.view.lines()[-1])
