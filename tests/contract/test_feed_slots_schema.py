"""The feed's slots in the OpenAPI document: a slot's ``content`` (a sponsored card or a
shop offer) is described by a real schema, and a feed reply with filled slots of both
kinds validates against the document."""

from __future__ import annotations

import jsonschema

from metacult import discovery
from tests.accounts import sign_up
from tests.titles import new_titles


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


async def test_slot_content_has_a_real_schema_and_a_filled_feed_validates_against_it(
    client, db
) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()
    reply = document["paths"]["/api/v1/feed"]["get"]["responses"]["200"]
    reply_schema = reply["content"]["application/json"]["schema"]
    slots = _resolve(document, _resolve(document, reply_schema)["properties"]["slots"])
    slot = _resolve(document, slots["items"])
    content = slot["properties"]["content"]
    described = [_resolve(document, each) for each in content.get("anyOf", [content])]
    cards = [each for each in described if each.get("type") == "object"]
    assert cards, content
    assert {"advertiser", "title", "url", "sponsored"} <= set(cards[0]["properties"])
    assert set(cards[0]["required"]) >= {"advertiser", "title", "url"}

    await new_titles(db, 6, kind="series", genres=("kids",))
    reader = await sign_up(client)
    response = await client.patch(
        "/api/v1/me", headers=reader.headers, json={"favourite_genres": ["kids"]}
    )
    assert response.status == 200

    async def filler(app, request: discovery.SlotRequest):
        return [
            discovery.SlotContent(
                advertiser="Shop", title="Card", body="", image_url=None, cta_label="Go", url="/x"
            )
            for _ in request.positions
        ]

    fillers = client.app[discovery.SLOT_FILLERS]
    kept = dict(fillers)
    try:
        fillers["native_ad"] = filler
        fillers["offer"] = filler
        response = await client.get("/api/v1/feed?limit=20", headers=reader.headers)
        assert response.status == 200, await response.text()
        body = await response.json()
    finally:
        fillers.clear()
        fillers.update(kept)
    assert any(s["content"] for s in body["slots"]), body["slots"]
    jsonschema.Draft202012Validator(
        {**reply_schema, "components": document["components"]}
    ).validate(body)
