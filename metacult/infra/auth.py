"""Who is calling: the principal that the identity context resolves for a request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

Role = Literal["gamer", "admin"]


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user as the web layer sees them.

    ``credential`` names what authenticated the caller, so that one device can be signed
    out without the others: ``session:<digest of the cookie's session id>`` for a browser
    session, ``family:<token family id>`` for an app's bearer token; a realtime ticket
    carries the credential of whoever minted it.
    """

    user_id: int
    role: Role
    via: Literal["session", "bearer", "ticket"]
    credential: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


Authenticator = Callable[[web.Request], Awaitable[Principal | None]]


async def nobody(request: web.Request) -> Principal | None:
    """The authenticator used until the identity context installs its own."""
    return None
