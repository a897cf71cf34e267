"""Similar titles from the user × title evidence matrix (pure: numpy, scipy, implicit).

Two models, chosen by the catalogue's size (README, "Discovery"):

* **EASE** (Steck 2019, a closed-form linear model: B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹)
  while the catalogue has at most ``ease_max_items`` titles: the most accurate, and the
  inverse of an n × n matrix is cheap up to a few thousand titles;
* **item-item cosine** with the ``implicit`` library's ``CosineRecommender`` beyond: sparse,
  top-K per title, seconds at 20k titles and millions of interactions, and refreshed
  incrementally for the titles whose evidence changed (:func:`cosine_rows`).

Either way the result is the top ``k`` neighbours of each title, other kinds included: the
matrix spans games, films and series, so "loved this game → this film" comes from the data.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

DEFAULT_K = 50
EASE_MAX_ITEMS = 3000
EASE_L2 = 300.0

Neighbours = dict[int, list[tuple[int, float]]]


@dataclass(frozen=True)
class Matrix:
    """Users × titles (CSR, float32, positive cells only) with the ids of rows and columns."""

    cells: sp.csr_matrix
    user_ids: np.ndarray
    item_ids: np.ndarray

    @property
    def nnz(self) -> int:
        return int(self.cells.nnz)


def build_matrix(
    user_ids: np.ndarray, item_ids: np.ndarray, values: np.ndarray, *, items: Iterable[int] = ()
) -> Matrix:
    """The matrix of the summed cells (duplicates add up); cells ≤ 0 are dropped, since
    negative evidence only cancels positive evidence. ``items`` adds columns with no cell."""
    users, user_index = np.unique(np.asarray(user_ids, dtype=np.int64), return_inverse=True)
    item_ids = np.asarray(item_ids, dtype=np.int64)
    extra = np.fromiter(items, np.int64)
    all_items, item_index = np.unique(np.concatenate([item_ids, extra]), return_inverse=True)
    item_index = item_index[: len(item_ids)]
    cells = sp.csr_matrix(
        (np.asarray(values, dtype=np.float32), (user_index, item_index)),
        shape=(len(users), len(all_items)),
    )
    cells.sum_duplicates()
    cells.data[cells.data < 0] = 0
    cells.eliminate_zeros()
    return Matrix(cells, users, all_items)


def compute(
    matrix: Matrix, *, k: int = DEFAULT_K, ease_max_items: int = EASE_MAX_ITEMS
) -> tuple[str, Neighbours]:
    """(model name, top-``k`` neighbours of every title that has any)."""
    if matrix.cells.shape[1] == 0 or matrix.nnz == 0:
        return "none", {}
    if matrix.cells.shape[1] <= ease_max_items:
        return "ease", _top_k_dense(ease_weights(matrix.cells), matrix.item_ids, k)
    return "cosine", cosine_neighbours(matrix, k)


def ease_weights(cells: sp.csr_matrix, l2: float = EASE_L2) -> np.ndarray:
    """EASE's item-item weights B (zero diagonal)."""
    gram = (cells.T @ cells).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += l2
    inverse = np.linalg.inv(gram)
    weights = -inverse / np.diag(inverse)
    weights[np.diag_indices_from(weights)] = 0.0
    return weights


def cosine_neighbours(matrix: Matrix, k: int) -> Neighbours:
    """Top-``k`` cosine neighbours with implicit's ``CosineRecommender``."""
    from implicit.nearest_neighbours import CosineRecommender

    model = CosineRecommender(K=k + 1, num_threads=0)
    with warnings.catch_warnings():
        # implicit converts its own intermediate matrix and says so; nothing to act on.
        warnings.simplefilter("ignore")
        model.fit(matrix.cells, show_progress=False)
    similarity = model.similarity.tocsr()
    out: Neighbours = {}
    ids = matrix.item_ids
    for row in range(similarity.shape[0]):
        start, end = similarity.indptr[row], similarity.indptr[row + 1]
        columns, scores = similarity.indices[start:end], similarity.data[start:end]
        keep = (columns != row) & (scores > 0)
        columns, scores = columns[keep], scores[keep]
        order = np.lexsort((columns, -scores))[:k]
        if len(order):
            out[int(ids[row])] = list(
                zip(ids[columns[order]].tolist(), scores[order].tolist(), strict=True)
            )
    return out


def item_norms(cells: sp.csr_matrix) -> np.ndarray:
    """Each column's L2 norm (what cosine divides by)."""
    return np.sqrt(np.asarray(cells.multiply(cells).sum(axis=0)).ravel())


def cosine_rows(
    matrix: Matrix, rows: Iterable[int], norms: Mapping[int, float], k: int
) -> Neighbours:
    """Top-``k`` cosine neighbours of the titles ``rows`` only, from a matrix that holds every
    user who touched them (all their cells); other titles' norms come from ``norms`` (the
    last refresh's), the norms of ``rows`` from the matrix itself."""
    ids = matrix.item_ids
    position = {int(media_id): index for index, media_id in enumerate(ids)}
    wanted = [position[r] for r in rows if r in position]
    if not wanted:
        return {}
    local = item_norms(matrix.cells)
    all_norms = np.array([norms.get(int(media_id), 0.0) for media_id in ids], dtype=np.float64)
    all_norms = np.where(all_norms > 0, all_norms, local)
    all_norms[wanted] = local[wanted]
    by_item = matrix.cells.T.tocsr()
    out: Neighbours = {}
    # In chunks, so that the dense block of dot products stays small (256 × titles).
    for start in range(0, len(wanted), 256):
        chunk = wanted[start : start + 256]
        dots = (by_item[chunk] @ matrix.cells).toarray()
        for line, column in enumerate(chunk):
            denominator = all_norms * all_norms[column]
            with np.errstate(divide="ignore", invalid="ignore"):
                scores = np.where(denominator > 0, dots[line] / denominator, 0.0)
            scores[column] = 0.0
            out[int(ids[column])] = _top(scores, ids, k)
    return out


def _top(scores: np.ndarray, ids: np.ndarray, k: int) -> list[tuple[int, float]]:
    candidates = np.nonzero(scores > 0)[0]
    if len(candidates) > k:
        candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
    order = candidates[np.lexsort((ids[candidates], -scores[candidates]))]
    order = order[:k]
    return list(zip(ids[order].tolist(), scores[order].tolist(), strict=True))


def _top_k_dense(weights: np.ndarray, ids: np.ndarray, k: int) -> Neighbours:
    out: Neighbours = {}
    for row in range(weights.shape[0]):
        top = _top(weights[row], ids, k)
        if top:
            out[int(ids[row])] = top
    return out


def recommend(
    cells: Mapping[int, float], neighbours: Mapping[int, list[tuple[int, float]]]
) -> dict[int, tuple[float, int]]:
    """Score titles from a user's cells: Σ over their titles l of sim(l, t) · cell(l);
    ``{title: (score, the title l that gave the most)}`` (the "because you liked")."""
    scores: dict[int, float] = {}
    best: dict[int, tuple[float, int]] = {}
    for liked, affinity in cells.items():
        if affinity <= 0:
            continue
        for other, similarity in neighbours.get(liked, ()):
            part = similarity * affinity
            scores[other] = scores.get(other, 0.0) + part
            if other not in best or part > best[other][0]:
                best[other] = (part, liked)
    return {title: (score, best[title][1]) for title, score in scores.items() if score > 0}
