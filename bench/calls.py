"""Python function calls per request of one shape, through the whole ASGI app in-process (no
uvicorn): a count that does not move with the machine's load, unlike CPU time, so a change to
the fixed cost of a request can be judged on a shared machine. `--profile FILE` keeps the
cProfile statistics (`python -m pstats FILE`).

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench_demo \\
        .venv/bin/python -m bench.calls --shape lookup
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bench.run import in_process_app
from bench.side_by_side import EDM_LIST, EDM_LOOKUP, EDM_NESTED, inputs
from graph.observability.logging import configure
from graph.settings import Settings


async def request(app: Any, body: bytes) -> bytes:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "app": app,
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[Any] = []

    async def receive() -> Any:
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)  # the app does not wait for a disconnect here

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    if sent[0]["status"] != 200 or b'"errors"' in sent[1]["body"]:
        raise RuntimeError(sent[1]["body"][:500])
    return bytes(sent[1]["body"])


async def main(args: argparse.Namespace) -> None:
    given = await inputs(args.url, 1)
    # As the side-by-side run serves it; `--log-level info` adds the access line's cost.
    configure(Settings(log_level=args.log_level))

    def body(i: int) -> bytes:
        if args.shape == "lookup":
            variables = {"id": given.loans[i % len(given.loans)][0]}
            return orjson.dumps({"query": EDM_LOOKUP, "variables": variables})
        if args.shape == "list":
            return orjson.dumps({"query": EDM_LIST, "variables": {"code": given.programme_code}})
        return orjson.dumps({"query": EDM_NESTED, "variables": {}})

    async with in_process_app(args.url) as app:
        for i in range(args.warm):
            await request(app, body(i))
        profile = cProfile.Profile()
        started, cpu = time.perf_counter(), time.process_time()
        profile.enable()
        for i in range(args.requests):
            await request(app, body(args.warm + i))
        profile.disable()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    stats = pstats.Stats(profile)
    if args.profile:
        stats.dump_stats(args.profile)
    sys.stdout.write(
        f"{args.shape}: {stats.total_calls / args.requests:,.0f} Python calls per request; "  # type: ignore[attr-defined]
        f"{1000 * cpu / args.requests:.2f} ms CPU, {1000 * wall / args.requests:.2f} ms wall "
        "(profiled)\n"
    )


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--shape", choices=["lookup", "nested", "list"], default="lookup")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warm", type=int, default=100, help="requests before counting")
    parser.add_argument("--profile", type=Path, help="keep the cProfile statistics here")
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning"])
    return parser


if __name__ == "__main__":
    asyncio.run(main(parser().parse_args()))
