"""Generic per-request loaders over db/ listings: one statement per batch, scope applied."""

import uuid
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.engine import RowMapping
from strawberry.dataloader import DataLoader

from db.engine import Database
from db.pagination import Listing, Page, PageArgs
from db.scope import Scope


@dataclass(frozen=True, slots=True)
class PageKey:
    """One parent's page of children, with the filter and page arguments asked for."""

    parent_id: uuid.UUID
    filter: Hashable
    args: PageArgs


@dataclass(frozen=True, slots=True)
class CountKey:
    parent_id: uuid.UUID
    filter: Hashable


def rows_by_id(
    db: Database, scope: Scope, listing: Listing[Any]
) -> DataLoader[uuid.UUID, RowMapping | None]:
    async def load(ids: Sequence[uuid.UUID]) -> list[RowMapping | None]:
        async with db.read() as session:
            found = await listing.by_ids(session, scope, ids)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def pages_by(
    db: Database, scope: Scope, listing: Listing[Any], parent_col: ColumnElement[uuid.UUID]
) -> DataLoader[PageKey, Page]:
    async def load(keys: Sequence[PageKey]) -> list[Page]:
        batches: defaultdict[tuple[Hashable, PageArgs], list[uuid.UUID]] = defaultdict(list)
        for key in keys:
            batches[key.filter, key.args].append(key.parent_id)
        pages: dict[PageKey, Page] = {}
        async with db.read() as session:
            for (filter, args), parent_ids in batches.items():
                found = await listing.pages_by(session, scope, filter, parent_col, parent_ids, args)
                pages.update({PageKey(p, filter, args): page for p, page in found.items()})
        return [pages[key] for key in keys]

    return DataLoader(load_fn=load)


def counts_by(
    db: Database, scope: Scope, listing: Listing[Any], parent_col: ColumnElement[uuid.UUID]
) -> DataLoader[CountKey, int]:
    async def load(keys: Sequence[CountKey]) -> list[int]:
        batches: defaultdict[Hashable, list[uuid.UUID]] = defaultdict(list)
        for key in keys:
            batches[key.filter].append(key.parent_id)
        counts: dict[CountKey, int] = {}
        async with db.read() as session:
            for filter, parent_ids in batches.items():
                found = await listing.counts_by(session, scope, filter, parent_col, parent_ids)
                counts.update({CountKey(p, filter): n for p, n in found.items()})
        return [counts[key] for key in keys]

    return DataLoader(load_fn=load)


def all_by(
    db: Database, scope: Scope, listing: Listing[Any], parent_col: ColumnElement[uuid.UUID]
) -> DataLoader[uuid.UUID, list[RowMapping]]:
    """Every child of each parent: for small closed lists only (schedules, partners)."""

    async def load(parent_ids: Sequence[uuid.UUID]) -> list[list[RowMapping]]:
        async with db.read() as session:
            found = await listing.all_by(session, scope, parent_col, parent_ids)
        return [found[p] for p in parent_ids]

    return DataLoader(load_fn=load)
