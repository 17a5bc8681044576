"""Deterministic demo data: the network, its programmes and years of their activity.

`seed` loads an empty, migrated database in one transaction (COPY, streamed a branch at a
time), then analyzes it. The same (size, as_of, rng_seed) always gives the same rows.
"""

import asyncio
import gc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .generate import Step, generate
from .load import copy_batch

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SeedSize:
    """Members across the network; loans, repayments and the rest follow from them."""

    members: int

    @classmethod
    def demo(cls) -> "SeedSize":
        return cls(members=4_000)

    @classmethod
    def benchmark(cls) -> "SeedSize":
        """DOMAIN.md's scale: about 1,000,000 loans and 12,000,000 repayments."""
        return cls(members=250_000)

    @classmethod
    def tiny(cls) -> "SeedSize":
        return cls(members=300)


async def is_seeded(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        return bool(await conn.scalar(text("SELECT EXISTS (SELECT FROM networks)")))


async def seed(
    engine: AsyncEngine,
    *,
    size: SeedSize,
    as_of: date,
    rng_seed: int = 2016,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Load the demo data into an empty, migrated database; return row counts per table."""
    steps = generate(size.members, as_of, rng_seed)
    counts: Counter[str] = Counter()
    # Generating allocates millions of short-lived objects: at the default thresholds the
    # cyclic collector spends a sixth of the run rescanning them.
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        await _load(engine, steps, counts, size, progress)
    finally:
        gc.set_threshold(*thresholds)
    if progress is not None:
        progress("analyze", 0, 1)
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("ANALYZE"))
    if progress is not None:
        progress("analyze", 1, 1)
    return dict(counts)


async def _load(
    engine: AsyncEngine,
    steps: Iterator[Step],
    counts: Counter[str],
    size: SeedSize,
    progress: Progress | None,
) -> None:
    """COPY every step in one transaction: a failed seed leaves nothing."""
    async with engine.begin() as conn:
        # This statement also opens the transaction the COPYs below run in.
        if await conn.scalar(text("SELECT EXISTS (SELECT FROM networks)")):
            raise RuntimeError("the database is already seeded")
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        assert raw.is_in_transaction()
        loaded = 0
        # Python generates the next batch in a thread while PostgreSQL loads this one.
        upcoming = asyncio.ensure_future(asyncio.to_thread(next, steps, None))
        try:
            while (step := await upcoming) is not None:
                upcoming = asyncio.ensure_future(asyncio.to_thread(next, steps, None))
                await copy_batch(raw, step.batch, counts)
                loaded += step.members
                if progress is not None:
                    progress(step.stage, loaded, size.members)
        finally:
            if not upcoming.done():  # a load failed: let the generating thread finish
                await asyncio.wait({upcoming})
            with suppress(BaseException):
                upcoming.exception()


__all__ = ["Progress", "SeedSize", "is_seeded", "seed"]
