"""The database pool serves its borrowers in the order they asked."""

from __future__ import annotations

import asyncio

import pytest

from metacult.infra.db import create_pool


async def test_borrowers_get_a_connection_in_the_order_they_asked(settings) -> None:
    """asyncpg's own queue lets a borrower that arrives as a connection comes back take it
    before the waiter it woke runs, and that waiter then queues again behind everyone:
    under load, some requests waited half a second while most took 10 ms."""
    pool = await create_pool(settings.replace(db_pool_max=1), min_size=1)
    served: list[str] = []

    async def borrow(name: str) -> None:
        async with pool.acquire() as conn:
            served.append(name)
            await conn.fetchval("SELECT 1")

    try:
        held = await pool.acquire()
        waiting = []
        for number in range(3):
            waiting.append(asyncio.create_task(borrow(f"waiter {number}")))
            await asyncio.sleep(0)
        # The connection goes back (asyncpg does that in a task of its own) while a new
        # borrower, a request that just came in, is ready to run in the same turn.
        given_back = asyncio.create_task(pool.release(held))
        await asyncio.sleep(0)
        newcomer = asyncio.create_task(borrow("newcomer"))
        await given_back
        await asyncio.gather(*waiting, newcomer)
        assert served == ["waiter 0", "waiter 1", "waiter 2", "newcomer"]
        # Giving a connection back twice does not give a turn twice.
        conn = await pool.acquire()
        await pool.release(conn)
        await pool.release(conn)
        async with pool.acquire():
            with pytest.raises(TimeoutError):
                await pool.acquire(timeout=0.2)
    finally:
        await pool.close()
