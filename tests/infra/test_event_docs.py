"""``docs/events.md`` is what the declarations say, and every declared event reaches its actors."""

from __future__ import annotations

from pathlib import Path

from metacult.infra.events import PROBED
from tests.outbox import receivers
from workers.event_docs import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_the_committed_events_doc_is_the_generated_one() -> None:
    assert DOC.read_text() == render(), (
        "docs/events.md is stale: python -m metacult events-doc > docs/events.md"
    )


def test_the_probe_is_answered_by_its_actor() -> None:
    # The probe's round trip through the pipeline is tests/infra/test_outbox.py's.
    assert receivers(PROBED) == {"acknowledge_probe"}
