"""Alembic, driven from code so an installed package migrates without an alembic.ini.

Several API processes may start at once on one database (replicas): migrating and seeding
each happen under a PostgreSQL advisory lock, so the second process waits, then finds the
work done.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"


class _OnlyUpgrades(logging.Filter):
    """Start-up says which migrations ran, not Alembic's every-start preamble."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or record.getMessage().startswith("Running")


logging.getLogger("alembic.runtime.migration").addFilter(_OnlyUpgrades())

# Session-level advisory lock keys (the single-bigint key space; the indicators' refresh
# locks use the two-integer one, which does not overlap).
MIGRATE_LOCK = 745_200_001
SEED_LOCK = 745_200_002


def config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@asynccontextmanager
async def exclusively(url: str, key: int) -> AsyncIterator[None]:
    """Hold advisory lock `key` while the block runs; a process that dies drops it with its
    connection, so a crash never leaves the database locked."""
    engine = create_async_engine(url, pool_size=1, max_overflow=0, connect_args={"timeout": 10})
    try:
        async with engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                await autocommit.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    finally:
        await engine.dispose()


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Migrate under the migration lock (Alembic's env runs its own loop, in a thread)."""
    async with exclusively(url, MIGRATE_LOCK):
        await asyncio.to_thread(command.upgrade, config(url), revision)


def upgrade(url: str, revision: str = "head") -> None:
    asyncio.run(upgrade_async(url, revision))
