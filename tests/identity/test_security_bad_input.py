"""Malformed input to the account-security endpoints is a 4xx in the one error shape."""

from __future__ import annotations

import pytest

from tests.accounts import sign_up

SIGNED_IN = [
    ("/api/v1/me/password", "current_password"),
    ("/api/v1/me/email", "new_email"),
    ("/api/v1/me/two-factor/setup", "password"),
    ("/api/v1/me/two-factor/enable", "code"),
    ("/api/v1/me/two-factor/disable", "code"),
]
PUBLIC = [
    ("/api/v1/auth/email/verify", "token"),
    ("/api/v1/auth/email/confirm", "token"),
    ("/api/v1/auth/password/forgot", "email"),
    ("/api/v1/auth/password/reset", "token"),
    ("/api/v1/auth/login/two-factor", "challenge"),
]
BAD_VALUES = [12, None, True, ["a"], {"a": 1}, "x" * 5000, "nul\u0000here", ""]


async def assert_refused(response) -> None:
    assert 400 <= response.status < 500, await response.text()
    assert (await response.json())["error"]["code"]


@pytest.mark.parametrize(("path", "field"), SIGNED_IN + PUBLIC)
async def test_wrong_types_and_sizes_are_refused(client, path: str, field: str) -> None:
    account = await sign_up(client)
    for value in BAD_VALUES:
        body = {
            "token": "mcv_x",
            "password": "p" * 12,
            "current_password": "p" * 12,
            "new_password": "p" * 12,
            "new_email": "a@example.test",
            "email": "a@example.test",
            "code": "123456",
            "challenge": "mct_x",
            field: value,
        }
        response = await client.post(path, json=body, headers=account.headers)
        await assert_refused(response)
    not_json = await client.post(path, data=b"{nope", headers=account.headers)
    await assert_refused(not_json)


async def test_link_query_tokens_of_any_shape_redirect_with_an_error(client) -> None:
    for token in ("", "x" * 300, "mcv_\u0000", "mce_" + "a" * 43):
        for path in ("/api/v1/auth/email/verify", "/api/v1/auth/email/confirm"):
            response = await client.get(path, params={"token": token}, allow_redirects=False)
            assert response.status in (303, 422), (path, token, response.status)


async def test_a_form_token_request_with_odd_fields_is_refused(client) -> None:
    for form in (
        {"grant_type": "password", "username": "a@example.test", "password": "x\u0000y"},
        {"grant_type": "two_factor", "challenge": "mct_x", "code": "1" * 40},
        {"grant_type": "refresh_token"},
        {"grant_type": ""},
        {},
    ):
        response = await client.post("/api/v1/auth/token", data=form)
        await assert_refused(response)
