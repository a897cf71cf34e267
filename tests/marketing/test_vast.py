"""VAST for video slots, parsed with an XML parser: InLine for a video creative, a Wrapper
to a network's ad server (a local one serving InLine), the empty document, the pixel."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from aiohttp import web

from metacult.marketing import service, vast
from metacult.typedefs import DB, REDIS, SETTINGS
from tests.accounts import sign_up
from tests.marketing.helpers import campaign_body, create, far_window

VIDEO = {
    "url": "https://cdn.acme.example/quest.mp4",
    "duration_s": 75,
    "width": 1920,
    "height": 1080,
}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def test_a_video_campaign_is_answered_as_a_vast_inline_whose_pixel_counts_once(
    client,
) -> None:
    admin = await sign_up(client, role="admin")
    # The highest price of the run: this campaign wins the slot now.
    body = campaign_body(
        video=VIDEO,
        budget={"total_cents": 10**9, "daily_cents": 10**9, "price_cents": 10**8},
    )
    campaign = await create(client, admin, body)
    assert campaign["video"]["duration_s"] == 75
    viewer = await sign_up(client)

    response = await client.get("/api/v1/ads/vast?slot=preroll", headers=viewer.headers)
    assert response.status == 200
    assert response.content_type == "application/xml"
    root = ET.fromstring(await response.read())
    assert root.tag == "VAST"
    assert root.get("version", "").startswith("4.")
    ad = root.find("Ad")
    assert ad is not None and ad.get("id") == str(campaign["id"])
    inline = ad.find("InLine")
    assert inline.findtext("AdSystem") == "Metacult"
    assert inline.findtext("AdTitle") == "Play Acme Quest"
    impression = inline.findtext("Impression")
    linear = inline.find("Creatives/Creative/Linear")
    assert linear.findtext("Duration") == "00:01:15"
    media = linear.find("MediaFiles/MediaFile")
    assert media.text == VIDEO["url"]
    assert (media.get("type"), media.get("width"), media.get("height")) == (
        "video/mp4",
        "1920",
        "1080",
    )
    events = {t.get("event") for t in linear.findall("TrackingEvents/Tracking")}
    assert {"start", "firstQuartile", "midpoint", "thirdQuartile", "complete"} <= events
    click = linear.findtext("VideoClicks/ClickThrough")

    for _ in range(3):
        pixel = await client.get(_path(impression))
        assert pixel.status == 204
    followed = await client.get(_path(click), allow_redirects=False)
    assert followed.status == 302
    assert followed.headers["Location"] == "https://acme.example/quest?from=metacult"
    app = client.app
    while await service.record_events(app[DB], app[REDIS], app[SETTINGS]):
        pass
    report = await client.get(
        f"/api/v1/admin/campaigns/{campaign['id']}/report", headers=admin.headers
    )
    (day,) = (await report.json())["days"]
    assert (day["impressions"], day["clicks"]) == (1, 1)
    assert day["spent_cents"] == 10**5  # CPM: the impression is paid, the click is free

    assert (
        await client.get("/api/v1/admin/campaigns/" + str(campaign["id"]), headers=admin.headers)
    ).status == 200
    paused = await client.patch(
        f"/api/v1/admin/campaigns/{campaign['id']}",
        json={"status": "paused"},
        headers=admin.headers,
    )
    assert paused.status == 200


async def test_nothing_eligible_is_the_empty_vast_document(client) -> None:
    app = client.app
    chosen = await service.select_video(
        app[DB], app[REDIS], app[SETTINGS], None, far_window() + timedelta(hours=1)
    )
    assert chosen is None
    root = ET.fromstring(vast.empty())
    assert root.tag == "VAST" and list(root) == []


async def test_a_network_campaign_is_a_wrapper_to_its_ad_server(client, aiohttp_server) -> None:
    inline = (
        '<?xml version="1.0" encoding="UTF-8"?><VAST version="4.2"><Ad id="net-1"><InLine>'
        "<AdSystem>Local Ad Server</AdSystem><AdTitle>Network ad</AdTitle>"
        "<Impression>https://ads.example/imp</Impression><Creatives><Creative><Linear>"
        '<Duration>00:00:15</Duration><MediaFiles><MediaFile delivery="progressive" '
        'type="video/mp4" width="640" height="360">https://ads.example/ad.mp4</MediaFile>'
        "</MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>"
    )

    async def tag(request: web.Request) -> web.Response:
        return web.Response(text=inline, content_type="application/xml")

    ad_server_app = web.Application()
    ad_server_app.router.add_get("/vast", tag)
    ad_server = await aiohttp_server(ad_server_app)
    admin = await sign_up(client, role="admin")
    start = far_window()
    body = campaign_body(start, vast_tag_url=str(ad_server.make_url("/vast")))
    network = await create(client, admin, body)
    app = client.app
    at = start + timedelta(hours=3)

    campaign, _token = await service.select_video(app[DB], app[REDIS], app[SETTINGS], 5, at)
    assert campaign.id == network["id"]
    wrapper_doc = vast.document(campaign, tracking_url="https://m.example/t", click_url="x")
    wrapper = ET.fromstring(wrapper_doc).find("Ad/Wrapper")
    assert wrapper.findtext("AdSystem") == "Metacult"
    assert wrapper.findtext("Impression") == "https://m.example/t?event=impression"
    tag_url = wrapper.findtext("VASTAdTagURI")
    async with client.session.get(tag_url) as response:
        chained = ET.fromstring(await response.read())
    assert chained.findtext("Ad/InLine/AdTitle") == "Network ad"
    assert chained.find("Ad/InLine/Creatives/Creative/Linear/MediaFiles/MediaFile") is not None
    # The feed's native slots never show a network campaign.
    chosen = await service.select_ads(app[DB], app[REDIS], app[SETTINGS], 6, 2, (), frozenset(), at)
    assert network["id"] not in {c.id for c, _ in chosen}
