"""Which two titles a user duels next: pure, given the candidates and what the user has seen.

* Titles the user does not know (an "unknown" skip) are never offered again.
* Titles the user knows (liked, rated, in library, voted before) come first, then popular
  titles in their favourite genres; the others stay possible so that every title gets games.
* The first title is drawn in proportion to its rating deviation (times that preference);
  the opponent maximises p(1−p)(σa²+σb²), the information the vote brings, among titles
  within reach of the first one's rating.
* A share of pairs is exploratory (uniformly random), so every title stays connected.
* A user never sees the same pair twice.
* Variety: a title is never in two consecutive duels, nor in more than a third of any
  ``window`` consecutive duels (when the catalogue is too small for that, the rule yields).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from metacult.ranking.glicko import SCALE, Rating, expected_score

EXPLORE_RATE = 0.15
# How much more likely a known, or a favoured (popular in favourite genres), title is.
KNOWN_BOOST = 6.0
FAVOURED_BOOST = 2.5
# Opponents are looked for within this many rating points first.
REACH = 350.0

Pair = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A title that may be dueled, with its global rating and what the user has to do with it."""

    media_id: int
    rating: float
    rd: float
    known: bool = False
    favoured: bool = False

    @property
    def boost(self) -> float:
        if self.known:
            return KNOWN_BOOST
        if self.favoured:
            return FAVOURED_BOOST
        return 1.0


def pair_key(a: int, b: int) -> Pair:
    """The order-free identity of a pair."""
    return (a, b) if a < b else (b, a)


def information(a: Candidate, b: Candidate) -> float:
    """p(1−p)(σa²+σb²): how much a vote between ``a`` and ``b`` is expected to teach."""
    p = expected_score(Rating(a.rating, a.rd), Rating(b.rating, b.rd))
    return p * (1.0 - p) * (a.rd * a.rd + b.rd * b.rd)


def choose_pairs(
    candidates: Sequence[Candidate],
    *,
    count: int,
    seen: Iterable[Pair] = (),
    unknown: Iterable[int] = (),
    rng: random.Random,
    explore: float = EXPLORE_RATE,
    recent: Sequence[Pair] = (),
    window: int = 0,
) -> list[Pair]:
    """Up to ``count`` new pairs, none of them in ``seen`` nor touching an ``unknown`` title.

    ``recent`` are the user's latest duels, oldest first, which the new pairs follow; with a
    ``window``, the pairs keep the variety rule over them.
    """
    excluded = set(unknown)
    pool = [c for c in candidates if c.media_id not in excluded]
    taken = {pair_key(*pair) for pair in seen}
    shown = list(recent)
    pairs: list[Pair] = []
    if len(pool) < 2:
        return pairs
    for _ in range(count):
        resting = resting_titles(shown, window)
        allowed = [c for c in pool if c.media_id not in resting]
        pair = _pair(allowed, taken, rng, explore) if len(allowed) >= 2 else None
        if pair is None:
            pair = _pair(pool, taken, rng, explore)
        if pair is None:
            break
        taken.add(pair_key(*pair))
        pairs.append(pair)
        shown.append(pair)
    return pairs


def resting_titles(recent: Sequence[Pair], window: int) -> set[int]:
    """Titles the next duel must not show: those of the latest duel, and those already in a
    third of the latest ``window`` duels (the next one included); none without a window."""
    if window <= 0 or not recent:
        return set()
    resting = set(recent[-1])
    latest = Counter(m for pair in recent[-(window - 1) :] for m in pair) if window > 1 else {}
    resting.update(m for m, times in latest.items() if times + 1 > window // 3)
    return resting


def _pair(
    pool: Sequence[Candidate], taken: set[Pair], rng: random.Random, explore: float
) -> Pair | None:
    if rng.random() < explore:
        pair = _exploratory_pair(pool, taken, rng)
    else:
        pair = _informative_pair(pool, taken, rng)
    if pair is None:
        pair = _exploratory_pair(pool, taken, rng) or _any_pair(pool, taken)
    return pair


def _informative_pair(
    pool: Sequence[Candidate], taken: set[Pair], rng: random.Random
) -> Pair | None:
    first = rng.choices(pool, weights=[c.rd * c.boost for c in pool], k=1)[0]
    opponent = best_opponent(first, pool, taken)
    if opponent is None:
        return None
    return _shuffled(first.media_id, opponent.media_id, rng)


def best_opponent(
    first: Candidate, pool: Sequence[Candidate], taken: set[Pair] | frozenset[Pair] = frozenset()
) -> Candidate | None:
    """The opponent of ``first`` whose vote teaches most, within reach of its rating if any."""
    # information() inlined: this loop runs over every title for every pair offered.
    scale2 = SCALE * SCALE
    q = 3.0 / (math.pi * math.pi * scale2)
    rd_a2 = first.rd * first.rd
    for reach in (REACH, math.inf):
        best: Candidate | None = None
        best_score = 0.0
        for other in pool:
            gap = first.rating - other.rating
            if other.media_id == first.media_id or abs(gap) > reach:
                continue
            spread = rd_a2 + other.rd * other.rd
            g = 1.0 / math.sqrt(1.0 + q * spread)
            p = 1.0 / (1.0 + math.exp(-g * gap / SCALE))
            score = p * (1.0 - p) * spread * other.boost
            if score > best_score and pair_key(first.media_id, other.media_id) not in taken:
                best, best_score = other, score
        if best is not None:
            return best
    return None


def _exploratory_pair(
    pool: Sequence[Candidate], taken: set[Pair], rng: random.Random
) -> Pair | None:
    for _ in range(20):
        a, b = rng.sample(pool, 2)
        if pair_key(a.media_id, b.media_id) not in taken:
            return (a.media_id, b.media_id)
    return None


def _any_pair(pool: Sequence[Candidate], taken: set[Pair]) -> Pair | None:
    for i, a in enumerate(pool):
        for b in pool[i + 1 :]:
            if pair_key(a.media_id, b.media_id) not in taken:
                return (a.media_id, b.media_id)
    return None


def _shuffled(a: int, b: int, rng: random.Random) -> Pair:
    # Which side a title is shown on must not depend on how it was picked.
    return (a, b) if rng.random() < 0.5 else (b, a)
