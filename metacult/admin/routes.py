"""The dashboard's snapshot: every figure now, and where its live updates start."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from metacult import realtime
from metacult.admin import service
from metacult.infra.web import Api, Schema
from metacult.typedefs import BROKER_FIGURES, DB, REDIS, SETTINGS

api = Api("admin")


class LiveFiguresOut(Schema):
    # Per web node (its id), then summed: connections by transport, subscriptions, channels,
    # messages in / out (totals and per second), publications, slow clients dropped,
    # pub/sub reconnects, resyncs, publish-to-send lag (last and mean, in seconds).
    nodes: dict[str, dict[str, float]]
    total: dict[str, float]


class QueueOut(Schema):
    name: str
    ready: int
    delayed: int
    dead: int


class WorkerOut(Schema):
    # A broker client heard from lately: worker processes poll every second; web nodes
    # appear when they enqueue.
    worker: str
    seconds_ago: float


class StatsOut(Schema):
    at: datetime
    realtime: LiveFiguresOut
    votes_per_minute: int
    signals_per_second: float
    signups_today: int
    queues: list[QueueOut]
    dead_letters: int
    workers: list[WorkerOut]


class PositionOut(Schema):
    channel: str
    offset: int
    epoch: str


class DashboardOut(Schema):
    stats: StatsOut
    # Subscribe to ``admin:dashboard`` first, then apply the messages after this offset.
    live: PositionOut


@api.get("/api/v1/admin/dashboard", auth="admin", reply=DashboardOut)
async def dashboard(request: web.Request) -> DashboardOut:
    """The admin dashboard now: live figures per web node and summed, votes per minute,
    signals per second, sign-ups today, queues, dead letters and worker heartbeats."""
    app = request.app
    redis, settings = app[REDIS], app[SETTINGS]
    live = await realtime.position(redis, settings, service.DASHBOARD)
    stats = await service.gather_stats(app[DB], redis, settings, app[BROKER_FIGURES])
    return DashboardOut(
        stats=StatsOut.model_validate(stats),
        live=PositionOut(channel=live.channel, offset=live.offset, epoch=live.epoch),
    )


def setup(app: web.Application) -> None:
    """Register the dashboard's endpoint and its live publisher."""
    api.register(app)
    app.cleanup_ctx.append(service.publisher)
