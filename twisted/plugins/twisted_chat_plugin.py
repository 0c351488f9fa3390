"""Makes ``twistd chat`` find the chat server."""

from twisted.application.service import ServiceMaker

chat = ServiceMaker(
    "twisted-chat", "twisted_chat.tap", "A multi-user text chat server for telnet.", "chat"
)
