"""``DATABASE_REPLICA_URL``: read-only pages read from the replica, fall back to the primary
when it gives no connection, and /metrics shows its lag.

The replica here is a second connection URL to the same server (named by its
``application_name``): a server that is not a standby has no lag, so the lag is 0.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from metacult.typedefs import DB_READ
from tests.helpers import free_port

REPLICA_NAME = "metacult-replica"


def replica_url(database_url: str) -> str:
    """The same database through a second URL, its connections named ``REPLICA_NAME``."""
    return f"{database_url}?application_name={REPLICA_NAME}"


def metric(text: str, name: str) -> str | None:
    found = re.search(rf"^{name} (\S+)$", text, re.M)
    return found.group(1) if found else None


async def test_browse_reads_from_the_replica_and_metrics_show_its_lag(
    aiohttp_client, make_app, settings
) -> None:
    client = await aiohttp_client(make_app(database_replica_url=replica_url(settings.database_url)))
    read_pool = client.app[DB_READ]
    async with read_pool.acquire() as conn:
        assert await conn.fetchval("SHOW application_name") == REPLICA_NAME

    response = await client.get("/api/v1/media?limit=5")
    assert response.status == 200, await response.text()

    assert await read_pool.measure_lag() == 0.0
    text = await (await client.get("/metrics")).text()
    assert metric(text, "metacult_database_replica_up") == "1.0"
    assert metric(text, "metacult_database_replica_lag_seconds") == "0.0"
    assert read_pool.fallbacks == 0


async def test_a_replica_that_is_down_sends_reads_to_the_primary(
    aiohttp_client, make_app, settings
) -> None:
    closed = urlunsplit(urlsplit(settings.database_url)._replace(netloc=f"127.0.0.1:{free_port()}"))
    client = await aiohttp_client(make_app(database_replica_url=closed))

    response = await client.get("/api/v1/media?limit=5")
    assert response.status == 200, await response.text()
    assert client.app[DB_READ].fallbacks == 1

    assert await client.app[DB_READ].measure_lag() is None
    text = await (await client.get("/metrics")).text()
    assert metric(text, "metacult_database_replica_up") == "0.0"
    assert metric(text, "metacult_database_replica_lag_seconds") == "NaN"
    assert float(metric(text, "metacult_database_replica_fallbacks_total")) >= 1


async def test_without_a_replica_reads_go_to_the_primary_and_metrics_name_none(client) -> None:
    assert client.app[DB_READ].replica is None
    async with client.app[DB_READ].acquire() as conn:
        assert await conn.fetchval("SELECT 1") == 1
    text = await (await client.get("/metrics")).text()
    assert "metacult_database_replica" not in text
