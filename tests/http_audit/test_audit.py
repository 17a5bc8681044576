"""The GraphQL-over-HTTP audit suite (npm graphql-http, pinned in package-lock.json here)
against the live server: every audit, MUST and SHOULD alike, passes."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import RunningServer, bearer, token

HERE = Path(__file__).parent
AUDITS = 61  # graphql-http 1.23.1's server audits


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the graphql-http audit (Node 20 on CI)")
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


def test_the_server_passes_every_graphql_over_http_audit(node: str, api: RunningServer) -> None:
    run = subprocess.run(
        [node, "audit.mjs", f"{api.base_url}/graphql", json.dumps(bearer(token()))],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    failing = [f"{r['id']} {r['name']}: {r.get('reason')}" for r in results if r["status"] != "ok"]
    assert failing == []
    assert len(results) == AUDITS
