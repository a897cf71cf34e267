"""Discovery's pure rules: how much each piece of evidence weighs, how it decays, the feed's
one scoring formula, diversification and the feed's slots. No I/O.

Evidence (a user's cell for a title, summed over sources, each decayed by its age):

    like +1.0 · rating (r − 2.5) × 0.6 (5★ +1.5, ½★ −1.2) · completed / watched +1.0 ·
    playing / watching +0.6 · wishlist / watchlist +0.4 · dropped −0.5 · review +0.5 ·
    each duel win +0.25, each loss −0.15 (together within ±1.5) · views +0.1 each (≤ 0.5)

    decayed = value × 2^(−age / EVIDENCE_HALF_LIFE_DAYS)

The feed's formula, for a candidate title t:

    score(t) = 1.0 · Σ_{l loved} sim(l, t) · affinity(l)       neighbours of what you loved
             + 0.8 · Σ_{a followed activity on t} w(a) · 2^(−age_days / 7)
             + 0.4 · trend(t)        (1 / (1 + rank / 10) in your genres' trending)
             + 0.3 · climb(t)        (same, on duel wins of the day)
             + 0.3 · fresh(t)        (1 − days since release / 90, for new releases)
             + 0.1 · [t is on a platform of your profile]     (cold start only)

with w(review) = 1.0, w(rating ≥ 4) = 0.8, w(completed) = 0.7. Its largest term explains it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

EVIDENCE_HALF_LIFE_DAYS = 180.0
# A cell at least this strong means the user loved the title (a like, 4★, a completion).
LOVED = 0.9

STATUS_VALUES = {
    "completed": 1.0,
    "watched": 1.0,
    "playing": 0.6,
    "watching": 0.6,
    "wishlist": 0.4,
    "watchlist": 0.4,
    "dropped": -0.5,
}
LIKE_VALUE = 1.0
REVIEW_VALUE = 0.5
DUEL_WIN = 0.25
DUEL_LOSS = -0.15
DUEL_CAP = 1.5
VIEW_VALUE = 0.1
VIEW_CAP = 0.5

SOURCE_WEIGHTS = {
    "neighbours": 1.0,
    "followed": 0.8,
    "trending": 0.4,
    "duels": 0.3,
    "new_release": 0.3,
    "platform": 0.1,
}
ACTIVITY_WEIGHTS = {"reviewed": 1.0, "rated": 0.8, "completed": 0.7}
FOLLOWED_HALF_LIFE_DAYS = 7.0
NEW_RELEASE_DAYS = 90

# Diversification: at most this many items of one kind in a row, and never two of one
# franchise (or, until the catalogue knows franchises, of one primary genre and kind)
# within this many places.
MAX_SAME_KIND_RUN = 2
FAMILY_GAP = 3


def rating_value(stars: float) -> float:
    """A rating's evidence: high positive, low negative, 2.5★ neutral."""
    return (stars - 2.5) * 0.6


def duel_value(wins: int, losses: int) -> float:
    return max(-DUEL_CAP, min(DUEL_CAP, wins * DUEL_WIN + losses * DUEL_LOSS))


def view_value(views: int) -> float:
    return min(VIEW_CAP, views * VIEW_VALUE)


def decay(value: float, occurred_at: datetime, now: datetime) -> float:
    """``value`` halved every :data:`EVIDENCE_HALF_LIFE_DAYS` since ``occurred_at``."""
    age_days = max(0.0, (now - occurred_at).total_seconds() / 86_400)
    return value * 2.0 ** (-age_days / EVIDENCE_HALF_LIFE_DAYS)


def rank_strength(rank: int) -> float:
    """What the ``rank``-th (0-based) title of a trending list is worth."""
    return 1.0 / (1.0 + rank / 10.0)


def followed_strength(activity: str, age_days: float) -> float:
    return ACTIVITY_WEIGHTS.get(activity, 0.0) * 2.0 ** (
        -max(0.0, age_days) / FOLLOWED_HALF_LIFE_DAYS
    )


def release_strength(age_days: float) -> float:
    if age_days < 0 or age_days > NEW_RELEASE_DAYS:
        return 0.0
    return 1.0 - age_days / NEW_RELEASE_DAYS


@dataclass
class Candidate:
    """A title the feed may show, the terms of its score, and why (the largest term's reason)."""

    media_id: int
    kind: str
    family: str = ""
    terms: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, source: str, strength: float, reason: dict[str, Any]) -> None:
        """Add one contribution; the reason kept per source is that of its largest one."""
        contribution = SOURCE_WEIGHTS[source] * strength
        if contribution <= 0:
            return
        best = self.reasons.get(source)
        if best is None or contribution > best["_weight"]:
            self.reasons[source] = {**reason, "_weight": contribution}
        self.terms[source] = self.terms.get(source, 0.0) + contribution

    @property
    def score(self) -> float:
        return sum(self.terms.values())

    def explanation(self) -> list[dict[str, Any]]:
        """The reasons, strongest first, without their internal weights."""
        ordered = sorted(self.reasons.values(), key=lambda r: -r["_weight"])
        return [{k: v for k, v in reason.items() if k != "_weight"} for reason in ordered]


def rank(candidates: Iterable[Candidate], excluded: set[int]) -> list[Candidate]:
    """Candidates not excluded, best score first (ties by id, so the order is stable)."""
    kept = [c for c in candidates if c.media_id not in excluded and c.score > 0]
    return sorted(kept, key=lambda c: (-c.score, c.media_id))


def diversify(ranked: Sequence[Candidate]) -> list[Candidate]:
    """Re-order greedily: take the best candidate that neither makes a run of more than
    :data:`MAX_SAME_KIND_RUN` of one kind nor repeats a family within :data:`FAMILY_GAP`
    places; when none fits, the best one left."""
    left = list(ranked)
    out: list[Candidate] = []
    while left:
        pick = 0
        for index, candidate in enumerate(left):
            run = out[-MAX_SAME_KIND_RUN:]
            kind_run = len(run) == MAX_SAME_KIND_RUN and all(c.kind == candidate.kind for c in run)
            recent_families = {c.family for c in out[-FAMILY_GAP:] if c.family}
            if not kind_run and candidate.family not in recent_families:
                pick = index
                break
        out.append(left.pop(pick))
    return out


# --- the feed's slots ------------------------------------------------------------------

# Where a page leaves room for marketing's native ads and commerce's offers: before the item
# at that 0-based position of the page. A page of fewer items has only the slots that fit.
FEED_SLOTS: tuple[tuple[int, str], ...] = ((3, "native_ad"), (8, "offer"), (15, "native_ad"))


def slots_for(page_length: int) -> list[dict[str, Any]]:
    """The slots of a page of ``page_length`` items: ``[{"position", "kind"}]``."""
    return [
        {"position": position, "kind": kind}
        for position, kind in FEED_SLOTS
        if position <= page_length and page_length > 0
    ]


def half_life_lambda(half_life_s: float) -> float:
    """The λ of e^(λt) that doubles every ``half_life_s`` seconds."""
    return math.log(2.0) / half_life_s
