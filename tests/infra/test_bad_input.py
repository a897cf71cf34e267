"""Malformed requests are answered 400 / 422 in the one error shape, never 500.

Each case is one the malformed-request drill found answered with 500 (or with
aiohttp's plain-text 400), reproduced through HTTP.
"""

from __future__ import annotations

import base64

import pytest
from aiohttp import WSServerHandshakeError

from tests.accounts import sign_up
from tests.titles import new_title


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


async def expect_error(response, status: int = 422) -> dict:
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    error = (await response.json())["error"]
    assert error["code"] and error["message"]
    return error


async def send_json(client, method: str, path: str, text: str, **options):
    """Send ``text`` as the JSON body exactly (so that ``\\u0000`` travels as JSON)."""
    headers = {"Content-Type": "application/json", **options.pop("headers", {})}
    return await client.request(method, path, data=text.encode(), headers=headers, **options)


async def test_a_nul_character_in_any_text_is_refused_before_it_reaches_postgres(
    client, db
) -> None:
    author = await sign_up(client)
    admin = await sign_up(client, role="admin")
    media_id = await new_title(db)
    written = await client.post(
        f"/api/v1/media/{media_id}/reviews", json={"body": "fine"}, headers=author.headers
    )
    review_id = (await written.json())["id"]

    cases = [
        ("POST", "/api/v1/auth/login", '{"email": "\\u0000", "password": "x"}', {}),
        (
            "POST",
            "/api/v1/auth/signup",
            '{"email": "a@b.co", "password": "p\\u0000assword-long", "display_name": "A"}',
            {},
        ),
        (
            "POST",
            "/api/v1/auth/token",
            '{"grant_type": "password", "email": "a\\u0000@b.co", "password": "x"}',
            {},
        ),
        ("POST", f"/api/v1/media/{media_id}/reviews", '{"body": "a\\u0000b"}', author.headers),
        ("PATCH", f"/api/v1/reviews/{review_id}", '{"body": "\\u0000"}', author.headers),
        (
            "POST",
            f"/api/v1/admin/reviews/{review_id}/hide",
            '{"reason": "a\\u0000b"}',
            admin.headers,
        ),
        ("PATCH", "/api/v1/me", '{"bio": "a\\u0000"}', author.headers),
    ]
    for method, path, body, headers in cases:
        error = await expect_error(await send_json(client, method, path, body, headers=headers))
        assert "NUL" in error["message"], (path, error)

    query = await client.get(
        f"/api/v1/media/{media_id}/reviews", params={"cursor": "a\x00b"}, headers=author.headers
    )
    await expect_error(query)


async def test_numbers_are_strict_and_finite(client, db) -> None:
    account = await sign_up(client)
    media_id = await new_title(db)
    path = f"/api/v1/media/{media_id}/rating"
    for body in ('{"rating": true}', '{"rating": "1"}', '{"rating": 1e308}', '{"rating": -1e308}'):
        await expect_error(await send_json(client, "PUT", path, body, headers=account.headers))
    for body in ('{"rating": 1e400}', '{"rating": NaN}'):
        response = await send_json(client, "PUT", path, body, headers=account.headers)
        assert response.status in (400, 422)
        await expect_error(response, response.status)

    accepted = await send_json(client, "PUT", path, '{"rating": 4}', headers=account.headers)
    assert accepted.status == 200, await accepted.text()
    assert (await accepted.json())["rating"] == 4.0


async def test_an_integer_beyond_64_bits_in_a_body_is_refused(client) -> None:
    account = await sign_up(client)
    response = await send_json(
        client,
        "POST",
        "/api/v1/duels/1/vote",
        '{"winner": 99999999999999999999}',
        headers=account.headers,
    )
    error = await expect_error(response)
    assert "64-bit" in error["message"]


async def test_malformed_json_is_a_400(client) -> None:
    account = await sign_up(client)
    for body in ('{"rating": ', '{"s": "\\ud800"}', "[1, 2"):
        response = await send_json(
            client, "PUT", "/api/v1/media/1/rating", body, headers=account.headers
        )
        assert (await expect_error(response, 400))["code"] == "malformed_json"


BIG = "9223372036854775808"  # 2**63


@pytest.mark.parametrize(
    "cursor",
    [
        "WzkyMjMzNzIwMzY4NTQ3NzU4MDhd",  # [9223372036854775808]
        b64(f"[{BIG}]"),
        b64(f"[-{BIG}1]"),
        b64("[1e400]"),
        b64("[true]"),
        b64("[1, 2, 3]"),
        b64('"x"'),
        "%%%",
        "²",
    ],
)
async def test_review_and_activity_cursors_out_of_range_are_refused(
    client, db, cursor: str
) -> None:
    account = await sign_up(client)
    media_id = await new_title(db)
    for path, params in [
        (f"/api/v1/media/{media_id}/reviews", {}),
        (f"/api/v1/media/{media_id}/reviews", {"sort": "most_liked"}),
        (f"/api/v1/users/{account.id}/reviews", {}),
        (f"/api/v1/users/{account.id}/activity", {}),
    ]:
        response = await client.get(path, params={**params, "cursor": cursor})
        error = await expect_error(response)
        assert "cursor" in error["fields"], (path, error)
    most_liked = b64(f"[{BIG}, 1]")
    response = await client.get(
        f"/api/v1/media/{media_id}/reviews", params={"sort": "most_liked", "cursor": most_liked}
    )
    await expect_error(response)


@pytest.mark.parametrize(
    "position",
    [
        "2024-01-01T00:00:00|99999999999999999999",
        "9999-12-31T23:59:59-23:59|1",
        "0001-01-01T00:00:00+23:59|1",
        f'["2024-01-01T00:00:00Z", {BIG}]',
        '["9999-12-31T23:59:59-23:59", 1]',
        '["0001-01-01T00:00:00+23:59", 1]',
        '["2024-01-01T00:00:00", 1]',
        '["2024-01-01T00:00:00Z"]',
    ],
)
async def test_follow_list_cursors_out_of_range_are_refused(client, position: str) -> None:
    account = await sign_up(client)
    for which in ("followers", "following"):
        response = await client.get(
            f"/api/v1/users/{account.id}/{which}", params={"cursor": b64(position)}
        )
        assert "cursor" in (await expect_error(response))["fields"]


async def test_catalogue_cursors_out_of_range_are_refused(client) -> None:
    for sort, position in [
        ("popular", f'["popular", 1.0, {BIG}]'),
        ("title", '["title", "a\\u0000", 1]'),
        ("newest", '["newest", "10000-01-01", 1]'),
        ("top_rated", f'["top_rated", 1.0, {BIG}, 1]'),
    ]:
        response = await client.get("/api/v1/media", params={"sort": sort, "cursor": b64(position)})
        assert "cursor" in (await expect_error(response))["fields"], sort


async def test_leaderboard_and_ranking_cursors_that_are_not_ours_are_refused(client) -> None:
    account = await sign_up(client)
    for cursor in ("²", b64(f"[{BIG}]"), b64("[-1]"), b64('["1"]')):
        board = await client.get("/api/v1/leaderboards/global", params={"cursor": cursor})
        assert "cursor" in (await expect_error(board))["fields"]
        mine = await client.get(
            "/api/v1/me/rankings", params={"cursor": cursor}, headers=account.headers
        )
        assert "cursor" in (await expect_error(mine))["fields"]


@pytest.mark.parametrize(
    "position",
    [
        "media:1@abc.²",
        "media:1@abc.99999999999999999999",
        "media:1@abc.9223372036854775808",
        "media:1@" + "a" * 33 + ".1",
        "media:1@ab-c.1",
        "media:1@.1",
        "media:1@abc.",
    ],
)
async def test_live_positions_that_are_not_ours_are_refused(client, position: str) -> None:
    channels = {"channels": "media:1"}
    # A character no position holds is refused by the query's pattern, the rest by the parser.
    refused = {"invalid_cursor", "invalid"}
    polled = await client.get("/api/v1/events", params={**channels, "since": position})
    assert (await expect_error(polled))["code"] in refused
    streamed = await client.get("/api/v1/stream", params={**channels, "last_event_id": position})
    assert (await expect_error(streamed))["code"] in refused
    by_header = await client.get(
        "/api/v1/stream", params=channels, headers={"Last-Event-ID": position}
    )
    assert (await expect_error(by_header))["code"] == "invalid_cursor"


async def test_a_websocket_resume_position_out_of_range_is_an_error_frame(client) -> None:
    ws = await client.ws_connect("/ws")
    await ws.send_json(
        {
            "type": "subscribe",
            "id": 1,
            "channel": "media:1",
            "since": {"offset": 2**64, "epoch": "a"},
        }
    )
    reply = await ws.receive_json(timeout=15)
    assert (reply["type"], reply["code"]) == ("error", "invalid_frame")
    await ws.close()


async def test_a_very_long_query_string_is_answered_in_the_error_shape(client) -> None:
    response = await client.get("/api/v1/media", params={"q": "x" * 9 * 1024})
    error = await expect_error(response, 414)
    assert error["code"] == "uri_too_long"


async def test_a_very_long_header_is_answered_in_the_error_shape(client) -> None:
    response = await client.get(
        "/api/v1/me", headers={"Authorization": "Bearer mca_" + "x" * 10 * 1024}
    )
    error = await expect_error(response, 431)
    assert error["code"] == "headers_too_large"


async def test_a_websocket_from_another_scheme_or_port_is_refused(client) -> None:
    port = client.port
    for origin in (
        f"https://127.0.0.1:{port}",
        f"http://127.0.0.1:{port + 1}",
        "http://127.0.0.1",
        f"ws://127.0.0.1:{port}",
        "null",
    ):
        with pytest.raises(WSServerHandshakeError) as refused:
            await client.ws_connect("/ws", headers={"Origin": origin})
        assert refused.value.status == 403, origin
    ws = await client.ws_connect("/ws", headers={"Origin": f"http://127.0.0.1:{port}"})
    await ws.close()


async def test_a_sign_in_posted_from_another_scheme_or_port_is_refused(client) -> None:
    account = await sign_up(client)
    credentials = {"email": account.email, "password": account.password}
    port = client.port
    for origin in (f"https://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"):
        response = await client.post(
            "/api/v1/auth/login", json=credentials, headers={"Origin": origin}
        )
        assert (await expect_error(response, 403))["code"] == "csrf", origin
    own = await client.post(
        "/api/v1/auth/login", json=credentials, headers={"Origin": f"http://127.0.0.1:{port}"}
    )
    assert own.status == 200


async def test_a_websocket_actions_data_is_as_strict_as_a_body(client) -> None:
    account = await sign_up(client)
    ws = await client.ws_connect("/ws", headers=account.headers)
    for number, data in enumerate(
        [{"duel_id": "1", "winner": 2}, {"duel_id": 1, "winner": True}, {"duel_id": 2**64}]
    ):
        await ws.send_json({"type": "action", "id": number, "action": "duel.vote", "data": data})
        reply = await ws.receive_json(timeout=15)
        assert (reply["type"], reply["id"], reply["code"]) == ("error", number, "invalid")
    await ws.close()


ODD_QUERY_VALUES = [
    "²",
    "99999999999999999999",
    "-9223372036854775809",
    "1e308",
    "a\x00b",
    "",
    "x" * 5000,
    "media:1@abc.²",
    "2024-13-45",
]
ODD_BODY_VALUES = [
    True,
    "1",
    1e308,
    -1e308,
    2**64,
    -(2**64),
    "a\x00b",
    "",
    None,
    [],
    {},
    [2**64],
    {"a": "\x00"},
    "x" * 20_000,
]


async def test_no_declared_endpoint_answers_500_to_an_odd_value_in_one_field(client, db) -> None:
    """A sweep of every endpoint declared through Api, one odd value in one field at a time."""
    import json

    from metacult.typedefs import ENDPOINTS

    account = await sign_up(client)
    media_id = await new_title(db)
    written = await client.post(
        f"/api/v1/media/{media_id}/reviews", json={"body": "fine"}, headers=account.headers
    )
    ids = {"users": account.id, "media": media_id, "reviews": (await written.json())["id"]}
    failures = []
    for endpoint in client.app[ENDPOINTS]:
        parts = endpoint.path.split("/")
        path = "/".join(
            str(ids.get(parts[i - 1], 1)) if part == "{id}" else part
            for i, part in enumerate(parts)
        )
        if endpoint.query is not None:
            for name in endpoint.query.model_fields:
                for value in ODD_QUERY_VALUES:
                    # Redirects (/go, /c) are answers: never followed to a store or an
                    # advertiser outside.
                    response = await client.request(
                        endpoint.method,
                        path,
                        params={name: value},
                        headers=account.headers,
                        allow_redirects=False,
                    )
                    if response.status >= 500:
                        failures.append((endpoint.method, endpoint.path, name, value[:20]))
        if endpoint.body is not None:
            for name in getattr(endpoint.body, "model_fields", {}):
                for value in ODD_BODY_VALUES:
                    # json, not orjson: orjson refuses integers beyond 64 bits.
                    body = json.dumps({name: value}).encode()
                    response = await client.request(
                        endpoint.method,
                        path,
                        data=body,
                        headers={**account.headers, "Content-Type": "application/json"},
                        allow_redirects=False,
                    )
                    if response.status >= 500:
                        failures.append((endpoint.method, endpoint.path, name, repr(value)[:20]))
    assert failures == []


async def test_an_odd_value_beside_valid_ones_is_a_4xx_on_every_write(client, db) -> None:
    """The same sweep with the other fields valid, so that each write's own code runs."""
    import json

    user = await sign_up(client)
    admin = await sign_up(client, role="admin")
    media_id = await new_title(db)
    written = await client.post(
        f"/api/v1/media/{media_id}/reviews", json={"body": "fine"}, headers=user.headers
    )
    review_id = (await written.json())["id"]
    signal = {"id": "2b1f0c6e-8d4a-4a57-9d7e-2f2f2f2f2f2f", "type": "view", "media_id": media_id}
    writes = [
        (
            "POST",
            "/api/v1/auth/signup",
            {"email": "x@example.com", "password": "a-good-Password1", "display_name": "X"},
            {},
        ),
        ("POST", "/api/v1/auth/login", {"email": user.email, "password": "not-it"}, {}),
        (
            "POST",
            "/api/v1/auth/token",
            {"grant_type": "password", "email": user.email, "password": "not-it"},
            {},
        ),
        ("POST", "/api/v1/auth/token/refresh", {"refresh_token": "mcr_x"}, {}),
        ("PATCH", "/api/v1/me", {"display_name": "Y", "bio": "b"}, user.headers),
        ("PUT", f"/api/v1/media/{media_id}/rating", {"rating": 4}, user.headers),
        ("PUT", f"/api/v1/media/{media_id}/status", {"status": "watched"}, user.headers),
        ("POST", f"/api/v1/media/{media_id}/reviews", {"body": "ok"}, user.headers),
        ("PATCH", f"/api/v1/reviews/{review_id}", {"body": "ok", "spoiler": True}, user.headers),
        ("POST", f"/api/v1/admin/reviews/{review_id}/hide", {"reason": "because"}, admin.headers),
    ]
    bodies = [
        (method, path, {**base, name: value}, headers)
        for method, path, base, headers in writes
        for name in base
        for value in ODD_BODY_VALUES
    ]
    bodies += [
        ("POST", "/api/v1/signals", {"events": [{**signal, name: value}]}, user.headers)
        for name in ("id", "type", "media_id", "at", "query", "source", "position")
        for value in ODD_BODY_VALUES
    ]
    failures = []
    for method, path, body, headers in bodies:
        response = await client.request(
            method,
            path,
            data=json.dumps(body).encode(),
            headers={**headers, "Content-Type": "application/json"},
        )
        if response.status >= 500:
            failures.append((method, path, repr(body)[:60]))
    assert failures == []
