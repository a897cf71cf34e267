"""Accounts for tests of every context: sign up through the real API, get a bearer token.

account = await sign_up(client)                      # a gamer with a bearer token
admin = await sign_up(client, role="admin")          # promoted through create-admin's path
await client.get("/api/v1/me", headers=account.headers)
await sign_in_with_cookie(client, account)           # the client's cookie jar holds a session
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp.test_utils import TestClient

from metacult.identity import service
from metacult.typedefs import DB, REDIS, SETTINGS
from tests import random_refs


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    password: str
    display_name: str
    token: str
    refresh_token: str = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}`` for requests made as this account."""
        return {"Authorization": f"Bearer {self.token}"}


async def sign_up(
    client: TestClient, *, role: str = "gamer", display_name: str | None = None
) -> Account:
    """Create an account through ``POST /api/v1/auth/signup`` and sign its app in."""
    email = random_refs.email(role)
    password = f"pw-{random_refs.suffix()}-Secret!"
    name = display_name or f"{role.title()} {random_refs.suffix()[:6]}"
    response = await client.post(
        "/api/v1/auth/signup", json={"email": email, "password": password, "display_name": name}
    )
    assert response.status == 201, await response.text()
    user_id = (await response.json())["id"]
    if role == "admin":
        await service.promote_to_admin(
            client.app[DB], client.app[REDIS], client.app[SETTINGS], email
        )
    elif role != "gamer":
        raise ValueError(f"unknown role {role!r}")
    response = await client.post(
        "/api/v1/auth/token", json={"grant_type": "password", "email": email, "password": password}
    )
    assert response.status == 200, await response.text()
    tokens = await response.json()
    return Account(
        id=user_id,
        email=email,
        password=password,
        display_name=name,
        token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )


async def sign_in_with_cookie(client: TestClient, account: Account) -> None:
    """Log in through ``/api/v1/auth/login`` so that ``client``'s cookie jar holds a session."""
    response = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert response.status == 200, await response.text()


async def block(client: TestClient, blocker: Account, blocked: Account) -> None:
    """``blocker`` blocks ``blocked`` through the API."""
    response = await client.put(f"/api/v1/users/{blocked.id}/block", headers=blocker.headers)
    assert response.status in {200, 204}, await response.text()


def daytime_zone() -> str:
    """A fixed-offset IANA zone where it is now early afternoon: a test that counts XP does
    not earn the night owl badge (midnight to 5 a.m., the user's time) by the clock of its run."""
    from datetime import UTC, datetime

    offset = 13 - datetime.now(UTC).hour
    if offset > 14:
        offset -= 24
    if offset < -12:
        offset += 24
    # The Etc/GMT zones count the other way round: Etc/GMT-2 is two hours ahead of UTC.
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
