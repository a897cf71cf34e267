"""Identity actors: purge a deleted account's personal data; tell users of new followers;
mail reset links; forget expired tokens and links."""

from __future__ import annotations

from typing import Any

import dramatiq

from metacult.identity import ACCOUNT_DELETED, FOLLOWED, notifications, recovery, service
from metacult.identity.events import PASSWORD_RESET_REQUESTED
from metacult.infra.events import claim
from workers.events import on_event
from workers.runtime import resources
from workers.schedule import every


@on_event(ACCOUNT_DELETED)
@dramatiq.actor(max_retries=10, time_limit=60_000, max_age=7 * 86_400_000)
async def purge_personal_data(event: dict[str, Any]) -> None:
    """Erase email, password, names, bio, avatar, provider links, follows and tokens,
    leaving an anonymised "deleted user" row for content other contexts keep."""
    res = await resources()
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "identity.purge_personal_data", event["id"]):
            return
        await service.purge_personal_data(conn, ACCOUNT_DELETED.payload_of(event).user_id)


@on_event(FOLLOWED)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=86_400_000)
async def tell_new_follower(event: dict[str, Any]) -> None:
    """Notify a user (inbox and ``user:{id}``) that someone followed them."""
    res = await resources()
    followed = FOLLOWED.payload_of(event)
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "identity.tell_new_follower", event["id"]):
            return
        await notifications.tell_new_follower(
            conn,
            res.redis,
            res.settings,
            followed.follower_id,
            followed.followee_id,
            source=str(event["id"]),
        )


@on_event(PASSWORD_RESET_REQUESTED)
@dramatiq.actor(max_retries=5, time_limit=30_000, max_age=3_600_000)
async def mail_reset_link(event: dict[str, Any]) -> None:
    """Mail a reset link if an account has the address asked for (nothing otherwise)."""
    res = await resources()
    request = PASSWORD_RESET_REQUESTED.payload_of(event)
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "identity.mail_reset_link", event["id"]):
            return
        await recovery.send_password_reset(conn, res.redis, res.settings, request)


@every(3600)
@dramatiq.actor(max_retries=3, time_limit=120_000, max_age=3_600_000)
async def delete_expired_tokens() -> None:
    """Forget access tokens past expiry and sign-ins with nothing left to refresh."""
    res = await resources()
    await service.delete_expired_tokens(res.db)
    await recovery.delete_expired_links(res.db)
