import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import RowMapping
from strawberry.dataloader import DataLoader

from db import network, replication
from db.engine import Database
from db.pagination import Page, PageArgs
from db.scope import Scope

from .base import CountKey, PageKey, all_by, counts_by, pages_by, rows_by_id


@dataclass(frozen=True, slots=True)
class NetworkLoaders:
    programme_by_id: DataLoader[uuid.UUID, RowMapping | None]
    partners_by_programme: DataLoader[uuid.UUID, list[RowMapping]]
    milestones_by_programme: DataLoader[uuid.UUID, list[RowMapping]]
    country_by_code: DataLoader[str, RowMapping | None]
    rate_in_force: DataLoader[tuple[str, date], RowMapping | None]
    # Programmes have no parent but the network: keyed by a constant parent id.
    programmes_page: DataLoader[PageKey, Page]
    programmes_count: DataLoader[CountKey, int]
    data_as_of: DataLoader[uuid.UUID, datetime | None]
    # Federation's `Programme @key(fields: "code")`: in the viewer's scope, like `programme`.
    programme_by_code: DataLoader[str, RowMapping | None]


def build(db: Database, scope: Scope) -> NetworkLoaders:
    async def countries(codes: Sequence[str]) -> list[RowMapping | None]:
        async with db.read() as session:
            found = await network.countries_by_code(session, codes)
        return [found.get(code) for code in codes]

    async def rates(keys: Sequence[tuple[str, date]]) -> list[RowMapping | None]:
        async with db.read() as session:
            found = await network.rates_in_force(session, keys)
        return [found.get(key) for key in keys]

    async def heartbeats(ids: Sequence[uuid.UUID]) -> list[datetime | None]:
        async with db.read() as session:
            found = await replication.data_as_of(session, list(ids))
        return [found.get(i) for i in ids]

    async def programmes_by_code(codes: Sequence[str]) -> list[RowMapping | None]:
        only = network.ProgrammeFilter(codes=tuple(codes))
        async with db.read() as session:
            page = await network.PROGRAMMES.page(session, scope, only, PageArgs(len(codes)))
        found = {row["code"]: row for row in page.rows}
        return [found.get(code) for code in codes]

    return NetworkLoaders(
        programme_by_id=rows_by_id(db, scope, network.PROGRAMMES),
        partners_by_programme=all_by(db, scope, network.PARTNERS, network.partners.c.programme_id),
        milestones_by_programme=all_by(
            db, scope, network.MILESTONES, network.milestones.c.programme_id
        ),
        country_by_code=DataLoader(load_fn=countries),
        rate_in_force=DataLoader(load_fn=rates),
        programmes_page=pages_by(db, scope, network.PROGRAMMES, network.programmes.c.network_id),
        programmes_count=counts_by(db, scope, network.PROGRAMMES, network.programmes.c.network_id),
        data_as_of=DataLoader(load_fn=heartbeats),
        programme_by_code=DataLoader(load_fn=programmes_by_code),
    )
