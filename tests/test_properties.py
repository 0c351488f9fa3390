"""
Property tests: whatever bytes arrive, split however, nothing raises, no
control character reaches another user, and users and rooms stay consistent.
"""

from __future__ import annotations

from harness import Server
from hypothesis import given, settings
from hypothesis import strategies as st

#: Byte streams biased toward what breaks line protocols.
chunks = st.lists(
    st.one_of(
        st.binary(max_size=64),
        st.sampled_from([b"\r\n", b"\n", b"\r", b"\xff", b"\x1b[2J", b"\x00", b"/", b"login ",
                         b"/nick ", b"/create ", b"/join ", b"/quit", b"look", "你好".encode()]),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(chunks)
def test_any_bytes(stream: list[bytes]) -> None:
    server = Server(maxLine=64)
    watcher = server.login("watcher")
    sender = server.connect()
    sender.send("login sender")
    for chunk in stream:
        sender.protocol.dataReceived(chunk)
    seen = watcher.received().decode("utf-8")
    for line in seen.split("\r\n")[:-1]:
        assert not [c for c in line if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0], line
    # The model agrees with itself: every user is in exactly one room that exists.
    rooms = server.chat.rooms()
    for user in server.chat.users():
        assert sum(user in room.members for room in rooms) == 1
        assert user.room in rooms
    assert all(room.members or room.permanent for room in rooms)
    assert watcher.connected
