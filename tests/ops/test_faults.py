"""Database faults as clients and operators see them: a committed write is never reported as
failed, an unavailable database is a 503 with Retry-After for every role, a restart is
absorbed by the first request, a frozen database answers within the timeouts, and a statement
over its time limit says so. Each runs on the tests' own PostgreSQL cluster."""

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from strawberry.relay import to_base64

from db.engine import Database, create_engine
from db.models import AutonomyMilestone
from domain.enums import Role
from tests.conftest import RunningServer, bearer, token
from tests.factories import network

from .cluster import Cluster

MILESTONE_SET = """
mutation ($input: MilestoneSetInput!) {
  milestoneSet(input: $input) {
    milestone { title targetOn }
    programme { code }
    userErrors { code }
    replayed
  }
}
"""
PROGRAMMES = "{ programmes(first: 5) { totalCount nodes { code } } }"


def url_of(api: RunningServer) -> str:
    url: str = api.app.state.settings.database_url
    return url


async def a_programme(api: RunningServer) -> dict[str, Any]:
    db = Database(create_engine(url_of(api), pool_size=1))
    try:
        async with db.transaction() as session:
            return await network.programme(session)
    finally:
        await db.dispose()


async def milestones(api: RunningServer, programme_id: uuid.UUID) -> int:
    db = Database(create_engine(url_of(api), pool_size=1))
    try:
        async with db.read() as session:
            stmt = select(func.count()).where(AutonomyMilestone.programme_id == programme_id)
            return int(await session.scalar(stmt) or 0)
    finally:
        await db.dispose()


def milestone_input(programme: dict[str, Any], title: str) -> dict[str, Any]:
    return {
        "programme": to_base64("Programme", programme["id"]),
        "title": title,
        "targetOn": "2027-06-30",
    }


async def post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **who: Any
) -> httpx.Response:
    headers = bearer(token(**who)) if who else {}
    return await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


@pytest.fixture
async def client(faulty_api: RunningServer) -> Any:
    async with httpx.AsyncClient(base_url=faulty_api.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def kill_after_next_commit(faulty_api: RunningServer, cluster: Cluster) -> Iterator[list[int]]:
    """A hook, armed by appending to the list it yields: once the next write has committed and its connection is back in the pool,
    every connection to the API's database is terminated (pg_terminate_backend), before the
    payload is read: the pool is full of connections that look fine and are dead, as after a
    database restart. The list then holds the number killed."""
    database = make_url(url_of(faulty_api)).database
    pool = faulty_api.app.state.db.engine.sync_engine.pool
    committed: list[bool] = []
    armed: list[int] = []

    def after_commit(session: Session) -> None:
        if armed:
            committed.append(True)

    def on_checkin(dbapi_connection: Any, record: Any) -> None:
        if not committed or len(armed) > 1:
            return
        sql = (
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        )

        async def terminate() -> None:
            conn = await asyncpg.connect(
                host="127.0.0.1", port=cluster.port, user="postgres", database="postgres"
            )
            try:
                armed.append(int(await conn.fetchval(sql)))
                # Until the server has dropped them (bounded: 5 s), they would still answer.
                left = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'"
                for _ in range(500):
                    if not await conn.fetchval(left):
                        break
                    await asyncio.sleep(0.01)
            finally:
                await conn.close()

        # From another thread: this hook runs inside the server's event loop.
        worker = threading.Thread(target=lambda: asyncio.run(terminate()))
        worker.start()
        worker.join()

    event.listen(Session, "after_commit", after_commit)
    event.listen(pool, "checkin", on_checkin)
    try:
        yield armed
    finally:
        event.remove(Session, "after_commit", after_commit)
        event.remove(pool, "checkin", on_checkin)


async def test_a_committed_write_whose_connections_die_before_the_payload_is_reported_done(
    faulty_api: RunningServer, client: httpx.AsyncClient, kill_after_next_commit: list[int]
) -> None:
    programme = await a_programme(faulty_api)
    # Warm the pool, so the payload would be read on a connection that is now dead.
    for _ in range(3):
        assert (await post(client, PROGRAMMES, role=Role.HEAD_OFFICE)).status_code == 200
    kill_after_next_commit.append(0)  # armed

    response = await post(
        client,
        MILESTONE_SET,
        {"input": milestone_input(programme, "Legal registration")},
        role=Role.HEAD_OFFICE,
    )

    assert len(kill_after_next_commit) == 2  # the hook ran: the pool's connections are dead
    assert kill_after_next_commit[1] >= 1
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    payload = body["data"]["milestoneSet"]
    assert payload["milestone"] == {"title": "Legal registration", "targetOn": "2027-06-30"}
    assert payload["programme"] == {"code": programme["code"]}
    assert payload["userErrors"] == []
    assert payload["replayed"] is False
    assert await milestones(faulty_api, programme["id"]) == 1


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "3"
    body = response.json()
    assert "data" not in body or body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert "unavailable" in error["message"]
    assert "Traceback" not in response.text


async def test_a_stopped_database_is_a_503_for_every_role_and_a_restart_is_absorbed(
    faulty_api: RunningServer, client: httpx.AsyncClient, cluster: Cluster
) -> None:
    programme = await a_programme(faulty_api)
    code = programme["code"]
    staff = {"role": Role.PROGRAMME_STAFF, "programmes": code, "subject": "awa@fansoto"}
    for _ in range(3):  # a warm pool, which the stop leaves full of dead connections
        assert (await post(client, PROGRAMMES, **staff)).status_code == 200

    cluster.stop()
    stopped = time.monotonic()
    # Head office (no identity lookup), programme staff (looked up in the middleware),
    # anonymous development viewers and writes: the same answer.
    assert_unavailable(await post(client, PROGRAMMES, role=Role.HEAD_OFFICE))
    assert_unavailable(await post(client, PROGRAMMES, **staff))
    assert_unavailable(await post(client, PROGRAMMES))
    write = {"input": milestone_input(programme, "During the outage")}
    assert_unavailable(await post(client, MILESTONE_SET, write, role=Role.HEAD_OFFICE))
    ready = await client.get("/ready")
    assert ready.status_code == 503
    assert ready.headers["retry-after"] == "3"
    answered_in = time.monotonic() - stopped

    cluster.start()
    restarted = time.monotonic()
    first_ready = await client.get("/ready")
    first_write = await post(
        client,
        MILESTONE_SET,
        {"input": milestone_input(programme, "After the restart")},
        role=Role.HEAD_OFFICE,
    )
    to_first_write = time.monotonic() - restarted
    first_read = await post(client, PROGRAMMES, **staff)

    assert first_ready.status_code == 200, first_ready.text
    assert first_write.status_code == 200, first_write.text
    assert "errors" not in first_write.json(), first_write.text
    assert first_write.json()["data"]["milestoneSet"]["milestone"]["title"] == "After the restart"
    assert first_read.status_code == 200
    assert "errors" not in first_read.json()
    assert await milestones(faulty_api, programme["id"]) == 1  # the refused write left nothing
    print(  # noqa: T201 (the timings the README quotes; run with -s)
        f"\n[timing] outage answers (4 requests + /ready): {answered_in:.2f} s; "
        f"restart to first successful write: {to_first_write:.3f} s"
    )


async def test_a_frozen_database_answers_within_the_timeouts(
    faulty_api: RunningServer, client: httpx.AsyncClient, cluster: Cluster
) -> None:
    for _ in range(3):
        assert (await post(client, PROGRAMMES)).status_code == 200

    cluster.freeze()
    try:
        started = time.monotonic()
        ready = await client.get("/ready")
        ready_in = time.monotonic() - started
        started = time.monotonic()
        read = await post(client, PROGRAMMES, role=Role.HEAD_OFFICE)
        read_in = time.monotonic() - started
    finally:
        cluster.thaw()

    assert ready.status_code == 503
    assert ready_in < 3, ready_in  # connect timeout (1 s) + 1
    assert_unavailable(read)
    assert read_in < 8, read_in  # a 2 s ping, then a 1 s connect, not a 20 s hang
    after = await post(client, PROGRAMMES)
    assert after.status_code == 200, after.text
    assert "errors" not in after.json(), after.text
    print(f"\n[timing] frozen database: /ready {ready_in:.2f} s, a read {read_in:.2f} s")  # noqa: T201


async def test_a_statement_over_its_time_limit_is_a_clear_error(
    faulty_api: RunningServer, client: httpx.AsyncClient, cluster: Cluster
) -> None:
    database = make_url(url_of(faulty_api)).database
    await a_programme(faulty_api)
    blocker = await asyncpg.connect(
        host="127.0.0.1", port=cluster.port, user="postgres", database=database
    )
    try:
        # A statement that cannot finish: it waits for a lock held elsewhere.
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE programmes IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        response = await post(client, PROGRAMMES, role=Role.HEAD_OFFICE)
        took = time.monotonic() - started
        await transaction.rollback()
    finally:
        await blocker.close()

    assert response.status_code == 200
    codes = {e["extensions"]["code"] for e in response.json()["errors"]}
    assert codes == {"STATEMENT_TIMEOUT"}
    assert "statement_timeout" in response.json()["errors"][0]["message"]
    assert 1.5 < took < 6, took  # the 2 s limit, not forever
