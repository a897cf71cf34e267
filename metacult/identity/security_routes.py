"""Identity's account-security endpoints: verification, reset, change of email and password,
two-factor sign-in and devices. Parse, authorise, call the service, shape the reply."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Literal

import pydantic
from aiohttp import web

from metacult.identity import devices, recovery, service, sessions, twofactor
from metacult.identity import mail as messages
from metacult.identity.routes import EXTRA_APIS, MeOut, client_ip, me_out
from metacult.infra.auth import Principal
from metacult.infra.web import Api, Schema
from metacult.typedefs import DB, REDIS, SETTINGS

api = Api("identity")
EXTRA_APIS.append(api)

Token = pydantic.Field(min_length=1, max_length=256)


class LinkTokenIn(Schema):
    token: str = Token


class LinkTokenQuery(Schema):
    token: str = pydantic.Field(default="", max_length=256)


class ForgotIn(Schema):
    email: str = pydantic.Field(max_length=320)


class ResetIn(Schema):
    token: str = Token
    password: str = pydantic.Field(max_length=1024)


class ChangePasswordIn(Schema):
    current_password: str = pydantic.Field(max_length=1024)
    new_password: str = pydantic.Field(max_length=1024)


class ChangeEmailIn(Schema):
    """``password``: the current password, needed when the account has one."""

    new_email: str = pydantic.Field(max_length=320)
    password: str | None = pydantic.Field(default=None, max_length=1024)


class PasswordIn(Schema):
    password: str | None = pydantic.Field(default=None, max_length=1024)


class CodeIn(Schema):
    """A 6-digit code from the authenticator app, or one of the backup codes."""

    code: str = pydantic.Field(min_length=1, max_length=32)


class TwoFactorLoginIn(Schema):
    """The code; the challenge comes in the cookie the password step set (or here)."""

    code: str = pydantic.Field(min_length=1, max_length=32)
    challenge: str | None = pydantic.Field(default=None, max_length=256)


class EnrolmentOut(Schema):
    """Scan ``qr_svg`` (or type ``secret``) in an authenticator app, then confirm a code."""

    secret: str
    otpauth_uri: str
    qr_svg: str


class BackupCodesOut(Schema):
    """Single-use codes for when the phone is away: shown this once only."""

    backup_codes: list[str]


class TwoFactorStatusOut(Schema):
    enabled: bool


class DeviceOut(Schema):
    """A browser session or an app sign-in; ``ip_prefix`` is the network, not the address."""

    id: str
    kind: Literal["browser", "app"]
    created_at: datetime
    last_used_at: datetime
    user_agent: str
    ip_prefix: str
    current: bool


class DeviceListOut(Schema):
    items: list[DeviceOut]


class DevicePath(Schema):
    id: str = pydantic.Field(pattern=r"^(session:[0-9a-f]{32}|family:[0-9]{1,18})$")


def _language(request: web.Request) -> str:
    return messages.language_of(request.headers.get("Accept-Language"))


# Email verification.


@api.post("/api/v1/auth/email/verify", auth="public", body=LinkTokenIn)
async def verify_email(request: web.Request, body: LinkTokenIn) -> None:
    """Verify an address with the token of the link mailed to it."""
    await recovery.verify_email(request.app[DB], body.token)


@api.get("/api/v1/auth/email/verify", auth="public", query=LinkTokenQuery, status=303)
async def verify_email_link(request: web.Request, query: LinkTokenQuery) -> web.StreamResponse:
    """The mailed link itself: verifies, then opens the web app saying how it went."""
    return await _follow_link(recovery.verify_email(request.app[DB], query.token), "email_verified")


@api.post("/api/v1/me/email/verification", status=202)
async def resend_verification(request: web.Request, user: Principal) -> None:
    """Mail a new verification link (the earlier ones stop working); a few an hour."""
    app = request.app
    await recovery.resend_verification(app[DB], app[REDIS], app[SETTINGS], user.user_id)


async def _follow_link(use: Awaitable[int], outcome: str) -> web.StreamResponse:
    """Run a link's use case and redirect to the web app with ``?<outcome>=1`` or the
    error code, so a person who clicked sees a page, not JSON."""
    try:
        await use
    except (recovery.InvalidLink, recovery.LinkUsed, recovery.LinkExpired) as exc:
        target = f"/?{outcome}=0&error={exc.code}"
    except service.EmailTaken as exc:
        target = f"/?{outcome}=0&error={exc.code}"
    else:
        target = f"/?{outcome}=1"
    raise web.HTTPSeeOther(location=target)


# Password reset.


@api.post("/api/v1/auth/password/forgot", auth="public", body=ForgotIn, status=202)
async def forgot_password(request: web.Request, body: ForgotIn) -> None:
    """Ask for a reset link. The answer is the same whether an account has this address."""
    app = request.app
    await recovery.request_password_reset(
        app[DB],
        app[REDIS],
        app[SETTINGS],
        email=body.email,
        language=_language(request),
        ip=client_ip(request),
    )


@api.post("/api/v1/auth/password/reset", auth="public", body=ResetIn)
async def reset_password(request: web.Request, body: ResetIn) -> None:
    """Set a new password with a reset link's token; every device is signed out."""
    app = request.app
    await recovery.reset_password(
        app[DB], app[REDIS], app[SETTINGS], token=body.token, password=body.password
    )


# Change of password and of address.


@api.post("/api/v1/me/password", body=ChangePasswordIn)
async def change_password(request: web.Request, body: ChangePasswordIn, user: Principal) -> None:
    """Change the password (needs the current one); the other devices are signed out."""
    app = request.app
    await recovery.change_password(
        app[DB],
        app[REDIS],
        app[SETTINGS],
        user.user_id,
        current_password=body.current_password,
        new_password=body.new_password,
        keep=user.credential,
    )


@api.post("/api/v1/me/email", body=ChangeEmailIn, status=202)
async def change_email(request: web.Request, body: ChangeEmailIn, user: Principal) -> None:
    """Ask to change the address: a link is mailed to the new one, which confirms it."""
    app = request.app
    await recovery.request_email_change(
        app[DB],
        app[REDIS],
        app[SETTINGS],
        user.user_id,
        new_email=body.new_email,
        password=body.password,
    )


@api.post("/api/v1/auth/email/confirm", auth="public", body=LinkTokenIn)
async def confirm_email(request: web.Request, body: LinkTokenIn) -> None:
    """Confirm a new address with the token of the link mailed to it."""
    await recovery.confirm_email_change(request.app[DB], body.token)


@api.get("/api/v1/auth/email/confirm", auth="public", query=LinkTokenQuery, status=303)
async def confirm_email_link(request: web.Request, query: LinkTokenQuery) -> web.StreamResponse:
    """The mailed link itself: confirms, then opens the web app saying how it went."""
    return await _follow_link(
        recovery.confirm_email_change(request.app[DB], query.token), "email_changed"
    )


# Two-factor sign-in.


@api.get("/api/v1/me/two-factor", reply=TwoFactorStatusOut)
async def two_factor_status(request: web.Request, user: Principal) -> TwoFactorStatusOut:
    """Whether two-factor sign-in is on."""
    return TwoFactorStatusOut(enabled=await twofactor.enabled(request.app[DB], user.user_id))


@api.post("/api/v1/me/two-factor/setup", body=PasswordIn, reply=EnrolmentOut)
async def begin_two_factor(request: web.Request, body: PasswordIn, user: Principal) -> EnrolmentOut:
    """Start enrolling an authenticator app (needs the password when the account has one)."""
    app = request.app
    enrolment = await twofactor.begin_enrolment(
        app[DB], app[REDIS], app[SETTINGS], user.user_id, password=body.password
    )
    return EnrolmentOut(
        secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri, qr_svg=enrolment.qr_svg
    )


@api.post("/api/v1/me/two-factor/enable", body=CodeIn, reply=BackupCodesOut)
async def enable_two_factor(request: web.Request, body: CodeIn, user: Principal) -> BackupCodesOut:
    """Turn two-factor sign-in on with a first code; the backup codes, shown once."""
    app = request.app
    codes = await twofactor.confirm_enrolment(
        app[DB], app[REDIS], app[SETTINGS], user.user_id, body.code
    )
    return BackupCodesOut(backup_codes=codes)


@api.post("/api/v1/me/two-factor/disable", body=CodeIn)
async def disable_two_factor(request: web.Request, body: CodeIn, user: Principal) -> None:
    """Turn two-factor sign-in off with a code (or a backup code)."""
    app = request.app
    await twofactor.disable(app[DB], app[REDIS], app[SETTINGS], user.user_id, body.code)


@api.post("/api/v1/auth/login/two-factor", auth="public", body=TwoFactorLoginIn, reply=MeOut)
async def log_in_with_code(request: web.Request, body: TwoFactorLoginIn) -> MeOut:
    """The second step of signing a browser in: a code for the password step's challenge."""
    app = request.app
    challenge = body.challenge or request.cookies.get(twofactor.CHALLENGE_COOKIE, "")
    user_id = await twofactor.complete_challenge(
        app[DB], app[REDIS], app[SETTINGS], challenge, body.code
    )
    await sessions.start(request, user_id)
    return me_out(await service.user(app[DB], user_id))


# Devices.


@api.get("/api/v1/me/sessions", reply=DeviceListOut)
async def list_devices(request: web.Request, user: Principal) -> DeviceListOut:
    """The browsers and apps signed in to the account, most recently used first."""
    app = request.app
    found = await devices.devices(app[DB], app[REDIS], app[SETTINGS], user.user_id, user.credential)
    return DeviceListOut(
        items=[
            DeviceOut(
                id=d.id,
                kind=d.kind,
                created_at=d.created_at,
                last_used_at=d.last_used_at,
                user_agent=d.user_agent,
                ip_prefix=d.ip_prefix,
                current=d.current,
            )
            for d in found
        ]
    )


@api.delete("/api/v1/me/sessions/{id}", path_params=DevicePath)
async def sign_out_device(request: web.Request, path: DevicePath, user: Principal) -> None:
    """Sign one device out everywhere at once, its live connections included."""
    app = request.app
    await devices.sign_out_device(app[DB], app[REDIS], app[SETTINGS], user.user_id, path.id)
