"""The offline evaluation command, on synthetic ratings with planted taste groups."""

from __future__ import annotations

import pytest

from metacult.discovery import evaluate
from tests.discovery.synthetic import write_ratings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("ease_max_items", [0, 3000])
def test_the_feeds_recommender_beats_popularity(tmp_path, ease_max_items: int) -> None:
    data = evaluate.read_ratings(write_ratings(tmp_path / "u.data"))

    results = evaluate.evaluate(data, seed=3, ease_max_items=ease_max_items)

    popularity = results.pop("popularity")
    (feed,) = results.values()
    assert feed["ndcg@10"] > popularity["ndcg@10"] + 0.1
    assert feed["coverage"] > popularity["coverage"]


def test_the_command_reads_both_formats_and_prints_a_table(tmp_path, capsys) -> None:
    plain = write_ratings(tmp_path / "u.data", users=80, items=60)
    inter = tmp_path / "ratings.inter"
    inter.write_text(
        "user_id:token\titem_id:token\trating:float\ttimestamp:float\n" + plain.read_text()
    )
    outputs = []
    for path in (plain, inter):
        assert evaluate.main(["--ratings", str(path)]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    header, *rows = outputs[0].strip().splitlines()
    assert header.split() == ["model", "precision@10", "recall@10", "ndcg@10", "coverage"]
    assert [row.split()[0] for row in rows] == ["popularity", "feed"]
