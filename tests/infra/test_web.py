"""Every error, ours or the framework's, has one JSON shape; bodies are parsed into models."""

from __future__ import annotations

import pydantic
from aiohttp import web

from metacult.infra.errors import Conflict
from metacult.infra.web import Api, Schema


class Greeting(Schema):
    name: str = pydantic.Field(min_length=1, max_length=20)
    times: int = pydantic.Field(ge=1, le=3)


class Reply(Schema):
    text: str


probe = Api("probe")


@probe.post("/api/v1/probe/greet", auth="public", body=Greeting, reply=Reply, status=201)
async def greet(request: web.Request, body: Greeting) -> Reply:
    if body.name == "taken":
        raise Conflict("That name is taken.", code="name_taken")
    return Reply(text=" ".join([f"hello {body.name}"] * body.times))


@probe.get("/api/v1/probe/private", reply=Reply)
async def private(request: web.Request) -> Reply:
    return Reply(text="secret")


async def client_with_probe(aiohttp_client, make_app):
    app = make_app(max_body_bytes=2048)
    probe.register(app)
    return await aiohttp_client(app)


async def test_a_valid_body_is_parsed_and_the_reply_rendered(aiohttp_client, make_app) -> None:
    client = await client_with_probe(aiohttp_client, make_app)
    response = await client.post("/api/v1/probe/greet", json={"name": "ada", "times": 2})
    assert response.status == 201
    assert await response.json() == {"text": "hello ada hello ada"}
    assert response.headers["X-Request-Id"]


async def test_invalid_fields_get_422_with_each_field(aiohttp_client, make_app) -> None:
    client = await client_with_probe(aiohttp_client, make_app)
    response = await client.post("/api/v1/probe/greet", json={"name": "", "times": 9})
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"name", "times"}


async def test_malformed_json_is_a_400(aiohttp_client, make_app) -> None:
    client = await client_with_probe(aiohttp_client, make_app)
    response = await client.post(
        "/api/v1/probe/greet", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "malformed_json"


async def test_a_body_over_the_limit_is_a_413(aiohttp_client, make_app) -> None:
    client = await client_with_probe(aiohttp_client, make_app)
    response = await client.post("/api/v1/probe/greet", data=b"x" * 4096)
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"


async def test_unknown_route_and_wrong_method_use_the_error_shape(aiohttp_client, make_app) -> None:
    client = await client_with_probe(aiohttp_client, make_app)
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "not_found"
    wrong = await client.delete("/api/v1/probe/greet")
    assert wrong.status == 405
    assert (await wrong.json())["error"]["code"] == "method_not_allowed"


async def test_domain_errors_map_to_their_status(aiohttp_client, make_app) -> None:
    client = await client_with_probe(aiohttp_client, make_app)
    response = await client.post("/api/v1/probe/greet", json={"name": "taken", "times": 1})
    assert response.status == 409
    assert await response.json() == {
        "error": {"code": "name_taken", "message": "That name is taken."}
    }


async def test_endpoints_need_a_signed_in_user_unless_public(aiohttp_client, make_app) -> None:
    client = await client_with_probe(aiohttp_client, make_app)
    response = await client.get("/api/v1/probe/private")
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthenticated"
