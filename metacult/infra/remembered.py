"""A process's bounded memory of answers, each filed under the version it was read after."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")


class Remembered(Generic[T]):
    """At most ``entries`` answers, each for at most ``ttl`` seconds, under the version of the
    topic it was read after (an LRU)."""

    def __init__(self, entries: int, ttl: float) -> None:
        self.entries = entries
        self.ttl = ttl
        self._found: OrderedDict[object, tuple[bytes, float, T]] = OrderedDict()

    def get(self, key: object, version: bytes) -> T | None:
        found = self._found.get(key)
        if found is None:
            return None
        filed_under, filed_at, answer = found
        if filed_under != version or time.monotonic() - filed_at > self.ttl:
            del self._found[key]
            return None
        self._found.move_to_end(key)
        return answer

    def put(self, key: object, version: bytes, answer: T) -> None:
        if self.entries <= 0:
            return
        self._found[key] = (version, time.monotonic(), answer)
        self._found.move_to_end(key)
        while len(self._found) > self.entries:
            self._found.popitem(last=False)
