"""Identity's use cases: accounts, passwords, bearer tokens, roles, profiles, follows, deletion.

Each use case borrows a connection and owns its transaction; events are emitted in it.
"""

from __future__ import annotations

import asyncio
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import asyncpg
import pydantic
from redis.asyncio import Redis

from metacult import realtime
from metacult.config import Settings
from metacult.identity import credentials, principals, sessions, store
from metacult.identity.credentials import HashCost
from metacult.identity.events import (
    ACCOUNT_DELETED,
    FOLLOWED,
    SIGNED_UP,
    UNFOLLOWED,
    FollowPayload,
    UserPayload,
)
from metacult.identity.providers import ProviderIdentity
from metacult.infra import cursors, ratelimit
from metacult.infra.auth import Principal
from metacult.infra.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Unauthenticated,
    invalid_field,
)
from metacult.infra.events import emit
from metacult.typedefs import UserDataExporter

DELETED_USER_NAME = "deleted user"


class EmailTaken(Conflict):
    """An account already uses this email address."""

    code = "email_taken"


class InvalidCredentials(Unauthenticated):
    """The email or the password is wrong."""

    code = "invalid_credentials"


class InvalidToken(Unauthenticated):
    """The token is unknown, expired or revoked."""

    code = "invalid_token"


class TokenReused(Unauthenticated):
    """This refresh token was already used; every token of its sign-in is now revoked."""

    code = "refresh_token_reused"


class CannotFollowSelf(BadRequest):
    """You cannot follow yourself."""

    code = "cannot_follow_self"


class BlockedUser(Forbidden):
    """One of you blocked the other."""

    code = "blocked"


def hash_cost(settings: Settings) -> HashCost:
    return HashCost(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )


def limits(settings: Settings) -> dict[str, ratelimit.Limit]:
    """The sign-in rate limits of these settings."""
    return {
        "signup_ip": ratelimit.Limit("signup-ip", settings.signup_limit_per_ip, 3600),
        "login_ip": ratelimit.Limit("login-ip", settings.login_limit_per_ip, 600),
        "login_account": ratelimit.Limit("login-account", settings.login_limit_per_account, 900),
    }


# Accounts.


async def create_user(
    conn: asyncpg.Connection,
    *,
    email: str,
    display_name: str,
    password: str | None = None,
    role: str = "gamer",
    email_verified: bool = False,
    avatar_url: str | None = None,
    cost: HashCost = credentials.DEFAULT_COST,
) -> int:
    """Create an account and emit ``identity.signed_up``; raise 422 / 409 when it cannot be."""
    email = credentials.normalise_email(email)
    display_name = display_name.strip()
    fields: dict[str, str] = {}
    if problem := credentials.email_problem(email):
        fields["email"] = problem
    if problem := credentials.display_name_problem(display_name):
        fields["display_name"] = problem
    if password is not None and (problem := credentials.password_problem(password, email=email)):
        fields["password"] = problem
    if role not in ("gamer", "admin"):
        fields["role"] = "must be gamer or admin"
    if fields:
        raise Invalid("; ".join(f"{k}: {v}" for k, v in fields.items()), fields=fields)
    password_hash = None
    if password is not None:
        password_hash = await asyncio.to_thread(credentials.hash_password, password, cost)
    async with conn.transaction():
        user_id = await store.insert_user(
            conn,
            email=email,
            display_name=display_name,
            password_hash=password_hash,
            role=role,
            email_verified=email_verified,
            avatar_url=avatar_url,
        )
        if user_id is None:
            raise EmailTaken(fields={"email": "is already registered"})
        await emit(conn, SIGNED_UP, UserPayload(user_id=user_id))
    return user_id


async def sign_up(
    pool: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    *,
    email: str,
    password: str,
    display_name: str,
    ip: str,
) -> asyncpg.Record:
    """The signup form: rate-limited per IP; the new account's row."""
    await ratelimit.consume(redis, settings, limits(settings)["signup_ip"], ip)
    async with pool.acquire() as conn:
        user_id = await create_user(
            conn,
            email=email,
            display_name=display_name,
            password=password,
            cost=hash_cost(settings),
        )
        return await store.user_by_id(conn, user_id)


async def authenticate(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, *, email: str, password: str, ip: str
) -> asyncpg.Record:
    """The account these credentials open, or 401; rate-limited per IP and per account."""
    email = credentials.normalise_email(email)
    rules = limits(settings)
    await ratelimit.consume(redis, settings, rules["login_ip"], ip)
    await ratelimit.check(redis, settings, rules["login_account"], email)
    async with pool.acquire() as conn:
        user = await store.user_by_email(conn, email)
    cost = hash_cost(settings)
    stored_hash = user["password_hash"] if user is not None and user["deleted_at"] is None else None
    if not await asyncio.to_thread(credentials.verify_password, stored_hash, password, cost):
        await ratelimit.allowed(redis, settings, rules["login_account"], email)
        raise InvalidCredentials()
    assert user is not None and stored_hash is not None
    if credentials.needs_rehash(stored_hash, cost):
        new_hash = await asyncio.to_thread(credentials.hash_password, password, cost)
        async with pool.acquire() as conn:
            await store.set_password_hash(conn, user["id"], new_hash)
    return user


async def user(pool: asyncpg.Pool, user_id: int) -> asyncpg.Record:
    """A live account, or 404."""
    async with pool.acquire() as conn:
        row = await store.user_by_id(conn, user_id)
    if row is None or row["deleted_at"] is not None:
        raise NotFound("No such user.")
    return row


async def set_role(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, email: str, role: str
) -> int:
    """Give the account with this email ``role`` (every web process hears of it); its id,
    or 404."""
    async with pool.acquire() as conn:
        user_id = await store.set_role(conn, credentials.normalise_email(email), role)
    if user_id is None:
        raise NotFound(f"No account uses {email!r}.")
    await principals.changed(pool, redis, settings, user_id)
    return user_id


async def promote_to_admin(pool: asyncpg.Pool, redis: Redis, settings: Settings, email: str) -> int:
    """Make the account with this email an administrator (``create-admin``); its id, or 404."""
    return await set_role(pool, redis, settings, email, "admin")


# Bearer tokens.


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    user_id: int


async def _issue(
    conn: asyncpg.Connection, settings: Settings, family_id: int, user_id: int
) -> TokenPair:
    now = datetime.now(UTC)
    access = credentials.new_token(credentials.ACCESS_PREFIX)
    refresh = credentials.new_token(credentials.REFRESH_PREFIX)
    await store.insert_access_token(
        conn,
        credentials.token_hash(access),
        family_id,
        user_id,
        now + timedelta(seconds=settings.access_token_ttl),
    )
    await store.insert_refresh_token(
        conn,
        credentials.token_hash(refresh),
        family_id,
        now + timedelta(seconds=settings.refresh_token_ttl),
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.access_token_ttl,
        refresh_expires_in=settings.refresh_token_ttl,
        user_id=user_id,
    )


async def issue_tokens(
    pool: asyncpg.Pool, settings: Settings, user_id: int, *, user_agent: str = "", ip: str = ""
) -> TokenPair:
    """A new sign-in for an app: a token family with its first access and refresh tokens;
    the device list shows its user agent and network."""
    async with pool.acquire() as conn, conn.transaction():
        family_id = await store.insert_family(conn, user_id)
        await store.describe_family(conn, family_id, user_agent[:300], sessions.ip_prefix(ip))
        return await _issue(conn, settings, family_id, user_id)


async def refresh_tokens(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, refresh_token: str
) -> TokenPair:
    """Rotate a refresh token; reusing a rotated one revokes its whole family, and closes
    the live connections that family opened."""
    digest = credentials.token_hash(refresh_token)
    async with pool.acquire() as conn:
        async with conn.transaction():
            row = await store.refresh_token_for_update(conn, digest)
            if row is None or not credentials.same_secret(row["token_hash"], digest):
                raise InvalidToken()
            if row["revoked_at"] is not None or row["deleted_at"] is not None:
                raise InvalidToken()
            if row["rotated_at"] is not None:
                await store.revoke_family(conn, row["family_id"], "refresh token reused")
                reused = True
            elif row["expires_at"] <= datetime.now(UTC):
                raise InvalidToken("This refresh token has expired; sign in again.")
            else:
                reused = False
                await store.mark_rotated(conn, digest)
                await store.touch_family(conn, row["family_id"])
                pair = await _issue(conn, settings, row["family_id"], row["user_id"])
        if reused:
            # After the revocation committed.
            await principals.changed(pool, redis, settings, row["user_id"])
            await realtime.disconnect(
                redis,
                settings,
                user_id=row["user_id"],
                credential=credentials.family_credential(row["family_id"]),
            )
            raise TokenReused()
    return pair


async def revoke_token_family(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, access_token: str
) -> None:
    """Sign an app out: the family of this access token (and its refresh tokens) is revoked,
    and the live connections it opened are closed."""
    async with pool.acquire() as conn:
        family = await store.revoke_family_of_access_token(
            conn, credentials.token_hash(access_token), "signed out"
        )
    if family is not None:
        await principals.changed(pool, redis, settings, family["user_id"])
        await realtime.disconnect(
            redis,
            settings,
            user_id=family["user_id"],
            credential=credentials.family_credential(family["id"]),
        )


async def signed_out(redis: Redis, settings: Settings, principal: Principal) -> None:
    """A browser signed out (its session already ended): close what it has open live."""
    if principal.credential is not None:
        await realtime.disconnect(
            redis, settings, user_id=principal.user_id, credential=principal.credential
        )


async def delete_expired_tokens(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn, conn.transaction():
        return await store.delete_expired_tokens(conn)


# Reads other contexts use.


async def user_summaries(conn: asyncpg.Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """``{id: {id, display_name, avatar_url}}`` for the given ids; deleted users read
    "deleted user"; unknown ids are absent."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    rows = await store.summaries(conn, wanted)
    return {
        row["id"]: {
            "id": row["id"],
            "display_name": DELETED_USER_NAME if row["deleted_at"] else row["display_name"],
            "avatar_url": None if row["deleted_at"] else row["avatar_url"],
        }
        for row in rows
    }


# Where a page of follows ends: when the last follow was made, and that user's id.
FollowCursor = tuple[cursors.Timestamp, cursors.Id]


# Profiles.

PROFILE_FIELDS = (
    "timezone",
    "display_name",
    "avatar_url",
    "bio",
    "favourite_genres",
    "favourite_platforms",
    "language",
    "timezone",
)


async def update_profile(
    pool: asyncpg.Pool, user_id: int, changes: dict[str, Any]
) -> asyncpg.Record:
    """Apply the given profile fields (already shape-checked); the updated account."""
    changes = {name: value for name, value in changes.items() if name in PROFILE_FIELDS}
    if "display_name" in changes:
        changes["display_name"] = changes["display_name"].strip()
        if problem := credentials.display_name_problem(changes["display_name"]):
            raise invalid_field("display_name", problem)
    for name in ("favourite_genres", "favourite_platforms"):
        if name in changes:
            changes[name] = list(dict.fromkeys(changes[name]))
    async with pool.acquire() as conn, conn.transaction():
        await store.update_profile(conn, user_id, changes)
        return await store.user_by_id(conn, user_id)


@dataclass(frozen=True, slots=True)
class PublicProfile:
    user: asyncpg.Record
    followers: int
    following: int
    followed_by_viewer: bool | None


async def public_profile(pool: asyncpg.Pool, user_id: int, viewer_id: int | None) -> PublicProfile:
    """What anyone may see of a live account, and whether the viewer follows it."""
    async with pool.acquire() as conn:
        row = await store.user_by_id(conn, user_id)
        if row is None or row["deleted_at"] is not None:
            raise NotFound("No such user.")
        if viewer_id is not None and await store.blocked_between(conn, user_id, viewer_id):
            raise NotFound("No such user.")
        counts = await store.follow_counts(conn, user_id)
        followed = None
        if viewer_id is not None:
            followed = await store.is_following(conn, viewer_id, user_id)
    return PublicProfile(row, counts["followers"], counts["following"], followed)


async def favourite_genres(conn: asyncpg.Connection, user_id: int) -> list[str]:
    """The genre slugs a user picked on their profile (empty when none or unknown)."""
    row = await store.user_by_id(conn, user_id)
    return list(row["favourite_genres"]) if row is not None and row["deleted_at"] is None else []


def is_timezone(name: str) -> bool:
    """Is ``name`` an IANA timezone this machine knows (``Europe/Paris``, ``UTC``)?"""
    if not name or name.startswith(("/", ".")) or ".." in name or "\x00" in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


async def user_timezone(conn: asyncpg.Connection, user_id: int) -> str:
    """The IANA timezone of the user's profile (``UTC`` when none or unknown)."""
    name = await store.timezone_of(conn, user_id)
    return name if name and is_timezone(name) else "UTC"


async def favourite_platforms(conn: asyncpg.Connection, user_id: int) -> list[str]:
    """The platform slugs a user picked on their profile (empty when none or unknown)."""
    row = await store.user_by_id(conn, user_id)
    return list(row["favourite_platforms"]) if row is not None and row["deleted_at"] is None else []


# Follows.


async def follow(pool: asyncpg.Pool, follower_id: int, followee_id: int) -> bool:
    """Follow a live account; emits ``identity.followed`` when the follow is new."""
    if follower_id == followee_id:
        raise CannotFollowSelf()
    async with pool.acquire() as conn, conn.transaction():
        if await store.active_role(conn, followee_id) is None:
            raise NotFound("No such user.")
        if await store.blocked_between(conn, follower_id, followee_id):
            raise BlockedUser()
        created = await store.insert_follow(conn, follower_id, followee_id)
        if created:
            await emit(
                conn, FOLLOWED, FollowPayload(follower_id=follower_id, followee_id=followee_id)
            )
    return created


async def unfollow(pool: asyncpg.Pool, follower_id: int, followee_id: int) -> bool:
    """Stop following; emits ``identity.unfollowed`` when there was a follow."""
    async with pool.acquire() as conn, conn.transaction():
        removed = await store.delete_follow(conn, follower_id, followee_id)
        if removed:
            await emit(
                conn, UNFOLLOWED, FollowPayload(follower_id=follower_id, followee_id=followee_id)
            )
    return removed


@dataclass(frozen=True, slots=True)
class FollowPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


async def follow_list(
    pool: asyncpg.Pool, user_id: int, which: str, cursor: str | None, limit: int
) -> FollowPage:
    """A page of ``followers`` or ``following`` of a live account, newest follow first."""
    after = cursors.decode_position(cursor, FollowCursor) if cursor else None
    page = store.followers_page if which == "followers" else store.following_page
    async with pool.acquire() as conn:
        if await store.active_role(conn, user_id) is None:
            raise NotFound("No such user.")
        rows = await page(conn, user_id, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            "id": row["id"],
            "display_name": row["display_name"],
            "avatar_url": row["avatar_url"],
            "followed_at": row["created_at"],
        }
        for row in rows
    ]
    next_cursor = None
    if more:
        next_cursor = cursors.encode_position((rows[-1]["created_at"], rows[-1]["id"]))
    return FollowPage(items, next_cursor)


# User search.

# How well every query word must match a word of a display name (the catalogue's
# search uses the same bar for titles).
NAME_MATCH = 0.4
SearchScore = Annotated[float, pydantic.Field(ge=0, le=1, allow_inf_nan=False)]
SearchCursor = tuple[SearchScore, cursors.Id]


@dataclass(frozen=True, slots=True)
class UserPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


async def search_users(pool: asyncpg.Pool, query: str, cursor: str | None, limit: int) -> UserPage:
    """Live accounts whose display name matches ``query`` despite a typo, best first."""
    after = cursors.decode_position(cursor, SearchCursor) if cursor else None
    async with pool.acquire() as conn:
        rows = await store.search_users(conn, query, NAME_MATCH, after, limit + 1)
    items = [
        {"id": row["id"], "display_name": row["display_name"], "avatar_url": row["avatar_url"]}
        for row in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = cursors.encode_position((last["score"], last["id"]))
    return UserPage(items, next_cursor)


# Account data: export and deletion.


async def export(
    pool: asyncpg.Pool, exporters: dict[str, UserDataExporter], user_id: int
) -> dict[str, Any]:
    """Everything the platform holds about a user: identity's tables, then each context's."""
    async with pool.acquire() as conn:
        row = await store.user_by_id(conn, user_id)
        if row is None or row["deleted_at"] is not None:
            raise NotFound("No such user.")
        follows = await store.all_follows(conn, user_id)
        links = await store.links_of(conn, user_id)
        families = await store.families_of(conn, user_id)
        account = dict(row)
        del account["deleted_at"]
        data: dict[str, Any] = {
            "identity": {
                "account": account,
                "following": [
                    {"user_id": f["followee_id"], "since": f["created_at"]}
                    for f in follows
                    if f["follower_id"] == user_id
                ],
                "followers": [
                    {"user_id": f["follower_id"], "since": f["created_at"]}
                    for f in follows
                    if f["followee_id"] == user_id
                ],
                "sign_in_providers": [dict(link) for link in links],
                "app_sign_ins": [dict(family) for family in families],
            }
        }
        for name, exporter in sorted(exporters.items()):
            data[name] = await exporter(conn, user_id)
    return data


async def delete_account(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int
) -> None:
    """Close the account now: every session and token stops working at once, and
    ``identity.account_deleted`` asks the workers to purge personal data and anonymise content."""
    async with pool.acquire() as conn, conn.transaction():
        if not await store.mark_deleted(conn, user_id):
            raise NotFound("No such user.")
        await store.revoke_all_families(conn, user_id, "account deleted")
        await emit(conn, ACCOUNT_DELETED, UserPayload(user_id=user_id))
    await principals.changed(pool, redis, settings, user_id)
    await sessions.end_all(redis, settings, user_id)
    await realtime.disconnect(redis, settings, user_id=user_id)


async def purge_personal_data(conn: asyncpg.Connection, user_id: int) -> None:
    """Leave an anonymised row ("deleted user") so others' content stays attributed."""
    await store.purge_personal_data(conn, user_id, DELETED_USER_NAME)


# Sign-in with Google and Discord.


class ProviderEmailUnverified(Forbidden):
    """Your account at the provider has no verified email address, so it cannot be used here."""

    code = "oauth_email_unverified"


def _provider_display_name(who: ProviderIdentity) -> str:
    name = "".join(ch for ch in who.display_name.strip() if ch.isprintable())
    if not name and who.email:
        name = who.email.split("@", 1)[0]
    return name[: credentials.DISPLAY_NAME_MAX].strip() or "Player"


def _provider_avatar(url: str | None) -> str | None:
    if url and url.startswith(("https://", "http://")) and len(url) <= 500:
        return url
    return None


async def sign_in_with_provider(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, who: ProviderIdentity
) -> int:
    """The account a provider sign-in opens: the linked one; else the account with the same
    address when the provider verified it; else a new account. Without a verified address
    nothing is linked or created."""
    ended_others = False
    async with pool.acquire() as conn, conn.transaction():
        user_id = await store.linked_user(conn, who.provider, who.subject)
        if user_id is not None:
            return user_id
        if not who.email or not who.email_verified:
            raise ProviderEmailUnverified()
        email = credentials.normalise_email(who.email)
        existing = await store.user_by_email_for_update(conn, email)
        if existing is not None and existing["deleted_at"] is not None:
            raise EmailTaken("This address belongs to an account being deleted; try later.")
        if existing is not None:
            user_id = existing["id"]
            if not existing["email_verified"]:
                # Whoever registered this unverified address may not be its owner: the
                # password they chose stops working, and so do their sessions and tokens.
                await store.clear_password(conn, user_id)
                await store.revoke_all_families(conn, user_id, "address verified by a provider")
                ended_others = True
                await store.mark_email_verified(conn, user_id)
        else:
            user_id = await create_user(
                conn,
                email=email,
                display_name=_provider_display_name(who),
                email_verified=True,
                avatar_url=_provider_avatar(who.avatar_url),
            )
        await store.insert_link(conn, who.provider, who.subject, user_id, email)
    if ended_others:
        await principals.changed(pool, redis, settings, user_id)
        await sessions.end_all(redis, settings, user_id)
        await realtime.disconnect(redis, settings, user_id=user_id)
    return user_id


# The back-office.

AccountSearchCursor = tuple[cursors.Id]


@dataclass(frozen=True, slots=True)
class AccountPage:
    items: list[asyncpg.Record]
    next_cursor: str | None


async def search_accounts(
    pool: asyncpg.Pool, text: str | None, cursor: str | None, limit: int
) -> AccountPage:
    """Live accounts whose email or display name holds ``text`` (all when None), newest first."""
    before = cursors.decode_position(cursor, AccountSearchCursor)[0] if cursor else None
    async with pool.acquire() as conn:
        rows = await store.search_accounts(conn, text, before, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return AccountPage(rows, cursors.encode_position((rows[-1]["id"],)) if more else None)


async def promote(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int
) -> asyncpg.Record:
    """Make a live account an administrator (what ``create-admin`` does, by id); 404 if none.

    Every web process hears of it before the answer, so the account's open sessions and
    tokens are admins at once."""
    async with pool.acquire() as conn:
        if not await store.set_role_of(conn, user_id, "admin"):
            raise NotFound("No such user.")
        row = await store.user_by_id(conn, user_id)
    await principals.changed(pool, redis, settings, user_id)
    return row


async def signups_today(conn: asyncpg.Connection) -> int:
    """Accounts created since midnight UTC."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return await store.signups_since(conn, midnight)
