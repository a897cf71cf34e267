"""Identity's HTTP endpoints: parse, authorise, call the service, shape the reply."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import asyncpg
import pydantic
from aiohttp import web

from metacult.identity import (
    authentication,
    notifications,
    oauth,
    principals,
    privacy,
    profiles,
    recovery,
    service,
    sessions,
    twofactor,
)
from metacult.identity import mail as messages
from metacult.infra.auth import Principal
from metacult.infra.errors import invalid_field
from metacult.infra.web import Api, IdPath, Schema, json_response
from metacult.typedefs import (
    AUTHENTICATOR,
    DB,
    DB_READ,
    HISTORY_EXPORTER,
    PAGE_CACHE,
    PRINCIPALS,
    REDIS,
    SETTINGS,
    USER_DATA_EXPORTERS,
)

api = Api("identity")
# The endpoints declared in identity's other route modules (security_routes), added by setup.
EXTRA_APIS: list[Api] = []


class SignupIn(Schema):
    email: str = pydantic.Field(max_length=320)
    password: str = pydantic.Field(max_length=1024)
    display_name: str = pydantic.Field(max_length=200)
    # The language of mails; by default the browser's (Accept-Language), else English.
    language: Literal["en", "fr"] | None = None


class LoginIn(Schema):
    email: str = pydantic.Field(max_length=320)
    password: str = pydantic.Field(max_length=1024)


class MeOut(Schema):
    """The signed-in user's own account."""

    id: int
    email: str
    email_verified: bool
    display_name: str
    avatar_url: str | None
    bio: str
    favourite_genres: list[str]
    favourite_platforms: list[str]
    role: Literal["gamer", "admin"]
    has_password: bool
    language: Literal["en", "fr"]
    timezone: str
    created_at: datetime


class PasswordGrant(Schema):
    """Email and password; ``username`` is the standard OAuth2 form's name for the email."""

    grant_type: Literal["password"]
    email: str | None = pydantic.Field(default=None, max_length=320)
    username: str | None = pydantic.Field(default=None, max_length=320)
    password: str = pydantic.Field(max_length=1024)


class OAuthResultGrant(Schema):
    """The code a Google / Discord sign-in gave the app, with its PKCE verifier."""

    grant_type: Literal["oauth_result"]
    code: str = pydantic.Field(min_length=1, max_length=256)
    code_verifier: str | None = pydantic.Field(default=None, max_length=256)


class TwoFactorGrant(Schema):
    """The second step of a password grant on an account with two-factor sign-in."""

    grant_type: Literal["two_factor"]
    challenge: str = pydantic.Field(max_length=256)
    code: str = pydantic.Field(max_length=32)


class RefreshTokenGrant(Schema):
    """The standard OAuth2 refresh (the same as ``/api/v1/auth/token/refresh``)."""

    grant_type: Literal["refresh_token"]
    refresh_token: str = pydantic.Field(max_length=256)


Grant = Annotated[
    PasswordGrant | OAuthResultGrant | TwoFactorGrant | RefreshTokenGrant,
    pydantic.Field(discriminator="grant_type"),
]


class TokenIn(pydantic.RootModel[Grant]):
    """One grant, told apart by ``grant_type``; JSON or ``application/x-www-form-urlencoded``."""

    model_config = pydantic.ConfigDict(frozen=True)


class TwoFactorChallengeOut(Schema):
    """The password grant was right and the account asks for a code: answer the challenge
    with the ``two_factor`` grant."""

    two_factor_required: Literal[True] = True
    challenge: str
    expires_in: int


class RefreshIn(Schema):
    refresh_token: str = pydantic.Field(max_length=256)


class TokenOut(Schema):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    user_id: int


def me_out(row: asyncpg.Record) -> MeOut:
    return MeOut(
        id=row["id"],
        email=row["email"],
        email_verified=row["email_verified"],
        display_name=row["display_name"],
        avatar_url=row["avatar_url"],
        bio=row["bio"],
        favourite_genres=list(row["favourite_genres"]),
        favourite_platforms=list(row["favourite_platforms"]),
        role=row["role"],
        has_password=row["has_password"],
        language=row["language"],
        timezone=row["timezone"],
        created_at=row["created_at"],
    )


def token_out(pair: service.TokenPair) -> web.Response:
    """The tokens, never to be cached by anything on the way (RFC 6749 §5.1)."""
    reply = TokenOut(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_in=pair.refresh_expires_in,
        user_id=pair.user_id,
    )
    return json_response(reply, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def client_ip(request: web.Request) -> str:
    return request.remote or "unknown"


@api.post(
    "/api/v1/auth/signup",
    auth="public",
    body=SignupIn,
    reply=MeOut,
    status=201,
    idempotent=True,
)
async def sign_up(request: web.Request, body: SignupIn) -> MeOut:
    """Create an account with an email and a password (then sign in to get a session)."""
    app = request.app
    row = await service.sign_up(
        app[DB],
        app[REDIS],
        app[SETTINGS],
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        ip=client_ip(request),
    )
    language = body.language or messages.language_of(request.headers.get("Accept-Language"))
    await recovery.welcome(app[DB], app[SETTINGS], row["id"], language)
    return me_out(await service.user(app[DB], row["id"]))


@api.post("/api/v1/auth/login", auth="public", body=LoginIn, reply=MeOut)
async def log_in(request: web.Request, body: LoginIn) -> MeOut:
    """Sign this browser in: a session cookie with a fresh id (401 ``two_factor_required``
    with a challenge cookie when the account asks for a code: see ``login/two-factor``)."""
    app = request.app
    row = await service.authenticate(
        app[DB],
        app[REDIS],
        app[SETTINGS],
        email=body.email,
        password=body.password,
        ip=client_ip(request),
    )
    challenge = await twofactor.challenge_if_enabled(app[DB], app[REDIS], app[SETTINGS], row["id"])
    if challenge is not None:
        cookie = twofactor.challenge_cookie(app[SETTINGS], challenge)
        raise twofactor.TwoFactorRequired(headers={"Set-Cookie": cookie})
    await sessions.start(request, row["id"])
    return me_out(row)


@api.post("/api/v1/auth/logout", auth="public")
async def log_out(request: web.Request, user: Principal | None) -> None:
    """Sign out: this browser's session ends, or this app's tokens are revoked; either way
    the live connections it opened close."""
    app = request.app
    token = authentication.bearer_token(request)
    if token is not None:
        await service.revoke_token_family(app[DB], app[REDIS], app[SETTINGS], token)
        return
    await sessions.end(request)
    if user is not None:
        await service.signed_out(app[REDIS], app[SETTINGS], user)


@api.post("/api/v1/auth/token", auth="public", body=TokenIn, reply=TokenOut, form=True)
async def issue_token(request: web.Request, body: TokenIn) -> web.Response:
    """Sign an app in: a short-lived access token and a refresh token (202 with a
    challenge when the account asks for a two-factor code)."""
    app = request.app
    grant = body.root
    if isinstance(grant, RefreshTokenGrant):
        pair = await service.refresh_tokens(app[DB], app[REDIS], app[SETTINGS], grant.refresh_token)
        return token_out(pair)
    if isinstance(grant, PasswordGrant):
        email = grant.email or grant.username
        if not email:
            raise invalid_field("email", "is required for the password grant")
        row = await service.authenticate(
            app[DB],
            app[REDIS],
            app[SETTINGS],
            email=email,
            password=grant.password,
            ip=client_ip(request),
        )
        user_id = row["id"]
        challenge = await twofactor.challenge_if_enabled(
            app[DB], app[REDIS], app[SETTINGS], user_id
        )
        if challenge is not None:
            return challenge_out(challenge)
    elif isinstance(grant, TwoFactorGrant):
        user_id = await twofactor.complete_challenge(
            app[DB], app[REDIS], app[SETTINGS], grant.challenge, grant.code
        )
    else:
        user_id = await oauth.redeem_exchange_code(
            app, grant.code, code_verifier=grant.code_verifier, ip=client_ip(request)
        )
    pair = await service.issue_tokens(
        app[DB],
        app[SETTINGS],
        user_id,
        user_agent=request.headers.get("User-Agent", ""),
        ip=client_ip(request),
    )
    return token_out(pair)


def challenge_out(challenge: twofactor.Challenge) -> web.Response:
    reply = TwoFactorChallengeOut(challenge=challenge.challenge, expires_in=challenge.expires_in)
    return json_response(reply, status=202, headers={"Cache-Control": "no-store"})


@api.post("/api/v1/auth/token/refresh", auth="public", body=RefreshIn, reply=TokenOut)
async def refresh_token(request: web.Request, body: RefreshIn) -> web.Response:
    """Trade a refresh token for new tokens; the old refresh token stops working."""
    app = request.app
    pair = await service.refresh_tokens(app[DB], app[REDIS], app[SETTINGS], body.refresh_token)
    return token_out(pair)


@api.get("/api/v1/me", reply=MeOut)
async def me(request: web.Request, user: Principal) -> MeOut:
    """The signed-in user's account."""
    return me_out(await service.user(request.app[DB], user.user_id))


Slug = Annotated[str, pydantic.StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
HttpUrl = Annotated[
    str, pydantic.StringConstraints(max_length=500, pattern=r"^https?://[^\s/$.?#][^\s]*$")
]


class ProfileIn(Schema):
    """The profile fields to change; absent fields stay as they are."""

    display_name: str | None = pydantic.Field(default=None, max_length=200)
    avatar_url: HttpUrl | None = None
    bio: str | None = pydantic.Field(default=None, max_length=500)
    favourite_genres: list[Slug] | None = pydantic.Field(default=None, max_length=20)
    favourite_platforms: list[Slug] | None = pydantic.Field(default=None, max_length=20)
    language: Literal["en", "fr"] | None = None
    # An IANA name (Europe/Paris): the user's "days" (streaks, daily caps) are local to it.
    timezone: str | None = pydantic.Field(default=None, max_length=64)

    @pydantic.field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None and not service.is_timezone(value):
            raise ValueError("must be an IANA timezone name, such as Europe/Paris")
        return value


class UserOut(Schema):
    """A public profile."""

    id: int
    display_name: str
    avatar_url: str | None
    bio: str
    favourite_genres: list[str]
    favourite_platforms: list[str]
    created_at: datetime
    followers: int
    following: int
    followed_by_me: bool | None


class FollowListQuery(Schema):
    cursor: str | None = pydantic.Field(default=None, max_length=200)
    limit: int = pydantic.Field(default=20, ge=1, le=100)


class FollowItemOut(Schema):
    id: int
    display_name: str
    avatar_url: str | None
    followed_at: datetime


class FollowPageOut(Schema):
    items: list[FollowItemOut]
    next_cursor: str | None


class ExportOut(pydantic.RootModel[dict[str, Any]]):
    """Every context's data about the user, by context name."""


@api.patch("/api/v1/me", body=ProfileIn, reply=MeOut)
async def update_me(request: web.Request, body: ProfileIn, user: Principal) -> MeOut:
    """Change the signed-in user's profile (display name, avatar, bio, favourites)."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    nullable = ("display_name", "bio", "favourite_genres", "favourite_platforms", "language")
    for name in (*nullable, "timezone"):
        if name in changes and changes[name] is None:
            raise invalid_field(name, "cannot be null")
    row = await service.update_profile(request.app[DB], user.user_id, changes)
    return me_out(row)


class UserSearchQuery(Schema):
    q: str = pydantic.Field(min_length=1, max_length=200, description="words of a display name")
    cursor: str | None = pydantic.Field(default=None, max_length=200)
    limit: int = pydantic.Field(default=20, ge=1, le=100)


class UserSummaryOut(Schema):
    id: int
    display_name: str
    avatar_url: str | None


class UserSearchPageOut(Schema):
    items: list[UserSummaryOut]
    next_cursor: str | None


@api.get("/api/v1/users", auth="public", query=UserSearchQuery, reply=UserSearchPageOut)
async def search_users(request: web.Request, query: UserSearchQuery) -> UserSearchPageOut:
    """Find people by display name, forgiving a typo, best match first."""
    page = await service.search_users(request.app[DB], query.q, query.cursor, query.limit)
    return UserSearchPageOut(
        items=[UserSummaryOut.model_validate(item) for item in page.items],
        next_cursor=page.next_cursor,
    )


@api.get("/api/v1/users/{id}", auth="public", path_params=IdPath, reply=UserOut)
async def public_profile(request: web.Request, path: IdPath, user: Principal | None) -> UserOut:
    """A user's public profile, with follower counts."""
    viewer = user.user_id if user else None
    profile = await service.public_profile(request.app[DB], path.id, viewer)
    row = profile.user
    return UserOut(
        id=row["id"],
        display_name=row["display_name"],
        avatar_url=row["avatar_url"],
        bio=row["bio"],
        favourite_genres=list(row["favourite_genres"]),
        favourite_platforms=list(row["favourite_platforms"]),
        created_at=row["created_at"],
        followers=profile.followers,
        following=profile.following,
        followed_by_me=profile.followed_by_viewer,
    )


@api.put("/api/v1/users/{id}/follow", path_params=IdPath)
async def follow(request: web.Request, path: IdPath, user: Principal) -> None:
    """Follow a user (following twice changes nothing)."""
    await service.follow(request.app[DB], user.user_id, path.id)


@api.delete("/api/v1/users/{id}/follow", path_params=IdPath)
async def unfollow(request: web.Request, path: IdPath, user: Principal) -> None:
    """Stop following a user (when not following, nothing changes)."""
    await service.unfollow(request.app[DB], user.user_id, path.id)


@api.get(
    "/api/v1/users/{id}/followers",
    auth="public",
    path_params=IdPath,
    query=FollowListQuery,
    reply=FollowPageOut,
)
async def followers(request: web.Request, path: IdPath, query: FollowListQuery) -> FollowPageOut:
    """Who follows this user, newest first (cursor pagination)."""
    return await _follow_page(request, path, query, "followers")


@api.get(
    "/api/v1/users/{id}/following",
    auth="public",
    path_params=IdPath,
    query=FollowListQuery,
    reply=FollowPageOut,
)
async def following(request: web.Request, path: IdPath, query: FollowListQuery) -> FollowPageOut:
    """Whom this user follows, newest first (cursor pagination)."""
    return await _follow_page(request, path, query, "following")


async def _follow_page(
    request: web.Request, path: IdPath, query: FollowListQuery, direction: str
) -> FollowPageOut:
    page = await service.follow_list(request.app[DB], path.id, direction, query.cursor, query.limit)
    return FollowPageOut(items=page.items, next_cursor=page.next_cursor)


class ExportQuery(Schema):
    format: Literal["json", "letterboxd", "csv"] = "json"


@api.get("/api/v1/me/export", query=ExportQuery, reply=ExportOut, stream="application/zip")
async def export_my_data(
    request: web.Request, query: ExportQuery, user: Principal
) -> ExportOut | web.Response:
    """Everything Metacult holds about the signed-in user, as JSON; or the history as a ZIP
    of CSV files (``letterboxd``: films in Letterboxd's layout; ``csv``: every kind)."""
    if query.format != "json" and HISTORY_EXPORTER in request.app:
        body = await request.app[HISTORY_EXPORTER](request.app, user.user_id, query.format)
        return web.Response(
            body=body,
            content_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="metacult-{query.format}.zip"'},
        )
    data = await service.export(
        request.app[DB_READ], request.app[USER_DATA_EXPORTERS], user.user_id
    )
    return ExportOut(data)


@api.delete("/api/v1/me")
async def delete_me(request: web.Request, user: Principal) -> None:
    """Delete the account: signed out everywhere now; personal data purged shortly."""
    app = request.app
    await service.delete_account(app[DB], app[REDIS], app[SETTINGS], user.user_id)
    if user.via == "session":
        await sessions.end(request)


class ProviderPath(Schema):
    provider: Literal["google", "discord"]


class OAuthLoginQuery(Schema):
    """``client=app`` for the mobile apps, with their PKCE ``code_challenge`` (S256)."""

    client: Literal["web", "app"] = "web"
    next: str | None = pydantic.Field(default=None, max_length=500)
    code_challenge: str | None = pydantic.Field(
        default=None, min_length=43, max_length=128, pattern=r"^[A-Za-z0-9_-]+$"
    )


class OAuthCallbackQuery(Schema):
    model_config = pydantic.ConfigDict(frozen=True, extra="ignore")

    state: str | None = pydantic.Field(default=None, max_length=256)
    code: str | None = pydantic.Field(default=None, max_length=2048)
    error: str | None = pydantic.Field(default=None, max_length=256)


class AuthProvidersOut(Schema):
    """The sign-in providers this server has configured, so a page offers only those."""

    providers: list[Literal["google", "discord"]]


@api.get("/api/v1/auth/providers", auth="public", reply=AuthProvidersOut)
async def auth_providers(request: web.Request) -> AuthProvidersOut:
    """Which of Google and Discord sign-in are on (their client id is set)."""
    settings = request.app[SETTINGS]
    configured = {"google": settings.google_client_id, "discord": settings.discord_client_id}
    return AuthProvidersOut(providers=[name for name, client_id in configured.items() if client_id])


@api.get(
    "/api/v1/auth/oauth/{provider}/login",
    auth="public",
    path_params=ProviderPath,
    query=OAuthLoginQuery,
)
async def oauth_login(
    request: web.Request, path: ProviderPath, query: OAuthLoginQuery
) -> web.StreamResponse:
    """Start signing in with Google or Discord: a redirect to the provider."""
    return await oauth.begin(
        request,
        path.provider,
        client=query.client,
        next_path=query.next,
        app_challenge=query.code_challenge,
    )


@api.get(
    "/api/v1/auth/oauth/{provider}/callback",
    auth="public",
    path_params=ProviderPath,
    query=OAuthCallbackQuery,
)
async def oauth_callback(
    request: web.Request, path: ProviderPath, query: OAuthCallbackQuery
) -> web.StreamResponse:
    """Where the provider sends the browser back: signs in (or creates) the account."""
    return await oauth.complete(request, path.provider, query.model_dump())


# --- privacy and blocks -----------------------------------------------------------------

Audience = privacy.Audience


class PrivacyOut(Schema):
    """Who may read each section of the profile: public, followers or private."""

    library: Audience
    diary: Audience
    lists: Audience
    reviews: Audience
    activity: Audience
    stats: Audience


class PrivacyIn(Schema):
    library: Audience | None = None
    diary: Audience | None = None
    lists: Audience | None = None
    reviews: Audience | None = None
    activity: Audience | None = None
    stats: Audience | None = None


class BlockedOut(Schema):
    id: int
    display_name: str
    avatar_url: str | None
    blocked_at: datetime


class BlockPageOut(Schema):
    items: list[BlockedOut]
    next_cursor: str | None


@api.get("/api/v1/me/privacy", reply=PrivacyOut)
async def my_privacy(request: web.Request, user: Principal) -> PrivacyOut:
    """Who may read each section of one's profile."""
    return PrivacyOut(**await profiles.privacy_settings(request.app[DB], user.user_id))


@api.patch("/api/v1/me/privacy", body=PrivacyIn, reply=PrivacyOut)
async def update_my_privacy(request: web.Request, body: PrivacyIn, user: Principal) -> PrivacyOut:
    """Show some sections of one's profile to everyone, to followers only, or to nobody."""
    changes = {name: value for name, value in body.model_dump().items() if value is not None}
    return PrivacyOut(**await profiles.update_privacy(request.app[DB], user.user_id, changes))


@api.put("/api/v1/users/{id}/block", path_params=IdPath)
async def block(request: web.Request, path: IdPath, user: Principal) -> None:
    """Block a user: follows between you end, neither sees the other, neither may follow."""
    await profiles.block(request.app[DB], user.user_id, path.id)


@api.delete("/api/v1/users/{id}/block", path_params=IdPath)
async def unblock(request: web.Request, path: IdPath, user: Principal) -> None:
    """Lift a block (follows it ended are not restored)."""
    await profiles.unblock(request.app[DB], user.user_id, path.id)


@api.get("/api/v1/me/blocks", query=FollowListQuery, reply=BlockPageOut)
async def my_blocks(request: web.Request, query: FollowListQuery, user: Principal) -> BlockPageOut:
    """Whom one blocked, most recent first."""
    page = await profiles.blocks(request.app[DB], user.user_id, query.cursor, query.limit)
    return BlockPageOut(
        items=[BlockedOut.model_validate(item) for item in page.items],
        next_cursor=page.next_cursor,
    )


class FriendsOut(Schema):
    items: list[UserSummaryOut]


@api.get("/api/v1/me/friends", reply=FriendsOut)
async def my_friends(request: web.Request, user: Principal) -> FriendsOut:
    """Who follows one back (whom one may recommend a title to)."""
    async with request.app[DB].acquire() as conn:
        ids = await profiles.mutual_follows(conn, user.user_id)
        people = await service.user_summaries(conn, ids)
    return FriendsOut(items=[UserSummaryOut.model_validate(people[i]) for i in ids if i in people])


# --- notifications inbox ---------------------------------------------------------------


class InboxQuery(Schema):
    unread: bool = pydantic.Field(default=False, description="only the unread ones")
    cursor: str | None = pydantic.Field(default=None, max_length=200)
    limit: int = pydantic.Field(default=20, ge=1, le=100)


class NotificationOut(Schema):
    """A stored notification: the same id, kind and data as the live message."""

    id: int
    kind: str
    data: dict[str, Any]
    created_at: datetime
    read: bool


class InboxOut(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class UnreadOut(Schema):
    unread: int


class MarkReadIn(Schema):
    ids: list[Annotated[int, pydantic.Field(ge=1, le=2**63 - 1)]] | None = pydantic.Field(
        default=None, min_length=1, max_length=100
    )
    all: bool = False


@api.get("/api/v1/me/notifications", query=InboxQuery, reply=InboxOut)
async def my_notifications(request: web.Request, query: InboxQuery, user: Principal) -> InboxOut:
    """One's notifications, newest first, with how many are unread."""
    inbox = await notifications.inbox(
        request.app[DB],
        user.user_id,
        unread_only=query.unread,
        cursor=query.cursor,
        limit=query.limit,
    )
    return InboxOut(
        items=[
            NotificationOut(
                id=item.id,
                kind=item.kind,
                data=item.data,
                created_at=item.created_at,
                read=item.read,
            )
            for item in inbox.items
        ],
        next_cursor=inbox.next_cursor,
        unread=inbox.unread,
    )


@api.get("/api/v1/me/notifications/unread", reply=UnreadOut)
async def my_unread_count(request: web.Request, user: Principal) -> UnreadOut:
    """How many of one's notifications are unread."""
    return UnreadOut(unread=await notifications.unread_count(request.app[DB], user.user_id))


@api.post("/api/v1/me/notifications/read", body=MarkReadIn, reply=UnreadOut)
async def mark_notifications_read(
    request: web.Request, body: MarkReadIn, user: Principal
) -> UnreadOut:
    """Mark some notifications read (``ids``), or all of them (``all: true``)."""
    unread = await notifications.mark_read(
        request.app[DB],
        request.app[REDIS],
        request.app[SETTINGS],
        user.user_id,
        ids=body.ids,
        everything=body.all,
    )
    return UnreadOut(unread=unread)


def setup(app: web.Application) -> None:
    """Install sessions, the authenticator, the CSRF guard and the endpoints."""
    app.setdefault(USER_DATA_EXPORTERS, {})
    sessions.install(app)
    oauth.install(app)
    app.middlewares.append(authentication.sessions_and_csrf_guard)
    app[AUTHENTICATOR] = authentication.authenticate
    settings = app[SETTINGS]
    app[PRINCIPALS] = principals.Principals(
        app[PAGE_CACHE], settings.page_cache_entries, settings.page_cache_ttl
    )
    api.register(app)
    for extra in EXTRA_APIS:
        extra.register(app)
