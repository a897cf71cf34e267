"""Identity's SQL: users, bearer tokens, OAuth links and follows. Nothing else touches them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

USER_COLUMNS = (
    "id, email, email_verified, display_name, avatar_url, bio, favourite_genres, "
    "favourite_platforms, role, language, timezone, created_at, updated_at, deleted_at, "
    "(password_hash IS NOT NULL) AS has_password"
)


async def insert_user(
    conn: asyncpg.Connection,
    *,
    email: str,
    display_name: str,
    password_hash: str | None,
    role: str = "gamer",
    email_verified: bool = False,
    avatar_url: str | None = None,
) -> int | None:
    """The new user's id, or None when the email is taken."""
    return await conn.fetchval(
        "INSERT INTO users (email, display_name, password_hash, role, email_verified, avatar_url) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING RETURNING id",
        email,
        display_name,
        password_hash,
        role,
        email_verified,
        avatar_url,
    )


async def user_by_id(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {USER_COLUMNS} FROM users WHERE id = $1", user_id)


async def user_by_email(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1", email
    )


async def active_role(conn: asyncpg.Connection, user_id: int) -> str | None:
    """The role of a user who still exists and is not deleted."""
    return await conn.fetchval(
        "SELECT role FROM users WHERE id = $1 AND deleted_at IS NULL", user_id
    )


async def set_password_hash(conn: asyncpg.Connection, user_id: int, password_hash: str) -> None:
    await conn.execute(
        "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1",
        user_id,
        password_hash,
    )


async def set_role(conn: asyncpg.Connection, email: str, role: str) -> int | None:
    return await conn.fetchval(
        "UPDATE users SET role = $2, updated_at = now() "
        "WHERE email = $1 AND deleted_at IS NULL RETURNING id",
        email,
        role,
    )


async def update_profile(conn: asyncpg.Connection, user_id: int, changes: dict[str, Any]) -> None:
    """Apply profile changes; the column names come from a fixed list in the service."""
    allowed = {
        "display_name",
        "avatar_url",
        "bio",
        "favourite_genres",
        "favourite_platforms",
        "language",
        "timezone",
    }
    columns = [name for name in changes if name in allowed]
    if not columns:
        return
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(columns, start=2))
    await conn.execute(
        f"UPDATE users SET {assignments}, updated_at = now() WHERE id = $1",
        user_id,
        *(changes[name] for name in columns),
    )


async def timezone_of(conn: asyncpg.Connection, user_id: int) -> str | None:
    return await conn.fetchval("SELECT timezone FROM users WHERE id = $1", user_id)


async def mark_email_verified(conn: asyncpg.Connection, user_id: int) -> None:
    await conn.execute(
        "UPDATE users SET email_verified = true, updated_at = now() WHERE id = $1", user_id
    )


async def summaries(conn: asyncpg.Connection, ids: list[int]) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, display_name, avatar_url, deleted_at FROM users WHERE id = ANY($1::bigint[])",
        ids,
    )


async def mark_deleted(conn: asyncpg.Connection, user_id: int) -> bool:
    """Mark the account deleted (sign-in stops at once); False when it already was."""
    row = await conn.fetchval(
        "UPDATE users SET deleted_at = now(), updated_at = now() "
        "WHERE id = $1 AND deleted_at IS NULL RETURNING id",
        user_id,
    )
    return row is not None


async def purge_personal_data(conn: asyncpg.Connection, user_id: int, placeholder: str) -> None:
    """Leave an anonymised row: no email, password, names, bio, avatar, links, follows,
    mailed links or two-factor secrets."""
    await conn.execute(
        "UPDATE users SET email = NULL, email_verified = false, password_hash = NULL, "
        "display_name = $2, avatar_url = NULL, bio = '', favourite_genres = '{}', "
        "favourite_platforms = '{}', role = 'gamer', updated_at = now() WHERE id = $1",
        user_id,
        placeholder,
    )
    await conn.execute("DELETE FROM oauth_links WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM follows WHERE follower_id = $1 OR followee_id = $1", user_id)
    await conn.execute("DELETE FROM token_families WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM account_tokens WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM totp_secrets WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM backup_codes WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM notifications WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM profile_privacy WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM blocks WHERE blocker_id = $1 OR blocked_id = $1", user_id)


# Bearer tokens.


async def insert_family(conn: asyncpg.Connection, user_id: int) -> int:
    return await conn.fetchval(
        "INSERT INTO token_families (user_id) VALUES ($1) RETURNING id", user_id
    )


async def insert_access_token(
    conn: asyncpg.Connection, token_hash: bytes, family_id: int, user_id: int, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO access_tokens (token_hash, family_id, user_id, expires_at) "
        "VALUES ($1, $2, $3, $4)",
        token_hash,
        family_id,
        user_id,
        expires_at,
    )


async def insert_refresh_token(
    conn: asyncpg.Connection, token_hash: bytes, family_id: int, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES ($1, $2, $3)",
        token_hash,
        family_id,
        expires_at,
    )


async def access_token_principal(
    conn: asyncpg.Connection, token_hash: bytes
) -> asyncpg.Record | None:
    """The user and role behind a live access token (not expired, family not revoked)."""
    return await conn.fetchrow(
        "SELECT a.token_hash, a.family_id, a.expires_at, u.id AS user_id, u.role "
        "FROM access_tokens a "
        "JOIN token_families f ON f.id = a.family_id "
        "JOIN users u ON u.id = a.user_id "
        "WHERE a.token_hash = $1 AND a.expires_at > now() AND f.revoked_at IS NULL "
        "AND u.deleted_at IS NULL",
        token_hash,
    )


async def live_token_shards(conn: asyncpg.Connection, user_id: int) -> list[int]:
    """The first bytes of the digests of the account's unexpired access tokens (revoked or
    not): the shards web processes remember them under."""
    rows = await conn.fetch(
        "SELECT DISTINCT get_byte(a.token_hash, 0) AS shard FROM access_tokens a "
        "JOIN token_families f ON f.id = a.family_id "
        "WHERE f.user_id = $1 AND a.expires_at > now()",
        user_id,
    )
    return [row["shard"] for row in rows]


async def refresh_token_for_update(
    conn: asyncpg.Connection, token_hash: bytes
) -> asyncpg.Record | None:
    """The refresh token with its family, locked against a concurrent rotation."""
    return await conn.fetchrow(
        "SELECT r.token_hash, r.family_id, r.expires_at, r.rotated_at, f.user_id, f.revoked_at, "
        "u.deleted_at FROM refresh_tokens r "
        "JOIN token_families f ON f.id = r.family_id JOIN users u ON u.id = f.user_id "
        "WHERE r.token_hash = $1 FOR UPDATE OF r, f",
        token_hash,
    )


async def mark_rotated(conn: asyncpg.Connection, token_hash: bytes) -> None:
    await conn.execute(
        "UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1", token_hash
    )


async def revoke_family(conn: asyncpg.Connection, family_id: int, reason: str) -> None:
    await conn.execute(
        "UPDATE token_families SET revoked_at = now(), revoked_reason = $2 "
        "WHERE id = $1 AND revoked_at IS NULL",
        family_id,
        reason,
    )


async def revoke_family_of_access_token(
    conn: asyncpg.Connection, token_hash: bytes, reason: str
) -> asyncpg.Record | None:
    """Revoke the access token's family; its ``id`` and ``user_id`` when it was live."""
    return await conn.fetchrow(
        "UPDATE token_families SET revoked_at = now(), revoked_reason = $2 "
        "WHERE id = (SELECT family_id FROM access_tokens WHERE token_hash = $1) "
        "AND revoked_at IS NULL RETURNING id, user_id",
        token_hash,
        reason,
    )


async def revoke_all_families(conn: asyncpg.Connection, user_id: int, reason: str) -> None:
    await conn.execute(
        "UPDATE token_families SET revoked_at = now(), revoked_reason = $2 "
        "WHERE user_id = $1 AND revoked_at IS NULL",
        user_id,
        reason,
    )


async def delete_expired_tokens(conn: asyncpg.Connection) -> int:
    """Forget access tokens past their expiry and families with nothing left to refresh."""
    access = await conn.execute("DELETE FROM access_tokens WHERE expires_at < now()")
    families = await conn.execute(
        "DELETE FROM token_families f WHERE NOT EXISTS ("
        "  SELECT 1 FROM refresh_tokens r WHERE r.family_id = f.id AND r.expires_at > now())"
        " AND NOT EXISTS (SELECT 1 FROM access_tokens a WHERE a.family_id = f.id)"
    )
    return int(access.split()[-1]) + int(families.split()[-1])


# OAuth links.


async def linked_user(conn: asyncpg.Connection, provider: str, subject: str) -> int | None:
    return await conn.fetchval(
        "SELECT l.user_id FROM oauth_links l JOIN users u ON u.id = l.user_id "
        "WHERE l.provider = $1 AND l.subject = $2 AND u.deleted_at IS NULL",
        provider,
        subject,
    )


async def insert_link(
    conn: asyncpg.Connection, provider: str, subject: str, user_id: int, email: str | None
) -> None:
    await conn.execute(
        "INSERT INTO oauth_links (provider, subject, user_id, email) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (provider, subject) DO NOTHING",
        provider,
        subject,
        user_id,
        email,
    )


async def links_of(conn: asyncpg.Connection, user_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT provider, subject, email, created_at FROM oauth_links WHERE user_id = $1 "
        "ORDER BY created_at",
        user_id,
    )


# Follows.


async def insert_follow(conn: asyncpg.Connection, follower_id: int, followee_id: int) -> bool:
    """True when the follow is new."""
    row = await conn.fetchval(
        "INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        follower_id,
        followee_id,
    )
    return row is not None


async def delete_follow(conn: asyncpg.Connection, follower_id: int, followee_id: int) -> bool:
    """True when there was a follow to remove."""
    row = await conn.fetchval(
        "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING 1",
        follower_id,
        followee_id,
    )
    return row is not None


async def follow_counts(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record:
    return await conn.fetchrow(
        "SELECT (SELECT count(*) FROM follows WHERE followee_id = $1) AS followers, "
        "(SELECT count(*) FROM follows WHERE follower_id = $1) AS following",
        user_id,
    )


async def is_following(conn: asyncpg.Connection, follower_id: int, followee_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2",
            follower_id,
            followee_id,
        )
    )


async def mutual_follows(conn: asyncpg.Connection, user_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT a.followee_id FROM follows a JOIN follows b"
        " ON b.follower_id = a.followee_id AND b.followee_id = a.follower_id"
        " WHERE a.follower_id = $1 ORDER BY a.followee_id",
        user_id,
    )
    return [row[0] for row in rows]


async def followers_page(
    conn: asyncpg.Connection, user_id: int, after: tuple[datetime, int] | None, limit: int
) -> list[asyncpg.Record]:
    """Who follows ``user_id``, newest first, after the cursor ``(created_at, id)``."""
    return await conn.fetch(
        "SELECT f.follower_id AS id, f.created_at, u.display_name, u.avatar_url "
        "FROM follows f JOIN users u ON u.id = f.follower_id "
        "WHERE f.followee_id = $1 AND ($2::timestamptz IS NULL "
        "  OR (f.created_at, f.follower_id) < ($2::timestamptz, $3::bigint)) "
        "ORDER BY f.created_at DESC, f.follower_id DESC LIMIT $4",
        user_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


async def following_page(
    conn: asyncpg.Connection, user_id: int, after: tuple[datetime, int] | None, limit: int
) -> list[asyncpg.Record]:
    """Whom ``user_id`` follows, newest first, after the cursor ``(created_at, id)``."""
    return await conn.fetch(
        "SELECT f.followee_id AS id, f.created_at, u.display_name, u.avatar_url "
        "FROM follows f JOIN users u ON u.id = f.followee_id "
        "WHERE f.follower_id = $1 AND ($2::timestamptz IS NULL "
        "  OR (f.created_at, f.followee_id) < ($2::timestamptz, $3::bigint)) "
        "ORDER BY f.created_at DESC, f.followee_id DESC LIMIT $4",
        user_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


# Account data.


async def all_follows(conn: asyncpg.Connection, user_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT follower_id, followee_id, created_at FROM follows "
        "WHERE follower_id = $1 OR followee_id = $1 ORDER BY created_at",
        user_id,
    )


async def families_of(conn: asyncpg.Connection, user_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, created_at, revoked_at, revoked_reason FROM token_families "
        "WHERE user_id = $1 ORDER BY created_at",
        user_id,
    )


async def user_by_email_for_update(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {USER_COLUMNS} FROM users WHERE email = $1 FOR UPDATE", email
    )


async def clear_password(conn: asyncpg.Connection, user_id: int) -> None:
    await conn.execute(
        "UPDATE users SET password_hash = NULL, updated_at = now() WHERE id = $1", user_id
    )


# Mail language and single-use links (verify an address, reset a password, change address).


async def set_language(conn: asyncpg.Connection, user_id: int, language: str) -> None:
    await conn.execute(
        "UPDATE users SET language = $2, updated_at = now() WHERE id = $1", user_id, language
    )


async def mail_profile(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    """What a mail to a user needs, and what a security change checks."""
    return await conn.fetchrow(
        "SELECT id, email, email_verified, display_name, language, password_hash, deleted_at "
        "FROM users WHERE id = $1",
        user_id,
    )


async def insert_account_token(
    conn: asyncpg.Connection,
    token_hash: bytes,
    user_id: int,
    purpose: str,
    email: str,
    ttl_seconds: int,
) -> None:
    await conn.execute(
        "INSERT INTO account_tokens (token_hash, user_id, purpose, email, expires_at) "
        "VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))",
        token_hash,
        user_id,
        purpose,
        email,
        ttl_seconds,
    )


async def retire_account_tokens(conn: asyncpg.Connection, user_id: int, purpose: str) -> None:
    """Links of this purpose sent earlier stop working (a new one was sent, or one was used)."""
    await conn.execute(
        "UPDATE account_tokens SET used_at = now() "
        "WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
        user_id,
        purpose,
    )


async def account_token_for_update(
    conn: asyncpg.Connection, token_hash: bytes
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT token_hash, user_id, purpose, email, expires_at, used_at FROM account_tokens "
        "WHERE token_hash = $1 FOR UPDATE",
        token_hash,
    )


async def mark_account_token_used(conn: asyncpg.Connection, token_hash: bytes) -> None:
    await conn.execute(
        "UPDATE account_tokens SET used_at = now() WHERE token_hash = $1", token_hash
    )


async def set_email(conn: asyncpg.Connection, user_id: int, email: str) -> bool:
    """Give the account a new (verified) address; False when another account has it."""
    try:
        async with conn.transaction():
            await conn.execute(
                "UPDATE users SET email = $2, email_verified = true, updated_at = now() "
                "WHERE id = $1",
                user_id,
                email,
            )
    except asyncpg.UniqueViolationError:
        return False
    return True


async def delete_expired_account_tokens(conn: asyncpg.Connection) -> int:
    status = await conn.execute("DELETE FROM account_tokens WHERE expires_at < now()")
    return int(status.split()[-1])


# Two-factor sign-in.


async def totp_secret(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT secret, confirmed_at, last_step FROM totp_secrets WHERE user_id = $1", user_id
    )


async def put_pending_totp_secret(conn: asyncpg.Connection, user_id: int, secret: str) -> bool:
    """Store a secret awaiting its first code; False when two-factor is already on."""
    row = await conn.fetchval(
        "INSERT INTO totp_secrets (user_id, secret) VALUES ($1, $2) "
        "ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now(), "
        "last_step = 0 WHERE totp_secrets.confirmed_at IS NULL RETURNING 1",
        user_id,
        secret,
    )
    return row is not None


async def advance_totp_step(conn: asyncpg.Connection, user_id: int, step: int) -> bool:
    """Record that a code of ``step`` was used; False when that step (or a later one) was
    already used, which is how a code cannot be replayed, even by two racing requests."""
    row = await conn.fetchval(
        "UPDATE totp_secrets SET last_step = $2 WHERE user_id = $1 AND last_step < $2 RETURNING 1",
        user_id,
        step,
    )
    return row is not None


async def confirm_totp(conn: asyncpg.Connection, user_id: int) -> None:
    await conn.execute("UPDATE totp_secrets SET confirmed_at = now() WHERE user_id = $1", user_id)


async def replace_backup_codes(
    conn: asyncpg.Connection, user_id: int, code_hashes: list[bytes]
) -> None:
    await conn.execute("DELETE FROM backup_codes WHERE user_id = $1", user_id)
    await conn.executemany(
        "INSERT INTO backup_codes (user_id, code_hash) VALUES ($1, $2)",
        [(user_id, code_hash) for code_hash in code_hashes],
    )


async def use_backup_code(conn: asyncpg.Connection, user_id: int, code_hash: bytes) -> bool:
    """Spend an unused backup code; False when it is unknown or already used."""
    row = await conn.fetchval(
        "UPDATE backup_codes SET used_at = now() "
        "WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING 1",
        user_id,
        code_hash,
    )
    return row is not None


async def unused_backup_codes(conn: asyncpg.Connection, user_id: int) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM backup_codes WHERE user_id = $1 AND used_at IS NULL", user_id
    )


async def delete_two_factor(conn: asyncpg.Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM totp_secrets WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM backup_codes WHERE user_id = $1", user_id)


# Devices: app sign-ins (token families).


async def live_families(conn: asyncpg.Connection, user_id: int) -> list[asyncpg.Record]:
    """The app sign-ins that can still refresh, newest first."""
    return await conn.fetch(
        "SELECT f.id, f.created_at, f.last_used_at, f.user_agent, f.ip_prefix "
        "FROM token_families f WHERE f.user_id = $1 AND f.revoked_at IS NULL "
        "AND EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = f.id "
        "  AND r.rotated_at IS NULL AND r.expires_at > now()) "
        "ORDER BY f.created_at DESC",
        user_id,
    )


async def family_of_access_token(conn: asyncpg.Connection, token_hash: bytes) -> int | None:
    return await conn.fetchval(
        "SELECT family_id FROM access_tokens WHERE token_hash = $1", token_hash
    )


async def revoke_family_of_user(
    conn: asyncpg.Connection, user_id: int, family_id: int, reason: str
) -> bool:
    """Revoke one of the user's live sign-ins; False when it is not theirs or not live."""
    row = await conn.fetchval(
        "UPDATE token_families SET revoked_at = now(), revoked_reason = $3 "
        "WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL RETURNING 1",
        user_id,
        family_id,
        reason,
    )
    return row is not None


async def revoke_other_families(
    conn: asyncpg.Connection, user_id: int, keep_family_id: int | None, reason: str
) -> list[int]:
    """Revoke every live sign-in of the user but ``keep_family_id``; the revoked ids."""
    rows = await conn.fetch(
        "UPDATE token_families SET revoked_at = now(), revoked_reason = $3 "
        "WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2 RETURNING id",
        user_id,
        keep_family_id,
        reason,
    )
    return [row["id"] for row in rows]


async def touch_family(conn: asyncpg.Connection, family_id: int) -> None:
    await conn.execute("UPDATE token_families SET last_used_at = now() WHERE id = $1", family_id)


async def describe_family(
    conn: asyncpg.Connection, family_id: int, user_agent: str, ip_prefix: str
) -> None:
    await conn.execute(
        "UPDATE token_families SET user_agent = $2, ip_prefix = $3 WHERE id = $1",
        family_id,
        user_agent,
        ip_prefix,
    )


# The back-office.


def _like_pattern(text: str) -> str:
    """``text`` as a literal ILIKE substring pattern (its ``%``, ``_`` and ``\\`` escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_accounts(
    conn: asyncpg.Connection, text: str | None, before_id: int | None, limit: int
) -> list[asyncpg.Record]:
    """Live accounts whose email or display name holds ``text``, newest first."""
    return await conn.fetch(
        "SELECT id, email, email_verified, display_name, avatar_url, role, created_at "
        "FROM users WHERE deleted_at IS NULL "
        "AND ($1::text IS NULL OR email ILIKE $1 OR display_name ILIKE $1) "
        "AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
        _like_pattern(text) if text else None,
        before_id,
        limit,
    )


# A display name matches a search as a title does in the catalogue's search: each folded
# query word must match a word of the folded name (a prefix, the same letters swapped, or
# enough shared trigrams); the worst word's score ranks the name. ``text_fold`` and
# ``text_word_score`` are infra's functions of the database (``migrations/0600_text_search.sql``).
_SEARCH_USERS = """
WITH words AS (
    SELECT word FROM unnest(string_to_array(text_fold($1::text), ' ')) AS word
    WHERE word <> ''
),
scored AS (
    SELECT u.id, u.display_name, u.avatar_url,
           (SELECT min(text_word_score(text_fold(u.display_name), w.word)) FROM words w)
               AS score
    FROM users u
    WHERE u.deleted_at IS NULL
)
SELECT id, display_name, avatar_url, score FROM scored
WHERE score >= $2 {after}
ORDER BY score DESC, id DESC
LIMIT $3
"""
_SEARCH_USERS_FIRST = _SEARCH_USERS.format(after="")
_SEARCH_USERS_AFTER = _SEARCH_USERS.format(after="AND (score, id) < ($4::real, $5::bigint)")


async def search_users(
    conn: asyncpg.Connection,
    query: str,
    threshold: float,
    after: tuple[float, int] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Live accounts whose display name matches ``query``, best match first."""
    if after is None:
        return await conn.fetch(_SEARCH_USERS_FIRST, query, threshold, limit)
    return await conn.fetch(_SEARCH_USERS_AFTER, query, threshold, limit, *after)


# --- privacy and blocks ----------------------------------------------------------------


async def privacy_choices(conn: asyncpg.Connection, user_id: int) -> dict[str, str]:
    """The audiences the user chose, by section (sections left at their default are absent)."""
    rows = await conn.fetch(
        "SELECT section, audience FROM profile_privacy WHERE user_id = $1", user_id
    )
    return {row["section"]: row["audience"] for row in rows}


async def set_privacy(conn: asyncpg.Connection, user_id: int, section: str, audience: str) -> None:
    await conn.execute(
        "INSERT INTO profile_privacy (user_id, section, audience) VALUES ($1, $2, $3) "
        "ON CONFLICT (user_id, section) DO UPDATE SET audience = EXCLUDED.audience, "
        "updated_at = now()",
        user_id,
        section,
        audience,
    )


async def viewer_relation(
    conn: asyncpg.Connection, owner_id: int, viewer_id: int | None
) -> asyncpg.Record | None:
    """Whether the owner is a live account, whether either blocked the other, whether the
    viewer follows the owner, and the owner's chosen audience of every section; None when
    there is no such live account."""
    return await conn.fetchrow(
        """
        SELECT EXISTS (SELECT 1 FROM blocks
                       WHERE (blocker_id = u.id AND blocked_id = $2)
                          OR (blocker_id = $2 AND blocked_id = u.id)) AS blocked,
               EXISTS (SELECT 1 FROM follows
                       WHERE follower_id = $2 AND followee_id = u.id) AS follower,
               coalesce((SELECT jsonb_object_agg(section, audience) FROM profile_privacy
                         WHERE user_id = u.id), '{}'::jsonb) AS chosen
        FROM users u WHERE u.id = $1 AND u.deleted_at IS NULL
        """,
        owner_id,
        viewer_id,
    )


async def insert_block(conn: asyncpg.Connection, blocker_id: int, blocked_id: int) -> bool:
    row = await conn.fetchval(
        "INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        blocker_id,
        blocked_id,
    )
    return row is not None


async def delete_block(conn: asyncpg.Connection, blocker_id: int, blocked_id: int) -> bool:
    row = await conn.fetchval(
        "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2 RETURNING 1",
        blocker_id,
        blocked_id,
    )
    return row is not None


async def blocked_between(conn: asyncpg.Connection, a: int, b: int) -> bool:
    """Has either of the two accounts blocked the other?"""
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2) "
            "OR (blocker_id = $2 AND blocked_id = $1)",
            a,
            b,
        )
    )


async def blocks_page(
    conn: asyncpg.Connection, blocker_id: int, after: tuple[datetime, int] | None, limit: int
) -> list[asyncpg.Record]:
    """Whom the user blocked, most recent first."""
    return await conn.fetch(
        "SELECT u.id, u.display_name, u.avatar_url, b.created_at FROM blocks b "
        "JOIN users u ON u.id = b.blocked_id "
        "WHERE b.blocker_id = $1 AND ($2::timestamptz IS NULL OR (b.created_at, b.blocked_id) "
        "< ($2::timestamptz, $3::bigint)) "
        "ORDER BY b.created_at DESC, b.blocked_id DESC LIMIT $4",
        blocker_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


async def set_role_of(conn: asyncpg.Connection, user_id: int, role: str) -> bool:
    """Give the live account ``user_id`` the ``role``; False when there is none."""
    updated = await conn.fetchval(
        "UPDATE users SET role = $2, updated_at = now() "
        "WHERE id = $1 AND deleted_at IS NULL RETURNING id",
        user_id,
        role,
    )
    return updated is not None


async def signups_since(conn: asyncpg.Connection, since: datetime) -> int:
    return await conn.fetchval("SELECT count(*) FROM users WHERE created_at >= $1", since)


# --- notifications ---------------------------------------------------------------------

_NOTIFICATION_COLUMNS = "id, kind, data, created_at, read_at"


async def insert_notification(
    conn: asyncpg.Connection, user_id: int, kind: str, data: dict[str, Any], source: str
) -> asyncpg.Record | None:
    """The stored notification; None when ``source`` already notified this user."""
    return await conn.fetchrow(
        "INSERT INTO notifications (user_id, kind, data, source) VALUES ($1, $2, $3, $4) "
        f"ON CONFLICT (user_id, source) DO NOTHING RETURNING {_NOTIFICATION_COLUMNS}",
        user_id,
        kind,
        data,
        source,
    )


async def notifications_page(
    conn: asyncpg.Connection, user_id: int, unread_only: bool, before_id: int | None, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {_NOTIFICATION_COLUMNS} FROM notifications "
        "WHERE user_id = $1 AND id < $2 AND (NOT $3 OR read_at IS NULL) "
        "ORDER BY id DESC LIMIT $4",
        user_id,
        before_id or 2**63 - 1,
        unread_only,
        limit,
    )


async def unread_notifications(conn: asyncpg.Connection, user_id: int) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL", user_id
    )


async def mark_notifications_read(
    conn: asyncpg.Connection, user_id: int, ids: list[int] | None
) -> int:
    """Mark the given notifications of the user (all when ``ids`` is None) read; how many."""
    result = await conn.execute(
        "UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL "
        "AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[]))",
        user_id,
        ids,
    )
    return int(result.split()[-1])


async def followees_showing(
    conn: asyncpg.Connection, viewer_id: int, section: str, default_audience: str
) -> list[int]:
    """The live accounts the viewer follows that show ``section`` to their followers."""
    rows = await conn.fetch(
        "SELECT f.followee_id FROM follows f "
        "JOIN users u ON u.id = f.followee_id AND u.deleted_at IS NULL "
        "LEFT JOIN profile_privacy p ON p.user_id = f.followee_id AND p.section = $2 "
        "WHERE f.follower_id = $1 AND coalesce(p.audience, $3) <> 'private'",
        viewer_id,
        section,
        default_audience,
    )
    return [row["followee_id"] for row in rows]
