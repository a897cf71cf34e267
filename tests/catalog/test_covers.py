"""Generated covers: every title without an image shows one, the same every time."""

from __future__ import annotations

from xml.etree import ElementTree

from metacult import catalog
from tests.titles import new_title

SVG = "{http://www.w3.org/2000/svg}"


async def test_a_title_without_an_image_points_to_its_generated_cover_everywhere(client, db):
    media_id = await new_title(db, kind="film", title="Le Fabuleux Destin", year=2001)
    other = await new_title(db, kind="film", year=2002)
    cover = f"/api/v1/media/{media_id}/cover.svg"

    page = await (await client.get(f"/api/v1/media/{media_id}")).json()
    search = await (await client.get("/api/v1/media?q=Fabuleux%20Destin&kind=film")).json()
    async with db.acquire() as conn:
        summaries = await catalog.media_summaries(conn, [media_id, other])

    assert page["cover_url"] == cover
    assert {item["id"]: item["cover_url"] for item in search["items"]}[media_id] == cover
    # What duels, leaderboards and feeds show of a title.
    assert summaries[media_id].cover_url == cover
    assert summaries[other].cover_url == f"/api/v1/media/{other}/cover.svg"


async def test_a_title_with_an_image_keeps_it(client, db):
    image = "https://images.example.org/poster.jpg"
    media_id = await new_title(db, kind="series", cover_url=image)

    page = await (await client.get(f"/api/v1/media/{media_id}")).json()

    assert page["cover_url"] == image


async def test_the_generated_cover_shows_the_title_kind_and_year_the_same_every_time(client, db):
    media_id = await new_title(db, kind="game", title="Hollow <Knight> & Co", year=2017)

    first = await client.get(f"/api/v1/media/{media_id}/cover.svg")
    again = await client.get(f"/api/v1/media/{media_id}/cover.svg")

    assert first.status == 200
    assert first.headers["Content-Type"].startswith("image/svg+xml")
    body = await first.text()
    assert body == await again.text()
    assert first.headers["ETag"] == again.headers["ETag"]
    svg = ElementTree.fromstring(body)  # well-formed, the title's markup escaped
    assert svg.tag == f"{SVG}svg" and svg.get("aria-label") == "Hollow <Knight> & Co"
    text = " ".join("".join(node.itertext()) for node in svg.iter(f"{SVG}text"))
    assert "HK" in text and "2017" in text and "GAME" in text and "<Knight>" in text
    assert (svg.get("width"), svg.get("height")) == ("240", "320")  # box art, 3:4
    unchanged = await client.get(
        f"/api/v1/media/{media_id}/cover.svg", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert unchanged.status == 304


async def test_each_title_gets_its_own_colour(client, db):
    ids = [await new_title(db, kind="film") for _ in range(3)]

    colours = set()
    for media_id in ids:
        response = await client.get(f"/api/v1/media/{media_id}/cover.svg")
        svg = ElementTree.fromstring(await response.text())
        colours.add(next(svg.iter(f"{SVG}stop")).get("stop-color"))

    assert len(colours) == 3


async def test_an_unknown_title_has_no_cover(client):
    response = await client.get("/api/v1/media/999999999/cover.svg")

    assert response.status == 404
    assert (await response.json())["error"]["code"] == "media_not_found"


async def test_the_browser_gets_a_favicon(client):
    response = await client.get("/favicon.ico")

    assert response.status == 200
    body = await response.read()
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert len(body) > 22
