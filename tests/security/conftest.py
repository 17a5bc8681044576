"""Servers for the hostile-input tests: production mode at its default limits (GraphiQL on,
the one thing served without a token), and development mode with introspection."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from graph.settings import Mode, Settings
from tests.conftest import RunningServer, bearer, serve, token


def production_settings(database_url: str, **overrides: Any) -> Settings:
    # The suite's own server turns the rate limits off; these keep the defaults, except the
    # failure throttle, which its own test turns on (every refused token here would spend it).
    values: dict[str, Any] = {
        "database_url": database_url,
        "mode": Mode.PRODUCTION,
        "graphiql": True,
        "rate_limit_per_minute": 0,
        "auth_failures_per_minute": 0,
    }
    return Settings(**(values | overrides))


@pytest.fixture(scope="session")
def production(database_url: str) -> Iterator[RunningServer]:
    with serve(production_settings(database_url)) as running:
        yield running


@pytest.fixture(scope="session")
def development(database_url: str) -> Iterator[RunningServer]:
    """Development defaults (introspection on), the suite's rate limits off."""
    settings = Settings(
        database_url=database_url, rate_limit_per_minute=0, auth_failures_per_minute=0
    )
    with serve(settings) as running:
        yield running


@pytest.fixture
async def prod(production: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=production.base_url, timeout=30) as client:
        yield client


@pytest.fixture
async def dev(development: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=development.base_url, timeout=30) as client:
        yield client


def head_office() -> dict[str, str]:
    return bearer(token())


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST one operation as head office; the JSON answer (asserting HTTP 200)."""
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=head_office() if headers is None else headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None, body
    assert len(body["errors"]) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error
