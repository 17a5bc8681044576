"""Network, programmes, countries, currencies and exchange rates: scoped reads."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, literal, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import CHAR, Date

from domain import rules
from domain.enums import ProgrammePhase, Role
from domain.errors import ErrorCode, RuleViolation
from domain.ids import uuid7

from .models import AutonomyMilestone, Country, Currency, ExchangeRate, Network, Partner, Programme
from .pagination import Listing
from .scope import Scope

programmes = Programme.__table__
partners = Partner.__table__
milestones = AutonomyMilestone.__table__


@dataclass(frozen=True, slots=True)
class ProgrammeFilter:
    codes: tuple[str, ...] | None = None
    country_codes: tuple[str, ...] | None = None
    phases: tuple[ProgrammePhase, ...] | None = None
    currency_codes: tuple[str, ...] | None = None


def _programmes(scope: Scope, f: ProgrammeFilter | None) -> Select[Any]:
    stmt = select(programmes).where(scope.where(programmes.c.id))
    if f is not None:
        if f.codes is not None:
            stmt = stmt.where(programmes.c.code.in_(f.codes))
        if f.country_codes is not None:
            stmt = stmt.where(programmes.c.country_code.in_(f.country_codes))
        if f.phases is not None:
            stmt = stmt.where(programmes.c.phase.in_(f.phases))
        if f.currency_codes is not None:
            stmt = stmt.where(programmes.c.currency_code.in_(f.currency_codes))
    return stmt


PROGRAMMES = Listing(_programmes, programmes.c.id)
PARTNERS: Listing[None] = Listing(
    lambda scope, _: select(partners).where(scope.where(partners.c.programme_id)), partners.c.id
)
MILESTONES: Listing[None] = Listing(
    lambda scope, _: select(milestones).where(scope.where(milestones.c.programme_id)),
    milestones.c.id,
)


async def programme_ids_by_code(
    session: AsyncSession, codes: Sequence[str]
) -> dict[str, uuid.UUID]:
    """Resolve programme codes (not scoped: used to build a scope, and to validate filters)."""
    stmt = select(programmes.c.code, programmes.c.id).where(programmes.c.code.in_(list(codes)))
    return {code: pid for code, pid in (await session.execute(stmt)).all()}  # noqa: C416


async def network(session: AsyncSession) -> RowMapping | None:
    return (await session.execute(select(Network.__table__).limit(1))).mappings().first()


async def countries_by_code(session: AsyncSession, codes: Sequence[str]) -> dict[str, RowMapping]:
    stmt = select(Country.__table__).where(Country.__table__.c.code.in_(list(codes)))
    return {row["code"]: row for row in (await session.execute(stmt)).mappings()}


async def countries(session: AsyncSession, scope: Scope) -> list[RowMapping]:
    """Countries where the viewer can see at least one programme."""
    c = Country.__table__
    stmt = (
        select(c)
        .where(c.c.code.in_(select(programmes.c.country_code).where(scope.where(programmes.c.id))))
        .order_by(c.c.name)
    )
    return list((await session.execute(stmt)).mappings())


async def currencies(session: AsyncSession) -> list[RowMapping]:
    c = Currency.__table__
    return list((await session.execute(select(c).order_by(c.c.code))).mappings())


async def rates_in_force(
    session: AsyncSession, keys: Sequence[tuple[str, date]]
) -> dict[tuple[str, date], RowMapping]:
    """For each (currency, month), the rate of that month or, if none yet, the latest before."""
    r = ExchangeRate.__table__
    wanted = (
        func.unnest(
            literal([k[0] for k in keys], ARRAY(CHAR(3))),
            literal([k[1] for k in keys], ARRAY(Date())),
        )
        .table_valued("currency_code", "month")
        .render_derived(name="wanted")
    )
    latest = (
        select(r)
        .where(r.c.currency_code == wanted.c.currency_code, r.c.month <= wanted.c.month)
        .order_by(r.c.month.desc())
        .limit(1)
        .lateral()
    )
    stmt = select(
        wanted.c.currency_code.label("wanted_currency"),
        wanted.c.month.label("wanted_month"),
        latest,
    ).join(latest, true())
    rows = (await session.execute(stmt)).mappings()
    return {(row["wanted_currency"].strip(), row["wanted_month"]): row for row in rows}


async def exchange_rates(
    session: AsyncSession, currency_code: str, since: date | None, until: date | None
) -> list[RowMapping]:
    r = ExchangeRate.__table__
    stmt = select(r).where(r.c.currency_code == currency_code)
    if since is not None:
        stmt = stmt.where(r.c.month >= since)
    if until is not None:
        stmt = stmt.where(r.c.month <= until)
    return list((await session.execute(stmt.order_by(r.c.month))).mappings())


def in_programmes(column: Any, codes: Sequence[str]) -> Any:
    """Restrict a programme_id column to programmes given by code (a filter, not a scope)."""
    return column.in_(select(programmes.c.id).where(programmes.c.code.in_(list(codes))))


# --- Autonomy milestones: head office's writes ---------------------------------------------

MILESTONE_FIELDS = ("target_on", "achieved_on", "evidence")


async def _milestone_programme(
    session: AsyncSession, scope: Scope, programme_id: uuid.UUID
) -> None:
    """The programme must be visible, and the viewer head office."""
    found = await session.scalar(
        select(programmes.c.id).where(programmes.c.id == programme_id, scope.where(programmes.c.id))
    )
    if found is None:
        raise RuleViolation("programme", ErrorCode.NOT_FOUND, "No such programme.")
    if scope.read_only or scope.role is not Role.HEAD_OFFICE:
        raise RuleViolation(
            (), ErrorCode.NOT_ALLOWED, "Head office records the milestones toward autonomy."
        )


def _check_milestone(achieved_on: date | None, evidence: str, today: date) -> None:
    """A milestone reached is reached by today, and shows what proves it."""
    if achieved_on is not None:
        rules.not_in_future("achievedOn", achieved_on, today)
        if not evidence:
            raise RuleViolation(
                "evidence", ErrorCode.REQUIRED, "Say what shows the milestone was reached."
            )


async def set_milestone(
    session: AsyncSession,
    scope: Scope,
    *,
    programme_id: uuid.UUID,
    title: str,
    target_on: date | None,
    achieved_on: date | None,
    evidence: str,
    today: date,
) -> RowMapping:
    """The programme's milestone of that title, created, or given these dates and evidence."""
    await _milestone_programme(session, scope, programme_id)
    title = rules.required_text("title", title)
    evidence = evidence.strip()
    _check_milestone(achieved_on, evidence, today)
    stmt = pg_insert(AutonomyMilestone).values(
        id=uuid7(),
        programme_id=programme_id,
        title=title,
        target_on=target_on,
        achieved_on=achieved_on,
        evidence=evidence,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[milestones.c.programme_id, milestones.c.title],
        set_={name: stmt.excluded[name] for name in MILESTONE_FIELDS},
    )
    return (await session.execute(stmt.returning(*milestones.c))).mappings().one()


async def update_milestone(
    session: AsyncSession,
    scope: Scope,
    *,
    programme_id: uuid.UUID,
    title: str,
    new_title: str | None,
    changes: dict[str, Any],
    today: date,
) -> RowMapping:
    """Rename a milestone and change some of its MILESTONE_FIELDS (the keys of `changes`; a
    date given as None is cleared); what is not given stays."""
    assert set(changes) <= set(MILESTONE_FIELDS), f"not milestone fields: {set(changes)}"
    await _milestone_programme(session, scope, programme_id)
    current = (
        (
            await session.execute(
                select(milestones)
                .where(milestones.c.programme_id == programme_id, milestones.c.title == title)
                .with_for_update()
            )
        )
        .mappings()
        .first()
    )
    if current is None:
        raise RuleViolation("title", ErrorCode.NOT_FOUND, "The programme has no such milestone.")
    values = {name: current[name] for name in MILESTONE_FIELDS} | changes
    values["evidence"] = (values["evidence"] or "").strip()
    _check_milestone(values["achieved_on"], values["evidence"], today)
    if new_title is not None:
        values["title"] = rules.required_text("newTitle", new_title)
        taken = await session.scalar(
            select(milestones.c.id).where(
                milestones.c.programme_id == programme_id,
                milestones.c.title == values["title"],
                milestones.c.id != current["id"],
            )
        )
        if taken is not None:
            raise RuleViolation(
                "newTitle", ErrorCode.ALREADY_EXISTS, "The programme has a milestone of that title."
            )
    stmt = (
        update(AutonomyMilestone)
        .where(milestones.c.id == current["id"])
        .values(values)
        .returning(*milestones.c)
    )
    return (await session.execute(stmt)).mappings().one()
