"""How far the live ranking drifted: a Bradley-Terry refit on all votes, and Kendall's τ.

Pure: the nightly audit (``workers/ranking.py``) and the benchmark feed it plain data.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

# Each title plays this many virtual games (half won) against a virtual average title,
# so that titles which never won (or never lost) get a finite strength.
PRIOR_GAMES = 1.0


def bradley_terry(
    results: Iterable[tuple[int, int]], *, iterations: int = 200, tolerance: float = 1e-7
) -> dict[int, float]:
    """Log-strengths fitted with Hunter's MM algorithm on (winner, loser) results."""
    wins: dict[int, float] = defaultdict(float)
    games: dict[tuple[int, int], float] = defaultdict(float)
    for winner, loser in results:
        wins[winner] += 1.0
        wins.setdefault(loser, 0.0)
        games[(winner, loser) if winner < loser else (loser, winner)] += 1.0
    titles = list(wins)
    if not titles:
        return {}
    opponents: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for (a, b), n in games.items():
        opponents[a].append((b, n))
        opponents[b].append((a, n))
    strength = dict.fromkeys(titles, 1.0)
    for _ in range(iterations):
        updated: dict[int, float] = {}
        for title in titles:
            p = strength[title]
            denominator = PRIOR_GAMES / (p + 1.0)
            for other, n in opponents[title]:
                denominator += n / (p + strength[other])
            updated[title] = (wins[title] + PRIOR_GAMES / 2) / denominator
        # Strengths are defined up to a factor: keep their geometric mean at 1.
        mean_log = sum(math.log(v) for v in updated.values()) / len(updated)
        scale = math.exp(mean_log)
        change = max(abs(updated[t] / scale - strength[t]) for t in titles)
        strength = {t: v / scale for t, v in updated.items()}
        if change < tolerance:
            break
    return {title: math.log(value) for title, value in strength.items()}


def kendall_tau(first: Mapping[int, float], second: Mapping[int, float]) -> float:
    """Kendall's τ-b between two scorings, over the items both have (1: same order)."""
    items = [key for key in first if key in second]
    concordant = discordant = ties_first = ties_second = 0
    for i, a in enumerate(items):
        fa, sa = first[a], second[a]
        for b in items[i + 1 :]:
            df = fa - first[b]
            ds = sa - second[b]
            if df == 0 and ds == 0:
                continue
            if df == 0:
                ties_first += 1
            elif ds == 0:
                ties_second += 1
            elif (df > 0) == (ds > 0):
                concordant += 1
            else:
                discordant += 1
    denominator = math.sqrt(
        (concordant + discordant + ties_first) * (concordant + discordant + ties_second)
    )
    return (concordant - discordant) / denominator if denominator else 0.0
