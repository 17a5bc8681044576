from __future__ import annotations

import uuid
from datetime import date

from db import network as db_network
from db.pagination import PageArgs

from ..context import Info
from ..dataloaders.base import CountKey, PageKey
from ..schema import money
from ..schema import network as types
from ..schema.relay import Connection, connection, page_args
from .base import root_connection


async def network(info: Info) -> types.Network | None:

    async with info.context.db.read() as session:
        row = await db_network.network(session)
    if row is None:
        return None
    return types.Network(
        name=row["name"],
        head_office=row["head_office"],
        network_id=row["id"],
        reporting_currency_code=row["reporting_currency_code"],
    )


async def network_programmes(
    info: Info,
    network_id: uuid.UUID,
    filter: types.ProgrammeFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Programme]:

    loaders = info.context.loaders.network
    db_filter = filter.to_db() if filter else None
    args = page_args(info, first, after, last, before)
    page = await loaders.programmes_page.load(PageKey(network_id, db_filter, args))
    return connection(
        page,
        types.Programme.from_row,
        lambda: loaders.programmes_count.load(CountKey(network_id, db_filter)),
    )


async def programmes(
    info: Info,
    filter: types.ProgrammeFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Programme]:

    return await root_connection(
        info,
        listing=db_network.PROGRAMMES,
        filter=filter.to_db() if filter else None,
        to_node=types.Programme.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def programme_by_code(info: Info, code: str) -> types.Programme | None:

    ctx = info.context
    async with ctx.db.read() as session:
        page = await db_network.PROGRAMMES.page(
            session,
            ctx.viewer.scope,
            db_network.ProgrammeFilter(codes=(code,)),
            PageArgs(first=1),
        )
    return types.Programme.from_row(page.rows[0]) if page.rows else None


async def country(info: Info, code: str) -> types.Country:

    row = await info.context.loaders.network.country_by_code.load(code)
    assert row is not None, "programmes.country_code is a foreign key"
    return types.Country(code=row["code"], name=row["name"])


async def countries(info: Info) -> list[types.Country]:

    async with info.context.db.read() as session:
        rows = await db_network.countries(session, info.context.viewer.scope)
    return [types.Country(code=row["code"], name=row["name"]) for row in rows]


async def partners(info: Info, programme_id: uuid.UUID) -> list[types.Partner]:

    rows = await info.context.loaders.network.partners_by_programme.load(programme_id)
    return [types.Partner(name=r["name"], kind=r["kind"], since=r["since"]) for r in rows]


async def milestones(info: Info, programme_id: uuid.UUID) -> list[types.AutonomyMilestone]:

    rows = await info.context.loaders.network.milestones_by_programme.load(programme_id)
    return [
        types.AutonomyMilestone(
            title=r["title"],
            target_on=r["target_on"],
            achieved_on=r["achieved_on"],
            evidence=r["evidence"],
        )
        for r in rows
    ]


async def currencies(info: Info) -> list[money.Currency]:

    async with info.context.db.read() as session:
        rows = await db_network.currencies(session)
    return [money.Currency.of(row["code"]) for row in rows]


async def exchange_rates(
    info: Info, currency: str, since: date | None, until: date | None
) -> list[money.ExchangeRate]:

    async with info.context.db.read() as session:
        rows = await db_network.exchange_rates(session, currency, since, until)
    return [money.ExchangeRate.from_row(row) for row in rows]


async def programme_by_id(info: Info, programme_id: uuid.UUID) -> types.Programme:
    """The `programme` field of every programme-owned type: a viewer who sees a row sees its
    programme, since rows are scoped by that very programme."""
    row = await info.context.loaders.network.programme_by_id.load(programme_id)
    assert row is not None, "a visible row's programme is in the viewer's scope"
    return types.Programme.from_row(row)
