"""Stats and year in review, from a user's year of activity (pure: no I/O).

Counts per kind and month (titles finished: completed or watched), hours (runtime, or a
game's playtime where known, of what was finished), the distribution of the year's
ratings (the last one given to each title, ten half-star bins), top genres and platforms
of what was touched, most-dueled titles and the personal top 10 per kind from duels
(win rate with one win and one loss added, so one lucky duel does not top the list).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

FINISHED = ("completed", "watched")
HALF_STARS = [x / 2 for x in range(1, 11)]


def year_in_review(
    activities: Sequence[Any],
    titles: dict[int, Any],
    duels: Sequence[dict[str, Any]],
    duel_titles: dict[int, Any],
    zone: ZoneInfo,
    year: int,
) -> dict[str, Any]:
    """The stats reply's content; ``activities`` are the year's, newest first."""
    months: dict[str, list[int]] = {}
    minutes: Counter[str] = Counter()
    finished: set[tuple[int, str]] = set()
    last_rating: dict[int, float] = {}
    counts: Counter[str] = Counter()
    genres: Counter[str] = Counter()
    platforms: Counter[str] = Counter()
    touched: set[int] = set()
    for act in activities:
        counts[act.type] += 1
        media = titles.get(act.media_id)
        if media is not None and act.media_id not in touched:
            touched.add(act.media_id)
            genres.update(media.genres)
            if media.kind == "game":
                platforms.update(media.platforms)
        if act.type == "rated" and act.rating is not None and act.media_id not in last_rating:
            last_rating[act.media_id] = act.rating  # newest first: the year's last rating
        if act.type == "status_changed" and act.status in FINISHED:
            if (act.media_id, act.kind) in finished:
                continue
            finished.add((act.media_id, act.kind))
            month = act.occurred_at.astimezone(zone).month
            months.setdefault(act.kind, [0] * 12)[month - 1] += 1
            if media is not None and media.runtime_minutes:
                minutes[act.kind] += media.runtime_minutes
    distribution = [0] * 10
    for stars in last_rating.values():
        distribution[max(0, min(9, round(stars * 2) - 1))] += 1
    most_dueled = sorted(duels, key=lambda d: (-d["games"], d["media_id"]))[:10]
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for duel in duels:
        by_kind[duel["kind"]].append(duel)
    top_by_kind = {
        kind: [
            {**d, "score": round((d["wins"] + 1) / (d["games"] + 2), 4)}
            for d in sorted(
                rows,
                key=lambda d: (-(d["wins"] + 1) / (d["games"] + 2), -d["games"], d["media_id"]),
            )[:10]
        ]
        for kind, rows in by_kind.items()
    }
    return {
        "year": year,
        "time_zone": zone.key,
        "finished_per_month": months,
        "finished": dict(Counter(kind for _, kind in finished)),
        "hours": {kind: round(total / 60, 1) for kind, total in minutes.items()},
        "ratings": {"count": len(last_rating), "distribution": distribution},
        "likes": counts["liked"],
        "reviews": counts["reviewed"],
        "top_genres": [{"genre": g, "count": c} for g, c in genres.most_common(5)],
        "platforms": [{"platform": p, "count": c} for p, c in platforms.most_common(5)],
        "most_dueled": [
            {"media": duel_titles.get(d["media_id"]), "games": d["games"], "wins": d["wins"]}
            for d in most_dueled
            if d["media_id"] in duel_titles
        ],
        "top_from_duels": {
            kind: [
                {
                    "media": duel_titles.get(d["media_id"]),
                    "games": d["games"],
                    "wins": d["wins"],
                    "score": d["score"],
                }
                for d in rows
                if d["media_id"] in duel_titles
            ]
            for kind, rows in top_by_kind.items()
        },
        # Streaks come with gamification; until then there is none to show.
        "longest_streak": None,
    }
