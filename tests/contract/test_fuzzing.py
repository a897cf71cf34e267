"""schemathesis against the live server: every operation, as anonymous, a gamer and an admin.

No reply is a 5xx, every error has the one JSON shape, and every reply matches the
document. The number of examples per operation is bounded so the run stays short.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis import checks as builtin_checks

from tests import random_refs
from tests.helpers import free_port

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 6
# Operations a fuzzer must not run as the shared accounts: they would end the account.
ENDS_THE_ACCOUNT = {("DELETE", "/api/v1/me"), ("POST", "/api/v1/auth/logout")}


@dataclass(frozen=True)
class LiveApi:
    url: str
    headers: dict[str, dict[str, str]]


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError("the server did not become ready")


def _bearer(url: str, *, admin: bool) -> dict[str, str]:
    email = random_refs.email("fuzz")
    password = f"pw-{random_refs.suffix()}-Secret!"
    response = requests.post(
        f"{url}/api/v1/auth/signup",
        json={"email": email, "password": password, "display_name": "Fuzz"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    if admin:
        subprocess.run(
            [sys.executable, "-m", "metacult", "create-admin", email],
            check=True,
            capture_output=True,
        )
    response = requests.post(
        f"{url}/api/v1/auth/token",
        json={"grant_type": "password", "email": email, "password": password},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def live_api() -> Iterator[LiveApi]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "metacult", "serve"],
        env={**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "LOG_LEVEL": "WARNING"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url)
        yield LiveApi(
            url=url,
            headers={
                "anonymous": {},
                "gamer": _bearer(url, admin=False),
                "admin": _bearer(url, admin=True),
            },
        )
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _document() -> dict:
    """The document the server serves, generated from the same declarations."""
    from metacult.app import create_app
    from metacult.config import Settings
    from metacult.infra.openapi import document
    from metacult.typedefs import ENDPOINTS

    app = create_app(Settings.from_env())
    return document(app[ENDPOINTS], title="Metacult API", version="1")


schema = schemathesis.openapi.from_dict(_document())


@schemathesis.check
def errors_have_the_one_shape(ctx, response, case) -> None:
    """Every 4xx / 5xx reply is ``{"error": {"code": str, "message": str, ...}}``."""
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"an error that is not JSON: {response.text[:200]}") from None
    error = body.get("error") if isinstance(body, dict) else None
    if not (isinstance(error, dict) and isinstance(error.get("code"), str)):
        raise AssertionError(f"not the error shape: {response.text[:200]}")
    if not isinstance(error.get("message"), str):
        raise AssertionError(f"error without a message: {response.text[:200]}")


CHECKS = [
    builtin_checks.not_a_server_error,
    builtin_checks.status_code_conformance,
    builtin_checks.content_type_conformance,
    builtin_checks.response_schema_conformance,
    errors_have_the_one_shape,
]


@schema.exclude(path="/ws").exclude(path="/api/v1/stream").parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)
def test_every_operation_answers_as_documented(case, live_api: LiveApi):
    for caller, headers in live_api.headers.items():
        if caller != "anonymous" and (case.method, case.path) in ENDS_THE_ACCOUNT:
            continue
        response = case.call(
            base_url=live_api.url, headers=headers, timeout=15, allow_redirects=False
        )
        case.validate_response(response, checks=CHECKS)
