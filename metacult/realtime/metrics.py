"""The hub's figures, in a Prometheus registry of its own (one per app, so tests build several),
and the live path's timings that worker processes add up in Redis (:class:`WorkerTimings`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from metacult.config import Settings
from metacult.infra.heap import CollectorPauses
from metacult.infra.redis import rkey

# The live path's steps take milliseconds; a stuck one, seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class HubMetrics:
    """Connections, subscriptions, messages in / out, drops, reconnects, publish-to-send lag."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.connections = Gauge(
            "metacult_realtime_connections",
            "Open live connections (websocket, SSE) on this node.",
            ["transport"],
            registry=self.registry,
        )
        self.subscriptions = Gauge(
            "metacult_realtime_subscriptions",
            "Channel subscriptions of the connections on this node.",
            registry=self.registry,
        )
        self.channels = Gauge(
            "metacult_realtime_channels",
            "Channels this node's pub/sub connection carries.",
            registry=self.registry,
        )
        self.messages_in = Counter(
            "metacult_realtime_messages_in",
            "Frames received from clients.",
            registry=self.registry,
        )
        # Counted on the hot path with a plain integer (``sent``), read at scrape time.
        self.sent = 0
        # Socket writes of those frames: fewer than frames when bursts are coalesced.
        self.writes = 0
        self.registry.register(_SentFrames(self))
        self.publications = Counter(
            "metacult_realtime_publications",
            "Publications received from Redis and fanned out.",
            registry=self.registry,
        )
        self.slow_clients_dropped = Counter(
            "metacult_realtime_slow_clients_dropped",
            "Connections closed because they stopped reading.",
            registry=self.registry,
        )
        self.audience_refused = Counter(
            "metacult_realtime_audience_refused",
            "Subscriptions ended because a channel's audience shrank (a list turned private).",
            registry=self.registry,
        )
        self.droppable_skipped = Counter(
            "metacult_realtime_droppable_skipped",
            "Droppable frames (presence, live stats) skipped for busy clients.",
            registry=self.registry,
        )
        self.pubsub_reconnects = Counter(
            "metacult_realtime_pubsub_reconnects",
            "Times the pub/sub connection was lost and opened again.",
            registry=self.registry,
        )
        self.resyncs = Counter(
            "metacult_realtime_resyncs",
            "resync frames sent because a gap could not be filled from the history.",
            registry=self.registry,
        )
        self.lag = Histogram(
            "metacult_realtime_publish_to_send_seconds",
            "Time from publish() to the hand-off to local connections.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.last_lag = 0.0
        # The process's collector passes: on /metrics, not among the hub's figures above.
        self.collector = CollectorPauses()
        self.commit_to_enqueue = Histogram(
            "metacult_outbox_commit_to_enqueue_seconds",
            "Time from an event's commit to its hand-off to the broker by this node's relay.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def snapshot(self) -> dict[str, float]:
        """The figures as plain numbers, for ``admin:dashboard``."""
        figures: dict[str, float] = {}
        for metric in self.registry.collect():
            for sample in metric.samples:
                if sample.name.endswith(("_created", "_bucket")):
                    continue
                name = sample.name.removeprefix("metacult_realtime_")
                if sample.labels.get("transport"):
                    name = f"{name}_{sample.labels['transport']}"
                figures[name] = sample.value
        figures["lag_last_seconds"] = self.last_lag
        return figures


class _SentFrames(Collector):
    def __init__(self, metrics: HubMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(
            "metacult_realtime_messages_out", "Frames sent to clients.", value=self.metrics.sent
        )
        yield CounterMetricFamily(
            "metacult_realtime_socket_writes",
            "Websocket writes carrying those frames (a burst for one client is one write).",
            value=self.metrics.writes,
        )


# Worker processes have no HTTP endpoint: they add their timings up in one Redis hash,
# which every web node's ``/metrics`` shows (summed over all workers).
WORKER_HISTOGRAMS = {
    "enqueue_to_start": (
        "metacult_worker_enqueue_to_start_seconds",
        "Time from a message's enqueue to the start of its actor (first attempts only).",
    ),
    "run": ("metacult_worker_run_seconds", "Time an actor ran, by actor."),
    # Ranking's: the actor that applied the vote whose move opened the message.
    "move_hold": (
        "metacult_ranking_move_hold_seconds",
        "Time a leaderboard rank move waited for its board's next message (the oldest move of"
        " each message), by actor.",
    ),
}


def worker_timings_key(settings: Settings) -> str:
    return rkey(settings, "metrics", "worker")


class WorkerTimings:
    """Histograms a worker process observes locally and adds to Redis about once a second."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, float] = {}

    def observe(self, histogram: str, actor: str, seconds: float) -> None:
        index = next(
            (i for i, bound in enumerate(LATENCY_BUCKETS) if seconds <= bound),
            len(LATENCY_BUCKETS),
        )
        prefix = f"{histogram}|{actor}|"
        with self._lock:
            pending = self._pending
            pending[prefix + str(index)] = pending.get(prefix + str(index), 0) + 1
            pending[prefix + "sum"] = pending.get(prefix + "sum", 0.0) + seconds

    def flush(self, client, key: str) -> None:
        """Add what was observed since the last flush to ``key`` (a synchronous redis-py
        client); kept for the next flush if Redis cannot be reached."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return
        try:
            pipe = client.pipeline(transaction=False)
            for field, value in pending.items():
                if field.endswith("|sum"):
                    pipe.hincrbyfloat(key, field, value)
                else:
                    pipe.hincrby(key, field, int(value))
            pipe.execute()
        except Exception:
            with self._lock:
                for field, value in pending.items():
                    self._pending[field] = self._pending.get(field, 0) + value
            raise


def worker_histograms(fields: dict[bytes, bytes]) -> CollectorRegistry:
    """A registry showing the worker timings read from Redis (``HGETALL`` of the hash)."""
    counts: dict[tuple[str, str], list[float]] = {}
    sums: dict[tuple[str, str], float] = {}
    for raw, value in fields.items():
        histogram, actor, slot = raw.decode().split("|")
        if histogram not in WORKER_HISTOGRAMS:
            continue
        if slot == "sum":
            sums[histogram, actor] = float(value)
        else:
            buckets = counts.setdefault((histogram, actor), [0.0] * (len(LATENCY_BUCKETS) + 1))
            buckets[min(int(slot), len(LATENCY_BUCKETS))] += float(value)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_WorkerHistograms(counts, sums))
    return registry


class _WorkerHistograms(Collector):
    def __init__(self, counts, sums) -> None:
        self.counts, self.sums = counts, sums

    def collect(self) -> Iterator[HistogramMetricFamily]:
        for histogram, (name, documentation) in WORKER_HISTOGRAMS.items():
            family = HistogramMetricFamily(name, documentation, labels=["actor"])
            for (kind, actor), buckets in sorted(self.counts.items()):
                if kind != histogram:
                    continue
                cumulative, total = [], 0.0
                for bound, count in zip((*LATENCY_BUCKETS, float("inf")), buckets, strict=True):
                    total += count
                    cumulative.append((_bound(bound), total))
                family.add_metric([actor], cumulative, self.sums.get((kind, actor), 0.0))
            yield family


def _bound(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(float(bound))
