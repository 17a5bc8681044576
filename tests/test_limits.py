"""Abuse limits at their production defaults: each refuses an abusive request, names the
limit, and lets a normal dashboard query through."""

import hashlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from db.engine import Database
from graph.app import create_app
from graph.security.persisted import InvalidAllowList
from graph.security.ratelimit import RateLimiter
from graph.settings import Settings
from tests.conftest import RunningServer, bearer, serve, token
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import network as f

DEFAULTS = Settings()
DASHBOARD_ORIGIN = "https://dashboard.entrepreneursdumonde.org"


@pytest.fixture(scope="module")
def limited(database_url: str) -> Iterator[RunningServer]:
    """Production defaults for every query limit; the rate limit has its own test server."""
    settings = Settings(
        database_url=database_url, cors_origins=[DASHBOARD_ORIGIN], rate_limit_per_minute=0
    )
    with serve(settings) as running:
        yield running


@pytest.fixture
async def client(limited: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=limited.base_url, headers=bearer(token()), timeout=30
    ) as http:
        yield http


async def post(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused_by(body: dict[str, Any], limit: str) -> dict[str, Any]:
    """The one error of a refused query, which names the limit (message and extensions)."""
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["limit"] == limit
    assert f"({limit})" in error["message"]
    return dict(error)


DASHBOARD = """
query Dashboard($codes: [String!]) {
  programmes(filter: {codes: $codes}) {
    totalCount
    nodes {
      code name phase
      currency { code }
      country { name }
      groups { totalCount }
      members { totalCount }
      facilitators { totalCount }
      loans(first: 10) {
        totalCount
        nodes { status principal { amount currency { code } } member { id } }
      }
    }
  }
}
"""


async def test_a_normal_dashboard_query_passes(client: httpx.AsyncClient, db: Database) -> None:
    async with db.transaction() as s:
        p = await f.programme(s)
        fa = await g.facilitator(s, p["id"])
        group = await g.group(s, p["id"], fa["id"])
        product = await lf.product(s, p)
        for _ in range(3):
            member = await g.member(s, p["id"], group["id"])
            await lf.loan(s, product, member, group["id"])

    body = await post(client, DASHBOARD, codes=[p["code"]])

    assert "errors" not in body, body
    [programme] = body["data"]["programmes"]["nodes"]
    assert programme["members"] == {"totalCount": 3}
    assert len(programme["loans"]["nodes"]) == 3


def nested(levels: int) -> str:
    """Group → facilitator → groups → nodes → facilitator …: 3 levels per step."""
    inner = "name"
    for _ in range(levels):
        inner = f"name facilitator {{ groups {{ nodes {{ {inner} }} }} }}"
    return f"{{ groups(first: 1) {{ nodes {{ {inner} }} }} }}"


async def test_deep_nesting_is_refused(client: httpx.AsyncClient) -> None:
    body = await post(client, nested(6))

    error = refused_by(body, "max_query_depth")
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert error["extensions"]["max"] == DEFAULTS.max_query_depth == 15
    assert error["extensions"]["actual"] == 21


async def test_a_thousand_aliases_are_refused(client: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }"

    body = await post(client, query)

    error = refused_by(body, "max_aliases")
    assert error["message"] == "The query uses 1000 aliases; the limit is 50 (max_aliases)."


async def test_a_document_of_too_many_tokens_is_refused(client: httpx.AsyncClient) -> None:
    query = "{ " + "__typename " * 6000 + "}"

    body = await post(client, query)

    error = refused_by(body, "max_tokens")
    assert error["extensions"] == {"code": "TOO_MANY_TOKENS", "limit": "max_tokens", "max": 5000}


THREE_LEVELS = """
{
  programmes(first: 100) {
    nodes { groups(first: 100) { nodes { members(first: 100) { nodes { id } } } } }
  }
}
"""


async def test_first_100_nested_three_levels_deep_exceeds_the_cost(
    client: httpx.AsyncClient,
) -> None:
    body = await post(client, THREE_LEVELS)

    error = refused_by(body, "max_query_cost")
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["actual"] > 1_000_000
    assert error["extensions"]["max"] == DEFAULTS.max_query_cost == 500_000


FAN_OUT = (
    "query ($n: Int) { members(first: $n) { nodes { id loans(first: $n) { nodes { id } } } } }"
)


async def test_a_first_100000_fan_out_is_refused_whether_literal_or_variable(
    client: httpx.AsyncClient,
) -> None:
    literal = await post(
        client, "{ members(first: 100000) { nodes { loans(first: 100000) { nodes { id } } } } }"
    )
    variable = await post(client, FAN_OUT, n=100_000)
    small = await post(client, FAN_OUT, n=10)

    refused_by(literal, "max_query_cost")
    refused_by(variable, "max_query_cost")
    assert "errors" not in small


async def test_a_page_larger_than_the_maximum_is_refused(client: httpx.AsyncClient) -> None:
    body = await post(client, "{ members(first: 101) { totalCount } }")

    assert body["errors"][0]["message"] == "Invalid `first`: must be between 0 and 100"


async def test_a_fragment_bomb_is_measured_quickly_and_refused(client: httpx.AsyncClient) -> None:
    # Each fragment spreads the next twice: 2^30 `network` fields once expanded.
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30)]
    query = "\n".join(["query { ...F0 }", *fragments, "fragment F30 on Query { network { name } }"])

    started = time.monotonic()
    body = await post(client, query)

    assert time.monotonic() - started < 5
    assert refused_by(body, "max_query_cost")["extensions"]["actual"] == 2**30


async def test_a_batch_of_100_operations_is_refused(client: httpx.AsyncClient) -> None:
    batch = [{"query": "{ network { name } }"}] * 100

    response = await client.post("/graphql", json=batch)

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["limit"] == "max_batch_operations"


async def test_a_small_batch_runs_each_operation(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=[{"query": "{ network { name } }"}] * 3)

    assert response.status_code == 200
    assert [("errors" in item) for item in response.json()] == [False] * 3


async def test_a_body_over_the_limit_is_a_413(client: httpx.AsyncClient) -> None:
    padding = "x" * (DEFAULTS.max_body_bytes + 1)
    declared = await client.post(
        "/graphql", json={"query": "{ network { name } }", "variables": {"p": padding}}
    )

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ network { name } }", "variables": {"p": "'
        for _ in range(20):
            yield b"x" * 100_000
        yield b'"}}'

    streamed = await client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )

    for response in (declared, streamed):
        assert response.status_code == 413
        error = response.json()["errors"][0]
        assert error["extensions"]["limit"] == "max_body_bytes"
        assert "(max_body_bytes)" in error["message"]


async def test_cors_answers_only_the_allowed_origins(client: httpx.AsyncClient) -> None:
    preflight = {"access-control-request-method": "POST"}
    allowed = await client.options("/graphql", headers={"origin": DASHBOARD_ORIGIN, **preflight})
    other = await client.options(
        "/graphql", headers={"origin": "https://evil.example", **preflight}
    )
    simple = await client.post(
        "/graphql",
        json={"query": "{ network { name } }"},
        headers={"origin": "https://evil.example"},
    )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == DASHBOARD_ORIGIN
    assert "authorization" in allowed.headers["access-control-allow-headers"]
    assert other.status_code == 400
    assert "access-control-allow-origin" not in simple.headers


# Persisted queries: only known documents run.

KNOWN = "{ network { name } }"


def digest(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


@pytest.fixture(scope="module")
def persisted(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    allow_list = tmp_path_factory.mktemp("persisted") / "queries.json"
    allow_list.write_text(json.dumps({digest(KNOWN): KNOWN}))
    settings = Settings(database_url=database_url, persisted_queries_file=allow_list)
    with serve(settings) as running:
        yield running.base_url


@pytest.mark.parametrize(
    "payload",
    [
        {"query": KNOWN},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest(KNOWN)}}},
    ],
    ids=["document", "hash"],
)
def test_a_persisted_query_runs_by_document_or_hash(persisted: str, payload: Any) -> None:
    response = httpx.post(f"{persisted}/graphql", json=payload, headers=bearer(token()))

    assert response.json() == {"data": {"network": {"name": "Entrepreneurs du Monde"}}}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"query": "{ network { name } } "}, "is not in the allow-list"),
        ({"extensions": {"persistedQuery": {"sha256Hash": "0" * 64}}}, "No persisted query"),
    ],
    ids=["another document", "unknown hash"],
)
def test_anything_else_is_refused_under_an_allow_list(
    persisted: str, payload: Any, reason: str
) -> None:
    response = httpx.post(f"{persisted}/graphql", json=payload, headers=bearer(token()))

    error = refused_by(response.json(), "persisted_queries_file")
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
    assert reason in error["message"]


def test_an_allow_list_whose_hashes_are_wrong_refuses_to_start(
    database_url: str, tmp_path: Path
) -> None:
    allow_list = tmp_path / "queries.json"
    allow_list.write_text(json.dumps({"0" * 64: KNOWN}))

    with pytest.raises(InvalidAllowList, match="not the sha256"):
        create_app(Settings(database_url=database_url, persisted_queries_file=allow_list))


# The per-credential rate limit.


def test_a_credential_over_its_rate_gets_429_with_retry_after(database_url: str) -> None:
    settings = Settings(database_url=database_url, rate_limit_per_minute=60, rate_limit_burst=3)
    query = {"query": "{ network { name } }"}
    with serve(settings) as running, httpx.Client(base_url=running.base_url) as http:
        busy = [http.post("/graphql", json=query, headers=bearer(token())) for _ in range(4)]
        other = http.post("/graphql", json=query, headers=bearer(token(subject="other@edm")))

    assert [r.status_code for r in busy] == [200, 200, 200, 429]
    assert busy[-1].headers["retry-after"] == "1"
    error = busy[-1].json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert "60 per minute with bursts of 3" in error["message"]
    assert other.status_code == 200


def test_the_bucket_refills_at_the_configured_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=30, burst=2, clock=lambda: now[0])

    assert [limiter.take("a"), limiter.take("a")] == [0, 0]
    assert limiter.take("a") == pytest.approx(2.0)  # one request every 2 seconds
    now[0] = 2.0
    assert limiter.take("a") == 0
    assert limiter.take("b") == 0


def test_cors_origins_read_from_the_environment_are_comma_separated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EDM_CORS_ORIGINS", f"{DASHBOARD_ORIGIN}, https://reports.example.org")

    assert Settings().cors_origins == [DASHBOARD_ORIGIN, "https://reports.example.org"]
