"""Recommend a title to a friend: someone who follows you back, never across a block,
a limited number per hour. The friend is told through their inbox (and live, same id),
by an actor once the recommendation committed."""

from __future__ import annotations

import asyncpg
from redis.asyncio import Redis

from metacult import identity
from metacult.config import Settings
from metacult.infra import ratelimit
from metacult.infra.errors import Forbidden, NotFound, invalid_field
from metacult.infra.events import emit
from metacult.interaction import events
from metacult.interaction.media import media_kind


class NotAFriend(Forbidden):
    """Only someone who follows you back may be recommended a title."""

    code = "not_a_friend"


def limit(settings: Settings) -> ratelimit.Limit:
    return ratelimit.Limit("recommend", settings.recommend_limit_per_user, 3600)


async def recommend(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    media_id: int,
    friend_id: int,
    note: str,
) -> None:
    if friend_id == user_id:
        raise invalid_field("user_id", "recommend to someone else")
    async with db.acquire() as conn, conn.transaction():
        kind = await media_kind(conn, media_id)
        relation = await identity.friendship(conn, user_id, friend_id)
        if relation == "blocked" or friend_id not in await identity.user_summaries(
            conn, [friend_id]
        ):
            raise NotFound("No such user.")
        if relation != "mutual":
            raise NotAFriend("Recommend titles to people who follow you back.")
        # Only recommendations that would be sent use up the allowance.
        await ratelimit.consume(redis, settings, limit(settings), str(user_id))
        payload = events.RecommendedPayload(
            user_id=user_id, media_id=media_id, kind=kind, friend_id=friend_id, note=note
        )
        await emit(conn, events.RECOMMENDED, payload)
