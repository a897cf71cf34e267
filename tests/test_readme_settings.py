"""README documents every setting: each environment variable ``Settings.from_env`` reads
stands in one of README's variable tables (Configuration's or a section's)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from metacult.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


class _Reads(Mapping[str, str]):
    """An empty environment that remembers each variable asked of it."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.names.add(name)
        raise KeyError(name)

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.names.add(name)
        return default

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.names.add(name)
        return False

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _documented() -> set[str]:
    """The variables named in the first cell of README's table rows."""
    names: set[str] = set()
    for line in README.read_text().splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)", first))
    return names


def test_every_setting_read_from_the_environment_is_in_a_readme_table() -> None:
    env = _Reads()
    Settings.from_env(env)
    assert len(env.names) > 20, env.names
    missing = sorted(env.names - _documented())
    assert not missing, f"settings missing from README's variable tables: {missing}"
