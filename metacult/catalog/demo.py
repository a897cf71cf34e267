"""The demo catalogue shipped in ``data/``: real titles, facts only (no I/O beyond reading it).

One title per line, ``|``-separated: games ``title | year | genres | platforms``, films
``title | year | genres | runtime [| original title]``, series ``title | first year |
genres | seasons [| original title]``. Lines starting with ``#`` are comments. Earlier
lines are the better known, which gives the demo a starting popularity.
"""

from __future__ import annotations

from pathlib import Path

from metacult.catalog.model import MediaDraft
from metacult.catalog.taxonomy import GENRES, PLATFORMS

DATA_DIR = Path(__file__).resolve().parent / "data"
FILES = {"game": "games.psv", "film": "films.psv", "series": "series.psv"}


class DemoDataError(ValueError):
    """A line of the demo data does not parse; the message names the file and line."""


def _slugs(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse(kind: str, text: str, source: str = "<data>") -> list[MediaDraft]:
    """The titles of one kind's data file."""
    rows = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.startswith("#")
    ]
    drafts: list[MediaDraft] = []
    for position, (number, line) in enumerate(rows):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) not in (4, 5) or (kind == "game" and len(parts) != 4):
            raise DemoDataError(f"{source}:{number}: expected 4 or 5 fields, got {len(parts)}")
        title, year, genres, last = parts[:4]
        original = parts[4] if len(parts) == 5 else None
        try:
            year_number = int(year)
            extra = {} if kind == "game" else {"number": int(last)}
        except ValueError:
            raise DemoDataError(f"{source}:{number}: year or count is not a number") from None
        genre_slugs = _slugs(genres)
        unknown = [slug for slug in genre_slugs if slug not in GENRES[kind]]
        platforms = _slugs(last) if kind == "game" else ()
        unknown += [slug for slug in platforms if slug not in PLATFORMS]
        if unknown:
            raise DemoDataError(f"{source}:{number}: unknown genre or platform {unknown}")
        drafts.append(
            MediaDraft(
                kind=kind,
                title=title,
                year=year_number,
                original_title=original,
                genres=genre_slugs,
                platforms=platforms,
                runtime_minutes=extra["number"] if kind == "film" else None,
                seasons=extra["number"] if kind == "series" else None,
                # From 100 down, by position in the file: a starting order, not a measure.
                popularity=round(100.0 * (len(rows) - position) / len(rows), 3),
            )
        )
    return drafts


def load() -> list[MediaDraft]:
    """Every title of the shipped demo data."""
    drafts: list[MediaDraft] = []
    for kind, name in FILES.items():
        path = DATA_DIR / name
        drafts.extend(parse(kind, path.read_text(encoding="utf-8"), str(path)))
    return drafts
