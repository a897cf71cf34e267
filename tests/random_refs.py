"""Unique values for tests, so that no test needs cleaning up after another."""

from __future__ import annotations

import uuid


def suffix() -> str:
    return uuid.uuid4().hex[:10]


def email(name: str = "user") -> str:
    return f"{name}-{suffix()}@example.test"


def slug(name: str = "item") -> str:
    return f"{name}-{suffix()}"


def redis_prefix(run_prefix: str, name: str = "ns") -> str:
    """A Redis namespace of its own inside the run's (``run_prefix``), so that the run's
    final sweep still finds its keys."""
    return f"{run_prefix}-{slug(name)}"
