"""History import with a preview, and the history export.

An upload is read at once (:mod:`import_formats`; a file that cannot be read is refused
and nothing is stored); its rows are stored with their line numbers and the
``HISTORY_IMPORT_UPLOADED`` event starts the actor that matches each row to a title:
external ids first, then title + year with a confidence score. ``matched`` rows
(confidence ≥ 0.9) and ``doubtful`` ones are shown with their title, ``unmatched`` and
``invalid`` ones with their line and problem; the user picks another title for a row or
drops it, then confirms. Confirming writes through interaction's normal paths (diary,
ratings, statuses, likes, reviews, lists: their events and counters follow), each write
under an idempotent key, so that confirming twice or importing the same history again
writes nothing twice.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from metacult import catalog
from metacult.config import Settings
from metacult.infra.errors import Conflict, NotFound, invalid_field
from metacult.infra.events import emit
from metacult.interaction import diary, events, lists, rules, service
from metacult.interaction.import_formats import Row

MATCHED = 0.9
DOUBTFUL = 0.5
SOURCES = ("letterboxd", "backloggd", "trakt", "steam")


class ImportNotFound(NotFound):
    """No such import."""

    code = "import_not_found"


class AlreadyConfirmed(Conflict):
    """This import is confirmed: its rows can no longer change."""

    code = "import_confirmed"


class StillMatching(Conflict):
    """The rows are still being matched; confirm once the preview is ready."""

    code = "import_not_ready"


# --- upload ---------------------------------------------------------------------------


async def create(
    db: asyncpg.Pool,
    user_id: int,
    source: str,
    rows: list[Row],
    digest_of: bytes,
    steam_id: str | None = None,
) -> int:
    """Store an import and its rows (all or nothing) and start matching them."""
    digest = hashlib.sha256(digest_of).hexdigest()
    async with db.acquire() as conn, conn.transaction():
        import_id = await conn.fetchval(
            "INSERT INTO history_imports (user_id, source, digest, steam_id) "
            "VALUES ($1, $2, $3, $4) RETURNING id",
            user_id,
            source,
            digest,
            steam_id,
        )
        await store_rows(conn, import_id, rows)
        await emit(
            conn,
            events.HISTORY_IMPORT_UPLOADED,
            events.HistoryImportPayload(import_id=import_id, user_id=user_id, source=source),
        )
    return import_id


async def store_rows(conn: asyncpg.Connection, import_id: int, rows: list[Row]) -> None:
    await conn.executemany(
        "INSERT INTO history_import_rows "
        "(import_id, position, file, line, action, kind, title, year, data, state, problem) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11)",
        [
            (
                import_id,
                position,
                row.file,
                row.line,
                row.action,
                row.kind,
                row.title.replace("\x00", "")[:500],
                row.year,
                json.dumps(row.data).replace("\\u0000", ""),
                "invalid" if row.problem else "pending",
                row.problem and row.problem.replace("\x00", ""),
            )
            for position, row in enumerate(rows, start=1)
        ],
    )


# --- matching -------------------------------------------------------------------------


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if c.isalnum() or c.isspace())
    return " ".join(kept.split())


@dataclass(frozen=True, slots=True)
class Match:
    media_id: int | None
    confidence: float

    @property
    def state(self) -> str:
        if self.media_id is None:
            return "unmatched"
        return "matched" if self.confidence >= MATCHED else "doubtful"


async def match_row(conn: asyncpg.Connection, row: asyncpg.Record) -> Match:
    """External ids first, then the title and year, scored."""
    data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    kind, title, year = row["kind"], row["title"], row["year"]
    tmdb, imdb = _external_ids(data)
    if (tmdb is not None or imdb is not None) and kind in ("film", "series"):
        found = await catalog.find_by_external_id(conn, kind, tmdb_id=tmdb, imdb_id=imdb)
        if found:
            return Match(found, 1.0)
    wanted = fold(title)
    if not wanted:
        return Match(None, 0.0)
    candidates = await conn.fetch(
        "SELECT id, title, original_title, year, popularity FROM media WHERE kind = $1 AND "
        "(title_key = text_fold($2) OR text_fold(coalesce(original_title, '')) = "
        "text_fold($2) OR (left(title_key, 3) = left(text_fold($2), 3) "
        "AND ($3::int IS NULL OR year BETWEEN $3 - 1 AND $3 + 1))) "
        "ORDER BY popularity DESC, id LIMIT 200",
        kind,
        title,
        year,
    )
    best = Match(None, 0.0)
    scored = [
        (
            candidate,
            max(
                difflib.SequenceMatcher(None, wanted, fold(name)).ratio()
                for name in (candidate["title"], candidate["original_title"] or "")
            ),
        )
        for candidate in candidates
    ]
    # The titles spelled exactly so: one alone is likely the right one even without a year.
    exact = sum(1 for _, similarity in scored if similarity == 1)
    for candidate, similarity in scored:
        if similarity < 1:
            # A title spelled otherwise is never sure, however close.
            similarity *= 0.85
        if year is None or candidate["year"] is None:
            # No year to compare: a sure title is still only likely the right one.
            score = similarity * (0.9 if exact == 1 and similarity == 1 else 0.8)
        elif candidate["year"] == year:
            score = similarity
        elif abs(candidate["year"] - year) == 1:
            score = similarity * 0.8
        else:
            score = similarity * 0.5
        if score > best.confidence:
            best = Match(candidate["id"], round(score, 3))
    if best.confidence < DOUBTFUL:
        return Match(None, best.confidence)
    return best


def _external_ids(data: dict[str, Any]) -> tuple[int | None, str | None]:
    """A row's TMDB id and IMDb id (``tt…``), each None when absent or malformed."""
    tmdb, imdb = data.get("tmdb"), data.get("imdb")
    return (
        tmdb if isinstance(tmdb, int) and not isinstance(tmdb, bool) else None,
        catalog.imdb_id(imdb),
    )


async def _import_missing(db: asyncpg.Pool, settings: Settings, row: Any) -> Match | None:
    """The title of a row with a TMDB id (else an IMDb id) the catalogue lacks, imported
    from TMDB (when it is configured); None when there is nothing to import or TMDB
    cannot give it."""
    data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    tmdb, imdb = _external_ids(data)
    if not settings.tmdb_token or row["kind"] not in ("film", "series"):
        return None
    try:
        if tmdb is not None:
            media_id = await catalog.import_from_provider(db, settings, "tmdb", row["kind"], tmdb)
        elif imdb is not None:
            media_id = await catalog.import_by_imdb_id(db, settings, row["kind"], imdb)
        else:
            return None
    except catalog.ProviderError:
        return None
    return None if media_id is None else Match(media_id, 1.0)


async def match_all(
    db: asyncpg.Pool, import_id: int, progress: Any, settings: Settings | None = None
) -> dict[str, Any]:
    """Match every pending row of an import; ``progress(summary)`` is awaited as it goes.
    With ``settings`` and TMDB configured, a row carrying a TMDB id the catalogue lacks
    imports that title from TMDB."""
    async with db.acquire() as conn:
        pending = await conn.fetch(
            "SELECT * FROM history_import_rows WHERE import_id = $1 AND state = 'pending' "
            "ORDER BY position",
            import_id,
        )
        done = 0
        for chunk_start in range(0, len(pending), 100):
            chunk = pending[chunk_start : chunk_start + 100]
            results = []
            for row in chunk:
                found = await match_row(conn, row)
                if found.media_id is None and settings is not None:
                    found = await _import_missing(db, settings, row) or found
                results.append((row["position"], found))
            async with conn.transaction():
                await conn.executemany(
                    "UPDATE history_import_rows SET media_id = $3, confidence = $4, state = $5 "
                    "WHERE import_id = $1 AND position = $2 AND state = 'pending'",
                    [(import_id, p, m.media_id, m.confidence, m.state) for p, m in results],
                )
            done += len(chunk)
            await progress(await summary(conn, import_id))
        await conn.execute(
            "UPDATE history_imports SET state = 'ready' WHERE id = $1 AND state = 'matching'",
            import_id,
        )
        return await summary(conn, import_id)


async def summary(conn: asyncpg.Connection, import_id: int) -> dict[str, Any]:
    head = await conn.fetchrow(
        "SELECT id, user_id, source, state FROM history_imports WHERE id = $1", import_id
    )
    counts = {
        r["state"]: r["n"]
        for r in await conn.fetch(
            "SELECT state, count(*) AS n FROM history_import_rows WHERE import_id = $1 "
            "GROUP BY state",
            import_id,
        )
    }
    total = sum(counts.values())
    return {
        "import_id": import_id,
        "user_id": head["user_id"],
        "source": head["source"],
        "state": head["state"],
        "total": total,
        "done": total - counts.get("pending", 0),
        "counts": {
            state: counts.get(state, 0)
            for state in ("pending", "matched", "doubtful", "unmatched", "invalid", "dropped")
        },
    }


# --- preview, fixes -------------------------------------------------------------------


async def _own(conn: asyncpg.Connection, user_id: int, import_id: int, lock: bool = False):  # type: ignore[no-untyped-def]
    head = await conn.fetchrow(
        "SELECT * FROM history_imports WHERE id = $1" + (" FOR UPDATE" if lock else ""),
        import_id,
    )
    if head is None or head["user_id"] != user_id:
        raise ImportNotFound()
    return head


async def preview(db: asyncpg.Pool, user_id: int, import_id: int) -> dict[str, Any]:
    """The import's state, counts and rows, each with its line and matched title."""
    # One snapshot: read apart, the head (its problem) and the counts (its status) could
    # straddle the actor's commit and show a failed import without its reason.
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        head = await _own(conn, user_id, import_id)
        rows = await conn.fetch(
            "SELECT r.*, m.title AS media_title, m.year AS media_year, m.slug AS media_slug "
            "FROM history_import_rows r LEFT JOIN media m ON m.id = r.media_id "
            "WHERE r.import_id = $1 ORDER BY r.position",
            import_id,
        )
        shown = await summary(conn, import_id)
    shown["problem"] = head["problem"]
    shown["created_at"] = head["created_at"]
    shown["rows"] = [
        {
            "position": r["position"],
            "file": r["file"],
            "line": r["line"],
            "action": r["action"],
            "kind": r["kind"],
            "title": r["title"],
            "year": r["year"],
            "state": r["state"],
            "confidence": r["confidence"],
            "problem": r["problem"],
            "media": None
            if r["media_id"] is None
            else {
                "id": r["media_id"],
                "title": r["media_title"],
                "year": r["media_year"],
                "slug": r["media_slug"],
            },
        }
        for r in rows
    ]
    return shown


async def fix_row(
    db: asyncpg.Pool,
    user_id: int,
    import_id: int,
    position: int,
    *,
    media_id: int | None,
    drop: bool,
) -> None:
    """Pick another title for a row (it becomes matched), or drop it (or take it back)."""
    async with db.acquire() as conn, conn.transaction():
        head = await _own(conn, user_id, import_id, lock=True)
        if head["state"] == "confirmed":
            raise AlreadyConfirmed()
        row = await conn.fetchrow(
            "SELECT * FROM history_import_rows WHERE import_id = $1 AND position = $2",
            import_id,
            position,
        )
        if row is None:
            raise NotFound("No such row in this import.", code="import_row_not_found")
        if drop:
            await conn.execute(
                "UPDATE history_import_rows SET state = 'dropped' "
                "WHERE import_id = $1 AND position = $2",
                import_id,
                position,
            )
            return
        if media_id is None:
            raise invalid_field("media_id", "pick a title, or drop the row")
        if row["state"] == "invalid":
            raise invalid_field("media_id", f"line {row['line']} cannot be read: {row['problem']}")
        kind = await conn.fetchval("SELECT kind FROM media WHERE id = $1", media_id)
        if kind is None:
            raise invalid_field("media_id", "no such title")
        if kind != row["kind"] and not (row["kind"] in ("film", "series") and kind != "game"):
            raise invalid_field("media_id", f"this row is about a {row['kind']}")
        await conn.execute(
            "UPDATE history_import_rows SET media_id = $3, kind = $4, confidence = 1, "
            "state = 'matched' WHERE import_id = $1 AND position = $2",
            import_id,
            position,
            media_id,
            kind,
        )


# --- confirm --------------------------------------------------------------------------

# The order rows are written in: a status before the diary that moves it on, a rating last.
ORDER = {
    "watchlist": 0,
    "status": 1,
    "watched": 2,
    "diary": 3,
    "review": 4,
    "rating": 5,
    "like": 6,
    "list": 7,
}


async def _once(conn: asyncpg.Connection, user_id: int, key: str, import_id: int) -> bool:
    """Claim an idempotent key for this user: False when an import wrote it already."""
    claimed = await conn.fetchval(
        "INSERT INTO history_import_keys (user_id, key, import_id) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING RETURNING true",
        user_id,
        key,
        import_id,
    )
    return bool(claimed)


async def _apply(
    conn: asyncpg.Connection, user_id: int, import_id: int, row: asyncpg.Record
) -> int:
    """Write one row; how many things it wrote (0 when all were there already)."""
    data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    media_id, kind, action = row["media_id"], row["kind"], row["action"]
    written = 0

    async def once(key: str) -> bool:
        nonlocal written
        if await _once(conn, user_id, f"{action}:{media_id}:{key}", import_id):
            written += 1
            return True
        return False

    rating = data.get("rating")
    if action == "watchlist":
        if await once("") and await _status(conn, user_id, media_id) is None:
            await service.set_status_in(
                conn, user_id, media_id, kind, "wishlist" if kind == "game" else "watchlist"
            )
    elif action == "watched":
        if await once(""):
            await service.set_status_in(
                conn, user_id, media_id, kind, "completed" if kind == "game" else "watched"
            )
    elif action == "status":
        if await once(data["status"]):
            await service.set_status_in(conn, user_id, media_id, kind, data["status"])
        day = data.get("day")
        if day and data.get("status") in ("completed", "dropped") and await once(f"day:{day}"):
            await diary.log_in(
                conn,
                user_id,
                media_id,
                diary.Session(day=date.fromisoformat(day), outcome=data.get("outcome")),
            )
    elif action == "diary":
        if await once(f"{data['day']}:{data.get('rewatch', False)}"):
            await diary.log_in(
                conn,
                user_id,
                media_id,
                diary.Session(
                    day=date.fromisoformat(data["day"]),
                    rating=rating,
                    replay=bool(data.get("rewatch")),
                ),
            )
    elif action == "review":
        if await once(hashlib.sha256(data["review"].encode()).hexdigest()[:16]):
            body = data["review"][: rules.REVIEW_MAX_CHARS]
            await service.write_review_in(conn, user_id, media_id, kind, body, False)
    elif action == "like" and await once(""):
        await service.like_in(conn, user_id, media_id, kind)
    if rating is not None and action in ("rating", "review", "status"):
        half = rules.half_stars(rating)
        if half is not None and await once(f"rating:{half}"):
            await service.rate_in(conn, user_id, media_id, kind, half)
    return written


async def _status(conn: asyncpg.Connection, user_id: int, media_id: int) -> str | None:
    return await conn.fetchval(
        "SELECT status FROM library_entries WHERE user_id = $1 AND media_id = $2",
        user_id,
        media_id,
    )


async def confirm(db: asyncpg.Pool, user_id: int, import_id: int) -> dict[str, Any]:
    """Write the matched and doubtful rows (not the dropped ones); a second confirm, or the
    same rows from another import, write nothing again."""
    list_rows: list[asyncpg.Record] = []
    async with db.acquire() as conn, conn.transaction():
        head = await _own(conn, user_id, import_id, lock=True)
        if head["state"] == "matching":
            raise StillMatching()
        if head["state"] == "confirmed":
            shown = await summary(conn, import_id)
            shown["written"] = 0
            return shown
        rows = await conn.fetch(
            "SELECT * FROM history_import_rows WHERE import_id = $1 "
            "AND state IN ('matched', 'doubtful') AND media_id IS NOT NULL ORDER BY position",
            import_id,
        )
        written = 0
        for row in sorted(rows, key=lambda r: (ORDER.get(r["action"], 9), r["position"])):
            if row["action"] == "list":
                list_rows.append(row)
                continue
            written += await _apply(conn, user_id, import_id, row)
        await conn.execute(
            "UPDATE history_imports SET state = 'confirmed', confirmed_at = now() WHERE id = $1",
            import_id,
        )
        await emit(
            conn,
            events.HISTORY_IMPORT_CONFIRMED,
            events.HistoryImportPayload(
                import_id=import_id, user_id=user_id, source=head["source"]
            ),
        )
    written += await _write_lists(db, user_id, import_id, list_rows)
    async with db.acquire() as conn:
        shown = await summary(conn, import_id)
    shown["written"] = written
    return shown


async def _write_lists(
    db: asyncpg.Pool, user_id: int, import_id: int, rows: list[asyncpg.Record]
) -> int:
    """Lists go through the lists' own paths (each its own transaction); a list imported
    once is found again by its key, and an entry already in it is left as it is."""
    written = 0
    by_name: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
        by_name.setdefault(data["list"], []).append(row)
    for name, entries in by_name.items():
        async with db.acquire() as conn:
            list_id = await conn.fetchval(
                "SELECT l.id FROM history_import_keys k JOIN lists l "
                "ON l.id = substring(k.key from 6)::bigint "
                "WHERE k.user_id = $1 AND k.key LIKE 'list:%' AND l.name = $2 LIMIT 1",
                user_id,
                name[:200],
            )
        if list_id is None:
            created = await lists.create(db, user_id, name[:200], "", False, "private")
            list_id = created.id
            async with db.acquire() as conn:
                await _once(conn, user_id, f"list:{list_id}", import_id)
            written += 1
        for row in entries:
            async with db.acquire() as conn, conn.transaction():
                fresh = await _once(conn, user_id, f"entry:{list_id}:{row['media_id']}", import_id)
            if fresh:
                await lists.put_entry(
                    db, list_id, user_id, row["media_id"], note=None, position=None
                )
                written += 1
    return written


# --- export ---------------------------------------------------------------------------


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue().encode()


def _stars(half: int | None) -> Any:
    if not half:
        return None
    stars = half / 2
    return int(stars) if stars == int(stars) else stars


async def export(db: asyncpg.Pool, user_id: int, public_url: str, fmt: str) -> bytes:
    """A ZIP of the user's history: Letterboxd's CSV layout (films), or every kind."""
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        kinds = ["film"] if fmt == "letterboxd" else ["film", "series", "game"]
        q = (
            "SELECT m.title, m.year, m.slug, m.kind, x.* FROM {table} x "
            "JOIN media m ON m.id = x.media_id WHERE x.user_id = $1 AND x.kind = ANY($2) "
            "ORDER BY {order}"
        )
        diary_rows = await conn.fetch(
            q.format(table="diary_entries", order="x.day, x.id"), user_id, kinds
        )
        ratings = await conn.fetch(q.format(table="ratings", order="x.created_at"), user_id, kinds)
        library = await conn.fetch(
            q.format(table="library_entries", order="x.created_at"), user_id, kinds
        )
        likes = await conn.fetch(q.format(table="likes", order="x.created_at"), user_id, kinds)
        reviews = await conn.fetch(
            q.format(table="reviews", order="x.created_at").replace(
                "WHERE", "WHERE x.hidden_at IS NULL AND"
            ),
            user_id,
            kinds,
        )
    base = public_url.rstrip("/")

    def uri(row: asyncpg.Record) -> str:
        return f"{base}/titles/{row['slug']}"

    def day(value: Any) -> str:
        return value.date().isoformat() if hasattr(value, "date") else value.isoformat()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if fmt == "letterboxd":
            common = ["Date", "Name", "Year", "Letterboxd URI"]
            archive.writestr(
                "diary.csv",
                _csv(
                    [*common, "Rating", "Rewatch", "Tags", "Watched Date"],
                    [
                        [
                            day(r["created_at"]),
                            r["title"],
                            r["year"],
                            uri(r),
                            _stars(r["half_stars"]),
                            "Yes" if r["replay"] else None,
                            None,
                            r["day"].isoformat(),
                        ]
                        for r in diary_rows
                    ],
                ),
            )
            archive.writestr(
                "ratings.csv",
                _csv(
                    [*common, "Rating"],
                    [
                        [
                            day(r["created_at"]),
                            r["title"],
                            r["year"],
                            uri(r),
                            _stars(r["half_stars"]),
                        ]
                        for r in ratings
                    ],
                ),
            )
            for name, status in (("watched.csv", "watched"), ("watchlist.csv", "watchlist")):
                archive.writestr(
                    name,
                    _csv(
                        common,
                        [
                            [day(r["created_at"]), r["title"], r["year"], uri(r)]
                            for r in library
                            if r["status"] == status
                        ],
                    ),
                )
            archive.writestr(
                "reviews.csv",
                _csv(
                    [*common, "Rating", "Rewatch", "Review", "Tags", "Watched Date"],
                    [
                        [
                            day(r["created_at"]),
                            r["title"],
                            r["year"],
                            uri(r),
                            None,
                            None,
                            r["body"],
                            None,
                            day(r["created_at"]),
                        ]
                        for r in reviews
                    ],
                ),
            )
            archive.writestr(
                "likes/films.csv",
                _csv(
                    common, [[day(r["created_at"]), r["title"], r["year"], uri(r)] for r in likes]
                ),
            )
        else:
            rated = {r["media_id"]: _stars(r["half_stars"]) for r in ratings}
            liked = {r["media_id"] for r in likes}
            archive.writestr(
                "library.csv",
                _csv(
                    ["kind", "title", "year", "url", "status", "rating", "liked", "added"],
                    [
                        [
                            r["kind"],
                            r["title"],
                            r["year"],
                            uri(r),
                            r["status"],
                            rated.get(r["media_id"]),
                            "yes" if r["media_id"] in liked else "no",
                            day(r["created_at"]),
                        ]
                        for r in library
                    ],
                ),
            )
            archive.writestr(
                "ratings.csv",
                _csv(
                    ["kind", "title", "year", "url", "rating", "rated"],
                    [
                        [
                            r["kind"],
                            r["title"],
                            r["year"],
                            uri(r),
                            _stars(r["half_stars"]),
                            day(r["created_at"]),
                        ]
                        for r in ratings
                    ],
                ),
            )
            archive.writestr(
                "likes.csv",
                _csv(
                    ["kind", "title", "year", "url", "liked"],
                    [
                        [r["kind"], r["title"], r["year"], uri(r), day(r["created_at"])]
                        for r in likes
                    ],
                ),
            )
            archive.writestr(
                "diary.csv",
                _csv(
                    [
                        "kind",
                        "title",
                        "year",
                        "url",
                        "date",
                        "rating",
                        "replay",
                        "platform",
                        "outcome",
                        "liked",
                    ],
                    [
                        [
                            r["kind"],
                            r["title"],
                            r["year"],
                            uri(r),
                            r["day"].isoformat(),
                            _stars(r["half_stars"]),
                            "yes" if r["replay"] else "no",
                            r["platform"],
                            r["outcome"],
                            "yes" if r["liked"] else "no",
                        ]
                        for r in diary_rows
                    ],
                ),
            )
            archive.writestr(
                "reviews.csv",
                _csv(
                    ["kind", "title", "year", "url", "review", "spoiler", "written"],
                    [
                        [
                            r["kind"],
                            r["title"],
                            r["year"],
                            uri(r),
                            r["body"],
                            "yes" if r["spoiler"] else "no",
                            day(r["created_at"]),
                        ]
                        for r in reviews
                    ],
                ),
            )
    return buffer.getvalue()


async def export_user_data(conn: asyncpg.Connection, user_id: int) -> dict[str, Any]:
    """The user's imports and their rows (the JSON export)."""
    imports = await conn.fetch(
        "SELECT id, source, state, created_at, confirmed_at FROM history_imports "
        "WHERE user_id = $1 ORDER BY id",
        user_id,
    )
    return {
        "imports": [dict(r) for r in imports],
        "diary": [
            dict(r)
            for r in await conn.fetch(
                "SELECT media_id, kind, day, watched_at, half_stars, replay, platform, outcome, "
                "liked FROM diary_entries WHERE user_id = $1 ORDER BY day, id",
                user_id,
            )
        ],
    }
