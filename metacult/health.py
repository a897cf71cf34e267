"""Liveness and readiness: ``/healthz`` says the process runs, ``/readyz`` that it can serve."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket

from aiohttp import web

from metacult.infra.web import Api, Schema, dumps, json_response
from metacult.typedefs import DB, INSTANT_ANSWERS, READINESS, REDIS, SETTINGS, SHUTTING_DOWN

log = logging.getLogger("metacult.health")
api = Api("health")

PROBE_TIMEOUT = 2.0


class Health(Schema):
    status: str
    # Which process answered (``NODE_NAME``, else host:pid): tells several web nodes apart.
    node: str


class Readiness(Schema):
    status: str
    checks: dict[str, bool]


@functools.lru_cache(maxsize=8)
def _health_body(node_name: str | None, pid: int) -> bytes:
    """The one answer of this process, encoded once (a probe every second, or a load
    balancer's, should not cost a host name lookup and a model per call)."""
    node = node_name or f"{socket.gethostname()}:{pid}"
    return dumps(Health(status="ok", node=node))


@api.get("/healthz", auth="public", reply=Health)
async def healthz(request: web.Request) -> web.Response:
    """The process is alive, and which one it is."""
    body = _health_body(request.app[SETTINGS].node_name, os.getpid())
    return web.Response(body=body, content_type="application/json")


@api.get("/readyz", auth="public", reply=Readiness)
async def readyz(request: web.Request) -> web.Response | Readiness:
    """PostgreSQL, Redis and the live listener answer; 503 naming what failed otherwise."""
    app = request.app
    probes = dict(app[READINESS])
    results = await asyncio.gather(*(_probe(name, check) for name, check in probes.items()))
    checks = dict(zip(probes, results, strict=True))
    if app[SHUTTING_DOWN].is_set():
        checks["accepting"] = False
    if all(checks.values()):
        return Readiness(status="ready", checks=checks)
    failed = ", ".join(name for name, ok in checks.items() if not ok)
    return json_response(
        {
            "error": {"code": "not_ready", "message": f"Not ready: {failed}."},
            "checks": checks,
        },
        status=503,
    )


async def _probe(name: str, check) -> bool:
    # The probe runs as its own task: on timeout it is cancelled and left to clean up
    # (a held database connection takes its own bound to be given back), so that the
    # answer comes within PROBE_TIMEOUT whatever the dependency does.
    task = asyncio.ensure_future(check())
    done, _ = await asyncio.wait({task}, timeout=PROBE_TIMEOUT)
    if not done:
        task.cancel()
        task.add_done_callback(_retrieve)
        log.warning("readiness probe timed out", extra={"probe": name})
        return False
    try:
        return bool(task.result())
    except Exception as exc:
        log.warning("readiness probe failed", extra={"probe": name, "error": repr(exc)})
        return False


def _retrieve(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()


def answer_liveness_first(app: web.Application) -> None:
    """``/healthz`` is answered before every middleware (``INSTANT_ANSWERS``), with the bytes
    its route gives; the route stays for the API's description and any app without them."""

    async def remember(app: web.Application) -> None:
        # At startup, in the process that serves (its pid, not a parent's).
        app[INSTANT_ANSWERS]["/healthz"] = _health_body(app[SETTINGS].node_name, os.getpid())

    app.on_startup.append(remember)


def install_default_probes(app: web.Application) -> None:
    async def postgres() -> bool:
        return await app[DB].fetchval("SELECT 1") == 1

    async def redis() -> bool:
        return bool(await app[REDIS].ping())

    app[READINESS]["postgres"] = postgres
    app[READINESS]["redis"] = redis
