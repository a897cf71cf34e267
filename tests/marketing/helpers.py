"""Campaigns for marketing's tests, created through the admin API."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any


def far_window() -> datetime:
    """The start of a day no other test's campaigns are scheduled on (a controlled clock)."""
    return datetime(random.randint(2200, 9000), 1, 1, tzinfo=UTC) + timedelta(
        days=random.randint(0, 360)
    )


def campaign_body(start: datetime | None = None, days: int = 1, **changes: Any) -> dict[str, Any]:
    start = start or datetime.now(UTC) - timedelta(hours=1)
    body: dict[str, Any] = {
        "advertiser": "Acme Games",
        "creative": {
            "title": "Play Acme Quest",
            "body": "The quest of the year.",
            "image_url": "https://acme.example/banner.png",
            "cta_label": "Play now",
            "cta_url": "https://acme.example/quest?from=metacult",
        },
        "targeting": {"kinds": [], "genres": [], "platforms": []},
        "schedule": {
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(days=days)).isoformat(),
        },
        "budget": {
            "total_cents": 100_000,
            "daily_cents": 100_000,
            "price_model": "cpm",
            "price_cents": 100,
        },
        "frequency_cap_per_day": 3,
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    return body


async def create(client, admin, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/admin/campaigns", json=body, headers=admin.headers)
    assert response.status == 201, await response.text()
    return await response.json()
