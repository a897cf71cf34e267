"""A like or a rating is counted in its own transaction and its title's counters are on
``media:{id}`` as soon as it commits, from the web process; the worker's recount only
reconciles, and publishes what the web process could not."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from metacult.realtime import media_channel
from tests.accounts import Account, sign_up
from tests.channels import accept_publications, published, refuse_publications
from tests.helpers import eventually
from tests.titles import new_title


async def _announced(db, media_id: int, event_type: str) -> bool:
    """Has the recount's actor handled every ``event_type`` of the title?"""
    return await db.fetchval(
        "SELECT count(*) > 0 AND bool_and(p.event_id IS NOT NULL) FROM outbox o"
        " LEFT JOIN processed_events p ON p.event_id = o.id"
        " AND p.consumer = 'interaction.announce_media_stats'"
        " WHERE o.type = $1 AND (o.data->>'media_id')::bigint = $2",
        event_type,
        media_id,
    )


@dataclass(frozen=True)
class Title:
    """A new title, its channel, and a fan who marks it."""

    media_id: int
    channel: str
    fan: Account


@pytest.fixture
async def title(client, db) -> Title:
    media_id = await new_title(db)
    return Title(media_id, media_channel(media_id), await sign_up(client))


def _counts(messages: list[dict]) -> list[tuple[int, int, float | None]]:
    return [(m["likes"], m["ratings_count"], m["average"]) for m in messages]


async def test_a_like_and_a_rating_are_on_the_channel_when_they_answer_with_no_worker(
    client, db, redis, settings, title
) -> None:
    fan, media_id, channel = title.fan, title.media_id, title.channel

    assert (await client.put(f"/api/v1/media/{media_id}/like", headers=fan.headers)).status == 200
    assert _counts(await published(redis, settings, channel)) == [(1, 0, None)]
    rated = await client.put(
        f"/api/v1/media/{media_id}/rating", json={"rating": 3.5}, headers=fan.headers
    )
    assert rated.status == 200
    await client.put(f"/api/v1/media/{media_id}/rating", json={"rating": 4}, headers=fan.headers)
    await client.delete(f"/api/v1/media/{media_id}/like", headers=fan.headers)

    # No worker ran: each state came from the request that committed it.
    assert _counts(await published(redis, settings, channel)) == [
        (1, 0, None),
        (1, 1, 3.5),
        (1, 1, 4.0),
        (0, 1, 4.0),
    ]
    page = await (await client.get(f"/api/v1/media/{media_id}")).json()
    assert page["stats"]["likes"] == 0
    assert page["stats"]["histogram"] == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]
    # The title sorts as rated at once too ("top rated" reads catalog's score).
    assert await db.fetchval("SELECT votes FROM media_scores WHERE media_id = $1", media_id) == 1


async def test_the_recount_after_a_published_like_sends_nothing_again(
    client, db, redis, settings, worker, title
) -> None:
    fan, media_id, channel = title.fan, title.media_id, title.channel

    await client.put(f"/api/v1/media/{media_id}/like", headers=fan.headers)
    assert await eventually(lambda: _announced(db, media_id, "interaction.liked"))

    # The recount found what the like had counted: one message, the request's.
    assert _counts(await published(redis, settings, channel)) == [(1, 0, None)]


async def test_a_like_whose_publication_failed_is_published_by_the_recount(
    client, db, redis, settings, worker, title
) -> None:
    fan, media_id, channel = title.fan, title.media_id, title.channel
    await refuse_publications(redis, settings, channel)

    # Committed and answered although Redis refused the publication.
    liked = await client.put(f"/api/v1/media/{media_id}/like", headers=fan.headers)
    assert liked.status == 200 and (await liked.json())["liked"] is True
    await accept_publications(redis, settings, channel)

    messages = await eventually(lambda: published(redis, settings, channel))
    assert _counts(messages) == [(1, 0, None)]


async def test_likes_at_once_are_each_counted_and_the_channel_never_goes_back(
    client, db, redis, settings
) -> None:
    fans = [await sign_up(client) for _ in range(8)]
    media_id = await new_title(db)

    answers = await asyncio.gather(
        *(client.put(f"/api/v1/media/{media_id}/like", headers=fan.headers) for fan in fans)
    )

    assert [answer.status for answer in answers] == [200] * 8
    assert await db.fetchval("SELECT likes FROM media_stats WHERE media_id = $1", media_id) == 8
    likes = [m["likes"] for m in await published(redis, settings, media_channel(media_id))]
    # Publications that reached Redis after a later one were dropped, not sent.
    assert likes == sorted(set(likes)) and likes[-1] == 8
