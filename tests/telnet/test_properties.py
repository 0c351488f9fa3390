"""
Property tests on the protocol: whatever bytes arrive, split however, nothing
raises, no control character or telnet byte reaches another user, users and
rooms stay consistent, and where the reads were split makes no difference.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.harness import Client, Server

#: Pieces biased toward what breaks line protocols, telnet parsers and decoders.
PIECES = [
    b"\r\n", b"\n", b"\r", b"\r\x00", b"\x00", b"\x08", b"\x7f", b"\x03", b"\x15", b"\x17",
    b"\x1b[2J", b"\x1b]0;title\x07", b"\x1b", b"\xc2\x9b", b"\xe2\x80\xae",
    b"\xff", b"\xff\xff", b"\xff\xf4", b"\xff\xf6", b"\xff\xf7", b"\xff\xf8", b"\xff\xf0",
    b"\xff\xfb\x01", b"\xff\xfd\x01", b"\xff\xfe\x01", b"\xff\xfc\x00", b"\xff\xfd\x18",
    b"\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0", b"\xff\xfa\x18" + b"x" * 80, b"\xff\xfa",
    b"/", b"login ", b"/nick ", b"/create ", b"/join ", b"/quit", b"look", b"/encoding ",
    b"latin-1", b"gbk", b"/color on", b"/format json",
    "你好".encode(), "你好".encode("gbk"), "ÿé".encode("latin-1"),
]
chunks = st.lists(st.one_of(st.binary(max_size=64), st.sampled_from(PIECES)), max_size=40)


def watched(stream: list[bytes]) -> tuple[Server, Client, Client, bytes]:
    """A sender sends ``stream`` read by read; a UTF-8 and a GBK watcher look on."""
    server = Server(max_line=64)
    watcher = server.login("watcher")
    chinese = server.login("chinese")
    chinese.send(b"/encoding gbk")
    chinese.clear()
    sender = server.connect()
    sender.send("login sender")
    for chunk in stream:
        sender.protocol.dataReceived(chunk)
    return server, watcher, chinese, sender.received()


@settings(max_examples=300, deadline=None)
@given(chunks)
def test_any_bytes(stream: list[bytes]) -> None:
    server, watcher, chinese, _ = watched(stream)
    for client, encoding in ((watcher, "utf-8"), (chinese, "gbk")):
        data = client.received()
        assert b"\xff" not in data
        for line in data.decode(encoding).split("\r\n")[:-1]:
            assert not [c for c in line if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0], line
        assert client.connected
    # The model agrees with itself: every user is in exactly one room that exists.
    rooms = server.chat.rooms()
    for user in server.chat.users():
        assert sum(user in room.members for room in rooms) == 1
        assert user.room in rooms
    assert all(room.members or room.permanent for room in rooms)


@settings(max_examples=300, deadline=None)
@given(chunks, st.data())
def test_splitting_changes_nothing(stream: list[bytes], data: st.DataObject) -> None:
    """The same bytes in one read or cut anywhere: everyone sees the same."""
    whole = b"".join(stream)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(whole)), max_size=12)))
    pieces = [whole[start:end] for start, end in zip([0, *cuts], [*cuts, len(whole)],
                                                     strict=True)]
    _, watcher, chinese, _ = watched([whole])
    _, watcher2, chinese2, _ = watched(pieces)
    assert watcher.received() == watcher2.received()
    assert chinese.received() == chinese2.received()


class _Collect:
    def __init__(self) -> None:
        self.text = b""

    def text_received(self, data: bytes) -> None:
        self.text += data


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([b"\r", b"\n", b"\r\n", b"\x00", b"a", b"\xe4\xbd\xa0", b" "]),
                max_size=30).map(b"".join))
def test_fast_path_agrees_with_twisted(data: bytes) -> None:
    """Text without IAC skips Twisted's byte-by-byte parser; the result must be the same."""
    from twisted.conch.telnet import Telnet

    from twisted_chat.telnet.negotiation import TelnetLayer

    fast, slow = _Collect(), _Collect()
    TelnetLayer(fast).dataReceived(data)
    layer = TelnetLayer(slow)
    Telnet.dataReceived(layer, data)
    if layer.state == "newline":
        slow.text_received(b"\n")
    assert fast.text == slow.text
