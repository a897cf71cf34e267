"""The token endpoint's grants, told apart by grant_type, in JSON or the OAuth2 form."""

from __future__ import annotations

from authlib.integrations.httpx_client import AsyncOAuth2Client

from tests.accounts import sign_up


async def test_an_off_the_shelf_oauth2_client_signs_in_with_the_password_grant(client) -> None:
    account = await sign_up(client)
    token_url = str(client.make_url("/api/v1/auth/token"))
    async with AsyncOAuth2Client(
        client_id="metacult-app", token_endpoint_auth_method="none"
    ) as oauth:
        token = await oauth.fetch_token(
            token_url, username=account.email, password=account.password
        )
        assert token["token_type"] == "Bearer"
        me = await oauth.get(str(client.make_url("/api/v1/me")))
        assert me.status_code == 200
        assert me.json()["id"] == account.id

        refreshed = await oauth.refresh_token(token_url, refresh_token=token["refresh_token"])
        assert refreshed["access_token"] != token["access_token"]
        me = await oauth.get(str(client.make_url("/api/v1/me")))
        assert me.status_code == 200


async def test_the_form_grant_refuses_a_wrong_password(client) -> None:
    account = await sign_up(client)
    response = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": account.email, "password": "wrong-one!"},
    )
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "invalid_credentials"


async def test_an_unknown_grant_type_or_a_missing_field_is_a_422(client) -> None:
    unknown = await client.post("/api/v1/auth/token", json={"grant_type": "client_credentials"})
    assert unknown.status == 422
    assert "grant_type" in (await unknown.json())["error"]["message"]
    missing = await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": "a@example.test"}
    )
    assert missing.status == 422
    assert "password" in (await missing.json())["error"]["message"]
    nobody = await client.post(
        "/api/v1/auth/token", json={"grant_type": "password", "password": "whatever-123!"}
    )
    assert nobody.status == 422
    assert (await nobody.json())["error"]["fields"] == {
        "email": "is required for the password grant"
    }


async def test_other_endpoints_still_take_json_only(client) -> None:
    response = await client.post(
        "/api/v1/auth/login", data={"email": "a@example.test", "password": "whatever-123!"}
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "malformed_json"
