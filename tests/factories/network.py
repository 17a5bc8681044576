"""Network rows: currencies, countries, rates and programmes."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Country, Currency, ExchangeRate, Network, Partner, Programme
from domain.enums import ProgrammePhase
from domain.ids import uuid7
from domain.money import CURRENCIES

from . import unique

COUNTRIES = {"SN": "Senegal", "BF": "Burkina Faso", "HT": "Haiti", "GN": "Guinea", "FR": "France"}


async def reference_data(session: AsyncSession) -> uuid.UUID:
    """Currencies, countries and the network (idempotent); returns the network's id."""
    await session.execute(
        insert(Currency)
        .values([{"code": c, "name": n, "minor_units": m} for c, (n, m) in CURRENCIES.items()])
        .on_conflict_do_nothing()
    )
    await session.execute(
        insert(Country)
        .values([{"code": c, "name": n} for c, n in COUNTRIES.items()])
        .on_conflict_do_nothing()
    )
    await session.execute(
        insert(Network)
        .values(
            id=uuid7(),
            name="Entrepreneurs du Monde",
            head_office="Lyon, France",
            reporting_currency_code="EUR",
        )
        .on_conflict_do_nothing()
    )
    network_id = await session.scalar(select(Network.id).limit(1))
    assert network_id is not None
    return network_id


async def programme(session: AsyncSession, **overrides: Any) -> dict[str, Any]:
    """A programme with a unique code; FANSOTO-like unless overridden."""
    network_id = await reference_data(session)
    values: dict[str, Any] = {
        "id": uuid7(),
        "network_id": network_id,
        "code": unique("FANSOTO"),
        "name": "FANSOTO (test)",
        "country_code": "SN",
        "region": "Casamance",
        "base_city": "Ziguinchor",
        "currency_code": "XOF",
        "phase": ProgrammePhase.CONSOLIDATION,
        "started_on": date(2016, 1, 1),
        "initial_training_sessions": 6,
    }
    values.update(overrides)
    await session.execute(insert(Programme).values(**values))
    return values


async def partner(session: AsyncSession, programme_id: uuid.UUID, name: str) -> None:
    await session.execute(insert(Partner).values(id=uuid7(), programme_id=programme_id, name=name))


async def rate(
    session: AsyncSession, currency: str, month: date, closing: Decimal, average: Decimal
) -> None:
    await session.execute(
        insert(ExchangeRate)
        .values(
            id=uuid7(),
            currency_code=currency,
            month=month,
            closing_rate=closing,
            average_rate=average,
        )
        .on_conflict_do_nothing()
    )
