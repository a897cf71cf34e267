"""Sign-in rate limits: per IP and per account, answered with 429 and Retry-After."""

from __future__ import annotations

from metacult.infra import ratelimit
from tests import random_refs
from tests.accounts import sign_up


async def test_signups_from_one_ip_are_limited(aiohttp_client, make_app, settings) -> None:
    own = random_refs.redis_prefix(settings.redis_prefix, "rl")
    client = await aiohttp_client(make_app(signup_limit_per_ip=2, redis_prefix=own))
    for _ in range(2):
        await sign_up(client)
    response = await client.post(
        "/api/v1/auth/signup",
        json={
            "email": random_refs.email(),
            "password": "a-long-Secret-phrase",
            "display_name": "Third",
        },
    )
    assert response.status == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert (await response.json())["error"]["code"] == "rate_limited"


async def test_logins_and_token_requests_from_one_ip_share_a_limit(
    aiohttp_client, make_app, settings
) -> None:
    own = random_refs.redis_prefix(settings.redis_prefix, "rl")
    client = await aiohttp_client(make_app(login_limit_per_ip=3, redis_prefix=own))
    account = await sign_up(client)  # one token request
    credentials = {"email": account.email, "password": account.password}
    assert (await client.post("/api/v1/auth/login", json=credentials)).status == 200
    token = await client.post("/api/v1/auth/token", json={"grant_type": "password", **credentials})
    assert token.status == 200
    refused = await client.post("/api/v1/auth/login", json=credentials)
    assert refused.status == 429
    assert "Retry-After" in refused.headers


async def test_failed_logins_lock_the_account_for_a_while_even_with_the_right_password(
    aiohttp_client, make_app, settings
) -> None:
    own = random_refs.redis_prefix(settings.redis_prefix, "rl")
    client = await aiohttp_client(make_app(login_limit_per_account=3, redis_prefix=own))
    account = await sign_up(client)
    bystander = await sign_up(client)
    for _ in range(3):
        wrong = await client.post(
            "/api/v1/auth/login", json={"email": account.email, "password": "wrong-password!"}
        )
        assert wrong.status == 401
    right = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert right.status == 429
    assert int(right.headers["Retry-After"]) > 0
    # Other accounts are not affected.
    other = await client.post(
        "/api/v1/auth/login", json={"email": bystander.email, "password": bystander.password}
    )
    assert other.status == 200


async def test_a_bucket_refills_over_time(redis, settings) -> None:
    limit = ratelimit.Limit(random_refs.slug("refill"), count=2, per=0.2)
    subject = random_refs.suffix()
    assert await ratelimit.allowed(redis, settings, limit, subject)
    assert await ratelimit.allowed(redis, settings, limit, subject)
    assert not await ratelimit.allowed(redis, settings, limit, subject)

    async def refilled() -> bool:
        return await ratelimit.allowed(redis, settings, limit, subject)

    from tests.helpers import eventually

    assert await eventually(refilled)


async def test_checking_a_limit_takes_no_credit(redis, settings) -> None:
    limit = ratelimit.Limit(random_refs.slug("check"), count=1, per=3600)
    subject = random_refs.suffix()
    for _ in range(3):
        await ratelimit.check(redis, settings, limit, subject)
    await ratelimit.consume(redis, settings, limit, subject)
    try:
        await ratelimit.check(redis, settings, limit, subject)
    except ratelimit.RateLimited as exc:
        assert exc.retry_after >= 3000
    else:
        raise AssertionError("the bucket should be empty")


async def test_sign_in_is_503_not_unguarded_while_redis_is_away(
    aiohttp_client, make_app, settings
) -> None:
    from tests.helpers import redis_address, redis_url_via
    from tests.tcp_proxy import TcpProxy

    proxy = await TcpProxy(*redis_address(settings.redis_url)).start()
    client = await aiohttp_client(make_app(redis_url=redis_url_via(settings.redis_url, proxy.port)))
    account = await sign_up(client)
    await proxy.cut()
    try:
        response = await client.post(
            "/api/v1/auth/token",
            json={"grant_type": "password", "email": account.email, "password": account.password},
        )
        assert response.status == 503
        assert (await response.json())["error"]["code"] == "unavailable"
        # Bearer tokens live in PostgreSQL: apps already signed in carry on.
        assert (await client.get("/api/v1/me", headers=account.headers)).status == 200
    finally:
        await proxy.cut()
