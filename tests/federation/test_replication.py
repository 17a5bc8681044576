"""FANSOTO's own database, consolidated at head office by PostgreSQL logical replication.

Two clusters of the tests' own (tests/federation/cluster.py): the programme's, with
wal_level = logical and password authentication, and head office's. The same edm-graph runs
on both, each served over HTTP: repayments recorded through the programme's API show in head
office's indicators, head office keeps answering through the programme's outage, and catches
up after it with the same ledger, row for row.
"""

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from click.testing import CliRunner
from strawberry.relay import to_base64

from db import migrate
from db.engine import Database, create_engine
from db.indicators import refresh
from domain.enums import Role
from graph.cli import main
from graph.settings import Settings
from tests.conftest import RunningServer, bearer, serve, token
from tests.factories import groups as g
from tests.factories import loans as f
from tests.factories import missions as m
from tests.factories import network as n

from .cluster import Cluster

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "fansoto-replication-secret"
CODE = "FANSOTO"
TODAY = date.today()

INDICATORS = """
query ($programmes: [String!]) {
  indicators(programmes: $programmes) {
    programmes {
      programme { code dataAsOf }
      grossLoanPortfolio { local { amount } }
      activeLoans activeBorrowers par30
      amountDue { local { amount } } amountReceivedOnTime { local { amount } }
      savingsBalance { local { amount } } activeDepositors
      activeMembers womenMembers groups
    }
  }
}
"""
PROGRAMMES = "{ programmes(first: 10) { nodes { code dataAsOf } } }"
MEMBER = "query ($id: ID!) { node(id: $id) { ... on Member { firstName phone gender } } }"
REPAYMENT_RECORD = """
mutation ($input: RepaymentRecordInput!) {
  repaymentRecord(input: $input) {
    repayment { id } userErrors { field message code }
  }
}
"""
MISSION_PLAN = """
mutation ($input: MissionPlanInput!) {
  missionPlan(input: $input) { mission { title } userErrors { message code } }
}
"""
LEDGER = """
SELECT id, programme_id, loan_id, kind, paid_on, amount, principal_part, interest_part,
       collected_by_id, reverses_id, note, recorded_at
  FROM repayments ORDER BY id
"""
LOAN_STATE = """
SELECT l.id, l.status, l.principal_paid, l.interest_paid, l.outstanding_principal,
       l.oldest_unpaid_due_on,
       array_agg((i.number, i.principal_paid, i.interest_paid, i.paid_on) ORDER BY i.number)
  FROM loans l JOIN installments i ON i.loan_id = l.id GROUP BY l.id ORDER BY l.id
"""


def gid(type_name: str, key: Any) -> str:
    return to_base64(type_name, str(key))


async def execute(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


async def fetch(url: str, sql: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return [tuple(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


@dataclass
class Sites:
    programme: Cluster
    head_office: Cluster
    programme_url: str
    head_office_url: str
    fansoto: dict[str, Any]
    expert_id: Any


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[Cluster, Cluster]]:
    """FANSOTO's cluster (wal_level = logical, passwords over TCP) and head office's, which
    retries a lost programme every half second instead of every 5 s."""
    programme = Cluster("fansoto", {"wal_level": "logical"}, password=PASSWORD)
    head_office = Cluster("head-office", {"wal_retrieve_retry_interval": "500ms"})
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda c: (c.init(), c.start()), (programme, head_office)))
        yield programme, head_office
    finally:
        programme.remove()
        head_office.remove()


@pytest.fixture(scope="module")
async def sites(clusters: tuple[Cluster, Cluster]) -> Sites:
    """Both databases migrated; FANSOTO's with a facilitator, a group, a borrower and her
    active loan (names and phones included); head office's with the network and a local
    programme of its own."""
    programme, head_office = clusters
    await execute(programme.url("postgres"), "CREATE DATABASE fansoto")
    await execute(head_office.url("postgres"), "CREATE DATABASE head_office")
    programme_url, head_office_url = programme.url("fansoto"), head_office.url("head_office")
    for url in (programme_url, head_office_url):
        await migrate.upgrade_async(url)
    local = Database(create_engine(programme_url, pool_size=1))
    try:
        async with local.transaction() as s:
            fansoto = await n.programme(s, code=CODE, name="FANSOTO")
            staff = await g.facilitator(s, fansoto["id"])
            group = await g.group(s, fansoto["id"], staff["id"], formed_on=TODAY - timedelta(400))
            member = await g.member(s, fansoto["id"], group["id"], joined_on=TODAY - timedelta(390))
            product = await f.product(s, fansoto)
            loan = await f.loan(
                s,
                product,
                member,
                group["id"],
                disbursed_on=TODAY - timedelta(days=120),
                payments=[f.Payment(TODAY - timedelta(days=90), Decimal(30_000))],
            )
        # The programme's own snapshots, as its daily refresh keeps them.
        await refresh(local, today=TODAY)
    finally:
        await local.dispose()
    head = Database(create_engine(head_office_url, pool_size=1))
    try:
        async with head.transaction() as s:
            await n.programme(s, code="YIKRI", name="YIKRI", country_code="BF")
            expert = await m.expert(s)
    finally:
        await head.dispose()
    fansoto |= {"staff": staff, "member": member, "loan": loan}
    return Sites(programme, head_office, programme_url, head_office_url, fansoto, expert["id"])


def settings(url: str) -> Settings:
    return Settings(database_url=url, rate_limit_per_minute=0, heartbeat_seconds=0.5)


@pytest.fixture(scope="module")
def head_office_api(sites: Sites) -> Iterator[RunningServer]:
    with serve(settings(sites.head_office_url)) as running:
        yield running


def cli(*args: str, database_url: str) -> tuple[int, str]:
    """`edm-graph ARGS` in this process, as DATABASE_URL's side; its exit code and output."""
    result = CliRunner().invoke(main, list(args), env={"DATABASE_URL": database_url})
    return result.exit_code, result.output.strip()


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **who: Any
) -> dict[str, Any]:
    role = who.pop("role", Role.HEAD_OFFICE)
    headers = bearer(token(role, who.pop("programmes", None), who.pop("subject", "dev@edm")))
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


async def repay(client: httpx.AsyncClient, sites: Sites, amount: int, key: str) -> dict[str, Any]:
    fansoto = sites.fansoto
    data = await graphql(
        client,
        REPAYMENT_RECORD,
        {
            "input": {
                "loan": gid("Loan", fansoto["loan"]["id"]),
                "amount": {"amount": str(amount), "currency": "XOF"},
                "paidOn": str(TODAY),
                "collectedBy": gid("Facilitator", fansoto["staff"]["id"]),
                "idempotencyKey": key,
            }
        },
        role=Role.PROGRAMME_STAFF,
        programmes=CODE,
        subject="awa@fansoto",
    )
    payload: dict[str, Any] = data["repaymentRecord"]
    return payload


async def until(condition: Any, within: float = 20.0) -> float:
    """Seconds until `condition()` (async) holds; fails after `within` seconds."""
    started = time.monotonic()
    while not await condition():
        assert time.monotonic() - started < within, "head office did not catch up"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def same_ledgers(sites: Sites) -> bool:
    ours, theirs = await asyncio.gather(
        fetch(sites.head_office_url, LEDGER), fetch(sites.programme_url, LEDGER)
    )
    return ours == theirs


async def fansoto_at(client: httpx.AsyncClient) -> dict[str, Any]:
    data = await graphql(client, INDICATORS, {"programmes": [CODE]})
    (row,) = data["indicators"]["programmes"]
    result: dict[str, Any] = row
    return result


# The commands' errors: one line each, before anything changes ----------------------------------


def test_publishing_needs_logical_wal_a_known_programme_and_a_reachable_database(
    sites: Sites, database_url: str
) -> None:
    # The shared server runs with wal_level = replica: publish refuses, and says what to set.
    code, out = cli("federation", "publish", "--programme", CODE, database_url=database_url)
    assert code == 1
    assert out == (
        "Error: the programme's database has wal_level = replica: set wal_level = logical"
        " (postgresql.conf or ALTER SYSTEM) and restart PostgreSQL"
    )
    code, out = cli(
        "federation", "publish", "--programme", "NOPE", database_url=sites.programme_url
    )
    assert (code, out) == (1, "Error: this database has no programme NOPE")
    # A database holding another programme's operations too is not a programme's own.
    other = "(SELECT id FROM programmes WHERE code = 'YIKRI')"
    asyncio.run(
        execute(
            sites.programme_url,
            "INSERT INTO programmes (id, network_id, code, name, country_code, region,"
            " base_city, currency_code, phase, started_on, initial_training_sessions,"
            " description) SELECT gen_random_uuid(), network_id, 'YIKRI', 'YIKRI', 'SN',"
            " 'Kadiogo', 'Ouagadougou', 'XOF', phase, started_on, 6, '' FROM programmes",
            "INSERT INTO facilitators (id, programme_id, first_name, last_name, hired_on, active)"
            f" VALUES (gen_random_uuid(), {other}, 'Issa', 'Ouedraogo', '2015-01-01', true)",
        )
    )
    code, out = cli("federation", "publish", "--programme", CODE, database_url=sites.programme_url)
    assert (code, out) == (
        1,
        "Error: this database holds other programmes' operations too (facilitators):"
        " publish from FANSOTO's own database",
    )
    asyncio.run(
        execute(
            sites.programme_url,
            f"DELETE FROM facilitators WHERE programme_id = {other}",
            "DELETE FROM programmes WHERE code = 'YIKRI'",
        )
    )
    closed = sites.programme.url("fansoto").replace(str(sites.programme.port), "1")
    code, out = cli("federation", "publish", "--programme", CODE, database_url=closed)
    assert code == 1
    assert out.startswith("Error: cannot reach the programme's database at 127.0.0.1:1:")


def test_subscribing_names_what_is_wrong_with_the_programme_side(sites: Sites) -> None:
    p = sites.programme

    def subscribe(source: str, programme: str = CODE) -> tuple[int, str]:
        args = ("federation", "subscribe", "--programme", programme, "--from", source)
        return cli(*args, database_url=sites.head_office_url)

    wrong = p.url("fansoto", password="not-the-password")
    assert subscribe(wrong) == (
        1,
        f"Error: wrong password for user 'postgres' on the programme's database at"
        f" 127.0.0.1:{p.port}",
    )
    code, out = subscribe(p.url("fansoto").replace(f":{p.port}/", ":1/"))
    assert code == 1
    assert out.startswith("Error: cannot reach the programme's database at 127.0.0.1:1:")
    assert subscribe(p.url("fansoto"), "YIKRI") == (
        1,
        f"Error: the programme's database at 127.0.0.1:{p.port}/fansoto has no programme YIKRI",
    )
    # Not published yet: head office says where to run what.
    assert subscribe(p.url("fansoto")) == (
        1,
        f"Error: the programme's database at 127.0.0.1:{p.port}/fansoto does not publish"
        f" FANSOTO: run `edm-graph federation publish --programme FANSOTO` there first",
    )


# The whole story ---------------------------------------------------------------------------------


async def test_fansoto_consolidated_at_head_office_through_an_outage(
    sites: Sites, head_office_api: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    p, programme_url = sites.programme, sites.programme_url
    # Given: FANSOTO published from its own database by the installed command, twice.
    env = {**os.environ, "DATABASE_URL": programme_url}
    command = [str(ROOT / ".venv/bin/edm-graph"), "federation", "publish", "--programme", CODE]
    first = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=60
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Published FANSOTO as edm_fansoto")
    published = await fetch(programme_url, "SELECT * FROM pg_publication_tables ORDER BY 2, 3")
    code, out = await asyncio.to_thread(
        cli, "federation", "publish", "--programme", CODE, database_url=programme_url
    )
    assert (code, out) == (0, "FANSOTO is already published as edm_fansoto: nothing changed.")
    assert await fetch(programme_url, "SELECT * FROM pg_publication_tables ORDER BY 2, 3") == (
        published
    )
    # Members' names, phones, birth years and poverty scores are not in the publication.
    (members,) = [r for r in published if r[2] == "members"]
    assert not {"first_name", "last_name", "phone", "birth_year", "poverty_likelihood"} & set(
        members[3]
    )

    # When: head office subscribes (twice) while the programme's API records a repayment.
    source = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{p.port}/fansoto"
    subscribe = ("federation", "subscribe", "--programme", CODE, "--from", source)
    code, out = await asyncio.to_thread(cli, *subscribe, database_url=sites.head_office_url)
    assert (code, out) == (
        0,
        f"Subscribed to FANSOTO from 127.0.0.1:{p.port}/fansoto (edm_fansoto);"
        " the first copy is under way.",
    )
    code, out = await asyncio.to_thread(cli, *subscribe, database_url=sites.head_office_url)
    assert (code, out) == (0, "Head office is already subscribed to FANSOTO: nothing changed.")
    assert await fetch(sites.head_office_url, "SELECT count(*) FROM pg_subscription") == [(1,)]

    head = httpx.AsyncClient(base_url=head_office_api.base_url, timeout=30)
    with serve(settings(programme_url)) as programme_api:
        local = httpx.AsyncClient(base_url=programme_api.base_url, timeout=30)
        first_repayment = await repay(local, sites, 5_000, "r1")
        assert first_repayment["userErrors"] == []
        await until(lambda: same_ledgers(sites))
        # Then: head office's indicators are the programme's own, figure for figure.
        theirs = await fansoto_at(local)
        ours = await until_equal(head, theirs)
        assert ours["activeLoans"] == 1
        await local.aclose()

    # Head office reads FANSOTO's members pseudonymously: the names stayed in Senegal.
    member = gid("Member", sites.fansoto["member"]["id"])
    rows = await fetch(
        sites.head_office_url,
        "SELECT first_name, last_name, phone, birth_year, poverty_likelihood, gender FROM members",
    )
    assert rows == [(None, None, None, None, None, "FEMALE")]
    staff_view = await graphql(
        head, MEMBER, {"id": member}, role=Role.PROGRAMME_STAFF, programmes=CODE
    )
    assert staff_view["node"] == {"firstName": None, "phone": None, "gender": "FEMALE"}
    assert await fetch(sites.head_office_url, "SELECT phone FROM facilitators") == [(None,)]

    # dataAsOf: FANSOTO's last heartbeat; YIKRI's data is written here.
    listed = await graphql(head, PROGRAMMES)
    as_of = {row["code"]: row["dataAsOf"] for row in listed["programmes"]["nodes"]}
    assert as_of["YIKRI"] is None
    assert datetime.fromisoformat(as_of[CODE]) > datetime.now().astimezone() - timedelta(seconds=30)

    # A repayment sent to head office is refused, naming where to write it; head office's
    # own writes (a mission for FANSOTO) still happen here.
    refused = await repay(head, sites, 1_000, "wrong-side")
    assert refused["repayment"] is None
    assert refused["userErrors"] == [
        {
            "field": None,
            "code": "NOT_ALLOWED",
            "message": f"FANSOTO's field operations are recorded in FANSOTO's own database"
            f" (127.0.0.1:{p.port}/fansoto) and replicated to head office: record them"
            " through FANSOTO's own edm-graph.",
        }
    ]
    planned = await graphql(
        head,
        MISSION_PLAN,
        {
            "input": {
                "programme": gid("Programme", sites.fansoto["id"]),
                "title": "MIS review",
                "mode": "REMOTE",
                "plannedStartOn": str(TODAY + timedelta(days=10)),
                "plannedEndOn": str(TODAY + timedelta(days=12)),
                "domains": ["OPERATIONS_MANAGEMENT"],
                "experts": [gid("Expert", sites.expert_id)],
            }
        },
    )
    assert planned["missionPlan"] == {"mission": {"title": "MIS review"}, "userErrors": []}

    # When: FANSOTO's database goes down.
    before_outage = await fansoto_at(head)
    p.stop()
    await asyncio.sleep(1.5)
    # Then: head office still answers, with the figures and the dataAsOf it had.
    during = await fansoto_at(head)
    assert during == before_outage
    assert during["programme"]["dataAsOf"] is not None

    # When: it comes back and records three more repayments.
    restarted = time.monotonic()
    p.start()
    with serve(settings(programme_url)) as programme_api:
        local = httpx.AsyncClient(base_url=programme_api.base_url, timeout=30)
        for i, amount in enumerate((2_000, 3_000, 4_000)):
            assert (await repay(local, sites, amount, f"after-{i}"))["userErrors"] == []
        # Then: head office catches up with nothing lost or doubled, row for row.
        catch_up = await until(lambda: same_ledgers(sites))
        since_restart = time.monotonic() - restarted
        assert len(await fetch(sites.head_office_url, LEDGER)) == 5  # the factory's + 4
        assert await fetch(sites.head_office_url, LOAN_STATE) == await fetch(
            programme_url, LOAN_STATE
        )
        theirs = await fansoto_at(local)
        ours = await until_equal(head, theirs)
        later = datetime.fromisoformat(ours["programme"]["dataAsOf"])
        assert later > datetime.fromisoformat(during["programme"]["dataAsOf"])

        # When: the link is cut (head office's subscription off) while FANSOTO records 20 more.
        head_url = sites.head_office_url
        await execute(head_url, "ALTER SUBSCRIPTION edm_fansoto DISABLE")
        await until(lambda: apply_worker_gone(head_url))
        for i in range(20):
            assert (await repay(local, sites, 500, f"cut-{i}"))["userErrors"] == []
        await asyncio.sleep(0.5)
        assert len(await fetch(head_url, LEDGER)) == 5
        # Then: the slot kept it all; once the link is back head office has it, once each.
        reconnected = time.monotonic()
        await execute(head_url, "ALTER SUBSCRIPTION edm_fansoto ENABLE")
        backlog = await until(lambda: same_ledgers(sites))
        assert len(await fetch(head_url, LEDGER)) == 25
        await until_equal(head, await fansoto_at(local))
        await local.aclose()
    await head.aclose()
    with capsys.disabled():
        print(  # noqa: T201 - the measures the issue asks for, in the test's output
            f"\n  catch-up after the outage: head office's ledger matched the programme's"
            f" {catch_up:.2f} s after its last write, {since_restart:.2f} s after its restart;"
            f" a 20-repayment backlog: {backlog:.2f} s after the link came back"
            f" ({time.monotonic() - reconnected:.2f} s with the indicators)"
        )


async def apply_worker_gone(url: str) -> bool:
    rows = await fetch(url, "SELECT pid FROM pg_stat_subscription WHERE pid IS NOT NULL")
    return not rows


async def until_equal(head: httpx.AsyncClient, theirs: dict[str, Any]) -> dict[str, Any]:
    """Head office's FANSOTO row once its figures equal `theirs` (dataAsOf aside)."""

    def figures(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k != "programme"}

    found: dict[str, Any] = {}

    async def equal() -> bool:
        found.update(await fansoto_at(head))
        return figures(found) == figures(theirs)

    await until(equal)
    return found
