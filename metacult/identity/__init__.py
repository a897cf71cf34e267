"""Identity: accounts, sessions, OAuth sign-in, mobile tokens, roles, profiles and follows.

What other contexts may use:

* ``await create_user(conn, *, email, display_name, password=None, role="gamer") -> int``
* ``await user_summaries(conn, ids) -> {id: {"id", "display_name", "avatar_url"}}``
  (a deleted account reads ``"deleted user"`` with no avatar);
* ``await favourite_genres(conn, user_id) -> list[str]`` (genre slugs from the profile);
* ``await signups_today(conn) -> int``: accounts created since midnight UTC (the dashboard);
* ``await user_timezone(conn, user_id) -> str`` (the profile's IANA timezone, ``UTC`` by default);
* ``await favourite_platforms(conn, user_id) -> list[str]`` (platform slugs from the profile);
* ``await followees_showing(conn, viewer_id, section) -> list[int]``: whom the viewer
  follows among those who let their followers read that section;
* ``await friendship(conn, a, b) -> "mutual" | "blocked" | "none"`` and
  ``await mutual_follows(conn, user_id) -> list[int]`` (who follows back);
* ``await check_section(conn, owner_id, viewer_id, section)``: may the viewer (None when
  anonymous) read that section of the owner's profile (``SECTIONS``: library, diary, lists,
  reviews, activity, stats)? Raises a 404 when there is no such account or a block stands
  between them, a 403 ``section_hidden`` when the owner shows it to fewer people;
* notifications (``identity.notifications``): declare a kind with
  ``NotificationKind(name, payload model, summary)`` and deliver it from an actor with
  ``await notify(conn, redis, settings, user_id, kind, payload, source=event_id)``: stored
  in the user's inbox and pushed on ``user:{id}`` under the same id, once per source;
* the events this context emits (through the outbox), declared in ``identity.events``:
  ``SIGNED_UP``, ``FOLLOWED``, ``UNFOLLOWED``, ``BLOCKED``, ``UNBLOCKED``, ``ACCOUNT_DELETED``,
  ``PASSWORD_RESET_REQUESTED`` (``docs/events.md``);
* ``app[USER_DATA_EXPORTERS]`` (in ``metacult.typedefs``): add
  ``name → async fn(conn, user_id) -> JSON data`` in your ``setup`` for ``GET /api/v1/me/export``.
"""

# Imported for their endpoints, which identity's setup registers.
from metacult.identity import admin_routes as admin_routes
from metacult.identity import security_routes as security_routes
from metacult.identity.events import (
    ACCOUNT_DELETED,
    BLOCKED,
    FOLLOWED,
    PASSWORD_RESET_REQUESTED,
    SIGNED_UP,
    UNBLOCKED,
    UNFOLLOWED,
)
from metacult.identity.notifications import KINDS as NOTIFICATION_KINDS
from metacult.identity.notifications import Notification, NotificationKind, notify
from metacult.identity.privacy import SECTIONS, Section
from metacult.identity.profiles import (
    SectionHidden,
    check_section,
    followees_showing,
    friendship,
    mutual_follows,
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
    "BLOCKED",
    "DELETED_USER_NAME",
    "FOLLOWED",
    "NOTIFICATION_KINDS",
    "PASSWORD_RESET_REQUESTED",
    "SECTIONS",
    "SIGNED_UP",
    "UNBLOCKED",
    "UNFOLLOWED",
    "Notification",
    "NotificationKind",
    "Section",
    "SectionHidden",
    "check_section",
    "create_user",
    "favourite_genres",
    "favourite_platforms",
    "followees_showing",
    "friendship",
    "mutual_follows",
    "notify",
    "setup",
    "signups_today",
    "user_summaries",
    "user_timezone",
]
