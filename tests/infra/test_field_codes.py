"""Each field of a 422 carries a machine-readable code beside its English message."""

from __future__ import annotations

from metacult.infra.errors import FIELD_CODES
from tests import random_refs


async def test_signup_problems_carry_a_code_per_field(client) -> None:
    response = await client.post(
        "/api/v1/auth/signup",
        json={"email": "not an address", "password": "short", "display_name": "Ada"},
    )
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["codes"] == {"email": "not_email", "password": "too_short"}
    # The English wording is still there for older clients.
    assert set(error["fields"]) == set(error["codes"])
    assert "characters" in error["fields"]["password"]
    long_name = await client.post(
        "/api/v1/auth/signup",
        json={"email": random_refs.email("x"), "password": "short", "display_name": "x" * 500},
    )
    assert (await long_name.json())["error"]["codes"]["display_name"] == "too_long"


async def test_a_common_password_and_a_taken_email_have_their_own_codes(client) -> None:
    email = random_refs.email("codes")
    common = await client.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": "aaaaaaaaaaaa", "display_name": "Ada"},
    )
    assert (await common.json())["error"]["codes"] == {"password": "too_common"}
    body = {"email": email, "password": "a-long-Secret-phrase", "display_name": "Ada"}
    assert (await client.post("/api/v1/auth/signup", json=body)).status == 201
    taken = await client.post("/api/v1/auth/signup", json=body)
    assert taken.status == 409
    assert (await taken.json())["error"]["codes"] == {"email": "taken"}


async def test_pydantic_problems_are_coded_from_their_type(client) -> None:
    response = await client.post("/api/v1/auth/signup", json={"email": 3, "display_name": "Ada"})
    assert response.status == 422
    codes = (await response.json())["error"]["codes"]
    assert codes["email"] == "not_text"
    assert codes["password"] == "required"
    assert set(codes.values()) <= set(FIELD_CODES)


async def test_a_query_problem_is_coded_too(client) -> None:
    response = await client.get("/api/v1/media", params={"limit": "many"})
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["codes"] == {"limit": "not_number"}


async def test_an_error_without_fields_has_no_codes(client) -> None:
    response = await client.get("/api/v1/media/999999999")
    assert response.status == 404
    assert "codes" not in (await response.json())["error"]
