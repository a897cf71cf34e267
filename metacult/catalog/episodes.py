"""A series' seasons and episodes: fetched from TMDB (``/tv/{id}`` lists the seasons,
``/tv/{id}/season/{n}`` their episodes), saved by the importer, read by title pages.

Saving is an upsert by (series, season, episode number): importing twice changes nothing.
A season that appears on a refresh of a series that already had seasons emits
``catalog.season_added`` (the interaction actor brings its followers back to "watching").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from metacult.catalog.events import SEASON_ADDED, SeasonPayload
from metacult.catalog.store import Conn
from metacult.infra.events import emit


@dataclass(frozen=True)
class EpisodeDraft:
    number: int
    name: str
    air_date: date | None
    runtime_minutes: int | None
    tmdb_id: int | None


@dataclass(frozen=True)
class SeasonDraft:
    number: int
    name: str
    air_date: date | None
    episodes: tuple[EpisodeDraft, ...]


@dataclass(frozen=True)
class Episode:
    id: int
    media_id: int
    season_number: int
    number: int
    name: str
    air_date: date | None
    runtime_minutes: int | None


@dataclass(frozen=True)
class Season:
    number: int
    name: str
    air_date: date | None
    episodes: tuple[Episode, ...]


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def season_draft(answer: dict[str, Any]) -> SeasonDraft:
    """A ``/tv/{id}/season/{n}`` answer as a draft."""
    episodes = tuple(
        EpisodeDraft(
            number=int(item["episode_number"]),
            name=(item.get("name") or "").strip(),
            air_date=_date(item.get("air_date")),
            runtime_minutes=item.get("runtime") if (item.get("runtime") or 0) > 0 else None,
            tmdb_id=item.get("id"),
        )
        for item in answer.get("episodes") or []
    )
    return SeasonDraft(
        number=int(answer["season_number"]),
        name=(answer.get("name") or "").strip(),
        air_date=_date(answer.get("air_date")),
        episodes=episodes,
    )


async def fetch_seasons(client: Any, details: dict[str, Any]) -> list[SeasonDraft]:
    """Every season listed by a ``/tv/{id}`` answer, with its episodes (specials too)."""
    drafts = []
    for season in details.get("seasons") or []:
        answer = await client.get(
            f"/tv/{int(details['id'])}/season/{int(season['season_number'])}", language="en-US"
        )
        drafts.append(season_draft(answer))
    return drafts


async def save_seasons(
    conn: asyncpg.Connection, media_id: int, seasons: list[SeasonDraft]
) -> list[int]:
    """Upsert a series' seasons and episodes in the caller's transaction; the numbers of
    the seasons new to a series that already had some (each emits ``SEASON_ADDED``)."""
    known = {
        row["number"]
        for row in await conn.fetch("SELECT number FROM seasons WHERE media_id = $1", media_id)
    }
    added = []
    for season in seasons:
        await conn.execute(
            "INSERT INTO seasons (media_id, number, name, air_date, episode_count)"
            " VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (media_id, number) DO UPDATE SET name = EXCLUDED.name,"
            " air_date = EXCLUDED.air_date, episode_count = EXCLUDED.episode_count"
            " WHERE (seasons.name, seasons.air_date, seasons.episode_count)"
            " IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.air_date, EXCLUDED.episode_count)",
            media_id,
            season.number,
            season.name,
            season.air_date,
            len(season.episodes),
        )
        if season.episodes:
            await conn.executemany(
                "INSERT INTO episodes"
                " (media_id, season_number, number, name, air_date, runtime_minutes, tmdb_id)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT (media_id, season_number, number) DO UPDATE SET"
                " name = EXCLUDED.name, air_date = EXCLUDED.air_date,"
                " runtime_minutes = EXCLUDED.runtime_minutes, tmdb_id = EXCLUDED.tmdb_id"
                " WHERE (episodes.name, episodes.air_date, episodes.runtime_minutes)"
                " IS DISTINCT FROM"
                " (EXCLUDED.name, EXCLUDED.air_date, EXCLUDED.runtime_minutes)",
                [
                    (
                        media_id,
                        season.number,
                        e.number,
                        e.name,
                        e.air_date,
                        e.runtime_minutes,
                        e.tmdb_id,
                    )
                    for e in season.episodes
                ],
            )
        if known and season.number not in known and season.number > 0:
            added.append(season.number)
            await emit(
                conn, SEASON_ADDED, SeasonPayload(media_id=media_id, season_number=season.number)
            )
    return added


def _episode(row: Any) -> Episode:
    return Episode(
        id=row["id"],
        media_id=row["media_id"],
        season_number=row["season_number"],
        number=row["number"],
        name=row["name"],
        air_date=row["air_date"],
        runtime_minutes=row["runtime_minutes"],
    )


async def seasons_of(conn: Conn, media_id: int) -> list[Season]:
    """A series' seasons in order, each with its episodes in order."""
    season_rows = await conn.fetch(
        "SELECT number, name, air_date FROM seasons WHERE media_id = $1 ORDER BY number",
        media_id,
    )
    episode_rows = await conn.fetch(
        "SELECT * FROM episodes WHERE media_id = $1 ORDER BY season_number, number", media_id
    )
    by_season: dict[int, list[Episode]] = {}
    for row in episode_rows:
        by_season.setdefault(row["season_number"], []).append(_episode(row))
    return [
        Season(row["number"], row["name"], row["air_date"], tuple(by_season.get(row["number"], [])))
        for row in season_rows
    ]


async def get_episode(conn: Conn, episode_id: int) -> Episode | None:
    row = await conn.fetchrow("SELECT * FROM episodes WHERE id = $1", episode_id)
    return _episode(row) if row else None


async def episodes_airing(
    conn: Conn, media_ids: list[int], start: date, end: date
) -> list[Episode]:
    """Episodes of these series airing from ``start`` to ``end`` (inclusive), by date."""
    rows = await conn.fetch(
        "SELECT * FROM episodes WHERE media_id = ANY($1::bigint[])"
        " AND air_date BETWEEN $2 AND $3 ORDER BY air_date, media_id, season_number, number",
        media_ids,
        start,
        end,
    )
    return [_episode(row) for row in rows]


async def releases_between(
    conn: Conn, media_ids: list[int], start: date, end: date
) -> list[tuple[int, date]]:
    """(title id, release date) of these titles released from ``start`` to ``end``."""
    rows = await conn.fetch(
        "SELECT id, release_date FROM media WHERE id = ANY($1::bigint[])"
        " AND release_date BETWEEN $2 AND $3 ORDER BY release_date, id",
        media_ids,
        start,
        end,
    )
    return [(row["id"], row["release_date"]) for row in rows]
