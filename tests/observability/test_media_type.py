"""The GraphQL-over-HTTP media types: application/graphql-response+json when accepted (request
errors 400 without `data`), application/json as before for the clients that ask for it."""

import httpx
import pytest

from graph.media import GRAPHQL_RESPONSE, choose
from tests.conftest import bearer, token

NEW = {"accept": GRAPHQL_RESPONSE}
LEGACY = {"accept": "application/json"}


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
        (f"{GRAPHQL_RESPONSE};q=0", "application/json"),
    ],
)
def test_the_media_type_follows_the_accept_header(accept: str | None, chosen: str) -> None:
    assert choose(accept) == chosen


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"query": "{ programmes { "}, "Syntax Error"),
        ({"query": "{ nope }"}, "Cannot query field"),
        (
            {"query": "query ($code: String!) { programme(code: $code) { code } }"},
            "to be provided",
        ),
        (
            {
                "query": "query ($code: String!) { programme(code: $code) { code } }",
                "variables": {"code": 12},
            },
            "String cannot represent",
        ),
    ],
    ids=["parse", "validation", "missing-variable", "variable-coercion"],
)
async def test_a_request_error_is_a_400_without_data_under_the_new_type(
    http: httpx.AsyncClient, payload: dict[str, object], message: str
) -> None:
    new = await http.post("/graphql", json=payload, headers={**NEW, **bearer(token())})
    assert new.status_code == 400
    assert new.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = new.json()
    assert "data" not in body
    assert message in body["errors"][0]["message"]
    legacy = await http.post("/graphql", json=payload, headers={**LEGACY, **bearer(token())})
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")
    assert message in legacy.json()["errors"][0]["message"]


async def test_a_successful_or_field_error_answer_is_200_with_data(
    http: httpx.AsyncClient,
) -> None:
    ok = await http.post(
        "/graphql", json={"query": "{ viewer { subject } }"}, headers={**NEW, **bearer(token())}
    )
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert ok.json() == {"data": {"viewer": {"subject": "dev@edm"}}}
    field_error = await http.post(
        "/graphql",
        json={"query": '{ programmes(after: "not-a-cursor") { totalCount } }'},
        headers={**NEW, **bearer(token())},
    )
    assert field_error.status_code == 200
    body = field_error.json()
    assert "data" in body
    assert body["errors"][0]["path"] == ["programmes"]


async def test_get_queries_answer_the_new_type_too(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql", params={"query": "{ viewer { role } }"}, headers={**NEW, **bearer(token())}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json()["data"]["viewer"]["role"] == "HEAD_OFFICE"
