"""Two-factor sign-in with TOTP (RFC 6238: 6 digits, 30-second steps, SHA-1) and backup codes.

Enrolment stores a pending secret and shows it as an ``otpauth://`` URI and an SVG QR
code; the first valid code turns two-factor on and gives ten single-use backup codes,
shown once and stored as sha256. Codes of the step before and after now are accepted
(clock skew); a step once used is never accepted again, so a code cannot be replayed.
Signing in with a password then yields a short-lived challenge, completed with a code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookies import SimpleCookie

import asyncpg
import pyotp
import segno
from redis.asyncio import Redis

from metacult.config import Settings
from metacult.identity import recovery, store
from metacult.identity.mail import TWO_FACTOR_STATES
from metacult.identity.recovery import notify
from metacult.infra import ratelimit
from metacult.infra.errors import Conflict, Unauthenticated
from metacult.infra.redis import rkey

ISSUER = "Metacult"
BACKUP_CODES = 10
BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
CHALLENGE_PREFIX = "mct_"
# A browser's challenge travels in this cookie, sent only to the second step's endpoint.
CHALLENGE_COOKIE = "metacult_two_factor"
CHALLENGE_COOKIE_PATH = "/api/v1/auth/login/two-factor"


class TwoFactorAlreadyOn(Conflict):
    """Two-factor sign-in is already on; turn it off first to enrol again."""

    code = "two_factor_enabled"


class TwoFactorNotOn(Conflict):
    """Two-factor sign-in is not on for this account."""

    code = "two_factor_disabled"


class NoEnrolment(Conflict):
    """Start the enrolment first (POST /api/v1/me/two-factor/setup)."""

    code = "two_factor_not_started"


class InvalidCode(Unauthenticated):
    """This code is wrong, or it was already used."""

    code = "invalid_two_factor_code"


class TwoFactorRequired(Unauthenticated):
    """The password is right; now a code from your authenticator app (or a backup code)."""

    code = "two_factor_required"


class InvalidChallenge(Unauthenticated):
    """This sign-in step has expired or is unknown; sign in with your password again."""

    code = "two_factor_challenge_invalid"


# Codes, without I/O.


def new_secret() -> str:
    return pyotp.random_base32()


def otpauth_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an SVG QR code, for an authenticator app's camera."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2)


def matching_step(secret: str, code: str, *, at: float, after_step: int) -> int | None:
    """The time step ``code`` belongs to (now, one before or one after), if it is newer
    than ``after_step``; None otherwise."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.fromtimestamp(at, UTC))
    for step in (now - 1, now, now + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_backup_codes() -> list[str]:
    """Ten codes like ``k7m2p-x9qrt`` (50 bits each)."""
    return [
        "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(5))
        + "-"
        + "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(5))
        for _ in range(BACKUP_CODES)
    ]


def backup_code_hash(code: str) -> bytes:
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).digest()


def looks_like_backup_code(code: str) -> bool:
    return len("".join(ch for ch in code if ch.isalnum())) == 10


# Use cases.


def attempts_limit(settings: Settings) -> ratelimit.Limit:
    return ratelimit.Limit("two-factor", settings.two_factor_attempts, 900)


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_svg: str


async def enabled(pool: asyncpg.Pool, user_id: int) -> bool:
    async with pool.acquire() as conn:
        row = await store.totp_secret(conn, user_id)
    return row is not None and row["confirmed_at"] is not None


async def begin_enrolment(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int, *, password: str | None
) -> Enrolment:
    """A new pending secret (an earlier pending one is replaced); the current password is
    needed when the account has one."""
    async with pool.acquire() as conn:
        profile = await recovery.live_profile(conn, user_id)
    if profile["password_hash"] is not None:
        await recovery.check_password(redis, settings, profile, password)
    secret = new_secret()
    async with pool.acquire() as conn:
        if not await store.put_pending_totp_secret(conn, user_id, secret):
            raise TwoFactorAlreadyOn()
    uri = otpauth_uri(secret, profile["email"])
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=qr_svg(uri))


async def _spend_code(
    conn: asyncpg.Connection,
    redis: Redis,
    settings: Settings,
    user_id: int,
    secret: asyncpg.Record,
    code: str,
    *,
    backup_allowed: bool = True,
) -> bool:
    """Use a TOTP code (or a backup code); rate-limited on wrong codes per account."""
    limit = attempts_limit(settings)
    await ratelimit.check(redis, settings, limit, str(user_id))
    step = matching_step(secret["secret"], code, at=time.time(), after_step=secret["last_step"])
    if step is not None and await store.advance_totp_step(conn, user_id, step):
        return True
    if (
        backup_allowed
        and looks_like_backup_code(code)
        and await store.use_backup_code(conn, user_id, backup_code_hash(code))
    ):
        return True
    await ratelimit.allowed(redis, settings, limit, str(user_id))
    return False


async def confirm_enrolment(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int, code: str
) -> list[str]:
    """Turn two-factor on with a first code from the app; the ten backup codes."""
    codes = new_backup_codes()
    async with pool.acquire() as conn, conn.transaction():
        secret = await store.totp_secret(conn, user_id)
        if secret is None:
            raise NoEnrolment()
        if secret["confirmed_at"] is not None:
            raise TwoFactorAlreadyOn()
        if not await _spend_code(
            conn, redis, settings, user_id, secret, code, backup_allowed=False
        ):
            raise InvalidCode(fields={"code": "is wrong or was already used"})
        await store.confirm_totp(conn, user_id)
        await store.replace_backup_codes(conn, user_id, [backup_code_hash(c) for c in codes])
        profile = await recovery.live_profile(conn, user_id)
        await notify(conn, profile, "two_factor_changed", state=_state(profile, "on"))
    return codes


async def disable(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int, code: str
) -> None:
    """Turn two-factor off with a code (or a backup code)."""
    async with pool.acquire() as conn, conn.transaction():
        secret = await store.totp_secret(conn, user_id)
        if secret is None or secret["confirmed_at"] is None:
            raise TwoFactorNotOn()
        if not await _spend_code(conn, redis, settings, user_id, secret, code):
            raise InvalidCode(fields={"code": "is wrong or was already used"})
        await store.delete_two_factor(conn, user_id)
        profile = await recovery.live_profile(conn, user_id)
        await notify(conn, profile, "two_factor_changed", state=_state(profile, "off"))


def _state(profile: asyncpg.Record, state: str) -> str:
    return TWO_FACTOR_STATES.get(profile["language"], TWO_FACTOR_STATES["en"])[state]


# The second step of signing in.


@dataclass(frozen=True, slots=True)
class Challenge:
    challenge: str
    expires_in: int


def _challenge_key(settings: Settings, challenge: str) -> str:
    digest = hashlib.sha256(challenge.encode()).hexdigest()
    return rkey(settings, "two-factor-challenge", digest)


async def challenge_if_enabled(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int
) -> Challenge | None:
    """After a right password: a challenge to answer with a code when two-factor is on."""
    if not await enabled(pool, user_id):
        return None
    challenge = CHALLENGE_PREFIX + secrets.token_urlsafe(32)
    ttl = settings.two_factor_challenge_ttl
    await redis.set(_challenge_key(settings, challenge), str(user_id), ex=ttl)
    return Challenge(challenge=challenge, expires_in=ttl)


def challenge_cookie(settings: Settings, challenge: Challenge) -> str:
    """The ``Set-Cookie`` value that hands a browser its challenge (HttpOnly, 5 minutes)."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[CHALLENGE_COOKIE] = challenge.challenge
    morsel = cookie[CHALLENGE_COOKIE]
    morsel["path"] = CHALLENGE_COOKIE_PATH
    morsel["max-age"] = str(challenge.expires_in)
    morsel["httponly"] = True
    morsel["samesite"] = "Strict"
    if settings.secure_cookies:
        morsel["secure"] = True
    return morsel.OutputString()


async def complete_challenge(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, challenge: str, code: str
) -> int:
    """The account a challenge signs in when ``code`` is right (the challenge is then
    spent); a challenge dies after ``two_factor_attempts`` wrong codes."""
    if not challenge.startswith(CHALLENGE_PREFIX) or len(challenge) > 128:
        raise InvalidChallenge()
    key = _challenge_key(settings, challenge)
    raw = await redis.get(key)
    if raw is None:
        raise InvalidChallenge()
    user_id = int(raw)
    async with pool.acquire() as conn, conn.transaction():
        secret = await store.totp_secret(conn, user_id)
        if secret is None or secret["confirmed_at"] is None:
            # Two-factor was turned off meanwhile: the password step was enough.
            ok = True
        else:
            ok = await _spend_code(conn, redis, settings, user_id, secret, code)
    if not ok:
        tries = await redis.incr(key + ":tries")
        await redis.expire(key + ":tries", settings.two_factor_challenge_ttl)
        if tries >= settings.two_factor_attempts:
            await redis.delete(key, key + ":tries")
        raise InvalidCode(fields={"code": "is wrong or was already used"})
    if not await redis.delete(key):
        raise InvalidChallenge()
    await redis.delete(key + ":tries")
    return user_id
