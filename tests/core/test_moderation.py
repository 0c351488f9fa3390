"""
Keeping order (issue 19): roles and ranks, kick, bans and mutes with their
expiry, invitations and room settings, ignore lists, the server operators'
commands and the audit trail, through telnet sessions on a Clock.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Client, Server, Transactions


def quiet(*clients: Client) -> None:
    for client in clients:
        client.clear()


class Classroom(SynchronousTestCase):
    """
    A teacher (a registered name, a server operator), alice who owns games,
    bob and carol in it, and dave in the main room; each from an address of
    their own unless a test says otherwise.
    """

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = str(Path(directory) / "chat.db")
        self.server = self.start()
        self.teacher = self.connect("teacher", "192.0.2.1")
        self.teacher.send("/register chalk-and-talk")
        self.teacher.drop()
        self.teacher = self.connect("teacher chalk-and-talk", "192.0.2.1")
        self.alice = self.connect("alice", "192.0.2.2")
        self.alice.send("/create games")
        self.bob = self.connect("bob", "192.0.2.3")
        self.bob.send("/join games")
        self.carol = self.connect("carol", "192.0.2.4")
        self.carol.send("/join games")
        self.dave = self.connect("dave", "192.0.2.5")
        quiet(self.teacher, self.alice, self.bob, self.carol, self.dave)

    def start(self) -> Server:
        return Server(db=Transactions(self.path), operators=["teacher"])

    def restart(self) -> Server:
        """A new server on the same file (the old one let go of it, as a stopped one does)."""
        assert self.server.transactions is not None
        self.server.transactions.connection.close()
        self.server = self.start()
        return self.server

    def connect(self, login: str, host: str, server: Server | None = None) -> Client:
        client = (server or self.server).connect(host)
        client.send(f"login {login}")
        client.clear()
        return client

    def later(self, seconds: float) -> None:
        """Time passes, with the server's timers running (expiry every second)."""
        self.server.start_timers()
        for _ in range(int(seconds)):
            self.server.clock.advance(1)
        self.server.stop_timers()


class RoleTests(Classroom):
    def test_owner_makes_an_operator_and_everyone_sees_the_markers(self) -> None:
        """/op by the owner: the room is told, and look marks owner and operator apart."""
        self.alice.send("/op bob")
        told = "*** alice made bob an operator of games"
        self.assertEqual(self.bob.lines(), [told])
        self.assertEqual(self.carol.lines(), [told])
        self.carol.send("look")
        self.assertIn("= Members (3): alice (owner), bob (operator), carol", self.carol.lines())

    def test_server_operators_are_marked(self) -> None:
        self.teacher.send("/join games")
        self.carol.clear()
        self.carol.send("look")
        self.assertIn("= Members (4): alice (owner), bob, carol, teacher (server operator)",
                      self.carol.lines())

    def test_only_the_owner_makes_operators(self) -> None:
        self.alice.send("/op bob")
        self.bob.clear()
        self.bob.send("/op carol")
        self.assertEqual(self.bob.lines(),
                         ["! Only the owner of games (or a server operator) may do that."])
        self.carol.send("/op carol")
        self.assertEqual(self.carol.lines()[-1],
                         "! Only the owner of games (or a server operator) may do that.")

    def test_deop(self) -> None:
        self.alice.send("/op bob")
        self.alice.send("/deop bob")
        self.assertEqual(self.carol.lines()[-1], "*** alice removed bob as an operator of games")
        self.alice.send("/deop bob")
        self.assertEqual(self.alice.lines()[-1], "! bob is not an operator of games.")
        self.bob.clear()
        self.bob.send("/kick carol")
        self.assertEqual(self.bob.lines(), ["! Only an operator of games may do that."])

    def test_main_room_operators_are_the_server_operators(self) -> None:
        """In the main room only a server operator makes operators."""
        self.dave.send("/op dave")
        self.assertEqual(self.dave.lines()[0][:32], "! lobby is the main room: only a")
        self.teacher.send("/op dave")
        self.assertEqual(self.dave.lines(), ["*** teacher made dave an operator of lobby"])

    def test_operator_role_follows_a_rename(self) -> None:
        self.alice.send("/op bob")
        self.bob.send("/nick robert")
        quiet(self.bob, self.carol)
        self.bob.send("/kick carol")
        self.assertEqual(self.bob.lines()[0], "*** robert kicked carol out of games")

    def test_owner_leaving_hands_the_room_to_an_operator(self) -> None:
        self.alice.send("/op carol")
        self.alice.send("/leave")
        self.assertIn("*** carol now owns games", self.bob.lines())


class RankTests(Classroom):
    def setUp(self) -> None:
        super().setUp()
        self.alice.send("/op bob")
        self.alice.send("/op carol")
        quiet(self.alice, self.bob, self.carol)

    def test_nobody_acts_against_equal_or_higher_rank(self) -> None:
        self.bob.send("/kick carol")
        self.bob.send("/kick alice")
        self.bob.send("/ban alice")
        self.bob.send("/mute carol")
        self.assertEqual(self.bob.lines(), [
            "! You cannot act against carol: they are an operator.",
            "! You cannot act against alice: they are the room's owner.",
            "! You cannot act against alice: they are the room's owner.",
            "! You cannot act against carol: they are an operator.",
        ])
        self.assertEqual(self.alice.lines(), [])

    def test_server_operator_outranks_the_owner(self) -> None:
        self.teacher.send("/join games")
        self.alice.send("/kick teacher")
        self.assertEqual(self.alice.lines()[-1],
                         "! You cannot act against teacher: they are a server operator.")
        self.teacher.clear()
        self.teacher.send("/kick alice too bossy")
        self.assertEqual(self.teacher.lines()[0],
                         "*** teacher kicked alice out of games: too bossy")

    def test_not_yourself(self) -> None:
        self.bob.send("/kick bob")
        self.assertEqual(self.bob.lines(), ["! You cannot do that to yourself."])

    def test_a_registered_name_offline_keeps_its_rank(self) -> None:
        """A ban by name of someone not online still respects their rank."""
        self.bob.send("/ban teacher")
        self.assertEqual(self.bob.lines(),
                         ["! You cannot act against teacher: they are a server operator."])


class KickTests(Classroom):
    def test_kick_back_to_the_main_room(self) -> None:
        """Out of the room with the reason, everyone told, into the main room; they may return."""
        self.alice.send("/kick bob shouting")
        told = "*** alice kicked bob out of games: shouting"
        self.assertEqual(self.carol.lines(), [told])
        lines = self.bob.lines()
        self.assertEqual(lines[0], told)
        self.assertIn("= Room lobby", lines)
        self.assertEqual(self.dave.lines(), ["*** bob has joined lobby (from games)"])
        self.bob.send("/join games")
        self.assertIn("*** bob has joined games (from lobby)", self.carol.lines())

    def test_kick_someone_not_here(self) -> None:
        self.alice.send("/kick dave")
        self.alice.send("/kick nobody")
        self.assertEqual(self.alice.lines(), ["! dave is not in games.",
                                              "! No user named 'nobody' is online."])

    def test_kick_from_the_main_room_is_out_of_the_server(self) -> None:
        self.teacher.send("/kick dave flooding")
        self.assertEqual(self.dave.lines(), [
            "*** teacher kicked dave out of the server: flooding",
            "*** teacher kicked you out of the server: flooding"])
        self.assertFalse(self.dave.connected)
        self.teacher.clear()
        self.teacher.send("who")
        self.assertNotIn("=   dave (in lobby)", self.teacher.lines())

    def test_member_cannot_kick(self) -> None:
        self.bob.send("/kick carol")
        self.assertEqual(self.bob.lines(), ["! Only an operator of games may do that."])
        self.assertEqual(self.carol.lines(), [])

    def test_reason_too_long(self) -> None:
        self.alice.send("/kick bob " + "x" * 201)
        self.assertEqual(self.alice.lines(),
                         ["! The reason is too long: at most 200 characters."])
        self.assertEqual(self.bob.lines(), [])

    def test_json_fields(self) -> None:
        """Programs get the act's stable fields: action, room, by, target, reason, removed."""
        self.carol.send("/format json")
        self.carol.clear()
        self.alice.send("/kick bob shouting")
        (event,) = self.carol.events()
        del event["time"]
        self.assertEqual(event, {
            "type": "moderation", "action": "kick", "room": "games", "by": "alice",
            "target": "bob", "reason": "shouting", "until": None, "removed": ["bob"],
            "setting": None, "value": None})


class BanTests(Classroom):
    def test_ban_by_name_puts_out_and_keeps_out(self) -> None:
        self.alice.send("/ban bob 10m spamming links")
        lines = self.carol.lines()
        self.assertRegex(lines[0], r"^\*\*\* alice banned bob from games for 10m "
                                   r"\(until \d\d:\d\d\): spamming links$")
        self.bob.clear()
        self.bob.send("/join games")
        self.assertEqual(self.bob.lines(),
                         ["! You are banned from games for 10m more: spamming links"])

    def test_renaming_does_not_escape_a_ban(self) -> None:
        self.alice.send("/ban bob")
        self.bob.send("/nick robert")
        self.bob.clear()
        self.bob.send("/join games")
        self.assertEqual(self.bob.lines(), ["! You are banned from games."])

    def test_the_name_is_banned_for_whoever_takes_it(self) -> None:
        self.alice.send("/ban bob")
        self.bob.send("/quit")
        again = self.connect("bob", "198.51.100.9")
        again.send("/join games")
        self.assertEqual(again.lines(), ["! You are banned from games."])

    def test_timed_ban_expires_on_time_and_the_room_is_told(self) -> None:
        self.alice.send("/ban bob 30s")
        quiet(self.alice, self.bob, self.carol)
        self.later(29)
        self.assertEqual(self.carol.lines(), [])
        self.later(1)
        self.assertEqual(self.carol.lines(), ["*** The ban on bob in games has run out"])
        self.bob.send("/join games")
        self.assertIn("*** bob has joined games (from lobby)", self.carol.lines())

    def test_ban_by_address_covers_everyone_there_but_operators(self) -> None:
        """A ban of @bob's address keeps out whoever comes from it, operators excepted."""
        self.alice.send("/op carol")
        self.alice.send("/ban @bob")
        self.assertEqual(self.alice.lines()[-1],
                         "*** alice banned bob's address from games")
        friend = self.connect("eve", "192.0.2.3")
        friend.send("/join games")
        self.assertEqual(friend.lines(), ["! You are banned from games."])
        elsewhere = self.connect("frank", "192.0.2.99")
        elsewhere.send("/join games")
        self.assertIn("= Room games, owned by alice", elsewhere.lines())

    def test_unban_by_address(self) -> None:
        self.alice.send("/ban @bob")
        self.alice.send("/unban @carol")
        self.alice.send("/unban @bob")
        self.assertEqual(self.alice.lines()[-2:], [
            "! @carol is not banned in games.", "*** alice lifted the ban on 192.0.2.3 in games"])
        self.alice.send("/ban 192.0.2.9")
        self.alice.send("/unban 192.0.2.9")
        self.assertEqual(self.alice.lines()[-1], "*** alice lifted the ban on 192.0.2.9 in games")

    def test_ban_by_address_literal_and_ipv6_network(self) -> None:
        self.alice.send("/ban 2001:db8::1 proxy")
        self.assertEqual(self.alice.lines()[-1],
                         "*** alice banned an address from games: proxy")
        neighbour = self.connect("gus", "2001:db8::abcd")
        neighbour.send("/join games")
        self.assertEqual(neighbour.lines(), ["! You are banned from games: proxy"])

    def test_server_ban_from_the_main_room(self) -> None:
        """A server operator's ban in the main room puts out and keeps out of the server."""
        self.teacher.send("/ban @bob 2h raiding")
        self.assertFalse(self.bob.connected)
        self.assertIn("*** teacher banned bob's address from the server for 2h",
                      self.carol.lines()[0])
        again = self.server.connect("192.0.2.3")
        again.clear()
        again.send("login bobby")
        self.assertEqual(again.lines(),
                         ["! You are banned from this server for 2h more: raiding"])
        self.assertTrue(again.connected)

    def test_a_ban_holds_for_the_account_under_another_name(self) -> None:
        """Banned as robert, a registered bob is banned when he comes back as bob."""
        self.bob.send("/register bob-secret")
        self.bob.send("/nick robert")
        self.teacher.send("/ban robert")
        self.assertFalse(self.bob.connected)
        again = self.server.connect("198.51.100.3")
        again.clear()
        again.send("login bob bob-secret")
        self.assertEqual(again.lines(), ["! You are banned from this server."])

    def test_server_ban_by_name_refuses_the_name(self) -> None:
        self.teacher.send("/ban dave")
        self.assertFalse(self.dave.connected)
        self.carol.send("/nick dave")
        self.assertEqual(self.carol.lines()[-1], "! The name dave is banned from this server.")

    def test_bans_and_unban(self) -> None:
        self.alice.send("/ban bob 10m noisy")
        self.alice.send("/mute carol")
        self.alice.clear()
        self.alice.send("/bans")
        lines = self.alice.lines()
        self.assertEqual(lines[0], "= Bans and mutes in games (2):")
        self.assertRegex(lines[1], r"^=   ban bob \(by alice until \d\d:\d\d\): noisy$")
        self.assertEqual(lines[2], "=   mute carol (by alice)")
        self.alice.send("/unban bob")
        self.assertEqual(self.alice.lines(), ["*** alice lifted the ban on bob in games"])
        self.alice.send("/unban bob")
        self.assertEqual(self.alice.lines(), ["! bob is not banned in games."])
        self.bob.send("/join games")
        self.assertIn("= Room games, owned by alice", self.bob.lines())

    def test_ban_again_replaces(self) -> None:
        self.alice.send("/ban bob 10m")
        self.alice.send("/ban bob 1h")
        self.alice.clear()
        self.alice.send("/bans")
        self.assertEqual(self.alice.lines()[0], "= Bans and mutes in games (1):")

    def test_a_word_that_is_no_duration_starts_the_reason(self) -> None:
        self.alice.send("/ban bob spamming again")
        self.assertEqual(self.carol.lines(), ["*** alice banned bob from games: spamming again"])

    def test_members_cannot_see_the_bans(self) -> None:
        self.bob.send("/bans")
        self.assertEqual(self.bob.lines(), ["! Only an operator of games may do that."])


class MuteTests(Classroom):
    def test_muted_may_read_not_speak(self) -> None:
        self.alice.send("/mute bob 5m shouting")
        self.assertRegex(self.carol.lines()[0],
                         r"^\*\*\* alice muted bob in games for 5m \(until \d\d:\d\d\): shouting$")
        self.bob.clear()
        for line in ("hello?", "/me waves", "/topic mine"):
            self.bob.send(line)
        self.assertEqual(self.bob.lines(), [
            "! You are muted in games for 5m more: you may read, not speak."] * 2 + [
            "! Only the owner and operators of games may change its topic."])
        self.carol.send("still here")
        self.assertEqual(self.bob.lines(), ["<carol> still here"])

    def test_muted_operator_may_not_set_the_topic(self) -> None:
        self.teacher.send("/join games")
        self.teacher.send("/mute alice")
        self.alice.clear()
        self.alice.send("/topic mine")
        self.assertEqual(self.alice.lines(),
                         ["! You are muted in games: you may read, not speak."])

    def test_mute_survives_nick_rejoin_and_reconnect(self) -> None:
        self.alice.send("/mute bob")
        self.bob.send("/nick robert")
        self.bob.send("/leave")
        self.bob.send("/join games")
        self.bob.clear()
        self.bob.send("hi")
        self.assertEqual(self.bob.lines(), ["! You are muted in games: you may read, not speak."])
        self.bob.send("/quit")
        again = self.connect("bob", "198.51.100.7")
        again.send("/join games")
        again.clear()
        again.send("hi")
        self.assertEqual(again.lines(), ["! You are muted in games: you may read, not speak."])

    def test_timed_mute_expires(self) -> None:
        self.alice.send("/mute bob 1m")
        quiet(self.bob, self.carol)
        self.later(60)
        self.assertEqual(self.carol.lines(), ["*** bob's mute in games has run out"])
        self.bob.clear()
        self.bob.send("free at last")
        self.assertEqual(self.carol.lines(), ["<bob> free at last"])

    def test_unmute(self) -> None:
        self.alice.send("/mute bob")
        self.alice.send("/unmute bob")
        self.assertEqual(self.carol.lines()[-1], "*** alice unmuted bob in games")
        self.bob.send("thanks")
        self.assertEqual(self.carol.lines(), ["<bob> thanks"])

    def test_server_mute_holds_everywhere_and_for_private_messages(self) -> None:
        self.teacher.send("/mute bob 10m")
        self.assertRegex(self.bob.lines()[-1], r"^\*\*\* teacher muted bob in every room for 10m")
        self.dave.clear()
        self.bob.send("hello")
        self.bob.send("/msg dave psst")
        self.assertEqual(self.bob.lines(), [
            "! You are muted in every room for 10m more: you may read, not speak."] * 2)
        self.assertEqual(self.dave.lines(), [])


class EntryTests(Classroom):
    def test_invite_only_with_a_one_time_pass(self) -> None:
        self.alice.send("/room invite-only on")
        self.assertEqual(self.bob.lines(), ["*** alice made games invite-only"])
        self.dave.send("/join games")
        self.assertEqual(self.dave.lines(),
                         ["! games is invite-only: ask one of its operators for an /invite."])
        self.alice.send("/invite dave")
        self.assertEqual(self.dave.lines(), ["*** alice invited dave to games"])
        self.dave.send("/join games")
        self.assertIn("= Room games, owned by alice", self.dave.lines())
        self.dave.send("/leave")
        self.dave.clear()
        self.dave.send("/join games")
        self.assertEqual(self.dave.lines(),
                         ["! games is invite-only: ask one of its operators for an /invite."])

    def test_a_registered_name_invited_keeps_its_pass(self) -> None:
        self.dave.send("/register dave-secret")
        self.alice.send("/room invite-only on")
        self.alice.send("/invite dave")
        for _ in range(2):
            self.dave.send("/join games")
            self.dave.send("/leave")
        self.assertNotIn("! games is invite-only: ask one of its operators for an /invite.",
                         self.dave.lines())

    def test_key(self) -> None:
        self.alice.send("/room key s3cret")
        self.assertEqual(self.bob.lines(), ["*** alice set a key on games: join games KEY"])
        self.dave.send("/join games")
        self.dave.send("/join games wrong")
        self.assertEqual(self.dave.lines(), ["! games needs its key: join games KEY",
                                             "! That is not the key of games."])
        self.dave.send("/join games s3cret")
        self.assertIn("= Room games, owned by alice", self.dave.lines())

    def test_limit(self) -> None:
        self.alice.send("/room limit 3")
        self.dave.send("/join games")
        self.assertEqual(self.dave.lines(), ["! games is full: at most 3 members."])
        self.alice.send("/room limit off")
        self.dave.send("/join games")
        self.assertIn("= Room games, owned by alice", self.dave.lines())

    def test_settings_shown_and_refused(self) -> None:
        self.alice.send("/room slow 10")
        self.alice.send("/room limit lots")
        self.bob.send("/room slow off")
        self.teacher.send("/room invite-only on")
        self.bob.send("/room")
        self.assertEqual(self.alice.lines()[-1],
                         "! Usage: /room limit N|off (N members, 1 to 100000)")
        self.assertEqual(self.bob.lines()[-2:], [
            "! Only an operator of games may do that.",
            "= games: invite-only off, key off, limit off, slow 10s, quiet off"])
        self.assertEqual(self.teacher.lines()[0][:31], "! lobby is the main room: every")


class SpeakingTests(Classroom):
    def test_slow_mode(self) -> None:
        """One line each per SECONDS; the one too soon is refused, with the wait, not queued."""
        self.alice.send("/room slow 10")
        quiet(self.bob, self.carol)
        self.bob.send("one")
        self.bob.send("two")
        self.assertEqual(self.bob.lines(), [
            "<bob> one",
            "! games is in slow mode: one line each per 10 seconds. "
            "You may speak again in 10 seconds."])
        self.server.clock.advance(10)
        self.bob.send("three")
        self.assertEqual(self.carol.lines(), ["<bob> one", "<bob> three"])

    def test_operators_are_not_slowed(self) -> None:
        self.alice.send("/room slow 10")
        quiet(self.carol)
        self.alice.send("one")
        self.alice.send("two")
        self.assertEqual(self.carol.lines(), ["<alice> one", "<alice> two"])

    def test_quiet_newcomers(self) -> None:
        self.alice.send("/room quiet 30")
        self.dave.send("/join games")
        self.dave.clear()
        self.dave.send("hi all")
        self.assertEqual(self.dave.lines(), [
            "! Newcomers to games wait 30 seconds before speaking. You may speak in 30 seconds."])
        self.server.clock.advance(30)
        self.dave.send("hi all")
        self.assertEqual(self.dave.lines(), ["<dave> hi all"])


class IgnoreTests(Classroom):
    def test_ignore_hides_chat_emotes_and_private_messages(self) -> None:
        self.carol.send("/ignore bob")
        self.assertEqual(self.carol.lines(), ["*** You now ignore bob; they are not told."])
        self.bob.send("hello")
        self.bob.send("/me waves")
        self.bob.send("/msg carol psst")
        self.assertEqual(self.carol.lines(), [])
        self.assertEqual(self.alice.lines(), ["<bob> hello", "* bob waves"])
        self.assertEqual(self.bob.lines(), ["<bob> hello", "* bob waves", "[bob -> carol] psst"])

    def test_ignore_follows_a_rename(self) -> None:
        self.carol.send("/ignore bob")
        self.bob.send("/nick robert")
        self.carol.clear()
        self.bob.send("hello")
        self.assertEqual(self.carol.lines(), [])

    def test_unignore_and_list(self) -> None:
        self.carol.send("/ignore bob")
        self.carol.send("/ignore dave")
        self.carol.clear()
        self.carol.send("/ignore")
        self.carol.send("/unignore bob")
        self.carol.send("/unignore bob")
        self.assertEqual(self.carol.lines(), ["= You ignore (2): bob, dave",
                                              "*** You no longer ignore bob.",
                                              "! You do not ignore bob."])
        self.bob.send("back")
        self.assertEqual(self.carol.lines(), ["<bob> back"])

    def test_refusals(self) -> None:
        self.carol.send("/ignore carol")
        self.carol.send("/ignore bob")
        self.carol.send("/ignore BOB")
        self.assertEqual(self.carol.lines(), ["! You cannot ignore yourself.",
                                              "*** You now ignore bob; they are not told.",
                                              "! You ignore bob already."])

    def test_a_registered_list_lasts(self) -> None:
        self.carol.send("/register carol-pass")
        self.carol.send("/ignore bob")
        self.carol.send("/quit")
        carol = self.connect("carol carol-pass", "192.0.2.4")
        carol.send("/join games")
        carol.clear()
        self.bob.send("hello again")
        self.assertEqual(carol.lines(), [])


class ServerOperatorTests(Classroom):
    def test_disconnect(self) -> None:
        self.teacher.send("/disconnect bob enough")
        self.assertEqual(self.carol.lines(),
                         ["*** teacher disconnected bob from the server: enough"])
        self.assertEqual(self.bob.lines()[-1],
                         "*** teacher disconnected you from the server: enough")
        self.assertFalse(self.bob.connected)

    def test_wall(self) -> None:
        self.teacher.send("/wall Five minutes left")
        for client in (self.alice, self.bob, self.dave, self.teacher):
            self.assertEqual(client.lines(),
                             ["*** Notice to everyone from teacher: Five minutes left"])

    def test_lock(self) -> None:
        self.teacher.send("/lock on")
        self.assertEqual(self.dave.lines(),
                         ["*** teacher locked the server: no new logins but operators' for now"])
        raider = self.server.connect("203.0.113.50")
        raider.clear()
        raider.send("login raider")
        self.assertEqual(raider.lines(),
                         ["! The server is locked: no new logins for now. Try again later."])
        self.teacher.send("/quit")
        back = self.connect("teacher chalk-and-talk", "192.0.2.1")
        back.send("who")
        self.assertIn("= Online (5):", back.lines())
        back.send("/lock off")
        raider.send("login raider")
        self.assertIn("*** You are raider. Type /help for the commands.", raider.lines())

    def test_only_server_operators(self) -> None:
        for line in ("/disconnect bob", "/wall hi", "/lock on"):
            self.alice.send(line)
        self.assertEqual(self.alice.lines(), ["! Only a server operator may do that."] * 3)

    def test_an_unregistered_name_is_no_operator(self) -> None:
        """--operator names a registered name: the name alone, without its password, is nobody."""
        server = Server(operators=["mallory"])
        mallory = server.login("mallory")
        mallory.send("/wall hi")
        self.assertEqual(mallory.lines(), ["! Only a server operator may do that."])


class AuditTests(Classroom):
    def test_room_operators_read_their_room(self) -> None:
        self.alice.send("/kick bob rude")
        self.teacher.send("/mute dave")
        quiet(self.alice, self.carol)
        self.alice.send("/audit")
        lines = self.alice.lines()
        self.assertEqual(lines[0], "= Audit of games, last 1:")
        self.assertRegex(lines[1], r"^=   \[\d\d:\d\d\] alice kick bob in games: rude$")
        self.carol.send("/audit")
        self.assertEqual(self.carol.lines(), ["! Only an operator of games may do that."])

    def test_server_operators_read_all(self) -> None:
        self.alice.send("/kick bob rude")
        self.alice.send("/room slow 5")
        self.teacher.send("/mute dave")
        self.teacher.clear()
        self.teacher.send("/audit 2")
        lines = self.teacher.lines()
        self.assertEqual(lines[0], "= Audit of every room and the server, last 2:")
        self.assertRegex(lines[1], r"alice setting slow 5 in games$")
        self.assertRegex(lines[2], r"teacher mute dave server-wide$")

    def test_every_act_is_stored(self) -> None:
        self.alice.send("/ban bob 30s spam")
        self.later(30)
        rows = self.server.transactions.connection.execute(  # type: ignore[union-attr]
            "SELECT by, action, target, room, reason, until IS NOT NULL FROM audit "
            "ORDER BY id").fetchall()
        self.assertEqual(rows, [("alice", "ban", "bob", "games", "spam", 1),
                                (None, "unban", "bob", "games", "expired", 0)])


class LastingTests(Classroom):
    """What a registered room, a registered name and the server keep across a restart."""

    def setUp(self) -> None:
        super().setUp()
        self.alice.send("/register alice-pass")
        self.alice.send("/room register")
        self.bob.send("/register bob-pass")
        quiet(self.alice, self.bob)

    def test_roles_bans_mutes_and_settings_of_a_registered_room(self) -> None:
        self.alice.send("/op bob")
        self.alice.send("/ban carol")
        self.alice.send("/mute dave 1h")
        self.alice.send("/room slow 5")
        server = self.restart()
        bob = self.connect("bob bob-pass", "192.0.2.3", server)
        bob.send("/join games")
        bob.send("look")
        self.assertIn("= Members (1): bob (operator)", bob.lines())
        alice = self.connect("alice alice-pass", "192.0.2.2", server)
        alice.send("/join games")
        alice.clear()
        alice.send("look")
        self.assertIn("= Members (2): bob (operator), alice (owner)", alice.lines())
        carol = self.connect("carol", "192.0.2.4", server)
        carol.send("/join games")
        self.assertEqual(carol.lines(), ["! You are banned from games."])
        dave = self.connect("dave", "192.0.2.5", server)
        dave.send("/join games")
        dave.clear()
        dave.send("hi")
        self.assertRegex(dave.lines()[0], r"^! You are muted in games for 1h more")
        alice.send("/room")
        self.assertIn("= games: invite-only off, key off, limit off, slow 5s, quiet off, "
                      "registered", alice.lines())

    def test_timed_ban_expires_across_a_restart(self) -> None:
        self.teacher.send("/ban dave 1m")
        self.restart()
        dave = self.server.connect("192.0.2.5")
        dave.clear()
        dave.send("login dave")
        self.assertEqual(dave.lines(), ["! You are banned from this server for 1m more."])
        self.later(60)
        watcher = self.connect("eve", "192.0.2.8")
        self.assertEqual(self.server.transactions.connection.execute(  # type: ignore[union-attr]
            "SELECT count(*) FROM sanctions").fetchone(), (0,))
        dave.send("login dave")
        self.assertIn("*** You are dave. Type /help for the commands.", dave.lines())
        self.assertTrue(watcher.connected)

    def test_a_room_that_does_not_last_keeps_nothing(self) -> None:
        self.bob.send("/create den")
        self.bob.send("/ban carol")
        server = self.restart()
        self.assertEqual(server.transactions.connection.execute(  # type: ignore[union-attr]
            "SELECT count(*) FROM sanctions").fetchone(), (0,))

    def test_unregistering_forgets(self) -> None:
        self.alice.send("/ban carol")
        self.alice.send("/room unregister")
        server = self.restart()
        self.assertEqual(server.transactions.connection.execute(  # type: ignore[union-attr]
            "SELECT count(*) FROM sanctions").fetchone(), (0,))


class AudienceTests(Classroom):
    def test_nobody_ignoring_shares_the_room_audience(self) -> None:
        """Without ignorers a line's audience is the room's shared list, not a copy."""
        room = self.server.chat.find_room("games")
        bob = self.server.chat.find_user("bob")
        self.assertIs(room.hearers(bob), room.audience())
        self.carol.send("/ignore bob")
        self.assertEqual([user.name for user in room.hearers(bob)], ["alice", "bob"])
        self.carol.send("/unignore bob")
        self.assertIs(room.hearers(bob), room.audience())

    def test_ignorers_leaving_are_counted_out(self) -> None:
        room = self.server.chat.find_room("games")
        self.carol.send("/ignore bob")
        self.carol.send("/leave")
        self.assertEqual(room.ignorers, 0)
        self.carol.send("/join games")
        self.assertEqual(room.ignorers, 1)


class ArrivalTests(Classroom):
    def test_an_operator_coming_in_is_announced_with_the_role(self) -> None:
        """Clients mark an operator who comes in at once, without a look."""
        self.alice.send("/op bob")
        self.bob.send("/leave")
        self.carol.send("/format json")
        self.carol.clear()
        self.bob.send("/join games")
        self.teacher.send("/join games")
        roles = [(event["name"], event["role"]) for event in self.carol.events()
                 if event["type"] == "presence"]
        self.assertEqual(roles, [("bob", "operator"), ("teacher", "server operator")])
        self.dave.send("/join games")
        self.assertEqual([event["role"] for event in self.carol.events()
                          if event["type"] == "presence"], [None])


class KeptFirstTests(SynchronousTestCase):
    def test_an_act_is_told_once_it_is_stored(self) -> None:
        """Nobody hears of a ban before it is kept: a crash cannot undo what was announced."""
        db = Transactions(immediate=False)
        server = Server(db=db)
        alice, bob = server.login("alice"), server.login("bob")
        alice.send("/create games")
        bob.send("/join games")
        while db.pending:
            db.finish()
        quiet(alice, bob)
        alice.send("/ban bob 1h")
        self.assertEqual(alice.lines(), [])
        while db.pending:
            db.finish()
        self.assertRegex(alice.lines()[0], r"^\*\*\* alice banned bob from games for 1h")
        self.assertEqual(db.connection.execute("SELECT count(*) FROM audit").fetchone(), (1,))


class WalkthroughTests(Classroom):
    """What a teacher trying every act by hand tripped over."""

    def test_a_mistyped_length_is_refused_not_made_lasting(self) -> None:
        for length in ("10", "-5m", "400d", "0s", "1y"):
            self.alice.send(f"/ban bob {length} spam")
            self.alice.send(f"/mute bob {length}")
        lines = self.alice.lines()
        self.assertEqual(len(lines), 10)
        self.assertTrue(all(line.startswith("! '") and "is not a length" in line
                            for line in lines), lines)
        self.bob.clear()
        self.bob.send("still free")
        self.assertEqual(self.carol.lines(), ["<bob> still free"])

    def test_the_room_reads_whose_address_never_the_address(self) -> None:
        self.alice.send("/ban @bob 10m")
        self.assertRegex(self.carol.lines()[0], r"^\*\*\* alice banned bob's address from games")
        self.alice.clear()
        self.alice.send("/bans")
        self.assertRegex(self.alice.lines()[1],
                         r"^=   ban 192\.0\.2\.3 \(bob's address\) \(by alice")

    def test_not_an_address(self) -> None:
        self.alice.send("/ban 10.0.0.0/8")
        self.alice.send("/ban 127.0.0.999")
        self.alice.send("/ban @")
        lines = self.alice.lines()
        self.assertEqual(lines[0][:45], "! '10.0.0.0/8' is not an address: give an IPv")
        self.assertEqual(lines[1][:35], "! '127.0.0.999' is not an address: ")
        self.assertEqual(lines[2], "! Usage: /ban NAME|ADDRESS|@NAME [DURATION] [REASON...]")

    def test_mute_by_address(self) -> None:
        self.alice.send("/mute @bob")
        friend = self.connect("eve", "192.0.2.3")
        friend.send("/join games")
        friend.clear()
        friend.send("hi")
        self.assertEqual(friend.lines(), ["! You are muted in games: you may read, not speak."])

    def test_every_act_is_confirmed_to_whoever_did_it(self) -> None:
        """The server operator in the main room hears of a disconnect in another room."""
        self.teacher.send("/disconnect bob enough")
        self.assertEqual(self.teacher.lines(),
                         ["*** teacher disconnected bob from the server: enough"])

    def test_expiry_names_them_as_they_are_now_and_tells_them_wherever_they_are(self) -> None:
        self.teacher.send("/mute bob 1m")
        self.bob.send("/nick robert")
        quiet(self.teacher, self.bob, self.carol)
        self.later(60)
        self.assertEqual(self.teacher.lines(), ["*** robert's mute in every room has run out"])
        self.assertEqual(self.bob.lines(), ["*** robert's mute in every room has run out"])

    def test_lock_twice(self) -> None:
        self.teacher.send("/lock on")
        self.teacher.send("/lock on")
        self.teacher.send("/lock off")
        self.teacher.send("/lock off")
        self.assertEqual(self.teacher.lines()[1::2], ["! The server is locked already.",
                                                      "! The server is not locked."])

    def test_the_main_room_takes_no_invitations(self) -> None:
        self.teacher.send("/invite dave")
        self.assertEqual(self.teacher.lines()[0][:51],
                         "! lobby is the main room: everyone logged in is in ")

    def test_ignore_someone_not_online(self) -> None:
        self.carol.send("/ignore nobody")
        self.assertEqual(self.carol.lines(), ["! No user named 'nobody' is online."])

    def test_help_lists_what_you_may_use(self) -> None:
        self.bob.send("/help")
        member = " ".join(self.bob.lines())
        self.alice.send("/help")
        owner = " ".join(self.alice.lines())
        self.teacher.send("/help")
        staff = " ".join(self.teacher.lines())
        self.assertNotIn("/kick", member)
        self.assertIn("/kick", owner)
        self.assertIn("/op NAME", owner)
        self.assertNotIn("/wall", owner)
        self.assertIn("/wall", staff)
        self.bob.send("/help ban")
        self.assertEqual(self.bob.lines()[0], "= /ban NAME|ADDRESS [DURATION] [REASON...]")

    def test_json_times_have_three_decimals(self) -> None:
        self.server.clock.advance(0.123456)
        self.carol.send("/format json")
        self.carol.clear()
        self.alice.send("/ban bob 10m")
        (event,) = self.carol.events()
        self.assertEqual(event["until"], round(event["until"], 3))


class IgnoredPastTests(SynchronousTestCase):
    def test_history_replay_and_search_leave_out_whom_you_ignore(self) -> None:
        server = Server(db=Transactions())
        bob, carol = server.login("bob"), server.login("carol")
        bob.send("oolong from bob")
        carol.send("oolong from carol")
        carol.send("/ignore bob")
        carol.clear()
        carol.send("/history")
        carol.send("/search oolong")
        lines = carol.lines()
        self.assertFalse([line for line in lines if "<bob>" in line], lines)
        self.assertTrue([line for line in lines if "<carol> oolong from carol" in line], lines)
        carol.send("/create den")
        carol.send("/join lobby")
        self.assertFalse([line for line in carol.lines() if "<bob>" in line])


class HearersTests(Classroom):
    """Ignoring keeps a burst of lines batched: each sender's hearers are one list, kept."""

    def test_a_senders_hearers_stay_one_list_until_something_changes(self) -> None:
        room = self.server.chat.find_room("games")
        chat = self.server.chat
        bob, alice = chat.find_user("bob"), chat.find_user("alice")
        self.alice.send("/ignore dave")
        self.assertIs(room.hearers(bob), room.audience())
        self.carol.send("/ignore bob")
        first = room.hearers(bob)
        self.assertIs(room.hearers(bob), first)
        self.assertEqual([user.name for user in first], ["alice", "bob"])
        # Nobody ignores alice: her lines reach the room's own shared list.
        self.assertIs(room.hearers(alice), room.audience())
        self.dave.send("/join games")
        self.assertIsNot(room.hearers(bob), first)
        self.assertEqual([user.name for user in room.hearers(bob)], ["alice", "bob", "dave"])
        self.carol.send("/unignore bob")
        self.carol.send("/ignore dave")
        self.assertIs(room.hearers(bob), room.audience())

    def test_a_rename_works_the_hearers_out_again(self) -> None:
        """An ignore by name holds for whoever takes the name: a rename is worked out anew."""
        self.carol.send("/ignore bob")
        self.bob.send("/quit")
        eve = self.connect("eve", "192.0.2.8")
        eve.send("/join games")
        room = self.server.chat.find_room("games")
        user = self.server.chat.find_user("eve")
        self.assertIn("carol", [member.name for member in room.hearers(user)])
        eve.send("/nick bob")
        self.assertNotIn("carol", [member.name for member in room.hearers(user)])
