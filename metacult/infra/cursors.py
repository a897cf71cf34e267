"""Opaque page cursors: bytes a context chooses, carried as unpadded base64url text.

Each context keeps its own cursor content (JSON of the sort key, a timestamp and an id);
this module only wraps it so that it travels in a query string and reads as opaque.
"""

from __future__ import annotations

import base64


def encode(raw: bytes) -> str:
    """``raw`` as base64url without padding."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> bytes:
    """The bytes ``encode`` wrapped; ``ValueError`` when ``cursor`` is not base64url."""
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
