"""Titles with offers for commerce's tests: a game in the store feed, a film at TMDB."""

from __future__ import annotations

from typing import Any

from tests.catalog import fake_providers
from tests.titles import new_title


def feed_entry(igdb_id: int, store: str, price: float, **fields: Any) -> dict[str, Any]:
    """One entry of the store price feed."""
    return {
        "igdb_id": igdb_id,
        "store": store,
        "price": price,
        "currency": "EUR",
        "region": "FR",
        "discount_percent": 0,
        "url": f"https://{store}.example/app/{igdb_id}",
        "available": True,
        **fields,
    }


async def feed_game(db) -> tuple[int, int]:
    """A game of the catalogue with an IGDB id: (media id, igdb id)."""
    igdb_id = fake_providers.new_id()
    return await new_title(db, kind="game", igdb_id=igdb_id), igdb_id


async def set_status(client, account, media_id: int, status: str) -> None:
    response = await client.put(
        f"/api/v1/media/{media_id}/status", json={"status": status}, headers=account.headers
    )
    assert response.status == 200, await response.text()
