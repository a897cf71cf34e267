"""Identity: accounts, sessions, OAuth sign-in, mobile tokens, roles, profiles and follows.

What other contexts may use:

* ``await create_user(conn, *, email, display_name, password=None, role="gamer") -> int``
* ``await user_summaries(conn, ids) -> {id: {"id", "display_name", "avatar_url"}}``
  (a deleted account reads ``"deleted user"`` with no avatar);
* ``await favourite_genres(conn, user_id) -> list[str]`` (genre slugs from the profile);
* ``await signups_today(conn) -> int``: accounts created since midnight UTC (the dashboard);
* ``await user_timezone(conn, user_id) -> str`` (the profile's IANA timezone, ``UTC`` by default);
* ``await favourite_platforms(conn, user_id) -> list[str]`` (platform slugs from the profile);
* the events this context emits (through the outbox), declared in ``identity.events``:
  ``SIGNED_UP``, ``FOLLOWED``, ``UNFOLLOWED``, ``ACCOUNT_DELETED``,
  ``PASSWORD_RESET_REQUESTED`` (``docs/events.md``);
* ``app[USER_DATA_EXPORTERS]`` (in ``metacult.typedefs``): add
  ``name → async fn(conn, user_id) -> JSON data`` in your ``setup`` for ``GET /api/v1/me/export``.
"""

# Imported for their endpoints, which identity's setup registers.
from metacult.identity import admin_routes as admin_routes
from metacult.identity import security_routes as security_routes
from metacult.identity.events import (
    ACCOUNT_DELETED,
    FOLLOWED,
    PASSWORD_RESET_REQUESTED,
    SIGNED_UP,
    UNFOLLOWED,
)
from metacult.identity.routes import setup
from metacult.identity.service import (
    DELETED_USER_NAME,
    create_user,
    favourite_genres,
    favourite_platforms,
    signups_today,
    user_summaries,
    user_timezone,
)

__all__ = [
    "ACCOUNT_DELETED",
    "DELETED_USER_NAME",
    "FOLLOWED",
    "PASSWORD_RESET_REQUESTED",
    "SIGNED_UP",
    "UNFOLLOWED",
    "create_user",
    "favourite_genres",
    "favourite_platforms",
    "setup",
    "signups_today",
    "user_summaries",
    "user_timezone",
]
