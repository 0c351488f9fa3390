"""What ships: ``twistd chat``'s options and the service they make."""

from __future__ import annotations

import gc
import os
import resource
import shutil
import socket
import tempfile
from ipaddress import ip_network
from pathlib import Path

from twisted.internet.protocol import ServerFactory
from twisted.python.usage import UsageError
from twisted.scripts.twistd import ServerOptions
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import implementer
from zope.interface.verify import verifyObject

from twisted_chat.core.limits import DEFAULTS
from twisted_chat.interfaces import IFrontEnd
from twisted_chat.listeners import Listener, Listeners, TCPAddress, UNIXAddress, with_backlog
from twisted_chat.service import ChatService, StoreService
from twisted_chat.session.sessions import Sessions
from twisted_chat.tap import (
    FRONT_ENDS,
    GC_THRESHOLDS,
    LIMIT_OPTIONS,
    Options,
    makeService,
    raise_file_limit,
)
from twisted_chat.telnet.frontend import TELNET
from twisted_chat.web.frontend import WEB

#: Listeners on ports the system picks, so that makeService's check of every
#: address never meets another program's port.
LOOPBACK = ("--port", "tcp:0:interface=127.0.0.1", "--web", "none")


def parse(*args: str) -> Options:
    options = Options()
    options.parseOptions(list(args))
    return options


def refusal(*args: str) -> str:
    """What parsing ``args`` is refused with."""
    try:
        parse(*args)
    except UsageError as error:
        return str(error)
    raise AssertionError(f"{args} were accepted")


class OptionsTests(SynchronousTestCase):
    def test_defaults(self) -> None:
        options = parse()
        self.assertEqual(options["port"], ["tcp:6666:backlog=1024"])
        self.assertEqual(options["main-room"], "lobby")
        self.assertEqual(options["max-line"], 1024)
        self.assertEqual(options["server-name"], "twisted-chat")

    def test_backlog_for_a_burst_of_arrivals(self) -> None:
        """Listeners queue 1024 arrivals unless told otherwise; other endpoints are left alone."""
        self.assertEqual(parse("--port", "tcp:7000:backlog=5")["port"], ["tcp:7000:backlog=5"])
        self.assertEqual(with_backlog("systemd:domain=INET:index=0"),
                         "systemd:domain=INET:index=0")

    def test_bare_digits_mean_tcp(self) -> None:
        self.assertEqual(parse("--port", "7000")["port"], ["tcp:7000:backlog=1024"])

    def test_several_ports(self) -> None:
        options = parse("--port", "7000", "-p", "tcp:7001:interface=127.0.0.1",
                        "--port", "unix:/tmp/chat.sock")
        self.assertEqual(options["port"],
                         ["tcp:7000:backlog=1024", "tcp:7001:interface=127.0.0.1:backlog=1024",
                          "unix:/tmp/chat.sock:backlog=1024"])

    def test_bad_port(self) -> None:
        for bad in ["nonsense:1", "tcp:notaport"]:
            self.assertRaises(UsageError, parse, "--port", bad)

    def test_bad_values_in_our_words(self) -> None:
        """A bad value's error names the option and quotes what was typed, nothing else."""
        for args, said in (
                (("--port", "tcp:abc"), "--port 'tcp:abc': not a listener Twisted can read"),
                (("--web", "tcp:abc"), "--web 'tcp:abc': not a listener Twisted can read"),
                (("--coalesce", "abc"), "--coalesce takes a number, not 'abc'"),
                (("--max-line", "1.5"), "--max-line takes a whole number, not '1.5'"),
                (("--replay", "x"), "--replay takes a whole number, not 'x'"),
                (("--sendq", "lots"), "--sendq takes a whole number, not 'lots'")):
            with self.subTest(args=args):
                with self.assertRaises(UsageError) as caught:
                    parse(*args)
                self.assertTrue(str(caught.exception).startswith(said), str(caught.exception))
                self.assertNotIn("backlog", str(caught.exception))

    def test_listeners_keep_what_was_typed(self) -> None:
        """Each listener: its option, the value as typed, what is listened on, and where."""
        self.assertEqual(parse("--port", "7000", "--web", "unix:/tmp/chat.sock")["listeners"], [
            Listener("port", "7000", "tcp:7000:backlog=1024", TCPAddress(7000)),
            Listener("web", "unix:/tmp/chat.sock", "unix:/tmp/chat.sock:backlog=1024",
                     UNIXAddress("/tmp/chat.sock", lockfile=True))])
        self.assertEqual(parse("--port", "tcp6:7000:interface=\\:\\:1")["listeners"][0].address,
                         TCPAddress(7000, "::1"))

    def test_the_same_address_twice_is_refused(self) -> None:
        """
        Two listeners on one address, however spelt, in one option or two,
        are refused while parsing, naming both as typed: the second could
        never listen.  So is one interface's port inside another listener's
        every-address port.
        """
        for args, said in (
                (("--port", "7000", "--port", "tcp:7000"),
                 "--port 'tcp:7000': port 7000 is already taken by --port '7000'"),
                (("--port", "6666", "--web", "6666"),
                 "--web '6666': port 6666 is already taken by --port '6666'"),
                (("--port", "tcp:port=7000", "--web", "tcp:7000:backlog=5"),
                 "--web 'tcp:7000:backlog=5': port 7000 is already taken by "
                 "--port 'tcp:port=7000'"),
                (("--port", "tcp:7000:interface=127.0.0.1", "--web", "7000"),
                 "--web '7000': port 7000 is already taken by "
                 "--port 'tcp:7000:interface=127.0.0.1' (port 7000 on 127.0.0.1)"),
                (("--port", "tcp6:7000", "--web", "tcp:7000:interface=127.0.0.1"),
                 "--web 'tcp:7000:interface=127.0.0.1': port 7000 on 127.0.0.1 is already "
                 "taken by --port 'tcp6:7000' (port 7000)"),
                (("--port", "tcp6:7000:interface=\\:\\:1", "--web", "tcp6:7000"),
                 "--web 'tcp6:7000': port 7000 is already taken by "
                 "--port 'tcp6:7000:interface=\\:\\:1' (port 7000 on ::1)"),
                (("--port", "unix:/tmp/chat.sock", "--web", "unix:/tmp/../tmp/chat.sock"),
                 "--web 'unix:/tmp/../tmp/chat.sock': socket /tmp/../tmp/chat.sock is already "
                 "taken by --port 'unix:/tmp/chat.sock' (socket /tmp/chat.sock)")):
            with self.subTest(args=args):
                self.assertEqual(refusal(*args), said)

    def test_different_addresses_may_share_a_port(self) -> None:
        """Other interfaces, other families, or ports the system picks: no collision."""
        for args in (("--port", "tcp:7000:interface=127.0.0.1",
                      "--web", "tcp:7000:interface=127.0.0.2"),
                     ("--port", "7000", "--web", "tcp6:7000:interface=\\:\\:1"),
                     ("--port", "tcp:0", "--web", "tcp:0"),
                     ("--port", "7000", "--web", "7001")):
            with self.subTest(args=args):
                self.assertEqual(len(parse(*args)["listeners"]), 2)

    def test_port_out_of_range(self) -> None:
        for typed, port in (("99999", 99999), ("tcp:-1", -1), ("tcp:port=65536", 65536)):
            with self.subTest(typed=typed):
                self.assertEqual(refusal("--port", typed),
                                 f"--port {typed!r}: port {port} is out of range (0-65535)")

    def test_one_line_under_twistd(self) -> None:
        """
        As twistd's subcommand, a bad value stops twistd with one line (not
        twistd's help first); Options alone still raise UsageError, above.
        """
        for args, said in ((["--coalesce", "abc"], "--coalesce takes a number, not 'abc'"),
                           (["--port", "99999"], "--port '99999': port 99999 is out of range "
                                                 "(0-65535)"),
                           (["--nonsense"], "option --nonsense not recognized")):
            with self.subTest(args=args):
                stopped = self.assertRaises(SystemExit, ServerOptions().parseOptions,
                                            ["chat", *args])
                self.assertEqual(stopped.code, f"twistd chat: {said}")

    def test_max_line(self) -> None:
        self.assertEqual(parse("--max-line", "4096")["max-line"], 4096)
        self.assertRaises(UsageError, parse, "--max-line", "4")
        self.assertRaises(UsageError, parse, "--max-line", "lots")

    def test_main_room(self) -> None:
        self.assertEqual(parse("--main-room", "tea-room")["main-room"], "tea-room")
        with self.assertRaises(UsageError) as caught:
            parse("--main-room", "")
        self.assertIn("The room name is empty", str(caught.exception))

    def test_motd(self) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False,
                                         encoding="utf-8") as motd:
            motd.write("Be kind.\n欢迎\n")
        self.addCleanup(os.unlink, motd.name)
        self.assertEqual(parse("--motd", motd.name)["motd-text"], "Be kind.\n欢迎")
        self.assertRaises(UsageError, parse, "--motd", motd.name + ".missing")

    def test_limits_default(self) -> None:
        self.assertEqual(parse()["limits"], DEFAULTS)

    def test_limits(self) -> None:
        limits = parse("--flood-burst", "20", "--flood-rate", "0.5", "--sendq", "65536",
                       "--max-per-ip", "0", "--idle-timeout", "900", "--max-rooms", "50",
                       "--exempt", "10.0.0.0/8", "--exempt", "::1",
                       "--flood-exempt", "127.0.0.1")["limits"]
        self.assertEqual((limits.flood_burst, limits.flood_rate, limits.sendq), (20, 0.5, 65536))
        self.assertEqual((limits.max_per_ip, limits.idle_timeout, limits.max_rooms),
                         (0, 900, 50))
        self.assertEqual(limits.exempt, (ip_network("10.0.0.0/8"), ip_network("::1/128")))
        self.assertEqual(limits.flood_exempt, (ip_network("127.0.0.1/32"),))
        self.assertEqual(limits.conn_rate, DEFAULTS.conn_rate)

    def test_bad_limits(self) -> None:
        for args in [("--max-per-ip", "-1"), ("--flood-rate", "fast"), ("--exempt", "nowhere"),
                     ("--flood-exempt", "10.0.0.0/33"),
                     ("--flood-burst", "0")]:
            self.assertRaises(UsageError, parse, *args)
        self.assertEqual(parse("--flood-burst", "0", "--flood-rate", "0")["limits"].flood_rate, 0)

    def test_help_documents_options(self) -> None:
        text = str(Options())
        for option in ["--port", "--main-room", "--main-topic", "--max-line", "--server-name",
                       "--motd", "--exempt", "--flood-exempt",
                       *(f"--{name}" for name, _ in LIMIT_OPTIONS)]:
            self.assertIn(option, text)


class MakeServiceTests(SynchronousTestCase):
    def setUp(self) -> None:
        # makeService tunes the process's collector; this process runs other tests.
        self.addCleanup(gc.set_threshold, *gc.get_threshold())
        self.addCleanup(gc.unfreeze)

    def test_collector_tuned_for_many_connections(self) -> None:
        """Start-up's objects are frozen out of collections, which run less often."""
        gc.unfreeze()
        makeService(parse(*LOOPBACK, "--db", ":memory:"))
        self.assertEqual(gc.get_threshold(), GC_THRESHOLDS)
        self.assertGreater(gc.get_freeze_count(), 0)

    def test_services(self) -> None:
        """The store, the chat, then the listeners, sharing one factory and the sessions."""
        service = makeService(parse(*LOOPBACK, "--port", "tcp:0:interface=127.0.0.1",
                                    "--main-room", "tea", "--max-line", "300", "--db", ":memory:"))
        kept, chat, listeners = list(service)
        self.assertIsInstance(kept, StoreService)
        self.assertIsInstance(chat, ChatService)
        self.assertIsInstance(listeners, Listeners)
        self.assertEqual(len(listeners.planned), 2)  # type: ignore[attr-defined]
        for planned in listeners.planned:  # type: ignore[attr-defined]
            self.assertIs(planned.factory, listeners.planned[0].factory)  # type: ignore[attr-defined]
            self.assertIs(planned.factory.sessions, chat.sessions)
        sessions = chat.sessions
        self.assertIs(sessions.chat.store, kept.store)
        self.assertIs(sessions.chat.hub.store, kept.store)
        self.assertEqual(sessions.max_line, 300)
        self.assertEqual(sessions.chat.main.name, "tea")

    def test_limits_reach_the_chat_and_the_factory(self) -> None:
        service = makeService(parse(*LOOPBACK, "--max-rooms", "7", "--max-connections", "50",
                                    "--db", ":memory:"))
        sessions = list(service)[1].sessions
        self.assertEqual(sessions.chat.limits.max_rooms, 7)
        self.assertEqual(sessions.admission.limits.max_connections, 50)

    def test_database_file(self) -> None:
        """--db names the file: created and migrated at start-up; --replay reaches the chat."""
        path = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, path)
        service = makeService(parse(*LOOPBACK, "--db", str(path / "chat.db"), "--replay", "5"))
        self.assertTrue((path / "chat.db").exists())
        self.assertEqual(list(service)[1].sessions.chat.hub.replay_lines, 5)
        self.assertEqual(parse("--replay", "200")["replay"], 200)
        for bad in ("-1", "201", "many"):
            self.assertRaises(UsageError, parse, "--replay", bad)

    def test_coalesce_reaches_the_chat(self) -> None:
        """Stored lines go out --coalesce milliseconds after the first is ready."""
        from twisted.internet import reactor

        self.assertEqual(parse()["coalesce"], 1.0)
        for bad in ("-1", "101", "soon"):
            self.assertRaises(UsageError, parse, "--coalesce", bad)
        service = makeService(parse(*LOOPBACK, "--coalesce", "5", "--db", ":memory:"))
        schedule = list(service)[1].sessions.chat.hub.schedule
        self.assertEqual((schedule.func, schedule.args), (reactor.callLater, (0.005,)))

    def test_log_rate_reaches_the_chat(self) -> None:
        """--log-rate: lines a second about comings and goings, counted past it."""
        from twisted.internet import reactor

        self.assertEqual(parse()["log-rate"], 20)
        for bad in ("-1", "many"):
            self.assertRaises(UsageError, parse, "--log-rate", bad)
        log = list(makeService(parse(*LOOPBACK, "--log-rate", "7",
                                     "--db", ":memory:")))[1].sessions.chat.log
        self.assertEqual((log.rate, log.clock), (7, reactor))

    def test_unusable_database_stops_the_start(self) -> None:
        path = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, path)
        error = self.assertRaises(SystemExit, makeService, parse(*LOOPBACK, "--db", str(path)))
        self.assertIn(f"twistd chat: --db {path}:", str(error))

    def test_port_in_use_stops_the_start_before_anything(self) -> None:
        """
        A port another program listens on stops the start in one line, before
        the database is touched and before any listener is made.
        """
        path = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, path)
        taken = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(taken.close)
        port = taken.getsockname()[1]
        typed = f"tcp:{port}:interface=127.0.0.1"
        stopped = self.assertRaises(SystemExit, makeService, parse(
            "--port", "tcp:0:interface=127.0.0.1", "--web", typed, "--db", str(path / "chat.db")))
        self.assertEqual(stopped.code, f"twistd chat: --web {typed!r}: port {port} on 127.0.0.1 "
                                       "is already in use")
        self.assertFalse((path / "chat.db").exists())

    def test_file_limit_raised_for_max_connections(self) -> None:
        """Each connection is a file: the soft limit rises toward --max-connections."""
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
        raise_file_limit(1000)
        wanted = 1100 if hard == resource.RLIM_INFINITY else min(1100, hard)
        self.assertEqual(resource.getrlimit(resource.RLIMIT_NOFILE)[0], wanted)


@implementer(IFrontEnd)
class PretendGopher:
    """A front end the tree does not have: what adding one takes."""

    name = "gopher"
    option = "gopher"
    short = None
    default = None
    help = "Where to listen for gophers."
    extra = (("gopher-motto", str.upper, "What gophers are told."),)

    def __init__(self) -> None:
        self.factories: list[ServerFactory] = []

    def factory(self, sessions: Sessions, options: Options) -> ServerFactory:
        made = ServerFactory()
        made.sessions = sessions  # type: ignore[attr-defined]
        self.factories.append(made)
        return made


class FrontEndTests(SynchronousTestCase):
    def test_telnet_is_registered(self) -> None:
        self.assertIn(TELNET, FRONT_ENDS)
        self.assertTrue(verifyObject(IFrontEnd, TELNET))

    def test_a_front_end_is_one_registry_entry(self) -> None:
        """
        A front end named in the registry gets its listener option, with the
        same endpoint rules as --port, and listeners sharing the sessions;
        without the option and with no default, it listens nowhere.
        """
        gopher = PretendGopher()
        self.assertTrue(verifyObject(IFrontEnd, gopher))

        class WithGopher(Options):
            front_ends = (*FRONT_ENDS, gopher)

        options = WithGopher()
        options.parseOptions(["--gopher", "7070", "--db", ":memory:", "--gopher-motto", "dig"])
        self.assertEqual(options["gopher"], ["tcp:7070:backlog=1024"])
        self.assertEqual(options["port"], ["tcp:6666:backlog=1024"])
        self.assertEqual(options["gopher-motto"], ["DIG"])
        self.assertRaises(UsageError, WithGopher().parseOptions, ["--gopher", "6666"])
        options = WithGopher()
        local = "tcp:0:interface=127.0.0.1"
        options.parseOptions(["--port", local, "--web", local, "--gopher", local,
                              "--db", ":memory:"])
        _, chat, listeners = list(makeService(options))
        telnet, browser, burrow = (
            planned.factory for planned in listeners.planned)  # type: ignore[attr-defined]
        self.assertIs(burrow, gopher.factories[0])
        self.assertIs(burrow.sessions, chat.sessions)
        self.assertIs(telnet.sessions, chat.sessions)
        self.assertIs(browser.chat_sessions, chat.sessions)
        quiet = WithGopher()
        quiet.parseOptions(["--db", ":memory:"])
        self.assertEqual(quiet["gopher"], [])
        self.assertRaises(UsageError, WithGopher().parseOptions, ["--gopher", "nonsense:1"])
        self.assertNotIn("gopher", Options())

    def test_web_by_default_beside_telnet(self) -> None:
        """
        The browser client is served on 8080 unless told otherwise; ``none``
        turns a front end off, and both off is refused.
        """
        self.assertIn(WEB, FRONT_ENDS)
        self.assertTrue(verifyObject(IFrontEnd, WEB))
        self.assertEqual(parse()["web"], ["tcp:8080:backlog=1024"])
        self.assertEqual(parse("--web", "9090", "--web", "tcp6:9091")["web"],
                         ["tcp:9090:backlog=1024", "tcp6:9091:backlog=1024"])
        self.assertEqual(parse("--web", "none")["web"], [])
        self.assertEqual(parse("--port", "none")["port"], [])
        self.assertRaises(UsageError, parse, "--web", "none", "--web", "9090")
        self.assertRaises(UsageError, parse, "--web", "none", "--port", "none")

    def test_web_origins(self) -> None:
        """--web-origin takes origins, in the form browsers send; anything else is refused."""
        self.assertEqual(parse("--web-origin", "HTTPS://School.example.org:443",
                               "--web-origin", "http://10.0.0.5:8080")["web-origin"],
                         ["https://school.example.org", "http://10.0.0.5:8080"])
        for bad in ("school.example.org", "https://x.org/chat", "ftp://x.org", "null"):
            with self.subTest(bad=bad):
                self.assertRaises(UsageError, parse, "--web-origin", bad)
