"""Keyset pagination over any scoped select: one statement per page, or per batch of parents.

Rows are ordered by primary key. Keys are UUIDv7, so that order is creation order.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, literal, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from .scope import Scope

F = TypeVar("F")


@dataclass(frozen=True, slots=True)
class PageArgs:
    """A validated page request: forward (first/after) or backward (last/before)."""

    first: int | None = None
    after: uuid.UUID | None = None
    last: int | None = None
    before: uuid.UUID | None = None

    @property
    def backward(self) -> bool:
        return self.last is not None

    @property
    def size(self) -> int:
        size = self.last if self.backward else self.first
        assert size is not None, "PageArgs needs first or last"
        return size


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[RowMapping]
    has_next: bool
    has_previous: bool


def _keyset(stmt: Select[Any], id_col: ColumnElement[uuid.UUID], args: PageArgs) -> Select[Any]:
    if args.after is not None:
        stmt = stmt.where(id_col > args.after)
    if args.before is not None:
        stmt = stmt.where(id_col < args.before)
    order = id_col.desc() if args.backward else id_col.asc()
    # One row more than asked tells whether another page follows.
    return stmt.order_by(order).limit(args.size + 1)


def _to_page(rows: Sequence[RowMapping], args: PageArgs) -> Page:
    more = len(rows) > args.size
    kept = list(rows[: args.size])
    if args.backward:
        kept.reverse()
        return Page(kept, has_next=args.before is not None, has_previous=more)
    return Page(kept, has_next=more, has_previous=args.after is not None)


async def fetch_page(
    session: AsyncSession, stmt: Select[Any], id_col: ColumnElement[uuid.UUID], args: PageArgs
) -> Page:
    rows = (await session.execute(_keyset(stmt, id_col, args))).mappings().all()
    return _to_page(rows, args)


async def count(session: AsyncSession, stmt: Select[Any]) -> int:
    query = stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    return int(await session.scalar(query) or 0)


def _parents(parent_ids: Sequence[uuid.UUID]) -> Any:
    return (
        func.unnest(literal(list(parent_ids), ARRAY(Uuid())))
        .table_valued("parent_id")
        .render_derived(name="parents")
    )


async def fetch_pages_by_parent(
    session: AsyncSession,
    stmt: Select[Any],
    parent_col: ColumnElement[uuid.UUID],
    id_col: ColumnElement[uuid.UUID],
    parent_ids: Sequence[uuid.UUID],
    args: PageArgs,
) -> dict[uuid.UUID, Page]:
    """One page per parent in one statement: a LATERAL keyset query for each parent key."""
    parents = _parents(parent_ids)
    per_parent = _keyset(stmt.where(parent_col == parents.c.parent_id), id_col, args).lateral()
    query = select(parents.c.parent_id.label("_parent"), per_parent).join(per_parent, true())
    grouped: defaultdict[uuid.UUID, list[RowMapping]] = defaultdict(list)
    for row in (await session.execute(query)).mappings():
        grouped[row["_parent"]].append(row)
    return {pid: _to_page(grouped.get(pid, []), args) for pid in parent_ids}


async def count_by_parent(
    session: AsyncSession,
    stmt: Select[Any],
    parent_col: ColumnElement[uuid.UUID],
    parent_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, int]:
    query = (
        stmt.with_only_columns(parent_col, func.count(), maintain_column_froms=True)
        .where(parent_col.in_(list(parent_ids)))
        .group_by(parent_col)
        .order_by(None)
    )
    counts = {row[0]: int(row[1]) for row in (await session.execute(query)).all()}
    return {pid: counts.get(pid, 0) for pid in parent_ids}


def between(stmt: Select[Any], column: Any, start: Any | None, end: Any | None) -> Select[Any]:
    """A filter on a span, bounds included; a missing bound does not restrict."""
    if start is not None:
        stmt = stmt.where(column >= start)
    if end is not None:
        stmt = stmt.where(column <= end)
    return stmt


class Listing(Generic[F]):
    """A kind of row as the graph lists it: a scoped, filterable select keyed by `id_col`.

    `build(scope, filter)` returns the select with the viewer's scope and the filter applied,
    so no path through a listing can reach rows outside the scope.
    """

    def __init__(
        self, build: Callable[[Scope, F | None], Select[Any]], id_col: ColumnElement[uuid.UUID]
    ) -> None:
        self.build = build
        self.id_col = id_col

    async def by_ids(
        self, session: AsyncSession, scope: Scope, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, RowMapping]:
        stmt = self.build(scope, None).where(self.id_col.in_(list(ids)))
        return {row["id"]: row for row in (await session.execute(stmt)).mappings()}

    async def page(
        self, session: AsyncSession, scope: Scope, filter: F | None, args: PageArgs
    ) -> Page:
        return await fetch_page(session, self.build(scope, filter), self.id_col, args)

    async def count(self, session: AsyncSession, scope: Scope, filter: F | None) -> int:
        return await count(session, self.build(scope, filter))

    async def pages_by(
        self,
        session: AsyncSession,
        scope: Scope,
        filter: F | None,
        parent_col: ColumnElement[uuid.UUID],
        parent_ids: Sequence[uuid.UUID],
        args: PageArgs,
    ) -> dict[uuid.UUID, Page]:
        stmt = self.build(scope, filter)
        return await fetch_pages_by_parent(session, stmt, parent_col, self.id_col, parent_ids, args)

    async def counts_by(
        self,
        session: AsyncSession,
        scope: Scope,
        filter: F | None,
        parent_col: ColumnElement[uuid.UUID],
        parent_ids: Sequence[uuid.UUID],
    ) -> dict[uuid.UUID, int]:
        return await count_by_parent(session, self.build(scope, filter), parent_col, parent_ids)

    async def all_by(
        self,
        session: AsyncSession,
        scope: Scope,
        parent_col: ColumnElement[uuid.UUID],
        parent_ids: Sequence[uuid.UUID],
    ) -> dict[uuid.UUID, list[RowMapping]]:
        """Every row of each parent, for small closed lists (a schedule, a member's accounts)."""
        stmt = self.build(scope, None).where(parent_col.in_(list(parent_ids)))
        grouped: defaultdict[uuid.UUID, list[RowMapping]] = defaultdict(list)
        for row in (await session.execute(stmt.order_by(self.id_col))).mappings():
            grouped[row[parent_col.key]].append(row)
        return {pid: grouped.get(pid, []) for pid in parent_ids}
