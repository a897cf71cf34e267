"""Kinds, genres, platforms and library statuses: the catalogue's vocabulary (no I/O).

Genres and platforms are slugs (``rpg``, ``science-fiction``, ``ps5``): ranking keeps a
leaderboard per ``genre:{slug}`` and ``platform:{slug}``. Providers' own names are mapped
onto these slugs here, so an imported title lands in the same genres as a seeded one.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, get_args

# The one home of the kinds of title and the library statuses; other contexts import
# them from ``metacult.catalog``.
Kind = Literal["game", "film", "series"]
KINDS: tuple[str, ...] = get_args(Kind)
LibraryStatus = Literal[
    "wishlist", "playing", "completed", "watchlist", "watching", "watched", "dropped"
]

# What a user may file a title under in their library, per kind.
LIBRARY_STATUSES: dict[str, tuple[LibraryStatus, ...]] = {
    "game": ("wishlist", "playing", "completed", "dropped"),
    "film": ("watchlist", "watching", "watched", "dropped"),
    "series": ("watchlist", "watching", "watched", "dropped"),
}

_SCREEN_GENRES = {
    "action": "Action",
    "adventure": "Adventure",
    "animation": "Animation",
    "comedy": "Comedy",
    "crime": "Crime",
    "documentary": "Documentary",
    "drama": "Drama",
    "family": "Family",
    "fantasy": "Fantasy",
    "history": "History",
    "horror": "Horror",
    "music": "Music",
    "mystery": "Mystery",
    "romance": "Romance",
    "science-fiction": "Science fiction",
    "thriller": "Thriller",
    "war": "War",
    "western": "Western",
}

GENRES: dict[str, dict[str, str]] = {
    "game": {
        "action": "Action",
        "adventure": "Adventure",
        "battle-royale": "Battle royale",
        "card": "Card & board",
        "fighting": "Fighting",
        "horror": "Horror",
        "indie": "Indie",
        "metroidvania": "Metroidvania",
        "mmo": "MMO",
        "moba": "MOBA",
        "open-world": "Open world",
        "party": "Party",
        "platformer": "Platformer",
        "puzzle": "Puzzle",
        "racing": "Racing",
        "rhythm": "Rhythm & music",
        "roguelike": "Roguelike",
        "rpg": "RPG",
        "sandbox": "Sandbox",
        "shooter": "Shooter",
        "simulation": "Simulation",
        "sports": "Sports",
        "stealth": "Stealth",
        "strategy": "Strategy",
        "survival": "Survival",
        "tactics": "Tactics",
        "visual-novel": "Visual novel",
        "point-and-click": "Point and click",
        "arcade": "Arcade",
        "science-fiction": "Science fiction",
        "fantasy": "Fantasy",
    },
    "film": dict(_SCREEN_GENRES),
    "series": {**_SCREEN_GENRES, "politics": "Politics", "reality": "Reality", "kids": "Kids"},
}

PLATFORMS: dict[str, str] = {
    "pc": "PC",
    "mac": "Mac",
    "linux": "Linux",
    "ps1": "PlayStation",
    "ps2": "PlayStation 2",
    "ps3": "PlayStation 3",
    "ps4": "PlayStation 4",
    "ps5": "PlayStation 5",
    "psp": "PlayStation Portable",
    "vita": "PlayStation Vita",
    "xbox": "Xbox",
    "xbox-360": "Xbox 360",
    "xbox-one": "Xbox One",
    "xbox-series": "Xbox Series X|S",
    "nes": "NES",
    "snes": "Super Nintendo",
    "n64": "Nintendo 64",
    "gamecube": "GameCube",
    "wii": "Wii",
    "wii-u": "Wii U",
    "switch": "Nintendo Switch",
    "game-boy": "Game Boy",
    "gbc": "Game Boy Color",
    "gba": "Game Boy Advance",
    "ds": "Nintendo DS",
    "3ds": "Nintendo 3DS",
    "mega-drive": "Mega Drive",
    "saturn": "Saturn",
    "dreamcast": "Dreamcast",
    "arcade": "Arcade",
    "ios": "iOS",
    "android": "Android",
}

# TMDB's genre names (films and series) → our slugs.
TMDB_GENRES: dict[str, tuple[str, ...]] = {
    "Action & Adventure": ("action", "adventure"),
    "Sci-Fi & Fantasy": ("science-fiction", "fantasy"),
    "Science Fiction": ("science-fiction",),
    "War & Politics": ("war", "politics"),
    "TV Movie": (),
    "News": (),
    "Soap": ("drama",),
    "Talk": (),
}

# IGDB's genre and theme slugs → our slugs (what is not listed is slugified as is).
IGDB_GENRES: dict[str, tuple[str, ...]] = {
    "role-playing-rpg": ("rpg",),
    "platform": ("platformer",),
    "simulator": ("simulation",),
    "sport": ("sports",),
    "music": ("rhythm",),
    "real-time-strategy-rts": ("strategy",),
    "turn-based-strategy-tbs": ("strategy", "tactics"),
    "tactical": ("tactics",),
    "hack-and-slash-beat-em-up": ("action",),
    "card-and-board-game": ("card",),
    "moba": ("moba",),
    "quiz-trivia": ("party",),
    "open-world": ("open-world",),
    "4x-explore-expand-exploit-and-exterminate": ("strategy",),
    "warfare": (),
    "non-fiction": (),
    "business": ("simulation",),
    "kids": (),
    "erotic": (),
    "educational": (),
    "historical": (),
    "thriller": (),
    "comedy": (),
    "drama": (),
    "mystery": (),
    "romance": (),
}

# IGDB's platform slugs → ours.
IGDB_PLATFORMS: dict[str, str] = {
    "win": "pc",
    "mac": "mac",
    "linux": "linux",
    "ps": "ps1",
    "ps2": "ps2",
    "ps3": "ps3",
    "ps4--1": "ps4",
    "ps5": "ps5",
    "psp": "psp",
    "psvita": "vita",
    "xbox": "xbox",
    "xbox360": "xbox-360",
    "xboxone": "xbox-one",
    "series-x-s": "xbox-series",
    "series-x": "xbox-series",
    "nes": "nes",
    "snes": "snes",
    "n64": "n64",
    "ngc": "gamecube",
    "wii": "wii",
    "wiiu": "wii-u",
    "switch": "switch",
    "gb": "game-boy",
    "gbc": "gbc",
    "gba": "gba",
    "nds": "ds",
    "3ds": "3ds",
    "genesis-slash-megadrive": "mega-drive",
    "saturn": "saturn",
    "dc": "dreamcast",
    "arcade": "arcade",
    "ios": "ios",
    "android": "android",
}

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """``"Amélie"`` → ``"amelie"``, ``"Assassin's Creed II"`` → ``"assassins-creed-ii"``."""
    folded = unicodedata.normalize("NFKD", text.replace("&", " and "))
    ascii_only = folded.encode("ascii", "ignore").decode().lower().replace("'", "")
    return _NOT_SLUG.sub("-", ascii_only).strip("-")


def is_slug(value: str) -> bool:
    return bool(value) and slugify(value) == value


def tmdb_genre_slugs(name: str) -> tuple[str, ...]:
    """Our genre slugs for one TMDB genre name."""
    if name in TMDB_GENRES:
        return TMDB_GENRES[name]
    slug = slugify(name)
    return (slug,) if slug else ()


def igdb_genre_slugs(slug: str) -> tuple[str, ...]:
    """Our genre slugs for one IGDB genre or theme slug."""
    if slug in IGDB_GENRES:
        return IGDB_GENRES[slug]
    ours = slugify(slug)
    return (ours,) if ours else ()


def igdb_platform_slug(slug: str) -> str | None:
    """Our platform slug for one IGDB platform slug."""
    return IGDB_PLATFORMS.get(slug) or (slugify(slug) or None)


def genre_name(kind: str, slug: str) -> str:
    """A display name for a genre slug, known or not."""
    return GENRES.get(kind, {}).get(slug) or slug.replace("-", " ").capitalize()


def platform_name(slug: str) -> str:
    return PLATFORMS.get(slug) or slug.replace("-", " ").upper()
