"""twisted-chat: a multi-user text chat server for telnet, on Twisted."""

__version__ = "0.1.0"
