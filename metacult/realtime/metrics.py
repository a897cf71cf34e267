"""The hub's figures, in a Prometheus registry of its own (one per app, so tests build several)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector


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
