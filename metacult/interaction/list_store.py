"""SQL for lists, their editors (a shared list's members), invitations, entries, likes and
follows (callers own the transaction)."""

from __future__ import annotations

import asyncpg

Conn = asyncpg.Connection

LIST_COLUMNS = (
    "l.id, l.owner_id, l.name, l.description, l.ranked, l.visibility, l.entries_count, "
    "l.likes_count, l.shared, l.created_at, l.updated_at"
)


async def insert_list(
    conn: Conn,
    owner_id: int,
    name: str,
    description: str,
    ranked: bool,
    visibility: str,
    shared: bool,
) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO lists AS l (owner_id, name, description, ranked, visibility, shared) "
        f"VALUES ($1, $2, $3, $4, $5, $6) RETURNING {LIST_COLUMNS}",
        owner_id,
        name,
        description,
        ranked,
        visibility,
        shared,
    )


async def get_list(conn: Conn, list_id: int, *, lock: bool = False) -> asyncpg.Record | None:
    suffix = " FOR UPDATE" if lock else ""
    return await conn.fetchrow(
        f"SELECT {LIST_COLUMNS} FROM lists l WHERE l.id = $1{suffix}", list_id
    )


async def update_list(conn: Conn, list_id: int, **values: object) -> asyncpg.Record:
    return await conn.fetchrow(
        "UPDATE lists AS l SET name = $2, description = $3, ranked = $4, visibility = $5, "
        f"shared = $6, updated_at = now() WHERE l.id = $1 RETURNING {LIST_COLUMNS}",
        list_id,
        values["name"],
        values["description"],
        values["ranked"],
        values["visibility"],
        values["shared"],
    )


async def delete_list(conn: Conn, list_id: int) -> None:
    await conn.execute("DELETE FROM lists WHERE id = $1", list_id)


async def is_editor(conn: Conn, list_id: int, user_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM list_editors WHERE list_id = $1 AND user_id = $2", list_id, user_id
        )
    )


async def editors(conn: Conn, list_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT user_id FROM list_editors WHERE list_id = $1 ORDER BY added_at, user_id", list_id
    )
    return [row["user_id"] for row in rows]


async def add_editor(conn: Conn, list_id: int, user_id: int) -> None:
    await conn.execute(
        "INSERT INTO list_editors (list_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        list_id,
        user_id,
    )


async def remove_editor(conn: Conn, list_id: int, user_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "DELETE FROM list_editors WHERE list_id = $1 AND user_id = $2 RETURNING 1",
            list_id,
            user_id,
        )
    )


# --- a shared list's invitations -----------------------------------------------------


async def add_invite(conn: Conn, list_id: int, user_id: int, invited_by: int) -> bool:
    """Invite the user (False when an invitation was already pending)."""
    return bool(
        await conn.fetchval(
            "INSERT INTO list_invites (list_id, user_id, invited_by) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING RETURNING 1",
            list_id,
            user_id,
            invited_by,
        )
    )


async def is_invited(conn: Conn, list_id: int, user_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM list_invites WHERE list_id = $1 AND user_id = $2", list_id, user_id
        )
    )


async def remove_invite(conn: Conn, list_id: int, user_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "DELETE FROM list_invites WHERE list_id = $1 AND user_id = $2 RETURNING 1",
            list_id,
            user_id,
        )
    )


async def remove_invites(conn: Conn, list_id: int) -> None:
    await conn.execute("DELETE FROM list_invites WHERE list_id = $1", list_id)


async def invitees(conn: Conn, list_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT user_id FROM list_invites WHERE list_id = $1 ORDER BY created_at, user_id",
        list_id,
    )
    return [row["user_id"] for row in rows]


_PENDING_INVITES = f"""
SELECT {LIST_COLUMNS}, i.invited_by, i.created_at AS invited_at
FROM list_invites i JOIN lists l ON l.id = i.list_id
WHERE i.user_id = $1 AND i.list_id < $2
ORDER BY i.list_id DESC
LIMIT $3
"""


async def pending_invites(
    conn: Conn, user_id: int, before_list_id: int | None, limit: int
) -> list[asyncpg.Record]:
    """The shared lists the user is invited to, newest list first."""
    return await conn.fetch(_PENDING_INVITES, user_id, before_list_id or 2**63 - 1, limit)


_LOCK_WITH_EITHER = """
SELECT l.id, l.shared FROM lists l
WHERE l.owner_id IN ($1, $2)
   OR EXISTS (SELECT 1 FROM list_editors e WHERE e.list_id = l.id AND e.user_id IN ($1, $2))
   OR EXISTS (SELECT 1 FROM list_invites i WHERE i.list_id = l.id AND i.user_id IN ($1, $2))
ORDER BY l.id
FOR UPDATE OF l
"""


async def lock_with_either(conn: Conn, a: int, b: int) -> list[asyncpg.Record]:
    """Lock the lists either user owns, edits, is a member of or is invited to (id, shared)."""
    return await conn.fetch(_LOCK_WITH_EITHER, a, b)


_STANDING = """
SELECT l.owner_id,
       ARRAY(SELECT e.user_id FROM list_editors e
             WHERE e.list_id = l.id AND e.user_id IN ($2, $3)) AS members,
       ARRAY(SELECT i.user_id FROM list_invites i
             WHERE i.list_id = l.id AND i.user_id IN ($2, $3)) AS invited
FROM lists l WHERE l.id = $1
"""


async def standing(conn: Conn, list_id: int, a: int, b: int) -> asyncpg.Record | None:
    """The list's owner, and which of the two users are its members and which invited."""
    return await conn.fetchrow(_STANDING, list_id, a, b)


# --- entries (the list's row is locked by the caller) ----------------------------------


async def entry_position(conn: Conn, list_id: int, media_id: int) -> int | None:
    return await conn.fetchval(
        "SELECT position FROM list_entries WHERE list_id = $1 AND media_id = $2",
        list_id,
        media_id,
    )


async def entries_count(conn: Conn, list_id: int) -> int:
    return await conn.fetchval("SELECT count(*) FROM list_entries WHERE list_id = $1", list_id)


async def insert_entry(
    conn: Conn, list_id: int, media_id: int, kind: str, position: int, note: str, added_by: int
) -> None:
    """Make room at ``position`` and put the title there."""
    await conn.execute(
        "UPDATE list_entries SET position = position + 1 WHERE list_id = $1 AND position >= $2",
        list_id,
        position,
    )
    await conn.execute(
        "INSERT INTO list_entries (list_id, media_id, kind, position, note, added_by) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        list_id,
        media_id,
        kind,
        position,
        note,
        added_by,
    )


async def move_entry(conn: Conn, list_id: int, media_id: int, old: int, new: int) -> None:
    """Move an entry from position ``old`` to ``new``, shifting those in between."""
    if new < old:
        await conn.execute(
            "UPDATE list_entries SET position = position + 1 "
            "WHERE list_id = $1 AND position >= $2 AND position < $3",
            list_id,
            new,
            old,
        )
    elif new > old:
        await conn.execute(
            "UPDATE list_entries SET position = position - 1 "
            "WHERE list_id = $1 AND position > $2 AND position <= $3",
            list_id,
            old,
            new,
        )
    await conn.execute(
        "UPDATE list_entries SET position = $3 WHERE list_id = $1 AND media_id = $2",
        list_id,
        media_id,
        new,
    )


async def set_note(conn: Conn, list_id: int, media_id: int, note: str) -> None:
    await conn.execute(
        "UPDATE list_entries SET note = $3 WHERE list_id = $1 AND media_id = $2",
        list_id,
        media_id,
        note,
    )


async def delete_entry(conn: Conn, list_id: int, media_id: int) -> bool:
    position = await conn.fetchval(
        "DELETE FROM list_entries WHERE list_id = $1 AND media_id = $2 RETURNING position",
        list_id,
        media_id,
    )
    if position is None:
        return False
    await conn.execute(
        "UPDATE list_entries SET position = position - 1 WHERE list_id = $1 AND position > $2",
        list_id,
        position,
    )
    return True


async def touch(conn: Conn, list_id: int) -> None:
    await conn.execute(
        "UPDATE lists SET entries_count = (SELECT count(*) FROM list_entries WHERE list_id = $1), "
        "updated_at = now() WHERE id = $1",
        list_id,
    )


async def entries_page(
    conn: Conn, list_id: int, after_position: int, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT media_id, kind, position, note, added_by, added_at FROM list_entries "
        "WHERE list_id = $1 AND position > $2 ORDER BY position LIMIT $3",
        list_id,
        after_position,
        limit,
    )


# Which of the list's owner and editors watched, completed or logged each entry.
_ENTRIES_SEEN = """
WITH members AS (
    SELECT owner_id AS user_id FROM lists WHERE id = $1
    UNION
    SELECT user_id FROM list_editors WHERE list_id = $1
), entries AS (
    SELECT e.media_id, e.kind, e.position, e.note, e.added_by, e.added_at,
           ARRAY(SELECT m.user_id FROM members m
                 WHERE EXISTS (SELECT 1 FROM library_entries l
                               WHERE l.user_id = m.user_id AND l.media_id = e.media_id
                                 AND l.status IN ('watched', 'completed'))
                    OR EXISTS (SELECT 1 FROM diary_entries d
                               WHERE d.user_id = m.user_id AND d.media_id = e.media_id)
                 ORDER BY m.user_id) AS seen_by
    FROM list_entries e
    WHERE e.list_id = $1 AND e.position > $2
)
SELECT * FROM entries
WHERE NOT $4 OR cardinality(seen_by) = 0
ORDER BY position
LIMIT $3
"""


async def entries_seen_page(
    conn: Conn, list_id: int, after_position: int, limit: int, *, unseen_by_all: bool
) -> list[asyncpg.Record]:
    """Entries with ``seen_by``, which of the list's members saw each; only the titles
    none of them saw when ``unseen_by_all``."""
    return await conn.fetch(_ENTRIES_SEEN, list_id, after_position, limit, unseen_by_all)


async def seen_count(conn: Conn, list_id: int, user_id: int) -> int:
    """How many of the list's titles the user watched, completed or logged."""
    return await conn.fetchval(
        """
        SELECT count(*) FROM list_entries e
        WHERE e.list_id = $1
          AND (EXISTS (SELECT 1 FROM library_entries l
                       WHERE l.user_id = $2 AND l.media_id = e.media_id
                         AND l.status IN ('watched', 'completed'))
               OR EXISTS (SELECT 1 FROM diary_entries d
                          WHERE d.user_id = $2 AND d.media_id = e.media_id))
        """,
        list_id,
        user_id,
    )


# --- likes and follows ------------------------------------------------------------------


async def set_like(conn: Conn, list_id: int, user_id: int, liked: bool) -> None:
    if liked:
        changed = await conn.fetchval(
            "INSERT INTO list_likes (list_id, user_id) VALUES ($1, $2) "
            "ON CONFLICT DO NOTHING RETURNING 1",
            list_id,
            user_id,
        )
    else:
        changed = await conn.fetchval(
            "DELETE FROM list_likes WHERE list_id = $1 AND user_id = $2 RETURNING 1",
            list_id,
            user_id,
        )
    if changed:
        await conn.execute(
            "UPDATE lists SET likes_count = (SELECT count(*) FROM list_likes WHERE list_id = $1) "
            "WHERE id = $1",
            list_id,
        )


async def set_follow(conn: Conn, list_id: int, user_id: int, following: bool) -> None:
    if following:
        await conn.execute(
            "INSERT INTO list_follows (list_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            list_id,
            user_id,
        )
    else:
        await conn.execute(
            "DELETE FROM list_follows WHERE list_id = $1 AND user_id = $2", list_id, user_id
        )


async def viewer_marks(conn: Conn, list_id: int, user_id: int) -> asyncpg.Record:
    return await conn.fetchrow(
        "SELECT EXISTS (SELECT 1 FROM list_likes WHERE list_id = $1 AND user_id = $2) AS liked, "
        "EXISTS (SELECT 1 FROM list_follows WHERE list_id = $1 AND user_id = $2) AS following",
        list_id,
        user_id,
    )


# --- discovery ---------------------------------------------------------------------------

_DISCOVER = f"""
WITH words AS (
    SELECT word FROM unnest(string_to_array(text_fold($1::text), ' ')) AS word
    WHERE word <> ''
)
SELECT {LIST_COLUMNS} FROM lists l
WHERE l.visibility = 'public' AND l.id < $2
  AND ($1::text IS NULL OR (SELECT min(text_word_score(text_fold(l.name), w.word))
                            FROM words w) >= $3)
ORDER BY l.id DESC
LIMIT $4
"""


async def discover(
    conn: Conn, query: str | None, threshold: float, before_id: int | None, limit: int
) -> list[asyncpg.Record]:
    """Public lists, newest first; those whose name matches ``query`` when one is given."""
    return await conn.fetch(_DISCOVER, query, before_id or 2**63 - 1, threshold, limit)


_EDITABLE = f"""
SELECT {LIST_COLUMNS} FROM lists l
WHERE (l.owner_id = $1
       OR EXISTS (SELECT 1 FROM list_editors e WHERE e.list_id = l.id AND e.user_id = $1))
  AND l.id < $2
  AND ($4::boolean IS NULL OR l.shared = $4)
ORDER BY l.id DESC
LIMIT $3
"""


async def editable_by(
    conn: Conn, user_id: int, before_id: int | None, limit: int, shared: bool | None = None
) -> list[asyncpg.Record]:
    """The lists a user owns or was invited to edit (or joined), newest first; only the
    shared or only the plain ones when ``shared`` is given."""
    return await conn.fetch(_EDITABLE, user_id, before_id or 2**63 - 1, limit, shared)
