"""Interaction actors: per-title counters, live publications, moderation notices, shared
watchlists' invitations and blocks, account deletion, and the signal writer."""

from __future__ import annotations

import os
import socket
from typing import Any

import aiohttp
import dramatiq

from metacult import catalog, identity
from metacult.catalog.events import SEASON_ADDED
from metacult.identity import ACCOUNT_DELETED, BLOCKED
from metacult.infra.events import claim
from metacult.interaction import (
    COUNTED,
    REVIEW_HIDDEN,
    REVIEWED,
    counters,
    episodes,
    history_import,
    import_formats,
    list_store,
    lists,
    service,
    signals,
    store,
)
from metacult.interaction.events import (
    HISTORY_IMPORT_UPLOADED,
    LIST_CHANGED,
    MARKS_FORGOTTEN,
    RECOMMENDED,
    SHARED_LIST_INVITED,
)
from metacult.interaction.live import AUDIENCE_CHANGES, list_channel, list_message
from metacult.interaction.notices import (
    HIDDEN_REVIEW_NOTICE,
    NEW_SEASON_NOTICE,
    RECOMMENDATION_NOTICE,
    SHARED_LIST_INVITE_NOTICE,
    HiddenReviewNotice,
    NewSeasonNotice,
    RecommendationNotice,
    SharedListInviteNotice,
)
from metacult.realtime import media_channel, publish
from workers.events import on_event
from workers.runtime import resources
from workers.schedule import every

_COUNTED_BY_NAME = {event_type.name: event_type for event_type in COUNTED}

# Long enough for the stream to drain, including entries claimed from a dead writer.
LATE_SIGNALS_DELAY_MS = 5 * signals.CLAIM_IDLE_MS

# One consumer name per worker process: a restarted process gets a new name, and the
# entries its predecessor left pending are claimed once idle.
SIGNAL_CONSUMER = f"{socket.gethostname()}-{os.getpid()}"


async def _notify(
    conn: Any, user_id: int, kind: identity.NotificationKind, notice: Any, event: dict[str, Any]
) -> None:
    """Store ``notice`` in the user's inbox and push it on ``user:{id}``, once per event."""
    res = await resources()
    await identity.notify(
        conn, res.redis, res.settings, user_id, kind, notice, source=str(event["id"])
    )


async def _renew_and_announce_stats(
    media_ids: list[int], consumer: str, event: dict[str, Any]
) -> None:
    """Renew the titles' pages and the browse pages, then publish the titles' committed
    counters on ``media:{id}``, once per event for ``consumer`` (at least once), unless
    their revision was published already (by the web process that counted a like).

    A retry bumps again, which costs a render."""
    res = await resources()
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, consumer, event["id"]):
            return
        stats = await service.media_stats(conn, media_ids)
        fresh = await counters.unannounced(res.redis, res.settings, list(stats.values()))
        # Published before this claim commits: a failed publish rolls it back and the
        # retry publishes again (at least once), instead of a claim with nothing sent.
        await counters.announce(res.redis, res.settings, fresh)


@on_event(*COUNTED)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=3_600_000)
async def update_media_stats(event: dict[str, Any]) -> None:
    """Recount the title's counters, renew its pages, then publish them on ``media:{id}``."""
    res = await resources()
    media_id = _COUNTED_BY_NAME[event["type"]].payload_of(event).media_id
    async with res.db.acquire() as conn, conn.transaction():
        if await claim(conn, "interaction.update_media_stats", event["id"]):
            await service.refresh_stats(conn, media_id)
    # Committed now, or by an earlier try whose bump or publish failed.
    await _renew_and_announce_stats([media_id], "interaction.announce_media_stats", event)


@on_event(REVIEWED)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=3_600_000)
async def announce_review(event: dict[str, Any]) -> None:
    """Publish a new review on its title's channel (unless already hidden or deleted)."""
    res = await resources()
    written = REVIEWED.payload_of(event)
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "interaction.announce_review", event["id"]):
            return
        row = await store.get_review(conn, written.review_id)
        if row is None or row["hidden_at"] is not None:
            return
        review = service.Review.from_row(row)
        message = {
            "type": "interaction.review",
            "review": {
                "id": review.id,
                "media_id": review.media_id,
                "kind": review.kind,
                "author_id": review.author_id,
                "body": review.body,
                "spoiler": review.spoiler,
                "likes": review.likes,
                "created_at": review.created_at.isoformat(),
            },
        }
        await publish(res.redis, res.settings, media_channel(review.media_id), message)


@on_event(LIST_CHANGED)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=3_600_000)
async def announce_list_change(event: dict[str, Any]) -> None:
    """Publish a committed change of a list on ``list:{id}`` (its readers are subscribed)."""
    res = await resources()
    changed = LIST_CHANGED.payload_of(event)
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "interaction.announce_list_change", event["id"]):
            return
        # Published before the claim commits: a failed publish is retried (at least once).
        await publish(
            res.redis,
            res.settings,
            list_channel(changed.list_id),
            list_message(changed),
            recheck=changed.change in AUDIENCE_CHANGES,
        )


@on_event(RECOMMENDED)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=86_400_000)
async def tell_friend_recommendation(event: dict[str, Any]) -> None:
    """Tell the friend (inbox and ``user:{id}``, one id) which title was recommended."""
    res = await resources()
    made = RECOMMENDED.payload_of(event)
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "interaction.tell_friend_recommendation", event["id"]):
            return
        # A block since the recommendation: nothing is said.
        if await identity.friendship(conn, made.user_id, made.friend_id) == "blocked":
            return
        sender = (await identity.user_summaries(conn, [made.user_id])).get(made.user_id)
        title = (await catalog.media_summaries(conn, [made.media_id])).get(made.media_id)
        if sender is None or title is None:
            return
        notice = RecommendationNotice(
            from_user_id=made.user_id,
            display_name=sender["display_name"],
            media_id=made.media_id,
            kind=made.kind,
            title=title.title,
            note=made.note,
        )
        await _notify(conn, made.friend_id, RECOMMENDATION_NOTICE, notice, event)


@on_event(SHARED_LIST_INVITED)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=86_400_000)
async def tell_shared_list_invite(event: dict[str, Any]) -> None:
    """Tell the invitee (inbox and ``user:{id}``, one id) who invited them to which shared
    watchlist, unless the invitation was withdrawn or answered meanwhile."""
    res = await resources()
    invited = SHARED_LIST_INVITED.payload_of(event)
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "interaction.tell_shared_list_invite", event["id"]):
            return
        if not await list_store.is_invited(conn, invited.list_id, invited.invitee_id):
            return
        # A block since the invitation: nothing is said (its own actor withdraws it).
        if await identity.friendship(conn, invited.user_id, invited.invitee_id) == "blocked":
            return
        found = await list_store.get_list(conn, invited.list_id)
        sender = (await identity.user_summaries(conn, [invited.user_id])).get(invited.user_id)
        if found is None or sender is None:
            return
        notice = SharedListInviteNotice(
            list_id=invited.list_id,
            name=found["name"],
            from_user_id=invited.user_id,
            display_name=sender["display_name"],
        )
        await _notify(conn, invited.invitee_id, SHARED_LIST_INVITE_NOTICE, notice, event)


@on_event(BLOCKED)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=7 * 86_400_000)
async def part_blocked_from_lists(event: dict[str, Any]) -> None:
    """Two users one of whom blocked the other never share a list: in each list where both
    stand, one editor's place, membership or invitation ends; every list either of them
    owns is rechecked, so neither keeps following the other's list live."""
    res = await resources()
    block = BLOCKED.payload_of(event)
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "interaction.part_blocked_from_lists", event["id"]):
            return
        await lists.part_blocked(conn, block.blocker_id, block.blocked_id)


@on_event(REVIEW_HIDDEN)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=86_400_000)
async def tell_author_review_hidden(event: dict[str, Any]) -> None:
    """Tell the author (inbox and ``user:{id}``) that a moderator hid their review and why."""
    res = await resources()
    hidden = REVIEW_HIDDEN.payload_of(event)
    async with res.db.acquire() as conn, conn.transaction():
        # Claimed even when there is nobody to tell: the outbox sees the event processed.
        if not await claim(conn, "interaction.tell_author_review_hidden", event["id"]):
            return
        if hidden.user_id is None:
            return
        notice = HiddenReviewNotice(
            review_id=hidden.review_id,
            media_id=hidden.media_id,
            kind=hidden.kind,
            reason=hidden.reason,
        )
        await _notify(conn, hidden.user_id, HIDDEN_REVIEW_NOTICE, notice, event)


@on_event(ACCOUNT_DELETED)
@dramatiq.actor(max_retries=10, time_limit=120_000, max_age=7 * 86_400_000)
async def forget_deleted_account(event: dict[str, Any]) -> None:
    """Remove a deleted account's likes, ratings, library, signals and activity, anonymise
    its reviews, and recount the titles it touched (``announce_recounted_stats`` renews
    their pages and publishes their counters once this committed)."""
    res = await resources()
    user_id = ACCOUNT_DELETED.payload_of(event).user_id
    # Signals still buffered in the stream (or pending on a dead writer) land later: their
    # pass is asked for first, so that a failure after the commit below cannot skip it (a
    # retry finds the claim taken). Asked twice on a retry, it deletes nothing more.
    forget_late_signals.send_with_options(args=(user_id,), delay=LATE_SIGNALS_DELAY_MS)
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "interaction.forget_deleted_account", event["id"]):
            return
        await service.forget_user(conn, user_id)


@on_event(MARKS_FORGOTTEN)
@dramatiq.actor(max_retries=10, time_limit=120_000, max_age=7 * 86_400_000)
async def announce_recounted_stats(event: dict[str, Any]) -> None:
    """Renew the pages of the titles a deleted account had marked, then publish their
    recounted counters on ``media:{id}``."""
    media_ids = list(MARKS_FORGOTTEN.payload_of(event).media_ids)
    await _renew_and_announce_stats(media_ids, "interaction.announce_recounted_stats", event)


@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=7 * 86_400_000)
async def forget_late_signals(user_id: int) -> None:
    """Delete a deleted account's signals written after its deletion was handled."""
    res = await resources()
    async with res.db.acquire() as conn:
        await store.delete_signals_of(conn, user_id)


@every(2)
@dramatiq.actor(max_retries=3, time_limit=120_000, max_age=60_000)
async def write_signals(claim_idle_ms: int = signals.CLAIM_IDLE_MS) -> None:
    """Move buffered signals from the Redis stream to PostgreSQL, in batches."""
    res = await resources()
    await signals.write_batches(
        res.db, res.redis, res.settings, SIGNAL_CONSUMER, claim_idle_ms=claim_idle_ms
    )


@on_event(SEASON_ADDED)
@dramatiq.actor(max_retries=10, time_limit=60_000, max_age=7 * 86_400_000)
async def announce_new_season(event: dict[str, Any]) -> None:
    """A new season of a series: back to "watching" for who follows it, and a notice in
    their inbox and on ``user:{id}`` (the same id)."""
    res = await resources()
    added = SEASON_ADDED.payload_of(event)
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "interaction.announce_new_season", event["id"]):
            return
        summaries = await catalog.media_summaries(conn, [added.media_id])
        if added.media_id not in summaries:
            return
        notice = NewSeasonNotice(
            media_id=added.media_id,
            title=summaries[added.media_id].title,
            season_number=added.season_number,
        )
        for user_id in await episodes.welcome_new_season(conn, added.media_id):
            await _notify(conn, user_id, NEW_SEASON_NOTICE, notice, event)


@on_event(HISTORY_IMPORT_UPLOADED)
@dramatiq.actor(max_retries=5, time_limit=600_000, max_age=3_600_000)
async def match_history_import(event: dict[str, Any]) -> None:
    """Match an uploaded history's rows to titles (fetching a Steam library first), and
    publish the progress on ``user:{id}`` as ``interaction.import_progress``."""
    res = await resources()
    uploaded = HISTORY_IMPORT_UPLOADED.payload_of(event)
    channel = f"user:{uploaded.user_id}"

    async def progress(summary: dict[str, Any]) -> None:
        await publish(res.redis, res.settings, channel, import_progress(summary))

    async with res.db.acquire() as conn:
        head = await conn.fetchrow(
            "SELECT state, steam_id FROM history_imports WHERE id = $1", uploaded.import_id
        )
    if head is None or head["state"] != "matching":
        return
    if head["steam_id"]:
        try:
            rows = import_formats.steam(await _owned_games(res.settings, head["steam_id"]))
        except (aiohttp.ClientError, TimeoutError, ValueError, import_formats.BadUpload) as exc:
            async with res.db.acquire() as conn:
                await conn.execute(
                    "UPDATE history_imports SET state = 'failed', problem = $2 WHERE id = $1",
                    uploaded.import_id,
                    f"The Steam library could not be read: {exc}",
                )
                await progress(await history_import.summary(conn, uploaded.import_id))
            return
        async with res.db.acquire() as conn, conn.transaction():
            # A retry finds the rows already stored: they are kept as they are.
            if not await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM history_import_rows WHERE import_id = $1)",
                uploaded.import_id,
            ):
                await history_import.store_rows(conn, uploaded.import_id, rows)
    await progress(
        await history_import.match_all(res.db, uploaded.import_id, progress, res.settings)
    )


def import_progress(summary: dict[str, Any]) -> dict[str, Any]:
    """The live message of an import's progress (on ``user:{id}``)."""
    return {
        "type": "interaction.import_progress",
        "import_id": summary["import_id"],
        "state": summary["state"],
        "total": summary["total"],
        "done": summary["done"],
        "counts": summary["counts"],
    }


async def _owned_games(settings: Any, steam_id: str) -> Any:
    url = settings.steam_api_url.rstrip("/") + "/IPlayerService/GetOwnedGames/v1/"
    params = {"steamid": steam_id, "include_appinfo": "1", "format": "json"}
    if settings.steam_api_key:
        params["key"] = settings.steam_api_key
    timeout = aiohttp.ClientTimeout(total=30)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(url, params=params) as response,
    ):
        response.raise_for_status()
        return await response.json(content_type=None)
