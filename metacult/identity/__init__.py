"""Identity: accounts, sessions, OAuth sign-in, mobile tokens, roles, profiles and follows.

What other contexts may use:

* ``await create_user(conn, *, email, display_name, password=None, role="gamer") -> int``
* ``await user_summaries(conn, ids) -> {id: {"id", "display_name", "avatar_url"}}``
  (a deleted account reads ``"deleted user"`` with no avatar);
* ``await favourite_genres(conn, user_id) -> list[str]`` (genre slugs from the profile);
* the events this context emits (through the outbox), with their payloads:
  ``identity.signed_up {user_id}``, ``identity.followed {follower_id, followee_id}``,
  ``identity.unfollowed {follower_id, followee_id}``, ``identity.account_deleted {user_id}``;
* ``app[USER_DATA_EXPORTERS]`` (in ``metacult.typedefs``): add
  ``name → async fn(conn, user_id) -> JSON data`` in your ``setup`` for ``GET /api/v1/me/export``.
"""

from metacult.identity import security_routes as security_routes
from metacult.identity.routes import setup
from metacult.identity.service import (
    ACCOUNT_DELETED,
    DELETED_USER_NAME,
    FOLLOWED,
    SIGNED_UP,
    UNFOLLOWED,
    create_user,
    favourite_genres,
    user_summaries,
)

__all__ = [
    "ACCOUNT_DELETED",
    "DELETED_USER_NAME",
    "FOLLOWED",
    "SIGNED_UP",
    "UNFOLLOWED",
    "create_user",
    "favourite_genres",
    "setup",
    "user_summaries",
]
