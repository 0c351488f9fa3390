"""
The baseline: the barest Twisted broadcast server, every line to everyone.

What any chat server on Twisted costs at least.  ``login`` lines are taken
without a word, so a client of twisted-chat can talk to it unchanged.

    python benchmarks/bare.py PORT
"""

import sys

from twisted.internet import protocol, reactor
from twisted.protocols.basic import LineReceiver


class Member(LineReceiver):
    delimiter = b"\n"

    def connectionMade(self):
        self.factory.members.add(self)

    def connectionLost(self, reason):
        self.factory.members.discard(self)

    def lineReceived(self, line):
        if not line.startswith(b"login "):
            line += b"\n"
            for member in self.factory.members:
                member.transport.write(line)


factory = protocol.ServerFactory.forProtocol(Member)
factory.members = set()
# The same accept queue as twistd chat's (listeners.BACKLOG): not server work, but
# with Twisted's 50 a burst of arrivals waits on dropped SYNs.
port = reactor.listenTCP(int(sys.argv[1]), factory, interface="127.0.0.1", backlog=1024)
print(f"listening on {port.getHost().port}", flush=True)
reactor.run()
