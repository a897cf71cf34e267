"""Identity's devices: the browser sessions and app sign-ins of an account.

Each device is named by its ``Principal.credential`` (``session:<digest>`` for a browser,
``family:<id>`` for an app), never by a secret. Signing a device out ends it at once and
closes the live connections it opened, on every web node.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import asyncpg
from redis.asyncio import Redis

from metacult import realtime
from metacult.config import Settings
from metacult.identity import credentials, principals, sessions, store
from metacult.infra.errors import NotFound

FAMILY_PREFIX = "family:"


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    kind: Literal["browser", "app"]
    created_at: datetime
    last_used_at: datetime
    user_agent: str
    ip_prefix: str
    current: bool


def family_id_of(credential: str | None) -> int | None:
    """The token family a ``family:<id>`` credential names (None for a browser's)."""
    if credential is None or not credential.startswith(FAMILY_PREFIX):
        return None
    number = credential.removeprefix(FAMILY_PREFIX)
    return int(number) if number.isdigit() and len(number) < 19 else None


def _stamp(seconds: object) -> datetime:
    return datetime.fromtimestamp(int(seconds) if isinstance(seconds, int) else 0, UTC)


async def devices(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int, current: str | None
) -> list[Device]:
    """Every live browser session and app sign-in of the account, most recently used first."""
    found = [
        Device(
            id=sessions.credential(session_id),
            kind="browser",
            created_at=_stamp(data.get("at")),
            last_used_at=_stamp(data.get("seen", data.get("at"))),
            user_agent=str(data.get("ua", "")),
            ip_prefix=str(data.get("ip", "")),
            current=sessions.credential(session_id) == current,
        )
        for session_id, data in await sessions.sessions_of(redis, settings, user_id)
    ]
    async with pool.acquire() as conn:
        families = await store.live_families(conn, user_id)
    found.extend(
        Device(
            id=credentials.family_credential(row["id"]),
            kind="app",
            created_at=row["created_at"],
            last_used_at=row["last_used_at"],
            user_agent=row["user_agent"],
            ip_prefix=row["ip_prefix"],
            current=credentials.family_credential(row["id"]) == current,
        )
        for row in families
    )
    found.sort(key=lambda device: (device.last_used_at, device.id), reverse=True)
    return found


async def sign_out_device(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int, device_id: str
) -> None:
    """Sign one device of the account out everywhere: its session or its tokens stop
    working and its websockets and streams close. 404 when it is not a live device."""
    family_id = family_id_of(device_id)
    if family_id is not None:
        async with pool.acquire() as conn:
            revoked = await store.revoke_family_of_user(
                conn, user_id, family_id, "signed out from the device list"
            )
        if not revoked:
            raise NotFound("No such device.")
        await principals.changed(pool, redis, settings, user_id)
    else:
        session_id = next(
            (
                sid
                for sid, _ in await sessions.sessions_of(redis, settings, user_id)
                if sessions.credential(sid) == device_id
            ),
            None,
        )
        if session_id is None:
            raise NotFound("No such device.")
        await sessions.end_one(redis, settings, user_id, session_id)
    await realtime.disconnect(redis, settings, user_id=user_id, credential=device_id)


async def sign_out_everywhere(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int
) -> None:
    """After every app sign-in of the account was revoked: end its browser sessions too,
    and close all its live connections."""
    await principals.changed(pool, redis, settings, user_id)
    await sessions.end_all(redis, settings, user_id)
    await realtime.disconnect(redis, settings, user_id=user_id)


async def sign_out_others(
    pool: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    *,
    keep: str | None,
    revoked: list[int],
) -> None:
    """After the app sign-ins ``revoked`` were revoked: end every browser session of the
    account but ``keep``'s, and close the live connections of all that ended."""
    if revoked:
        await principals.changed(pool, redis, settings, user_id)
    for session_id, _ in await sessions.sessions_of(redis, settings, user_id):
        credential = sessions.credential(session_id)
        if credential != keep:
            await sessions.end_one(redis, settings, user_id, session_id)
            await realtime.disconnect(redis, settings, user_id=user_id, credential=credential)
    for family_id in revoked:
        await realtime.disconnect(
            redis, settings, user_id=user_id, credential=credentials.family_credential(family_id)
        )
