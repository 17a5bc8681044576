"""Fixtures of the operations tests: a PostgreSQL cluster of their own, which they stop,
restart and freeze, and the API served on it with short timeouts."""

import asyncio
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from db import migrate
from graph.settings import Settings
from tests.conftest import RunningServer, serve

from .cluster import Cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    # Under /tmp, not pytest's 0700 tree: the server runs as another user when we are root.
    own = Cluster.create(Path(tempfile.mkdtemp(prefix="edm-ops-")))
    try:
        yield own
    finally:
        own.destroy()


def new_database(cluster: Cluster, *, migrated: bool = True) -> str:
    name = f"edm_ops_{secrets.token_hex(4)}"
    asyncio.run(cluster.execute(f'CREATE DATABASE "{name}"'))
    url = cluster.url(name)
    if migrated:
        migrate.upgrade(url)
    return url


def fault_settings(url: str, **overrides: object) -> Settings:
    """Short timeouts, so a fault shows within seconds."""
    values: dict[str, object] = {
        "database_url": url,
        "rate_limit_per_minute": 0,
        "db_connect_timeout": 1.0,
        "db_pool_timeout": 1.0,
        "statement_timeout": 2.0,
        "retry_after": 3,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def faulty_api(cluster: Cluster) -> Iterator[RunningServer]:
    """The API on a fresh database of the test cluster, which is running again afterwards."""
    with serve(fault_settings(new_database(cluster))) as running:
        try:
            yield running
        finally:
            cluster.thaw()
            if not (cluster.directory / "postmaster.pid").exists():
                cluster.start()


ROOT = Path(__file__).resolve().parents[2]
