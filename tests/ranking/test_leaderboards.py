"""Leaderboards: ordered by standing (rating − 2·RD), paged by keyset cursors, live rank
moves over the websocket, rebuilt from PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from metacult.infra.redis import rkey
from metacult.ranking import leaderboards, service
from metacult.realtime import history_after
from tests.accounts import sign_up
from tests.helpers import eventually
from tests.ranking.conftest import new_user, offer, unique_genre, vote_cast
from tests.realtime.live import Live
from tests.titles import new_titles


async def test_a_rank_move_arrives_over_a_real_websocket_after_a_vote(client, db, worker) -> None:
    account = await sign_up(client)
    a, b = await new_titles(db, 2, kind="game")
    live = await Live.open(client)
    assert (await live.subscribe("leaderboard:kind:game"))["type"] == "subscribed"
    duel_id = await offer(db, account.id, a, b)

    await client.post(f"/api/v1/duels/{duel_id}/vote", json={"winner": a}, headers=account.headers)

    while True:
        frame = await live.expect("publication", channel="leaderboard:kind:game")
        moved = {move["media_id"]: move for move in frame["data"]["moves"]}
        if a in moved:
            break
    move = moved[a]
    assert move["from"] is None and move["to"] >= 1 and move["rating"] > 1500
    assert frame["data"]["scope"] == "kind:game"
    await live.close()


async def test_a_leaderboard_lists_titles_by_standing_with_rank_deviation_and_movement(
    client, db, redis, settings
) -> None:
    genre = unique_genre()
    user_id = await new_user(db, "Fan")
    best, middle, worst = await new_titles(db, 3, kind="game", genres=(genre,), platforms=("pc",))
    for winner, loser in ((best, middle), (middle, worst), (best, worst)):
        await service.apply_vote(db, redis, settings, vote_cast(user_id, winner, loser))
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    await service.snapshot_leaderboards(db, redis, settings, today=yesterday)
    await service.apply_vote(db, redis, settings, vote_cast(user_id, worst, middle))
    await service.apply_vote(db, redis, settings, vote_cast(user_id, worst, middle))

    response = await client.get(f"/api/v1/leaderboards/genre:{genre}")

    assert response.status == 200
    body = await response.json()
    entries = body["entries"]
    assert [entry["rank"] for entry in entries] == [1, 2, 3]
    standings = [entry["standing"] for entry in entries]
    assert standings == sorted(standings, reverse=True)
    assert all(e["standing"] == pytest.approx(e["rating"] - 2 * e["rd"]) for e in entries)
    assert entries[0]["media"]["id"] == best
    assert all(entry["rd"] < 350 and entry["provisional"] for entry in entries)
    by_id = {entry["media"]["id"]: entry for entry in entries}
    assert by_id[worst]["movement"] == 1 and by_id[middle]["movement"] == -1
    assert by_id[best]["movement"] == 0
    assert body["next_cursor"] is None


async def test_leaderboards_page_with_a_cursor(client, db, redis, settings) -> None:
    genre = unique_genre()
    user_id = await new_user(db, "Fan")
    titles = await new_titles(db, 5, kind="game", genres=(genre,))
    for winner, loser in itertools.pairwise(titles):
        await service.apply_vote(db, redis, settings, vote_cast(user_id, winner, loser))

    first = await (await client.get(f"/api/v1/leaderboards/genre:{genre}?limit=3")).json()
    rest = await (
        await client.get(
            f"/api/v1/leaderboards/genre:{genre}?limit=3&cursor={first['next_cursor']}"
        )
    ).json()

    assert [e["rank"] for e in first["entries"] + rest["entries"]] == [1, 2, 3, 4, 5]
    ids = [e["media"]["id"] for e in first["entries"] + rest["entries"]]
    assert sorted(ids) == titles
    assert rest["next_cursor"] is None


async def test_a_title_with_one_lucky_win_does_not_lead_the_board(
    client, db, redis, settings
) -> None:
    # Given a title that won its only game, and one that earned its rating over many
    genre = unique_genre()
    user_id = await new_user(db, "Fan")
    lucky, proven, *others = await new_titles(db, 10, kind="game", genres=(genre,))
    await service.apply_vote(db, redis, settings, vote_cast(user_id, lucky, others[0]))
    for _ in range(3):
        for other in others:
            await service.apply_vote(db, redis, settings, vote_cast(user_id, proven, other))
            await service.apply_vote(db, redis, settings, vote_cast(user_id, other, proven))
        await service.apply_vote(db, redis, settings, vote_cast(user_id, proven, others[1]))

    # When the board is read
    body = await (await client.get(f"/api/v1/leaderboards/genre:{genre}")).json()

    # Then the proven title leads, though the lucky one's rating is higher
    by_id = {entry["media"]["id"]: entry for entry in body["entries"]}
    assert by_id[lucky]["rating"] > by_id[proven]["rating"]
    assert by_id[lucky]["provisional"] and by_id[lucky]["games"] == 1
    assert body["entries"][0]["media"]["id"] == proven
    assert by_id[proven]["rank"] < by_id[lucky]["rank"]


async def test_the_next_page_starts_where_the_last_one_ended_while_the_board_moves(
    client, db, redis, settings
) -> None:
    # Given a board of 6 titles read 3 at a time
    genre = unique_genre()
    user_id = await new_user(db, "Fan")
    titles = await new_titles(db, 6, kind="game", genres=(genre,))
    for winner, loser in itertools.pairwise(titles):
        await service.apply_vote(db, redis, settings, vote_cast(user_id, winner, loser))
    url = f"/api/v1/leaderboards/genre:{genre}?limit=3"
    first = await (await client.get(url)).json()
    last = first["entries"][-1]

    # When the bottom title climbs onto the first page before the next page is read
    risen = titles[-1]
    for _ in range(3):
        await service.apply_vote(db, redis, settings, vote_cast(user_id, risen, titles[0]))
    rest = await (await client.get(f"{url}&cursor={first['next_cursor']}")).json()
    now = await (await client.get(f"/api/v1/leaderboards/genre:{genre}")).json()

    # Then the next page holds the titles that now stand after the last one shown (an
    # offset would have shown that last one again), ranked as they are now
    rest_ids = [e["media"]["id"] for e in rest["entries"]]
    assert risen not in rest_ids and last["media"]["id"] not in rest_ids
    assert risen in [e["media"]["id"] for e in now["entries"][:3]]
    position = (last["standing"], str(last["media"]["id"]))  # ties: by id, as Redis orders
    after_last = [e for e in now["entries"] if (e["standing"], str(e["media"]["id"])) < position]
    assert rest["entries"] == after_last[:3]


async def test_a_cursor_that_is_not_one_of_this_board_is_refused(client, db, redis, settings):
    genre = unique_genre()
    user_id = await new_user(db, "Fan")
    a, b, c = await new_titles(db, 3, kind="game", genres=(genre,))
    await service.apply_vote(db, redis, settings, vote_cast(user_id, a, b))
    await service.apply_vote(db, redis, settings, vote_cast(user_id, b, c))
    page = await (await client.get(f"/api/v1/leaderboards/genre:{genre}?limit=1")).json()

    for scope, cursor in (
        ("kind:game", page["next_cursor"]),  # another board's
        (f"genre:{genre}", "bm90LWEtY3Vyc29y"),
        (f"genre:{genre}", "12"),
        (f"genre:{genre}", "!!"),
    ):
        response = await client.get(f"/api/v1/leaderboards/{scope}?cursor={cursor}")
        assert response.status == 422, (scope, cursor)
        assert "cursor" in (await response.json())["error"]["fields"]


async def test_an_unknown_scope_is_not_found(client) -> None:
    for scope in ("kind:book", "planet:mars", "genre:Not%20A%20Slug"):
        response = await client.get(f"/api/v1/leaderboards/{scope}")
        assert response.status == 404, scope


async def votes_in_flight(db, *, none: bool) -> bool:
    waiting = await db.fetchval(
        "SELECT count(*) FROM outbox o WHERE o.type = 'ranking.vote_cast' AND NOT EXISTS"
        " (SELECT 1 FROM processed_events p"
        "  WHERE p.consumer = 'ranking.update_ratings' AND p.event_id = o.id)"
    )
    return (waiting == 0) == none


async def test_leaderboards_are_rebuilt_identically_from_postgresql(
    client, db, redis, settings, worker
) -> None:
    genre = unique_genre()
    user_id = await new_user(db, "Fan")
    titles = await new_titles(db, 6, kind="game", genres=(genre,), platforms=("switch",))
    for winner, loser in zip(titles, titles[2:], strict=False):
        await service.apply_vote(db, redis, settings, vote_cast(user_id, winner, loser))
    scopes = ["global", "kind:game", f"genre:{genre}", "platform:switch"]

    async def boards():
        return {
            s: await redis.zrange(leaderboards.board_key(settings, s), 0, -1, withscores=True)
            for s in scopes
        }

    # Boards as the votes left them, once no vote of another test is still in flight.
    await eventually(lambda: votes_in_flight(db, none=True))
    before = await boards()
    assert len(before[f"genre:{genre}"]) == 6
    async for key in redis.scan_iter(match=rkey(settings, "leaderboard", "*")):
        await redis.delete(key)
    assert not await redis.exists(leaderboards.board_key(settings, "kind:game"))

    response = await client.get("/api/v1/leaderboards/kind:game")

    assert response.status == 200
    assert await boards() == before


async def test_bursts_of_rank_moves_are_coalesced_per_scope(
    db, redis, settings, ranking_state
) -> None:
    slow = settings.replace(leaderboard_flush_ms=3000)
    genre = unique_genre()
    channel = f"leaderboard:genre:{genre}"
    user_id = await new_user(db, "Fan")
    titles = await new_titles(db, 6, kind="game", genres=(genre,))

    for _ in range(2):
        for winner, loser in zip(titles[1:], titles, strict=False):
            await service.apply_vote(
                db, redis, slow, vote_cast(user_id, winner, loser), state=ranking_state
            )

    first = await history_after(redis, settings, channel, 0, limit=100)
    assert len(first.entries) == 1  # the first move at once, the rest held back

    async def flushed():
        history = await history_after(redis, settings, channel, 0, limit=100)
        return history if len(history.entries) >= 2 else None

    history = await eventually(flushed)
    assert len(history.entries) == 2
    later = await history_after(redis, settings, channel, 0, limit=100)
    assert len(later.entries) == 2


async def test_a_vote_moving_both_its_titles_is_one_message_on_each_board(
    db, redis, settings, ranking_state
) -> None:
    # Given a quiet board, and a window long enough that a held move would show
    slow = settings.replace(leaderboard_flush_ms=3000)
    genre = unique_genre()
    channel = f"leaderboard:genre:{genre}"
    user_id = await new_user(db, "Fan")
    winner, loser = await new_titles(db, 2, kind="game", genres=(genre,))

    # When one vote puts both titles on the board
    await service.apply_vote(
        db, redis, slow, vote_cast(user_id, winner, loser), state=ranking_state
    )

    # Then its first message carries both moves at once, none held for the next one
    history = await history_after(redis, settings, channel, 0, limit=100)
    assert len(history.entries) == 1
    frame = orjson.loads(history.entries[0].frame)
    moved = {move["media_id"]: move for move in frame["data"]["moves"]}
    assert set(moved) == {winner, loser}
    assert moved[winner]["to"] == 1 and moved[loser]["to"] == 2
    assert moved[winner]["from"] is None and moved[loser]["from"] is None


async def test_a_replayed_vote_puts_its_titles_on_the_boards_if_its_first_run_stopped_before(
    db, redis, settings
) -> None:
    # Given a vote whose ratings committed, but whose run stopped before the boards (as a
    # worker killed between the two would leave them)
    genre = unique_genre()
    user_id = await new_user(db, "Fan")
    winner, loser = await new_titles(db, 2, kind="game", genres=(genre,))
    event = vote_cast(user_id, winner, loser)
    assert await service.apply_vote(db, redis, settings, event)
    board = leaderboards.board_key(settings, f"genre:{genre}")
    placed = await redis.zrange(board, 0, -1, withscores=True)
    await redis.delete(board)
    await redis.hdel(rkey(settings, "leaderboard", "games"), winner, loser)

    # When the event is delivered again
    replayed = await service.apply_vote(db, redis, settings, event)

    # Then it changes no rating, and the boards hold the titles as the committed rows say
    assert replayed is False
    games = await db.fetchval("SELECT games FROM ranking_ratings WHERE media_id = $1", winner)
    assert games == 1
    assert await redis.zrange(board, 0, -1, withscores=True) == placed


async def test_a_replay_leaves_boards_that_hold_its_titles_as_they_are(db, redis, settings) -> None:
    genre = unique_genre()
    channel = f"leaderboard:genre:{genre}"
    user_id = await new_user(db, "Fan")
    a, b = await new_titles(db, 2, kind="game", genres=(genre,))
    event = vote_cast(user_id, a, b)
    await service.apply_vote(db, redis, settings, event)
    await service.apply_vote(db, redis, settings, vote_cast(user_id, b, a))
    board = leaderboards.board_key(settings, f"genre:{genre}")
    before = await redis.zrange(board, 0, -1, withscores=True)
    messages = len((await history_after(redis, settings, channel, 0, limit=100)).entries)

    await service.apply_vote(db, redis, settings, event)

    assert await redis.zrange(board, 0, -1, withscores=True) == before
    history = await history_after(redis, settings, channel, 0, limit=100)
    assert len(history.entries) == messages


async def test_rank_moves_held_by_a_worker_that_died_are_published_all_the_same(
    db, redis, settings, worker
) -> None:
    from workers.ranking import publish_held_rank_moves

    # Given a board's second move held for the next message by a worker that then died
    short = settings.replace(leaderboard_flush_ms=200)
    genre = unique_genre()
    channel = f"leaderboard:genre:{genre}"
    user_id = await new_user(db, "Fan")
    a, b, c = await new_titles(db, 3, kind="game", genres=(genre,))
    dying = service.RankingState()
    await service.apply_vote(db, redis, short, vote_cast(user_id, a, b), state=dying)
    await service.apply_vote(db, redis, short, vote_cast(user_id, c, a), state=dying)
    await dying.close()  # its delayed flush goes with it
    await asyncio.sleep(1.5)
    assert len((await history_after(redis, settings, channel, 0, limit=100)).entries) == 1

    # When the periodic sweep runs
    publish_held_rank_moves.send()

    # Then the held moves reach the board's channel
    async def published():
        history = await history_after(redis, settings, channel, 0, limit=100)
        return history if len(history.entries) == 2 else None

    history = await eventually(published, within=15)
    frame = orjson.loads(history.entries[1].frame)
    assert c in {move["media_id"] for move in frame["data"]["moves"]}


async def test_the_nightly_audit_reports_drift_on_the_admin_dashboard(
    db, redis, settings, worker
) -> None:
    from workers.ranking import audit_leaderboards

    user_id = await new_user(db, "Fan")
    titles = await new_titles(db, 4, kind="game")
    for winner, loser in itertools.pairwise(titles):
        await service.apply_vote(db, redis, settings, vote_cast(user_id, winner, loser))
    start = (await history_after(redis, settings, "admin:dashboard", 0, limit=1)).offset

    audit_leaderboards.send()

    async def reported():
        history = await history_after(redis, settings, "admin:dashboard", start, limit=50)
        for entry in history.entries:
            if b'"ranking.audit"' in entry.frame:
                return entry.frame
        return None

    frame = await eventually(reported, within=30)
    assert b'"kendall_tau"' in frame
    today = datetime.now(UTC).date()
    assert await db.fetchval(
        "SELECT count(*) FROM ranking_snapshots WHERE scope = 'kind:game' AND taken_on = $1", today
    )
