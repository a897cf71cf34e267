"""The page cache's rule: a read that raced a write may keep its old page, but only under
the old versions, so every read that starts after the write's bump renders the new state."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from metacult.infra import pagecache
from metacult.infra.pagecache import PageCache
from tests import random_refs


class Source:
    """A value that a page shows, with its renders counted."""

    def __init__(self) -> None:
        self.value = "old"
        self.renders = 0

    async def render(self, pause: asyncio.Event | None = None) -> pagecache.Rendered:
        self.renders += 1
        value = self.value
        if pause is not None:
            await pause.wait()  # read, but not yet filed: the write lands meanwhile
        return pagecache.rendered(None, orjson.dumps(value))  # type: ignore[arg-type]


async def test_a_read_older_than_the_bump_is_never_served_after_it(db, redis, settings) -> None:
    cache, source = PageCache(100, 60), Source()
    topic = f"media:{random_refs.suffix()}"

    async def read(pause: asyncio.Event | None = None) -> bytes:
        page = await pagecache.page(
            cache, db, redis, settings, [topic], ("page",), lambda: source.render(pause)
        )
        return page.body

    assert await read() == b'"old"'
    await pagecache.bump(redis, settings, [topic])
    paused = asyncio.Event()
    racing = asyncio.create_task(read(paused))
    await asyncio.sleep(0.05)  # the racing read has its versions and the old value

    source.value = "new"
    await pagecache.bump(redis, settings, [topic])  # after the change is visible
    paused.set()

    assert await racing == b'"old"'  # it read before the change: that is its answer...
    assert await read() == b'"new"'  # ...but it did not keep the old page for later reads
    assert await read() == b'"new"'
    assert source.renders == 3


async def test_an_unchanged_page_is_rendered_once(db, redis, settings) -> None:
    cache, source = PageCache(100, 60), Source()
    topics = [f"browse:{random_refs.suffix()}", "catalog"]

    for _ in range(5):
        await pagecache.page(cache, db, redis, settings, topics, ("browse",), source.render)

    assert source.renders == 1


async def test_readers_asking_at_once_share_one_read_of_the_versions(db, redis, settings) -> None:
    cache, source = PageCache(100, 60), Source()
    topic = f"media:{random_refs.suffix()}"
    await pagecache.page(cache, db, redis, settings, [topic], ("a",), source.render)

    async def read(key: str, topics: list[str]) -> bytes:
        page = await pagecache.page(cache, db, redis, settings, topics, (key,), source.render)
        return page.body

    answers = await asyncio.gather(
        *(read("a", [topic]) for _ in range(20)), read("b", [topic, "catalog"])
    )

    assert answers == [b'"old"'] * 21
    assert source.renders == 2  # "a" was kept; "b" rendered once


@pytest.mark.unit
def test_the_cache_keeps_at_most_its_size_and_forgets_the_least_recently_read() -> None:
    cache = PageCache(2, 60)
    page = pagecache.rendered(None, b"{}")  # type: ignore[arg-type]
    cache.put(("a",), page)
    cache.put(("b",), page)
    assert cache.get(("a",)) is page
    cache.put(("c",), page)

    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is page and cache.get(("c",)) is page
