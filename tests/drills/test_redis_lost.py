"""Redis lost under writes (killed, restarted empty): within a minute every counter,
rating and leaderboard equals what the committed rows say, because the outbox re-sends
what the broker lost until every consumer has processed it."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from pathlib import Path

import aiohttp
import asyncpg
import pytest
import redis.asyncio
from redis.exceptions import RedisError

from metacult.ranking import leaderboards
from tests import random_refs
from tests.drills.servers import Process, RedisServer, dramatiq_workers
from tests.helpers import eventually, serve_process
from tests.titles import new_titles

pytestmark = pytest.mark.slow

USERS = 4
TITLES = 8
WRITING_S = 3.0
# The drill shortens the re-send bound (default 30 s) to stay short itself.
RESEND_AFTER_S = 5


async def _sign_up(http: aiohttp.ClientSession, url: str) -> dict[str, str]:
    email, password = random_refs.email("drill"), f"pw-{random_refs.suffix()}-Secret!"
    body = {"email": email, "password": password, "display_name": "Drill"}
    async with http.post(f"{url}/api/v1/auth/signup", json=body) as response:
        assert response.status == 201, await response.text()
    grant = {"grant_type": "password", "email": email, "password": password}
    async with http.post(f"{url}/api/v1/auth/token", json=grant) as response:
        assert response.status == 200, await response.text()
        return {"Authorization": f"Bearer {(await response.json())['access_token']}"}


async def _write(http: aiohttp.ClientSession, url: str, headers, titles, until: float) -> int:
    """Like, unlike, rate and vote at random until ``until``; return the requests answered 2xx.
    Refusals while Redis is away (503) are expected: the client would retry."""
    done = 0
    while time.monotonic() < until:
        media_id = random.choice(titles)
        choice = random.random()
        with contextlib.suppress(aiohttp.ClientError):
            if choice < 0.3:
                method = random.choice(["PUT", "DELETE"])
                response = await http.request(
                    method, f"{url}/api/v1/media/{media_id}/like", headers=headers
                )
            elif choice < 0.6:
                rating = random.randint(1, 10) / 2
                response = await http.put(
                    f"{url}/api/v1/media/{media_id}/rating",
                    json={"rating": rating},
                    headers=headers,
                )
            else:
                response = await http.get(f"{url}/api/v1/duels/next?kind=game", headers=headers)
                if response.status == 200:
                    duel = await response.json()
                    response = await http.post(
                        f"{url}/api/v1/duels/{duel['id']}/vote",
                        json={"winner": duel["a"]["id"]},
                        headers=headers,
                    )
            done += response.status < 300
            response.release()
        await asyncio.sleep(0.01)
    return done


@contextlib.asynccontextmanager
async def _log_file(path: Path):
    with path.open("wb") as log:
        yield log.fileno()


async def _counters_match_rows(db: asyncpg.Pool) -> list:
    """Titles whose counters differ from their likes and ratings rows (none when settled)."""
    return await db.fetch(
        """
        SELECT * FROM (
            SELECT m.id, coalesce(s.likes, 0) AS likes,
                   coalesce(s.ratings_count, 0) AS ratings_count,
                   (SELECT count(*) FROM likes l WHERE l.media_id = m.id) AS liked,
                   (SELECT count(*) FROM ratings r WHERE r.media_id = m.id) AS rated
            FROM media m LEFT JOIN media_stats s ON s.media_id = m.id
        ) AS t
        WHERE likes <> liked OR ratings_count <> rated
        """
    )


async def _ratings_match_votes(db: asyncpg.Pool) -> list:
    """Titles whose Glicko-2 games differ from the decisive votes they were in."""
    return await db.fetch(
        """
        WITH played AS (
            SELECT winner_id AS media_id FROM ranking_votes WHERE winner_id IS NOT NULL
            UNION ALL
            SELECT loser_id FROM ranking_votes WHERE loser_id IS NOT NULL
        ), counted AS (SELECT media_id, count(*) AS games FROM played GROUP BY media_id)
        SELECT c.media_id, c.games, r.games AS rated_games
        FROM counted c LEFT JOIN ranking_ratings r ON r.media_id = c.media_id
        WHERE r.games IS DISTINCT FROM c.games
        """
    )


async def test_an_empty_redis_restart_under_writes_loses_no_counter_rating_or_board(
    own_redis: RedisServer, drill_env, own_database, settings, tmp_path: Path
) -> None:
    dsn, db = own_database
    env = {
        **drill_env,
        "DATABASE_URL": dsn,
        "OUTBOX_RESEND_AFTER": str(RESEND_AFTER_S),
        "LOG_LEVEL": "WARNING",
    }
    titles = await new_titles(db, TITLES, kind="game")
    worker = await Process(dramatiq_workers("workers", threads=4), env, tmp_path / "w.log").start()
    client = redis.asyncio.Redis.from_url(own_redis.url)
    try:
        async with (
            _log_file(tmp_path / "web.log") as web_log,
            serve_process(output=web_log, **env) as web,
            aiohttp.ClientSession() as http,
        ):
            accounts = [await _sign_up(http, web.url) for _ in range(USERS)]
            until = time.monotonic() + 2 * WRITING_S + 1
            writers = [
                asyncio.create_task(_write(http, web.url, headers, titles, until))
                for headers in accounts
            ]
            await asyncio.sleep(WRITING_S / 2)
            # The worker stops taking messages for a while, so that some surely wait in
            # Redis when it goes: those are lost, and only the outbox can bring them back.
            worker.pause()
            await asyncio.sleep(WRITING_S / 2)
            await own_redis.restart_empty(down_for=1.0)
            worker.resume()
            restarted_at = time.monotonic()
            answered = sum(await asyncio.gather(*writers))
            assert answered > 0

            async def settled() -> bool:
                return not await _counters_match_rows(db) and not await _ratings_match_votes(db)

            assert await eventually(settled, within=60), (
                await _counters_match_rows(db),
                await _ratings_match_votes(db),
            )
            settled_after = time.monotonic() - restarted_at
            undelivered = await db.fetchval(
                "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND gave_up_at IS NULL "
                "AND type IN ('interaction.liked', 'interaction.unliked', 'interaction.rated',"
                " 'ranking.vote_cast')"
            )
            resent = await db.fetchval("SELECT coalesce(sum(resends), 0) FROM outbox")
            assert resent > 0, "nothing was lost, so the drill proved nothing"
            print(
                f"\n{answered} writes answered; counters and ratings settled "
                f"{settled_after:.1f} s after the restart; {resent} re-sends; "
                f"{undelivered} still waiting for the sweep"
            )

            # The boards equal a rebuild from PostgreSQL.
            drill_settings = settings.replace(redis_prefix=env["REDIS_PREFIX"])
            key = leaderboards.board_key(drill_settings, "kind:game")

            async def board() -> dict:
                async with http.get(f"{web.url}/api/v1/leaderboards/kind:game") as response:
                    assert response.status == 200, await response.text()
                return dict(await client.zrange(key, 0, -1, withscores=True))

            live = await board()
            assert live
            # Redis loses its data once more, the boards and the pages' versions with it;
            # the node hears it as a reconnect (which empties its memo of the versions,
            # metacult/infra/pagecache.py), and the next read rebuilds the board.
            await own_redis.restart_empty(down_for=1.0)

            async def rebuilt() -> bool:
                with contextlib.suppress(AssertionError, RedisError, OSError):
                    return await board() == live
                return False

            assert await eventually(rebuilt, within=60)
    finally:
        worker.resume()
        await client.aclose()
        await worker.stop()
