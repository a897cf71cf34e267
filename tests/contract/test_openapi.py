"""The OpenAPI document: generated from the declarations, valid, and equal to the routes."""

from __future__ import annotations

from openapi_spec_validator import validate

from metacult.infra.openapi import openapi_path
from metacult.webapp import APP_PAGES

# Routes that are not part of the REST API: the web app's pages and files, the reference.
NOT_API = (*APP_PAGES, "/api/docs", "/favicon.ico", "/static/")


def _served_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for route in app.router.routes():
        info = route.get_info()
        path = info.get("path") or info.get("formatter") or info.get("prefix", "")
        if route.method in {"HEAD", "*"} or path in NOT_API or path.startswith("/static"):
            continue
        routes.add((route.method.lower(), openapi_path(path)))
    return routes


async def test_the_document_is_valid_openapi_3_1(client):
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    document = await response.json()
    assert document["openapi"] == "3.1.0"
    validate(document)


async def test_every_route_is_in_the_document_and_nothing_else(client):
    document = await (await client.get("/api/v1/openapi.json")).json()
    documented = {
        (method, path) for path, operations in document["paths"].items() for method in operations
    }
    assert documented == _served_routes(client.app)


async def test_each_operation_says_who_may_call_it_and_how_it_fails(client):
    document = await (await client.get("/api/v1/openapi.json")).json()
    me = document["paths"]["/api/v1/me"]["get"]
    assert me["x-auth"] == "user"
    assert {"session": []} in me["security"] and {"bearer": []} in me["security"]
    assert me["responses"]["401"] == {"$ref": "#/components/responses/401"}
    browse = document["paths"]["/api/v1/media"]["get"]
    assert browse["x-auth"] == "public" and "security" not in browse
    assert {p["name"] for p in browse["parameters"]} >= {"kind", "cursor", "limit"}
    error = document["components"]["responses"]["422"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/Error"}


async def test_the_reference_page_is_served_with_its_vendored_viewer(client):
    page = await client.get("/api/docs")
    assert page.status == 200
    html = await page.text()
    assert 'spec-url="/api/v1/openapi.json"' in html
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    viewer = await client.get("/static/vendor/redoc/redoc.standalone.js")
    assert viewer.status == 200
