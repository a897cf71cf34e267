"""Ranking's use cases: matchups, votes, rating updates, leaderboards, personal rankings, audit.

Each use case owns its transaction. Matchups are prepared ahead per user and kind in Redis
(``ranking:queue:{user}:{kind}`` lists duel ids; ``ranking:duel:{id}`` holds the rendered
matchup until it expires), so that the next one is returned at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
from collections import defaultdict
from collections.abc import Coroutine, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, get_args

import asyncpg
import orjson
from redis.asyncio import Redis

from metacult import catalog, identity, interaction, realtime
from metacult.config import Settings
from metacult.infra import pagecache
from metacult.infra.errors import Conflict, Forbidden, Gone, NotFound, invalid_field
from metacult.infra.events import claim, emit
from metacult.infra.redis import rkey
from metacult.ranking import audit, glicko, leaderboards, matchmaking, store
from metacult.ranking.events import VOTE_CAST, Skip, VoteCastPayload
from metacult.ranking.glicko import Rating
from metacult.ranking.paging import Position

log = logging.getLogger("metacult.ranking")

SKIPS: tuple[str, ...] = get_args(Skip)
UPDATE_RATINGS = "ranking.update_ratings"
# The actor applying votes, as the worker timings on ``/metrics`` label it.
UPDATE_RATINGS_ACTOR = "update_ratings"
# New users' favoured titles: this many popular ones in their favourite genres.
FAVOURED_TITLES = 40


class DuelNotFound(NotFound):
    """No such duel."""

    code = "duel_not_found"


class NotYourDuel(Forbidden):
    """This duel was offered to someone else."""

    code = "not_your_duel"


class AlreadyVoted(Conflict):
    """This duel already has a different vote."""

    code = "already_voted"


class DuelExpired(Gone):
    """This duel expired before the vote; take the next one."""

    code = "duel_expired"


class NoDuelsLeft(NotFound):
    """There is no new pair of titles of this kind to offer you."""

    code = "no_duels_left"


@dataclasses.dataclass(frozen=True, slots=True)
class _Catalogue:
    """What the matchmaker needs of every title of a kind, read from other contexts."""

    # Ids as the catalogue listed them (to notice a change), and those it could describe.
    listed: tuple[int, ...]
    ids: tuple[int, ...]
    genres: dict[int, tuple[str, ...]]
    popularity: dict[int, int]
    read_at: float


@dataclasses.dataclass
class RankingState:
    """What one process (a web app, a worker) keeps for ranking between calls: the titles
    each kind's matchmaking read last, and the background tasks it started (matchup
    preparations, delayed leaderboard flushes), which ``close`` cancels; in a worker, the
    timings it shows on ``/metrics``."""

    catalogues: dict[str, _Catalogue] = dataclasses.field(default_factory=dict)
    tasks: set[asyncio.Task] = dataclasses.field(default_factory=set)
    # Where a worker adds up its timings for ``/metrics`` (how long rank moves were held).
    timings: realtime.WorkerTimings | None = None

    def start(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` in the background, kept until it ends or the process stops."""
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def close(self) -> None:
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


@dataclasses.dataclass(frozen=True, slots=True)
class Vote:
    """A vote as stored: its duel, outcome, and the titles it picked (None for a skip)."""

    duel_id: int
    kind: str
    outcome: str
    winner_id: int | None
    loser_id: int | None
    cast_at: datetime


# Matchups.


def _queue_key(settings: Settings, user_id: int, kind: str) -> str:
    return rkey(settings, "ranking", "queue", user_id, kind)


def _duel_key(settings: Settings, duel_id: int) -> str:
    return rkey(settings, "ranking", "duel", duel_id)


# KEYS: queue. ARGV: duel key prefix, minimum remaining ms. Drops expired or nearly expired
# heads; returns {matchup json, queue length} or {false, length}.
_PEEK = """
while true do
  local id = redis.call('LINDEX', KEYS[1], 0)
  if not id then return {false, 0} end
  local key = ARGV[1] .. id
  if redis.call('PTTL', key) > tonumber(ARGV[2]) then
    return {redis.call('GET', key), redis.call('LLEN', KEYS[1])}
  end
  redis.call('LPOP', KEYS[1])
end
"""


async def next_matchup(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    kind: str,
    *,
    state: RankingState | None = None,
) -> dict[str, Any]:
    """The user's current matchup of ``kind`` (prepared ahead); prepares more when few are left.

    With the process's ``state``, refilling the queue runs as its background task; without,
    inline.
    """
    matchup, left = await _peek(redis, settings, user_id, kind)
    if matchup is None:
        await prepare_matchups(db, redis, settings, user_id, kind, state=state)
        matchup, left = await _peek(redis, settings, user_id, kind)
        if matchup is None:
            raise NoDuelsLeft()
    if left <= settings.duel_prefetch // 2:
        refill = prepare_matchups(db, redis, settings, user_id, kind, state=state)
        if state is None:
            await refill
        else:
            state.start(refill)
    return matchup


async def _peek(
    redis: Redis, settings: Settings, user_id: int, kind: str
) -> tuple[dict[str, Any] | None, int]:
    # A duel shown with less than a tenth of its time left is not worth starting.
    minimum_ms = settings.duel_ttl * 100
    script = leaderboards.script(redis, _PEEK)
    raw, left = await script(
        keys=[_queue_key(settings, user_id, kind)],
        args=[_duel_key(settings, ""), minimum_ms],
    )
    return (orjson.loads(raw) if raw else None), int(left)


async def prepare_matchups(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    kind: str,
    *,
    state: RankingState | None = None,
) -> int:
    """Choose and store the user's next few duels; how many were made.

    One preparer at a time per user and kind: the others wait on the user's preparation lock
    (a PostgreSQL advisory lock held until the queue is written) and then find it full.
    """
    queue = _queue_key(settings, user_id, kind)
    async with db.acquire() as conn, conn.transaction():
        await store.lock_preparation(conn, user_id, kind)
        wanted = settings.duel_prefetch + 1 - await redis.llen(queue)
        if wanted <= 0:
            return 0
        candidates = await _candidates(conn, user_id, kind, state)
        seen = await store.seen_pairs(conn, user_id, kind)
        unknown = await store.unknown_titles(conn, user_id)
        window = settings.duel_variety_window
        recent = await store.recent_pairs(conn, user_id, kind, window) if window else []
        pairs = matchmaking.choose_pairs(
            candidates,
            count=wanted,
            seen=seen,
            unknown=unknown,
            rng=random.Random(),
            explore=settings.duel_explore_percent / 100,
            recent=recent,
            window=window,
        )
        expires_at = datetime.now(UTC) + timedelta(seconds=settings.duel_ttl)
        duels = await store.insert_duels(conn, user_id, kind, pairs, expires_at)
        summaries = await _summaries(conn, {m for d in duels for m in (d["a_id"], d["b_id"])})
        # Written before the lock is released, so the next preparer counts these duels.
        async with redis.pipeline(transaction=False) as pipe:
            for duel in duels:
                matchup = _matchup(duel, summaries)
                pipe.set(
                    _duel_key(settings, duel["id"]), orjson.dumps(matchup), ex=settings.duel_ttl
                )
                pipe.rpush(queue, duel["id"])
            pipe.expire(queue, settings.duel_ttl)
            await pipe.execute()
    return len(duels)


def _matchup(duel: asyncpg.Record, summaries: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": duel["id"],
        "kind": duel["kind"],
        "a": summaries[duel["a_id"]],
        "b": summaries[duel["b_id"]],
        "expires_at": duel["expires_at"].astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }


async def _summaries(conn: asyncpg.Connection, ids: set[int]) -> dict[int, dict[str, Any]]:
    """Catalog's summaries of the titles, as JSON data (matchups are kept in Redis)."""
    found = await catalog.media_summaries(conn, sorted(ids))
    return {media_id: _plain(summary) for media_id, summary in found.items()}


def _plain(summary: catalog.MediaSummary) -> dict[str, Any]:
    data = dataclasses.asdict(summary)
    return {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}


# A kind's titles are read again when titles come or go, and at least every minute.
CATALOGUE_TTL = 60.0


async def _catalogue(conn: asyncpg.Connection, kind: str, state: RankingState | None) -> _Catalogue:
    ids = tuple(await catalog.media_ids(conn, kind=kind))
    cached = None if state is None else state.catalogues.get(kind)
    now = time.monotonic()
    if cached is not None and cached.listed == ids and now - cached.read_at < CATALOGUE_TTL:
        return cached
    summaries = await catalog.media_summaries(conn, ids)
    stats = await interaction.media_stats(conn, ids)
    fresh = _Catalogue(
        listed=ids,
        ids=tuple(m for m in ids if m in summaries),
        genres={m: tuple(s.genres) for m, s in summaries.items()},
        popularity={m: s.likes + s.ratings_count + s.reviews_count for m, s in stats.items()},
        read_at=now,
    )
    if state is not None:
        state.catalogues[kind] = fresh
    return fresh


async def _candidates(
    conn: asyncpg.Connection, user_id: int, kind: str, state: RankingState | None
) -> list[matchmaking.Candidate]:
    """Every title of ``kind`` with its rating and what the user has to do with it."""
    titles = await _catalogue(conn, kind, state)
    ratings = await store.candidate_ratings(conn, kind)
    known = await interaction.known_media(conn, user_id, kind)
    known |= await store.voted_titles(conn, user_id, kind)
    picked = set(await identity.favourite_genres(conn, user_id))
    favoured = _favoured(titles.ids, titles.genres, titles.popularity, known, picked)
    start = (glicko.START_RATING, glicko.START_RD)
    return [
        matchmaking.Candidate(
            media_id=m,
            rating=ratings.get(m, start)[0],
            rd=ratings.get(m, start)[1],
            known=m in known,
            favoured=m in favoured,
        )
        for m in titles.ids
        if m in titles.genres
    ]


def _favoured(
    ids: Sequence[int],
    genres: dict[int, Sequence[str]],
    popularity: dict[int, int],
    known: set[int],
    picked: set[str],
) -> set[int]:
    """The most popular titles in the user's favourite genres: those picked on their profile
    and those of the titles they know; every genre for a newcomer who picked none."""
    favourite = picked | {genre for m in known for genre in genres.get(m, ())}
    fitting = [m for m in ids if not favourite or favourite.intersection(genres.get(m, ()))]
    fitting.sort(key=lambda m: (-popularity.get(m, 0), m))
    return set(fitting[:FAVOURED_TITLES])


# Votes.


async def cast_vote(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    duel_id: int,
    *,
    winner: int | None = None,
    skip: str | None = None,
) -> Vote:
    """Record the user's vote on their duel, once; the same vote again returns the same answer."""
    async with db.acquire() as conn, conn.transaction():
        duel = await store.duel_for_vote(conn, duel_id)
        if duel is None:
            duel = await _duel_being_prepared(conn, redis, settings, user_id, duel_id)
        if duel is None:
            raise DuelNotFound()
        if duel["user_id"] != user_id:
            raise NotYourDuel()
        outcome, winner_id, loser_id = _outcome(duel, winner, skip)
        if duel["outcome"] is not None:
            if duel["outcome"] != outcome:
                raise AlreadyVoted()
            return Vote(duel_id, duel["kind"], outcome, winner_id, loser_id, duel["voted_at"])
        if duel["expires_at"] <= duel["now"]:
            raise DuelExpired()
        cast_at = await store.record_vote(conn, duel, outcome, winner_id, loser_id)
        unknown = {
            "unknown_a": [duel["a_id"]],
            "unknown_b": [duel["b_id"]],
            "both": [duel["a_id"], duel["b_id"]],
        }.get(outcome, [])
        if unknown:
            await store.mark_unknown(conn, user_id, unknown)
        cast = VoteCastPayload(
            duel_id=duel["id"],
            user_id=user_id,
            kind=duel["kind"],
            a_id=duel["a_id"],
            b_id=duel["b_id"],
            outcome=outcome,
            winner_id=winner_id,
            loser_id=loser_id,
            cast_at=cast_at,
        )
        await emit(conn, VOTE_CAST, cast)
    await redis.lrem(_queue_key(settings, user_id, duel["kind"]), 0, duel_id)
    await redis.delete(_duel_key(settings, duel_id))
    if unknown:
        await _drop_prepared(db, redis, settings, user_id, duel["kind"], set(unknown))
    return Vote(duel_id, duel["kind"], outcome, winner_id, loser_id, cast_at)


async def _drop_prepared(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    kind: str,
    media_ids: set[int],
) -> None:
    """Withdraw the user's prepared duels showing titles they do not know."""
    queue = _queue_key(settings, user_id, kind)
    async with db.acquire() as conn, conn.transaction():
        # A preparation under way may have read the titles before this skip: after it.
        await store.lock_preparation(conn, user_id, kind)
        dropped = []
        for raw_id in await redis.lrange(queue, 0, -1):
            raw = await redis.get(_duel_key(settings, int(raw_id)))
            matchup = orjson.loads(raw) if raw else None
            if matchup is None or {matchup["a"]["id"], matchup["b"]["id"]} & media_ids:
                await redis.lrem(queue, 0, raw_id)
                dropped.append(int(raw_id))
        # Never shown: they do not count among the duels the next ones must vary from.
        await store.withdraw_duels(conn, user_id, dropped)


def _outcome(
    duel: asyncpg.Record, winner: int | None, skip: str | None
) -> tuple[str, int | None, int | None]:
    if (winner is None) == (skip is None):
        raise invalid_field("winner", "give either a winner or a skip")
    if skip is not None:
        if skip not in SKIPS:
            raise invalid_field("skip", f"one of {', '.join(SKIPS)}")
        return skip, None, None
    if winner == duel["a_id"]:
        return "a", duel["a_id"], duel["b_id"]
    if winner == duel["b_id"]:
        return "b", duel["b_id"], duel["a_id"]
    raise invalid_field("winner", "must be one of the duel's two titles")


async def _duel_being_prepared(
    conn: asyncpg.Connection, redis: Redis, settings: Settings, user_id: int, duel_id: int
) -> asyncpg.Record | None:
    """A duel handed out before its preparer committed it: the queue is written inside the
    preparation's transaction (so the next preparer counts its duels), and a quick voter can
    pop it in between. Its matchup is in Redis already: wait for the preparer's lock (held
    to its commit), then read the duel again."""
    raw = await redis.get(_duel_key(settings, duel_id))
    if raw is None:
        return None
    kind = orjson.loads(raw).get("kind")
    if kind not in catalog.KINDS:
        return None
    await store.lock_preparation(conn, user_id, kind)
    return await store.duel_for_vote(conn, duel_id)


async def vote_and_continue(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    duel_id: int,
    *,
    winner: int | None = None,
    skip: str | None = None,
    state: RankingState | None = None,
) -> tuple[Vote, dict[str, Any] | None]:
    """Cast the vote, then hand back (and push on ``user:{id}``) the next matchup of that kind."""
    vote = await cast_vote(db, redis, settings, user_id, duel_id, winner=winner, skip=skip)
    try:
        matchup = await next_matchup(db, redis, settings, user_id, vote.kind, state=state)
    except NoDuelsLeft:
        matchup = None
    if matchup is not None:
        await realtime.publish(
            redis, settings, f"user:{user_id}", {"type": "ranking.next_duel", "duel": matchup}
        )
    return vote, matchup


# Ratings (the update_ratings actor).


async def apply_vote(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    event: dict[str, Any],
    *,
    state: RankingState | None = None,
) -> bool:
    """Play the vote's game on both titles' global and the voter's personal ratings, once.

    Rows are locked in media id order, so concurrent votes on one title queue up instead
    of losing an update (or deadlocking). False when the event was already applied: its
    titles are then placed again from their committed rows (a no-op when the boards hold
    them already), in case the run that applied it stopped before the boards. A rank move
    that must wait for its board's next message waits as a task of ``state`` (inline
    without one).
    """
    vote = VOTE_CAST.payload_of(event)
    decisive = vote.winner_id is not None and vote.loser_id is not None
    async with db.acquire() as conn, conn.transaction():
        if await claim(conn, UPDATE_RATINGS, event["id"]):
            if not decisive:
                return True
            saved = await _play(conn, vote)
            applied = True
        else:
            ids = [vote.winner_id, vote.loser_id] if decisive else []
            saved = list((await store.ratings_of(conn, ids)).values()) if ids else []
            applied = False
    if saved:
        await _show_on_boards(db, redis, settings, saved, state)
    return applied


async def _play(conn: asyncpg.Connection, vote: VoteCastPayload) -> list[asyncpg.Record]:
    """The vote's game on both titles' global and the voter's personal ratings, rows locked
    in media id order; the titles' global rating rows as saved."""
    winner_id, loser_id = vote.winner_id, vote.loser_id
    ids = [winner_id, loser_id]
    rows = await store.lock_ratings(conn, ids)
    missing = [m for m in ids if m not in rows]
    if missing:
        summaries = await _summaries(conn, set(missing))
        await store.ensure_ratings(
            conn,
            [
                (m, summaries[m]["kind"], summaries[m]["genres"], summaries[m]["platforms"])
                for m in missing
            ],
        )
        rows = await store.lock_ratings(conn, ids)
    won, lost = glicko.play(_rating(rows[winner_id]), _rating(rows[loser_id]))
    saved = [
        await store.save_rating(conn, winner_id, won.rating, won.rd, won.volatility, True),
        await store.save_rating(conn, loser_id, lost.rating, lost.rd, lost.volatility, False),
    ]
    mine = await store.lock_personal(conn, vote.user_id, vote.kind, ids)
    p_won, p_lost = glicko.play(_rating(mine[winner_id]), _rating(mine[loser_id]))
    for media_id, rating, won_it in ((winner_id, p_won, True), (loser_id, p_lost, False)):
        await store.save_personal(
            conn, vote.user_id, media_id, rating.rating, rating.rd, rating.volatility, won_it
        )
    return saved


def _rating(row: asyncpg.Record) -> Rating:
    return Rating(row["rating"], row["rd"], row["volatility"])


# Leaderboards.


async def _show_on_boards(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    rows: Sequence[asyncpg.Record],
    state: RankingState | None,
) -> None:
    titles = [pagecache.media_topic(row["media_id"]) for row in rows]
    if not await leaderboards.is_built(redis, settings):
        # Redis lost the boards: rebuilding from PostgreSQL includes this vote already.
        await ensure_leaderboards(db, redis, settings)
        await pagecache.bump(redis, settings, titles)
        return
    placed = []
    for row in rows:
        scopes = leaderboards.scopes_of(row["kind"], row["genres"], row["platforms"])
        moves = await leaderboards.place(
            redis, settings, row["media_id"], scopes, row["rating"], row["rd"], row["games"]
        )
        placed.append((scopes, moves))
    # The new ratings are committed and on the boards: their pages get new versions now,
    # before any rank move is published (a browser reads the board again on one).
    boards = {pagecache.board_topic(scope) for scopes, _ in placed for scope in scopes}
    await pagecache.bump(redis, settings, [*titles, *sorted(boards)])
    by_scope: dict[str, list[leaderboards.Move]] = defaultdict(list)
    for _, moves in placed:
        for move in moves:
            by_scope[move.scope].append(move)
    for scope, moves in by_scope.items():
        decision = await leaderboards.coalesce(redis, settings, scope, moves)
        if decision == 1:
            await flush_moves(redis, settings, scope, state=state)
        elif decision < 0:
            flush = _flush_later(redis, settings, scope, -decision, state)
            if state is None:
                await flush
            else:
                state.start(flush)


async def _flush_later(
    redis: Redis, settings: Settings, scope: str, delay_ms: int, state: RankingState | None
) -> None:
    await asyncio.sleep(delay_ms / 1000)
    for _ in range(50):
        if await leaderboards.take_gate(redis, settings, scope):
            await flush_moves(redis, settings, scope, state=state)
            return
        await asyncio.sleep(settings.leaderboard_flush_ms / 4000)


async def flush_moves(
    redis: Redis, settings: Settings, scope: str, *, state: RankingState | None = None
) -> None:
    """Publish the scope's pending rank moves as one message on ``leaderboard:{scope}``."""
    moves, since = await leaderboards.take_pending(redis, settings, scope)
    if moves and since is not None and state is not None and state.timings is not None:
        held = max(0.0, time.time() - since)
        state.timings.observe("move_hold", UPDATE_RATINGS_ACTOR, held)
    if moves:
        await realtime.publish(
            redis,
            settings,
            f"leaderboard:{scope}",
            {"type": "ranking.rank_moves", "scope": scope, "moves": moves},
        )


# A flusher is due within a flush window of the move it waits for; moves held this much
# longer than the window lost theirs (its worker was killed or stopped).
STALE_AFTER_S = 1.0


async def publish_held_moves(
    redis: Redis, settings: Settings, *, state: RankingState | None = None
) -> list[str]:
    """Publish the rank moves whose delayed flush never came (its worker stopped before);
    the scopes published."""
    stale = time.time() - settings.leaderboard_flush_ms / 1000 - STALE_AFTER_S
    published = []
    for scope in await leaderboards.held_since(redis, settings, stale):
        if await leaderboards.take_gate(redis, settings, scope):
            await flush_moves(redis, settings, scope, state=state)
            published.append(scope)
    return published


async def rebuild_leaderboards(db: asyncpg.Pool, redis: Redis, settings: Settings) -> int:
    """Rebuild every board from PostgreSQL (the source of truth); how many titles are on them."""
    async with db.acquire() as conn:
        return await _rebuild(conn, redis, settings)


async def _rebuild(conn: asyncpg.Connection, redis: Redis, settings: Settings) -> int:
    rows = await store.rated_titles(conn)
    boards: dict[str, dict[int, float]] = defaultdict(dict)
    games: dict[int, int] = {}
    for row in rows:
        games[row["media_id"]] = row["games"]
        standing = leaderboards.standing(row["rating"], row["rd"])
        for scope in leaderboards.scopes_of(row["kind"], row["genres"], row["platforms"]):
            boards[scope][row["media_id"]] = standing
    await leaderboards.replace_all(redis, settings, boards, games)
    await pagecache.bump(redis, settings, [pagecache.LEADERBOARDS])
    return len(rows)


async def ensure_leaderboards(db: asyncpg.Pool, redis: Redis, settings: Settings) -> None:
    """Rebuild when no board was built yet (a flushed Redis); one rebuilder at a time, the
    others wait for it (on a PostgreSQL advisory lock) and find the boards built."""
    async with db.acquire() as conn, conn.transaction():
        await store.lock_rebuild(conn)
        if not await leaderboards.is_built(redis, settings):
            await _rebuild(conn, redis, settings)


async def leaderboard_page(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    scope: str,
    after: Position | None,
    limit: int,
) -> tuple[list[dict[str, Any]], Position | None]:
    """Up to ``limit`` entries of a board right after ``after`` (from the top without), by
    standing (rating − 2·RD), with movement since yesterday; and where the next page starts
    (None at the end)."""
    if not await leaderboards.is_built(redis, settings):
        await ensure_leaderboards(db, redis, settings)
    last = None if after is None else (after.score, after.media_id)
    entries = await leaderboards.page_after(redis, settings, scope, last, limit)
    if not entries:
        return [], None
    ids = [media_id for media_id, _, _ in entries]
    async with db.acquire() as conn:
        ratings = await store.ratings_of(conn, ids)
        before = await store.ranks_before(conn, scope, datetime.now(UTC).date(), ids)
        summaries = await _summaries(conn, set(ids))
    page = []
    for media_id, standing, position in entries:
        row = ratings.get(media_id)
        if row is None or media_id not in summaries:
            continue
        was = before.get(media_id)
        page.append(
            {
                "rank": position,
                "media": summaries[media_id],
                "standing": standing,
                "rating": row["rating"],
                "rd": row["rd"],
                "provisional": row["rd"] > glicko.PROVISIONAL_RD,
                "games": row["games"],
                "movement": None if was is None else was - position,
            }
        )
    media_id, standing, _ = entries[-1]
    return page, Position(standing, media_id) if len(entries) >= limit else None


async def snapshot_leaderboards(
    db: asyncpg.Pool, redis: Redis, settings: Settings, *, today: date | None = None
) -> int:
    """Keep today's ranks of every board, for tomorrow's "movement since yesterday"."""
    today = today or datetime.now(UTC).date()
    scopes = await leaderboards.all_scopes(redis, settings)
    for scope in scopes:
        entries = await leaderboards.page(redis, settings, scope, 0, 10_000)
        async with db.acquire() as conn, conn.transaction():
            await store.save_snapshot(
                conn,
                scope,
                today,
                [(m, rank, r) for rank, (m, r) in enumerate(entries, start=1)],
            )
    await pagecache.bump(redis, settings, [pagecache.LEADERBOARDS])
    return len(scopes)


# Personal rankings and the media page.


async def personal_ranking(
    db: asyncpg.Pool, user_id: int, kind: str, after: Position | None, limit: int
) -> tuple[list[dict[str, Any]], Position | None]:
    """The user's own order of the titles they voted on, from their votes alone: up to
    ``limit`` right after ``after`` (from the top without), and where the next page starts."""
    last = None if after is None else (after.score, after.media_id)
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        ahead = 0 if last is None else await store.personal_ahead_of(conn, user_id, kind, *last)
        rows = await store.personal_ranking(conn, user_id, kind, limit, last)
        summaries = await _summaries(conn, {row["media_id"] for row in rows})
    following = None
    if len(rows) >= limit:
        following = Position(rows[-1]["rating"], rows[-1]["media_id"])
    entries = [
        {
            "rank": position,
            "media": summaries[row["media_id"]],
            "rating": row["rating"],
            "rd": row["rd"],
            "games": row["games"],
            "wins": row["wins"],
            "losses": row["losses"],
        }
        for position, row in enumerate(rows, start=ahead + 1)
        if row["media_id"] in summaries
    ]
    return entries, following


@dataclasses.dataclass(frozen=True, slots=True)
class MediaRating:
    """A title's global rating as its page shows it: rating ± 2·RD."""

    rating: float
    rd: float
    low: float
    high: float
    provisional: bool
    games: int
    wins: int
    losses: int


async def media_rating(conn: asyncpg.Connection, media_id: int) -> MediaRating:
    row = await store.rating_of(conn, media_id)
    rating = Rating() if row is None else _rating(row)
    return MediaRating(
        rating=round(rating.rating, 1),
        rd=round(rating.rd, 1),
        low=round(rating.rating - 2 * rating.rd, 1),
        high=round(rating.rating + 2 * rating.rd, 1),
        provisional=rating.provisional,
        games=0 if row is None else row["games"],
        wins=0 if row is None else row["wins"],
        losses=0 if row is None else row["losses"],
    )


# A user's own data.


async def export_user_data(conn: asyncpg.Connection, user_id: int) -> dict[str, Any]:
    """The user's duel votes and personal rankings, for ``GET /api/v1/me/export``."""
    votes = await store.votes_of(conn, user_id)
    personal = await store.personal_of(conn, user_id)
    return {
        "votes": [dict(row) for row in votes],
        "personal_rankings": [dict(row) for row in personal],
    }


async def forget_user(
    db: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int, event_id: str
) -> bool:
    """Purge a deleted account's ranking data (once per event); False when already done."""
    async with db.acquire() as conn, conn.transaction():
        if not await claim(conn, "ranking.forget_user", event_id):
            return False
        await store.forget_user(conn, user_id)
    await redis.delete(*(_queue_key(settings, user_id, kind) for kind in catalog.KINDS))
    return True


# The nightly audit.


async def audit_drift(db: asyncpg.Pool, redis: Redis, settings: Settings) -> dict[str, Any]:
    """Refit Bradley-Terry on all votes; Kendall's τ against the live board, per kind."""
    async with db.acquire() as conn:
        votes = await store.decisive_votes(conn)
        rated = await store.rated_titles(conn)
    by_kind: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for vote in votes:
        by_kind[vote["kind"]].append((vote["winner_id"], vote["loser_id"]))
    report: dict[str, Any] = {"type": "ranking.audit", "votes": len(votes), "kinds": {}}
    for kind, results in sorted(by_kind.items()):
        refit = await asyncio.to_thread(audit.bradley_terry, results)
        of_kind = [row for row in rated if row["kind"] == kind]
        live = {row["media_id"]: row["rating"] for row in of_kind}
        standings = {m["media_id"]: leaderboards.standing(m["rating"], m["rd"]) for m in of_kind}
        board = dict(await leaderboards.page(redis, settings, f"kind:{kind}", 0, 100_000))
        report["kinds"][kind] = {
            "titles": len(refit),
            "votes": len(results),
            "kendall_tau": round(audit.kendall_tau(live, refit), 4),
            "board_drift": len(board) != len(standings)
            or any(board.get(m) != s for m, s in standings.items()),
        }
    if any(kind["board_drift"] for kind in report["kinds"].values()):
        await rebuild_leaderboards(db, redis, settings)
    async with db.acquire() as conn:
        taken_at = await store.save_audit(conn, report)
    report["taken_at"] = taken_at.isoformat()
    await realtime.publish(redis, settings, "admin:dashboard", report)
    return report


async def latest_audit(db: asyncpg.Pool) -> dict[str, Any] | None:
    """The last audit's report (with ``taken_at``), or None before the first one."""
    async with db.acquire() as conn:
        row = await store.latest_audit(conn)
    if row is None:
        return None
    return {**row["report"], "taken_at": row["created_at"]}


async def votes_per_minute(conn: asyncpg.Connection) -> int:
    """Votes cast in the last minute."""
    return await store.votes_since(conn, datetime.now(UTC) - timedelta(minutes=1))
