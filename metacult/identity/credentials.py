"""Emails, passwords and opaque tokens: the rules and the hashing, without I/O."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

EMAIL_MAX = 254
PASSWORD_MIN = 10
PASSWORD_MAX = 128
DISPLAY_NAME_MAX = 50

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# The few passwords people try first; the length rule already refuses most of the rest.
_COMMON = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "qwertyuiop",
        "password123",
        "password1234",
        "passwordpassword",
        "iloveyou123",
        "letmein1234",
        "aaaaaaaaaa",
    }
)


@dataclass(frozen=True, slots=True)
class HashCost:
    """argon2id parameters; the hash records them, so changing them keeps old hashes valid."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4


DEFAULT_COST = HashCost()


@functools.cache
def _hasher(cost: HashCost) -> PasswordHasher:
    return PasswordHasher(
        time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism
    )


def normalise_email(email: str) -> str:
    """The stored form of an address: trimmed and lower-cased."""
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """Why ``email`` (normalised) is not acceptable, or None."""
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        return "must be an email address like name@example.com"
    return None


def display_name_problem(name: str) -> str | None:
    """Why a display name (trimmed) is not acceptable, or None."""
    if not name:
        return "must not be empty"
    if len(name) > DISPLAY_NAME_MAX:
        return f"must be at most {DISPLAY_NAME_MAX} characters"
    if any(not ch.isprintable() for ch in name):
        return "must not contain control characters"
    return None


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why ``password`` is not acceptable, or None."""
    if len(password) < PASSWORD_MIN:
        return f"must be at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return f"must be at most {PASSWORD_MAX} characters"
    if not password.strip():
        return "must not be only spaces"
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 4:
        return "is too easy to guess"
    if email and lowered == email.lower():
        return "must not be your email address"
    return None


def hash_password(password: str, cost: HashCost = DEFAULT_COST) -> str:
    """An argon2id hash of ``password`` (CPU-heavy: run it in a thread)."""
    return _hasher(cost).hash(password)


@functools.cache
def _dummy_hash(cost: HashCost) -> str:
    return _hasher(cost).hash(secrets.token_hex(16))


def verify_password(
    password_hash: str | None, password: str, cost: HashCost = DEFAULT_COST
) -> bool:
    """Whether ``password`` matches its hash; False without a hash, after as much work."""
    try:
        if password_hash is None:
            # No account (or no password): spend the same time, so timing tells nothing.
            _hasher(cost).verify(_dummy_hash(cost), password)
            return False
        return _hasher(cost).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, cost: HashCost = DEFAULT_COST) -> bool:
    return _hasher(cost).check_needs_rehash(password_hash)


ACCESS_PREFIX = "mca_"
REFRESH_PREFIX = "mcr_"
EXCHANGE_PREFIX = "mcx_"


def family_credential(family_id: int) -> str:
    """The ``Principal.credential`` of an app's sign-in (its token family)."""
    return f"family:{family_id}"


def new_token(prefix: str) -> str:
    """An opaque bearer secret (256 bits); only its hash is stored."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """What is stored and looked up: sha256 of the token."""
    return hashlib.sha256(token.encode()).digest()


def same_secret(a: str | bytes, b: str | bytes) -> bool:
    """Constant-time equality of two secrets."""
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    return hmac.compare_digest(a, b)
