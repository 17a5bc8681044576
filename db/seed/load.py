"""Bulk loading: rows as COPY text, and the tables' keys, indexes and triggers set aside.

Rows are encoded to COPY's text format where they are generated (in worker processes), so the
process holding the connection only streams bytes. Building an index once over loaded rows is
many times cheaper than updating it row by row, and a foreign key is checked by one join
instead of one lookup per row: the load drops them and builds them again, in its transaction.
"""

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from types import NoneType, UnionType
from typing import Any, Protocol, Union, get_args, get_origin, get_type_hints

# COPY text format: backslash escapes for the characters that delimit fields and rows.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def escape(value: str) -> str:
    return value.translate(_ESCAPES)


def _field(index: int, hint: Any) -> str:
    """The f-string piece that writes field `index` of a row in COPY text."""
    args = get_args(hint) if get_origin(hint) in (Union, UnionType) else (hint,)
    base = next(a for a in args if a is not NoneType)
    value = f"r[{index}]"
    if base is str:
        text = f"e({value})"
    elif base is bool:
        text = f"('t' if {value} else 'f')"
    elif base is date or (base is uuid.UUID and index > 0):
        # Values that repeat (a row's parent ids, days): formatted once per batch. Not
        # decimals: 0 and 0.00 are equal keys but different texts.
        text = f"t[{value}]"
    else:
        # uuid, int, datetime, Decimal and StrEnum all format as PostgreSQL reads them.
        text = value
    if NoneType in args:
        text = f"(N if {value} is None else {text})"
    return "{" + text + "}"


class Texts(dict[Any, str]):
    """Values' COPY text, each formatted the first time it is asked for."""

    def __missing__(self, value: Any) -> str:
        text = self[value] = str(value)
        return text


def units_text(minor_units: int) -> Callable[[int], str]:
    """A function writing a non-negative amount in whole minor units as a decimal."""
    if minor_units == 0:
        return str
    pattern, scale = f"%d.%0{minor_units}d", 10**minor_units
    return lambda units: pattern % divmod(units, scale)


def line_encoder(row_type: type, texts: Texts) -> Callable[[Sequence[Any]], str]:
    """A function writing one row of this NamedTuple type as a COPY text line.

    Compiled once per type from its annotations: one f-string per row, no per-field calls.
    """
    hints = get_type_hints(row_type)
    names: tuple[str, ...] = row_type._fields  # type: ignore[attr-defined]
    pieces = "\\t".join(_field(i, hints[name]) for i, name in enumerate(names))
    source = f'lambda r: f"{pieces}\\n"'
    encode: Callable[[Sequence[Any]], str] = eval(  # built from our own annotations, not input
        source, {"e": escape, "N": NULL, "t": texts}
    )
    return encode


def encode_rows(rows: Sequence[Any], texts: Texts | None = None) -> bytes:
    """Rows of one NamedTuple type as COPY text."""
    if not rows:
        return b""
    encode = line_encoder(type(rows[0]), Texts() if texts is None else texts)
    return "".join(map(encode, rows)).encode()


@dataclass(frozen=True, slots=True)
class Chunk:
    """One table's rows of a batch, encoded."""

    table: str
    columns: tuple[str, ...]
    data: bytes
    rows: int


def encode_batch(tables: Sequence[tuple[str, Sequence[Any]]]) -> list[Chunk]:
    texts = Texts()  # one batch's: memory stays bounded
    return [
        Chunk(table, tuple(type(rows[0])._fields), encode_rows(rows, texts), len(rows))
        for table, rows in tables
        if rows
    ]


class Connection(Protocol):
    """The part of an asyncpg connection used here."""

    async def execute(self, query: str, *args: Any) -> str: ...

    async def fetch(self, query: str, *args: Any) -> list[Any]: ...

    async def copy_to_table(
        self,
        table_name: str,
        *,
        source: AsyncIterator[bytes],
        columns: Sequence[str],
        format: str,
    ) -> str: ...


async def copy_chunk(connection: Connection, chunk: Chunk, table: str | None = None) -> None:
    async def source() -> AsyncIterator[bytes]:
        yield chunk.data

    await connection.copy_to_table(
        table or chunk.table, source=source(), columns=chunk.columns, format="text"
    )


# Constraints and indexes of the loaded tables, and the foreign keys into them.
_CONSTRAINTS = """
SELECT c.conrelid::regclass::text AS tab, quote_ident(c.conname) AS name,
       pg_get_constraintdef(c.oid) AS definition, c.contype::text AS kind
  FROM pg_constraint c
 WHERE c.contype IN ('p', 'u', 'f')
   AND (c.conrelid = ANY($1::regclass[]) OR c.confrelid = ANY($1::regclass[]))
 ORDER BY c.contype = 'f', c.conrelid::regclass::text, c.conname
"""
_INDEXES = """
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
  FROM pg_index i
 WHERE i.indrelid = ANY($1::regclass[])
   AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid
                   AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
 ORDER BY 1
"""


async def set_aside(connection: Connection, tables: Sequence[str]) -> list[str]:
    """Drop the keys, unique constraints, foreign keys and indexes of these tables (and the
    foreign keys into them); return the statements that build them again, in order."""
    constraints = await connection.fetch(_CONSTRAINTS, list(tables))
    indexes = await connection.fetch(_INDEXES, list(tables))
    # Foreign keys first: they depend on the keys they reference.
    for c in sorted(constraints, key=lambda c: c["kind"] != "f"):
        await connection.execute(f"ALTER TABLE {c['tab']} DROP CONSTRAINT {c['name']}")
    for i in indexes:
        await connection.execute(f"DROP INDEX {i['name']}")
    keys = [c for c in constraints if c["kind"] != "f"]
    foreign = [c for c in constraints if c["kind"] == "f"]
    return (
        [f"ALTER TABLE {c['tab']} ADD CONSTRAINT {c['name']} {c['definition']}" for c in keys]
        + [i["definition"] for i in indexes]
        + [f"ALTER TABLE {c['tab']} ADD CONSTRAINT {c['name']} {c['definition']}" for c in foreign]
    )
