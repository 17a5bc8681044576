"""Planned SQL against the resolver path, side by side on one database: the same reads sent to
two `edm-graph serve` processes (EDM_PLANNER=true / false), answers compared first, then the
server CPU per request read from each process (/proc, through psutil).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_demo .venv/bin/python -m bench.paths
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

EDM_GRAPH = str(Path(sys.executable).parent / "edm-graph")
NESTED = """{ programme(code: "FANSOTO") { groups(first: 50) { nodes { name members(first: 10) {
  nodes { gender loans(first: 5) { nodes { cycle status principal { amount }
  outstandingPrincipal { amount } } } } } } } } }"""
FIRST_LOAN = "{ loans(first: 1) { nodes { id } } }"
LOAN = """query ($id: ID!) { node(id: $id) { ... on Loan { cycle status principal { amount }
  member { gender joinedOn } group { name status } } } }"""


def serve(url: str, port: int, planner: bool) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDM_")}
    env.update(
        DATABASE_URL=url,
        EDM_PORT=str(port),
        EDM_PLANNER=str(planner).lower(),
        EDM_DEMO_DATA="false",
        EDM_LOG_LEVEL="warning",
        EDM_RATE_LIMIT_PER_MINUTE="0",
        EDM_MAX_QUERY_COST="100000000",
    )
    process = subprocess.Popen(
        [EDM_GRAPH, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the server on port {port} did not start")


def cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    times = psutil.Process(process.pid).cpu_times()
    return float(times.user + times.system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=100, help="per read and path")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL to a seeded database")
    ports = {"planned": 8791, "resolvers": 8792}
    servers = {name: serve(url, port, name == "planned") for name, port in ports.items()}
    try:
        with httpx.Client(timeout=120) as client:

            def ask(path: str, query: str, variables: dict[str, Any] | None = None) -> Any:
                body = {"query": query, "variables": variables or {}}
                return client.post(f"http://127.0.0.1:{ports[path]}/graphql", json=body).json()

            loan_id = ask("planned", FIRST_LOAN)["data"]["loans"]["nodes"][0]["id"]
            reads = {
                "a loan with its member and group": (LOAN, {"id": loan_id}, args.requests),
                "50 groups -> members -> loans": (NESTED, None, max(args.requests // 10, 5)),
            }
            sys.stdout.write("| read | path | server CPU ms/request | latency ms | ratio |" + "\n")
            sys.stdout.write("|---|---|---|---|---|" + "\n")
            for name, (query, variables, count) in reads.items():
                answers = [ask(path, query, variables) for path in ports]
                if answers[0] != answers[1]:
                    raise SystemExit(f"{name}: the two paths answer differently")
                measured = {}
                for path in ports:
                    before, started = cpu_seconds(servers[path]), time.perf_counter()
                    for _ in range(count):
                        ask(path, query, variables)
                    cpu = (cpu_seconds(servers[path]) - before) / count * 1000
                    measured[path] = (cpu, (time.perf_counter() - started) / count * 1000)
                for path, (cpu, latency) in measured.items():
                    ratio = measured["resolvers"][0] / cpu if cpu else float("inf")
                    sys.stdout.write(
                        f"| {name} | {path} | {cpu:.2f} | {latency:.2f} | {ratio:.1f}x |" + "\n"
                    )
    finally:
        for process in servers.values():
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
