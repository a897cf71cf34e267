"""Offline evaluation of the feed's recommender against popularity.

    python -m metacult.discovery.evaluate --ratings FILE [--seed 42] [--k 50]

``FILE`` is MovieLens-format (``user item rating timestamp``, tab- or space-separated) or
the ``.inter`` format (a header line such as ``user_id:token item_id:token rating:float
timestamp:float``). Each user's ratings are split 80/20 at random (fixed seed; users with
one rating train only); every unseen title is ranked (train titles excluded) and the top 10
scored: precision@10, recall@10 (hits / held-out titles), NDCG@10 (ideal DCG over
min(10, held-out)), and catalogue coverage (share of titles in anyone's top 10).

A rating is evidence as the product counts it: a rated title was watched (+1.0) and rated
((r − 2.5) × 0.6); the recommender is the feed's: the same neighbour model
(:mod:`metacult.discovery.neighbours`) and the same sum of neighbours' similarities
weighted by the user's cells.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from metacult.discovery import neighbours as model
from metacult.discovery import scoring

TOP = 10


@dataclass(frozen=True)
class Ratings:
    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray


def read_ratings(path: Path) -> Ratings:
    """Read a MovieLens ``u.data``-style file or a ``.inter`` file with a header line."""
    users, items, ratings = [], [], []
    with path.open(encoding="utf-8") as lines:
        first = lines.readline()
        columns = [0, 1, 2]
        if ":" in first:
            names = [name.split(":")[0] for name in first.split()]
            columns = [names.index("user_id"), names.index("item_id"), names.index("rating")]
            first = ""
        for line in ([first] if first else []) + list(lines):
            parts = line.split()
            if len(parts) < 3:
                continue
            users.append(parts[columns[0]])
            items.append(parts[columns[1]])
            ratings.append(float(parts[columns[2]]))
    _, user_index = np.unique(np.array(users), return_inverse=True)
    _, item_index = np.unique(np.array(items), return_inverse=True)
    return Ratings(user_index, item_index, np.array(ratings, dtype=np.float64))


def split(data: Ratings, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (train, test): 20% of each user's ratings held out, at random."""
    rng = np.random.default_rng(seed)
    test = np.zeros(len(data.users), dtype=bool)
    order = np.argsort(data.users, kind="stable")
    bounds = np.flatnonzero(np.diff(data.users[order])) + 1
    for group in np.split(order, bounds):
        held = max(1, round(len(group) * 0.2)) if len(group) > 1 else 0
        if held:
            test[rng.choice(group, held, replace=False)] = True
    return ~test, test


def cell_values(ratings: np.ndarray) -> np.ndarray:
    return scoring.STATUS_VALUES["watched"] + np.vectorize(scoring.rating_value)(ratings)


def _neighbour_matrix(found: model.Neighbours, n_items: int) -> sp.csr_matrix:
    rows, cols, values = [], [], []
    for item, neighbours in found.items():
        for other, score in neighbours:
            rows.append(item)
            cols.append(other)
            values.append(score)
    return sp.csr_matrix((values, (rows, cols)), shape=(n_items, n_items))


def evaluate(
    data: Ratings,
    *,
    seed: int = 42,
    k: int = model.DEFAULT_K,
    ease_max_items: int = model.EASE_MAX_ITEMS,
) -> dict[str, dict[str, float]]:
    """The metrics of ``popularity`` and ``feed`` on one split."""
    train, test = split(data, seed)
    n_users, n_items = int(data.users.max()) + 1, int(data.items.max()) + 1
    cells = sp.csr_matrix(
        (cell_values(data.ratings[train]), (data.users[train], data.items[train])),
        shape=(n_users, n_items),
    )
    matrix = model.build_matrix(
        data.users[train], data.items[train], cell_values(data.ratings[train]), items=range(n_items)
    )
    seen = sp.csr_matrix(
        (np.ones(train.sum()), (data.users[train], data.items[train])), shape=(n_users, n_items)
    )
    held = sp.csr_matrix(
        (np.ones(test.sum()), (data.users[test], data.items[test])), shape=(n_users, n_items)
    )
    popularity = np.asarray(seen.sum(axis=0)).ravel()
    name, found = model.compute(matrix, k=k, ease_max_items=ease_max_items)
    # build_matrix keeps ids as given (0..n_items-1 here, every item a column).
    neighbours = _neighbour_matrix(found, n_items)
    cells.data[cells.data < 0] = 0
    results = {
        "popularity": _score(lambda users: np.tile(popularity, (len(users), 1)), seen, held),
        f"feed ({name})": _score(
            lambda users: (cells[users] @ neighbours).toarray() + 1e-9 * popularity, seen, held
        ),
    }
    return results


def _score(scores_of, seen: sp.csr_matrix, held: sp.csr_matrix) -> dict[str, float]:
    users = np.flatnonzero(np.diff(held.indptr))
    discounts = 1.0 / np.log2(np.arange(2, TOP + 2))
    precision = recall = ndcg = 0.0
    recommended: set[int] = set()
    for start in range(0, len(users), 512):
        batch = users[start : start + 512]
        scores = np.asarray(scores_of(batch), dtype=np.float64)
        scores[seen[batch].toarray() > 0] = -np.inf
        top = np.argpartition(-scores, TOP, axis=1)[:, :TOP]
        order = np.take_along_axis(-scores, top, axis=1).argsort(axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        relevant = held[batch].toarray() > 0
        hits = np.take_along_axis(relevant, top, axis=1)
        counts = relevant.sum(axis=1)
        precision += float((hits.sum(axis=1) / TOP).sum())
        recall += float((hits.sum(axis=1) / counts).sum())
        ideal = np.array([discounts[: min(TOP, c)].sum() for c in counts])
        ndcg += float(((hits * discounts).sum(axis=1) / ideal).sum())
        recommended.update(top.ravel().tolist())
    n = max(1, len(users))
    return {
        "precision@10": precision / n,
        "recall@10": recall / n,
        "ndcg@10": ndcg / n,
        "coverage": len(recommended) / seen.shape[1],
    }


def table(results: dict[str, dict[str, float]]) -> str:
    metrics = ["precision@10", "recall@10", "ndcg@10", "coverage"]
    width = max(len(name) for name in results) + 2
    lines = ["model".ljust(width) + "".join(m.rjust(14) for m in metrics)]
    for name, values in results.items():
        lines.append(name.ljust(width) + "".join(f"{values[m]:14.4f}" for m in metrics))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metacult.discovery.evaluate")
    parser.add_argument("--ratings", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--k", type=int, default=model.DEFAULT_K)
    parser.add_argument("--ease-max-items", type=int, default=model.EASE_MAX_ITEMS)
    args = parser.parse_args(argv)
    data = read_ratings(args.ratings)
    print(table(evaluate(data, seed=args.seed, k=args.k, ease_max_items=args.ease_max_items)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
