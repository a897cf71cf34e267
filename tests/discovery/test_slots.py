"""The feed's slots filled through the filler registry: what a filler answers shows in its
slot, and a filler that fails leaves its slots empty, never the feed."""

from __future__ import annotations

from metacult import discovery
from tests.accounts import sign_up
from tests.titles import new_titles


async def _slots(client, account) -> list[dict]:
    response = await client.get("/api/v1/feed?limit=20", headers=account.headers)
    assert response.status == 200, await response.text()
    return (await response.json())["slots"]


async def test_a_registered_filler_fills_its_slots_and_a_failing_one_leaves_them_empty(
    client, db
) -> None:
    await new_titles(db, 6, kind="series", genres=("kids",))
    reader = await sign_up(client)
    response = await client.patch(
        "/api/v1/me", headers=reader.headers, json={"favourite_genres": ["kids"]}
    )
    assert response.status == 200
    asked: list[discovery.SlotRequest] = []

    async def filler(app, request: discovery.SlotRequest):
        asked.append(request)
        return [
            discovery.SlotContent(
                advertiser="Test", title="Card", body="", image_url=None, cta_label="Go", url="/x"
            )
            for _ in request.positions
        ]

    async def failing(app, request):
        raise RuntimeError("the ad server is away")

    fillers = client.app[discovery.SLOT_FILLERS]
    kept = fillers.get("native_ad")
    try:
        fillers["native_ad"] = filler
        slots = await _slots(client, reader)
        ads = [s for s in slots if s["kind"] == "native_ad"]
        assert ads and all(s["content"]["advertiser"] == "Test" for s in ads)
        assert asked[0].user_id == reader.id
        assert asked[0].positions == tuple(s["position"] for s in ads)
        assert asked[0].media

        fillers["native_ad"] = failing
        slots = await _slots(client, reader)
        assert slots and all(s["content"] is None for s in slots)
    finally:
        if kept is None:
            fillers.pop("native_ad", None)
        else:
            fillers["native_ad"] = kept
