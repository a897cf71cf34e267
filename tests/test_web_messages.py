"""The web app's message tables: English and French have the same keys, and every key a
module names literally (``t("duel.skip_both")``) is in them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

STATIC = Path(__file__).resolve().parents[1] / "static"
KEY = re.compile(r'^\s*"([^"]+)":', re.MULTILINE)
USED = re.compile(r'\bt\("([a-z_.]+)"')


def _keys(language: str) -> set[str]:
    return set(KEY.findall((STATIC / "i18n" / f"{language}.js").read_text(encoding="utf-8")))


def _plain(keys: set[str]) -> set[str]:
    """Keys with their plural forms (``.one``, ``.other``) folded into the base key."""
    return keys | {re.sub(r"\.(zero|one|two|few|many|other)$", "", key) for key in keys}


def test_english_and_french_have_the_same_keys():
    assert _keys("en") == _keys("fr")


def test_every_key_used_by_a_module_is_in_the_tables():
    known = _plain(_keys("en"))
    modules = [p for p in STATIC.rglob("*.js") if "vendor" not in p.parts and "i18n" not in p.parts]
    missing = {
        f"{path.relative_to(STATIC)}: {key}"
        for path in modules
        for key in USED.findall(path.read_text(encoding="utf-8"))
        if key not in known
    }
    assert not missing
