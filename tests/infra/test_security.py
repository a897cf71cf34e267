"""CORS only for the configured origins, limits on every write (per account and per IP,
shared by the nodes through Redis), and production refusing unsafe settings."""

from __future__ import annotations

import pytest

from metacult.config import ConfigError, Settings
from tests import random_refs
from tests.accounts import sign_up
from tests.titles import new_titles

ALLOWED = "https://app.metacult.example"
FOREIGN = "https://evil.example"
PRODUCTION = {"METACULT_ENV": "production", "SECRET_KEY": "s" * 40}


async def test_an_allowed_origin_gets_cors_headers_and_a_foreign_one_none(
    aiohttp_client, make_app
) -> None:
    client = await aiohttp_client(make_app(cors_origins=(ALLOWED,)))

    response = await client.get("/api/v1/media?limit=1", headers={"Origin": ALLOWED})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response.headers.getall("Vary")

    response = await client.get("/api/v1/media?limit=1", headers={"Origin": FOREIGN})
    assert response.status == 200
    assert "Access-Control-Allow-Origin" not in response.headers

    # Errors carry the headers too, so the allowed page can read them.
    response = await client.get("/api/v1/media/999999999999", headers={"Origin": ALLOWED})
    assert response.status == 404
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


async def test_a_preflight_is_answered_for_an_allowed_origin_and_refused_for_another(
    aiohttp_client, make_app
) -> None:
    client = await aiohttp_client(make_app(cors_origins=(ALLOWED,)))
    ask = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }

    response = await client.options("/api/v1/reviews", headers={"Origin": ALLOWED, **ask})
    assert response.status == 204
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Idempotency-Key" in response.headers["Access-Control-Allow-Headers"]

    response = await client.options("/api/v1/reviews", headers={"Origin": FOREIGN, **ask})
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "forbidden"
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_writes_beyond_an_accounts_limit_are_refused_with_retry_after(
    aiohttp_client, make_app, settings, db
) -> None:
    prefix = f"{settings.redis_prefix}-writes-{random_refs.suffix()}"
    client = await aiohttp_client(make_app(redis_prefix=prefix, write_limit_per_user=3))
    account = await sign_up(client)  # sign-up and the token grant are anonymous writes
    (title,) = await new_titles(db, 1)
    like = f"/api/v1/media/{title}/like"

    answers = []
    for _ in range(4):
        response = await client.put(like, headers=account.headers)
        answers.append(response.status)
    assert all(code < 400 for code in answers[:3]), answers
    assert answers[3] == 429
    refused = await client.delete(like, headers=account.headers)
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    assert (await refused.json())["error"]["code"] == "rate_limited"
    # Reads are not limited.
    assert (await client.get("/api/v1/me", headers=account.headers)).status == 200


async def test_writes_beyond_an_ips_limit_are_refused_and_every_node_sees_the_count(
    aiohttp_client, make_app, settings
) -> None:
    prefix = f"{settings.redis_prefix}-writes-{random_refs.suffix()}"
    one = await aiohttp_client(make_app(redis_prefix=prefix, write_limit_per_ip=2))
    two = await aiohttp_client(make_app(redis_prefix=prefix, write_limit_per_ip=2))
    wrong = {"email": random_refs.email(), "password": "not-the-password"}

    assert (await one.post("/api/v1/auth/login", json=wrong)).status == 401
    assert (await two.post("/api/v1/auth/login", json=wrong)).status == 401
    assert (await one.post("/api/v1/auth/login", json=wrong)).status == 429
    assert (await two.post("/api/v1/auth/login", json=wrong)).status == 429


@pytest.mark.unit
@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SECRET_KEY": "x" * 10}, "SECRET_KEY"),
        ({"SECRET_KEY": Settings().secret_key}, "SECRET_KEY"),
        ({"PUBLIC_URL": "http://metacult.example"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://metacult.example", "CORS_ORIGINS": "*"}, "CORS_ORIGINS"),
        (
            {"PUBLIC_URL": "https://metacult.example", "CORS_ORIGINS": "http://app.example"},
            "CORS_ORIGINS",
        ),
    ],
)
def test_production_refuses_development_secrets_http_and_open_cors(env, named) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env({**PRODUCTION, **env})


@pytest.mark.unit
def test_production_starts_with_https_and_named_origins() -> None:
    settings = Settings.from_env(
        {**PRODUCTION, "PUBLIC_URL": "https://metacult.example", "CORS_ORIGINS": ALLOWED}
    )
    assert settings.cors_origins == (ALLOWED,)
    assert settings.write_limit_per_user == 120


@pytest.mark.unit
def test_a_cors_origin_that_is_not_an_origin_is_refused() -> None:
    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        Settings.from_env({"CORS_ORIGINS": "app.example/path"})
