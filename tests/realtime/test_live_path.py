"""The live path: frames bursting at one socket are written together, and an action taken
over HTTP reaches websocket watchers through the outbox, a real worker and the hub."""

from __future__ import annotations

import asyncio
import gc

import pytest

from metacult.realtime import publish
from metacult.typedefs import HUB
from tests.accounts import sign_up
from tests.helpers import eventually
from tests.ranking.conftest import offer
from tests.realtime.live import Live, media_channel
from tests.titles import new_titles

BURST = 200


async def test_a_burst_of_publications_is_coalesced_into_fewer_writes_delivered_in_order(
    aiohttp_client, make_app, redis, settings
) -> None:
    app = make_app()
    client = await aiohttp_client(app)
    live = await Live.open(client)
    channel = media_channel()
    assert (await live.subscribe(channel))["type"] == "subscribed"
    metrics = app[HUB].metrics
    sent, writes = metrics.sent, metrics.writes

    published = []
    for start in range(0, BURST, 10):
        published += await asyncio.gather(
            *(publish(redis, settings, channel, {"n": n}) for n in range(start, start + 10))
        )

    frames = [await live.expect("publication", channel=channel) for _ in range(BURST)]
    offsets = [frame["offset"] for frame in frames]
    assert offsets == sorted(p.offset for p in published)
    assert offsets == list(range(offsets[0], offsets[0] + BURST))
    assert sorted(frame["data"]["n"] for frame in frames) == list(range(BURST))
    assert metrics.sent - sent == BURST
    assert 0 < metrics.writes - writes < BURST
    await live.close()


async def test_publications_one_by_one_in_a_burst_window_reach_many_sockets_in_one_write_each(
    aiohttp_client, make_app, redis, settings
) -> None:
    from metacult.realtime.hub import COALESCE_AFTER

    # A long window, so that the publications below are sure to fall in it.
    app = make_app(realtime_coalesce_ms=3_000.0)
    client = await aiohttp_client(app)
    channel = media_channel()
    watchers = [await Live.open(client) for _ in range(COALESCE_AFTER)]
    for live in watchers:
        assert (await live.subscribe(channel))["type"] == "subscribed"
    metrics = app[HUB].metrics

    # A first message after a quiet spell goes at once, one write per socket.
    await publish(redis, settings, channel, {"n": 0})
    for live in watchers:
        assert (await live.expect("publication", channel=channel))["data"] == {"n": 0}
    writes = metrics.writes
    # The next ones, published one by one within the window, go out together.
    for n in range(1, 4):
        await publish(redis, settings, channel, {"n": n})
        await asyncio.sleep(0.01)
    for live in watchers:
        frames = [await live.expect("publication", channel=channel) for _ in range(3)]
        assert [frame["data"]["n"] for frame in frames] == [1, 2, 3]
    assert metrics.writes - writes == COALESCE_AFTER
    for live in watchers:
        await live.close()


@pytest.mark.slow
async def test_a_vote_and_a_like_over_http_reach_watchers_of_the_board_and_the_title(
    client, db, worker
) -> None:
    voter = await sign_up(client)
    a, b = await new_titles(db, 2, kind="game")
    board = await Live.open(client)
    title = await Live.open(client)
    assert (await board.subscribe("leaderboard:kind:game"))["type"] == "subscribed"
    assert (await title.subscribe(f"media:{a}"))["type"] == "subscribed"
    duel_id = await offer(db, voter.id, a, b)

    vote = await client.post(
        f"/api/v1/duels/{duel_id}/vote", json={"winner": a}, headers=voter.headers
    )
    assert vote.status == 200, await vote.text()
    like = await client.put(f"/api/v1/media/{a}/like", headers=voter.headers)
    assert like.status == 200, await like.text()

    while True:
        frame = await board.expect("publication", channel="leaderboard:kind:game")
        moved = {move["media_id"]: move for move in frame["data"]["moves"]}
        if a in moved:
            break
    assert moved[a]["to"] >= 1 and moved[a]["rating"] > 1500
    stats = await title.expect("publication", channel=f"media:{a}")
    assert stats["data"]["type"] == "interaction.stats" and stats["data"]["likes"] == 1
    await board.close()
    await title.close()


@pytest.mark.slow
async def test_metrics_show_the_live_path_timings_of_the_relay_and_the_workers(
    client, db, worker
) -> None:
    fan = await sign_up(client)
    (title,) = await new_titles(db, 1)
    live = await Live.open(client)
    assert (await live.subscribe(f"media:{title}"))["type"] == "subscribed"

    like = await client.put(f"/api/v1/media/{title}/like", headers=fan.headers)
    assert like.status == 200
    await live.expect("publication", channel=f"media:{title}")

    async def timings() -> str | None:
        text = await (await client.get("/metrics")).text()
        wanted = (
            "metacult_outbox_commit_to_enqueue_seconds_count ",
            'metacult_worker_enqueue_to_start_seconds_count{actor="update_media_stats"}',
            'metacult_worker_run_seconds_bucket{actor="update_media_stats",le="+Inf"}',
            "metacult_realtime_publish_to_send_seconds_count ",
            "metacult_realtime_socket_writes_total ",
        )
        return text if all(line in text for line in wanted) else None

    text = await eventually(timings)
    count = next(
        line
        for line in text.splitlines()
        if line.startswith("metacult_outbox_commit_to_enqueue_seconds_count ")
    )
    assert float(count.split()[1]) >= 1
    await live.close()


@pytest.mark.slow
async def test_metrics_show_how_long_rank_moves_waited_for_their_boards_message(
    client, db, worker
) -> None:
    voter = await sign_up(client)
    a, b = await new_titles(db, 2, kind="game")
    board = await Live.open(client)
    assert (await board.subscribe("leaderboard:kind:game"))["type"] == "subscribed"
    duel_id = await offer(db, voter.id, a, b)

    vote = await client.post(
        f"/api/v1/duels/{duel_id}/vote", json={"winner": a}, headers=voter.headers
    )
    assert vote.status == 200, await vote.text()
    await board.expect("publication", channel="leaderboard:kind:game")

    async def held() -> bool:
        text = await (await client.get("/metrics")).text()
        line = 'metacult_ranking_move_hold_seconds_count{actor="update_ratings"} '
        return any(
            row.startswith(line) and float(row.split()[-1]) >= 1 for row in text.splitlines()
        )

    assert await eventually(held)
    await board.close()


async def test_metrics_show_how_long_the_garbage_collector_stopped_the_process(client) -> None:
    def full_passes(text: str) -> float:
        line = 'metacult_gc_pause_seconds_count{generation="2"} '
        return next(float(row.split()[-1]) for row in text.splitlines() if row.startswith(line))

    before = full_passes(await (await client.get("/metrics")).text())
    gc.collect()
    after = full_passes(await (await client.get("/metrics")).text())
    assert after >= before + 1
