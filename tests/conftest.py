"""The test harness: a fresh PostgreSQL database, the API served over real HTTP, factories.

The server is TEST_DATABASE_URL's (any database on it: we create our own) or, unset, an
embedded PostgreSQL in .pgdata-test/.
"""

import os

os.environ.setdefault("EDM_MODE", "development")
os.environ.pop("DATABASE_URL", None)
# Every server the tests start verifies HS256 tokens signed with this secret.
os.environ["EDM_JWT_SECRET"] = "edm-graph-tests-only-secret-0123456789abcdef"

import asyncio
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from sqlalchemy import event
from sqlalchemy.engine import make_url

from db import migrate
from db.engine import Database, create_engine
from domain.enums import Role
from graph.app import create_app
from graph.auth import mint
from graph.planner import CHECKING
from graph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = os.environ["EDM_JWT_SECRET"]


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """asyncpg URL of a PostgreSQL server on which tests may create databases."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    from db.embedded import start

    embedded_url, server = start(ROOT / ".pgdata-test")
    yield embedded_url
    del server


async def admin_execute(server_url: str, sql: str) -> None:
    """Run one statement on the server's own database (CREATE / DROP DATABASE)."""
    admin = make_url(server_url)
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


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A new database, migrated to head, dropped after the session."""
    name = f"edm_test_{secrets.token_hex(4)}"
    admin = make_url(server_url)
    asyncio.run(admin_execute(server_url, f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    asyncio.run(admin_execute(server_url, f'DROP DATABASE "{name}" WITH (FORCE)'))


@dataclass
class StatementCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@dataclass
class RunningServer:
    base_url: str
    app: Any
    counters: list[StatementCounter] = field(default_factory=list)

    @contextmanager
    def count_statements(self) -> Iterator[StatementCounter]:
        """Count the SQL statements the API runs while the block executes."""
        counter = StatementCounter()
        self.counters.append(counter)
        try:
            yield counter
        finally:
            self.counters.remove(counter)


@contextmanager
def serve(settings: Settings) -> Iterator[RunningServer]:
    """The real app, served by uvicorn on a free loopback port, in a background thread."""
    app = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API did not start")
        time.sleep(0.02)
    running = RunningServer(base_url=f"http://127.0.0.1:{port}", app=app)

    def on_statement(*args: Any) -> None:
        if CHECKING.get():  # the planner's check re-running a query on the resolver path
            return
        for counter in running.counters:
            counter.statements.append(args[2])

    event.listen(app.state.db.engine.sync_engine, "before_cursor_execute", on_statement)
    try:
        yield running
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def api(database_url: str) -> Iterator[RunningServer]:
    """The suite's server: production limits, except the cost limit (the N+1 tests ask for
    big pages five levels deep on purpose) and the rate limits (one credential sends the
    whole suite, and tests of refused tokens fail authentication on purpose). tests/test_limits.py checks the production defaults."""
    settings = Settings(
        database_url=database_url,
        max_page_size=100,
        max_query_cost=100_000_000,
        rate_limit_per_minute=0,
        planner_check=True,
        auth_failures_per_minute=0,
    )
    with serve(settings) as running:
        yield running
    # Every query the suite sent that the planner answered gave what the resolvers give.
    assert running.app.state.planner_differences == []


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    """The tests' own connection to the database, for factories and direct checks."""
    database = Database(create_engine(database_url, pool_size=4))
    yield database
    await database.dispose()


@pytest.fixture
async def http(api: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as client:
        yield client


GraphQL = Callable[..., Awaitable[dict[str, Any]]]


def token(
    role: Role | str = Role.HEAD_OFFICE,
    programmes: str | list[str] | None = None,
    subject: str = "dev@edm",
    *,
    ttl_seconds: int = 600,
    **overrides: Any,
) -> str:
    """A token the test servers accept (`overrides`: issuer, audience, secret, now)."""
    codes = programmes.split(",") if isinstance(programmes, str) else programmes or []
    return mint(
        overrides.pop("secret", TEST_SECRET),
        role=Role(role),
        programmes=[code.strip() for code in codes if code.strip()],
        subject=subject,
        issuer=overrides.pop("issuer", "edm-graph"),
        audience=overrides.pop("audience", "edm-graph"),
        ttl_seconds=ttl_seconds,
        **overrides,
    )


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQL:
    """POST a GraphQL request with a signed token; return the JSON body (asserting HTTP 200)."""

    async def send(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        programmes: str | None = None,
        role: str | None = None,
        subject: str | None = None,
        anonymous: bool = False,
    ) -> dict[str, Any]:
        """The token's holder: no arguments, head office; `programmes` (codes, comma
        separated) alone, programme staff of those; `role` and `subject` say who else.
        `anonymous=True` sends no token at all."""
        headers = {}
        if not anonymous:
            default_role = Role.HEAD_OFFICE if programmes is None else Role.PROGRAMME_STAFF
            headers = bearer(token(role or default_role, programmes, subject or "dev@edm"))
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return send
