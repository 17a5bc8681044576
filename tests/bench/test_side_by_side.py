"""The side-by-side benchmark's check, at tiny size: PostGraphile 4 and edm-graph, started as
the benchmark starts them on a seeded database, return the same data for every shape."""

import secrets
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy.engine import make_url

from bench.side_by_side import parser, run
from db.engine import create_engine
from db.migrate import upgrade_async
from db.seed import SeedSize, seed
from tests.conftest import admin_execute


@pytest.fixture(scope="module")
async def seeded_url(server_url: str) -> AsyncIterator[str]:
    admin = make_url(server_url)
    name = f"bench_smoke_{secrets.token_hex(4)}"

    await admin_execute(server_url, f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        await upgrade_async(url)
        engine = create_engine(url, pool_size=2)
        try:
            await seed(engine, size=SeedSize.tiny(), as_of=date.today())
        finally:
            await engine.dispose()
        yield url
    finally:
        await admin_execute(server_url, f'DROP DATABASE "{name}" WITH (FORCE)')


async def test_both_servers_return_the_same_data(seeded_url: str) -> None:
    outcome = await run(parser().parse_args(["--url", seeded_url, "--check-only"]))
    # run() raises SystemExit on any difference; each shape had something to compare.
    assert set(outcome.checked) == {"lookup", "nested", "list", "dashboard"}
    assert outcome.checked["lookup"] >= 3  # a loan, her member, the group
    assert outcome.checked["nested"] > 50
    assert outcome.checked["list"] > 1
    assert outcome.checked["dashboard"] >= 1  # programmes whose GLP and PAR30 matched
    assert outcome.report == ""  # nothing timed
