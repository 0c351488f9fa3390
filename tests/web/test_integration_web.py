"""
The browser front end of the real ``twistd -n chat`` over loopback, with raw
sockets: the page and its headers, the handshake's Origin, message limits,
the connection limits shared with telnet, and a browser that stops reading.
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Callable

from wsproto.events import BytesMessage

from tests.processes import DEADLINE, RunningServer
from tests.test_integration_limits import LINE, Collector
from twisted_chat.web.site import CONTENT_SECURITY_POLICY, HTTP_IDLE

Start = Callable[..., RunningServer]


def get(server: RunningServer, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.web_port, timeout=DEADLINE)
    connection.request("GET", path)
    return connection.getresponse()


def test_page_and_its_files(start_server: Start) -> None:
    """The page, its script and its style, each with the policy and its own type."""
    server = start_server("--db", ":memory:", web=True)
    for path, kind in (("/", "text/html; charset=utf-8"),
                       ("/chat.js", "text/javascript; charset=utf-8"),
                       ("/chat.css", "text/css; charset=utf-8"), ("/favicon.svg", "image/svg+xml")):
        response = get(server, path)
        body = response.read()
        assert response.status == 200, path
        assert response.getheader("Content-Type") == kind, path
        assert response.getheader("Content-Security-Policy") == CONTENT_SECURITY_POLICY
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        assert body, path
    page = get(server, "/").read().decode()
    assert "<script" in page and "http://" not in page and "https://" not in page
    assert get(server, "/missing.js").status == 404


def test_origin(start_server: Start) -> None:
    """Another site's page is refused (403); the page's own and a listed one come in."""
    server = start_server("--db", ":memory:", "--web-origin", "https://school.example.org",
                          web=True)
    assert server.connect_web(origin="http://evil.example").rejected == 403
    assert server.connect_web(origin="null").rejected == 403
    for origin in (f"http://127.0.0.1:{server.web_port}", "https://school.example.org"):
        client = server.connect_web(origin=origin)
        assert client.accepted, origin
        client.login(f"u{len(origin)}")
    assert "Pages from other sites" not in server.log_text()  # said to them, not logged


def test_messages_over_the_limit_and_binary(start_server: Start) -> None:
    """Oversized and binary messages each get one error; the connection and the room go on."""
    server = start_server("--db", ":memory:", "--max-line", "100", web=True)
    alice = server.connect_web().login("alice")
    tom = server.connect().login("tom")
    alice.event("presence")
    alice.send("x" * 101)
    assert alice.event("error")["code"] == "line-too-long"
    alice.send("y" * 20_000)
    assert alice.event("error")["code"] == "line-too-long"
    alice.send_raw(alice.ws.send(BytesMessage(b"\x00" * 50)))
    assert alice.event("error")["code"] == "binary-message"
    alice.send("still here")
    assert tom.expect("<alice>") == ["<alice> still here"]


def test_invalid_utf8_and_junk(start_server: Start) -> None:
    """Text that is not UTF-8 closes with 1007, junk with 1002; the others never notice."""
    server = start_server("--db", ":memory:", web=True)
    tom = server.connect().login("tom")
    # A masked text frame (mask "abcd") of "\xc0\x80abc", and an unmasked one.
    invalid = b"\x81\x85abcd" + bytes(byte ^ mask for byte, mask in
                                      zip(b"\xc0\x80abc", b"abcda", strict=True))
    for name, data, code in (("bad", invalid, 1007), ("junk", b"\x81\x05hello", 1002)):
        client = server.connect_web().login(name)
        tom.expect(f"*** {name} has logged in")
        client.send_raw(data)
        assert client.event("error")["code"] in ("bad-encoding", "bad-frame")
        assert client.wait_closed() == code
    tom.send("/who")
    assert tom.expect("= Online")[-1] == "= Online (1):"


def test_half_and_junk_handshakes(start_server: Start) -> None:
    """A half handshake, HTTP junk and a slow request are closed; telnet users never notice."""
    server = start_server("--db", ":memory:", web=True)
    tom = server.connect().login("tom")
    junk = socket.create_connection(("127.0.0.1", server.web_port), timeout=DEADLINE)
    junk.sendall(b"\x16\x03\x01\x02\x00" + bytes(range(256)) * 4 + b"\r\n\r\n")
    assert b"400" in junk.recv(4096).split(b"\r\n", 1)[0]
    half = socket.create_connection(("127.0.0.1", server.web_port), timeout=HTTP_IDLE + DEADLINE)
    half.sendall(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
    assert half.recv(4096) == b""  # Cut when it stays idle (15 s), never a session.
    tom.send("still fine")
    assert tom.expect("<tom>") == ["<tom> still fine"]


def test_limits_shared_with_telnet(start_server: Start) -> None:
    """--max-per-ip counts telnet and browsers together; the one over the limit is told why."""
    server = start_server("--db", ":memory:", "--max-per-ip", "2", web=True)
    held = [server.connect().login("tom"), server.connect_web().login("alice")]
    refused = server.connect_web()
    assert refused.rejected == 503
    telnet = server.connect()
    assert telnet.closed()
    assert b"Too many connections from your address" in telnet.pending
    assert all(not client.sock._closed for client in held)


def test_browser_that_stops_reading(start_server: Start) -> None:
    """
    A browser with a tiny receive buffer stops reading while a telnet user
    floods the room: it is cut at the send queue, and another browser and
    the telnet users get every line, in order, meanwhile.
    """
    server = start_server("--flood-rate", "0", "--db", ":memory:", web=True)
    fast = server.connect_web().login("fast")
    stalled = server.connect_web(receive_buffer=4096).login("stalled")
    watcher = server.connect().login("watcher")
    flooder = server.connect().login("flooder")
    fast.event("presence")
    watcher.expect("*** flooder has logged in")
    readers = [Collector(watcher, "<flooder> the end"), Collector(flooder, "<flooder> the end")]
    lines = [f"{index} {LINE}" for index in range(4_000)]
    flooder.sock.sendall("".join(f"{line}\r\n" for line in lines).encode() + b"the end\r\n")
    texts = []
    while True:
        event = fast.next()
        if event["type"] == "chat":
            texts.append(event["text"])
            if event["text"] == "the end":
                break
    assert texts == [*lines, "the end"]
    assert [line for line in readers[0].result() if line.startswith("<")] == [
        f"<flooder> {line}" for line in [*lines, "the end"]]
    readers[1].result()
    assert stalled.wait_closed() == 1006  # Aborted: no close frame gets through a full buffer.
    assert "is not reading: more than 262144 bytes unsent" in server.log_text()


def test_many_ranges_get_the_whole_file(start_server: Start) -> None:
    """A request for many ranges gets the whole (small) file: Twisted's multi-range answer broke."""
    server = start_server("--db", ":memory:", web=True)
    connection = http.client.HTTPConnection("127.0.0.1", server.web_port, timeout=DEADLINE)
    connection.request("GET", "/chat.css", headers={
        "Range": "bytes=" + ",".join(f"{start}-{start + 1}" for start in range(0, 4000, 4))})
    response = connection.getresponse()
    assert response.status == 200
    assert len(response.read()) == int(response.getheader("Content-Length"))
    assert "Traceback" not in server.log_text()


def test_shutdown_says_going_away(start_server: Start) -> None:
    """On SIGTERM a browser is told, then closed with 1001 (going away), and may come back."""
    server = start_server("--db", ":memory:", web=True)
    alice = server.connect_web().login("alice")
    assert server.terminate() == 0
    assert "shutting down" in alice.event("notice")["text"]
    assert alice.wait_closed() == 1001


def test_a_browser_behind_closes_cleanly(start_server: Start) -> None:
    """
    A browser far behind in its reading that types /quit, then reads it all,
    gets every line, the goodbye and the close frame: not a reset when the
    close grace runs out.
    """
    # No send-queue limit: the server holds all of it, so the socket is paused at /quit.
    server = start_server("--flood-rate", "0", "--sendq", "0", "--db", ":memory:", web=True)
    slow = server.connect_web(receive_buffer=4096).login("slow")
    flooder = server.connect().login("flooder")
    slow.event("presence")
    reader = Collector(flooder, "<flooder> 9999 ")
    flooder.sock.sendall(b"".join(b"%d %s\r\n" % (index, b"x" * 500) for index in range(10_000)))
    reader.result()  # All said: what slow was sent waits, unread (5 MB).
    slow.send("/quit")
    texts = []
    while True:
        event = slow.next()
        if event["type"] == "chat":
            texts.append(event["text"].split()[0])
        if event["type"] == "goodbye":
            break
    assert texts == [str(index) for index in range(10_000)]
    # The close frame, then the server's FIN once all is read: cut at the close
    # grace instead, the socket would end in a reset.
    while slow.closed_with is None:
        slow.next_frame()
    assert slow.closed_with == 1000
    assert slow.sock.recv(65536) == b""
