"""Who is calling: the principal that the identity context resolves for a request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

Role = Literal["gamer", "admin"]


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user as the web layer sees them."""

    user_id: int
    role: Role
    via: Literal["session", "bearer", "ticket"]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


Authenticator = Callable[[web.Request], Awaitable[Principal | None]]


async def nobody(request: web.Request) -> Principal | None:
    """The authenticator used until the identity context installs its own."""
    return None
