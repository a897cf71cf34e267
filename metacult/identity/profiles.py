"""Who may read what of a profile: per-section audiences, and blocks between accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from metacult.identity import privacy, store
from metacult.identity.events import BLOCKED, UNBLOCKED, UNFOLLOWED, BlockPayload, FollowPayload
from metacult.identity.privacy import Section
from metacult.infra import cursors
from metacult.infra.errors import BadRequest, Forbidden, NotFound
from metacult.infra.events import emit


class SectionHidden(Forbidden):
    """The owner shows this part of their profile to fewer people."""

    code = "section_hidden"


class CannotBlockSelf(BadRequest):
    """You cannot block yourself."""

    code = "cannot_block_self"


async def privacy_settings(pool: asyncpg.Pool, user_id: int) -> dict[Section, str]:
    """Every section's audience for the user (their choices, else the defaults)."""
    async with pool.acquire() as conn:
        return privacy.audiences(await store.privacy_choices(conn, user_id))


async def update_privacy(
    pool: asyncpg.Pool, user_id: int, changes: dict[str, str]
) -> dict[Section, str]:
    """Set the audience of some sections; returns every section's audience."""
    async with pool.acquire() as conn, conn.transaction():
        for section, audience in sorted(changes.items()):
            await store.set_privacy(conn, user_id, section, audience)
        return privacy.audiences(await store.privacy_choices(conn, user_id))


async def check_section(
    conn: asyncpg.Connection, owner_id: int, viewer_id: int | None, section: Section
) -> None:
    """Let the viewer read the owner's ``section``, or raise: 404 when there is no such
    live account or a block stands between them (the blocked see nothing), 403
    ``section_hidden`` when the owner shows the section to fewer people."""
    relation = await store.viewer_relation(conn, owner_id, viewer_id)
    if relation is None or relation["blocked"]:
        raise NotFound("No such user.")
    audience = privacy.audiences(relation["chosen"])[section]
    if not privacy.may_read(audience, owner=owner_id == viewer_id, follower=relation["follower"]):
        raise SectionHidden()


async def followees_showing(
    conn: asyncpg.Connection, viewer_id: int, section: Section
) -> list[int]:
    """Whom the viewer follows among those who let followers read ``section`` ("friends'
    activity" on a title's page)."""
    default = privacy.DEFAULT_AUDIENCE[section]
    return await store.followees_showing(conn, viewer_id, section, default)


async def friendship(conn: asyncpg.Connection, a: int, b: int) -> str:
    """``"mutual"`` when each follows the other, ``"blocked"`` when a block stands between
    them, ``"none"`` otherwise (a friend's recommendation, a shared watchlist)."""
    if await store.blocked_between(conn, a, b):
        return "blocked"
    if await store.is_following(conn, a, b) and await store.is_following(conn, b, a):
        return "mutual"
    return "none"


async def mutual_follows(conn: asyncpg.Connection, user_id: int) -> list[int]:
    """Who follows the user and is followed back (a recommendation's possible recipients)."""
    return await store.mutual_follows(conn, user_id)


async def block(pool: asyncpg.Pool, blocker_id: int, blocked_id: int) -> None:
    """Block an account: follows both ways end, neither sees the other, neither may follow."""
    if blocker_id == blocked_id:
        raise CannotBlockSelf()
    async with pool.acquire() as conn, conn.transaction():
        if await store.active_role(conn, blocked_id) is None:
            raise NotFound("No such user.")
        if not await store.insert_block(conn, blocker_id, blocked_id):
            return
        await emit(conn, BLOCKED, BlockPayload(blocker_id=blocker_id, blocked_id=blocked_id))
        for follower, followee in ((blocker_id, blocked_id), (blocked_id, blocker_id)):
            if await store.delete_follow(conn, follower, followee):
                await emit(
                    conn, UNFOLLOWED, FollowPayload(follower_id=follower, followee_id=followee)
                )


async def unblock(pool: asyncpg.Pool, blocker_id: int, blocked_id: int) -> None:
    async with pool.acquire() as conn, conn.transaction():
        if await store.delete_block(conn, blocker_id, blocked_id):
            await emit(conn, UNBLOCKED, BlockPayload(blocker_id=blocker_id, blocked_id=blocked_id))


BlockCursor = tuple[cursors.Timestamp, cursors.Id]


@dataclass(frozen=True, slots=True)
class BlockPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


async def blocks(pool: asyncpg.Pool, user_id: int, cursor: str | None, limit: int) -> BlockPage:
    """Whom the user blocked, most recent first."""
    after = cursors.decode_position(cursor, BlockCursor) if cursor else None
    async with pool.acquire() as conn:
        rows = await store.blocks_page(conn, user_id, after, limit + 1)
    items = [
        {
            "id": row["id"],
            "display_name": row["display_name"],
            "avatar_url": row["avatar_url"],
            "blocked_at": row["created_at"],
        }
        for row in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = cursors.encode_position((last["created_at"], last["id"]))
    return BlockPage(items, next_cursor)
