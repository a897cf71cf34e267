"""Lists: named lists of titles of any kind, plain or ranked, with a note per entry,
public or private, edited by their owner and the editors the owner invited.

A shared list (a watchlist shared by friends) has members instead of appointed editors:
the owner or a member invites a friend (someone who follows them back), who accepts or
declines; a member leaves or the owner removes them; a block between two of them ends the
blocked party's membership. Members edit like editors and see which of them saw each title.

Every change to a list's entries locks the list first, so concurrent editors' changes
apply one after the other on the latest positions: nothing is lost or doubled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from metacult import catalog, identity
from metacult.infra import cursors
from metacult.infra.errors import Conflict, Forbidden, NotFound
from metacult.infra.events import emit
from metacult.interaction import events, list_store, service
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


class ListNotShared(Conflict):
    """Only a shared list has members and invitations."""

    code = "list_not_shared"


class SharedListInviteOnly(Conflict):
    """A shared list's members are invited (and accept), not appointed."""

    code = "shared_list_invite_only"


class AlreadyAMember(Conflict):
    """The user is the list's owner or one of its members already."""

    code = "already_a_member"


class NotAFriend(Forbidden):
    """Only a friend (someone who follows the inviter back) may be invited."""

    code = "not_a_friend"


class NotInvited(NotFound):
    """No pending invitation of that user to that list."""

    code = "not_invited"


class NotAMember(NotFound):
    """That user is not a member of the list."""

    code = "not_a_member"


class OwnerCannotLeave(Forbidden):
    """The owner stays with their list (they may delete it)."""

    code = "owner_cannot_leave"


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
    shared: bool
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
            shared=row["shared"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@dataclass(frozen=True, slots=True)
class ListView:
    """A list as one viewer sees it: its editors, what they have seen of it, their marks;
    a shared list's members (the owner first) and, for its members, who is invited."""

    list: TitleList
    editors: list[int]
    members: list[int]
    invited: list[int]
    # Who the members and the invited are: {id, display_name, avatar_url} each.
    people: list[dict[str, object]]
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
    # Which of the list's members saw the title (its editors only see it; None otherwise).
    seen_by: list[int] | None = None


@dataclass(frozen=True, slots=True)
class ListInvite:
    """A pending invitation to a shared list."""

    list: TitleList
    invited_by: int
    # The inviter's summary (display name, avatar), None once their account is gone.
    inviter: dict[str, object] | None
    invited_at: datetime


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
    db: asyncpg.Pool,
    owner_id: int,
    name: str,
    description: str,
    ranked: bool,
    visibility: str,
    shared: bool = False,
) -> TitleList:
    async with db.acquire() as conn, conn.transaction():
        row = await list_store.insert_list(
            conn, owner_id, name, description, ranked, visibility, shared
        )
        await emit(conn, events.LIST_CHANGED, _changed(row["id"], owner_id, "created"))
        return TitleList.from_row(row)


async def view(db: asyncpg.Pool, list_id: int, viewer_id: int | None) -> ListView:
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        found, editor = await _readable(conn, list_id, viewer_id)
        editors = await list_store.editors(conn, list_id)
        members = [found.owner_id, *editors] if found.shared else []
        invited = await list_store.invitees(conn, list_id) if found.shared and editor else []
        summaries = await identity.user_summaries(conn, [*members, *invited])
        people = [summaries[user_id] for user_id in [*members, *invited] if user_id in summaries]
        seen = liked = following = None
        if viewer_id is not None:
            seen = await list_store.seen_count(conn, list_id, viewer_id)
            marks = await list_store.viewer_marks(conn, list_id, viewer_id)
            liked, following = marks["liked"], marks["following"]
    return ListView(
        found, editors, members, invited, people, seen, bool(liked), bool(following), editor
    )


async def update(
    db: asyncpg.Pool, list_id: int, user_id: int, changes: dict[str, object]
) -> TitleList:
    """Rename, describe, rank or unrank, publish or hide, share or unshare a list (its owner
    only). A list turned shared keeps its editors as members; one turned plain keeps its
    members as editors, and its pending invitations are withdrawn."""
    async with db.acquire() as conn, conn.transaction():
        current = await _owned(conn, list_id, user_id)
        values = {
            "name": current.name,
            "description": current.description,
            "ranked": current.ranked,
            "visibility": current.visibility,
            "shared": current.shared,
        } | changes
        row = await list_store.update_list(conn, list_id, **values)
        if current.shared and not values["shared"]:
            await list_store.remove_invites(conn, list_id)
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
    db: asyncpg.Pool,
    list_id: int,
    viewer_id: int | None,
    cursor: str | None,
    limit: int,
    *,
    unseen_by_all: bool = False,
) -> Page:
    """A list's titles in order, each with its summary and note; on a shared list, its
    members also see which of them saw each title, and may ask for those none of them saw
    (``unseen_by_all``: what to watch together)."""
    after = cursors.decode_position(cursor, EntryCursor) if cursor else None
    start = after[0] if after else 0
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        found, editor = await _readable(conn, list_id, viewer_id)
        with_seen = found.shared and editor
        if unseen_by_all and not found.shared:
            raise ListNotShared("Only a shared watchlist knows what its members have seen.")
        if unseen_by_all and not editor:
            raise NotAnEditor("Only the watchlist's members see what they have seen.")
        if with_seen:
            rows = await list_store.entries_seen_page(
                conn, list_id, start, limit + 1, unseen_by_all=unseen_by_all
            )
        else:
            rows = await list_store.entries_page(conn, list_id, start, limit + 1)
        titles = await catalog.media_summaries(conn, [row["media_id"] for row in rows[:limit]])
    items = [
        ListEntry(
            media=titles[row["media_id"]],
            position=row["position"],
            note=row["note"],
            added_by=row["added_by"],
            added_at=row["added_at"],
            seen_by=list(row["seen_by"]) if with_seen else None,
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
        found = await _owned(conn, list_id, owner_id)
        if editing and found.shared:
            raise SharedListInviteOnly("Invite friends to a shared watchlist instead.")
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


async def editable(
    db: asyncpg.Pool, user_id: int, cursor: str | None, limit: int, shared: bool | None = None
) -> Page:
    """The lists one owns or edits, newest first (to add a title to one of them); only the
    shared ones (or only the plain ones) when ``shared`` says so."""
    after = cursors.decode_position(cursor, EntryCursor) if cursor else None
    async with db.acquire() as conn:
        rows = await list_store.editable_by(
            conn, user_id, after[0] if after else None, limit + 1, shared
        )
    items = [TitleList.from_row(row) for row in rows[:limit]]
    next_cursor = cursors.encode_position((items[-1].id,)) if len(rows) > limit else None
    return Page(items, next_cursor)


# --- shared watchlists -------------------------------------------------------------------


def _members_changed(list_id: int, user_id: int) -> events.ListChangedPayload:
    return _changed(list_id, user_id, "members_changed")


async def _members(conn: asyncpg.Connection, found: TitleList) -> list[int]:
    return [found.owner_id, *await list_store.editors(conn, found.id)]


async def _blocked_with_any(conn: asyncpg.Connection, user_id: int, members: list[int]) -> bool:
    for member in members:
        if member != user_id and await identity.friendship(conn, member, user_id) == "blocked":
            return True
    return False


async def invite(db: asyncpg.Pool, list_id: int, user_id: int, invitee_id: int) -> list[int]:
    """Invite a friend of the inviter (the owner or a member) to a shared list; the users
    invited. Inviting again while an invitation is pending changes nothing."""
    async with db.acquire() as conn, conn.transaction():
        found = await _editable(conn, list_id, user_id)
        if not found.shared:
            raise ListNotShared("Only a shared watchlist takes invitations.")
        members = await _members(conn, found)
        if invitee_id not in await identity.user_summaries(conn, [invitee_id]):
            raise NotFound("No such user.")
        # Blocked users never share a list: nobody blocked by a member, or blocking one.
        if await _blocked_with_any(conn, invitee_id, members):
            raise NotFound("No such user.")
        if invitee_id in members:
            raise AlreadyAMember("They are in this watchlist already.")
        if await identity.friendship(conn, user_id, invitee_id) != "mutual":
            raise NotAFriend("Invite friends: people who follow you back.")
        if await list_store.add_invite(conn, list_id, invitee_id, user_id):
            invited = events.SharedListInvitedPayload(
                list_id=list_id, user_id=user_id, invitee_id=invitee_id
            )
            await emit(conn, events.SHARED_LIST_INVITED, invited)
            await emit(conn, events.LIST_CHANGED, _members_changed(list_id, user_id))
        return await list_store.invitees(conn, list_id)


async def withdraw_invite(db: asyncpg.Pool, list_id: int, user_id: int, invitee_id: int) -> None:
    """Take back a pending invitation (the owner or a member)."""
    async with db.acquire() as conn, conn.transaction():
        found = await _editable(conn, list_id, user_id)
        if not found.shared:
            raise ListNotShared("Only a shared watchlist takes invitations.")
        if not await list_store.remove_invite(conn, list_id, invitee_id):
            raise NotInvited("No invitation of theirs is pending.")
        await emit(conn, events.LIST_CHANGED, _members_changed(list_id, user_id))


async def pending_invites(db: asyncpg.Pool, user_id: int, cursor: str | None, limit: int) -> Page:
    """The shared lists one is invited to, newest list first."""
    after = cursors.decode_position(cursor, EntryCursor) if cursor else None
    async with db.acquire() as conn:
        rows = await list_store.pending_invites(
            conn, user_id, after[0] if after else None, limit + 1
        )
        inviters = await identity.user_summaries(conn, {row["invited_by"] for row in rows})
    items = [
        ListInvite(
            TitleList.from_row(row),
            row["invited_by"],
            inviters.get(row["invited_by"]),
            row["invited_at"],
        )
        for row in rows[:limit]
    ]
    next_cursor = cursors.encode_position((items[-1].list.id,)) if len(rows) > limit else None
    return Page(items, next_cursor)


async def _take_invite(conn: asyncpg.Connection, list_id: int, user_id: int) -> TitleList:
    """The list (locked) whose pending invitation of the user is taken out."""
    row = await list_store.get_list(conn, list_id, lock=True)
    if row is None or not await list_store.remove_invite(conn, list_id, user_id):
        raise NotInvited("You have no invitation to that watchlist.")
    return TitleList.from_row(row)


async def accept_invite(db: asyncpg.Pool, list_id: int, user_id: int) -> ListView:
    """Join a shared list one is invited to: one edits it as its members do."""
    async with db.acquire() as conn, conn.transaction():
        found = await _take_invite(conn, list_id, user_id)
        # A block since the invitation, before its actor withdrew it: as if never invited.
        if await _blocked_with_any(conn, user_id, await _members(conn, found)):
            raise NotInvited("You have no invitation to that watchlist.")
        await list_store.add_editor(conn, list_id, user_id)
        await emit(conn, events.LIST_CHANGED, _members_changed(list_id, user_id))
    return await view(db, list_id, user_id)


async def decline_invite(db: asyncpg.Pool, list_id: int, user_id: int) -> None:
    async with db.acquire() as conn, conn.transaction():
        await _take_invite(conn, list_id, user_id)
        await emit(conn, events.LIST_CHANGED, _members_changed(list_id, user_id))


async def remove_member(db: asyncpg.Pool, list_id: int, user_id: int, member_id: int) -> None:
    """A member leaves a shared list (``member_id`` is themselves), or its owner removes one."""
    async with db.acquire() as conn, conn.transaction():
        found, _ = await _readable(conn, list_id, user_id, lock=True)
        if not found.shared:
            raise ListNotShared("Only a shared watchlist has members.")
        if member_id == found.owner_id:
            raise OwnerCannotLeave("The owner stays with their watchlist (or deletes it).")
        if user_id not in (member_id, found.owner_id):
            raise NotTheOwner("Only the owner removes other members.")
        if not await list_store.remove_editor(conn, list_id, member_id):
            raise NotAMember("They are not a member of this watchlist.")
        await emit(conn, events.LIST_CHANGED, _members_changed(list_id, user_id))


async def mark_seen(db: asyncpg.Pool, list_id: int, user_id: int, media_id: int) -> None:
    """A member marks a title of a shared list seen: watched (a film, a series) or completed
    (a game) in their own library, where ``seen_by`` reads it from."""
    async with db.acquire() as conn, conn.transaction():
        found, editor = await _readable(conn, list_id, user_id)
        if not found.shared:
            raise ListNotShared("Only a shared watchlist knows what its members have seen.")
        if not editor:
            raise NotAnEditor("Only the watchlist's members mark its titles seen.")
        if await list_store.entry_position(conn, list_id, media_id) is None:
            raise NotFound("That title is not in this watchlist.")
        kind = await media_kind(conn, media_id)
        seen = "completed" if kind == "game" else "watched"
        await service.set_status_in(conn, user_id, media_id, kind, seen)
        await emit(conn, events.LIST_CHANGED, _changed(list_id, user_id, "entry_changed", media_id))


def _standing(row: asyncpg.Record, user_id: int) -> int:
    """3 the owner, 2 a member, 1 invited, 0 neither."""
    if row["owner_id"] == user_id:
        return 3
    if user_id in row["members"]:
        return 2
    return 1 if user_id in row["invited"] else 0


async def part_blocked(conn: asyncpg.Connection, blocker_id: int, blocked_id: int) -> list[int]:
    """After a block, the two never share a list: in each list where both stand, the one
    who stands lower (invited below member or editor below owner) goes, the blocked one when
    they stand alike (``members_changed`` on a shared list, ``editors_changed`` on a plain
    one). The other lists either of them owns are announced with
    ``audience_changed``, so that a subscriber the block now hides them from is detached.
    Each change is rechecked; the lists changed (in the caller's transaction)."""
    changed = []
    for found in await list_store.lock_with_either(conn, blocker_id, blocked_id):
        list_id = found["id"]
        # Read once the list is locked: an invitation accepted meanwhile is seen as a member.
        row = await list_store.standing(conn, list_id, blocker_id, blocked_id)
        if row is None:
            continue
        blocker, blocked = _standing(row, blocker_id), _standing(row, blocked_id)
        if blocker and blocked:
            leaving = blocked_id if blocked <= blocker else blocker_id
            await list_store.remove_editor(conn, list_id, leaving)
            await list_store.remove_invite(conn, list_id, leaving)
            change = "members_changed" if found["shared"] else "editors_changed"
        elif row["owner_id"] in (blocker_id, blocked_id):
            change = "audience_changed"
        else:
            continue
        # The change is the blocker's doing, whoever of the two leaves.
        await emit(conn, events.LIST_CHANGED, _changed(list_id, blocker_id, change))
        changed.append(list_id)
    return changed
