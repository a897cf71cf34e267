"""The OpenAPI 3.1 document of every REST endpoint, generated from the ``Api`` declarations.

Nothing here is written by hand: paths, parameters, bodies, replies, error replies and
who may call each operation come from the :class:`~metacult.infra.web.Endpoint` list
that every context's ``routes.py`` fills, so a new endpoint is documented (and fuzzed)
by being declared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pydantic
from pydantic.json_schema import models_json_schema

from metacult.infra.errors import FIELD_CODES
from metacult.infra.web import Endpoint

REF = "#/components/schemas/{model}"
# aiohttp's ``{name:regex}`` placeholders become plain ``{name}`` in the document.
_PLACEHOLDER = re.compile(r"\{(\w+)(?::[^{}]*(?:\{[^{}]*\}[^{}]*)*)?\}")

ERROR_REF = {"$ref": REF.format(model="Error")}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable, for programs"},
                "message": {"type": "string", "description": "a sentence, for people"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "what is wrong with each offending field",
                },
                "codes": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "enum": list(FIELD_CODES)},
                    "description": "a stable code per field of `fields` (required, too_short, "
                    "too_long, not_url…), for clients that word the problem themselves; "
                    "treat an unknown code as `invalid`",
                },
            },
        }
    },
}

_ERRORS = {
    "400": "The request is malformed (for instance a body that is not JSON).",
    "401": "Sign in first.",
    "403": "The caller may not do this.",
    "404": "Nothing here.",
    "409": "This conflicts with the current state.",
    "410": "This is no longer available.",
    "413": "The request body is too large.",
    "414": "The request line (path and query string) is too long.",
    "422": "Some fields are invalid; `fields` names them.",
    "429": "Too many requests; `Retry-After` says when to try again.",
    "431": "A request header is too large.",
    "503": "A dependency is not answering; `Retry-After` says when to try again.",
}


def openapi_path(path: str) -> str:
    """``/api/v1/media/{id:\\d+}`` → ``/api/v1/media/{id}``."""
    return _PLACEHOLDER.sub(r"{\1}", path)


def document(endpoints: Iterable[Endpoint], *, title: str, version: str) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document for ``endpoints``."""
    endpoints = list(endpoints)
    refs, schemas = _component_schemas(endpoints)
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        operation = _operation(endpoint, refs, schemas)
        paths.setdefault(openapi_path(endpoint.path), {})[endpoint.method.lower()] = operation
    schemas["Error"] = ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": (
                "Every REST endpoint of Metacult. Errors share one shape (`Error`). "
                "Browsers sign in with the session cookie (writes need a same-site "
                "`Origin`); apps send `Authorization: Bearer <access token>`."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "metacult_session"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
            "responses": {
                status: {
                    "description": text,
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
                for status, text in _ERRORS.items()
            },
        },
    }


Refs = dict[tuple[type[pydantic.BaseModel], str], dict[str, Any]]


def _component_schemas(endpoints: list[Endpoint]) -> tuple[Refs, dict[str, Any]]:
    """One JSON schema per model used anywhere (with the models they reference), and the
    ``$ref`` of each (model, mode): pydantic names them apart when two share a name."""
    wanted: dict[tuple[type[pydantic.BaseModel], str], None] = {}
    for endpoint in endpoints:
        if endpoint.body is not None:
            wanted[(endpoint.body, "validation")] = None
        if endpoint.reply is not None:
            wanted[(endpoint.reply, "serialization")] = None
        for model in (endpoint.query, endpoint.path_params):
            if model is not None:
                wanted[(model, "validation")] = None
    if not wanted:
        return {}, {}
    refs, top = models_json_schema(list(wanted), ref_template=REF)
    return dict(refs), dict(top.get("$defs", {}))


def _operation(endpoint: Endpoint, refs: Refs, schemas: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": f"{endpoint.tags[0]}.{endpoint.handler.__name__}",
        "summary": endpoint.summary,
        "tags": list(endpoint.tags),
        "x-auth": endpoint.auth,
    }
    if endpoint.auth != "public":
        operation["security"] = [{"session": []}, {"bearer": []}]
    parameters = [
        *_parameters(endpoint.path_params, "path", refs, schemas),
        *_parameters(endpoint.query, "query", refs, schemas),
    ]
    # A path placeholder without a declared model (``{provider}``) is still a parameter.
    declared = {p["name"] for p in parameters if p["in"] == "path"}
    for name in re.findall(r"\{(\w+)", endpoint.path):
        if name not in declared:
            parameters.append(
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            )
    if endpoint.idempotent:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Send the same key when retrying: the first answer is replayed.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        )
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(endpoint.body, "validation")]}},
        }
    operation["responses"] = _responses(endpoint, refs)
    return operation


def _parameters(
    model: type[pydantic.BaseModel] | None, where: str, refs: Refs, schemas: dict[str, Any]
) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = schemas[refs[(model, "validation")]["$ref"].rsplit("/", 1)[-1]]
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema.get("properties", {}).items():
        field_schema = dict(field_schema)
        description = field_schema.pop("description", None)
        field_schema.pop("title", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": where,
            "required": where == "path" or name in required,
            "schema": field_schema,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _responses(endpoint: Endpoint, refs: Refs) -> dict[str, Any]:
    status = str(endpoint.status)
    responses: dict[str, Any] = {}
    if endpoint.stream == "websocket":
        responses["101"] = {"description": "Switching to the websocket protocol."}
    elif endpoint.stream is not None:
        content: dict[str, Any] = {endpoint.stream: {"schema": {"type": "string"}}}
        if endpoint.reply is not None:
            # A file on demand (a ZIP), JSON otherwise.
            content["application/json"] = {"schema": refs[(endpoint.reply, "serialization")]}
        responses[status] = {"description": "A stream.", "content": content}
    elif endpoint.reply is not None:
        responses[status] = {
            "description": "OK",
            "content": {"application/json": {"schema": refs[(endpoint.reply, "serialization")]}},
        }
    elif 300 <= endpoint.status < 400:
        responses[status] = {
            "description": "A redirect to the page that says how it went.",
            "headers": {"Location": {"schema": {"type": "string"}}},
        }
    else:
        responses["204" if endpoint.status == 200 else status] = {"description": "Done."}
    # Any operation may meet these: a bad token or a cross-site write (401 / 403), an id
    # that does not exist or is gone (404 / 410), a state conflict (409), limits (413,
    # 429) and dependencies away (503).
    codes = list(_ERRORS)
    for code in sorted(codes):
        responses[code] = {"$ref": f"#/components/responses/{code}"}
    return responses
