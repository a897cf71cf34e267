"""What a started process made to start lives as long as it does: out of the collector's
sight; and how long the collector's passes stop the process."""

from __future__ import annotations

import gc
import time

from prometheus_client import CollectorRegistry, Histogram


def freeze_started() -> None:
    """Collect, then freeze what the process holds (modules, the app, its routes and models,
    the actors), so that the collector's full passes walk only what was made since.

    A full pass over a started web process took 25–93 ms, stopping every request in flight:
    the tail of every read's latency under load. Call it once the process has started.
    """
    gc.collect()
    gc.freeze()


class CollectorPauses:
    """How long each pass of Python's cyclic garbage collector stopped this process, in a
    registry of its own (``registry``) for ``/metrics``.

    A pass stops the event loop, every fan-out and request with it, for as long as it walks
    the objects of its generations; a full pass walks every object the process holds (about
    70 per open websocket). Timed between :meth:`watch` and :meth:`unwatch`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        histogram = Histogram(
            "metacult_gc_pause_seconds",
            "Time a pass of the garbage collector stopped this process, by generation "
            "(2: a full pass).",
            ["generation"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self._generations = [histogram.labels(str(generation)) for generation in range(3)]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self._generations[info["generation"]].observe(time.perf_counter() - self._started)

    def watch(self) -> None:
        if self not in gc.callbacks:
            gc.callbacks.append(self)

    def unwatch(self) -> None:
        if self in gc.callbacks:
            gc.callbacks.remove(self)
