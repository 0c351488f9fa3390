"""The server's half of the WebSocket opening handshake, checked as RFC 6455 words it."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase
from twisted.web.http_headers import Headers

from twisted_chat.web.handshake import NotAHandshake, upgrade_response

#: RFC 6455, 1.3: the sample key and the accept token it must give.
KEY, ACCEPT = b"dGhlIHNhbXBsZSBub25jZQ==", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def handshake(**changes: list[bytes] | None) -> Headers:
    headers = {b"upgrade": [b"websocket"], b"connection": [b"Upgrade"],
               b"sec-websocket-version": [b"13"], b"sec-websocket-key": [KEY]}
    for name, value in changes.items():
        headers[name.replace("_", "-").encode()] = value  # type: ignore[assignment]
    return Headers({name: value for name, value in headers.items() if value is not None})


class HandshakeTests(SynchronousTestCase):
    def test_accept_token(self) -> None:
        """The RFC's own example: its key gets its accept token, in a 101."""
        response = upgrade_response(handshake())
        self.assertTrue(response.startswith(b"HTTP/1.1 101 Switching Protocols\r\n"))
        self.assertIn(b"\r\nSec-WebSocket-Accept: " + ACCEPT + b"\r\n", response)
        self.assertTrue(response.endswith(b"\r\n\r\n"))

    def test_tokens_in_any_case_and_list(self) -> None:
        """Firefox sends Connection: keep-alive, Upgrade; tokens are case-insensitive."""
        upgrade_response(handshake(connection=[b"keep-alive, Upgrade"], upgrade=[b"WebSocket"]))

    def test_refused(self) -> None:
        """Anything short of a version 13 handshake is refused, saying what is missing."""
        for changes, missing in (
                ({"upgrade": None}, "Upgrade"), ({"upgrade": [b"h2c"]}, "Upgrade"),
                ({"connection": [b"keep-alive"]}, "Connection"),
                ({"sec_websocket_version": [b"8"]}, "13"),
                ({"sec_websocket_version": None}, "13"),
                ({"sec_websocket_key": None}, "Key"),
                ({"sec_websocket_key": [b"not base64!"]}, "Key"),
                ({"sec_websocket_key": [b"c2hvcnQ="]}, "Key"),
                ({"sec_websocket_key": [KEY, KEY]}, "Key")):
            with self.subTest(changes=changes):
                with self.assertRaises(NotAHandshake) as caught:
                    upgrade_response(handshake(**changes))
                self.assertIn(missing, str(caught.exception))
