"""The websocket protocol on one web process: subscribe, publications, errors and limits."""

from __future__ import annotations

from aiohttp import WSMsgType, WSServerHandshakeError

from metacult.infra.web import Schema
from metacult.realtime import publish, register_action
from tests.realtime.live import Live, leaderboard_channel, media_channel


async def test_a_publication_reaches_a_subscriber_with_its_offset_and_epoch(
    client, redis, settings
) -> None:
    live = await Live.open(client)
    channel = media_channel()
    subscribed = await live.subscribe(channel)
    assert subscribed["type"] == "subscribed" and subscribed["offset"] == 0
    assert subscribed["recovered"] is False

    published = await publish(redis, settings, channel, {"likes": 12})

    frame = await live.expect("publication")
    assert frame == {
        "type": "publication",
        "channel": channel,
        "offset": published.offset,
        "epoch": published.epoch,
        "data": {"likes": 12},
    }
    assert published.epoch == subscribed["epoch"]


async def test_messages_of_a_channel_arrive_in_order(client, redis, settings) -> None:
    live = await Live.open(client)
    channel = leaderboard_channel()
    await live.subscribe(channel)
    for rank in range(20):
        await publish(redis, settings, channel, {"rank": rank})
    frames = await live.publications(20)
    assert [frame["data"]["rank"] for frame in frames] == list(range(20))
    assert [frame["offset"] for frame in frames] == list(range(1, 21))


async def test_anonymous_connections_may_not_read_a_users_channel(client) -> None:
    live = await Live.open(client)
    reply = await live.subscribe("user:1")
    assert reply["type"] == "error" and reply["code"] == "forbidden"
    assert (await live.subscribe("admin:dashboard"))["code"] == "forbidden"
    # The connection stays open and usable.
    assert (await live.subscribe(media_channel()))["type"] == "subscribed"


async def test_unknown_channels_are_refused_with_an_error(client) -> None:
    live = await Live.open(client)
    for channel in ("chat:1", "media:abc", "media", "admin:secrets"):
        reply = await live.subscribe(channel)
        assert reply["code"] == "unknown_channel", channel
    assert (await live.subscribe(media_channel()))["type"] == "subscribed"


async def test_malformed_and_oversized_frames_get_errors_and_the_connection_stays(client) -> None:
    live = await Live.open(client)
    await live.ws.send_str("{not json")
    assert (await live.expect("error"))["code"] == "malformed_json"
    await live.ws.send_str('{"type": "subscribe", "channel": "' + "x" * 70_000 + '"}')
    assert (await live.expect("error"))["code"] == "frame_too_large"
    await live.send({"type": "dance", "id": "d1"})
    reply = await live.expect("error")
    assert reply["code"] == "invalid_frame" and reply["id"] == "d1"
    await live.send({"type": "ping", "id": "p1"})
    assert await live.expect("pong") == {"type": "pong", "id": "p1"}


async def test_repeated_abuse_closes_the_connection_with_1008(aiohttp_client, make_app) -> None:
    client = await aiohttp_client(make_app(realtime_abuse_limit=3))
    live = await Live.open(client)
    for _ in range(6):
        await live.ws.send_str("garbage")
    assert await live.closed() == 1008


async def test_a_connection_has_at_most_the_configured_subscriptions(
    aiohttp_client, make_app
) -> None:
    client = await aiohttp_client(make_app(realtime_max_subscriptions=2))
    live = await Live.open(client)
    assert (await live.subscribe(media_channel()))["type"] == "subscribed"
    assert (await live.subscribe(media_channel()))["type"] == "subscribed"
    assert (await live.subscribe(media_channel()))["code"] == "too_many_subscriptions"


async def test_inbound_messages_are_rate_limited(aiohttp_client, make_app) -> None:
    client = await aiohttp_client(
        make_app(realtime_rate_burst=5, realtime_rate_per_second=0.1, realtime_abuse_limit=100)
    )
    live = await Live.open(client)
    for n in range(8):
        await live.send({"type": "ping", "id": n})
    assert (await live.expect("error"))["code"] == "rate_limited"


async def test_unsubscribed_channels_stop_arriving(client, redis, settings) -> None:
    live = await Live.open(client)
    quiet, loud = media_channel(), media_channel()
    await live.subscribe(quiet)
    await live.subscribe(loud)
    await live.send({"type": "unsubscribe", "id": "u", "channel": quiet})
    await live.expect("unsubscribed", id="u")
    await publish(redis, settings, quiet, {"n": 1})
    await publish(redis, settings, loud, {"n": 2})
    frame = await live.expect("publication")
    assert frame["channel"] == loud


async def test_the_server_pings_and_drops_a_silent_client(aiohttp_client, make_app) -> None:
    client = await aiohttp_client(make_app(realtime_ping_interval=0.1, realtime_idle_timeout=0.5))
    live = await Live(await client.ws_connect("/ws", autoping=False)).receive()
    assert live == {"type": "ping"}
    # The client never answers: it is dropped as idle.
    silent = Live(await client.ws_connect("/ws", autoping=False))
    assert await silent.closed() == 4001


async def test_a_client_answering_pings_stays_connected(aiohttp_client, make_app) -> None:
    client = await aiohttp_client(make_app(realtime_ping_interval=0.1, realtime_idle_timeout=0.5))
    live = await Live.open(client, autoping=False)
    for _ in range(10):
        assert (await live.receive())["type"] == "ping"
        await live.send({"type": "pong"})
    assert not live.ws.closed


async def test_a_client_that_answered_then_fell_silent_is_dropped(aiohttp_client, make_app) -> None:
    client = await aiohttp_client(make_app(realtime_ping_interval=0.1, realtime_idle_timeout=0.5))
    live = await Live.open(client, autoping=False)
    assert (await live.receive())["type"] == "ping"
    await live.send({"type": "pong"})
    # Heard once, then never again: closed once the idle timeout has passed since.
    while True:
        frame = await live.ws.receive(timeout=3)
        if frame.type != WSMsgType.TEXT:
            break
    assert live.ws.close_code == 4001


async def test_pongs_get_no_answer_and_count_as_frames(client) -> None:
    live = await Live.open(client)
    await live.ws.send_str('{"type":"pong"}')
    await live.send({"type": "pong", "id": 7})
    await live.send({"type": "ping", "id": "p"})
    assert await live.receive() == {"type": "pong", "id": "p"}


async def test_a_foreign_origin_may_not_open_a_websocket(client, settings) -> None:
    try:
        await client.ws_connect("/ws", headers={"Origin": "https://evil.example"})
    except WSServerHandshakeError as exc:
        assert exc.status == 403
    else:
        raise AssertionError("a foreign origin was let in")
    own = await client.ws_connect("/ws", headers={"Origin": settings.public_url})
    assert not own.closed
    await own.close()


class Echo(Schema):
    word: str


async def test_registered_actions_are_parsed_called_and_answered(aiohttp_client, make_app) -> None:
    app = make_app()
    calls = []

    async def echo(app, principal, payload: Echo) -> dict:
        calls.append((principal, payload))
        return {"echo": payload.word}

    register_action(app, "test.echo", Echo, echo, auth="public")
    client = await aiohttp_client(app)
    live = await Live.open(client)

    await live.send({"type": "action", "id": "a1", "action": "test.echo", "data": {"word": "hi"}})
    assert await live.expect("reply") == {"type": "reply", "id": "a1", "data": {"echo": "hi"}}
    assert calls == [(None, Echo(word="hi"))]

    await live.send({"type": "action", "id": "a2", "action": "test.echo", "data": {}})
    error = await live.expect("error", id="a2")
    assert error["code"] == "invalid" and "data.word" in error["fields"]
    assert error["codes"]["data.word"] == "required"  # as the API's error shape has them

    await live.send({"type": "action", "id": "a3", "action": "test.nothing", "data": {}})
    assert (await live.expect("error", id="a3"))["code"] == "unknown_action"


async def test_actions_needing_a_user_refuse_anonymous_callers(aiohttp_client, make_app) -> None:
    app = make_app()

    async def vote(app, principal, payload: Echo) -> None:
        raise AssertionError("must not be called")

    register_action(app, "test.vote", Echo, vote)
    client = await aiohttp_client(app)
    live = await Live.open(client)
    await live.send({"type": "action", "id": 1, "action": "test.vote", "data": {"word": "a"}})
    assert (await live.expect("error", id=1))["code"] == "unauthenticated"


async def test_metrics_count_connections_and_messages(client, redis, settings) -> None:
    live = await Live.open(client)
    channel = media_channel()
    await live.subscribe(channel)
    await publish(redis, settings, channel, {"n": 1})
    await live.expect("publication")
    text = await (await client.get("/metrics")).text()
    assert 'metacult_realtime_connections{transport="websocket"} 1.0' in text
    assert "metacult_realtime_subscriptions 1.0" in text
    assert "metacult_realtime_messages_in_total 1.0" in text
    assert "metacult_realtime_publish_to_send_seconds_count 1.0" in text


async def test_readiness_includes_the_live_listener(client) -> None:
    body = await (await client.get("/readyz")).json()
    assert body["checks"]["pubsub"] is True
