"""/metrics: Prometheus text with requests, operations, errors, refusals, the pool and
statement timeouts; bounded labels; protected in production."""

import socket
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db.engine import Database, create_engine
from graph.observability.metrics import Metrics
from graph.settings import Mode, Settings
from tests.conftest import RunningServer, bearer, serve, token

METRICS_TOKEN = "scrape-me-0123456789"


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and sorted labels (parsing proves the format)."""
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(body: str, name: str, **labels: str) -> float:
    return samples(body).get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture(scope="module")
def watched(database_url: str) -> Iterator[RunningServer]:
    settings = Settings(
        database_url=database_url,
        rate_limit_per_minute=60,
        rate_limit_burst=3,
        max_query_cost=50,
        metrics_operation_names=3,
    )
    with serve(settings) as running:
        yield running


def scrape(running: RunningServer, **headers: str) -> httpx.Response:
    return httpx.get(f"{running.base_url}/metrics", headers=headers, timeout=10)


def test_operations_errors_and_latency_are_counted(watched: RunningServer) -> None:
    url = f"{watched.base_url}/graphql"
    with httpx.Client(headers=bearer(token(subject="counted@edm"))) as client:
        assert client.post(url, json={"query": "query Programmes { programmes { totalCount } }"})
        client.post(url, json={"query": "query Broken { nope }"})
    response = scrape(watched)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    body = response.text
    assert (
        value(
            body, "edm_graphql_operations_total", operation="Programmes", type="query", outcome="ok"
        )
        == 1
    )
    assert (
        value(
            body, "edm_graphql_operations_total", operation="Broken", type="query", outcome="error"
        )
        == 1
    )
    assert value(body, "edm_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") >= 1
    assert value(body, "edm_graphql_operation_duration_seconds_count", operation="Programmes") == 1
    assert (
        value(body, "edm_http_requests_total", route="/graphql", method="POST", status="200") >= 2
    )
    assert value(body, "edm_http_request_duration_seconds_count", route="/graphql") >= 2
    # The pool, read at scrape time: the connections the two requests used are back.
    assert value(body, "edm_db_pool_connections", state="idle") >= 1
    assert value(body, "edm_db_pool_connections", state="in_use") == 0
    assert value(body, "edm_db_pool_size") == 10


def test_operation_names_beyond_the_bound_count_as_other(watched: RunningServer) -> None:
    url = f"{watched.base_url}/graphql"
    with httpx.Client(headers=bearer(token(subject="names@edm"))) as client:
        for name in ("N1", "N2", "N3", "N4", "N5"):
            client.post(url, json={"query": f"query {name} {{ viewer {{ subject }} }}"})
    body = scrape(watched).text
    names = {
        dict(labels)["operation"]
        for (name, labels) in samples(body)
        if name == "edm_graphql_operations_total"
    }
    assert len(names - {"other"}) == 3  # metrics_operation_names
    assert value(
        body, "edm_graphql_operations_total", operation="other", type="query", outcome="ok"
    )


def test_rate_limit_and_cost_refusals_are_counted(watched: RunningServer) -> None:
    url = f"{watched.base_url}/graphql"
    costly = "{ programmes(first: 100) { nodes { code } } }"
    with httpx.Client(headers=bearer(token(subject="greedy@edm"))) as client:
        first = client.post(url, json={"query": costly})
        statuses = [client.post(url, json={"query": "{ viewer { subject } }"}).status_code]
        statuses += [client.post(url, json={"query": "{ viewer { subject } }"}).status_code]
        statuses += [client.post(url, json={"query": "{ viewer { subject } }"}).status_code]
    assert first.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert 429 in statuses
    body = scrape(watched).text
    assert value(body, "edm_refusals_total", code="QUERY_TOO_COSTLY") >= 1
    assert value(body, "edm_refusals_total", code="RATE_LIMITED") >= 1
    assert value(body, "edm_http_requests_total", route="/graphql", method="POST", status="429")


async def test_statement_timeouts_are_counted(database_url: str) -> None:
    metrics = Metrics(Settings())
    db = Database(create_engine(database_url, pool_size=1))
    metrics.watch(db.engine)
    try:
        async with db.transaction() as session:
            await session.execute(text("SET LOCAL statement_timeout = '50ms'"))
            with pytest.raises(DBAPIError, match="statement timeout"):
                await session.execute(text("SELECT pg_sleep(2)"))
        async with db.read() as session:  # an ordinary error is not a timeout
            with pytest.raises(DBAPIError, match="division by zero"):
                await session.execute(text("SELECT 1 / 0"))
    finally:
        await db.dispose()
    assert value(metrics.exposition().decode(), "edm_db_statement_timeouts_total") == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_production_metrics_need_the_token(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        mode=Mode.PRODUCTION,
        metrics_token=METRICS_TOKEN,
    )
    with serve(settings) as running:
        anonymous = scrape(running)
        wrong = scrape(running, authorization="Bearer not-the-token")
        api_token = scrape(running, authorization=f"Bearer {token()}")
        right = scrape(running, authorization=f"Bearer {METRICS_TOKEN}")
    assert anonymous.status_code == wrong.status_code == api_token.status_code == 401
    assert "EDM_METRICS_TOKEN" in anonymous.text
    assert right.status_code == 200
    assert "edm_http_requests_total" in right.text


def test_production_metrics_without_a_token_are_not_on_the_api_port(database_url: str) -> None:
    with serve(Settings(database_url=database_url, mode=Mode.PRODUCTION)) as running:
        assert scrape(running).status_code == 404


def test_metrics_can_have_their_own_port(database_url: str) -> None:
    port = _free_port()
    settings = Settings(database_url=database_url, mode=Mode.PRODUCTION, metrics_port=port)
    with serve(settings) as running:
        on_api = scrape(running)
        httpx.get(f"{running.base_url}/health")
        own = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert on_api.status_code == 404
    assert own.status_code == 200
    assert value(own.text, "edm_http_requests_total", route="/health", method="GET", status="200")
    # Stopped with the app: nothing listens there any more.
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
