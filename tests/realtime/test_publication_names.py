"""Every publication type in docs/realtime.md follows one rule: ``context.noun``."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "realtime.md"
CONTEXTS = {
    "realtime",
    "identity",
    "catalog",
    "interaction",
    "ranking",
    "gamification",
    "discovery",
    "marketing",
    "commerce",
    "admin",
}
# A row of the table of what each context publishes: | `channel` | `type` | payload | from |
ROW = re.compile(r"^\| `[^`]+`(?:, `[^`]+`)* \| `([^`]+)` \|")


def test_each_documented_publication_type_reads_context_dot_noun() -> None:
    types = [match[1] for line in DOC.read_text().splitlines() if (match := ROW.match(line))]
    assert types, "the table of publications is missing from docs/realtime.md"
    wrong = [
        name
        for name in types
        if not re.fullmatch(r"[a-z]+\.[a-z_]+", name) or name.split(".")[0] not in CONTEXTS
    ]
    assert wrong == []
