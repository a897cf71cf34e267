"""Ranking's HTTP endpoints and its websocket action ``duel.vote``: parse, authorise, call."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Literal

import asyncpg
import pydantic
from aiohttp import web
from redis.exceptions import RedisError

from metacult import catalog
from metacult.infra import pagecache
from metacult.infra.auth import Principal
from metacult.infra.errors import NotFound
from metacult.infra.web import Api, IdPath, Schema, kept
from metacult.ranking import leaderboards, paging, service
from metacult.typedefs import DB, RANKING_STATE, REDIS, SETTINGS, USER_DATA_EXPORTERS

log = logging.getLogger("metacult.ranking")

api = Api("ranking")

Kind = catalog.Kind


class KindQuery(Schema):
    kind: Kind = "game"


class TitleOut(Schema):
    """A title as duels and boards show it (catalog's summary)."""

    id: int
    kind: Kind
    title: str
    slug: str
    year: int | None
    cover_url: str | None
    genres: list[str]
    platforms: list[str]


class MatchupOut(Schema):
    """Two titles of the same kind to choose between, until ``expires_at``."""

    id: int
    kind: Kind
    a: TitleOut
    b: TitleOut
    expires_at: datetime


class VoteIn(Schema):
    """Either the winner's media id, or a skip (the service refuses both or neither)."""

    winner: int | None = pydantic.Field(default=None, ge=1)
    skip: service.Skip | None = None


class VoteOut(Schema):
    """The vote as recorded, and the next matchup of the same kind (None when none is left)."""

    duel_id: int
    outcome: Literal["a", "b", "unknown_a", "unknown_b", "both", "cant_decide"]
    winner_id: int | None
    loser_id: int | None
    cast_at: datetime
    next: MatchupOut | None


class PageQuery(Schema):
    limit: int = pydantic.Field(default=50, ge=1, le=100)
    cursor: str | None = pydantic.Field(default=None, min_length=1, max_length=512)


class PersonalQuery(PageQuery):
    kind: Kind = "game"


class ScopePath(Schema):
    scope: str = pydantic.Field(max_length=80)


class LeaderboardEntry(Schema):
    rank: int
    media: TitleOut
    # What the board is ordered by: the conservative rating, rating − 2·RD.
    standing: float
    rating: float
    rd: float
    provisional: bool
    games: int
    # Ranks gained since yesterday's snapshot (negative: lost); None when it was not on it.
    movement: int | None


class LeaderboardOut(Schema):
    scope: str
    entries: list[LeaderboardEntry]
    next_cursor: str | None


class PersonalEntry(Schema):
    rank: int
    media: TitleOut
    rating: float
    rd: float
    games: int
    wins: int
    losses: int


class PersonalRankingOut(Schema):
    kind: Kind
    entries: list[PersonalEntry]
    next_cursor: str | None


class UnknownScope(NotFound):
    """No such leaderboard (scopes: global, kind:{kind}, genre:{slug}, platform:{slug})."""

    code = "unknown_scope"


@api.get("/api/v1/duels/next", query=KindQuery, reply=MatchupOut)
async def next_duel(request: web.Request, query: KindQuery, user: Principal) -> MatchupOut:
    """The next duel of a kind: two titles to choose between."""
    app = request.app
    matchup = await service.next_matchup(
        app[DB], app[REDIS], app[SETTINGS], user.user_id, query.kind, state=app[RANKING_STATE]
    )
    return MatchupOut.model_validate(matchup)


@api.post(
    "/api/v1/duels/{id}/vote", path_params=IdPath, body=VoteIn, reply=VoteOut, idempotent=True
)
async def vote(request: web.Request, path: IdPath, body: VoteIn, user: Principal) -> VoteOut:
    """Vote on a duel (once; the same vote again gives the same answer); returns the next one."""
    return await _vote(request.app, user, path.id, body)


async def _vote(app: web.Application, user: Principal, duel_id: int, body: VoteIn) -> VoteOut:
    vote, matchup = await service.vote_and_continue(
        app[DB],
        app[REDIS],
        app[SETTINGS],
        user.user_id,
        duel_id,
        winner=body.winner,
        skip=body.skip,
        state=app[RANKING_STATE],
    )
    return VoteOut(
        duel_id=vote.duel_id,
        outcome=vote.outcome,
        winner_id=vote.winner_id,
        loser_id=vote.loser_id,
        cast_at=vote.cast_at,
        next=None if matchup is None else MatchupOut.model_validate(matchup),
    )


class DuelVoteAction(VoteIn):
    """``{"type": "action", "action": "duel.vote", "id", "data": {duel_id, winner | skip}}``."""

    duel_id: int = pydantic.Field(ge=1)


async def vote_over_websocket(
    app: web.Application, user: Principal | None, action: DuelVoteAction
) -> VoteOut:
    assert user is not None  # the hub checks auth="user"
    return await _vote(app, user, action.duel_id, action)


@api.get(
    "/api/v1/leaderboards/{scope}",
    path_params=ScopePath,
    query=PageQuery,
    reply=LeaderboardOut,
    auth="public",
)
async def leaderboard(request: web.Request, path: ScopePath, query: PageQuery) -> LeaderboardOut:
    """A leaderboard (global, kind:game, genre:rpg, platform:pc, ...), best first."""
    if not leaderboards.SCOPE.match(path.scope):
        raise UnknownScope()
    after = paging.decode_cursor(query.cursor, path.scope) if query.cursor else None
    app = request.app

    async def fresh() -> LeaderboardOut:
        entries, following = await service.leaderboard_page(
            app[DB], app[REDIS], app[SETTINGS], path.scope, after, query.limit
        )
        return LeaderboardOut(
            scope=path.scope,
            entries=[LeaderboardEntry.model_validate(entry) for entry in entries],
            next_cursor=None if following is None else paging.encode_cursor(path.scope, following),
        )

    topics = [pagecache.board_topic(path.scope), pagecache.LEADERBOARDS, pagecache.CATALOG]
    # Movement is counted from yesterday's snapshot: a new day is a new page.
    key = ("leaderboard", path.scope, query.cursor, query.limit, datetime.now(UTC).date())
    return await kept(request, topics, key, fresh)


@api.get("/api/v1/me/rankings", query=PersonalQuery, reply=PersonalRankingOut)
async def my_ranking(
    request: web.Request, query: PersonalQuery, user: Principal
) -> PersonalRankingOut:
    """Your own ranking of the titles of a kind, from your duel votes."""
    listing = f"me:{query.kind}"
    after = paging.decode_cursor(query.cursor, listing) if query.cursor else None
    entries, following = await service.personal_ranking(
        request.app[DB], user.user_id, query.kind, after, query.limit
    )
    return PersonalRankingOut(
        kind=query.kind,
        entries=[PersonalEntry.model_validate(entry) for entry in entries],
        next_cursor=None if following is None else paging.encode_cursor(listing, following),
    )


async def _ranking_background(app: web.Application) -> AsyncIterator[None]:
    """Rebuild the boards if Redis lost them; cancel the background work at shutdown."""
    app[RANKING_STATE] = service.RankingState()
    try:
        await service.ensure_leaderboards(app[DB], app[REDIS], app[SETTINGS])
    except (OSError, RedisError, asyncpg.PostgresError) as exc:
        # Redis or PostgreSQL is not answering yet: the first leaderboard read rebuilds.
        log.warning("leaderboards not rebuilt at start", extra={"error": repr(exc)})
    yield
    await app[RANKING_STATE].close()


class KindAuditOut(Schema):
    titles: int
    votes: int
    kendall_tau: float
    board_drift: bool


class AuditOut(Schema):
    votes: int
    kinds: dict[str, KindAuditOut]
    taken_at: datetime


@api.get("/api/v1/admin/leaderboards/audit", auth="admin", reply=AuditOut)
async def latest_audit(request: web.Request) -> AuditOut:
    """The latest nightly audit: per kind, Kendall's τ between the boards and a Bradley-Terry
    refit of every vote, and whether a board had drifted (it was rebuilt); 404 before any."""
    report = await service.latest_audit(request.app[DB])
    if report is None:
        raise NotFound("No audit has run yet.", code="no_audit_yet")
    return AuditOut.model_validate(report)


def setup(app: web.Application) -> None:
    """Wire ranking into the app (after the database and Redis contexts)."""
    from metacult.realtime import register_action

    api.register(app)
    app.cleanup_ctx.append(_ranking_background)
    app.setdefault(USER_DATA_EXPORTERS, {})["ranking"] = service.export_user_data
    register_action(app, "duel.vote", DuelVoteAction, vote_over_websocket)
