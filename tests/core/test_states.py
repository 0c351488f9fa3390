"""
Every command and every error path, as a telnet user would meet them,
driven through the real protocol over StringTransport.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server, Transactions, only
from twisted_chat.core.commands import SECRET_WORDS
from twisted_chat.core.states import LoginState, RoomState


def quiet(*clients) -> None:
    for client in clients:
        client.clear()


class BeforeLoginTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.client = self.server.connect()
        self.client.clear()

    def test_login(self) -> None:
        """login NAME names you and puts you in the main room, with its members and topic."""
        server = Server(main_topic="Tea and talk")
        client = server.connect()
        client.clear()
        client.send("login alice")
        self.assertEqual(client.lines(), [
            "*** You are alice. Type /help for the commands.",
            "= Room lobby",
            "= Topic: Tea and talk",
            "= Members (1): alice",
        ])

    def test_slash_login(self) -> None:
        self.client.send("/login alice")
        self.assertEqual(self.client.lines()[0], "*** You are alice. Type /help for the commands.")

    def test_motd_after_login(self) -> None:
        server = Server(motd="Be kind.\nNo spam.")
        client = server.connect()
        client.clear()
        client.send("login alice")
        self.assertEqual(client.lines()[1:3], ["*** Be kind.", "*** No spam."])

    def test_anything_else(self) -> None:
        """Before login, chat and room commands answer how to log in."""
        for line in ["hello", "look", "/look", "/say hi", "join games", "/msg bob hi"]:
            self.client.send(line)
            self.assertEqual(self.client.lines(), ["! Please log in first: login NAME"], line)

    def test_unknown_slash_command(self) -> None:
        self.client.send("/frobnicate")
        self.assertEqual(self.client.lines(),
                         ["! Unknown command /frobnicate. Type /help for the list."])

    def test_login_shapes(self) -> None:
        """login without a name, or with three words, gets its usage."""
        for line in ["login", "login alice bob carol"]:
            self.client.send(line)
            self.assertEqual(self.client.lines(), ["! Usage: /login NAME [PASSWORD]"], line)

    def test_password_for_a_name_not_registered(self) -> None:
        """A password given for a name nobody registered: maybe a typo in the name, so refused."""
        self.client.send("login alice secret")
        self.assertEqual(self.client.lines(), [
            "! The name 'alice' is not registered; log in without a password: login alice"])

    def test_bad_names(self) -> None:
        """Each kind of bad name gets its own message."""
        cases = {
            "login 1alice": "! '1alice' is not a valid name: use letters, digits, _ and -, "
                            "starting with a letter.",
            "login al<ice": "! 'al<ice' is not a valid name: use letters, digits, _ and -, "
                            "starting with a letter.",
            "login " + "a" * 25: "! The name is too long: at most 24 characters.",
            "login Server": "! The name 'Server' is reserved; choose another.",
            "login \u3000": "! Usage: /login NAME [PASSWORD]",
        }
        for line, error in cases.items():
            self.client.send(line)
            self.assertEqual(self.client.lines(), [error], line)

    def test_invisible_name(self) -> None:
        """An invisible name is refused, and the error makes what was typed visible."""
        # (A zero-width space never gets this far: user text loses it on the way
        # in.  The name shown is the normalised one: NFKC makes U+3164 U+1160.)
        self.client.send("/login \u3164")
        self.assertEqual(self.client.lines(), ["! '\\u1160' is not a valid name: it holds an "
                                               "invisible character."])

    def test_name_taken_regardless_of_case_and_width(self) -> None:
        self.server.login("Alice")
        for name in ["alice", "ALICE", "\uff41lice"]:
            self.client.send(f"login {name}")
            lines = self.client.lines()
            self.assertEqual(len(lines), 1)
            self.assertIn("is taken: it reads the same as 'Alice', who is online.", lines[0])

    def test_chinese_name(self) -> None:
        self.client.send("login 小明")
        self.assertEqual(self.client.lines()[0], "*** You are 小明. Type /help for the commands.")

    def test_help(self) -> None:
        """help lists only what works now."""
        self.client.send("help")
        text = "\n".join(self.client.lines())
        for usage in ["/login NAME", "/help [COMMAND]", "/format [NAME]", "/quit [MESSAGE...]"]:
            self.assertIn(usage, text)
        self.assertNotIn("/look", text)

    def test_quit(self) -> None:
        self.client.send("quit")
        self.assertEqual(self.client.lines(), ["*** Goodbye."])
        self.assertFalse(self.client.connected)

    def test_format_before_login(self) -> None:
        self.client.send("format json")
        self.assertEqual(self.client.events()[0]["format"], "json")


class ChatTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.alice, self.bob = self.server.logins("alice", "bob")

    def test_plain_text_is_chat(self) -> None:
        """Plain text goes to everyone in the room, the sender included."""
        self.alice.send("hello everyone")
        self.assertEqual(self.alice.lines(), ["<alice> hello everyone"])
        self.assertEqual(self.bob.lines(), ["<alice> hello everyone"])

    def test_say(self) -> None:
        self.alice.send("say look")
        self.assertEqual(self.bob.lines(), ["<alice> look"])

    def test_book_words_only_in_their_shape(self) -> None:
        """'look' is a command; 'look at this' is chat; so for each of the book's words."""
        for line in ["look at this", "who is there", "join the club now", "list of things",
                     "help me please", "create a room"]:
            self.alice.send(line)
            self.assertEqual(self.bob.lines(), [f"<alice> {line}"], line)

    def test_bare_words_that_are_commands(self) -> None:
        self.alice.send("look")
        self.alice.send("LOOK")
        self.alice.send("who")
        self.alice.send("help look")
        self.assertEqual(self.bob.lines(), [])
        text = self.alice.lines()
        self.assertEqual(text.count("= Room lobby"), 2)
        self.assertIn("= Online (2):", text)
        self.assertIn("= /look", text)

    def test_a_password_typed_without_its_slash_is_never_chat(self) -> None:
        """
        A line whose first word is a command that takes a password is a
        command whatever its shape: nobody reads it, and it is not stored.
        """
        db = Transactions()
        server = Server(db=db)
        alice, bob = server.logins("alice", "bob")
        secrets = ["register hunter22", "Register hunter22 now", "password hunter22 new-one",
                   "password", "login alice hunter22", "login to the site with hunter22"]
        for line in secrets:
            alice.send(line)
            answer = alice.lines()
            self.assertTrue(answer and not answer[-1].startswith("<"), (line, answer))
        self.assertEqual(bob.lines(), [])
        stored = db.connection.execute("SELECT count(*) FROM messages").fetchone()[0]
        self.assertEqual(stored, 0)
        alice.send("//register is how you claim a name")
        self.assertEqual(bob.lines(), ["<alice> /register is how you claim a name"])

    def test_every_command_with_a_password_is_a_secret_word(self) -> None:
        usages = {found.name: found.usage for state in (LoginState, RoomState)
                  for found in state.commands.values()}
        taking = {name for name, usage in usages.items() if "PASSWORD" in usage or " OLD" in usage}
        self.assertEqual(taking, set(SECRET_WORDS))

    def test_non_book_words_are_chat_without_slash(self) -> None:
        """Only the book's words work bare: 'nick bob2' is chat."""
        self.alice.send("nick bob2")
        self.assertEqual(self.bob.lines(), ["<alice> nick bob2"])

    def test_double_slash(self) -> None:
        """//text sends /text as chat."""
        self.alice.send("//shrug")
        self.assertEqual(self.bob.lines(), ["<alice> /shrug"])

    def test_say_without_text(self) -> None:
        self.alice.send("/say")
        self.assertEqual(self.alice.lines(), ["! Usage: /say TEXT..."])

    def test_me(self) -> None:
        self.alice.send("/me waves")
        self.assertEqual(self.bob.lines(), ["* alice waves"])
        self.assertEqual(self.alice.lines(), ["* alice waves"])

    def test_me_without_action(self) -> None:
        self.alice.send("/me")
        self.assertEqual(self.alice.lines(), ["! Usage: /me ACTION..."])

    def test_msg_and_aliases(self) -> None:
        """A private message reaches only its target; the sender sees an echo."""
        carol = self.server.login("carol")
        quiet(self.alice, self.bob)
        for verb in ["msg", "tell", "whisper"]:
            self.alice.send(f"/{verb} BOB psst {verb}")
            self.assertEqual(self.bob.lines(), [f"[alice -> bob] psst {verb}"])
            self.assertEqual(self.alice.lines(), [f"[alice -> bob] psst {verb}"])
        self.assertEqual(carol.lines(), [])

    def test_msg_across_rooms(self) -> None:
        self.bob.send("/create games")
        quiet(self.alice, self.bob)
        self.alice.send("/msg bob come back")
        self.assertEqual(self.bob.lines(), ["[alice -> bob] come back"])

    def test_msg_errors(self) -> None:
        self.alice.send("/msg nobody hi")
        self.alice.send("/msg bob")
        self.assertEqual(self.alice.lines(), [
            "! No user named 'nobody' is online.",
            "! Usage: /msg NAME TEXT...",
        ])
        self.assertEqual(self.bob.lines(), [])

    def test_unknown_command(self) -> None:
        self.alice.send("/dance")
        self.assertEqual(self.alice.lines(), ["! Unknown command /dance. Type /help for the list."])
        self.assertEqual(self.bob.lines(), [])

    def test_login_again(self) -> None:
        """Logging in twice is not possible, and says so, with or without the slash."""
        self.alice.send("/login carol")
        self.alice.send("login carol")
        self.assertEqual(self.alice.lines(),
                         ["! /login is not available now. Type /help for what is."] * 2)
        self.assertEqual(self.bob.lines(), [])

    def test_wrong_shape_with_slash(self) -> None:
        self.alice.send("/look around")
        self.alice.send("/join")
        self.assertEqual(self.alice.lines(), ["! Usage: /look", "! Usage: /join ROOM [KEY]"])


class BareLineTests(SynchronousTestCase):
    """
    In a room a line without a slash is a command only when it could not be
    chat (issue 18, item 12): a book's word alone, a setting word with one of
    its values, help with a command's name, say TEXT, a password's command.
    """

    def setUp(self) -> None:
        self.server = Server()
        self.alice, self.bob = self.server.logins("alice", "bob")

    def assertChat(self, *lines: str) -> None:
        """Each line reaches bob as alice's chat, and alice is still here."""
        for line in lines:
            self.alice.send(line)
            self.assertEqual(self.bob.lines(), [f"<alice> {line}"], line)
            self.assertTrue(self.alice.connected, line)
            self.alice.clear()

    def assertCommand(self, line: str, first: str) -> None:
        """The line answers alice with ``first``; bob reads nothing."""
        self.alice.send(line)
        self.assertEqual(self.alice.lines()[:1], [first], line)
        self.assertEqual(self.bob.lines(), [], line)
        self.alice.clear()

    def test_book_words_alone_are_commands(self) -> None:
        self.assertCommand("look", "= Room lobby")
        self.assertCommand("WHO", "= Online (2):")
        self.assertCommand("list", "= Rooms (1):")
        self.assertCommand("h", "= Commands (type /help COMMAND for one in detail):")
        self.assertCommand("help", "= Commands (type /help COMMAND for one in detail):")

    def test_quit_and_logout_alone_leave(self) -> None:
        alice, bob = self.alice, self.bob
        alice.send("quit")
        self.assertFalse(alice.connected)
        self.assertEqual(bob.lines(), ["*** alice has logged out"])
        carol = self.server.login("carol")
        bob.clear()
        carol.send("Logout")
        self.assertFalse(carol.connected)
        self.assertEqual(bob.lines(), ["*** carol has logged out"])

    def test_book_words_with_free_text_are_chat(self) -> None:
        """A goodbye message, or any text after a book's word, is chat: quit MESSAGE stays."""
        self.assertChat("quit joking around", "logout see you", "quit bye", "look at this",
                        "who is there", "list of things", "help me please")

    def test_slash_quit_and_logout_take_a_goodbye(self) -> None:
        self.alice.send("/quit joking around")
        self.assertFalse(self.alice.connected)
        self.assertEqual(self.bob.lines(), ["*** alice has logged out (joking around)"])
        carol = self.server.login("carol")
        self.bob.clear()
        carol.send("/logout see you")
        self.assertEqual(self.bob.lines(), ["*** carol has logged out (see you)"])

    def test_setting_words_alone_or_with_a_value_are_commands(self) -> None:
        """format, color and encoding work bare, as README's table shows them."""
        self.assertCommand("format", "*** Output format: text")
        self.assertCommand("color", "*** Colour is off")
        self.assertCommand("encoding", "*** Encoding: utf-8")
        self.assertCommand("color on", "\x1b[33m***\x1b[0m Colour is on")
        self.assertCommand("colour OFF", "*** Colour is off")
        self.assertCommand("encoding gbk", "*** Encoding: gbk")
        self.assertCommand("charset utf-8", "*** Encoding: utf-8")
        self.alice.send("format json")
        self.assertEqual([(event["type"], event["format"]) for event in self.alice.events()],
                         [("format", "json")])
        self.assertCommand("format TEXT", "*** Output format: text")

    def test_setting_words_with_other_words_are_chat(self) -> None:
        """A word that is not the setting's value makes a sentence: 'format strings' is chat."""
        self.assertChat("format strings", "color blue", "encoding klingon", "format json please",
                        "color on off", "charset is what")
        self.alice.send("/format")
        self.assertEqual(self.alice.lines(), ["*** Output format: text"])

    def test_help_with_a_command_name_is_a_command(self) -> None:
        self.assertCommand("h look", "= /look")
        self.assertCommand("help JOIN", "= /join ROOM [KEY]")
        self.assertCommand("h select", "= /join ROOM [KEY]")
        self.assertCommand("help /look", "= /look")
        self.assertCommand("help /me", "= /me ACTION...")
        self.assertCommand("help login", "! /login is not available now. Type /help for what is.")

    def test_help_with_other_words_is_chat(self) -> None:
        """'h ok' is chat, not an unknown command; 'help me' is a plea, not a question on /me."""
        self.assertChat("h ok", "help me", "h me", "help us", "help look here")

    def test_say(self) -> None:
        self.alice.send("say create fun")
        self.assertEqual(self.bob.lines(), ["<alice> create fun"])
        self.assertEqual(self.alice.lines(), ["<alice> create fun"])

    def test_other_commands_take_the_slash(self) -> None:
        """Room commands and the rest are chat without their slash, and do nothing."""
        self.assertChat("create fun", "join us", "select games", "nick bob2", "msg bob hi",
                        "me waves", "topic of the day", "leave", "whois bob", "history")
        self.alice.send("/list")
        self.assertEqual(self.alice.lines(), ["= Rooms (1):", "=   lobby (2)"])
        self.assertEqual(self.alice.protocol.session.state.user.name, "alice")

    def test_room_command_shape_gets_a_hint(self) -> None:
        """
        'create fun' as a multi-room tutorial types it is chat, and its sender
        alone is told, in one line after the chat, how to run the command.
        """
        for line, command in [("create fun", "/create fun"), ("join us", "/join us"),
                              ("Select Games", "/select Games"), ("help me", "/help"),
                              ("h ok", "/help"), ("Help me please", "/help")]:
            self.alice.send(line)
            self.assertEqual(self.alice.lines(), [
                f"<alice> {line}", f"*** Sent as chat. For the command, type: {command}"])
            self.assertEqual(self.bob.lines(), [f"<alice> {line}"])

    def test_no_hint_for_other_chat(self) -> None:
        """Not the shape ('create a room'), not bare ('//create fun'), or said: no hint."""
        for line, said in [("create a room", "create a room"), ("create", "create"),
                           ("//create fun", "/create fun"), ("/say join us", "join us"),
                           ("say join us", "join us"), ("quit joking around",
                                                         "quit joking around")]:
            self.alice.send(line)
            self.assertEqual(self.alice.lines(), [f"<alice> {said}"], line)

    def test_hint_for_a_program_has_its_type(self) -> None:
        """A JSON client gets the hint as its own event type, with the command to type."""
        bot = self.server.login("bot", fmt="json")
        self.bob.clear()
        bot.send("join us")
        hint = bot.events()[-1]
        self.assertEqual(hint, {"type": "as-chat", "time": self.server.clock.seconds(),
                                "command": "/join us"})
        self.assertEqual(self.bob.lines(), ["<bot> join us"])

    def test_password_words_are_never_chat_nor_hinted(self) -> None:
        """login, register and password stay commands whatever follows, as before."""
        for line in ["register for the event please", "password", "Login as you like"]:
            self.alice.send(line)
            answer = self.alice.lines()
            self.assertEqual(len(answer), 1, line)
            self.assertTrue(answer[0].startswith("! "), (line, answer))
        self.assertEqual(self.bob.lines(), [])

    def test_help_say_states_the_rule(self) -> None:
        """The help for say spells out which lines without a slash are commands."""
        self.alice.send("/help say")
        text = "\n".join(self.alice.lines())
        for example in ["look, who, list, logout, quit, help or h alone", "help look",
                        "help me is chat", "format json, color on, encoding gbk", "say TEXT",
                        "login, register or password", "quit joking around", "/create fun"]:
            self.assertIn(example, text)

    def test_before_login_every_bare_word_is_a_command(self) -> None:
        """Nothing is chat before login: 'quit now please' leaves, 'create fun' wants a login."""
        client = self.server.connect()
        client.clear()
        client.send("create fun")
        client.send("help me")
        client.send("format strings")
        self.assertEqual(client.lines(), [
            "! Please log in first: login NAME", "! Please log in first: login NAME",
            "! Unknown format 'strings'; use one of: text, json."])
        client.send("quit now please")
        self.assertEqual(client.lines(), ["*** Goodbye."])
        self.assertFalse(client.connected)


class ListingTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server(main_topic="Welcome all")
        self.alice, self.bob = self.server.logins("alice", "bob")

    def test_look(self) -> None:
        self.alice.send("/look")
        self.assertEqual(self.alice.lines(), [
            "= Room lobby", "= Topic: Welcome all", "= Members (2): alice, bob"])

    def test_who(self) -> None:
        self.bob.send("/create games")
        self.alice.send("/who")
        self.assertEqual(self.alice.lines()[-3:], [
            "= Online (2):", "=   alice (in lobby)", "=   bob (in games)"])

    def test_whois(self) -> None:
        """whois tells the room, time connected and time idle."""
        self.server.clock.advance(200)
        self.bob.send("hi")
        self.server.clock.advance(65)
        self.alice.send("/whois BOB")
        self.assertEqual(self.alice.lines()[-1],
                         "= bob is in lobby, connected 4m 25s, idle 1m 5s")

    def test_whois_unknown(self) -> None:
        self.alice.send("/whois zed")
        self.assertEqual(self.alice.lines(), ["! No user named 'zed' is online."])

    def test_list(self) -> None:
        self.bob.send("/create games")
        self.bob.send("/topic Go and chess")
        self.alice.send("list")
        self.assertEqual(self.alice.lines()[-3:], [
            "= Rooms (2):", "=   lobby (1): Welcome all", "=   games (1): Go and chess"])

    def test_help_lists_room_commands(self) -> None:
        self.alice.send("/help")
        text = "\n".join(self.alice.lines())
        for usage in ["/say TEXT...", "/me ACTION...", "/msg NAME TEXT...", "/look", "/who",
                      "/whois NAME", "/list", "/create ROOM", "/join ROOM", "/leave",
                      "/topic [TEXT...]", "/nick NAME", "/help [COMMAND]",
                      "/logout [MESSAGE...]", "/format [NAME]"]:
            self.assertIn(usage, text)
        self.assertNotIn("/login", text)

    def test_help_one_command(self) -> None:
        """help COMMAND works with aliases and a leading slash."""
        for line in ["help join", "h select", "/? /join"]:
            self.alice.send(line)
            lines = self.alice.lines()
            self.assertEqual(lines[0], "= /join ROOM [KEY]", line)
            self.assertIn("=   Also: /select", lines)

    def test_help_unknown_command(self) -> None:
        self.alice.send("/help dance")
        self.assertEqual(self.alice.lines(), ["! Unknown command /dance. Type /help for the list."])


class RoomTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.alice, self.bob, self.carol = self.server.logins("alice", "bob", "carol")

    def test_create(self) -> None:
        """create makes a room, moves you in, makes you its owner; the old room is told."""
        self.alice.send("/create games")
        self.assertEqual(self.alice.lines(), [
            "= Room games, owned by alice", "= Topic: (none)", "= Members (1): alice (owner)"])
        self.assertEqual(self.bob.lines(), ["*** alice has left for games"])

    def test_create_existing(self) -> None:
        self.alice.send("/create games")
        self.bob.send("/create GAMES")
        self.assertEqual(self.bob.lines()[-1],
                         "! The room 'GAMES' exists already. Enter it with /join GAMES.")

    def test_create_bad_names(self) -> None:
        self.alice.send("/create #games")
        self.alice.send("/create lobby")
        self.alice.send("/create system")
        self.assertEqual(self.alice.lines(), [
            "! '#games' is not a valid room name: use letters, digits, _ and -, "
            "starting with a letter.",
            "! The room 'lobby' exists already. Enter it with /join lobby.",
            "! The room name 'system' is reserved; choose another.",
        ])

    def test_join_and_select(self) -> None:
        """join and select move you; both rooms are told; only the new room hears you."""
        self.alice.send("/create games")
        quiet(self.alice, self.bob, self.carol)
        self.bob.send("/join Games")
        self.assertEqual(self.alice.lines(), ["*** bob has joined games (from lobby)"])
        self.assertEqual(self.carol.lines(), ["*** bob has left for games"])
        self.assertEqual(self.bob.lines()[-1], "= Members (2): alice (owner), bob")
        self.carol.send("/select games")
        quiet(self.alice, self.bob, self.carol)
        self.bob.send("hi")
        self.assertEqual(self.carol.lines(), ["<bob> hi"])

    def test_join_errors(self) -> None:
        self.alice.send("/join nowhere")
        self.alice.send("/join lobby")
        self.assertEqual(self.alice.lines(), [
            "! There is no room 'nowhere'. Make it with /create nowhere.",
            "! You are in lobby already.",
        ])

    def test_chat_stays_in_room(self) -> None:
        self.alice.send("/create games")
        quiet(self.bob, self.carol)
        self.alice.send("only games hears this")
        self.assertEqual(self.bob.lines(), [])

    def test_leave_and_part(self) -> None:
        self.alice.send("/create games")
        self.alice.send("/leave")
        lines = self.alice.lines()
        self.assertEqual(lines[-3], "= Room lobby")
        self.assertIn("*** alice has joined lobby (from games)", self.bob.lines())
        self.alice.send("/part")
        self.assertEqual(self.alice.lines(), ["! You are in lobby already."])

    def test_empty_room_disappears(self) -> None:
        self.alice.send("/create games")
        self.alice.send("/leave")
        self.alice.send("list")
        self.assertNotIn("games", "\n".join(self.alice.lines()[-2:]))
        self.bob.send("/join games")
        self.assertEqual(self.bob.lines()[-1],
                         "! There is no room 'games'. Make it with /create games.")

    def test_main_room_stays_when_empty(self) -> None:
        for client in (self.alice, self.bob, self.carol):
            client.send("/create " + "room" + client.protocol.session.state.user.name)
        self.alice.send("/join lobby")
        self.assertEqual(self.alice.lines()[-1], "= Members (1): alice")

    def test_owner_passes_on_when_owner_leaves(self) -> None:
        self.alice.send("/create games")
        self.bob.send("/join games")
        quiet(self.bob)
        self.alice.send("/leave")
        self.assertEqual(self.bob.lines(), ["*** alice has left for lobby",
                                            "*** bob now owns games"])
        self.bob.send("/topic mine now")
        self.assertEqual(self.bob.lines(), ["*** bob set the topic of games: mine now"])

    def test_topic(self) -> None:
        """The owner sets the topic and the room is told; others may only read it."""
        self.alice.send("/create games")
        self.bob.send("/join games")
        quiet(self.alice, self.bob)
        self.alice.send("/topic Go, chess and 象棋")
        self.assertEqual(self.bob.lines(), ["*** alice set the topic of games: Go, chess and 象棋"])
        self.bob.send("/topic mine")
        self.bob.send("/topic")
        self.assertEqual(self.bob.lines(), [
            "! Only the owner and operators of games may change its topic.",
            "= Topic of games: Go, chess and 象棋",
        ])

    def test_main_room_topic_fixed(self) -> None:
        self.alice.send("/topic new")
        self.assertEqual(self.alice.lines(), ["! The topic of lobby is set by the server."])

    def test_topic_too_long(self) -> None:
        self.alice.send("/create games")
        self.alice.clear()
        self.alice.send("/topic " + "t" * 301)
        self.assertEqual(self.alice.lines(), ["! The topic is too long: at most 300 characters."])


class NickTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.alice, self.bob = self.server.logins("alice", "bob")

    def test_nick(self) -> None:
        """The room is told; the old name is free and the new one is taken."""
        self.alice.send("/nick alicia")
        self.assertEqual(self.alice.lines(), ["*** You are now known as alicia"])
        self.assertEqual(self.bob.lines(), ["*** alice is now known as alicia"])
        self.bob.send("/msg alice hi")
        self.bob.send("/msg alicia hi")
        self.assertEqual(self.bob.lines(), ["! No user named 'alice' is online.",
                                            "[bob -> alicia] hi"])
        newcomer = self.server.connect()
        newcomer.send("login alice")
        self.assertIn("*** You are alice. Type /help for the commands.", newcomer.lines())

    def test_nick_change_case(self) -> None:
        self.alice.send("/nick ALICE")
        self.assertEqual(self.bob.lines(), ["*** alice is now known as ALICE"])

    def test_nick_to_own_name(self) -> None:
        """Your own name again changes nothing: one line says so, and no rename counts."""
        server = Server(limits=only(nick_rate=1))
        alice, bob = server.logins("alice", "bob")
        alice.send("/nick alice")
        self.assertEqual(alice.lines(), ["! You are already alice."])
        self.assertEqual(bob.lines(), [])
        alice.send("/nick alicia")
        self.assertEqual(alice.lines(), ["*** You are now known as alicia"])

    def test_nick_errors(self) -> None:
        self.alice.send("/nick Bob")
        self.alice.send("/nick 9lives")
        self.alice.send("/nick")
        self.assertEqual(self.alice.lines(), [
            "! The name 'Bob' is taken: it reads the same as 'bob', who is online. "
            "Choose another.",
            "! '9lives' is not a valid name: use letters, digits, _ and -, "
            "starting with a letter.",
            "! Usage: /nick NAME",
        ])
        self.assertEqual(self.bob.lines(), [])


class LeavingTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.alice, self.bob = self.server.logins("alice", "bob")

    def test_logout_with_message(self) -> None:
        """The room is told, a goodbye is sent, then the connection closes."""
        self.alice.send("/logout see you")
        self.assertEqual(self.bob.lines(), ["*** alice has logged out (see you)"])
        self.assertEqual(self.alice.lines(), ["*** Goodbye, alice."])
        self.assertFalse(self.alice.connected)

    def test_quit(self) -> None:
        self.alice.send("quit")
        self.assertEqual(self.bob.lines(), ["*** alice has logged out"])
        self.assertFalse(self.alice.connected)
        self.bob.send("who")
        self.assertEqual(self.bob.lines()[0], "= Online (1):")

    def test_lines_after_logout_are_ignored(self) -> None:
        self.alice.protocol.dataReceived(b"quit\r\nsneaky\r\n")
        self.assertEqual(self.bob.lines(), ["*** alice has logged out"])

    def test_drop(self) -> None:
        """A connection that goes away is reported with 'connection lost', and its name freed."""
        self.alice.drop()
        self.assertEqual(self.bob.lines(), ["*** alice has left (connection lost)"])
        newcomer = self.server.connect()
        newcomer.send("login alice")
        self.assertIn("*** You are alice. Type /help for the commands.", newcomer.lines())

    def test_drop_before_login(self) -> None:
        client = self.server.connect()
        client.drop()
        self.assertEqual(self.bob.lines(), [])
        self.assertEqual(len(self.server.sessions.open), 2)


class FormatTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.alice = self.server.login("alice")
        self.bot = self.server.login("bot", fmt="json")
        quiet(self.alice)

    def test_switch_to_json_and_back(self) -> None:
        self.alice.send("/format json")
        self.assertEqual(self.alice.events()[0]["format"], "json")
        self.alice.send("/format TEXT")
        self.assertEqual(self.alice.lines(), ["*** Output format: text"])
        self.alice.send("/format")
        self.assertEqual(self.alice.lines(), ["*** Output format: text"])

    def test_unknown_format(self) -> None:
        self.alice.send("/format xml")
        self.assertEqual(self.alice.lines(), ["! Unknown format 'xml'; use one of: text, json."])

    def test_json_user_gets_what_text_user_sees(self) -> None:
        """Chat, emote, private, presence and errors each arrive as one typed object."""
        self.alice.send("hello")
        self.alice.send("/me waves")
        self.alice.send("/msg bot psst")
        self.alice.send("/nick alicia")
        self.bot.send("/msg nobody x")
        events = self.bot.events()
        self.assertEqual([e["type"] for e in events],
                         ["chat", "emote", "private", "presence", "error"])
        self.assertEqual(events[0]["sender"], "alice")
        self.assertEqual(events[0]["room"], "lobby")
        self.assertEqual(events[0]["text"], "hello")
        self.assertEqual(events[2]["target"], "bot")
        self.assertEqual(events[3]["action"], "nick")
        self.assertEqual(events[3]["old_name"], "alice")
        self.assertEqual(events[4]["code"], "no-such-user")
        for event in events:
            self.assertIsInstance(event["time"], float)

    def test_json_login_flow(self) -> None:
        client = self.server.connect()
        client.send("/format json")
        client.clear()
        client.send("login carol")
        kinds = [(e["type"], e.get("name") or e.get("room")) for e in client.events()]
        self.assertEqual(kinds, [("login", "carol"), ("room", "lobby")])
        presence = self.bot.events()
        self.assertEqual(presence[0]["action"], "login")
        self.assertEqual(presence[0]["name"], "carol")


class EncodingTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.alice, self.wei = self.server.logins("alice", "wei")

    def test_show(self) -> None:
        self.alice.send("/encoding")
        lines = self.alice.lines()
        self.assertEqual(lines[0], "*** Encoding: utf-8")
        self.assertTrue(lines[1].startswith("= Encodings: utf-8, gbk, gb18030, big5, shift_jis"))

    def test_set_before_login(self) -> None:
        client = self.server.connect()
        client.clear()
        client.send("encoding big5")
        self.assertEqual(client.lines(), ["*** Encoding: big5"])
        client.send("login 小美".encode("big5"))
        self.assertIn("*** 小美 has logged in", self.alice.lines())

    def test_each_reads_in_their_own(self) -> None:
        """A GBK user and a UTF-8 user chat in Chinese; each reads the other."""
        self.wei.send("/encoding GBK")
        self.assertEqual(self.wei.received(), b"*** Encoding: gbk\r\n")
        self.wei.send("你好，爱丽丝".encode("gbk"))
        self.assertEqual(self.alice.lines(), ["<wei> 你好，爱丽丝"])
        self.assertEqual(self.wei.received(), "<wei> 你好，爱丽丝\r\n".encode("gbk"))
        self.alice.send("你好 wei ✓")
        self.assertEqual(self.wei.received(), "<alice> 你好 wei ?\r\n".encode("gbk"))

    def test_chosen_encoding_is_not_guessed_over(self) -> None:
        """After /encoding utf-8 a GBK line is an error, not a switch."""
        self.wei.send("/encoding utf-8")
        self.wei.clear()
        self.wei.send("你好".encode("gbk"))
        self.assertEqual(self.wei.lines(), ["! That line was not valid utf-8 and was ignored. "
                                            "Type /encoding to see or set yours."])
        self.assertEqual(self.alice.lines(), [])

    def test_unknown(self) -> None:
        self.alice.send("/encoding utf-16")
        line = self.alice.lines()[0]
        self.assertTrue(line.startswith("! Unknown encoding 'utf-16'; use one of: utf-8, gbk"))
        self.alice.send("/encoding")
        self.assertEqual(self.alice.lines()[0], "*** Encoding: utf-8")

    def test_json_keeps_the_encoding(self) -> None:
        self.wei.send("/encoding gbk")
        self.wei.send("/format json")
        self.wei.clear()
        self.alice.send("中文")
        self.assertIn('"text":"中文"'.encode("gbk"), self.wei.received())


class ColorTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.alice, self.bob = self.server.logins("alice", "bob")

    def test_off_by_default(self) -> None:
        self.bob.send("/me waves")
        self.bob.send("/nope")
        self.assertNotIn(b"\x1b", self.alice.received() + self.bob.received())
        self.alice.send("/color")
        self.assertEqual(self.alice.lines(), ["*** Colour is off"])

    def test_on_colours_markers_only(self) -> None:
        self.alice.send("/colour ON")
        self.assertEqual(self.alice.received(), b"\x1b[33m***\x1b[0m Colour is on\r\n")
        self.bob.send("hi")
        self.bob.send("/me waves")
        self.assertEqual(self.alice.received().decode().split("\r\n")[:-1], [
            "\x1b[1m<bob>\x1b[0m hi",
            "\x1b[35m* bob\x1b[0m waves",
        ])
        self.assertNotIn(b"\x1b", self.bob.received())
        self.alice.send("/color off")
        self.bob.send("plain")
        self.assertEqual(self.alice.lines(), ["*** Colour is off", "<bob> plain"])

    def test_bad_switch(self) -> None:
        self.alice.send("/color blue")
        self.assertEqual(self.alice.lines(), ["! Usage: /color on  or  /color off"])


class InternalErrorTests(SynchronousTestCase):
    def test_unexpected_exception(self) -> None:
        """A bug inside a command is logged; the user gets one line and the session goes on."""
        server = Server()
        alice = server.login("alice")

        def broken() -> None:
            raise RuntimeError("bug")

        server.chat.who = broken  # type: ignore[method-assign]
        alice.send("/who")
        self.assertEqual(alice.lines(),
                         ["! Internal error: that command failed. The session goes on."])
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        alice.send("still here")
        self.assertEqual(alice.lines(), ["<alice> still here"])
