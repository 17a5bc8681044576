"""The HTTP surface: operations endpoints, GraphiQL, bad requests, production mode."""

from collections.abc import Iterator

import httpx
import pytest

from graph.settings import Mode, Settings
from tests.conftest import RunningServer, serve

INTROSPECTION = "{ __schema { queryType { name } } }"


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


async def test_an_unknown_programme_in_the_viewer_header_is_a_400(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ programmes { totalCount } }"},
        headers={"x-viewer-programmes": "NOT_A_PROGRAMME"},
    )
    assert response.status_code == 400
    assert "NOT_A_PROGRAMME" in response.text


async def test_introspection_is_available_in_development(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": INTROSPECTION})
    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


@pytest.fixture(scope="module")
def production(database_url: str) -> Iterator[RunningServer]:
    with serve(Settings(database_url=database_url, mode=Mode.PRODUCTION)) as running:
        yield running


def test_production_mode_turns_off_graphiql_and_introspection(production: RunningServer) -> None:
    page = httpx.get(f"{production.base_url}/graphql", headers={"accept": "text/html"})
    assert "graphiql" not in page.text.lower()

    body = httpx.post(f"{production.base_url}/graphql", json={"query": INTROSPECTION}).json()
    assert body["data"] is None
    assert "introspection" in body["errors"][0]["message"].lower()

    ok = httpx.post(f"{production.base_url}/graphql", json={"query": "{ network { name } }"})
    assert ok.status_code == 200
    assert "errors" not in ok.json()
