"""Each account's inbox: notifications stored and pushed live on ``user:{id}`` with one id.

A context adds a kind with one declaration, next to its other declarations::

    NEW_SEASON = identity.NotificationKind("catalog.new_season", NewSeason, "A show you follow...")

and delivers it from an actor, in the transaction that claims the event::

    await identity.notify(conn, redis, settings, user_id, NEW_SEASON, payload, source=event["id"])

The live message is ``{"type": kind name, "notification_id", "created_at", "unread", **data}``;
the stored one (``GET /api/v1/me/notifications``) has the same id, kind and data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import asyncpg
import pydantic
from redis.asyncio import Redis

from metacult import realtime
from metacult.config import Settings
from metacult.identity import store
from metacult.infra import cursors
from metacult.infra.errors import invalid_field

Payload = TypeVar("Payload", bound=pydantic.BaseModel)

# Every declared kind, by name.
KINDS: dict[str, NotificationKind[Any]] = {}


@dataclass(frozen=True, slots=True)
class NotificationKind(Generic[Payload]):
    """A kind of notification: its name (also the live message's ``type``), its data."""

    name: str
    payload: type[Payload]
    summary: str

    def __post_init__(self) -> None:
        if self.name in KINDS:
            raise ValueError(f"notification kind {self.name!r} is declared twice")
        KINDS[self.name] = self


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    kind: str
    data: dict[str, Any]
    created_at: datetime
    read: bool

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Notification:
        read = row["read_at"] is not None
        return cls(row["id"], row["kind"], row["data"], row["created_at"], read)


class NewFollower(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    follower_id: int
    display_name: str
    avatar_url: str | None


NEW_FOLLOWER = NotificationKind("identity.new_follower", NewFollower, "Someone followed you.")


async def notify(
    conn: asyncpg.Connection,
    redis: Redis,
    settings: Settings,
    user_id: int,
    kind: NotificationKind[Payload],
    payload: Payload,
    *,
    source: str,
) -> Notification | None:
    """Store the notification in the user's inbox and push it on ``user:{id}``, in the
    caller's transaction; None when ``source`` already notified this user (a retry).

    Published before the caller commits, as every actor here does: a failed publish rolls
    the row back and the retry sends again (at least once), never a stored notification
    that was not pushed."""
    if not isinstance(payload, kind.payload):
        raise TypeError(f"{kind.name} takes a {kind.payload.__name__}")
    data = payload.model_dump(mode="json")
    row = await store.insert_notification(conn, user_id, kind.name, data, source)
    if row is None:
        return None
    notification = Notification.from_row(row)
    unread = await store.unread_notifications(conn, user_id)
    message = {
        "type": kind.name,
        "notification_id": notification.id,
        "created_at": notification.created_at,
        "unread": unread,
        **data,
    }
    await realtime.publish(redis, settings, f"user:{user_id}", message)
    return notification


@dataclass(frozen=True, slots=True)
class Inbox:
    items: list[Notification]
    next_cursor: str | None
    unread: int


InboxCursor = tuple[cursors.Id]


async def inbox(
    pool: asyncpg.Pool, user_id: int, *, unread_only: bool, cursor: str | None, limit: int
) -> Inbox:
    """One page of the user's notifications, newest first, with the unread count."""
    after = cursors.decode_position(cursor, InboxCursor) if cursor else None
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        rows = await store.notifications_page(
            conn, user_id, unread_only, after[0] if after else None, limit + 1
        )
        unread = await store.unread_notifications(conn, user_id)
    items = [Notification.from_row(row) for row in rows[:limit]]
    next_cursor = cursors.encode_position((items[-1].id,)) if len(rows) > limit else None
    return Inbox(items, next_cursor, unread)


async def unread_count(pool: asyncpg.Pool, user_id: int) -> int:
    async with pool.acquire() as conn:
        return await store.unread_notifications(conn, user_id)


async def mark_read(
    pool: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    *,
    ids: list[int] | None,
    everything: bool,
) -> int:
    """Mark some notifications (or all) read; the user's other screens are told the new
    unread count on ``user:{id}``. Returns the unread count."""
    if everything == (ids is not None):
        raise invalid_field("ids", "give either the ids to mark read or all: true")
    async with pool.acquire() as conn, conn.transaction():
        changed = await store.mark_notifications_read(conn, user_id, None if everything else ids)
        unread = await store.unread_notifications(conn, user_id)
    if changed:
        message = {"type": "identity.notifications_read", "unread": unread}
        await realtime.publish(redis, settings, f"user:{user_id}", message)
    return unread


async def tell_new_follower(
    conn: asyncpg.Connection,
    redis: Redis,
    settings: Settings,
    follower_id: int,
    followee_id: int,
    *,
    source: str,
) -> Notification | None:
    """Tell a user who started following them (nothing when the follow ended meanwhile,
    or either account is gone)."""
    if not await store.is_following(conn, follower_id, followee_id):
        return None
    follower = await store.user_by_id(conn, follower_id)
    if follower is None or follower["deleted_at"] is not None:
        return None
    payload = NewFollower(
        follower_id=follower_id,
        display_name=follower["display_name"],
        avatar_url=follower["avatar_url"],
    )
    return await notify(conn, redis, settings, followee_id, NEW_FOLLOWER, payload, source=source)
