"""edm-graph next to PostGraphile 4 on the same database, the same data asked of each.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench_demo \\
        .venv/bin/python -m bench.side_by_side --out bench/RESULTS.md

Installs PostGraphile (`npm ci` in bench/postgraphile/, from its committed lock) unless it is
there, starts both servers on the seeded database (`edm-graph seed`), and for each shape first
checks that both return the same data (a canonical projection: natural fields, amounts as
decimals; ids differ in encoding), then times them in interleaved rounds at each concurrency.
For each server process tree it reads CPU time (/proc/<pid>/stat utime + stime, children
included) and resident memory, and the CPU of the database backends serving it. The dashboard
(GLP + PAR30 per programme, edm-graph's `indicators`) is compared with the raw SQL of the
statements it runs, replayed through asyncpg. Prints a markdown table; --out writes it too.
"""

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy.engine import make_url
from strawberry.relay import to_base64

from bench.run import Scenario, capture, free_port, in_process_app, raw_sql, server

ROOT = Path(__file__).resolve().parent.parent
POSTGRAPHILE = ROOT / "bench" / "postgraphile"
TICK = os.sysconf("SC_CLK_TCK")

# -- the shapes, as each server spells them ---------------------------------------------------
# Members' names are personal data, null for edm-graph's read-only demo viewer (PostGraphile
# has no such rule): the shapes ask for fields everyone may read.

EDM_LOOKUP = """
query Lookup($id: ID!) {
  node(id: $id) {
    ... on Loan {
      cycle status disbursedOn principal { amount } outstandingPrincipal { amount }
      member { gender activity joinedOn } group { name meetingPlace }
    }
  }
}
"""
PG_LOOKUP = """
query Lookup($id: UUID!) {
  loanById(id: $id) {
    cycle status disbursedOn principal outstandingPrincipal
    memberByMemberIdAndProgrammeId { gender activity joinedOn }
    groupByGroupIdAndProgrammeId { name meetingPlace }
  }
}
"""

EDM_NESTED = """
query Nested {
  groups(first: 50, filter: {statuses: [ACTIVE]}) {
    totalCount
    nodes {
      name meetingPlace status
      members(first: 10) {
        nodes {
          gender activity joinedOn
          loans(first: 5) {
            nodes {
              cycle status disbursedOn principal { amount currency { code } }
              outstandingPrincipal { amount } oldestUnpaidDueOn
            }
          }
        }
      }
    }
  }
}
"""
# A group's members are its open memberships' members, in member order.
PG_NESTED = """
query Nested {
  allGroups(first: 50, condition: {status: ACTIVE}, orderBy: ID_ASC) {
    totalCount
    nodes {
      name meetingPlace status
      groupMembershipsByGroupIdAndProgrammeId(
        first: 10, condition: {leftOn: null}, orderBy: MEMBER_ID_ASC
      ) {
        nodes {
          memberByMemberIdAndProgrammeId {
            gender activity joinedOn
            loansByMemberIdAndProgrammeId(first: 5, orderBy: ID_ASC) {
              nodes {
                cycle status disbursedOn principal currencyCode outstandingPrincipal
                oldestUnpaidDueOn
              }
            }
          }
        }
      }
    }
  }
}
"""

EDM_LIST = """
query List($code: String!) {
  loans(first: 100, filter: {programmes: [$code], statuses: [ACTIVE]}) {
    totalCount
    nodes {
      cycle disbursedOn principal { amount } outstandingPrincipal { amount } oldestUnpaidDueOn
      member { gender activity } group { name }
    }
  }
}
"""
PG_LIST = """
query List($programme: UUID!) {
  allLoans(first: 100, orderBy: ID_ASC, condition: {programmeId: $programme, status: ACTIVE}) {
    totalCount
    nodes {
      cycle disbursedOn principal outstandingPrincipal oldestUnpaidDueOn
      memberByMemberIdAndProgrammeId { gender activity }
      groupByGroupIdAndProgrammeId { name }
    }
  }
}
"""

EDM_DASHBOARD = """
query Dashboard {
  indicators {
    asOf
    programmes {
      programme { code } currency { code }
      grossLoanPortfolio { local { amount } } portfolioAtRisk30 { local { amount } }
    }
  }
}
"""


def amount(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def money(value: Any) -> Decimal | None:
    return None if value is None else amount(value["amount"])


# -- canonical projections: the same dict from either server's answer ------------------------


def edm_loan(loan: dict[str, Any]) -> dict[str, Any]:
    return {
        "cycle": loan["cycle"],
        "status": loan.get("status"),
        "disbursedOn": loan["disbursedOn"],
        "principal": money(loan["principal"]),
        "outstanding": money(loan["outstandingPrincipal"]),
        "oldestUnpaidDueOn": loan.get("oldestUnpaidDueOn"),
        "currency": loan["principal"].get("currency", {}).get("code"),
    }


def pg_loan(loan: dict[str, Any]) -> dict[str, Any]:
    return {
        "cycle": loan["cycle"],
        "status": loan.get("status"),
        "disbursedOn": loan["disbursedOn"],
        "principal": amount(loan["principal"]),
        "outstanding": amount(loan["outstandingPrincipal"]),
        "oldestUnpaidDueOn": loan.get("oldestUnpaidDueOn"),
        "currency": loan.get("currencyCode"),
    }


def canonical_lookup(server: str, data: dict[str, Any]) -> Any:
    if server == "edm":
        loan = data["node"]
        return {
            **edm_loan(loan),
            "member": loan["member"],
            "group": loan["group"],
        }
    loan = data["loanById"]
    return {
        **pg_loan(loan),
        "member": loan["memberByMemberIdAndProgrammeId"],
        "group": loan["groupByGroupIdAndProgrammeId"],
    }


def _nested(
    groups: dict[str, Any],
    members_of: Callable[[dict[str, Any]], Iterable[dict[str, Any]]],
    loans_of: Callable[[dict[str, Any]], Iterable[Any]],
) -> Any:
    """The natural fields of the nested list, whichever server's names reach them."""
    return {
        "totalCount": groups["totalCount"],
        "groups": [
            {
                "name": g["name"],
                "meetingPlace": g["meetingPlace"],
                "status": g["status"],
                "members": [
                    {
                        "gender": m["gender"],
                        "activity": m["activity"],
                        "joinedOn": m["joinedOn"],
                        "loans": list(loans_of(m)),
                    }
                    for m in members_of(g)
                ],
            }
            for g in groups["nodes"]
        ],
    }


def canonical_nested(server: str, data: dict[str, Any]) -> Any:
    if server == "edm":
        return _nested(
            data["groups"],
            lambda g: g["members"]["nodes"],
            lambda m: (edm_loan(x) for x in m["loans"]["nodes"]),
        )
    return _nested(
        data["allGroups"],
        lambda g: (
            ms["memberByMemberIdAndProgrammeId"]
            for ms in g["groupMembershipsByGroupIdAndProgrammeId"]["nodes"]
        ),
        lambda m: (pg_loan(x) for x in m["loansByMemberIdAndProgrammeId"]["nodes"]),
    )


def canonical_list(server: str, data: dict[str, Any]) -> Any:
    if server == "edm":
        loans = data["loans"]
        return {
            "totalCount": loans["totalCount"],
            "loans": [
                {**edm_loan(x), "member": x["member"], "group": x["group"]} for x in loans["nodes"]
            ],
        }
    loans = data["allLoans"]
    return {
        "totalCount": loans["totalCount"],
        "loans": [
            {
                **pg_loan(x),
                "member": x["memberByMemberIdAndProgrammeId"],
                "group": x["groupByGroupIdAndProgrammeId"],
            }
            for x in loans["nodes"]
        ],
    }


def count_objects(value: Any) -> int:
    """Objects in a JSON answer (every dict), to say how big a shape is."""
    if isinstance(value, dict):
        return 1 + sum(count_objects(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_objects(v) for v in value)
    return 0


@dataclass
class Shape:
    name: str
    title: str
    # (server -> (query, variables)) for the next request.
    request: dict[str, Callable[[], tuple[str, dict[str, Any]]]]
    canonical: Callable[[str, dict[str, Any]], Any]


# -- processes: CPU and memory from /proc ------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """The process and all its live descendants."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """utime + stime of each of these processes still alive, in seconds."""
    times = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        times[pid] = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime: fields 14, 15
    return times


def cpu_since(before: dict[int, float], pids: list[int]) -> float:
    """CPU these processes used since `before` (one started since counts from its start)."""
    return sum(t - before.get(pid, 0.0) for pid, t in cpu_by_pid(pids).items())


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


class Backends:
    """The database's server processes (its connections), to count the CPU each side asks of
    PostgreSQL (both servers keep pools, so the set is read each time)."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def pids(self) -> list[int]:
        conn = await connect(self.url)
        try:
            rows = await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
            return [r["pid"] for r in rows]
        finally:
            await conn.close()


def host_of(url: str) -> str:
    """The server's host, or its socket directory (`?host=` in the URL)."""
    u = make_url(url)
    query_host = u.query.get("host")
    return u.host or (query_host if isinstance(query_host, str) else "127.0.0.1")


async def connect(url: str) -> Any:
    u = make_url(url)
    return await asyncpg.connect(
        user=u.username, password=u.password, host=host_of(url), port=u.port, database=u.database
    )


# -- PostGraphile -----------------------------------------------------------------------------


def install_postgraphile() -> Path:
    """`npm ci` from the committed lock, once (again when the lock changes)."""
    binary = POSTGRAPHILE / "node_modules" / ".bin" / "postgraphile"
    marker = POSTGRAPHILE / "node_modules" / ".package-lock.json"
    lock = POSTGRAPHILE / "package-lock.json"
    if not binary.exists() or not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=POSTGRAPHILE,
            check=True,
        )
    return binary


@contextmanager
def postgraphile(url: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    u = make_url(url)
    connection = (
        f"postgres://{u.username or 'postgres'}"
        + (f":{u.password}" if u.password else "")
        # A socket directory is written percent-encoded in the host's place.
        + f"@{quote(host_of(url), safe='')}:{u.port or 5432}/{u.database}"
    )
    command = [
        str(install_postgraphile()),
        "--connection",
        connection,
        "--schema",
        "public",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--disable-query-log",
        "--disable-graphiql",
    ]
    proc = subprocess.Popen(
        command,
        cwd=POSTGRAPHILE,
        stdout=subprocess.DEVNULL,
        env=os.environ | {"NODE_ENV": "production"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/graphql", json={"query": "{ __typename }"}, timeout=2
                )
                if response.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("PostGraphile did not start")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# -- measuring ----------------------------------------------------------------------------------


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    cpu: float = 0.0  # server process tree, seconds
    db_cpu: float = 0.0  # database backends, seconds
    rss: float = 0.0  # MB, the highest seen
    errors: int = 0

    def add(self, other: "Sample") -> None:
        self.latencies += other.latencies
        self.elapsed += other.elapsed
        self.cpu += other.cpu
        self.db_cpu += other.db_cpu
        self.rss = max(self.rss, other.rss)
        self.errors += other.errors

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else float("nan")

    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    def per_request_ms(self, seconds: float) -> float:
        return 1000 * seconds / len(self.latencies) if self.latencies else float("nan")


async def ask(
    client: httpx.AsyncClient, url: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(url, json={"query": query, "variables": variables})
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:500]}")
    data: dict[str, Any] = body["data"]
    return data


async def timed(
    client: httpx.AsyncClient,
    url: str,
    next_request: Callable[[], tuple[str, dict[str, Any]]],
    concurrency: int,
    seconds: float,
    pids: list[int],
    backends: Backends,
) -> Sample:
    """Requests from `concurrency` clients for `seconds` (and at most 100,000 in all)."""
    sample = Sample()
    stop = time.perf_counter() + seconds
    budget = [100_000]

    async def worker() -> None:
        while time.perf_counter() < stop and budget[0] > 0:
            budget[0] -= 1
            query, variables = next_request()
            started = time.perf_counter()
            response = await client.post(url, json={"query": query, "variables": variables})
            sample.latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or "errors" in response.json():
                sample.errors += 1

    cpu_before, db_before = cpu_by_pid(pids), cpu_by_pid(await backends.pids())
    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    sample.elapsed = time.perf_counter() - began
    sample.cpu = cpu_since(cpu_before, pids)
    # A connection closed during the run is lost: both pools are warm by then.
    sample.db_cpu = cpu_since(db_before, await backends.pids())
    sample.rss = rss_mb(pids)
    return sample


# -- the run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    loans: list[tuple[str, str]]  # (edm-graph global id, uuid) of active loans
    programme_code: str
    programme_id: str
    today: date


async def inputs(url: str, seed: int) -> Inputs:
    conn = await connect(url)
    try:
        rows = await conn.fetch("SELECT id FROM loans WHERE status = 'ACTIVE' ORDER BY id")
        code, programme_id = await conn.fetchrow(
            "SELECT p.code, p.id FROM programmes p JOIN loans l ON l.programme_id = p.id"
            " WHERE l.status = 'ACTIVE' GROUP BY p.id ORDER BY count(*) DESC LIMIT 1"
        )
    finally:
        await conn.close()
    rng = random.Random(seed)
    sample = rng.sample(list(rows), min(1000, len(rows)))
    loans = [(to_base64("Loan", r["id"]), str(r["id"])) for r in sample]
    return Inputs(loans, code, str(programme_id), date.today())


def shapes(given: Inputs, seed: int) -> list[Shape]:
    rng = random.Random(seed)

    def loan() -> int:
        return rng.randrange(len(given.loans))

    def edm_lookup() -> tuple[str, dict[str, Any]]:
        return EDM_LOOKUP, {"id": given.loans[loan()][0]}

    def pg_lookup() -> tuple[str, dict[str, Any]]:
        return PG_LOOKUP, {"id": given.loans[loan()][1]}

    return [
        Shape(
            "lookup",
            "one loan by id with its member and her group",
            {"edm": edm_lookup, "pg": pg_lookup},
            canonical_lookup,
        ),
        Shape(
            "nested",
            "50 groups → members → loans",
            {"edm": lambda: (EDM_NESTED, {}), "pg": lambda: (PG_NESTED, {})},
            canonical_nested,
        ),
        Shape(
            "list",
            f"100 active loans of {given.programme_code} with member and group",
            {
                "edm": lambda: (EDM_LIST, {"code": given.programme_code}),
                "pg": lambda: (PG_LIST, {"programme": given.programme_id}),
            },
            canonical_list,
        ),
    ]


async def check_same(
    client: httpx.AsyncClient, urls: dict[str, str], shape: Shape, given: Inputs
) -> int:
    """Both servers' answers, projected, must be equal; returns the objects in edm-graph's."""
    if shape.name == "lookup":
        # Every sampled loan, one request each (the same ids in both encodings).
        pairs = given.loans[:50]
        requests = [
            ({"edm": (EDM_LOOKUP, {"id": g}), "pg": (PG_LOOKUP, {"id": u})}) for g, u in pairs
        ]
    else:
        requests = [{server: make() for server, make in shape.request.items()}]
    objects = 0
    for request in requests:
        answers = {
            server: await ask(client, urls[server], *request[server]) for server in ("edm", "pg")
        }
        projected = {server: shape.canonical(server, data) for server, data in answers.items()}
        if projected["edm"] != projected["pg"]:
            raise SystemExit(
                f"{shape.name}: the servers disagree\n edm-graph:   {projected['edm']}"
                f"\n PostGraphile: {projected['pg']}"
            )
        # Groups, members, loans... (not the Money wrappers): the projection's objects.
        objects = count_objects(projected["edm"])
    return objects


async def check_dashboard(client: httpx.AsyncClient, url: str, database_url: str) -> int:
    """edm-graph's GLP and PAR30 per programme against sums over the loans' derived state (for
    the programmes whose active loans are all in the programme's currency)."""
    data = await ask(client, url, EDM_DASHBOARD, {})
    as_of = date.fromisoformat(data["indicators"]["asOf"])
    conn = await connect(database_url)
    try:
        rows = await conn.fetch(
            """
            SELECT p.code, sum(l.outstanding_principal) AS glp,
                   coalesce(sum(l.outstanding_principal)
                            FILTER (WHERE l.oldest_unpaid_due_on < $1::date - 30), 0) AS par30,
                   bool_and(l.currency_code = p.currency_code) AS one_currency
              FROM loans l JOIN programmes p ON p.id = l.programme_id
             WHERE l.status = 'ACTIVE' GROUP BY p.code
            """,
            as_of,
        )
    finally:
        await conn.close()
    expected = {r["code"]: (r["glp"], r["par30"]) for r in rows if r["one_currency"]}
    got = {
        p["programme"]["code"]: (
            money(p["grossLoanPortfolio"]["local"]),
            money(p["portfolioAtRisk30"]["local"]),
        )
        for p in data["indicators"]["programmes"]
        if p["programme"]["code"] in expected
    }
    if not expected or got != expected:
        raise SystemExit(f"dashboard: edm-graph {got} != SQL {expected}")
    return len(expected)


@dataclass
class Row:
    shape: Shape
    concurrency: int
    results: dict[str, Sample]


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "n/a"


def table(
    rows: list[Row],
    dashboard: tuple[Sample, float, float, int] | None,
    about: dict[str, Any],
) -> str:
    lines = [
        f"Database `{about['database']}`: {about['loans']:,} loans, {about['repayments']:,}"
        f" repayments, {about['programmes']} programmes. Machine: {about['cpus']} CPUs"
        f" (load average {about['load']} before the run), PostgreSQL {about['postgres']},"
        f" PostGraphile 4 (node {about['node']}), one process each. {about['rounds']} interleaved"
        f" rounds of {about['seconds']:g} s per shape, concurrency and server; {about['date']}.",
        "",
        "| shape | conc. | edm-graph req/s | PostGraphile req/s | edm-graph / PostGraphile"
        " | p50 ms edm / PG | server CPU ms/req edm / PG | database CPU ms/req edm / PG"
        " | peak RSS MB edm / PG | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        edm, pg = row.results["edm"], row.results["pg"]
        lines.append(
            f"| {row.shape.title} | {row.concurrency} | {edm.throughput:.1f} | {pg.throughput:.1f}"
            f" | **{ratio(edm.throughput, pg.throughput)}**"
            f" | {1000 * edm.p50():.1f} / {1000 * pg.p50():.1f}"
            f" | {edm.per_request_ms(edm.cpu):.2f} / {pg.per_request_ms(pg.cpu):.2f}"
            f" | {edm.per_request_ms(edm.db_cpu):.2f} / {pg.per_request_ms(pg.db_cpu):.2f}"
            f" | {edm.rss:.0f} / {pg.rss:.0f} | {edm.errors} / {pg.errors} |"
        )
    if dashboard is not None:
        sample, as_api, sequential, statements = dashboard
        lines += [
            "",
            "| dashboard: GLP + PAR30 per programme | edm-graph p50 ms | raw SQL p50 ms"
            " (as the API ran it) | edm-graph / raw SQL | raw SQL one after another ms"
            " | statements | server CPU ms/req | peak RSS MB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            f"| concurrency 1 | {1000 * sample.p50():.1f} | {1000 * as_api:.1f}"
            f" | **{ratio(sample.p50(), as_api)}** | {1000 * sequential:.1f} | {statements}"
            f" | {sample.per_request_ms(sample.cpu):.2f} | {sample.rss:.0f} |",
        ]
    lines += [
        "",
        "Targets (issue 9): lookup and nested list ≥ 1.0× PostGraphile's throughput at"
        " concurrency 1 and 16 with CPU per request at or below its; dashboard p50 ≤ 1.2× the"
        " raw SQL; RSS ≤ 300 MB per worker.",
        "",
        "Both servers' answers are checked equal before timing (a canonical projection:"
        " natural fields, amounts as decimals). Server CPU: utime + stime of the server's"
        " process tree over the timed requests, divided by the requests; database CPU: the"
        " same for the PostgreSQL backends connected to the database. Raw SQL: the statements"
        " one dashboard request ran, captured in-process and replayed through asyncpg.",
    ]
    return "\n".join(lines) + "\n"


async def about_database(url: str) -> dict[str, Any]:
    conn = await connect(url)
    try:
        return {
            "database": make_url(url).database,
            "loans": await conn.fetchval("SELECT count(*) FROM loans"),
            "repayments": await conn.fetchval("SELECT count(*) FROM repayments"),
            "programmes": await conn.fetchval("SELECT count(*) FROM programmes"),
            "postgres": (await conn.fetchval("SHOW server_version")).split()[0],
        }
    finally:
        await conn.close()


def node_version() -> str:
    return subprocess.run(
        ["node", "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


@dataclass
class Outcome:
    checked: dict[str, int]  # shape -> objects in its answer (dashboard: programmes checked)
    report: str = ""  # the markdown table (empty with --check-only)


async def run(args: argparse.Namespace) -> Outcome:
    url: str = args.url
    levels = [int(c) for c in args.concurrency.split(",")]
    given = await inputs(url, args.seed)
    about = await about_database(url) | {
        "cpus": os.cpu_count(),
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "node": node_version(),
        "rounds": args.rounds,
        "seconds": args.seconds,
        "date": date.today().isoformat(),
    }
    backends = Backends(url)
    say(f"{about['database']}: {about['loans']:,} loans; checking, then timing")

    # The dashboard's statements, captured once in-process (warm), replayed raw in each
    # round next to the API's (so both meet the same load on a shared machine).
    captured: list[Any] | None = None
    if not args.no_dashboard and not args.check_only:
        async with in_process_app(url) as app:
            scenario = Scenario("dashboard", EDM_DASHBOARD)
            await capture(app, scenario)
            captured = await capture(app, scenario)

    edm_port, pg_port = free_port(), free_port()
    urls = {
        "edm": f"http://127.0.0.1:{edm_port}/graphql",
        "pg": f"http://127.0.0.1:{pg_port}/graphql",
    }
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    with server(url, edm_port) as edm_proc, postgraphile(url, pg_port) as pg_proc:
        procs = {"edm": edm_proc.pid, "pg": pg_proc.pid}
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            all_shapes = shapes(given, args.seed)
            if args.only:
                all_shapes = [s for s in all_shapes if s.name in args.only.split(",")]
            checked: dict[str, int] = {}
            for shape in all_shapes:
                checked[shape.name] = objects = await check_same(client, urls, shape, given)
                say(f"  {shape.name}: same data from both ({objects:,} objects)")
                shape.title += f" ({objects:,} objects)" if shape.name != "lookup" else ""
            if not args.no_dashboard:
                checked["dashboard"] = programmes = await check_dashboard(client, urls["edm"], url)
                say(f"  dashboard: GLP and PAR30 of {programmes} programmes match the loans")
            if args.check_only:
                return Outcome(checked)
            rows = [
                Row(shape, c, {"edm": Sample(), "pg": Sample()})
                for shape in all_shapes
                for c in levels
            ]
            for server_name in ("edm", "pg"):  # warm-up: plans, pools, JIT
                for shape in all_shapes:
                    await timed(
                        client,
                        urls[server_name],
                        shape.request[server_name],
                        4,
                        min(2.0, args.seconds),
                        descendants(procs[server_name]),
                        backends,
                    )
            for round_number in range(args.rounds):
                order = ["edm", "pg"] if round_number % 2 == 0 else ["pg", "edm"]
                for row in rows:
                    for server_name in order:
                        sample = await timed(
                            client,
                            urls[server_name],
                            row.shape.request[server_name],
                            row.concurrency,
                            args.seconds,
                            descendants(procs[server_name]),
                            backends,
                        )
                        row.results[server_name].add(sample)
                say(f"  round {round_number + 1}/{args.rounds} done")
            dashboard: tuple[Sample, float, float, int] | None = None
            if captured is not None:
                sample, raw = Sample(), []
                for _ in range(args.rounds):
                    raw.append(await raw_sql(url, captured, args.seconds))
                    sample.add(
                        await timed(
                            client,
                            urls["edm"],
                            lambda: (EDM_DASHBOARD, {}),
                            1,
                            args.seconds,
                            descendants(procs["edm"]),
                            backends,
                        )
                    )
                as_api = statistics.median(r[0] for r in raw)
                sequential = statistics.median(r[1] for r in raw)
                dashboard = (sample, as_api, sequential, raw[0][2])
    return Outcome(checked, table(rows, dashboard, about))


def say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="per shape, level, server, round"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--only", default="", help="comma-separated shapes: lookup,nested,list")
    parser.add_argument("--no-dashboard", action="store_true")
    parser.add_argument("--check-only", action="store_true", help="check the data, time nothing")
    parser.add_argument("--seed", type=int, default=1, help="which loans the lookups ask for")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    return parser


def main() -> None:
    command = parser()
    args = command.parse_args()
    if not args.url:
        command.error("set DATABASE_URL or pass --url")
    outcome = asyncio.run(run(args))
    if outcome.report:
        sys.stdout.write(outcome.report)
        if args.out:
            args.out.write_text(
                "# Side by side with PostGraphile 4: the last run\n\n" + outcome.report
            )


if __name__ == "__main__":
    main()
