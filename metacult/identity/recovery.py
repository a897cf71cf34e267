"""Identity's mail-driven use cases: verify an address, reset a forgotten password, change
the address or the password.

Links carry a single-use token (256 random bits; only its sha256 is stored) bound to one
account, one purpose and the address it was sent to. Each use case owns its
transaction, and the mails it sends are queued in that transaction.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import asyncpg
from redis.asyncio import Redis

from metacult.config import Settings
from metacult.identity import credentials, devices, store
from metacult.identity import mail as messages
from metacult.identity.events import PASSWORD_RESET_REQUESTED, PasswordResetRequested
from metacult.identity.service import EmailTaken, hash_cost, limits
from metacult.infra import mail, ratelimit
from metacult.infra.errors import BadRequest, Conflict, Forbidden, Gone, NotFound, invalid_field
from metacult.infra.events import emit

log = logging.getLogger("metacult.identity")

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"
CHANGE_EMAIL = "change_email"
PREFIXES = {VERIFY_EMAIL: "mcv_", RESET_PASSWORD: "mcp_", CHANGE_EMAIL: "mce_"}
# Where the links of each mail lead: the verification and the change of address act at
# once and redirect to the web app; the reset link opens the web app's reset form.
LINK_PATHS = {
    VERIFY_EMAIL: "/api/v1/auth/email/verify",
    RESET_PASSWORD: "/reset-password",
    CHANGE_EMAIL: "/api/v1/auth/email/confirm",
}


class InvalidLink(BadRequest):
    """This link is not one we sent, or it was altered; use the link from the mail."""

    code = "invalid_link"


class LinkUsed(Gone):
    """This link was already used; ask for a new one."""

    code = "link_used"


class LinkExpired(Gone):
    """This link has expired; ask for a new one."""

    code = "link_expired"


class AlreadyVerified(Conflict):
    """This address is already verified."""

    code = "email_already_verified"


class WrongPassword(Forbidden):
    """The current password is wrong."""

    code = "wrong_password"


class NoPassword(Conflict):
    """This account has no password yet; set one with "forgot password"."""

    code = "no_password"


# Links.


def link(settings: Settings, purpose: str, token: str) -> str:
    return f"{settings.public_url}{LINK_PATHS[purpose]}?token={token}"


def _ttl(settings: Settings, purpose: str) -> int:
    return {
        VERIFY_EMAIL: settings.verify_email_ttl,
        RESET_PASSWORD: settings.reset_password_ttl,
        CHANGE_EMAIL: settings.change_email_ttl,
    }[purpose]


async def _issue_link(
    conn: asyncpg.Connection, settings: Settings, user_id: int, purpose: str, email: str
) -> str:
    """A fresh link token for ``purpose``; the earlier ones of that purpose stop working."""
    token = credentials.new_token(PREFIXES[purpose])
    await store.retire_account_tokens(conn, user_id, purpose)
    await store.insert_account_token(
        conn, credentials.token_hash(token), user_id, purpose, email, _ttl(settings, purpose)
    )
    return token


async def _redeem(conn: asyncpg.Connection, token: str, purpose: str) -> asyncpg.Record:
    """Spend a link token (locked until the caller's transaction ends), or say why not."""
    if not token.startswith(PREFIXES[purpose]) or len(token) > 128:
        raise InvalidLink()
    digest = credentials.token_hash(token)
    row = await store.account_token_for_update(conn, digest)
    if (
        row is None
        or row["purpose"] != purpose
        or not credentials.same_secret(row["token_hash"], digest)
    ):
        raise InvalidLink()
    if row["used_at"] is not None:
        raise LinkUsed()
    if row["expires_at"] <= datetime.now(UTC):
        raise LinkExpired()
    await store.mark_account_token_used(conn, digest)
    return row


async def live_profile(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record:
    row = await store.mail_profile(conn, user_id)
    if row is None or row["deleted_at"] is not None:
        raise NotFound("No such user.")
    return row


async def notify(
    conn: asyncpg.Connection, profile: asyncpg.Record, kind: str, **values: str
) -> None:
    """Queue a notice (no link) to the account's address, in its language."""
    await mail.queue(
        conn,
        messages.render(
            kind,
            profile["language"],
            to=profile["email"],
            name=profile["display_name"],
            **values,
        ),
    )


# Email verification.


async def _queue_verification(
    conn: asyncpg.Connection, settings: Settings, profile: asyncpg.Record
) -> None:
    token = await _issue_link(conn, settings, profile["id"], VERIFY_EMAIL, profile["email"])
    await mail.queue(
        conn,
        messages.render(
            VERIFY_EMAIL,
            profile["language"],
            to=profile["email"],
            name=profile["display_name"],
            link=link(settings, VERIFY_EMAIL, token),
        ),
    )


async def welcome(pool: asyncpg.Pool, settings: Settings, user_id: int, language: str) -> None:
    """After a sign-up: remember the language mails are written in, and send the link
    that verifies the address."""
    async with pool.acquire() as conn, conn.transaction():
        await store.set_language(conn, user_id, language)
        profile = await live_profile(conn, user_id)
        if not profile["email_verified"]:
            await _queue_verification(conn, settings, profile)


def resend_limit(settings: Settings) -> ratelimit.Limit:
    return ratelimit.Limit("verify-resend", settings.verify_resend_limit, 3600)


async def resend_verification(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int
) -> None:
    """Send a new verification link (the earlier ones stop working); rate-limited."""
    async with pool.acquire() as conn:
        profile = await live_profile(conn, user_id)
    if profile["email_verified"]:
        raise AlreadyVerified()
    await ratelimit.consume(redis, settings, resend_limit(settings), str(user_id))
    async with pool.acquire() as conn, conn.transaction():
        await _queue_verification(conn, settings, await live_profile(conn, user_id))


async def verify_email(pool: asyncpg.Pool, token: str) -> int:
    """Mark the address of a verification link verified; the account's id."""
    async with pool.acquire() as conn, conn.transaction():
        row = await _redeem(conn, token, VERIFY_EMAIL)
        profile = await live_profile(conn, row["user_id"])
        if profile["email"] != row["email"]:
            # The account changed address since this link was sent.
            raise LinkExpired()
        await store.mark_email_verified(conn, row["user_id"])
    return row["user_id"]


# Password reset.


def forgot_limits(settings: Settings) -> tuple[ratelimit.Limit, ratelimit.Limit]:
    return (
        ratelimit.Limit("forgot-ip", settings.forgot_limit_per_ip, 3600),
        ratelimit.Limit("forgot-account", settings.forgot_limit_per_account, 3600),
    )


async def request_password_reset(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, *, email: str, language: str, ip: str
) -> None:
    """Ask for a reset link. The same work is done whether an account has this address or
    not (one event written), so neither the answer nor its timing tells which: a worker
    looks the address up and mails the link only if there is an account."""
    await ratelimit.consume(redis, settings, forgot_limits(settings)[0], ip)
    email = credentials.normalise_email(email)
    if problem := credentials.email_problem(email):
        raise invalid_field("email", problem)
    async with pool.acquire() as conn, conn.transaction():
        await emit(
            conn, PASSWORD_RESET_REQUESTED, PasswordResetRequested(email=email, language=language)
        )


async def send_password_reset(
    conn: asyncpg.Connection, redis: Redis, settings: Settings, request: PasswordResetRequested
) -> bool:
    """Mail a reset link to the account with this address, if there is one (in the
    caller's transaction); at most ``forgot_limit_per_account`` an hour per account."""
    user = await store.user_by_email(conn, request.email)
    if user is None or user["deleted_at"] is not None:
        return False
    limit = forgot_limits(settings)[1]
    if not await ratelimit.allowed(redis, settings, limit, str(user["id"])):
        log.info("reset link not sent: too many asked", extra={"user_id": user["id"]})
        return False
    profile = await live_profile(conn, user["id"])
    token = await _issue_link(conn, settings, user["id"], RESET_PASSWORD, profile["email"])
    await mail.queue(
        conn,
        messages.render(
            RESET_PASSWORD,
            profile["language"],
            to=profile["email"],
            name=profile["display_name"],
            link=link(settings, RESET_PASSWORD, token),
        ),
    )
    return True


async def reset_password(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, *, token: str, password: str
) -> int:
    """Set a new password from a reset link: every session and app sign-in of the account
    ends, the address counts as verified (the link reached it), and the user is told."""
    cost = hash_cost(settings)
    async with pool.acquire() as conn, conn.transaction():
        row = await _redeem(conn, token, RESET_PASSWORD)
        profile = await live_profile(conn, row["user_id"])
        if profile["email"] != row["email"]:
            raise LinkExpired()
        if problem := credentials.password_problem(password, email=profile["email"]):
            raise invalid_field("password", problem)
        password_hash = await asyncio.to_thread(credentials.hash_password, password, cost)
        await store.set_password_hash(conn, profile["id"], password_hash)
        await store.revoke_all_families(conn, profile["id"], "password reset")
        await store.mark_email_verified(conn, profile["id"])
        await notify(conn, profile, "password_changed")
    await devices.sign_out_everywhere(pool, redis, settings, profile["id"])
    return profile["id"]


# Change of password and of address, signed in.


async def check_password(
    redis: Redis, settings: Settings, profile: asyncpg.Record, password: str | None
) -> None:
    """Refuse a wrong current password, rate-limited like sign-in attempts on the account."""
    if profile["password_hash"] is None:
        raise NoPassword()
    rule = limits(settings)["login_account"]
    await ratelimit.check(redis, settings, rule, profile["email"])
    ok = await asyncio.to_thread(
        credentials.verify_password,
        profile["password_hash"],
        password or "",
        hash_cost(settings),
    )
    if not ok:
        await ratelimit.allowed(redis, settings, rule, profile["email"])
        raise WrongPassword(fields={"current_password": "is wrong"})


async def change_password(
    pool: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    *,
    current_password: str,
    new_password: str,
    keep: str | None,
) -> None:
    """Change the password (the current one is needed): every other session and app
    sign-in ends; ``keep`` (this request's credential) stays signed in."""
    async with pool.acquire() as conn:
        profile = await live_profile(conn, user_id)
    await check_password(redis, settings, profile, current_password)
    if problem := credentials.password_problem(new_password, email=profile["email"]):
        raise invalid_field("new_password", problem)
    password_hash = await asyncio.to_thread(
        credentials.hash_password, new_password, hash_cost(settings)
    )
    keep_family = devices.family_id_of(keep)
    async with pool.acquire() as conn, conn.transaction():
        await store.set_password_hash(conn, user_id, password_hash)
        revoked = await store.revoke_other_families(conn, user_id, keep_family, "password changed")
        await store.retire_account_tokens(conn, user_id, RESET_PASSWORD)
        await notify(conn, profile, "password_changed")
    await devices.sign_out_others(pool, redis, settings, user_id, keep=keep, revoked=revoked)


async def request_email_change(
    pool: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    *,
    new_email: str,
    password: str | None,
) -> None:
    """Send a confirmation link to the new address; the account keeps its address until
    the link is used. Needs the current password when the account has one."""
    email = credentials.normalise_email(new_email)
    if problem := credentials.email_problem(email):
        raise invalid_field("new_email", problem)
    async with pool.acquire() as conn:
        profile = await live_profile(conn, user_id)
    if profile["password_hash"] is not None:
        await check_password(redis, settings, profile, password)
    if email == profile["email"]:
        raise invalid_field("new_email", "is already your address")
    async with pool.acquire() as conn, conn.transaction():
        if await store.user_by_email(conn, email) is not None:
            raise EmailTaken(fields={"new_email": "is already registered"})
        token = await _issue_link(conn, settings, user_id, CHANGE_EMAIL, email)
        await mail.queue(
            conn,
            messages.render(
                CHANGE_EMAIL,
                profile["language"],
                to=email,
                name=profile["display_name"],
                link=link(settings, CHANGE_EMAIL, token),
            ),
        )


async def confirm_email_change(pool: asyncpg.Pool, token: str) -> int:
    """Use a confirmation link: the account takes the new (verified) address and the old
    address is told. The account's id."""
    async with pool.acquire() as conn, conn.transaction():
        row = await _redeem(conn, token, CHANGE_EMAIL)
        profile = await live_profile(conn, row["user_id"])
        if not await store.set_email(conn, profile["id"], row["email"]):
            raise EmailTaken("Another account took this address meanwhile.")
        await store.retire_account_tokens(conn, profile["id"], VERIFY_EMAIL)
        await store.retire_account_tokens(conn, profile["id"], RESET_PASSWORD)
        await notify(conn, profile, "email_changed", email=row["email"])
    return profile["id"]


async def delete_expired_links(pool: asyncpg.Pool) -> int:
    """Forget link tokens past their expiry (used or not)."""
    async with pool.acquire() as conn:
        return await store.delete_expired_account_tokens(conn)
