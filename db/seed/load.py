"""Bulk loading with COPY (asyncpg's binary protocol)."""

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from .rows import Batch


class CopyConnection(Protocol):
    """The part of an asyncpg connection used here."""

    async def copy_records_to_table(
        self, table_name: str, *, records: Iterable[Sequence[Any]], columns: Sequence[str]
    ) -> str: ...


async def copy_batch(connection: CopyConnection, batch: Batch, counts: Counter[str]) -> None:
    """COPY every table of the batch, parents first; add the rows loaded to counts."""
    for table, rows in batch.tables():
        if rows:
            await connection.copy_records_to_table(
                table, records=rows, columns=list(type(rows[0])._fields)
            )
            counts[table] += len(rows)
