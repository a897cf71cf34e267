"""Series in depth: episodes seen and rated, per-episode and per-season averages, up next,
the release calendar and its private iCal feed.

Marking episodes moves the series' library status: "watching" while some aired episodes
are seen, "watched" once all of them are (specials, season 0, do not count).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import icalendar
import pydantic
from aiohttp import web

from metacult import catalog, identity
from metacult.infra.auth import Principal
from metacult.infra.errors import NotFound, invalid_field
from metacult.infra.web import Api, IdPath, Schema
from metacult.interaction import rules, service
from metacult.typedefs import DB, SETTINGS

api = Api("episodes")

CALENDAR_MAX_DAYS = 366


class EpisodeNotFound(NotFound):
    """No such episode."""

    code = "episode_not_found"


class SeasonNotFound(NotFound):
    """No such season."""

    code = "season_not_found"


class CalendarTokenNotFound(NotFound):
    """No calendar feed at this address."""

    code = "calendar_not_found"


# --- models --------------------------------------------------------------------------


class EpisodeOut(Schema):
    id: int
    season_number: int
    number: int
    name: str
    air_date: date | None
    runtime_minutes: int | None
    average: float | None
    ratings: int
    watched: bool
    rating: float | None


class SeasonOut(Schema):
    number: int
    name: str
    air_date: date | None
    average: float | None
    ratings: int
    episodes: list[EpisodeOut]
    watched: int


class SeasonsOut(Schema):
    media_id: int
    seasons: list[SeasonOut]
    watched: int
    aired: int
    status: str | None


class SeasonPath(Schema):
    id: int = pydantic.Field(ge=1, le=2**63 - 1)
    number: int = pydantic.Field(ge=0, le=10_000)


class EpisodeRatingIn(Schema):
    rating: float = pydantic.Field(description="0.5 to 5 in half steps")


class TitleOut(Schema):
    id: int
    kind: str
    title: str
    slug: str
    year: int | None
    cover_url: str | None


class EpisodeRefOut(Schema):
    id: int
    season_number: int
    number: int
    name: str
    air_date: date | None


class UpNextOut(Schema):
    media: TitleOut
    episode: EpisodeRefOut
    watched: int
    aired: int
    last_watched_at: datetime | None


class UpNextPage(Schema):
    items: list[UpNextOut]


class CalendarQuery(Schema):
    from_: date | None = pydantic.Field(default=None, alias="from")
    to: date | None = None


class CalendarItemOut(Schema):
    date: date
    type: str  # "episode" or "release"
    media: TitleOut
    episode: EpisodeRefOut | None
    status: str


class CalendarOut(Schema):
    start: date
    end: date
    items: list[CalendarItemOut]


class CalendarTokenOut(Schema):
    token: str
    url: str


class CalendarFeedOut(Schema):
    """Whether the caller has a private iCal address (only its hash is kept: the address
    itself is shown once, when it is made)."""

    active: bool
    created_at: datetime | None


class FeedPath(Schema):
    token: str = pydantic.Field(min_length=16, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")


# --- reads ---------------------------------------------------------------------------


async def _series(conn: Any, media_id: int) -> None:
    kind = await catalog.media_exists(conn, media_id)
    if kind is None:
        raise catalog.MediaNotFound()
    if kind != "series":
        raise invalid_field("id", "only a series has episodes")


async def _today(conn: Any, user_id: int | None) -> date:
    """Today where the user lives (their profile's timezone; UTC for nobody): an episode
    has aired for them once its air date has come there."""
    zone = await identity.user_timezone(conn, user_id) if user_id is not None else "UTC"
    return datetime.now(ZoneInfo(zone)).date()


async def _progress(conn: Any, user_id: int, media_id: int, today: date) -> tuple[int, int]:
    """(aired episodes seen, aired episodes) of a series, specials left out."""
    row = await conn.fetchrow(
        "SELECT count(*) AS aired, count(v.episode_id) AS seen FROM episodes e"
        " LEFT JOIN episode_views v ON v.episode_id = e.id AND v.user_id = $1"
        " WHERE e.media_id = $2 AND e.season_number > 0"
        " AND e.air_date IS NOT NULL AND e.air_date <= $3",
        user_id,
        media_id,
        today,
    )
    return row["seen"], row["aired"]


async def seasons(db: asyncpg.Pool, media_id: int, user_id: int | None) -> SeasonsOut:
    async with db.acquire() as conn:
        await _series(conn, media_id)
        listed = await catalog.seasons_of(conn, media_id)
        stats = {
            row["episode_id"]: (row["n"], row["total"])
            for row in await conn.fetch(
                "SELECT r.episode_id, count(*) AS n, sum(r.half_stars) AS total"
                " FROM episode_ratings r JOIN episodes e ON e.id = r.episode_id"
                " WHERE e.media_id = $1 GROUP BY r.episode_id",
                media_id,
            )
        }
        seen: set[int] = set()
        mine: dict[int, int] = {}
        status = None
        if user_id is not None:
            seen = {
                row["episode_id"]
                for row in await conn.fetch(
                    "SELECT episode_id FROM episode_views WHERE user_id = $1 AND media_id = $2",
                    user_id,
                    media_id,
                )
            }
            mine = {
                row["episode_id"]: row["half_stars"]
                for row in await conn.fetch(
                    "SELECT r.episode_id, r.half_stars FROM episode_ratings r"
                    " JOIN episodes e ON e.id = r.episode_id"
                    " WHERE r.user_id = $1 AND e.media_id = $2",
                    user_id,
                    media_id,
                )
            }
            status = (await service.viewer_state(conn, user_id, media_id)).status
        watched, aired = (
            await _progress(conn, user_id, media_id, await _today(conn, user_id))
            if user_id
            else (0, 0)
        )
    out = []
    for season in listed:
        items = []
        count = total = 0
        for e in season.episodes:
            n, s = stats.get(e.id, (0, 0))
            count, total = count + n, total + s
            items.append(
                EpisodeOut(
                    id=e.id,
                    season_number=e.season_number,
                    number=e.number,
                    name=e.name,
                    air_date=e.air_date,
                    runtime_minutes=e.runtime_minutes,
                    average=rules.average(n, s),
                    ratings=n,
                    watched=e.id in seen,
                    rating=rules.stars(mine[e.id]) if e.id in mine else None,
                )
            )
        out.append(
            SeasonOut(
                number=season.number,
                name=season.name,
                air_date=season.air_date,
                average=rules.average(count, total),
                ratings=count,
                episodes=items,
                watched=sum(1 for item in items if item.watched),
            )
        )
    return SeasonsOut(media_id=media_id, seasons=out, watched=watched, aired=aired, status=status)


# --- writes --------------------------------------------------------------------------


async def _follow_status(conn: asyncpg.Connection, user_id: int, media_id: int) -> None:
    """Move the series' library status after episodes were marked or unmarked."""
    seen, aired = await _progress(conn, user_id, media_id, await _today(conn, user_id))
    current = (await service.viewer_state(conn, user_id, media_id)).status
    if aired and seen >= aired:
        wanted = "watched"
    elif seen:
        wanted = "watching"
    elif current in {"watching", "watched"}:
        wanted = "watchlist"
    else:
        return
    if current != wanted:
        await service.set_status_in(conn, user_id, media_id, "series", wanted)


async def _mark(
    db: asyncpg.Pool, user_id: int, media_id: int, episode_ids: list[int], seen: bool
) -> None:
    async with db.acquire() as conn, conn.transaction():
        if seen:
            await conn.executemany(
                "INSERT INTO episode_views (user_id, episode_id, media_id) VALUES ($1, $2, $3)"
                " ON CONFLICT DO NOTHING",
                [(user_id, episode_id, media_id) for episode_id in episode_ids],
            )
        else:
            await conn.execute(
                "DELETE FROM episode_views WHERE user_id = $1 AND episode_id = ANY($2::bigint[])",
                user_id,
                episode_ids,
            )
        await _follow_status(conn, user_id, media_id)


async def _episode(db: asyncpg.Pool, episode_id: int) -> catalog.Episode:
    episode = await catalog.get_episode(db, episode_id)
    if episode is None:
        raise EpisodeNotFound()
    return episode


async def _season_episodes(db: asyncpg.Pool, user_id: int, media_id: int, number: int) -> list[int]:
    """The season's episodes that have aired where the user lives."""
    await _series(db, media_id)
    rows = await db.fetch(
        "SELECT e.id FROM seasons s JOIN episodes e"
        " ON e.media_id = s.media_id AND e.season_number = s.number"
        " WHERE s.media_id = $1 AND s.number = $2"
        " AND e.air_date IS NOT NULL AND e.air_date <= $3",
        media_id,
        number,
        await _today(db, user_id),
    )
    if not rows and not await db.fetchval(
        "SELECT 1 FROM seasons WHERE media_id = $1 AND number = $2", media_id, number
    ):
        raise SeasonNotFound()
    return [row["id"] for row in rows]


# --- routes --------------------------------------------------------------------------


@api.get("/api/v1/media/{id}/episodes", path_params=IdPath, reply=SeasonsOut, auth="public")
async def list_episodes(request: web.Request, path: IdPath, user: Principal | None) -> SeasonsOut:
    """A series' seasons and episodes, with community averages and what the caller saw."""
    return await seasons(request.app[DB], path.id, user.user_id if user else None)


@api.put("/api/v1/episodes/{id}/watched", path_params=IdPath, reply=SeasonsOut)
async def watch_episode(request: web.Request, path: IdPath, user: Principal) -> SeasonsOut:
    """Mark an episode seen (the series' library status follows)."""
    db = request.app[DB]
    episode = await _episode(db, path.id)
    await _mark(db, user.user_id, episode.media_id, [episode.id], True)
    return await seasons(db, episode.media_id, user.user_id)


@api.delete("/api/v1/episodes/{id}/watched", path_params=IdPath, reply=SeasonsOut)
async def unwatch_episode(request: web.Request, path: IdPath, user: Principal) -> SeasonsOut:
    """Take an episode back to unseen."""
    db = request.app[DB]
    episode = await _episode(db, path.id)
    await _mark(db, user.user_id, episode.media_id, [episode.id], False)
    return await seasons(db, episode.media_id, user.user_id)


@api.put("/api/v1/media/{id}/seasons/{number}/watched", path_params=SeasonPath, reply=SeasonsOut)
async def watch_season(request: web.Request, path: SeasonPath, user: Principal) -> SeasonsOut:
    """Mark every aired episode of a season seen."""
    db = request.app[DB]
    ids = await _season_episodes(db, user.user_id, path.id, path.number)
    await _mark(db, user.user_id, path.id, ids, True)
    return await seasons(db, path.id, user.user_id)


@api.delete("/api/v1/media/{id}/seasons/{number}/watched", path_params=SeasonPath, reply=SeasonsOut)
async def unwatch_season(request: web.Request, path: SeasonPath, user: Principal) -> SeasonsOut:
    """Take every episode of a season back to unseen."""
    db = request.app[DB]
    ids = await _season_episodes(db, user.user_id, path.id, path.number)
    await _mark(db, user.user_id, path.id, ids, False)
    return await seasons(db, path.id, user.user_id)


@api.put("/api/v1/episodes/{id}/rating", path_params=IdPath, body=EpisodeRatingIn, reply=SeasonsOut)
async def rate_episode(
    request: web.Request, path: IdPath, body: EpisodeRatingIn, user: Principal
) -> SeasonsOut:
    """Rate an episode, 0.5 to 5 stars in half steps."""
    half = rules.half_stars(body.rating)
    if half is None:
        raise invalid_field("rating", "a rating is 0.5 to 5 stars in half steps")
    db = request.app[DB]
    episode = await _episode(db, path.id)
    await db.execute(
        "INSERT INTO episode_ratings (user_id, episode_id, half_stars) VALUES ($1, $2, $3)"
        " ON CONFLICT (user_id, episode_id) DO UPDATE SET half_stars = EXCLUDED.half_stars,"
        " rated_at = now()",
        user.user_id,
        episode.id,
        half,
    )
    return await seasons(db, episode.media_id, user.user_id)


@api.delete("/api/v1/episodes/{id}/rating", path_params=IdPath, reply=SeasonsOut)
async def unrate_episode(request: web.Request, path: IdPath, user: Principal) -> SeasonsOut:
    """Take an episode's rating back."""
    db = request.app[DB]
    episode = await _episode(db, path.id)
    await db.execute(
        "DELETE FROM episode_ratings WHERE user_id = $1 AND episode_id = $2",
        user.user_id,
        episode.id,
    )
    return await seasons(db, episode.media_id, user.user_id)


def _title(summary: catalog.MediaSummary) -> TitleOut:
    return TitleOut.model_validate(summary, from_attributes=True)


def _ref(e: catalog.Episode) -> EpisodeRefOut:
    return EpisodeRefOut(
        id=e.id, season_number=e.season_number, number=e.number, name=e.name, air_date=e.air_date
    )


@api.get("/api/v1/me/up-next", reply=UpNextPage)
async def up_next(request: web.Request, user: Principal) -> UpNextPage:
    """For each series the caller is watching, the next unseen aired episode, most
    recently active first."""
    db = request.app[DB]
    async with db.acquire() as conn:
        today = await _today(conn, user.user_id)
        rows = await conn.fetch(
            "SELECT l.media_id, l.updated_at,"
            " (SELECT max(watched_at) FROM episode_views v"
            "  WHERE v.user_id = l.user_id AND v.media_id = l.media_id) AS last_watched_at,"
            " nxt.id AS episode_id"
            " FROM library_entries l"
            " CROSS JOIN LATERAL (SELECT e.id FROM episodes e"
            "  WHERE e.media_id = l.media_id AND e.season_number > 0"
            "  AND e.air_date IS NOT NULL AND e.air_date <= $2"
            "  AND NOT EXISTS (SELECT 1 FROM episode_views v"
            "   WHERE v.user_id = l.user_id AND v.episode_id = e.id)"
            "  ORDER BY e.season_number, e.number LIMIT 1) nxt"
            " WHERE l.user_id = $1 AND l.kind = 'series' AND l.status = 'watching'"
            " ORDER BY greatest(l.updated_at, coalesce((SELECT max(watched_at)"
            "  FROM episode_views v WHERE v.user_id = l.user_id AND v.media_id = l.media_id),"
            "  l.updated_at)) DESC, l.media_id",
            user.user_id,
            today,
        )
        summaries = await catalog.media_summaries(conn, [row["media_id"] for row in rows])
        items = []
        for row in rows:
            if row["media_id"] not in summaries:
                continue
            episode = await catalog.get_episode(conn, row["episode_id"])
            assert episode is not None
            watched, aired = await _progress(conn, user.user_id, row["media_id"], today)
            items.append(
                UpNextOut(
                    media=_title(summaries[row["media_id"]]),
                    episode=_ref(episode),
                    watched=watched,
                    aired=aired,
                    last_watched_at=row["last_watched_at"],
                )
            )
    return UpNextPage(items=items)


async def calendar_items(
    db: asyncpg.Pool, user_id: int, start: date, end: date
) -> list[CalendarItemOut]:
    """Episodes and releases from ``start`` to ``end`` of the titles in the user's library
    (dropped ones left out), by date."""
    async with db.acquire() as conn:
        library = {
            row["media_id"]: row["status"]
            for row in await conn.fetch(
                "SELECT media_id, status FROM library_entries"
                " WHERE user_id = $1 AND status <> 'dropped'",
                user_id,
            )
        }
        ids = list(library)
        airing = await catalog.episodes_airing(conn, ids, start, end)
        releases = await catalog.releases_between(conn, ids, start, end)
        summaries = await catalog.media_summaries(
            conn, {e.media_id for e in airing} | {media_id for media_id, _ in releases}
        )
    items = [
        CalendarItemOut(
            date=e.air_date,  # type: ignore[arg-type]
            type="episode",
            media=_title(summaries[e.media_id]),
            episode=_ref(e),
            status=library[e.media_id],
        )
        for e in airing
        if e.media_id in summaries
    ] + [
        CalendarItemOut(
            date=released,
            type="release",
            media=_title(summaries[media_id]),
            episode=None,
            status=library[media_id],
        )
        for media_id, released in releases
        if media_id in summaries
    ]
    items.sort(key=lambda item: (item.date, item.media.id, item.type))
    return items


def _window(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    start = start or today
    end = end or start + timedelta(days=30)
    if end < start:
        raise invalid_field("to", "the end of the calendar comes after its start")
    if (end - start).days > CALENDAR_MAX_DAYS:
        raise invalid_field("to", f"a calendar covers at most {CALENDAR_MAX_DAYS} days")
    return start, end


@api.get("/api/v1/me/calendar", query=CalendarQuery, reply=CalendarOut)
async def calendar(request: web.Request, query: CalendarQuery, user: Principal) -> CalendarOut:
    """Upcoming episodes and releases of the titles in the caller's library (``from`` to
    ``to``, inclusive; today and 30 days by default)."""
    db = request.app[DB]
    start, end = _window(query.from_, query.to, await _today(db, user.user_id))
    items = await calendar_items(db, user.user_id, start, end)
    return CalendarOut(start=start, end=end, items=items)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _feed_url(request: web.Request, token: str) -> str:
    """The feed's address on the configured public URL (not the request's Host header,
    which a client chooses)."""
    base = request.app[SETTINGS].public_url.rstrip("/")
    return f"{base}/api/v1/calendar/{token}.ics"


@api.get("/api/v1/me/calendar/token", reply=CalendarFeedOut)
async def calendar_token(request: web.Request, user: Principal) -> CalendarFeedOut:
    """Whether the caller has a private iCal address, and since when."""
    created = await request.app[DB].fetchval(
        "SELECT created_at FROM calendar_tokens WHERE user_id = $1", user.user_id
    )
    return CalendarFeedOut(active=created is not None, created_at=created)


@api.post("/api/v1/me/calendar/token", reply=CalendarTokenOut, status=201)
async def rotate_calendar_token(request: web.Request, user: Principal) -> CalendarTokenOut:
    """Create the caller's private iCal address, or replace it (the old one stops working)."""
    token = secrets.token_urlsafe(24)
    await request.app[DB].execute(
        "INSERT INTO calendar_tokens (user_id, token_hash) VALUES ($1, $2)"
        " ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash,"
        " created_at = now()",
        user.user_id,
        _hash(token),
    )
    return CalendarTokenOut(token=token, url=_feed_url(request, token))


@api.delete("/api/v1/me/calendar/token", status=204)
async def revoke_calendar_token(request: web.Request, user: Principal) -> None:
    """Revoke the caller's iCal address."""
    await request.app[DB].execute("DELETE FROM calendar_tokens WHERE user_id = $1", user.user_id)


def ical(items: list[CalendarItemOut]) -> bytes:
    """The calendar as an RFC 5545 document: one all-day event per episode or release."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Metacult//Release calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Metacult")
    stamp = datetime.now(UTC)
    for item in items:
        event = icalendar.Event()
        if item.episode is not None:
            code = f"S{item.episode.season_number:02d}E{item.episode.number:02d}"
            event.add("summary", f"{item.media.title} {code} {item.episode.name}".strip())
            event.add("uid", f"episode-{item.episode.id}@metacult")
        else:
            event.add("summary", item.media.title)
            event.add("uid", f"release-{item.media.id}@metacult")
        event.add("dtstart", item.date)
        event.add("dtend", item.date + timedelta(days=1))
        event.add("dtstamp", stamp)
        event.add("url", f"/{item.media.kind}s/{item.media.slug}")
        cal.add_component(event)
    return cal.to_ical()


@api.get(
    "/api/v1/calendar/{token}.ics", path_params=FeedPath, auth="public", stream="text/calendar"
)
async def calendar_feed(request: web.Request, path: FeedPath) -> web.Response:
    """The private iCal feed (no session: the address is the key), from 30 days ago to a
    year ahead."""
    db = request.app[DB]
    user_id = await db.fetchval(
        "SELECT user_id FROM calendar_tokens WHERE token_hash = $1", _hash(path.token)
    )
    if user_id is None:
        raise CalendarTokenNotFound()
    today = await _today(db, user_id)
    items = await calendar_items(
        db, user_id, today - timedelta(days=30), today + timedelta(days=335)
    )
    return web.Response(
        body=ical(items),
        content_type="text/calendar",
        charset="utf-8",
        headers={"Cache-Control": "private, max-age=900"},
    )


def setup(app: web.Application) -> None:
    api.register(app)


async def welcome_new_season(conn: asyncpg.Connection, media_id: int) -> list[int]:
    """The users who follow a series (in their library, not dropped, or with episodes
    seen): the series goes back to "watching" for them; their ids."""
    rows = await conn.fetch(
        "SELECT user_id, status FROM library_entries WHERE media_id = $1 AND status <> 'dropped'"
        " UNION SELECT DISTINCT v.user_id, NULL FROM episode_views v WHERE v.media_id = $1"
        " AND NOT EXISTS (SELECT 1 FROM library_entries l"
        "  WHERE l.user_id = v.user_id AND l.media_id = $1)",
        media_id,
    )
    users = sorted({row["user_id"] for row in rows})
    for user_id in users:
        await service.set_status_in(conn, user_id, media_id, "series", "watching")
    return users


async def forget_user(conn: asyncpg.Connection, user_id: int) -> None:
    """A deleted account: its episodes seen and rated, and its iCal address, go."""
    for table in ("episode_views", "episode_ratings", "calendar_tokens"):
        await conn.execute(f"DELETE FROM {table} WHERE user_id = $1", user_id)


async def export_user_data(conn: asyncpg.Connection, user_id: int) -> dict[str, Any]:
    """The account's episodes seen and rated (its export)."""
    seen = await conn.fetch(
        "SELECT episode_id, watched_at FROM episode_views WHERE user_id = $1 ORDER BY episode_id",
        user_id,
    )
    rated = await conn.fetch(
        "SELECT episode_id, half_stars FROM episode_ratings WHERE user_id = $1 ORDER BY episode_id",
        user_id,
    )
    return {
        "episodes_seen": [
            {"episode_id": r["episode_id"], "watched_at": r["watched_at"].isoformat()} for r in seen
        ],
        "episode_ratings": [
            {"episode_id": r["episode_id"], "rating": r["half_stars"] / 2} for r in rated
        ],
    }
