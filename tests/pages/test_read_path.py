"""The read path: public pages are kept and revalidated cheaply (ETag, 304), and a change is
on the next read of every page it changes, even for readers whose reads race the write."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from tests import random_refs
from tests.accounts import sign_up
from tests.helpers import eventually
from tests.ranking.conftest import offer, unique_genre
from tests.realtime.live import Live
from tests.titles import new_title, new_titles


async def _json(client, path: str, **options: Any) -> dict[str, Any]:
    response = await client.get(path, **options)
    assert response.status == 200, await response.text()
    return await response.json()


@contextlib.asynccontextmanager
async def _readers(read: Callable[[], Awaitable[Any]], count: int = 4):
    """Readers that keep reading a page while the test writes (each read may race it)."""
    stop = asyncio.Event()

    async def keep_reading() -> None:
        while not stop.is_set():
            await read()
            await asyncio.sleep(0)

    tasks = [asyncio.create_task(keep_reading()) for _ in range(count)]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def test_a_public_page_answers_304_to_a_client_that_holds_it(client) -> None:
    first = await client.get("/api/v1/genres?kind=game")
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"

    again = await client.get("/api/v1/genres?kind=game", headers={"If-None-Match": tag})

    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["ETag"] == tag
    other = await client.get("/api/v1/genres?kind=game", headers={"If-None-Match": '"other"'})
    assert other.status == 200 and await other.json() == await first.json()


async def test_an_anonymous_title_page_is_tagged_and_varies_by_who_asks(client, db) -> None:
    media_id = await new_title(db)

    first = await client.get(f"/api/v1/media/{media_id}")
    second = await client.get(f"/api/v1/media/{media_id}")

    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Vary"] == "Cookie, Authorization"
    held = await client.get(
        f"/api/v1/media/{media_id}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert held.status == 304


async def test_a_readers_own_marks_are_theirs_alone_and_never_kept(client, db) -> None:
    media_id = await new_title(db)
    fan, other = await sign_up(client), await sign_up(client)
    await _json(client, f"/api/v1/media/{media_id}")  # the public part is kept

    liked = await client.put(f"/api/v1/media/{media_id}/like", headers=fan.headers)
    assert liked.status == 200

    mine = await client.get(f"/api/v1/media/{media_id}", headers=fan.headers)
    assert (await mine.json())["viewer"]["liked"] is True
    assert "ETag" not in mine.headers
    theirs = await _json(client, f"/api/v1/media/{media_id}", headers=other.headers)
    assert theirs["viewer"] == {"liked": False, "rating": None, "status": None}
    assert (await _json(client, f"/api/v1/media/{media_id}"))["viewer"] is None


async def test_a_signed_in_title_page_is_the_kept_public_page_with_the_readers_marks(
    client, db
) -> None:
    media_id = await new_title(db, title=f'The "viewer":null title {random_refs.suffix()}')
    reader = await sign_up(client)
    rated = await client.put(
        f"/api/v1/media/{media_id}/rating", json={"rating": 4}, headers=reader.headers
    )
    assert rated.status == 200

    async def both():
        # A worker of the run may count the rating between two reads: ask again until
        # the public page did not move between them.
        mine = await client.get(f"/api/v1/media/{media_id}", headers=reader.headers)
        page = await mine.json()
        public = await _json(client, f"/api/v1/media/{media_id}")
        return (mine, page, public) if {**page, "viewer": None} == public else None

    mine, page, public = await eventually(both)

    assert mine.status == 200 and mine.content_type == "application/json"
    assert "ETag" not in mine.headers
    assert page["viewer"] == {"liked": False, "rating": 4.0, "status": None}
    assert public["viewer"] is None
    assert page["title"].startswith('The "viewer":null title')


async def test_a_like_and_a_rating_reach_the_kept_pages_and_a_racing_read_never_brings_back_the_old(
    client, db, worker
) -> None:
    media_id = await new_title(db, title=f"Kept page {random_refs.suffix()}")
    page = f"/api/v1/media/{media_id}"
    browse = "/api/v1/media?q=" + (await _json(client, page))["title"].replace(" ", "+")
    fan = await sign_up(client)
    assert (await _json(client, browse))["items"][0]["likes"] == 0

    async def read_both() -> None:
        await client.get(page)
        await client.get(browse)

    async with _readers(read_both):
        await client.put(f"{page}/like", headers=fan.headers)
        await client.put(f"{page}/rating", json={"rating": 4.5}, headers=fan.headers)

        async def counted() -> bool:
            stats = (await _json(client, page))["stats"]
            return stats["likes"] == 1 and stats["ratings_count"] == 1

        await eventually(counted)

    for _ in range(20):
        stats = (await _json(client, page))["stats"]
        assert (stats["likes"], stats["ratings_count"], stats["average"]) == (1, 1, 4.5)
    card = await eventually(lambda: _card_counted(client, browse))
    assert (card["likes"], card["ratings_count"]) == (1, 1)


async def test_the_read_of_a_board_after_its_rank_move_shows_the_move(client, db, worker) -> None:
    genre = unique_genre()
    board = f"/api/v1/leaderboards/genre:{genre}"
    account = await sign_up(client)
    a, b = await new_titles(db, 2, kind="game", genres=(genre,))
    assert (await _json(client, board))["entries"] == []
    before = await _json(client, f"/api/v1/media/{a}")
    assert before["duel_rating"]["games"] == 0
    live = await Live.open(client)
    assert (await live.subscribe(f"leaderboard:genre:{genre}"))["type"] == "subscribed"
    duel_id = await offer(db, account.id, a, b)

    async with _readers(lambda: client.get(board)):
        voted = await client.post(
            f"/api/v1/duels/{duel_id}/vote", json={"winner": a}, headers=account.headers
        )
        assert voted.status == 200
        frame = await live.expect("publication", channel=f"leaderboard:genre:{genre}")

        # The very next read, while other reads race: the move is on the board.
        entries = (await _json(client, board))["entries"]
        assert [entry["media"]["id"] for entry in entries] == [a, b]
        assert [entry["games"] for entry in entries] == [1, 1]
        assert {move["media_id"] for move in frame["data"]["moves"]} <= {a, b}
        title = await _json(client, f"/api/v1/media/{a}")
        assert (title["duel_rating"]["games"], title["duel_rating"]["wins"]) == (1, 1)
    await live.close()


async def _card_counted(client, browse: str) -> dict[str, Any] | None:
    card = (await _json(client, browse))["items"][0]
    return card if card["likes"] == 1 and card["ratings_count"] == 1 else None


async def test_a_change_counted_through_one_node_is_on_the_next_read_of_every_node(
    client, aiohttp_client, make_app, db, worker
) -> None:
    other_node = await aiohttp_client(make_app())
    media_id = await new_title(db)
    page = f"/api/v1/media/{media_id}"
    for node in (client, other_node):
        assert (await _json(node, page))["stats"]["likes"] == 0  # kept on both nodes
    fan = await sign_up(client)

    await client.put(f"{page}/like", headers=fan.headers)

    await eventually(lambda: _likes_are(client, page, 1))
    assert (await _json(other_node, page))["stats"]["likes"] == 1


async def _likes_are(client, page: str, likes: int) -> bool:
    return (await _json(client, page))["stats"]["likes"] == likes


async def test_a_reader_told_of_new_counts_on_another_node_reads_them_there(
    client, aiohttp_client, make_app, db, worker
) -> None:
    other_node = await aiohttp_client(make_app())
    media_id = await new_title(db)
    page = f"/api/v1/media/{media_id}"
    for _ in range(3):
        assert (await _json(other_node, page))["stats"]["likes"] == 0  # kept, memoised
    live = await Live.open(other_node)
    assert (await live.subscribe(f"media:{media_id}"))["type"] == "subscribed"
    fan = await sign_up(client)

    await client.put(f"{page}/like", headers=fan.headers)
    frame = await live.expect("publication", channel=f"media:{media_id}")

    # The counts were bumped before they were published: the next read there shows them.
    assert frame["data"]["type"] == "interaction.stats" and frame["data"]["likes"] == 1
    assert (await _json(other_node, page))["stats"]["likes"] == 1
    await live.close()


async def test_a_reader_told_of_counts_a_deletion_corrected_reads_them_on_another_node(
    client, aiohttp_client, make_app, db, worker
) -> None:
    other_node = await aiohttp_client(make_app())
    # The title the test reads comes first of those the leaving account marked: once,
    # its counts were published before the others' and before any was committed.
    media_id, *others = await new_titles(db, 11)
    page = f"/api/v1/media/{media_id}"
    leaving, staying = await sign_up(client), await sign_up(client)
    for other in others:
        watching = {"status": "watching"}
        await client.put(f"/api/v1/media/{other}/status", json=watching, headers=leaving.headers)
    await client.put(f"{page}/like", headers=leaving.headers)
    for account, stars in ((leaving, 5), (staying, 3)):
        await client.put(f"{page}/rating", json={"rating": stars}, headers=account.headers)
    await eventually(lambda: _stats_are(other_node, page, likes=1, ratings_count=2))
    for _ in range(3):
        assert (await _json(other_node, page))["stats"]["likes"] == 1  # kept, memoised
    live = await Live.open(other_node)
    assert (await live.subscribe(f"media:{media_id}"))["type"] == "subscribed"

    assert (await client.delete("/api/v1/me", headers=leaving.headers)).status == 204
    # Every message before the deletion counts the like: the one without it is its.
    frame = await _publication_where(live, f"media:{media_id}", likes=0)

    # The counts were committed and bumped before they were published: the next read
    # there shows them, not the page kept before the deletion.
    assert frame["data"]["type"] == "interaction.stats"
    assert (frame["data"]["ratings_count"], frame["data"]["average"]) == (1, 3.0)
    stats = (await _json(other_node, page))["stats"]
    assert (stats["likes"], stats["ratings_count"], stats["average"]) == (0, 1, 3.0)
    await live.close()


async def _publication_where(live: Live, channel: str, **data: Any) -> dict[str, Any]:
    """The next publication on ``channel`` whose data holds these values (others skipped)."""
    while True:
        frame = await live.expect("publication", channel=channel)
        if all(frame["data"].get(name) == value for name, value in data.items()):
            return frame


async def _stats_are(client, page: str, **expected: Any) -> bool:
    stats = (await _json(client, page))["stats"]
    return all(stats[name] == value for name, value in expected.items())


async def test_a_reader_told_of_a_rank_move_on_another_node_reads_the_board_there(
    client, aiohttp_client, make_app, db, worker
) -> None:
    other_node = await aiohttp_client(make_app())
    genre = unique_genre()
    board = f"/api/v1/leaderboards/genre:{genre}"
    account = await sign_up(client)
    a, b = await new_titles(db, 2, kind="game", genres=(genre,))
    for _ in range(3):
        assert (await _json(other_node, board))["entries"] == []
    live = await Live.open(other_node)
    assert (await live.subscribe(f"leaderboard:genre:{genre}"))["type"] == "subscribed"
    duel_id = await offer(db, account.id, a, b)

    voted = await client.post(
        f"/api/v1/duels/{duel_id}/vote", json={"winner": a}, headers=account.headers
    )
    assert voted.status == 200
    await live.expect("publication", channel=f"leaderboard:genre:{genre}")

    entries = (await _json(other_node, board))["entries"]
    assert [entry["media"]["id"] for entry in entries] == [a, b]
    await live.close()


async def test_readers_asking_at_once_each_get_their_own_marks_of_each_title(client, db) -> None:
    """Signed-in title pages asked at the same moment share one lookup of their readers'
    marks: each still gets its own, of the title it asked for, and a mark made just before
    is on the next read."""
    first, second = await new_title(db), await new_title(db)
    readers = [await sign_up(client) for _ in range(6)]
    for n, reader in enumerate(readers):
        media_id = first if n % 2 else second
        if n % 3 == 0:
            marked = await client.put(f"/api/v1/media/{media_id}/like", headers=reader.headers)
        elif n % 3 == 1:
            marked = await client.put(
                f"/api/v1/media/{media_id}/rating", json={"rating": n / 2}, headers=reader.headers
            )
        else:
            marked = await client.put(
                f"/api/v1/media/{media_id}/status",
                json={"status": "watchlist"},
                headers=reader.headers,
            )
        assert marked.status == 200, await marked.text()

    def expected(n: int, media_id: int) -> dict[str, Any]:
        if media_id != (first if n % 2 else second):
            return {"liked": False, "rating": None, "status": None}
        return {
            "liked": n % 3 == 0,
            "rating": n / 2 if n % 3 == 1 else None,
            "status": "watchlist" if n % 3 == 2 else None,
        }

    asks = [(n, r, media_id) for n, r in enumerate(readers) for media_id in (first, second)]
    pages = await asyncio.gather(
        *(_json(client, f"/api/v1/media/{m}", headers=r.headers) for _, r, m in asks * 3)
    )
    for (n, _, media_id), page in zip(asks * 3, pages, strict=True):
        assert page["id"] == media_id
        assert page["viewer"] == expected(n, media_id), (n, media_id)

    # A missing title among them answers 404 and takes nothing from the others.
    missing, page = await asyncio.gather(
        client.get("/api/v1/media/999999999", headers=readers[0].headers),
        _json(client, f"/api/v1/media/{second}", headers=readers[0].headers),
    )
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "media_not_found"
    assert page["viewer"] == expected(0, second)


async def test_a_title_found_by_its_slug_is_the_same_kept_page_with_the_readers_marks(
    client, db
) -> None:
    """The web app opens a title by its slug: that page is the kept one too (the same bytes,
    ETag and 304 as by id), and a reader's mark is on their next read of it."""
    name = f"Slug page {random_refs.suffix()}"
    slug = "-".join(name.lower().split())
    # Asked before the title exists: 404, and the next read after it came finds it.
    early = await client.get(f"/api/v1/media/by-slug/{slug}")
    assert early.status == 404
    media_id = await new_title(db, title=name)
    by_id = await client.get(f"/api/v1/media/{media_id}")
    assert (await by_id.json())["slug"] == slug

    by_slug = await client.get(f"/api/v1/media/by-slug/{slug}")
    assert by_slug.status == 200
    assert await by_slug.read() == await by_id.read()
    assert by_slug.headers["ETag"] == by_id.headers["ETag"]
    assert by_slug.headers["Vary"] == "Cookie, Authorization"
    held = await client.get(
        f"/api/v1/media/by-slug/{slug}", headers={"If-None-Match": by_id.headers["ETag"]}
    )
    assert held.status == 304

    reader = await sign_up(client)
    rated = await client.put(
        f"/api/v1/media/{media_id}/rating", json={"rating": 3.5}, headers=reader.headers
    )
    assert rated.status == 200
    mine = await client.get(f"/api/v1/media/by-slug/{slug}", headers=reader.headers)
    assert "ETag" not in mine.headers
    page = await mine.json()
    assert page["id"] == media_id
    assert page["viewer"] == {"liked": False, "rating": 3.5, "status": None}
