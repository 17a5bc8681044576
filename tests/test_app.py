"""The HTTP surface: operations endpoints, GraphiQL, bad requests, request ids and errors,
production mode."""

import uuid
from collections.abc import Iterator

import httpx
import pytest
from strawberry.relay import to_base64

from db import network as db_network
from graph import app as app_module
from graph.settings import Mode, Settings
from tests.conftest import RunningServer, bearer, serve, token

INTROSPECTION = "{ __schema { queryType { name } } }"
GROUP_CREATE = """
mutation ($input: GroupCreateInput!) { groupCreate(input: $input) { userErrors { message } } }
"""
GROUP_INPUT = {
    "facilitator": to_base64("Facilitator", str(uuid.uuid4())),
    "name": "Kagnobon",
    "meetingFrequency": "MONTHLY",
    "meetingPlace": "Boucotte",
    "formedOn": "2026-01-15",
}


async def test_health_says_the_process_is_up(http: httpx.AsyncClient) -> None:
    response = await http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_says_the_database_is_reachable(http: httpx.AsyncClient) -> None:
    response = await http.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "reachable"}


def test_ready_says_unavailable_when_the_database_is_not() -> None:
    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    with serve(settings) as running:
        response = httpx.get(f"{running.base_url}/ready", timeout=10)
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


async def test_graphiql_is_served_in_development(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_malformed_json_is_a_400_not_a_500(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "Traceback" not in response.text


async def test_a_request_without_a_query_is_a_400(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"variables": {}})
    assert response.status_code == 400


async def test_a_syntax_error_is_reported_with_its_location(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ programmes { "})
    body = response.json()
    assert body["errors"][0]["message"].startswith("Syntax Error")
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 16}]


async def test_an_unknown_field_is_a_validation_error(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ programmes { nope } }"})
    assert "Cannot query field 'nope'" in response.json()["errors"][0]["message"]


async def test_the_old_development_headers_grant_nothing(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        json={"query": GROUP_CREATE, "variables": {"input": GROUP_INPUT}},
        headers={"x-viewer-programmes": "FANSOTO", "x-viewer-role": "PROGRAMME_STAFF"},
    )

    # Anonymous, hence the read-only demo viewer: the input is refused before any rule runs.
    assert response.status_code == 200
    result = response.json()["data"]["groupCreate"]
    assert result["userErrors"][0]["message"] == "This credential is read-only."


async def test_every_response_carries_a_request_id(http: httpx.AsyncClient) -> None:
    first = await http.get("/health")
    second = await http.get("/health")
    traced = await http.get("/health", headers={"x-request-id": "from-the-proxy-42"})

    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert traced.headers["x-request-id"] == "from-the-proxy-42"


SECRET_LOOKING = (
    'relation "members" does not exist [SQL: SELECT first_name FROM members] '
    '(File "/work/main/db/network.py", line 66)'
)


async def test_an_unexpected_error_reaches_the_client_as_a_request_id_only(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(session: object) -> None:
        raise RuntimeError(SECRET_LOOKING)

    monkeypatch.setattr(db_network, "network", broken)

    response = await http.post(
        "/graphql", json={"query": "{ network { name } }"}, headers=bearer(token())
    )

    request_id = response.headers["x-request-id"]
    assert response.status_code == 200
    assert response.json() == {
        "data": {"network": None},
        "errors": [
            {
                "message": f"Internal error (request id {request_id})",
                "locations": [{"line": 1, "column": 3}],
                "path": ["network"],
                "extensions": {"code": "INTERNAL_ERROR", "requestId": request_id},
            }
        ],
    }
    for leak in ("SQL", "SELECT", "/work/", "Traceback", "RuntimeError", "members"):
        assert leak not in response.text
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None
    assert SECRET_LOOKING in str(logged[0].exc_info[1])


async def test_an_error_outside_graphql_is_a_generic_500_with_the_request_id(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError(SECRET_LOOKING)

    monkeypatch.setattr(app_module, "Context", broken)  # built for each request, before GraphQL

    response = await http.post("/graphql", json={"query": "{ network { name } }"})

    request_id = response.headers["x-request-id"]
    assert response.status_code == 500
    assert response.json()["errors"][0]["extensions"] == {
        "code": "INTERNAL_ERROR",
        "requestId": request_id,
    }
    assert "SQL" not in response.text
    assert "/work/" not in response.text


async def test_introspection_is_available_in_development(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": INTROSPECTION})
    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


@pytest.fixture(scope="module")
def production(database_url: str) -> Iterator[RunningServer]:
    with serve(Settings(database_url=database_url, mode=Mode.PRODUCTION)) as running:
        yield running


def test_production_mode_turns_off_graphiql_and_introspection(production: RunningServer) -> None:
    with httpx.Client(base_url=production.base_url, headers=bearer(token())) as client:
        page = client.get("/graphql", headers={"accept": "text/html"})
        assert "graphiql" not in page.text.lower()

        body = client.post("/graphql", json={"query": INTROSPECTION}).json()
        assert body["data"] is None
        assert "introspection" in body["errors"][0]["message"].lower()

        ok = client.post("/graphql", json={"query": "{ network { name } }"})
        assert ok.status_code == 200
        assert "errors" not in ok.json()


def test_production_can_turn_graphiql_on_and_serves_its_page_without_a_token(
    database_url: str,
) -> None:
    settings = Settings(database_url=database_url, mode=Mode.PRODUCTION, graphiql=True)
    with serve(settings) as running:
        page = httpx.get(f"{running.base_url}/graphql", headers={"accept": "text/html"})
        query = httpx.get(
            f"{running.base_url}/graphql",
            params={"query": "{ network { name } }"},
            headers={"accept": "text/html"},
        )

    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    assert query.status_code == 401
