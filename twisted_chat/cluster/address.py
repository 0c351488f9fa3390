"""
Where a node finds Redis: ``--cluster``'s value as a Twisted client endpoint.
Apart from the link, so that checking the option needs no Redis client.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def endpoint_description(address: str) -> str:
    """
    ``--cluster``'s value as a client endpoint: ``redis://HOST:PORT`` or
    ``unix:PATH`` (``unix:///PATH`` too).  Raises ValueError otherwise.
    """
    if address.startswith("unix:"):
        path = address[len("unix:"):]
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise ValueError("unix: needs the socket's path, as unix:/run/redis/redis.sock")
        return "unix:path=" + path.replace(":", r"\:")
    parts = urlsplit(address)
    if parts.scheme != "redis" or not parts.hostname:
        raise ValueError("expected redis://HOST:PORT or unix:PATH")
    if parts.path not in ("", "/") or parts.username or parts.password:
        raise ValueError("only redis://HOST:PORT is understood (no database, no password)")
    return f"tcp:host={parts.hostname}:port={parts.port or 6379}:timeout=5"
