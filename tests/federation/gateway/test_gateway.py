"""edm-graph behind a real Apollo Gateway, next to a second subgraph of the tests' own.

The set-up installs the Apollo tools from the lock here (`npm ci`), starts `edm-graph serve`
as a process on a database of its own (FANSOTO and YIKRI), the funding subgraph
(funding.mjs: @apollo/subgraph, extending Programme by `code` with `funders`), composes
edm-graph's `_service` SDL with it by @apollo/composition, and starts @apollo/gateway over the
supergraph. One query spans both subgraphs, with a Bearer token the gateway passes on: a
FANSOTO programme-staff token sees FANSOTO only, behind the gateway as in front of it.
"""

import asyncio
import json
import os
import secrets
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from db import migrate
from db.engine import Database, create_engine
from tests.conftest import TEST_SECRET, admin_execute, bearer, token
from tests.factories import groups as g
from tests.factories import network as n

HERE = Path(__file__).parent
EDM_GRAPH = str(Path(sys.executable).parent / "edm-graph")

FUNDING = """
query Funding {
  programmes(first: 10) {
    nodes { code name country { name } members { totalCount } funders { name since } }
  }
  funders { name programmes { code name members { totalCount } } }
}
"""


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the Apollo Gateway test (Node 20 on CI)")
    installed = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            check=True,
            timeout=300,
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ready(process: "subprocess.Popen[str]", seconds: float = 30) -> str:
    """The URL a node process prints as {"ready": url} once it listens."""
    assert process.stdout is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        readable, _, _ = select.select([process.stdout], [], [], 0.2)
        if readable:
            line = process.stdout.readline()
            if line.startswith("{"):
                url: str = json.loads(line)["ready"]
                return url
        assert process.poll() is None, f"exited {process.returncode}"
    raise AssertionError("did not start in time")


@dataclass
class Federation:
    gateway: str
    composed: dict[str, Any]


async def _database(server_url: str) -> str:
    """A database of the test's own: FANSOTO (3 members) and YIKRI (2)."""
    name = f"edm_gateway_{secrets.token_hex(4)}"
    await admin_execute(server_url, f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(create_engine(url, pool_size=1))
    try:
        async with db.transaction() as s:
            for code, country, members in (("FANSOTO", "SN", 3), ("YIKRI", "BF", 2)):
                programme = await n.programme(
                    s, code=code, name=f"{code} (test)", country_code=country
                )
                facilitator = await g.facilitator(s, programme["id"])
                group = await g.group(s, programme["id"], facilitator["id"])
                for _ in range(members):
                    await g.member(s, programme["id"], group["id"])
    finally:
        await db.dispose()
    return url


def _edm_graph(url: str, port: int, log: Path) -> "subprocess.Popen[str]":
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDM_")}
    env.update(
        DATABASE_URL=url,
        EDM_MODE="development",
        EDM_DEMO_DATA="false",
        EDM_HOST="127.0.0.1",
        EDM_PORT=str(port),
        EDM_JWT_SECRET=TEST_SECRET,
        EDM_LOG_LEVEL="warning",
    )
    # Its output to a file: a pipe nobody reads would stall the server once full.
    with log.open("w") as out:
        return subprocess.Popen(
            [EDM_GRAPH, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )


def _wait_ready(
    base_url: str, process: "subprocess.Popen[str]", log: Path, seconds: float = 60
) -> None:
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "edm-graph did not become ready"
        try:
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)


@pytest.fixture(scope="module")
def federation(node: str, server_url: str) -> Iterator[Federation]:
    url = asyncio.run(_database(server_url))
    work = Path(tempfile.mkdtemp(prefix="edm-gateway-"))
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> "subprocess.Popen[str]":
        process = subprocess.Popen(
            [node, *args], cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        processes.append(process)
        return process

    try:
        port = free_port()
        log = work / "edm-graph.log"
        edm = _edm_graph(url, port, log)
        processes.append(edm)
        funding = ready(start("funding.mjs", "0"))
        edm_url = f"http://127.0.0.1:{port}"
        _wait_ready(edm_url, edm, log)

        # What a gateway's own composition reads: the subgraph's `_service { sdl }`.
        sdl = httpx.post(f"{edm_url}/graphql", json={"query": "{ _service { sdl } }"}).json()
        (work / "edm.graphql").write_text(sdl["data"]["_service"]["sdl"])
        supergraph = work / "supergraph.graphql"
        composed = subprocess.run(
            [
                node,
                "compose.mjs",
                str(work / "edm.graphql"),
                f"{edm_url}/graphql",
                funding,
                str(supergraph),
            ],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert composed.returncode == 0, composed.stdout + composed.stderr
        gateway = ready(start("gateway.mjs", str(supergraph), str(free_port())))
        yield Federation(gateway, json.loads(composed.stdout))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)
        name = make_url(url).database
        asyncio.run(admin_execute(server_url, f'DROP DATABASE "{name}" WITH (FORCE)'))


def through_gateway(federation: Federation, headers: dict[str, str]) -> dict[str, Any]:
    response = httpx.post(federation.gateway, json={"query": FUNDING}, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_edm_graph_composes_with_another_subgraph(federation: Federation) -> None:
    assert federation.composed == {"hints": []}


AFD = {"name": "Agence française de développement", "since": 2016}
RAJA = {"name": "Fondation Raja", "since": 2019}
FDF = {"name": "Fondation de France", "since": 2012}


def programme(code: str, country: str, members: int, *funders: dict[str, Any]) -> Any:
    return {
        "code": code,
        "name": f"{code} (test)",
        "country": {"name": country},
        "members": {"totalCount": members},
        "funders": list(funders),
    }


def funded(code: str, members: int) -> dict[str, Any]:
    return {"code": code, "name": f"{code} (test)", "members": {"totalCount": members}}


def test_one_query_spans_both_subgraphs_with_the_scope_of_the_token(
    federation: Federation,
) -> None:
    staff = through_gateway(federation, bearer(token("PROGRAMME_STAFF", "FANSOTO")))

    assert "errors" not in staff, staff
    # edm-graph's programmes, each extended with the funding subgraph's `funders`.
    assert staff["data"]["programmes"]["nodes"] == [programme("FANSOTO", "Senegal", 3, AFD, RAJA)]
    # The funding subgraph's funders, each programme resolved by edm-graph's `_entities` in
    # the token's scope: YIKRI's is null for FANSOTO's staff.
    assert staff["data"]["funders"] == [
        {"name": AFD["name"], "programmes": [funded("FANSOTO", 3), None]},
        {"name": RAJA["name"], "programmes": [funded("FANSOTO", 3)]},
        {"name": FDF["name"], "programmes": [None]},
    ]
    nulled = [c["path"] for c in staff["extensions"]["valueCompletion"]]
    assert nulled == [
        ["funders", 0, "programmes", 1, "name"],
        ["funders", 2, "programmes", 0, "name"],
    ]


def test_head_office_sees_every_programme_through_the_gateway(federation: Federation) -> None:
    office = through_gateway(federation, bearer(token()))

    assert office == {
        "data": {
            "programmes": {
                "nodes": [
                    programme("FANSOTO", "Senegal", 3, AFD, RAJA),
                    programme("YIKRI", "Burkina Faso", 2, AFD, FDF),
                ]
            },
            "funders": [
                {"name": AFD["name"], "programmes": [funded("FANSOTO", 3), funded("YIKRI", 2)]},
                {"name": RAJA["name"], "programmes": [funded("FANSOTO", 3)]},
                {"name": FDF["name"], "programmes": [funded("YIKRI", 2)]},
            ],
        }
    }
