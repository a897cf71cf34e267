"""Synthetic ratings with planted structure: users and titles in taste groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_ratings(
    path: Path,
    *,
    users: int = 300,
    items: int = 200,
    groups: int = 8,
    per_user: int = 30,
    seed: int = 1,
) -> Path:
    """A MovieLens-format file: each user rates mostly titles of their group (high), some
    popular titles of any group (mixed); popularity is skewed within each group."""
    rng = np.random.default_rng(seed)
    item_group = rng.integers(0, groups, items)
    popularity = rng.zipf(1.6, items).astype(float)
    lines = []
    for user in range(users):
        group = user % groups
        own = np.flatnonzero(item_group == group)
        chosen = set(rng.choice(own, min(len(own), int(per_user * 0.7)), replace=False).tolist())
        rest = np.array([i for i in range(items) if i not in chosen])
        weights = popularity[rest] / popularity[rest].sum()
        extra = min(len(rest), per_user - len(chosen))
        chosen.update(rng.choice(rest, extra, replace=False, p=weights).tolist())
        for item in chosen:
            rating = rng.integers(4, 6) if item_group[item] == group else rng.integers(1, 4)
            lines.append(f"{user + 1}\t{item + 1}\t{rating}\t{880000000 + user}")
    path.write_text("\n".join(lines) + "\n")
    return path
