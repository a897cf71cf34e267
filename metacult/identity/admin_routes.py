"""Identity's back-office endpoints (administrators only): find accounts, promote one."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

import asyncpg
import pydantic
from aiohttp import web

from metacult.identity import service
from metacult.identity.routes import EXTRA_APIS
from metacult.infra.auth import Principal
from metacult.infra.web import Api, IdPath, Schema
from metacult.typedefs import DB, REDIS, SETTINGS

log = logging.getLogger("metacult.identity")

api = Api("identity")
EXTRA_APIS.append(api)


class AccountSearchQuery(Schema):
    # An email or a display name, or a part of one.
    q: str | None = pydantic.Field(default=None, min_length=1, max_length=200)
    cursor: str | None = pydantic.Field(default=None, min_length=1, max_length=200)
    limit: int = pydantic.Field(default=20, ge=1, le=100)


class AccountOut(Schema):
    id: int
    email: str | None
    email_verified: bool
    display_name: str
    avatar_url: str | None
    role: Literal["gamer", "admin"]
    created_at: datetime


class AccountPageOut(Schema):
    items: list[AccountOut]
    next_cursor: str | None


def account_out(row: asyncpg.Record) -> AccountOut:
    return AccountOut(
        id=row["id"],
        email=row["email"],
        email_verified=row["email_verified"],
        display_name=row["display_name"],
        avatar_url=row["avatar_url"],
        role=row["role"],
        created_at=row["created_at"],
    )


@api.get("/api/v1/admin/users", auth="admin", query=AccountSearchQuery, reply=AccountPageOut)
async def search_accounts(request: web.Request, query: AccountSearchQuery) -> AccountPageOut:
    """Back-office: accounts whose email or display name holds ``q``, newest first."""
    text = query.q.strip() if query.q else None
    page = await service.search_accounts(request.app[DB], text or None, query.cursor, query.limit)
    return AccountPageOut(
        items=[account_out(row) for row in page.items], next_cursor=page.next_cursor
    )


@api.post("/api/v1/admin/users/{id}/promote", auth="admin", path_params=IdPath, reply=AccountOut)
async def promote_user(request: web.Request, path: IdPath, user: Principal) -> AccountOut:
    """Back-office: make an account an administrator (as ``create-admin`` does)."""
    app = request.app
    row = await service.promote(app[DB], app[REDIS], app[SETTINGS], path.id)
    log.info("account promoted to administrator", extra={"user_id": path.id, "by": user.user_id})
    return account_out(row)
