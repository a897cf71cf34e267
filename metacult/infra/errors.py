"""The one error shape of the API, and the exceptions that produce it.

Domain code raises the semantic exceptions below (or its own subclasses of them,
``class DuelExpired(Gone)``); the error middleware in :mod:`metacult.infra.web`
maps each family to its HTTP status and renders ``{"error": {...}}``.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import redis.exceptions


class AppError(Exception):
    """An error the client can act on. ``code`` is stable, ``message`` is for people."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or self.__doc__ or self.code)
        self.message = message or (self.__doc__ or self.code).strip().split("\n")[0]
        if code:
            self.code = code
        self.fields = fields
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}


class BadRequest(AppError):
    """The request is malformed."""


class Unauthenticated(AppError):
    """Sign in first."""

    status = 401
    code = "unauthenticated"


class Forbidden(AppError):
    """You may not do this."""

    status = 403
    code = "forbidden"


class NotFound(AppError):
    """Nothing here."""

    status = 404
    code = "not_found"


class Conflict(AppError):
    """This conflicts with the current state."""

    status = 409
    code = "conflict"


class Gone(AppError):
    """This is no longer available."""

    status = 410
    code = "gone"


class Invalid(AppError):
    """Some fields are invalid."""

    status = 422
    code = "invalid"


class RateLimited(AppError):
    """Too many requests; slow down."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})
        self.retry_after = retry_after


class Unavailable(AppError):
    """A dependency is not answering; try again shortly."""

    status = 503
    code = "unavailable"

    def __init__(self, message: str | None = None, *, retry_after: int = 2, **options: Any) -> None:
        super().__init__(message, **options)
        self.headers.setdefault("Retry-After", str(max(1, retry_after)))


# What a dependency that is down or holding traffic raises: refused or timed-out sockets
# (OSError covers TimeoutError), PostgreSQL's connection, operator-intervention (shutdown,
# statement cancelled) and resource classes, and Redis's connection and timeout errors.
# The error middleware answers each with 503 ``unavailable``; no handler needs to catch them.
DEPENDENCY_DOWN: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def invalid_field(field: str, message: str) -> Invalid:
    """Shorthand for a 422 about one field."""
    return Invalid(f"{field}: {message}", fields={field: message})
