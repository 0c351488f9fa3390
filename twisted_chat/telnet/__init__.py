"""The telnet front end: its listener, the line protocol, option negotiation, line editing."""
