"""
``twistd chat``: its options and the service they make.

Every listener is an endpoint description, so TLS and UNIX sockets need no
code of ours, and a port that cannot be bound stops twistd at start-up.
"""

from __future__ import annotations

from typing import Any, ClassVar

from twisted.application import strports
from twisted.application.service import IService, MultiService
from twisted.internet import endpoints
from twisted.python import usage

from twisted_chat import errors, names
from twisted_chat.factory import DEFAULT_MAX_LINE, ChatFactory
from twisted_chat.model import Chat
from twisted_chat.service import ChatService

DEFAULT_PORT = "tcp:6666"


def endpointDescription(port: str) -> str:
    """Bare digits mean a TCP port; anything else is an endpoint description."""
    return f"tcp:{port}" if port.isdigit() else port


class Options(usage.Options):
    synopsis = "[options]"
    longdesc = (
        "A multi-user text chat server. Connect with telnet (telnet localhost 6666), "
        "netcat, or any program that speaks lines of UTF-8."
    )
    optParameters: ClassVar[list[list[Any]]] = [
        ["main-room", None, "lobby", "The room everyone enters at login; it always exists."],
        ["main-topic", None, "", "The topic of the main room."],
        ["max-line", None, DEFAULT_MAX_LINE,
         "The longest line a client may send, in bytes, not counting the line ending.", int],
        ["server-name", None, "twisted-chat", "The name the welcome banner shows."],
        ["motd", None, None, "A file whose text every user sees after logging in."],
    ]

    def __init__(self) -> None:
        super().__init__()
        self["port"] = []

    def opt_port(self, description: str) -> None:
        self["port"].append(endpointDescription(description))

    opt_port.__doc__ = (
        "Where to listen: a port number (6666) or an endpoint description such as "
        "tcp:6666:interface=127.0.0.1 or ssl:6697:privateKey=key.pem. "
        "Repeat to listen on several. [default: 6666]"
    )

    opt_p = opt_port

    def postOptions(self) -> None:
        from twisted.internet import reactor

        if not self["port"]:
            self["port"] = [DEFAULT_PORT]
        for description in self["port"]:
            try:
                endpoints.serverFromString(reactor, description)
            except (ValueError, TypeError, KeyError) as error:
                raise usage.UsageError(f"Bad --port {description!r}: {error}") from None
        if self["max-line"] < 16:
            raise usage.UsageError("--max-line must be at least 16 bytes")
        try:
            self["main-room"] = names.room_name(self["main-room"])
        except errors.ChatError as error:
            raise usage.UsageError(f"--main-room: {error.message}") from None
        if self["motd"] is not None:
            try:
                with open(self["motd"], encoding="utf-8") as motd:
                    self["motd-text"] = motd.read().strip()
            except (OSError, UnicodeDecodeError) as error:
                raise usage.UsageError(f"--motd: {error}") from None


def makeService(options: Options) -> IService:
    from twisted.internet import reactor

    chat = Chat(main_room=options["main-room"], main_topic=options["main-topic"],
                server_name=options["server-name"], motd=options.get("motd-text", ""),
                clock=reactor.seconds)
    factory = ChatFactory(chat, reactor, maxLine=options["max-line"])
    top = MultiService()
    # Added first, so stopped last: the listeners close before the goodbyes.
    ChatService(factory).setServiceParent(top)
    for description in options["port"]:
        strports.service(description, factory).setServiceParent(top)
    return top
