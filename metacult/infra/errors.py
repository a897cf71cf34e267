"""The one error shape of the API, and the exceptions that produce it.

Domain code raises the semantic exceptions below (or its own subclasses of them,
``class DuelExpired(Gone)``); the error middleware in :mod:`metacult.infra.web`
maps each family to its HTTP status and renders ``{"error": {...}}``.
"""

from __future__ import annotations

import re
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
        codes: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or self.__doc__ or self.code)
        self.message = message or (self.__doc__ or self.code).strip().split("\n")[0]
        if code:
            self.code = code
        self.fields = fields
        # One machine-readable code per field (``too_short``, ``required``…), for clients
        # that word the problem themselves; a field without one is derived from its message.
        self.codes = {
            name: (codes or {}).get(name) or field_code(message)
            for name, message in (fields or {}).items()
        }
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
            error["codes"] = self.codes
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


# The codes a field's problem may carry (``error.codes`` in the API); clients may add wording
# for each, and must treat an unknown code as ``invalid``.
FIELD_CODES = (
    "required",
    "too_short",
    "too_long",
    "too_small",
    "too_large",
    "not_email",
    "not_url",
    "not_number",
    "not_text",
    "not_boolean",
    "not_date",
    "not_allowed",
    "too_common",
    "taken",
    "wrong",
    "unknown",
    "invalid",
)

# Our own messages, phrased "must be at least 10 characters" and so on: the code each means.
_MESSAGE_CODES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), code)
    for pattern, code in (
        (r"\bis required\b|must not be empty|\bis missing\b|cannot be null", "required"),
        (r"at least \d+ characters", "too_short"),
        (r"at most \d+ characters", "too_long"),
        (r"email address", "not_email"),
        (r"too easy to guess", "too_common"),
        (r"is already registered|already taken", "taken"),
        (r"\bis wrong\b", "wrong"),
        (r"^no (such )?\w+\b|is not a known", "unknown"),
        (r"one of|must be (gamer|admin)", "not_allowed"),
    )
)

# pydantic's error types, by family, to our codes.
_PYDANTIC_CODES = {
    "missing": "required",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "greater_than": "too_small",
    "greater_than_equal": "too_small",
    "less_than": "too_large",
    "less_than_equal": "too_large",
    "int_parsing": "not_number",
    "int_type": "not_number",
    "int_from_float": "not_number",
    "float_parsing": "not_number",
    "float_type": "not_number",
    "decimal_parsing": "not_number",
    "string_type": "not_text",
    "bool_parsing": "not_boolean",
    "bool_type": "not_boolean",
    "date_parsing": "not_date",
    "date_from_datetime_parsing": "not_date",
    "datetime_parsing": "not_date",
    "datetime_from_date_parsing": "not_date",
    "literal_error": "not_allowed",
    "enum": "not_allowed",
    "extra_forbidden": "not_allowed",
    "value_error": "invalid",
    "int_out_of_range": "too_large",
    "finite_number": "not_number",
    "nul_character": "invalid",
}


def field_code(message: str) -> str:
    """The code of one of our own field messages (``invalid`` when none says more)."""
    for pattern, code in _MESSAGE_CODES:
        if pattern.search(message):
            return code
    return "invalid"


def pydantic_code(error_type: str) -> str:
    """The code of one of pydantic's error types (``url_parsing`` → ``not_url``…)."""
    if error_type in _PYDANTIC_CODES:
        return _PYDANTIC_CODES[error_type]
    if error_type.startswith("url_"):
        return "not_url"
    return "invalid"


def invalid_field(field: str, message: str, *, code: str | None = None) -> Invalid:
    """Shorthand for a 422 about one field (its code derived from ``message`` unless given)."""
    return Invalid(
        f"{field}: {message}", fields={field: message}, codes={field: code or field_code(message)}
    )
