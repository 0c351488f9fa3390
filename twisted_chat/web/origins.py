"""
Which pages may open the chat's WebSocket: its own, and those the operator lists.

A browser sends ``Origin`` with every WebSocket handshake, and connects
wherever a page tells it to: without this check any site a user visits could
drive their browser into the chat.  Programs send no ``Origin`` (or their own)
and are no browser's victims, so a handshake without one is let in.
"""

from __future__ import annotations

import re

from hyperlink import URL

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Longer than any origin a browser sends (a host name is at most 253): not parsed at all.
MAX_LENGTH = 300
#: A host as browsers send it in Origin: a DNS name (IDNs in punycode), IPv4, or [IPv6].
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\]")


def origin(text: str) -> str:
    """
    ``scheme://host[:port]``, lower-case, without a default port: the form in
    which two origins compare equal.  Raises ValueError for anything else.
    """
    if len(text) > MAX_LENGTH:
        raise ValueError(f"{text[:40]!r}... is too long for an origin")
    try:
        url = URL.from_text(text.strip())
    except Exception as error:  # hyperlink raises its own and ValueError's kin
        raise ValueError(f"{text!r} is not an origin: {error}") from None
    scheme = url.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not url.host or url.path not in ((), ("",)) \
            or url.query or url.fragment or url.userinfo:
        raise ValueError(f"{text!r} is not an origin such as https://chat.example.org")
    host = url.host.lower()
    if ":" in host:
        host = f"[{host}]"
    if not _HOST.fullmatch(host):
        raise ValueError(f"{text!r} has no host name or address a browser would send")
    port = "" if url.port in (None, _DEFAULT_PORTS[scheme]) else f":{url.port}"
    return f"{scheme}://{host}{port}"


def own_origin(secure: bool, host: bytes | None) -> str | None:
    """The origin of the page this server served at ``host`` (the request's Host header)."""
    if not host:
        return None
    try:
        return origin(("https://" if secure else "http://") + host.decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None


class Origins:
    """The origins allowed besides the page's own (``--web-origin``)."""

    def __init__(self, listed: tuple[str, ...] = ()) -> None:
        self.listed = frozenset(origin(text) for text in listed)

    def allows(self, sent: str | None, own: str | None) -> bool:
        if sent is None:
            return True
        try:
            given = origin(sent)
        except ValueError:
            return False  # "null" (a sandboxed frame, a file: page) and junk
        return given == own or given in self.listed
