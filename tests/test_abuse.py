"""
What a user meets at each per-user limit: the login and idle timeouts, junk
before login, the targeted limits, room caps, and names made to pass for
someone else's.  (Flood control is in test_throttle.py, stalled readers in
test_sendqueue.py, connection limits in test_admission.py.)
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import ip_network

from twisted.internet.interfaces import ITCPTransport
from twisted.internet.testing import StringTransportWithDisconnection
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import implementer

from tests.harness import Server, Transactions, limited, only
from twisted_chat.core.limits import Limits


class LoginTimeoutTests(SynchronousTestCase):
    def test_told_and_closed(self) -> None:
        server = limited(login_timeout=60)
        client = server.connect()
        client.clear()
        server.clock.advance(59)
        self.assertTrue(client.connected)
        client.send("help")  # a line that is not a login does not buy time
        client.clear()
        server.clock.advance(1)
        self.assertEqual(client.lines(), ["! You did not log in within 1 minute. "
                                          "Closing the connection."])
        self.assertFalse(client.connected)
        self.assertEqual(server.clock.getDelayedCalls(), [])

    def test_logging_in_stops_it(self) -> None:
        server = limited(login_timeout=60)
        client = server.login("alice")
        server.clock.advance(3600)
        self.assertTrue(client.connected)
        self.assertEqual(server.clock.getDelayedCalls(), [])


class IdleTimeoutTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = limited(idle_timeout=600)
        self.idler, self.watcher = self.server.logins("idler", "watcher")

    def test_warned_a_minute_before_then_cut(self) -> None:
        self.server.clock.advance(300)
        self.watcher.send("/look")
        self.server.clock.advance(239)
        self.assertEqual(self.idler.lines(), [])
        self.server.clock.advance(1)
        self.assertEqual(self.idler.lines(), ["! You have been idle for 9 minutes. Type anything "
                                              "within 1 minute to stay connected."])
        self.server.clock.advance(60)
        self.assertEqual(self.idler.lines(), ["! You were idle for 10 minutes. "
                                              "Closing the connection."])
        self.assertFalse(self.idler.connected)
        self.assertEqual(self.watcher.lines()[-1], "*** idler has left (idle timeout)")

    def test_turned_off_by_a_reload_nobody_is_cut(self) -> None:
        """The timer set under the old limit finds idling allowed now: nobody is warned or cut."""
        self.server.clock.advance(100)
        self.server.chat.in_force.limits = replace(self.server.chat.limits, idle_timeout=0)
        self.server.clock.advance(3000)
        self.assertEqual(self.idler.lines(), [])
        self.assertTrue(self.idler.connected)

    def test_lengthened_by_a_reload(self) -> None:
        """Twice as long now: the warning comes a minute before the new limit, not the old."""
        self.server.chat.in_force.limits = replace(self.server.chat.limits, idle_timeout=1200)
        self.server.clock.advance(1139)
        self.assertEqual(self.idler.lines(), [])
        self.server.clock.advance(1)
        self.assertEqual(self.idler.lines(), ["! You have been idle for 19 minutes. Type "
                                              "anything within 1 minute to stay connected."])

    def test_any_line_resets_it(self) -> None:
        for _ in range(10):
            self.server.clock.advance(500)
            self.idler.send("/look")
            self.watcher.send("/look")
        self.server.clock.advance(540)
        self.idler.send("/who")  # just after the warning
        self.server.clock.advance(539)
        self.assertTrue(self.idler.connected)
        self.assertEqual([line for line in self.idler.lines() if line.startswith("! You")],
                         ["! You have been idle for 9 minutes. Type anything within 1 minute "
                          "to stay connected."])

    def test_typing_after_the_warning(self) -> None:
        """The warning is not the end: a line then starts the full period again."""
        self.server.clock.advance(550)
        self.idler.send("still here")
        self.server.clock.advance(539)
        self.assertTrue(self.idler.connected)
        self.server.clock.advance(61)
        self.assertTrue(self.idler.connected)
        self.assertEqual(len([line for line in self.idler.lines()
                              if line.startswith("! You have been idle for")]), 2)

    def test_off_by_default(self) -> None:
        server = Server(limits=Limits())
        client = server.login("alice")
        server.clock.advance(10 * 24 * 3600)
        self.assertTrue(client.connected)


class BeforeLoginTests(SynchronousTestCase):
    def test_browser_sent_away(self) -> None:
        server = limited(login_lines=20)
        client = server.connect()
        client.clear()
        client.send(b"GET / HTTP/1.1\r\nHost: localhost:6666\r\nUser-Agent: curl\r\n\r\n",
                     end=b"")
        self.assertEqual(client.lines(), ["! This is a chat server, not a web server: connect "
                                          "with telnet or netcat, not a browser. Closing the "
                                          "connection."])
        self.assertFalse(client.connected)

    def test_http_only_as_the_first_line(self) -> None:
        server = limited(login_lines=20)
        client = server.connect()
        client.send("login alice")
        client.send("GET / HTTP/1.1")
        self.assertTrue(client.connected)

    def test_lines_before_login_are_capped(self) -> None:
        server = limited(login_lines=5)
        client = server.connect()
        client.clear()
        for _ in range(5):
            client.send("hello?")
        client.send("")  # empty lines cost nothing
        self.assertTrue(client.connected)
        client.send("hello?")
        self.assertEqual(client.lines()[-1], "! 5 lines without logging in. "
                                             "Closing the connection.")
        self.assertFalse(client.connected)

    def test_login_within_the_cap(self) -> None:
        server = limited(login_lines=5)
        client = server.connect()
        for _ in range(4):
            client.send("hello?")
        client.send("login alice")
        for _ in range(50):
            client.send("chat")
        self.assertTrue(client.connected)


class TargetedLimitTests(SynchronousTestCase):
    def test_name_changes(self) -> None:
        server = limited(nick_rate=2)
        alice, bob = server.logins("alice", "bob")
        alice.send("/nick ann")
        alice.send("/nick anna")
        alice.send("/nick annie")
        self.assertEqual(alice.lines()[-1], "! You are changing your name too fast: at most 2 "
                                            "a minute. Try again in 1 minute.")
        self.assertEqual(server.chat.find_user("anna").name, "anna")
        self.assertEqual(len(bob.lines()), 2, "bob saw two changes, no more")
        server.clock.advance(60)
        alice.send("/nick annie")
        self.assertEqual(alice.lines(), ["*** You are now known as annie"])

    def test_failed_attempts_are_free(self) -> None:
        server = limited(nick_rate=1)
        alice, _ = server.logins("alice", "bob")
        alice.send("/nick bob")
        alice.send("/nick 9")
        alice.send("/nick ann")
        self.assertEqual(alice.lines()[-1], "*** You are now known as ann")

    def test_room_changes(self) -> None:
        server = limited(join_rate=3)
        alice, _ = server.logins("alice", "bob")
        server.chat.create(server.chat.find_user("bob"), "games")
        for room in ["games", "lobby", "games"]:
            alice.send(f"/join {room}")
        alice.clear()
        alice.send("/join lobby")
        self.assertEqual(alice.lines(), ["! You are changing rooms too fast: at most 3 a minute. "
                                         "Try again in 1 minute."])
        self.assertEqual(server.chat.room_of(server.chat.find_user("alice")).name, "games")

    def test_room_creation_rate(self) -> None:
        server = limited(create_rate=2)
        alice, _bob = server.logins("alice", "bob")
        alice.send("/create one")
        alice.send("/create two")
        alice.clear()
        alice.send("/create three")
        self.assertEqual(alice.lines(), ["! You are creating rooms too fast: at most 2 a minute. "
                                         "Try again in 1 minute."])

    def test_rooms_per_user(self) -> None:
        """Rooms one user made count while they exist; an emptied room gives its place back."""
        server = limited(rooms_per_user=2)
        alice, bob = server.logins("alice", "bob")
        alice.send("/create one")
        bob.send("/join one")
        alice.send("/create two")
        alice.clear()
        alice.send("/create three")
        self.assertEqual(alice.lines(), ["! You made 2 rooms that still exist, the most one "
                                         "user may. Join one of them (/list)."])
        alice.send("/leave")  # "two" empties and goes
        alice.send("/create three")
        self.assertEqual(server.chat.room_of(server.chat.find_user("alice")).name, "three")

    def test_rooms_in_all(self) -> None:
        server = limited(max_rooms=3)
        alice, bob, carol = server.logins("alice", "bob", "carol")
        alice.send("/create one")
        bob.send("/create two")
        carol.send("/create three")
        self.assertEqual(carol.lines()[-1], "! This server has 3 rooms, the most it allows. "
                                            "Join one of them (/list).")
        self.assertEqual(len(server.chat.rooms()), 3)

    def test_private_message_targets(self) -> None:
        """A few new people a minute; the people already written to can always be answered."""
        server = limited(msg_targets=2)
        spammer, ann, _bob, cat = server.logins("spammer", "ann", "bob", "cat")
        spammer.send("/msg ann hi")
        spammer.send("/msg bob hi")
        spammer.clear()
        spammer.send("/msg cat hi")
        self.assertEqual(spammer.lines(), ["! You have written to 2 different people in the last "
                                           "minute, the most allowed. Write to someone new in "
                                           "1 minute."])
        self.assertEqual(cat.lines(), [])
        spammer.send("/msg ann how are you?")
        self.assertEqual(ann.lines()[-1], "[spammer -> ann] how are you?")


class AcrossConnectionsTests(SynchronousTestCase):
    """Logging out and in again, or changing name, starts no limit anew."""

    def test_rates_count_for_the_name(self) -> None:
        server = limited(create_rate=2)
        alice = server.login("alice")
        alice.send("/create one")
        alice.send("/create two")
        alice.send("/quit")
        again = server.login("alice")
        again.send("/create three")
        self.assertEqual(again.lines(), ["! You are creating rooms too fast: at most 2 a minute. "
                                         "Try again in 1 minute."])
        server.clock.advance(60)
        again.send("/create three")
        self.assertEqual(again.lines()[0], "= Room three, owned by alice")

    def test_rates_count_for_the_connection_across_names(self) -> None:
        server = limited(join_rate=2)
        alice, bob = server.logins("alice", "bob")
        bob.send("/create games")
        alice.send("/join games")
        alice.send("/leave")
        alice.send("/nick ann")
        alice.send("/join games")
        alice.send("/leave")
        alice.clear()
        alice.send("/join games")
        self.assertEqual(alice.lines(), ["! You are changing rooms too fast: at most 2 a minute. "
                                         "Try again in 1 minute."])

    def test_an_address_may_do_what_its_users_could_at_once(self) -> None:
        """
        With two connections allowed per address, an address may make twice
        the rooms a minute one user may: under new names, no more.
        """
        server = limited(create_rate=1, max_per_ip=2)
        for name in ["ann", "bob"]:
            client = server.login(name)
            client.send(f"/create {name}-room")
            client.send("/quit")
        carol = server.login("carol")
        carol.send("/create carol-room")
        self.assertEqual(carol.lines(), ["! You are creating rooms too fast: at most 2 a minute "
                                         "from your address. Try again in 1 minute."])

    def test_the_next_user_of_a_name_is_not_held_to_its_rooms(self) -> None:
        """Rooms made under an unregistered name count against whoever made them, not the name."""
        server = limited(rooms_per_user=2)
        mallory = server.connect(host="10.0.0.1")
        mallory.send("login bob")
        keepers = [server.login(f"keeper{index}") for index in range(2)]
        for index, keeper in enumerate(keepers):
            mallory.send(f"/create room{index}")
            keeper.send(f"/join room{index}")
        mallory.send("/quit")
        bob = server.connect(host="10.0.0.2")
        bob.send("login bob")
        bob.clear()
        bob.send("/create mine")
        self.assertEqual(bob.lines()[0], "= Room mine, owned by bob")

    def test_exempt_addresses_are_not_counted_together(self) -> None:
        server = limited(create_rate=1, max_per_ip=1, exempt=(ip_network("127.0.0.0/8"),))
        for name in ["ann", "bob", "carol"]:
            client = server.login(name)
            client.send(f"/create {name}-room")
            self.assertEqual(client.lines()[0], f"= Room {name}-room, owned by {name}")

    def test_private_targets_count_for_the_name(self) -> None:
        server = limited(msg_targets=2)
        spammer, _ann, _bob, cat = server.logins("spammer", "ann", "bob", "cat")
        spammer.send("/msg ann hi")
        spammer.send("/msg bob hi")
        spammer.send("/quit")
        again = server.login("spammer")
        again.send("/msg cat hi")
        self.assertIn("different people in the last minute", again.lines()[0])
        self.assertFalse([line for line in cat.lines() if line.startswith("[")])

    def test_lasting_rooms_count_toward_their_keepers_limit(self) -> None:
        """
        A registered name's lasting rooms stay after it logs out, and count:
        it cannot make more across logins, nor register one made by another.
        """
        server = Server(db=Transactions(), limits=only(rooms_per_user=2))
        keeper = server.login("keeper")
        keeper.send("/register oolong-42")
        for room in ["one", "two"]:
            keeper.send(f"/create {room}")
            keeper.send("/room register")
            keeper.send("/leave")
        keeper.send("/quit")
        again = server.connect()
        again.send("login keeper oolong-42")
        again.clear()
        again.send("/create three")
        self.assertEqual(again.lines(), ["! You made 2 rooms that still exist, the most one user "
                                         "may. Join one of them (/list)."])
        other = server.login("other")
        other.send("/create four")
        again.send("/join four")
        other.send("/leave")  # keeper owns four now
        again.clear()
        again.send("/room register")
        self.assertEqual(again.lines(), ["! You made 2 rooms that still exist, the most one user "
                                         "may. Join one of them (/list)."])


class LookalikeNameTests(SynchronousTestCase):
    def test_lookalikes_of_an_online_name(self) -> None:
        """Case, full-width letters and invisible characters do not make a new name."""
        server = Server()
        server.login("bob")
        client = server.connect()
        client.clear()
        taken = "is taken: it reads the same as 'bob', who is online. Choose another."
        for name, said in [("BOB", f"! The name 'BOB' {taken}"),
                           ("Ｂob", f"! The name 'Bob' {taken}"),
                           ("ｂｏｂ", "! The name 'bob' is taken; choose another.")]:
            client.send(f"login {name}")
            self.assertEqual(client.lines(), [said], name)
        for name in ["bob\u3164", "b\u034fob", "bob\ufe0f", "\u3164"]:
            client.send(f"login {name}")
            self.assertIn("holds an invisible character", client.lines()[0], ascii(name))
        self.assertEqual([user.name for user in server.chat.users()], ["bob"])


    def setUp(self) -> None:
        self.server = Server(db=Transactions())
        self.alice = self.server.login("alice")
        self.il1 = self.server.login("Il1")
        self.client = self.server.connect()
        self.client.clear()

    def refused(self, line: str) -> str:
        self.client.send(line)
        [said] = self.client.lines()
        return said

    def test_other_scripts_mixed_in(self) -> None:
        """Letters of another script mixed in (Cyrillic а, е, і; Greek Ι) are refused."""
        cyrillic, greek = "Cyrillic and Latin", "Greek and Latin"
        for name, scripts in [("\u0430lice", cyrillic), ("alic\u0435", cyrillic),
                              ("al\u0456ce", cyrillic), ("\u0399l1", greek),
                              ("\u0430dmin", cyrillic)]:
            self.assertEqual(self.refused(f"login {name}"),
                             f"! {name!r} is not a valid name: it mixes {scripts} letters, which "
                             "are not written together. Use one script.", ascii(name))

    def test_one_script_that_looks_like_another_name(self) -> None:
        """Latin ɑ for a, a mark on e (a low line, a stress sign, a kana mark): alice."""
        for name in ["\u0251lice", "alice\u0332", "aIice", "alice\u0952", "alice\u309a",
                     "alic\u00e9\u0951"]:
            self.assertEqual(self.refused(f"login {name}"),
                             f"! The name {name!r} looks like 'alice', who is online. Choose "
                             "another.", ascii(name))
        self.assertEqual(self.refused("login lll"),
                         "! The name 'lll' looks like 'Il1', who is online. Choose another.")

    def test_looks_like_a_reserved_name(self) -> None:
        self.assertEqual(self.refused("login adm\u0131n"),
                         "! The name 'adm\u0131n' looks like 'admin', which is reserved; "
                         "choose another.")

    def test_stacked_marks(self) -> None:
        for name in ["a" + "\u0300" * 22, "a" + "".join(chr(0x300 + i) for i in range(22))]:
            self.assertEqual(self.refused(f"login {name}"),
                             "! That is not a valid name: a letter may carry at most 3 marks, and "
                             "not the same twice.")

    def test_looks_like_a_registered_name(self) -> None:
        """Offline, a registered name still cannot be passed for."""
        self.alice.send("/register oolong-42")
        self.alice.send("/quit")
        self.assertEqual(self.refused("login \u0251lice"),
                         "! The name '\u0251lice' looks like 'alice', a registered name. Choose "
                         "another.")

    def test_rooms(self) -> None:
        self.alice.clear()
        for name, said in [("l\u043ebby", "! 'l\u043ebby' is not a valid room name: it mixes "
                                           "Cyrillic and Latin letters, which are not written "
                                           "together. Use one script."),
                           ("\u0455ystem", "! '\u0455ystem' is not a valid room name: it mixes "
                                            "Cyrillic and Latin letters, which are not written "
                                            "together. Use one script."),
                           ("Iobby", "! The room name 'Iobby' looks like 'lobby', which exists. "
                                     "Enter it with /join lobby, or choose another name."),
                           ("syst\u0117m", "! The room name 'syst\u0117m' looks like 'system', "
                                           "which is reserved; choose another.")]:
            self.alice.send(f"/create {name}")
            self.assertEqual(self.alice.lines(), [said], ascii(name))

    def test_names_people_have_still_work(self) -> None:
        """One script, or Latin with Han, Kana or Hangul, and marks as scripts use them."""
        for name in ["\u0411\u043e\u0440\u0438\u0441", "\u5c0f\u660e", "alice\u5c0f\u660e",
                     "\u7530\u4e2d\u3055\u3093", "\uae40\ucca0\uc218", "Jos\u00e9",
                     "\u0939\u093f\u0928\u094d\u0926\u0940", "\u0e01\u0e35\u0e48",
                     "\u0395\u03bb\u03ad\u03bd\u03b7", "bob_the-builder2"]:
            client = self.server.connect()
            client.send(f"login {name}")
            self.assertIn(f"*** You are {name}. Type /help for the commands.", client.lines(),
                          ascii(name))

    def test_accents_do_not_make_a_new_name(self) -> None:
        self.server.login("Jos\u00e9")
        self.assertEqual(self.refused("login Jose"),
                         "! The name 'Jose' looks like 'Jos\u00e9', who is online. Choose "
                         "another.")

    def test_renaming_to_a_lookalike(self) -> None:
        self.il1.send("/nick \u0251lice")
        self.assertEqual(self.il1.lines(), ["! The name '\u0251lice' looks like 'alice', who is "
                                            "online. Choose another."])
        self.alice.clear()
        self.alice.send("/nick Alice")
        self.assertEqual(self.alice.lines()[0], "*** You are now known as Alice")


class KeepaliveTests(SynchronousTestCase):
    def test_tcp_keepalive_on(self) -> None:
        """A peer that vanished without a word is found by TCP keepalive, and dropped."""

        @implementer(ITCPTransport)
        class TCPTransport(StringTransportWithDisconnection):
            keepalive = nodelay = False

            def setTcpKeepAlive(self, enabled: int) -> None:
                self.keepalive = bool(enabled)

            def setTcpNoDelay(self, enabled: int) -> None:
                self.nodelay = bool(enabled)

        server = Server()
        protocol = server.factory.buildProtocol(None)
        transport = self.transport = TCPTransport()
        transport.protocol = protocol
        protocol.makeConnection(transport)
        self.assertTrue(transport.keepalive)

    def test_no_nagle(self) -> None:
        """
        Output is coalesced by the server itself: Nagle's wait for the peer's
        (delayed) ACK would add 40 ms to a reply on a busy connection.
        """
        self.test_tcp_keepalive_on()
        self.assertTrue(self.transport.nodelay)
