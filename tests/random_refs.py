"""Unique values for tests, so that no test needs cleaning up after another."""

from __future__ import annotations

import uuid


def suffix() -> str:
    return uuid.uuid4().hex[:10]


def email(name: str = "user") -> str:
    return f"{name}-{suffix()}@example.test"


def slug(name: str = "item") -> str:
    return f"{name}-{suffix()}"
