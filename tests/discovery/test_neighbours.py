"""Neighbours: the library's output against a plain numpy computation, and planted structure."""

from __future__ import annotations

import numpy as np
import pytest

from metacult.discovery import neighbours as model

pytestmark = pytest.mark.unit


def _random_matrix(seed: int = 7, users: int = 60, items: int = 25, density: float = 0.25):
    rng = np.random.default_rng(seed)
    dense = (rng.random((users, items)) < density) * rng.uniform(0.2, 2.0, (users, items))
    rows, cols = np.nonzero(dense)
    # Title ids are sparse and unordered, as in the catalogue.
    ids = rng.choice(np.arange(1000, 9000), items, replace=False)
    matrix = model.build_matrix(rows + 500, ids[cols], dense[rows, cols])
    # build_matrix orders columns by title id: line the dense matrix up with it.
    return dense[:, np.argsort(ids)], matrix


def _reference_cosine(dense: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
    norms = np.linalg.norm(dense, axis=0)
    sims = (dense.T @ dense) / np.outer(norms, norms)
    np.fill_diagonal(sims, 0)
    out = []
    for row in sims:
        order = [j for j in np.argsort(-row, kind="stable") if row[j] > 0][:k]
        out.append([(j, float(row[j])) for j in order])
    return out


def test_implicit_cosine_neighbours_match_the_numpy_reference() -> None:
    dense, matrix = _random_matrix()
    name, found = model.compute(matrix, k=5, ease_max_items=0)
    assert name == "cosine"
    reference = _reference_cosine(dense, 5)
    for column, media_id in enumerate(matrix.item_ids):
        expected = [(int(matrix.item_ids[j]), s) for j, s in reference[column]]
        got = found.get(int(media_id), [])
        assert [n for n, _ in got] == [n for n, _ in expected]
        assert np.allclose([s for _, s in got], [s for _, s in expected], atol=1e-5)


def test_incremental_rows_equal_the_full_computation_for_the_changed_titles() -> None:
    _, matrix = _random_matrix(seed=3)
    _, full = model.compute(matrix, k=6, ease_max_items=0)
    norms = dict(zip(map(int, matrix.item_ids), model.item_norms(matrix.cells), strict=True))
    changed = [int(matrix.item_ids[2]), int(matrix.item_ids[9])]
    # Only the users who touched the changed titles, with all their cells.
    touching = np.unique(
        np.concatenate([matrix.cells[:, 2].nonzero()[0], matrix.cells[:, 9].nonzero()[0]])
    )
    sub = matrix.cells[touching]
    rows, cols = sub.nonzero()
    partial = model.build_matrix(
        matrix.user_ids[touching][rows], matrix.item_ids[cols], np.asarray(sub[rows, cols]).ravel()
    )
    rows_found = model.cosine_rows(partial, changed, norms, 6)
    for media_id in changed:
        assert [n for n, _ in rows_found[media_id]] == [n for n, _ in full[media_id]]
        assert np.allclose(
            [s for _, s in rows_found[media_id]], [s for _, s in full[media_id]], atol=1e-5
        )


def test_ease_weights_are_the_closed_form() -> None:
    dense, matrix = _random_matrix(seed=11)
    gram = dense.T @ dense + 300.0 * np.eye(dense.shape[1])
    inverse = np.linalg.inv(gram)
    expected = np.eye(dense.shape[1]) - inverse / np.diag(inverse)
    assert np.allclose(model.ease_weights(matrix.cells), expected, atol=1e-4)


@pytest.mark.parametrize("ease_max_items", [0, 3000])
def test_a_planted_cross_media_pair_comes_out_of_the_data(ease_max_items: int) -> None:
    rng = np.random.default_rng(5)
    users, items, values = [], [], []
    # 40 users who loved game 1 also loved film 2; everyone else likes random titles.
    for user in range(40):
        users += [user, user]
        items += [1, 2]
        values += [1.0, 1.0]
    for user in range(40, 400):
        for item in rng.choice(np.arange(3, 60), 4, replace=False):
            users.append(user)
            items.append(int(item))
            values.append(1.0)
        if user % 9 == 0:
            users.append(user)
            items.append(1)
            values.append(1.0)
    matrix = model.build_matrix(np.array(users), np.array(items), np.array(values))
    _, found = model.compute(matrix, k=5, ease_max_items=ease_max_items)
    assert found[1][0][0] == 2


def test_recommend_sums_similarities_weighted_by_affinity_and_names_the_strongest_source() -> None:
    neighbours = {1: [(10, 0.5), (11, 0.2)], 2: [(10, 0.1), (12, 0.9)]}
    scores = model.recommend({1: 1.0, 2: 0.5, 3: -1.0}, neighbours)
    assert scores[10] == pytest.approx((0.5 + 0.05, 1))
    assert scores[12] == pytest.approx((0.45, 2))


def test_negative_evidence_cancels_but_never_goes_below_zero() -> None:
    matrix = model.build_matrix(
        np.array([1, 1, 2]), np.array([5, 5, 6]), np.array([1.0, -1.5, 1.0])
    )
    assert matrix.nnz == 1
