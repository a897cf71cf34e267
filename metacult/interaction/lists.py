"""Lists: named lists of titles of any kind, plain or ranked, with a note per entry,
public or private, edited by their owner and the editors the owner invited.

Every change to a list's entries locks the list first, so concurrent editors' changes
apply one after the other on the latest positions: nothing is lost or doubled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from metacult import catalog, identity
from metacult.infra import cursors
from metacult.infra.errors import Forbidden, NotFound
from metacult.infra.events import emit
from metacult.interaction import events, list_store
from metacult.interaction.media import media_kind
from metacult.interaction.service import Page

NAME_MATCH = 0.4


class ListNotFound(NotFound):
    """No such list (or not one you may see)."""

    code = "list_not_found"


class NotAnEditor(Forbidden):
    """Only the list's owner and its editors may change it."""

    code = "not_a_list_editor"


class NotTheOwner(Forbidden):
    """Only the list's owner may do that."""

    code = "not_the_list_owner"


@dataclass(frozen=True, slots=True)
class TitleList:
    id: int
    owner_id: int
    name: str
    description: str
    ranked: bool
    visibility: str
    entries: int
    likes: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> TitleList:
        return cls(
            id=row["id"],
            owner_id=row["owner_id"],
            name=row["name"],
            description=row["description"],
            ranked=row["ranked"],
            visibility=row["visibility"],
            entries=row["entries_count"],
            likes=row["likes_count"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@dataclass(frozen=True, slots=True)
class ListView:
    """A list as one viewer sees it: its editors, what they have seen of it, their marks."""

    list: TitleList
    editors: list[int]
    seen: int | None
    liked: bool
    following: bool
    can_edit: bool


@dataclass(frozen=True, slots=True)
class ListEntry:
    media: catalog.MediaSummary
    position: int
    note: str
    added_by: int | None
    added_at: datetime


def _changed(list_id: int, user_id: int, change: str, media_id: int | None = None):  # type: ignore[no-untyped-def]
    return events.ListChangedPayload(
        list_id=list_id,
        user_id=user_id,
        change=change,  # type: ignore[arg-type]
        media_id=media_id,
    )


async def _readable(
    conn: asyncpg.Connection, list_id: int, viewer_id: int | None, *, lock: bool = False
) -> tuple[TitleList, bool]:
    """The list and whether the viewer may edit it; 404 when they may not read it."""
    row = await list_store.get_list(conn, list_id, lock=lock)
    if row is None:
        raise ListNotFound()
    found = TitleList.from_row(row)
    editor = viewer_id is not None and (
        viewer_id == found.owner_id or await list_store.is_editor(conn, list_id, viewer_id)
    )
    if editor:
        return found, True
    if found.visibility != "public":
        raise ListNotFound()
    try:
        await identity.check_section(conn, found.owner_id, viewer_id, "lists")
    except (NotFound, identity.SectionHidden):
        raise ListNotFound() from None
    return found, False


async def readable_by(db: asyncpg.Pool, list_id: int, viewer_id: int | None) -> bool:
    """May this viewer (None: anonymous) read the list? The ``list:{id}`` audience."""
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        try:
            await _readable(conn, list_id, viewer_id)
        except ListNotFound:
            return False
    return True


async def _editable(conn: asyncpg.Connection, list_id: int, user_id: int) -> TitleList:
    found, editor = await _readable(conn, list_id, user_id, lock=True)
    if not editor:
        raise NotAnEditor()
    return found


async def _owned(conn: asyncpg.Connection, list_id: int, user_id: int) -> TitleList:
    found = await _editable(conn, list_id, user_id)
    if found.owner_id != user_id:
        raise NotTheOwner()
    return found


async def create(
    db: asyncpg.Pool, owner_id: int, name: str, description: str, ranked: bool, visibility: str
) -> TitleList:
    async with db.acquire() as conn, conn.transaction():
        row = await list_store.insert_list(conn, owner_id, name, description, ranked, visibility)
        await emit(conn, events.LIST_CHANGED, _changed(row["id"], owner_id, "created"))
        return TitleList.from_row(row)


async def view(db: asyncpg.Pool, list_id: int, viewer_id: int | None) -> ListView:
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        found, editor = await _readable(conn, list_id, viewer_id)
        editors = await list_store.editors(conn, list_id)
        seen = liked = following = None
        if viewer_id is not None:
            seen = await list_store.seen_count(conn, list_id, viewer_id)
            marks = await list_store.viewer_marks(conn, list_id, viewer_id)
            liked, following = marks["liked"], marks["following"]
    return ListView(found, editors, seen, bool(liked), bool(following), editor)


async def update(
    db: asyncpg.Pool, list_id: int, user_id: int, changes: dict[str, object]
) -> TitleList:
    """Rename, describe, rank or unrank, publish or hide a list (its owner only)."""
    async with db.acquire() as conn, conn.transaction():
        current = await _owned(conn, list_id, user_id)
        values = {
            "name": current.name,
            "description": current.description,
            "ranked": current.ranked,
            "visibility": current.visibility,
        } | changes
        row = await list_store.update_list(conn, list_id, **values)
        await emit(conn, events.LIST_CHANGED, _changed(list_id, user_id, "updated"))
        return TitleList.from_row(row)


async def delete(db: asyncpg.Pool, list_id: int, user_id: int) -> None:
    async with db.acquire() as conn, conn.transaction():
        await _owned(conn, list_id, user_id)
        await list_store.delete_list(conn, list_id)
        await emit(conn, events.LIST_CHANGED, _changed(list_id, user_id, "deleted"))


async def put_entry(
    db: asyncpg.Pool,
    list_id: int,
    user_id: int,
    media_id: int,
    *,
    note: str | None,
    position: int | None,
) -> None:
    """Add a title (at ``position``, else at the end), or move it, or change its note."""
    async with db.acquire() as conn, conn.transaction():
        await _editable(conn, list_id, user_id)
        kind = await media_kind(conn, media_id)
        count = await list_store.entries_count(conn, list_id)
        current = await list_store.entry_position(conn, list_id, media_id)
        if current is None:
            at = min(position or count + 1, count + 1)
            await list_store.insert_entry(conn, list_id, media_id, kind, at, note or "", user_id)
            change = "entry_added"
        else:
            if position is not None and min(position, count) != current:
                await list_store.move_entry(conn, list_id, media_id, current, min(position, count))
            if note is not None:
                await list_store.set_note(conn, list_id, media_id, note)
            change = "entry_changed"
        await list_store.touch(conn, list_id)
        await emit(conn, events.LIST_CHANGED, _changed(list_id, user_id, change, media_id))


async def remove_entry(db: asyncpg.Pool, list_id: int, user_id: int, media_id: int) -> None:
    async with db.acquire() as conn, conn.transaction():
        await _editable(conn, list_id, user_id)
        if await list_store.delete_entry(conn, list_id, media_id):
            await list_store.touch(conn, list_id)
            await emit(
                conn, events.LIST_CHANGED, _changed(list_id, user_id, "entry_removed", media_id)
            )


EntryCursor = tuple[cursors.Id]


async def entries(
    db: asyncpg.Pool, list_id: int, viewer_id: int | None, cursor: str | None, limit: int
) -> Page:
    """A list's titles in order, each with its summary and note."""
    after = cursors.decode_position(cursor, EntryCursor) if cursor else None
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await _readable(conn, list_id, viewer_id)
        rows = await list_store.entries_page(conn, list_id, after[0] if after else 0, limit + 1)
        titles = await catalog.media_summaries(conn, [row["media_id"] for row in rows[:limit]])
    items = [
        ListEntry(
            media=titles[row["media_id"]],
            position=row["position"],
            note=row["note"],
            added_by=row["added_by"],
            added_at=row["added_at"],
        )
        for row in rows[:limit]
        if row["media_id"] in titles
    ]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = cursors.encode_position((rows[limit - 1]["position"],))
    return Page(items, next_cursor)


async def set_editor(
    db: asyncpg.Pool, list_id: int, owner_id: int, editor_id: int, *, editing: bool
) -> list[int]:
    """Invite a user to edit the list, or take it back (its owner only); the editors."""
    async with db.acquire() as conn, conn.transaction():
        await _owned(conn, list_id, owner_id)
        if editing:
            if editor_id == owner_id or editor_id not in await identity.user_summaries(
                conn, [editor_id]
            ):
                raise NotFound("No such user.")
            await list_store.add_editor(conn, list_id, editor_id)
        else:
            await list_store.remove_editor(conn, list_id, editor_id)
        await emit(conn, events.LIST_CHANGED, _changed(list_id, owner_id, "editors_changed"))
        return await list_store.editors(conn, list_id)


async def mark(
    db: asyncpg.Pool,
    list_id: int,
    user_id: int,
    *,
    like: bool | None = None,
    follow: bool | None = None,
) -> ListView:
    """Like or follow a list one may read (or take it back)."""
    async with db.acquire() as conn, conn.transaction():
        await _readable(conn, list_id, user_id)
        if like is not None:
            await list_store.set_like(conn, list_id, user_id, like)
        if follow is not None:
            await list_store.set_follow(conn, list_id, user_id, follow)
    return await view(db, list_id, user_id)


async def discover(db: asyncpg.Pool, query: str | None, cursor: str | None, limit: int) -> Page:
    """Public lists, newest first; those whose name matches ``query`` when one is given."""
    after = cursors.decode_position(cursor, EntryCursor) if cursor else None
    async with db.acquire() as conn:
        rows = await list_store.discover(
            conn, query, NAME_MATCH, after[0] if after else None, limit + 1
        )
    items = [TitleList.from_row(row) for row in rows[:limit]]
    next_cursor = cursors.encode_position((items[-1].id,)) if len(rows) > limit else None
    return Page(items, next_cursor)


async def editable(db: asyncpg.Pool, user_id: int, cursor: str | None, limit: int) -> Page:
    """The lists one owns or edits, newest first (to add a title to one of them)."""
    after = cursors.decode_position(cursor, EntryCursor) if cursor else None
    async with db.acquire() as conn:
        rows = await list_store.editable_by(conn, user_id, after[0] if after else None, limit + 1)
    items = [TitleList.from_row(row) for row in rows[:limit]]
    next_cursor = cursors.encode_position((items[-1].id,)) if len(rows) > limit else None
    return Page(items, next_cursor)
