"""What the TMDB and IGDB clients share: one HTTP session, a request rate, retries.

A client opens one ``aiohttp.ClientSession`` (``async with Client(...) as client``),
spaces its requests to stay under the provider's rate, and retries what may succeed
later: 429 (after the ``Retry-After`` it was given), 5xx, timeouts and dropped
connections, with exponential backoff. Other errors raise at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import aiohttp
import orjson

log = logging.getLogger("metacult.catalog.providers")


class ProviderError(Exception):
    """A provider refused or kept failing; the message says which and how."""

    def __init__(self, provider: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.status = status


class ProviderNotFound(ProviderError):
    """The provider has no such title."""


class Pace:
    """At most ``rate`` request starts per second, across every task using the client."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
                now = time.monotonic()
            self._next = now + self.interval

    def hold(self, seconds: float) -> None:
        """The provider asked us to wait (429 Retry-After): nobody starts before then."""
        self._next = max(self._next, time.monotonic() + seconds)


class ProviderClient:
    """Base of the provider clients: session, pace, retries, JSON."""

    provider = "provider"

    def __init__(
        self,
        *,
        rate: float,
        max_attempts: int = 5,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        timeout_s: float = 15.0,
    ) -> None:
        self.pace = Pace(rate)
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=min(timeout_s, 5))
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> ProviderClient:
        self._session = aiohttp.ClientSession(
            timeout=self.timeout, headers={"Accept": "application/json"}
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("use the client inside 'async with'")
        return self._session

    async def request_json(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        data: str | bytes | None = None,
        paced: bool = True,
    ) -> Any:
        """The JSON answer of a request, retried while the failure may be temporary."""
        failure = "no attempt"
        for attempt in range(1, self.max_attempts + 1):
            if paced:
                await self.pace.wait()
            wait: float | None = None
            try:
                async with self.session.request(
                    method, url, headers=headers, params=params, data=data
                ) as response:
                    body = await response.read()
                    if response.status < 300:
                        return orjson.loads(body) if body else None
                    failure = f"HTTP {response.status} on {method} {url}"
                    if response.status == 429:
                        wait = self._retry_after(response.headers.get("Retry-After"), attempt)
                        self.pace.hold(wait)
                    elif response.status >= 500:
                        wait = self._backoff(attempt)
                    elif response.status == 404:
                        raise ProviderNotFound(self.provider, failure, status=404)
                    else:
                        raise ProviderError(
                            self.provider, f"{failure}: {body[:200]!r}", status=response.status
                        )
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError) as exc:
                failure = f"{type(exc).__name__} on {method} {url}"
                wait = self._backoff(attempt)
            except orjson.JSONDecodeError:
                raise ProviderError(self.provider, f"not JSON from {method} {url}") from None
            if attempt < self.max_attempts:
                log.warning(
                    "provider request will be retried",
                    extra={"provider": self.provider, "failure": failure, "wait_s": wait},
                )
                await asyncio.sleep(wait or 0)
        raise ProviderError(self.provider, f"gave up after {self.max_attempts} attempts: {failure}")

    def _backoff(self, attempt: int) -> float:
        delay = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
        return delay * random.uniform(0.8, 1.2)

    def _retry_after(self, header: str | None, attempt: int) -> float:
        """Seconds to wait from ``Retry-After`` (seconds or an HTTP date), else a backoff."""
        if not header:
            return self._backoff(attempt)
        try:
            seconds = float(header)
        except ValueError:
            try:
                seconds = (parsedate_to_datetime(header) - datetime.now(UTC)).total_seconds()
            except (TypeError, ValueError):
                return self._backoff(attempt)
        return min(self.max_backoff_s, max(0.0, seconds))
