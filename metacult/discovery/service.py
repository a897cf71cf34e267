"""Discovery's use cases: keep evidence from events, refresh neighbours, trending, the
personal feed (with its live news), similar titles and stats."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import numpy as np
import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from metacult import catalog, identity, interaction
from metacult.config import Settings
from metacult.discovery import neighbours as model
from metacult.discovery import scoring, store, trending
from metacult.discovery.events import DISMISSED, DismissedPayload
from metacult.infra import cursors
from metacult.infra.errors import Invalid, NotFound
from metacult.infra.events import emit
from metacult.infra.redis import rkey
from metacult.realtime import publish

log = logging.getLogger("metacult.discovery")

FEED_TYPE = "discovery.feed_new"
SNAPSHOT_TTL_S = 3600
SNAPSHOT_SIZE = 200
# How long a first page is served as built when nothing new arrived for its reader.
LATEST_TTL_S = 60
# A page cursor: the feed snapshot it reads, and how many items came before.
FeedCursor = tuple[cursors.Text, cursors.Id]
# How many users one title's new neighbours are announced to, at most.
MAX_NEWS_AUDIENCE = 1000


def _key(settings: Settings, *parts: object) -> str:
    return rkey(settings, "discovery", *parts)


# --- evidence, from other contexts' events ------------------------------------------------


async def _changed(redis: Redis, settings: Settings, media_id: int) -> None:
    """Mark a title for the next incremental neighbour refresh."""
    await redis.sadd(_key(settings, "changed"), media_id)


async def _genres(conn: asyncpg.Connection, media_id: int) -> tuple[str, ...]:
    summary = (await catalog.media_summaries(conn, [media_id])).get(media_id)
    return summary.genres if summary else ()


async def note_like(
    conn: asyncpg.Connection, redis: Redis, settings: Settings, event: dict[str, Any], liked: bool
) -> None:
    about = (interaction.LIKED if liked else interaction.UNLIKED).payload_of(event)
    at = _occurred(event)
    if liked:
        await store.set_evidence(
            conn, about.user_id, about.media_id, about.kind, "like", scoring.LIKE_VALUE, at
        )
        await trending.add(
            redis, settings, about.media_id, about.kind, await _genres(conn, about.media_id), 1.0
        )
    else:
        await store.delete_evidence(conn, about.user_id, about.media_id, "like")
    await _changed(redis, settings, about.media_id)


async def note_rating(
    conn: asyncpg.Connection, redis: Redis, settings: Settings, event: dict[str, Any]
) -> None:
    if event["type"] == interaction.UNRATED.name:
        gone = interaction.UNRATED.payload_of(event)
        await store.delete_evidence(conn, gone.user_id, gone.media_id, "rating")
        await _changed(redis, settings, gone.media_id)
        return
    rated = interaction.RATED.payload_of(event)
    value = scoring.rating_value(rated.rating)
    await store.set_evidence(
        conn, rated.user_id, rated.media_id, rated.kind, "rating", value, _occurred(event)
    )
    if value > 0:
        genres = await _genres(conn, rated.media_id)
        await trending.add(redis, settings, rated.media_id, rated.kind, genres, value)
    await _changed(redis, settings, rated.media_id)


async def note_status(
    conn: asyncpg.Connection, redis: Redis, settings: Settings, event: dict[str, Any]
) -> None:
    changed = interaction.STATUS_CHANGED.payload_of(event)
    if changed.status is None:
        await store.delete_evidence(conn, changed.user_id, changed.media_id, "status")
    else:
        value = scoring.STATUS_VALUES.get(changed.status, 0.0)
        await store.set_evidence(
            conn, changed.user_id, changed.media_id, changed.kind, "status", value, _occurred(event)
        )
    await _changed(redis, settings, changed.media_id)


async def note_review(
    conn: asyncpg.Connection, redis: Redis, settings: Settings, event: dict[str, Any]
) -> None:
    if event["type"] == interaction.REVIEW_DELETED.name:
        gone = interaction.REVIEW_DELETED.payload_of(event)
        if gone.user_id is not None:
            await store.delete_evidence(conn, gone.user_id, gone.media_id, "review")
            await _changed(redis, settings, gone.media_id)
        return
    written = interaction.REVIEWED.payload_of(event)
    await store.set_evidence(
        conn,
        written.user_id,
        written.media_id,
        written.kind,
        "review",
        scoring.REVIEW_VALUE,
        _occurred(event),
    )
    genres = await _genres(conn, written.media_id)
    await trending.add(redis, settings, written.media_id, written.kind, genres, 1.5)
    await _changed(redis, settings, written.media_id)


async def note_vote(conn: asyncpg.Connection, redis: Redis, settings: Settings, vote: Any) -> None:
    """A duel vote: each title's win or loss; a skip of an unknown title marks it unknown."""
    if vote.winner_id is not None and vote.loser_id is not None:
        for media_id, won in ((vote.winner_id, True), (vote.loser_id, False)):
            await store.record_duel_vote(
                conn, vote.duel_id, media_id, vote.user_id, vote.kind, won, vote.cast_at
            )
            await _changed(redis, settings, media_id)
        genres = await _genres(conn, vote.winner_id)
        await trending.add(redis, settings, vote.winner_id, vote.kind, genres, 0.5)
        await trending.add(redis, settings, vote.winner_id, vote.kind, genres, 1.0, board="duels:")
        return
    unknown = {"unknown_a": [vote.a_id], "unknown_b": [vote.b_id], "both": [vote.a_id, vote.b_id]}
    for media_id in unknown.get(vote.outcome, []):
        await store.set_evidence(
            conn, vote.user_id, media_id, vote.kind, "unknown", 0.0, vote.cast_at
        )


def _occurred(event: dict[str, Any]) -> datetime:
    return (
        datetime.fromisoformat(event["occurred_at"])
        if event.get("occurred_at")
        else datetime.now(UTC)
    )


# --- the follow graph and live news ---------------------------------------------------------


async def sync_follow(
    conn: asyncpg.Connection, follower_id: int, followee_id: int, follows: bool
) -> None:
    if follows:
        await store.add_follow(conn, follower_id, followee_id)
    else:
        await store.remove_follow(conn, follower_id, followee_id)


def followed_activity(event: dict[str, Any]) -> tuple[int, int, str] | None:
    """(actor, title, activity) when an event is news for the actor's followers: a review,
    a rating of 4★ or more, a completion."""
    if event["type"] == interaction.REVIEWED.name:
        written = interaction.REVIEWED.payload_of(event)
        return written.user_id, written.media_id, "reviewed"
    if event["type"] == interaction.RATED.name:
        rated = interaction.RATED.payload_of(event)
        return (rated.user_id, rated.media_id, "rated") if rated.rating >= 4 else None
    if event["type"] == interaction.STATUS_CHANGED.name:
        changed = interaction.STATUS_CHANGED.payload_of(event)
        if changed.status in ("completed", "watched"):
            return changed.user_id, changed.media_id, "completed"
    return None


async def tell_followers(
    conn: asyncpg.Connection, redis: Redis, settings: Settings, event: dict[str, Any]
) -> int:
    """Put a followed user's news in their followers' feeds and tell each of them live."""
    news = followed_activity(event)
    if news is None:
        return 0
    actor, media_id, activity = news
    audience = await store.followers(conn, actor)
    reason = {"type": "followed_activity", "user_id": actor, "activity": activity}
    return await _announce(conn, redis, settings, audience, media_id, reason)


async def _announce(
    conn: asyncpg.Connection,
    redis: Redis,
    settings: Settings,
    audience: Sequence[int],
    media_id: int,
    reason: dict[str, Any],
) -> int:
    if not audience:
        return 0
    await store.add_news(conn, audience, media_id, orjson.dumps(reason).decode())
    await redis.delete(*(_key(settings, "feed-latest", user_id) for user_id in audience))
    for user_id in audience:
        seen = await _seen_news(redis, settings, user_id)
        count = await store.news_since(conn, user_id, seen)
        await publish(
            redis,
            settings,
            f"user:{user_id}",
            {"type": FEED_TYPE, "new_items": count, "media_id": media_id, "reason": reason},
        )
    return len(audience)


async def feed_changed(redis: Redis, settings: Settings, user_id: int) -> None:
    """The user acted (liked, rated, voted...): their next first page is built afresh."""
    await redis.delete(_key(settings, "feed-latest", user_id))


async def _seen_news(redis: Redis, settings: Settings, user_id: int) -> int:
    raw = await redis.get(_key(settings, "feed-seen", user_id))
    return int(raw) if raw else 0


# --- neighbours ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Refresh:
    scope: str
    model: str
    titles: int
    evidence: int
    seconds: float
    # Titles whose neighbour list gained titles (incremental refreshes only).
    gained: dict[int, list[int]]


def _matrix(rows: Sequence[asyncpg.Record]) -> model.Matrix:
    if not rows:
        return model.build_matrix(np.array([]), np.array([]), np.array([]))
    users = np.fromiter((r["user_id"] for r in rows), np.int64, len(rows))
    items = np.fromiter((r["media_id"] for r in rows), np.int64, len(rows))
    values = np.fromiter((r["value"] for r in rows), np.float64, len(rows))
    return model.build_matrix(users, items, values)


async def refresh_all_neighbours(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    *,
    k: int = model.DEFAULT_K,
    ease_max_items: int = model.EASE_MAX_ITEMS,
) -> Refresh:
    """Recompute every title's neighbours from all evidence and swap them in at once."""
    started = time.monotonic()
    await redis.delete(_key(settings, "changed"))
    async with db.acquire() as conn:
        rows = await store.all_cells(conn)
    matrix = _matrix(rows)
    name, found = await asyncio.to_thread(model.compute, matrix, k=k, ease_max_items=ease_max_items)
    norms = model.item_norms(matrix.cells) if matrix.nnz else np.array([])
    records = [(m, n, s) for m, neighbours in found.items() for n, s in neighbours]
    seconds = time.monotonic() - started
    async with db.acquire() as conn, conn.transaction():
        await store.replace_all_neighbours(conn, records)
        await store.save_norms(
            conn,
            [(int(m), float(v)) for m, v in zip(matrix.item_ids, norms, strict=True)],
            replace=True,
        )
        await store.record_run(conn, "full", name, len(found), matrix.nnz, seconds)
    await _cache_all(redis, settings, found)
    return Refresh("full", name, len(found), matrix.nnz, seconds, {})


async def refresh_changed_neighbours(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    *,
    k: int = model.DEFAULT_K,
    ease_max_items: int = model.EASE_MAX_ITEMS,
) -> Refresh | None:
    """Recompute the neighbours of the titles whose evidence changed since the last run
    (a full run when the model is EASE, whose weights all move together); announce new
    neighbours of loved titles to those who loved them. None when nothing changed."""
    changed_key = _key(settings, "changed")
    changed = sorted(int(m) for m in await redis.smembers(changed_key))
    if not changed:
        return None
    async with db.acquire() as conn:
        last = await store.last_model(conn)
    if last != "cosine":
        return await refresh_all_neighbours(db, redis, settings, k=k, ease_max_items=ease_max_items)
    started = time.monotonic()
    async with db.acquire() as conn:
        rows = await store.cells_touching(conn, changed)
        old_norms = await store.norms(conn)
        before = await store.neighbours_of(conn, changed)
    matrix = _matrix(rows)
    found = await asyncio.to_thread(model.cosine_rows, matrix, changed, old_norms, k)
    local = model.item_norms(matrix.cells) if matrix.nnz else np.array([])
    position = {int(m): i for i, m in enumerate(matrix.item_ids)}
    new_norms = [(m, float(local[position[m]])) for m in changed if m in position]
    records = [(m, n, s) for m, neighbours in found.items() for n, s in neighbours]
    seconds = time.monotonic() - started
    async with db.acquire() as conn, conn.transaction():
        await store.replace_neighbours_of(conn, changed, records)
        await store.save_norms(conn, new_norms, replace=False)
        await store.record_run(conn, "incremental", "cosine", len(changed), matrix.nnz, seconds)
    await redis.srem(changed_key, *changed)
    await _cache_some(redis, settings, {m: found.get(m, []) for m in changed})
    gained = {
        m: [n for n, _ in found.get(m, []) if n not in {o for o, _ in before.get(m, [])}]
        for m in changed
    }
    gained = {m: g for m, g in gained.items() if g}
    return Refresh("incremental", "cosine", len(changed), matrix.nnz, seconds, gained)


async def announce_new_neighbours(
    db: asyncpg.Pool, redis: Redis, settings: Settings, gained: dict[int, list[int]]
) -> int:
    """A refreshed title that now sits next to a loved one (similarity is symmetric) is
    news for those who loved that one and do not love the refreshed title already."""
    told = 0
    async with db.acquire() as conn, conn.transaction():
        for refreshed, neighbours in gained.items():
            knowing = set(await store.lovers_of(conn, refreshed, MAX_NEWS_AUDIENCE))
            for loved in neighbours[:3]:
                audience = [
                    user
                    for user in await store.lovers_of(conn, loved, MAX_NEWS_AUDIENCE)
                    if user not in knowing
                ]
                reason = {"type": "because_you_liked", "media_id": loved}
                told += await _announce(conn, redis, settings, audience, refreshed, reason)
                knowing.update(audience)
    return told


def _encode_neighbours(neighbours: list[tuple[int, float]]) -> bytes:
    return orjson.dumps([[n, round(s, 6)] for n, s in neighbours])


async def _cache_all(
    redis: Redis, settings: Settings, found: dict[int, list[tuple[int, float]]]
) -> None:
    """Write a new generation of the neighbour cache, then point readers at it (one SET)."""
    try:
        generation = uuid.uuid4().hex[:12]
        key = _key(settings, "neighbours", generation)
        items = list(found.items())
        for start in range(0, len(items), 5000):
            chunk = {m: _encode_neighbours(n) for m, n in items[start : start + 5000]}
            await redis.hset(key, mapping=chunk)
        pointer = _key(settings, "neighbours", "current")
        old = await redis.getset(pointer, generation if items else "")
        if old:
            # Readers that took the old pointer a moment ago may still read it.
            await redis.expire(_key(settings, "neighbours", old.decode()), 60)
    except RedisError as exc:
        log.warning("neighbour cache not written", extra={"error": repr(exc)})


async def _cache_some(
    redis: Redis, settings: Settings, found: dict[int, list[tuple[int, float]]]
) -> None:
    """Replace some titles' cached neighbours, all in one transaction."""
    try:
        generation = await redis.get(_key(settings, "neighbours", "current"))
        if not generation:
            return
        key = _key(settings, "neighbours", generation.decode())
        async with redis.pipeline(transaction=True) as pipe:
            for media_id, neighbours in found.items():
                pipe.hset(key, media_id, _encode_neighbours(neighbours))
            await pipe.execute()
    except RedisError as exc:
        log.warning("neighbour cache not updated", extra={"error": repr(exc)})


async def neighbours_of(
    conn: asyncpg.Connection, redis: Redis, settings: Settings, media_ids: Sequence[int]
) -> dict[int, list[tuple[int, float]]]:
    """The stored neighbours of titles: from Redis's current generation, or PostgreSQL."""
    if not media_ids:
        return {}
    try:
        generation = await redis.get(_key(settings, "neighbours", "current"))
        if generation:
            key = _key(settings, "neighbours", generation.decode())
            values = await redis.hmget(key, list(media_ids))
            return {
                m: [(int(n), float(s)) for n, s in orjson.loads(v)]
                for m, v in zip(media_ids, values, strict=True)
                if v
            }
    except RedisError:
        pass
    return await store.neighbours_of(conn, media_ids)


# --- similar titles -----------------------------------------------------------------------


@dataclass(frozen=True)
class Similar:
    media_id: int
    same_kind: list[tuple[catalog.MediaSummary, float]]
    other_kinds: list[tuple[catalog.MediaSummary, float]]


async def similar(
    db: asyncpg.Pool, redis: Redis, settings: Settings, media_id: int, limit: int
) -> Similar:
    async with db.acquire() as conn:
        kind = await catalog.media_exists(conn, media_id)
        if kind is None:
            raise NotFound("No such title.")
        found = (await neighbours_of(conn, redis, settings, [media_id])).get(media_id, [])
        summaries = await catalog.media_summaries(conn, [n for n, _ in found])
    same, other = [], []
    for neighbour, score in found:
        summary = summaries.get(neighbour)
        if summary is None:
            continue
        (same if summary.kind == kind else other).append((summary, score))
    return Similar(media_id, same[:limit], other[:limit])


# --- trending -----------------------------------------------------------------------------


async def trending_titles(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    *,
    kind: str | None,
    genre: str | None,
    window: str,
    limit: int,
) -> list[tuple[catalog.MediaSummary, float]]:
    top = await trending.top(redis, settings, window, trending.scope_of(kind, genre), limit)
    async with db.acquire() as conn:
        summaries = await catalog.media_summaries(conn, [m for m, _ in top])
    return [(summaries[m], score) for m, score in top if m in summaries]


# --- the personal feed --------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    media: catalog.MediaSummary
    score: float
    reasons: list[dict[str, Any]]


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem]
    slots: list[dict[str, Any]]
    next_cursor: str | None
    new_items: int


async def feed_page(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    cursor: str | None,
    limit: int,
) -> FeedPage:
    """A page of the user's feed. The first page builds a snapshot (kept an hour) that the
    next pages' cursors read, so the order holds while new items arrive; they are counted
    in ``new_items`` and announced live, and show on the next first page."""
    snapshot, offset = (None, 0)
    latest_key = _key(settings, "feed-latest", user_id)
    if cursor:
        snapshot, offset = cursors.decode_position(cursor, FeedCursor)
    else:
        # The first page is built again once news arrived (which drops this pointer), a
        # title was dismissed, or LATEST_TTL_S passed; until then it is read as built.
        latest = await redis.get(latest_key)
        snapshot = latest.decode() if latest else None
    window: list[dict[str, Any]] | None = None
    if snapshot is not None:
        # A snapshot is a Redis list of rendered items: a page reads only its own.
        async with redis.pipeline(transaction=True) as pipe:
            pipe.llen(_key(settings, "feed", user_id, snapshot))
            pipe.lrange(_key(settings, "feed", user_id, snapshot), offset, offset + limit - 1)
            total, raw = await pipe.execute()
        window = [orjson.loads(item) for item in raw] if total else None
    async with db.acquire() as conn:
        if window is None:
            # First page, or a snapshot that expired: build one (a late page may repeat).
            # Items are stored rendered, so that reading a page costs no catalogue read.
            entries = await _render(conn, await _build_feed(conn, redis, settings, user_id))
            snapshot = uuid.uuid4().hex[:16]
            key = _key(settings, "feed", user_id, snapshot)
            async with redis.pipeline(transaction=True) as pipe:
                # An empty feed is stored as one null, so that it reads as a snapshot too.
                pipe.rpush(key, *[orjson.dumps(e) for e in entries] or [b"null"])
                pipe.expire(key, SNAPSHOT_TTL_S)
                pipe.set(latest_key, snapshot, ex=LATEST_TTL_S)
                await pipe.execute()
            total, window = len(entries), entries[offset : offset + limit]
        if offset == 0:
            seen = await store.last_news_id(conn, user_id)
            await redis.set(_key(settings, "feed-seen", user_id), seen, ex=30 * 86_400)
            new_items = 0
        else:
            seen = await _seen_news(redis, settings, user_id)
            new_items = await store.news_since(conn, user_id, seen)
    items = [
        FeedItem(_summary(entry["media"]), entry["score"], entry["reasons"])
        for entry in window
        if entry is not None
    ]
    more = offset + limit < total
    next_cursor = cursors.encode_position((snapshot, offset + limit)) if more else None
    return FeedPage(items, scoring.slots_for(len(items)), next_cursor, new_items)


def _summary(data: dict[str, Any]) -> catalog.MediaSummary:
    return catalog.MediaSummary(
        **{**data, "genres": tuple(data["genres"]), "platforms": tuple(data["platforms"])}
    )


async def _render(conn: asyncpg.Connection, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries with their title's summary and their reasons' titles and people."""
    summaries = await catalog.media_summaries(conn, [e["media_id"] for e in entries])
    people = {r["user_id"] for e in entries for r in e["reasons"] if r.get("user_id") is not None}
    names = await identity.user_summaries(conn, people)
    liked = {r["media_id"] for e in entries for r in e["reasons"] if r.get("media_id")}
    titles = await catalog.media_summaries(conn, liked)
    rendered = []
    for entry in entries:
        summary = summaries.get(entry["media_id"])
        if summary is None:
            continue
        reasons = [_render_reason(r, summary, names, titles) for r in entry["reasons"]]
        # orjson writes the summaries (dataclasses) as objects; loads gives dicts back.
        rendered.append({**entry, "media": summary, "reasons": reasons})
    return orjson.loads(orjson.dumps(rendered))


def _render_reason(
    reason: dict[str, Any],
    shown: catalog.MediaSummary,
    names: dict[int, dict[str, Any]],
    titles: dict[int, catalog.MediaSummary],
) -> dict[str, Any]:
    out = dict(reason)
    if reason.get("media_id") is not None:
        source = titles.get(reason["media_id"])
        out["media"] = source
        out["cross_media"] = source is not None and source.kind != shown.kind
    if reason.get("user_id") is not None:
        out["user"] = names.get(reason["user_id"])
    return out


async def _build_feed(
    conn: asyncpg.Connection, redis: Redis, settings: Settings, user_id: int
) -> list[dict[str, Any]]:
    """Score every candidate by :mod:`scoring`'s formula, exclude, diversify."""
    candidates: dict[int, scoring.Candidate] = {}

    def candidate(media_id: int) -> scoring.Candidate:
        return candidates.setdefault(media_id, scoring.Candidate(media_id, kind=""))

    cells = await store.user_cells(conn, user_id)
    positive = dict(sorted(((m, v) for m, v in cells.items() if v > 0), key=lambda x: -x[1])[:100])
    if positive:
        found = await neighbours_of(conn, redis, settings, list(positive))
        for media_id, (score, because) in model.recommend(positive, found).items():
            candidate(media_id).add(
                "neighbours", score, {"type": "because_you_liked", "media_id": because}
            )

    followees = await store.followees(conn, user_id)
    if followees:
        now = datetime.now(UTC)
        for act in await interaction.recent_activity(conn, followees, limit=100):
            activity = _activity_name(act)
            if activity is None:
                continue
            age = (now - act.occurred_at).total_seconds() / 86_400
            candidate(act.media_id).add(
                "followed",
                scoring.followed_strength(activity, age),
                {"type": "followed_activity", "user_id": act.user_id, "activity": activity},
            )

    genres = list(await identity.favourite_genres(conn, user_id))
    loved_summaries = await catalog.media_summaries(conn, list(positive)[:30])
    genre_counts = Counter(g for s in loved_summaries.values() for g in s.genres)
    genres += [g for g, _ in genre_counts.most_common(3) if g not in genres]
    for genre in genres[:4] or [None]:
        scope = trending.scope_of(None, genre)
        for rank, (media_id, _) in enumerate(
            await trending.top(redis, settings, "week", scope, 30)
        ):
            candidate(media_id).add(
                "trending", scoring.rank_strength(rank), {"type": "trending", "genre": genre}
            )
    for rank, (media_id, _) in enumerate(
        await trending.top(redis, settings, "week", "duels:all", 20)
    ):
        candidate(media_id).add("duels", scoring.rank_strength(rank), {"type": "climbing_duels"})

    if not positive:
        # Cold start (no taste evidence yet, whoever the user follows): the most popular
        # titles of the genres picked at onboarding, those on the picked platforms first.
        platforms = set(await identity.favourite_platforms(conn, user_id))
        for genre in genres[:4]:
            for rank, media_id in enumerate(await _popular_in(conn, genre)):
                candidate(media_id).add(
                    "trending",
                    scoring.rank_strength(rank) * 0.5,
                    {"type": "favourite_genre", "genre": genre},
                )
        if platforms:
            on_platforms = await catalog.media_summaries(conn, list(candidates))
            for media_id, summary in on_platforms.items():
                shared = sorted(platforms & set(summary.platforms))
                if shared:
                    candidate(media_id).add(
                        "platform", 1.0, {"type": "favourite_platform", "platform": shared[0]}
                    )

    today = date.today()
    newest = await catalog.browse(conn, catalog.Filters(), "newest", None, 20)
    for listed in newest.items:
        media = await catalog.get_media(conn, listed.media.id)
        if media.release_date is not None:
            strength = scoring.release_strength((today - media.release_date).days)
            candidate(media.id).add("new_release", strength, {"type": "new_release"})

    excluded = await _excluded(conn, user_id)
    summaries = await catalog.media_summaries(conn, list(candidates))
    for media_id, item in candidates.items():
        summary = summaries.get(media_id)
        if summary is None:
            excluded.add(media_id)
            continue
        item.kind = summary.kind
        item.family = f"{summary.kind}:{summary.genres[0]}" if summary.genres else ""
    ranked = scoring.diversify(scoring.rank(candidates.values(), excluded)[:SNAPSHOT_SIZE])
    return [
        {"media_id": c.media_id, "score": round(c.score, 6), "reasons": c.explanation()}
        for c in ranked
    ]


async def _popular_in(conn: asyncpg.Connection, genre: str, limit: int = 20) -> list[int]:
    """The most popular titles of a genre (the newest ones where the catalogue's browse
    does not list the genre yet)."""
    try:
        page = await catalog.browse(conn, catalog.Filters(genre=genre), "popular", None, limit)
    except Invalid:
        return (await catalog.media_ids(conn, genre=genre))[-limit:][::-1]
    return [listed.media.id for listed in page.items]


def _activity_name(act: interaction.Activity) -> str | None:
    if act.type == "reviewed":
        return "reviewed"
    if act.type == "rated" and act.rating is not None and act.rating >= 4:
        return "rated"
    if act.type == "status_changed" and act.status in ("completed", "watched"):
        return "completed"
    return None


async def _excluded(conn: asyncpg.Connection, user_id: int) -> set[int]:
    """Titles the feed never shows the user: known (liked, rated, in the library),
    dismissed, or said in a duel to be unknown to them."""
    excluded = set(await store.dismissed(conn, user_id)) | await store.unknown_to(conn, user_id)
    for kind in catalog.KINDS:
        excluded |= await interaction.known_media(conn, user_id, kind)
    return excluded


async def dismiss(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    media_id: int,
    reason: str | None,
) -> None:
    """ "Not interested": the title leaves the user's feed, now and later."""
    async with db.acquire() as conn, conn.transaction():
        kind = await catalog.media_exists(conn, media_id)
        if kind is None:
            raise NotFound("No such title.")
        if await store.dismiss(conn, user_id, media_id, reason):
            await emit(
                conn,
                DISMISSED,
                DismissedPayload(user_id=user_id, media_id=media_id, kind=kind, reason=reason),
            )
    # Pages already built drop it too.
    await redis.delete(_key(settings, "feed-latest", user_id))
    async for key in redis.scan_iter(match=_key(settings, "feed", user_id, "*"), count=100):
        for raw in await redis.lrange(key, 0, -1):
            entry = orjson.loads(raw)
            if entry is not None and entry["media_id"] == media_id:
                await redis.lrem(key, 0, raw)


# --- stats and year in review --------------------------------------------------------------


async def user_stats(db: asyncpg.Pool, user_id: int, year: int, tz: str) -> dict[str, Any]:
    """A user's year across every kind, with months and days in their time zone."""
    from metacult.discovery import stats

    zone = ZoneInfo(tz)
    start = datetime(year, 1, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone)
    async with db.acquire() as conn:
        if not await identity.user_summaries(conn, [user_id]):
            raise NotFound("No such user.")
        activities: list[interaction.Activity] = []
        before = None
        while True:
            batch = await interaction.recent_activity(conn, [user_id], before_id=before, limit=500)
            activities += [a for a in batch if start <= a.occurred_at < end]
            if len(batch) < 500 or batch[-1].occurred_at < start:
                break
            before = batch[-1].id
        titles = {}
        for media_id in {a.media_id for a in activities}:
            try:
                titles[media_id] = await catalog.get_media(conn, media_id)
            except catalog.MediaNotFound:
                continue
        duels = await store.duel_votes_between(conn, user_id, start, end)
        duel_titles = await catalog.media_summaries(conn, [d["media_id"] for d in duels])
    return stats.year_in_review(
        activities, titles, [dict(d) for d in duels], duel_titles, zone, year
    )


async def forget_user(conn: asyncpg.Connection, user_id: int) -> None:
    await store.forget_user(conn, user_id)
