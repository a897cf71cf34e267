"""Is a browser's ``Origin`` (or ``Referer``) one of ours? Scheme, host and port, all three.

``https://host:8080`` is another origin than ``http://host:8080``, and so is another port;
default ports are filled in (``https://host`` is ``https://host:443``).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp import web

from metacult.config import Settings

Origin = tuple[str, str, int]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> Origin | None:
    """The (scheme, host, port) of a URL or an ``Origin`` value; None when it has none."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def is_own_origin(
    source: str, request: web.Request, settings: Settings, *, also: Iterable[str] = ()
) -> bool:
    """Is ``source`` this app's public origin, the origin the request was sent to, or one of
    ``also``?"""
    origin = origin_of(source)
    if origin is None:
        return False
    own = (settings.public_url, f"{request.scheme}://{request.host}", *also)
    return any(origin == origin_of(url) for url in own)
