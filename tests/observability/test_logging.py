"""Logs: one JSON line per record in production format, one access line per request with
its id, operation, viewer, status and duration, one traceback per server fault."""

import asyncio
import io
import json
import logging
import secrets
import warnings
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
import structlog
from sqlalchemy.engine import make_url
from starlette.requests import Request
from starlette.routing import Route

from db import migrate
from graph.observability import logging as observability_logging
from graph.settings import LogFormat, Settings
from tests.conftest import RunningServer, bearer, serve, token


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Every log record of the process, as the production (JSON) format writes it."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    observability_logging.configure(Settings(log_format=LogFormat.JSON), stream=stream)
    yield stream
    structlog.reset_defaults()
    logging.captureWarnings(False)
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def for_request(stream: io.StringIO, request_id: str) -> list[dict[str, Any]]:
    return [r for r in records(stream) if r.get("request_id") == request_id]


async def _admin(url: str, sql: str) -> None:
    admin = make_url(url)
    conn = await asyncpg.connect(
        user=admin.username,
        password=admin.password,
        host=admin.host or admin.query.get("host"),
        port=admin.port,
        database=admin.database,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def broken_database(server_url: str) -> Iterator[str]:
    """A migrated database whose programmes table has gone: reading it is a server fault."""
    name = f"edm_broken_{secrets.token_hex(4)}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    asyncio.run(_admin(url, "ALTER TABLE programmes RENAME TO programmes_gone"))
    yield url
    asyncio.run(_admin(server_url, f'DROP DATABASE "{name}" WITH (FORCE)'))


def test_each_request_is_one_access_line_with_its_facts(
    log_lines: io.StringIO, database_url: str
) -> None:
    with serve(Settings(database_url=database_url, rate_limit_per_minute=0)) as running:
        response = httpx.post(
            f"{running.base_url}/graphql",
            json={"query": "query Dashboard { viewer { subject } }"},
            headers=bearer(token(subject="ops@edm")),
        )
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    lines = for_request(log_lines, request_id)
    access = [r for r in lines if r["logger"] == "edm_graph.access"]
    assert len(access) == 1, lines
    line = access[0]
    assert line["event"] == "request"
    assert line["level"] == "info"
    assert line["timestamp"].endswith("Z")
    assert line["operation"] == "Dashboard"
    assert line["operation_type"] == "query"
    assert line["viewer"] == "ops@edm"
    assert line["status"] == 200
    assert line["method"] == "POST"
    assert line["path"] == "/graphql"
    assert 0 < line["duration_ms"] < 10_000
    # Uvicorn's own access log would say the same without the request id: it is off.
    assert not [r for r in records(log_lines) if r["logger"] == "uvicorn.access"]


def test_a_refused_request_is_logged_with_its_status_and_code(
    log_lines: io.StringIO, database_url: str
) -> None:
    settings = Settings(database_url=database_url, rate_limit_per_minute=0)
    with serve(settings) as running:
        response = httpx.post(
            f"{running.base_url}/graphql",
            json={"query": "{ nope }"},
            headers={
                **bearer(token()),
                "accept": "application/graphql-response+json",
            },
        )
    assert response.status_code == 400
    (line,) = [
        r
        for r in for_request(log_lines, response.headers["x-request-id"])
        if r["logger"] == "edm_graph.access"
    ]
    assert line["status"] == 400
    assert line["errors"] == ["GRAPHQL_VALIDATION_FAILED"]


def test_a_resolver_fault_is_one_line_with_one_traceback(
    log_lines: io.StringIO, broken_database: str
) -> None:
    with serve(Settings(database_url=broken_database, rate_limit_per_minute=0)) as running:
        response = httpx.post(
            f"{running.base_url}/graphql",
            json={"query": "query Programmes { programmes { totalCount } }"},
            headers=bearer(token()),
        )
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    request_id = response.headers["x-request-id"]
    lines = for_request(log_lines, request_id)
    faults = [r for r in lines if "exception" in r]
    assert len(faults) == 1, [r.get("logger") for r in faults]
    assert faults[0]["level"] == "error"
    assert "programmes" in faults[0]["exception"]  # the cause, for whoever reads the log
    # Strawberry's own error log would repeat the traceback: it is off.
    assert not [r for r in records(log_lines) if r["logger"].startswith("strawberry")]
    (access,) = [r for r in lines if r["logger"] == "edm_graph.access"]
    assert access["errors"] == ["INTERNAL_ERROR"]


def test_an_http_fault_is_one_traceback_and_a_500_line(
    log_lines: io.StringIO, database_url: str
) -> None:
    async def boom(request: Request) -> None:
        raise RuntimeError("a bug in a route")

    with serve(Settings(database_url=database_url, rate_limit_per_minute=0)) as running:
        running.app.router.routes.append(Route("/boom", boom))
        response = httpx.get(f"{running.base_url}/boom")
    assert response.status_code == 500
    lines = for_request(log_lines, response.headers["x-request-id"])
    faults = [r for r in lines if "exception" in r]
    assert len(faults) == 1
    assert "a bug in a route" in faults[0]["exception"]
    (access,) = [r for r in lines if r["logger"] == "edm_graph.access"]
    assert access["status"] == 500
    assert access["level"] == "error"


def test_development_logs_are_readable_lines(database_url: str) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = list(root.handlers)
    observability_logging.configure(Settings(), stream=stream)
    try:
        logging.getLogger("uvicorn.error").warning("a uvicorn message")
    finally:
        structlog.reset_defaults()
        root.handlers[:] = saved
    line = stream.getvalue().strip()
    assert "a uvicorn message" in line
    assert "[warning" in line
    assert not line.startswith("{")


def test_every_line_is_json_an_operator_can_parse(
    log_lines: io.StringIO, api: RunningServer
) -> None:
    logging.getLogger("sqlalchemy.pool").warning("a warning\nover two lines")
    (line,) = [r for r in records(log_lines) if r["logger"] == "sqlalchemy.pool"]
    assert line["event"] == "a warning\nover two lines"
    assert all(text.startswith("{") for text in log_lines.getvalue().splitlines())


def test_python_warnings_are_log_records_too(log_lines: io.StringIO) -> None:
    # SQLAlchemy's SAWarning goes through `warnings`, not `logging`. (pytest swaps the
    # warnings hook between test phases, so the formatter is set up again here.)
    observability_logging.configure(Settings(log_format=LogFormat.JSON), stream=log_lines)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("an SAWarning-like warning", RuntimeWarning, stacklevel=1)
    (warned,) = [r for r in records(log_lines) if r["logger"] == "py.warnings"]
    assert "an SAWarning-like warning" in warned["event"]
    assert warned["level"] == "warning"
