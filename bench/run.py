"""The benchmark: the API against a seeded database, next to the raw SQL it runs.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench_edm .venv/bin/python -m bench.run

Seed the database first (`edm-graph seed --scale`). The script brings the indicator snapshots
up to yesterday (db.indicators.refresh: minutes the first time after a seed, seconds a day
later; --no-refresh to measure without), starts the API (`edm-graph serve` in a subprocess),
then for each scenario (the head-office dashboard, a 24-month series, a nested list of 50
groups -> members -> loans, a node lookup) and each concurrency (1 and 16, a bounded time
each) prints p50/p99 latency, requests per second and the server's peak memory; and the raw
SQL time of the same statements run directly through asyncpg (captured from one request,
replayed with the same concurrency), and the API's p50 over it.
"""

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy import event
from sqlalchemy.engine import make_url
from strawberry.relay import to_base64

from domain.indicators import add_months

ROOT = Path(__file__).resolve().parent.parent

DASHBOARD = """
query Dashboard {
  indicators {
    asOf period { from to }
    network { ...Consolidated }
    countries { country { code name } ...Consolidated }
    programmes {
      programme { code name } currency { code }
      grossLoanPortfolio { ...Amount } activeLoans activeBorrowers
      portfolioAtRisk30 { ...Amount } par30 portfolioAtRisk90 { ...Amount } par90
      averageOutstandingBalance { ...Amount } disbursements disbursedAmount { ...Amount }
      writeOffs writtenOffAmount { ...Amount } averageGrossLoanPortfolio { ...Amount }
      writeOffRatio amountDue { ...Amount } amountReceivedOnTime { ...Amount }
      onTimeRepaymentRate savingsBalance { ...Amount } activeDepositors activeMembers
      womenMembers womenShare firstCycleBorrowers firstCycleShare groups averageGroupSize
      borrowersWhoRepaid borrowersRetained retentionRate
    }
  }
}
fragment Amount on IndicatorAmount {
  local { amount currency { code } } eur { amount } rate rateKind rateFrom rateTo
}
fragment Consolidated on ConsolidatedIndicators {
  programmeCount grossLoanPortfolio { amount } activeLoans activeBorrowers
  portfolioAtRisk30 { amount } par30 portfolioAtRisk90 { amount } par90
  averageOutstandingBalance { amount } disbursements disbursedAmount { amount } writeOffs
  writtenOffAmount { amount } averageGrossLoanPortfolio { amount } writeOffRatio
  amountDue { amount } amountReceivedOnTime { amount } onTimeRepaymentRate
  savingsBalance { amount } activeDepositors activeMembers womenMembers womenShare
  firstCycleBorrowers firstCycleShare groups averageGroupSize borrowersWhoRepaid
  borrowersRetained retentionRate
}
"""

SERIES = """
query Series($from: Date!, $to: Date!) {
  indicatorSeries(from: $from, to: $to) {
    asOf
    network {
      grossLoanPortfolio { amount } par30 par90 activeBorrowers disbursements
      disbursedAmount { amount } writeOffRatio onTimeRepaymentRate retentionRate
      savingsBalance { amount } activeMembers womenShare
    }
    programmes {
      programme { code }
      grossLoanPortfolio { local { amount } eur { amount } } par30 par90 activeBorrowers
      disbursedAmount { local { amount } eur { amount } } onTimeRepaymentRate
    }
  }
}
"""

NESTED = """
query Nested {
  groups(first: 50, filter: {statuses: [ACTIVE]}) {
    totalCount
    nodes {
      id name meetingPlace status
      members(first: 10) {
        nodes {
          id firstName lastName gender
          loans(first: 5) {
            nodes {
              id cycle status disbursedOn principal { amount currency { code } }
              outstandingPrincipal { amount } oldestUnpaidDueOn
            }
          }
        }
      }
    }
  }
}
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Loan {
      cycle status disbursedOn principal { amount currency { code } }
      outstandingPrincipal { amount } oldestUnpaidDueOn
      member { id firstName } group { id name } programme { code }
    }
  }
}
"""


@dataclass
class Scenario:
    name: str
    query: str
    variables: Callable[[], dict[str, Any]] = dict


@dataclass
class Captured:
    statement: str
    parameters: tuple[Any, ...]
    started: float
    ended: float


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def server(url: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = os.environ | {
        "DATABASE_URL": url,
        "EDM_MODE": "development",
        "EDM_RATE_LIMIT_PER_MINUTE": "0",
        # The nested list asks for up to 50 x 10 x 5 loans with their fields.
        "EDM_MAX_QUERY_COST": "100000",
        "EDM_LOG_LEVEL": "warning",
    }
    command = [str(ROOT / ".venv/bin/edm-graph"), "serve", "--port", str(port)]
    if not Path(command[0]).exists():
        command = [sys.executable, "-m", "graph.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API did not start")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def load(
    client: httpx.AsyncClient, scenario: Scenario, concurrency: int, seconds: float
) -> Result:
    result = Result()
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop:
            started = time.perf_counter()
            response = await client.post(
                "/graphql", json={"query": scenario.query, "variables": scenario.variables()}
            )
            result.latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or "errors" in response.json():
                result.errors += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - began
    return result


@asynccontextmanager
async def in_process_app(url: str) -> Any:
    """The same app in this process, to capture the SQL one request runs."""
    from graph.app import create_app
    from graph.settings import Settings

    app = create_app(Settings(database_url=url, rate_limit_per_minute=0, max_query_cost=100_000))
    async with app.router.lifespan_context(app):
        yield app


async def capture(app: Any, scenario: Scenario) -> list[Captured]:
    captured: list[Captured] = []
    running: dict[int, Captured] = {}

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        running[id(cursor)] = Captured(statement, tuple(parameters or ()), time.perf_counter(), 0)

    def after(conn: Any, cursor: Any, *_: Any) -> None:
        done = running.pop(id(cursor))
        done.ended = time.perf_counter()
        captured.append(done)

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            response = await client.post(
                "/graphql", json={"query": scenario.query, "variables": scenario.variables()}
            )
            if response.status_code != 200 or "errors" in response.json():
                raise RuntimeError(f"{scenario.name}: {response.text}")
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return sorted(captured, key=lambda c: c.started)


def waves(statements: list[Captured]) -> list[list[Captured]]:
    """Statements the API ran at the same time (overlapping), in order: replayed alike."""
    grouped: list[list[Captured]] = []
    for s in statements:
        if grouped and s.started < max(c.ended for c in grouped[-1]):
            grouped[-1].append(s)
        else:
            grouped.append([s])
    return grouped


async def raw_sql(url: str, statements: list[Captured], seconds: float) -> tuple[float, float, int]:
    """p50 of the captured statements replayed through asyncpg: as the API ran them (waves
    concurrently on separate connections) and one after another on one connection."""
    u = make_url(url)
    width = max(len(w) for w in waves(statements))
    connections = [
        await asyncpg.connect(
            user=u.username,
            password=u.password,
            host=u.host or u.query.get("host"),
            port=u.port,
            database=u.database,
            server_settings={"jit": "off"},
        )
        for _ in range(width)
    ]
    try:

        async def as_the_api() -> None:
            for wave in waves(statements):
                await asyncio.gather(
                    *(
                        c.fetch(s.statement, *s.parameters)
                        for c, s in zip(connections, wave, strict=False)
                    )
                )

        async def in_sequence() -> None:
            for s in statements:
                await connections[0].fetch(s.statement, *s.parameters)

        async def timed(run: Callable[[], Awaitable[None]]) -> float:
            times: list[float] = []
            stop = time.perf_counter() + seconds / 2
            while time.perf_counter() < stop or len(times) < 5:
                started = time.perf_counter()
                await run()
                times.append(time.perf_counter() - started)
            return statistics.median(times)

        await as_the_api()  # warm the caches and plans like the API's warm-up
        return await timed(as_the_api), await timed(in_sequence), len(statements)
    finally:
        for c in connections:
            await c.close()


async def each_statement(url: str, name: str, statements: list[Captured]) -> None:
    """The median time of each statement alone (what limits a scenario)."""
    u = make_url(url)
    conn = await asyncpg.connect(
        user=u.username,
        password=u.password,
        host=u.host,
        port=u.port,
        database=u.database,
        server_settings={"jit": "off"},
    )
    try:
        say(f"{name}:")
        for s in statements:
            times = []
            for _ in range(5):
                started = time.perf_counter()
                await conn.fetch(s.statement, *s.parameters)
                times.append(time.perf_counter() - started)
            head = " ".join(s.statement.split())[:110]
            say(f"  {ms(statistics.median(times))} ms  {head}")
    finally:
        await conn.close()


async def refresh_snapshots(url: str, today: date) -> None:
    from db.engine import Database, create_engine
    from db.indicators import refresh

    started = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        sys.stderr.write(f"\r  {stage}: {done}/{total} ({time.perf_counter() - started:.0f} s)  ")

    database = Database(create_engine(url))
    try:
        days = await refresh(database, today=today, progress=progress)
    finally:
        await database.dispose()
    say(f"\nsnapshots refreshed: {days} programme-days in {time.perf_counter() - started:.1f} s")


async def node_ids(url: str) -> list[str]:
    u = make_url(url)
    conn = await asyncpg.connect(
        user=u.username, password=u.password, host=u.host, port=u.port, database=u.database
    )
    try:
        rows = await conn.fetch(
            "SELECT id FROM loans TABLESAMPLE SYSTEM (1) WHERE status = 'ACTIVE' LIMIT 1000"
        )
        if not rows:
            rows = await conn.fetch("SELECT id FROM loans LIMIT 1000")
        return [to_base64("Loan", r["id"]) for r in rows]
    finally:
        await conn.close()


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--seconds", type=float, default=15.0, help="per scenario and concurrency")
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument(
        "--statements", action="store_true", help="also print each captured statement's time"
    )
    parser.add_argument(
        "--no-refresh", action="store_true", help="do not bring the snapshots up to yesterday"
    )
    args = parser.parse_args()
    if not args.url:
        parser.error("set DATABASE_URL or pass --url")
    today = date.today()
    first = add_months(today.replace(day=1), -23)
    ids = await node_ids(args.url)
    rng = random.Random(1)
    scenarios = [
        Scenario("dashboard", DASHBOARD),
        Scenario("series_24_months", SERIES, lambda: {"from": str(first), "to": str(today)}),
        Scenario("nested_50_groups", NESTED),
        Scenario("node_lookup", NODE, lambda: {"id": rng.choice(ids)}),
    ]
    if args.only:
        scenarios = [s for s in scenarios if s.name in args.only.split(",")]
    levels = [int(c) for c in args.concurrency.split(",")]

    say(f"database {make_url(args.url).database}, today {today}, {os.cpu_count()} CPUs")
    if not args.no_refresh:
        await refresh_snapshots(args.url, today)
    raw: dict[str, tuple[float, float, int]] = {}
    async with in_process_app(args.url) as app:
        for scenario in scenarios:
            statements = await capture(app, scenario)
            statements = await capture(app, scenario)  # the second, warm
            raw[scenario.name] = await raw_sql(args.url, statements, args.seconds)
            if args.statements:
                await each_statement(args.url, scenario.name, statements)

    port = free_port()
    rows = []
    with server(args.url, port) as proc:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits
        ) as client:
            for scenario in scenarios:
                await load(client, scenario, 1, min(3.0, args.seconds))  # warm-up
                for concurrency in levels:
                    result = await load(client, scenario, concurrency, args.seconds)
                    rows.append((scenario.name, concurrency, result, peak_rss_mb(proc.pid)))

    say()
    say(
        f"{'scenario':18} {'conc':>4} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>6}"
        f" {'peak RSS MB':>11} {'raw SQL ms':>10} {'API/raw':>7} {'seq SQL ms':>10} {'stmts':>5}"
    )
    for name, concurrency, result, rss in rows:
        as_api, sequential, count = raw[name]
        p50 = result.percentile(0.5)
        say(
            f"{name:18} {concurrency:>4} {ms(p50)} {ms(result.percentile(0.99))}"
            f" {len(result.latencies) / result.elapsed:8.1f} {result.errors:>6} {rss:11.0f}"
            f" {ms(as_api):>10} {p50 / as_api:7.2f} {ms(sequential):>10} {count:>5}"
        )
    say(
        "\nraw SQL: the statements one request ran, captured in-process and replayed through"
        " asyncpg as the API ran them (statements that overlapped run concurrently on separate"
        " connections); seq SQL: the same one after another. API/raw compares the API's p50 at"
        " that concurrency with the raw p50 of one request."
    )


if __name__ == "__main__":
    asyncio.run(main())
