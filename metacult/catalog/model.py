"""What the catalogue knows about a title, as plain data (no I/O)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from metacult.catalog import covers
from metacult.catalog.taxonomy import slugify
from metacult.infra.errors import NotFound

# The years the catalogue accepts (migrations/0020_media.sql checks the same).
MIN_YEAR, MAX_YEAR = 1850, 2200


def _columns(cls: type, row: Any) -> dict[str, Any]:
    """The row's columns named like the dataclass's fields (arrays as tuples)."""
    values = {field.name: row[field.name] for field in dataclasses.fields(cls)}
    return {name: tuple(v) if isinstance(v, list) else v for name, v in values.items()}


class MediaNotFound(NotFound):
    """No such title in the catalogue."""

    code = "media_not_found"


@dataclass(frozen=True, slots=True)
class MediaSummary:
    """What a list, a leaderboard or a feed shows of a title (``cover_url``: its image, or its
    generated cover when it has none)."""

    id: int
    kind: str
    title: str
    slug: str
    year: int | None
    cover_url: str | None
    genres: tuple[str, ...]
    platforms: tuple[str, ...]

    @classmethod
    def from_row(cls, row: Any) -> MediaSummary:
        values = _columns(cls, row)
        values["cover_url"] = values["cover_url"] or covers.cover_path(values["id"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class CatalogImport:
    """An admin's import of provider pages, and how far it got."""

    id: int
    provider: str
    kind: str
    first_page: int
    pages: int
    pages_done: int
    imported: int
    updated: int
    unchanged: int
    failed: int
    status: str
    error: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> CatalogImport:
        return cls(**_columns(cls, row))


@dataclass(frozen=True, slots=True)
class Genre:
    kind: str
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class Platform:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class Media:
    """Everything the catalogue holds about a title."""

    id: int
    kind: str
    title: str
    slug: str
    original_title: str | None
    year: int | None
    release_date: date | None
    synopsis: str
    genres: tuple[str, ...]
    platforms: tuple[str, ...]
    runtime_minutes: int | None
    seasons: int | None
    cover_url: str | None
    backdrop_url: str | None
    tmdb_id: int | None
    igdb_id: int | None
    popularity: float
    created_at: datetime
    updated_at: datetime

    def summary(self) -> MediaSummary:
        return MediaSummary(
            **{field.name: getattr(self, field.name) for field in dataclasses.fields(MediaSummary)}
        )

    @classmethod
    def from_row(cls, row: Any) -> Media:
        values = _columns(cls, row)
        values["cover_url"] = values["cover_url"] or covers.cover_path(values["id"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class MediaDraft:
    """A title as a source (demo data, TMDB, IGDB) describes it, before it has an id."""

    kind: str
    title: str
    year: int | None = None
    release_date: date | None = None
    original_title: str | None = None
    synopsis: str = ""
    genres: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    runtime_minutes: int | None = None
    seasons: int | None = None
    cover_url: str | None = None
    backdrop_url: str | None = None
    tmdb_id: int | None = None
    igdb_id: int | None = None
    popularity: float = 0.0
    imdb_id: str | None = None

    def __post_init__(self) -> None:
        if self.year is None and self.release_date is not None:
            object.__setattr__(self, "year", self.release_date.year)
        if self.year is not None and not MIN_YEAR <= self.year <= MAX_YEAR:
            # A provider's placeholder date (year 1 or 9999) says "unknown".
            object.__setattr__(self, "year", None)
            object.__setattr__(self, "release_date", None)
        # Order-preserving de-duplication: the same genre twice would change nothing.
        object.__setattr__(self, "genres", tuple(dict.fromkeys(self.genres)))
        object.__setattr__(self, "platforms", tuple(dict.fromkeys(self.platforms)))

    # The columns a provider owns: a re-import that brings the same values changes nothing.
    PROVIDED = (
        "title",
        "original_title",
        "year",
        "release_date",
        "synopsis",
        "genres",
        "platforms",
        "runtime_minutes",
        "seasons",
        "cover_url",
        "backdrop_url",
        "popularity",
    )

    def changes_from(self, row: Any) -> dict[str, Any]:
        """The provided columns whose values differ from ``row`` (empty: nothing to do)."""
        changes: dict[str, Any] = {}
        for name in self.PROVIDED:
            new = getattr(self, name)
            old = row[name]
            if isinstance(new, tuple):
                old = tuple(old or ())
            if name in {"original_title", "cover_url", "backdrop_url"} and not new:
                new = None
            if new != old:
                changes[name] = new
        return changes


def slug_candidates(draft: MediaDraft) -> list[str]:
    """Slugs to try in turn for a new title: its name, then with its year, then its kind."""
    base = slugify(draft.title) or slugify(draft.original_title or "") or draft.kind
    year = str(draft.year) if draft.year else ""
    candidates = [base]
    if year:
        candidates.append(f"{base}-{year}")
    candidates.append(f"{base}-{draft.kind}" + (f"-{year}" if year else ""))
    candidates.extend(f"{candidates[-1]}-{n}" for n in range(2, 50))
    return candidates
