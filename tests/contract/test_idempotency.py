"""Idempotency-Key on the writes apps retry: the same key replays the first answer."""

from __future__ import annotations

import pytest

from tests import random_refs
from tests.accounts import sign_up
from tests.titles import new_title


async def test_a_retried_review_is_written_once_and_answered_the_same(client, db):
    author = await sign_up(client)
    media_id = await new_title(db)
    headers = {**author.headers, "Idempotency-Key": random_refs.suffix()}
    url = f"/api/v1/media/{media_id}/reviews"
    first = await client.post(url, json={"body": "Once."}, headers=headers)
    again = await client.post(url, json={"body": "Once."}, headers=headers)
    assert first.status == again.status == 201
    assert await first.json() == await again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    count = await db.fetchval("SELECT count(*) FROM reviews WHERE media_id = $1", media_id)
    assert count == 1


async def test_a_key_reused_for_another_request_is_refused(client, db):
    author = await sign_up(client)
    media_id = await new_title(db)
    headers = {**author.headers, "Idempotency-Key": random_refs.suffix()}
    url = f"/api/v1/media/{media_id}/reviews"
    assert (await client.post(url, json={"body": "One."}, headers=headers)).status == 201
    other = await client.post(url, json={"body": "Two."}, headers=headers)
    assert other.status == 422
    assert "Idempotency-Key" in (await other.json())["error"]["fields"]


async def test_keys_belong_to_their_caller(client, db):
    alice, bob = await sign_up(client), await sign_up(client)
    media_id = await new_title(db)
    key = random_refs.suffix()
    url = f"/api/v1/media/{media_id}/reviews"
    for account in (alice, bob):
        headers = {**account.headers, "Idempotency-Key": key}
        assert (await client.post(url, json={"body": "Mine."}, headers=headers)).status == 201
    count = await db.fetchval("SELECT count(*) FROM reviews WHERE media_id = $1", media_id)
    assert count == 2


async def test_a_refused_request_can_be_fixed_and_sent_again_with_its_key(client, db):
    author = await sign_up(client)
    media_id = await new_title(db)
    headers = {**author.headers, "Idempotency-Key": random_refs.suffix()}
    url = f"/api/v1/media/{media_id}/reviews"
    assert (await client.post(url, json={"body": ""}, headers=headers)).status == 422
    assert (await client.post(url, json={"body": "Fixed."}, headers=headers)).status == 201


async def test_a_retried_sign_up_creates_one_account(client, db):
    email = random_refs.email("retry")
    body = {"email": email, "password": "pw-Secret-123!", "display_name": "Retry"}
    headers = {"Idempotency-Key": random_refs.suffix()}
    first = await client.post("/api/v1/auth/signup", json=body, headers=headers)
    again = await client.post("/api/v1/auth/signup", json=body, headers=headers)
    assert first.status == again.status == 201
    assert (await first.json())["id"] == (await again.json())["id"]


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9"])
async def test_a_malformed_key_is_refused(client, db, key):
    author = await sign_up(client)
    media_id = await new_title(db)
    response = await client.post(
        f"/api/v1/media/{media_id}/reviews",
        json={"body": "Hi."},
        headers={**author.headers, "Idempotency-Key": key},
    )
    assert response.status == 422
