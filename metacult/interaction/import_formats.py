"""Reading history exports (Letterboxd ZIP, Backloggd CSV, Trakt JSON, Steam library) into
rows to match: each row keeps the file and line it came from; a row that cannot be read
is kept too, with its problem, so that the preview shows it and the good rows still import.

A file that cannot be read as a whole (too large, a ZIP bomb, an unsafe name, not UTF-8,
the wrong columns) is refused before anything is stored."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from metacult.infra.errors import AppError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# What the files of an archive may add up to once uncompressed, and how much one file may
# expand: beyond either, the archive is refused without extracting anything.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_ROWS = 50_000


class UploadTooLarge(AppError):
    """The file is larger than 20 MB."""

    status = 413
    code = "upload_too_large"


class BadUpload(AppError):
    """The file cannot be imported."""

    status = 422
    code = "bad_import_file"


@dataclass(slots=True)
class Row:
    """One line of a source: what it says about which title."""

    file: str
    line: int
    action: str
    kind: str
    title: str
    year: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None


def _text(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadUpload(f"{name} is not UTF-8 text.", code="not_utf8") from None


def _csv_rows(text: str, name: str, required: set[str]) -> list[tuple[int, dict[str, str]]]:
    """(line, row) of a CSV whose header must hold ``required``; line 1 is the header."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = set(reader.fieldnames or [])
    missing = required - header
    if missing:
        raise BadUpload(
            f"{name} lacks the column(s) {', '.join(sorted(missing))}.", code="wrong_columns"
        )
    rows = []
    for record in reader:
        if len(rows) >= MAX_ROWS:
            raise BadUpload(f"{name} has more than {MAX_ROWS} rows.", code="too_many_rows")
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in record.items() if k}))
    return rows


def _year(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    year = int(value)
    if not 1850 <= year <= 2200:
        raise ValueError(f"{value} is not a year")
    return year


def _date(value: str) -> date | None:
    value = (value or "").strip()
    return date.fromisoformat(value[:10]) if value else None


def _stars(value: str, scale: float = 1.0) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    stars = float(value) / scale
    if not 0.5 <= stars <= 5 or (stars * 2) % 1:
        raise ValueError(f"{value} is not a rating of 0.5 to 5 stars in half steps")
    return stars


def _row(file: str, line: int, action: str, kind: str, title: str, read: Any) -> Row:
    """A row whose fields come from ``read()``; a failure keeps the row with its problem."""
    row = Row(file=file, line=line, action=action, kind=kind, title=title or "?")
    try:
        if not title:
            raise ValueError("the title is empty")
        row.year, row.data = read()
    except (ValueError, TypeError) as problem:
        row.problem = str(problem)
    return row


# --- Letterboxd -----------------------------------------------------------------------

# file → (action, columns it must have)
LETTERBOXD_FILES = {
    "diary.csv": ("diary", {"Date", "Name", "Year", "Letterboxd URI", "Rating", "Watched Date"}),
    "ratings.csv": ("rating", {"Date", "Name", "Year", "Letterboxd URI", "Rating"}),
    "watched.csv": ("watched", {"Date", "Name", "Year", "Letterboxd URI"}),
    "watchlist.csv": ("watchlist", {"Date", "Name", "Year", "Letterboxd URI"}),
    "reviews.csv": ("review", {"Date", "Name", "Year", "Letterboxd URI", "Review"}),
    "likes/films.csv": ("like", {"Date", "Name", "Year", "Letterboxd URI"}),
}


def _safe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return not (name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0])


def open_archive(raw: bytes) -> dict[str, bytes]:
    """The files of a ZIP, checked before anything is extracted: names, sizes, ratios."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise BadUpload("The file is not a ZIP archive.", code="not_a_zip") from None
    total = 0
    for info in infos:
        if not _safe_name(info.filename):
            raise BadUpload(
                f"The archive holds an unsafe file name: {info.filename!r}.", code="unsafe_path"
            )
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNCOMPRESSED_BYTES or (info.file_size > 1_000_000 and ratio > MAX_RATIO):
            raise BadUpload(
                "The archive expands to far more than it weighs (a ZIP bomb?).", code="zip_bomb"
            )
    files: dict[str, bytes] = {}
    for info in infos:
        if info.is_dir() or not info.filename.lower().endswith(".csv"):
            continue
        name = info.filename.replace("\\", "/")
        # Letterboxd's exports sit at the archive's root, or in one folder.
        for known in (*LETTERBOXD_FILES, "lists/"):
            if (
                name == known
                or name.endswith("/" + known)
                or (known == "lists/" and ("/lists/" in "/" + name))
            ):
                with archive.open(info) as member:
                    data = member.read(info.file_size + 1)
                if len(data) > info.file_size:
                    raise BadUpload("The archive lies about its sizes.", code="zip_bomb")
                key = (
                    name[name.index(known) :]
                    if known != "lists/"
                    else name[("/" + name).index("/lists/") :]
                )
                files[key] = data
                break
    return files


def letterboxd(raw: bytes) -> list[Row]:
    files = open_archive(raw)
    if not any(name in files for name in LETTERBOXD_FILES) and not any(
        name.startswith("lists/") for name in files
    ):
        raise BadUpload(
            "The archive holds none of Letterboxd's files (diary.csv, ratings.csv, ...).",
            code="not_letterboxd",
        )
    rows: list[Row] = []
    for name, (action, required) in LETTERBOXD_FILES.items():
        if name not in files:
            continue
        for line, record in _csv_rows(_text(files[name], name), name, required):
            rows.append(_letterboxd_row(name, line, action, record))
    for name in sorted(files):
        if name.startswith("lists/"):
            rows.extend(_letterboxd_list(name, _text(files[name], name)))
    return rows


def _letterboxd_row(name: str, line: int, action: str, record: dict[str, str]) -> Row:
    def read() -> tuple[int | None, dict[str, Any]]:
        data: dict[str, Any] = {"uri": record.get("Letterboxd URI") or None}
        if action in ("diary", "review"):
            day = _date(record.get("Watched Date", "")) or _date(record.get("Date", ""))
            data["day"] = day.isoformat() if day else None
            data["rewatch"] = record.get("Rewatch", "").lower() == "yes"
            data["rating"] = _stars(record.get("Rating", ""))
        if action == "rating":
            rating = _stars(record.get("Rating", ""))
            if rating is None:
                raise ValueError("the rating is empty")
            data["rating"] = rating
        if action == "review":
            if not record.get("Review"):
                raise ValueError("the review is empty")
            data["review"] = record["Review"]
        if action == "diary" and data["day"] is None:
            raise ValueError("the date is empty")
        return _year(record.get("Year", "")), data

    return _row(name, line, action, "film", record.get("Name", ""), read)


def _letterboxd_list(name: str, text: str) -> list[Row]:
    """A Letterboxd list: a preamble (``Date,Name,Tags,URL,Description`` and its row), then
    the entries under ``Position,Name,Year,URL,Description``."""
    lines = text.splitlines()
    list_name = name.removeprefix("lists/").removesuffix(".csv")
    start = None
    for index, content in enumerate(lines):
        if content.startswith("Date,Name,") and index + 1 < len(lines):
            preamble = next(csv.reader([lines[index + 1]]), [])
            if len(preamble) > 1 and preamble[1]:
                list_name = preamble[1]
        if content.startswith("Position,Name,Year") or content.startswith("Name,Year,URL"):
            start = index
            break
    if start is None:
        raise BadUpload(f"{name} is not a Letterboxd list.", code="wrong_columns")
    rows = []
    for line, record in _csv_rows("\n".join(lines[start:]), name, {"Name", "Year"}):

        def read(record: dict[str, str] = record) -> tuple[int | None, dict[str, Any]]:
            position = record.get("Position") or ""
            return _year(record.get("Year", "")), {
                "list": list_name,
                "position": int(position) if position else None,
                "note": record.get("Description") or None,
            }

        rows.append(_row(name, start + line, "list", "film", record.get("Name", ""), read))
    return rows


# --- Backloggd ------------------------------------------------------------------------

BACKLOGGD_STATUSES = {
    "played": "completed",
    "completed": "completed",
    "finished": "completed",
    "mastered": "completed",
    "playing": "playing",
    "backlog": "wishlist",
    "wishlist": "wishlist",
    "abandoned": "dropped",
    "shelved": "dropped",
    "retired": "dropped",
}


def backloggd(raw: bytes) -> list[Row]:
    """A Backloggd-style CSV: title, platform, status, rating (0.5-5 or 1-10), dates."""
    text = _text(raw, "the CSV")
    lowered = text.split("\n", 1)
    text = lowered[0].lower() + ("\n" + lowered[1] if len(lowered) > 1 else "")
    rows = []
    for line, record in _csv_rows(text, "the CSV", {"title", "status"}):

        def read(record: dict[str, str] = record) -> tuple[int | None, dict[str, Any]]:
            status = BACKLOGGD_STATUSES.get(record.get("status", "").lower())
            if status is None:
                raise ValueError(f"unknown status {record.get('status')!r}")
            raw_rating = record.get("rating", "")
            scale = 2.0 if raw_rating and float(raw_rating) > 5 else 1.0
            finished = _date(record.get("finished", "") or record.get("completed", ""))
            started = _date(record.get("started", ""))
            return _year(record.get("year", "")), {
                "status": status,
                "platform": record.get("platform") or None,
                "rating": _stars(raw_rating, scale),
                "day": (finished or started).isoformat() if (finished or started) else None,
                "outcome": "finished"
                if status == "completed"
                else "abandoned"
                if status == "dropped"
                else None,
            }

        rows.append(_row("backloggd.csv", line, "status", "game", record.get("title", ""), read))
    return rows


# --- Trakt ----------------------------------------------------------------------------


def _json(raw: bytes, name: str) -> Any:
    try:
        return json.loads(_text(raw, name))
    except json.JSONDecodeError:
        raise BadUpload(f"{name} is not valid JSON.", code="malformed_json") from None


def trakt(raw: bytes) -> list[Row]:
    """A Trakt export: ``{"history": [...], "ratings": [...], "watchlist": [...]}`` with each
    item's ``movie`` or ``show`` (title, year, ids.tmdb, ids.imdb), as Trakt's API gives them."""
    document = _json(raw, "the Trakt export")
    if not isinstance(document, dict) or not any(
        isinstance(document.get(part), list) for part in ("history", "ratings", "watchlist")
    ):
        raise BadUpload(
            "A Trakt export holds history, ratings or watchlist lists.", code="wrong_columns"
        )
    rows: list[Row] = []
    for part, action in (("history", "diary"), ("ratings", "rating"), ("watchlist", "watchlist")):
        for index, item in enumerate(document.get(part) or [], start=1):
            rows.append(_trakt_row(f"{part}", index, action, item))
    return rows


def _trakt_row(part: str, index: int, action: str, item: Any) -> Row:
    work = {}
    kind = "film"
    if isinstance(item, dict):
        if isinstance(item.get("show"), dict):
            work, kind = item["show"], "series"
        elif isinstance(item.get("movie"), dict):
            work = item["movie"]

    def read() -> tuple[int | None, dict[str, Any]]:
        if not work:
            raise ValueError("the item has neither a movie nor a show")
        ids = work.get("ids") or {}
        data: dict[str, Any] = {"tmdb": ids.get("tmdb"), "imdb": ids.get("imdb")}
        if action == "diary":
            day = _date(str(item.get("watched_at") or ""))
            if day is None:
                raise ValueError("watched_at is empty")
            data["day"] = day.isoformat()
        if action == "rating":
            data["rating"] = _stars(str(item.get("rating") or ""), 2.0)
            if data["rating"] is None:
                raise ValueError("the rating is empty")
        year = work.get("year")
        return (_year(str(year)) if year else None), data

    return _row(part, index, action, kind, str(work.get("title") or ""), read)


# --- Steam ----------------------------------------------------------------------------


def steam(document: Any) -> list[Row]:
    """``IPlayerService/GetOwnedGames`` (``response.games``: appid, name, playtime_forever)."""
    games = (
        (document or {}).get("response", {}).get("games") if isinstance(document, dict) else None
    )
    if not isinstance(games, list):
        raise BadUpload("The Steam answer holds no games list.", code="wrong_columns")
    rows = []
    for index, game in enumerate(games, start=1):
        game = game if isinstance(game, dict) else {}

        def read(game: dict[str, Any] = game) -> tuple[int | None, dict[str, Any]]:
            minutes = int(game.get("playtime_forever") or 0)
            return None, {
                "appid": game.get("appid"),
                "playtime_minutes": minutes,
                "status": "playing" if minutes > 0 else "wishlist",
            }

        rows.append(_row("steam", index, "status", "game", str(game.get("name") or ""), read))
    return rows


def parse(source: str, raw: bytes) -> list[Row]:
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge()
    if source == "letterboxd":
        return letterboxd(raw)
    if source == "backloggd":
        return backloggd(raw)
    if source == "trakt":
        return trakt(raw)
    return steam(_json(raw, "the Steam library"))
