"""The HTTP edge in production: nothing runs without a credential, however it is sent; a
refused credential learns nothing; failures are throttled; sizes are bounded; answers are
private."""

import logging
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from db.engine import Database
from db.models import AuditEntry
from domain.enums import Role
from tests.conftest import bearer, serve, token
from tests.factories import missions as mf

from .conftest import head_office, production_settings

NETWORK = "{ network { name } }"

# Each of these carries a document without a token; none may run, none may be parsed.
TOKENLESS: list[dict[str, Any]] = [
    {
        "method": "GET",
        "url": "/graphql?%71uery={network{name}}",
        "headers": {"accept": "text/html"},
    },
    {
        "method": "GET",
        "url": "/graphql?query=%7Bnetwork%7Bname%7D%7D",
        "headers": {"accept": "text/html"},
    },
    {"method": "GET", "url": "/graphql?qu%65ry=x&query=%7Bnetwork%7Bname%7D%7D"},
    {"method": "GET", "url": "/graphql?extensions=%7B%7D", "headers": {"accept": "text/html"}},
    {"method": "GET", "url": "/graphql", "headers": {"accept": "*/*"}},
    {"method": "POST", "url": "/graphql", "json": {"query": NETWORK}},
    {"method": "POST", "url": "/graphql", "json": [{"query": NETWORK}]},
    {
        "method": "POST",
        "url": "/graphql",
        "content": NETWORK,
        "headers": {"content-type": "text/plain"},
    },
    {
        "method": "POST",
        "url": "/graphql",
        "json": {"query": NETWORK},
        "headers": {"accept": "text/html"},
    },
    {
        "method": "POST",
        "url": "/graphql",
        "json": {"query": NETWORK},
        "headers": {"authorization": ""},
    },
]


@pytest.mark.parametrize("request_args", TOKENLESS)
async def test_production_runs_nothing_without_a_token_however_it_is_sent(
    prod: httpx.AsyncClient, request_args: dict[str, Any]
) -> None:
    response = await prod.request(**request_args)

    assert response.status_code == 401
    assert "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_graphiql_page_is_the_one_thing_served_without_a_token(
    prod: httpx.AsyncClient,
) -> None:
    response = await prod.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


REFUSED_TOKENS = [
    (lambda: token(audience="another-api"), "edm-graph"),
    (lambda: token(issuer="someone-else"), "edm-graph"),
    (lambda: token(Role.EXPERT, subject="nobody@nowhere.org"), "nobody@nowhere.org"),
    (lambda: token(Role.INTEGRATOR, "NOT_A_PROGRAMME"), "NOT_A_PROGRAMME"),
]


@pytest.mark.parametrize(("make", "secret"), REFUSED_TOKENS)
async def test_a_refused_token_reads_invalid_token_and_the_log_keeps_the_reason(
    prod: httpx.AsyncClient, make: Any, secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="edm_graph"):
        response = await prod.post("/graphql", json={"query": NETWORK}, headers=bearer(make()))

    assert response.status_code == 401
    assert response.json() == {
        "errors": [
            {
                "message": "Not authenticated: invalid token.",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }
    refusals = [r for r in caplog.records if "authentication refused" in r.getMessage()]
    assert refusals
    assert all(r.levelno == logging.INFO and r.exc_info is None for r in refusals)


async def test_an_expert_s_email_is_not_confirmed_by_the_answer(
    prod: httpx.AsyncClient, db: Database
) -> None:
    # given an expert, and tokens naming a programme that does not exist
    async with db.transaction() as session:
        expert = await mf.expert(session)
    known = token(Role.EXPERT, "NOT_A_PROGRAMME", subject=expert["email"])
    unknown = token(Role.EXPERT, "NOT_A_PROGRAMME", subject="unknown.expert@edm.org")

    answers = [
        (await prod.post("/graphql", json={"query": NETWORK}, headers=bearer(t))).json()
        for t in (known, unknown)
    ]

    assert answers[0] == answers[1]
    assert expert["email"] not in str(answers[0])


def test_failed_authentications_are_throttled_per_address(database_url: str) -> None:
    settings = production_settings(database_url, auth_failures_per_minute=1, auth_failures_burst=3)
    with serve(settings) as running, httpx.Client(base_url=running.base_url) as client:
        codes = [
            client.post(
                "/graphql", json={"query": NETWORK}, headers=bearer(f"guess-{i}")
            ).status_code
            for i in range(5)
        ]
        blocked = client.post("/graphql", json={"query": NETWORK}, headers=head_office())

    assert codes == [401, 401, 401, 429, 429]
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert blocked.json()["errors"][0]["extensions"]["limit"] == "auth_failures_per_minute"


async def test_oversized_headers_are_refused_before_anything_reads_them(
    prod: httpx.AsyncClient,
) -> None:
    response = await prod.post(
        "/graphql", json={"query": NETWORK}, headers={**head_office(), "x-padding": "a" * 20_000}
    )

    assert response.status_code == 431
    assert response.json()["errors"][0]["extensions"]["limit"] == "max_header_bytes"


async def test_an_oversized_token_is_refused(prod: httpx.AsyncClient) -> None:
    response = await prod.post(
        "/graphql", json={"query": NETWORK}, headers=bearer(token(subject="x" * 9_000))
    )

    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "Not authenticated: invalid token."


COUNT = "{ programmes(first: 1) { totalCount } }"


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_authenticated_answers_are_private_and_never_stored(
    prod: httpx.AsyncClient, method: str
) -> None:
    if method == "GET":
        response = await prod.get("/graphql", params={"query": COUNT}, headers=head_office())
    else:
        response = await prod.post("/graphql", json={"query": COUNT}, headers=head_office())

    assert response.status_code == 200
    assert response.json()["data"]["programmes"]["totalCount"] >= 0
    assert response.headers["cache-control"] == "private, no-store"
    assert "authorization" in response.headers["vary"].lower()


AUDIT = "{ auditEntries(first: 5) { totalCount nodes { actor idempotencyKey } } }"


async def test_the_audit_trail_is_head_office_s_not_the_anonymous_viewer_s(
    dev: httpx.AsyncClient, db: Database
) -> None:
    # given a write in the trail
    async with db.transaction() as session:
        await session.execute(
            insert(AuditEntry).values(
                id=uuid.uuid4(),
                actor="awa@fansoto",
                role="PROGRAMME_STAFF",
                operation="repaymentRecord",
                entity_type="Repayment",
                idempotency_key="key-of-awa",
            )
        )

    anonymous = (await dev.post("/graphql", json={"query": AUDIT})).json()
    office = (await dev.post("/graphql", json={"query": AUDIT}, headers=head_office())).json()

    assert anonymous["data"]["auditEntries"] == {"totalCount": 0, "nodes": []}
    assert office["data"]["auditEntries"]["totalCount"] >= 1


@pytest.mark.parametrize(
    "make",
    [
        lambda: token(Role.EXPERT, subject="claire\u0000@edm.org"),
        lambda: token(Role.INTEGRATOR, ["FAN\u0000SOTO"]),
        lambda: token(Role.EXPERT, subject="x" * 400),
    ],
)
async def test_a_signed_token_with_unusable_claims_is_a_401_not_a_500(
    prod: httpx.AsyncClient, make: Any
) -> None:
    response = await prod.post("/graphql", json={"query": NETWORK}, headers=bearer(make()))

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
