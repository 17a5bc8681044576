"""Network, programmes, countries, currencies and exchange rates: scoped reads; head office's
writes (milestones toward autonomy, loan products) and the management of facilitators."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, func, insert, literal, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import CHAR, Date

from domain import products as terms
from domain import rules
from domain.enums import (
    DueDateRule,
    EarlyPayoffInterest,
    GroupStatus,
    InstallmentFrequency,
    InterestMethod,
    ProgrammePhase,
    Role,
)
from domain.errors import ErrorCode, RuleViolation
from domain.ids import uuid7
from domain.lending import CycleBand

from .models import (
    AutonomyMilestone,
    Country,
    Currency,
    ExchangeRate,
    Facilitator,
    Group,
    LoanProduct,
    LoanProductCycle,
    Network,
    Partner,
    Programme,
)
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


# --- Loan products (head office) and facilitators (head office or the programme's staff) ----
# The programme's row is share-locked first: writes about one programme's catalogue queue.

products = LoanProduct.__table__
product_cycles = LoanProductCycle.__table__
facilitators = Facilitator.__table__
groups = Group.__table__


def require_manager(scope: Scope, programme_id: uuid.UUID, *, staff_too: bool) -> None:
    """Head office (not read-only) manages; with `staff_too`, the programme's staff as well.
    A replicated programme's rows are written in its own database."""
    for replicated_id, where_to_write in scope.elsewhere:
        if replicated_id == programme_id:
            raise RuleViolation((), ErrorCode.NOT_ALLOWED, where_to_write)
    head_office = (
        scope.role is Role.HEAD_OFFICE and not scope.read_only and scope.allows(programme_id)
    )
    if head_office or (staff_too and scope.may_operate(programme_id)):
        return
    who = "Head office or the programme's staff manage" if staff_too else "Head office manages"
    what = "its facilitators" if staff_too else "the loan products"
    raise RuleViolation((), ErrorCode.NOT_ALLOWED, f"{who} {what}.")


async def _programme(session: AsyncSession, scope: Scope, programme_id: uuid.UUID) -> RowMapping:
    row = (
        (
            await session.execute(
                select(programmes)
                .where(programmes.c.id == programme_id, scope.where(programmes.c.id))
                .with_for_update(read=True)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise RuleViolation("programme", ErrorCode.NOT_FOUND, "No such programme.")
    return row


@dataclass(frozen=True, slots=True)
class BandInput:
    """A cycle band as given: amounts with their currency."""

    first_cycle: int
    last_cycle: int | None
    min_principal: tuple[Decimal, str]
    max_principal: tuple[Decimal, str]


@dataclass(frozen=True, slots=True)
class ProductTerms:
    """A product's terms as given; on an update, None leaves a term as it is."""

    name: str | None = None
    interest_method: InterestMethod | None = None
    period_rate_percent: Decimal | None = None
    installments: int | None = None
    installment_frequency: InstallmentFrequency | None = None
    fee_percent: Decimal | None = None
    min_principal: tuple[Decimal, str] | None = None
    max_principal: tuple[Decimal, str] | None = None
    allows_concurrent_loans: bool | None = None
    due_dates_follow: DueDateRule | None = None
    early_payoff_interest: EarlyPayoffInterest | None = None
    cycles: Sequence[BandInput] | None = None


def _checked_terms(
    given: ProductTerms, current: RowMapping | None, currency: str
) -> tuple[dict[str, Any], list[CycleBand] | None]:
    """The product's columns to write and its bands (None: unchanged), checked."""
    values: dict[str, Any] = {}
    if given.name is not None:
        values["name"] = rules.required_text("name", given.name)
    if given.interest_method is not None:
        values["interest_method"] = given.interest_method
    if given.period_rate_percent is not None:
        values["period_rate_percent"] = terms.percent(
            "periodRatePercent", given.period_rate_percent, 4
        )
    if given.installments is not None:
        values["installments"] = terms.installments("installments", given.installments)
    if given.installment_frequency is not None:
        values["installment_frequency"] = given.installment_frequency
    if given.fee_percent is not None:
        values["fee_percent"] = terms.percent("feePercent", given.fee_percent, 2)
    if given.allows_concurrent_loans is not None:
        values["allows_concurrent_loans"] = given.allows_concurrent_loans
    if given.due_dates_follow is not None:
        values["due_dates_follow"] = given.due_dates_follow
    if given.early_payoff_interest is not None:
        values["early_payoff_interest"] = given.early_payoff_interest

    def given_or_kept(amount: tuple[Decimal, str] | None, column: str) -> tuple[Decimal, str]:
        if amount is not None:
            return amount
        assert current is not None, "a new product's range is required"
        return current[column], currency

    minimum, maximum = terms.principal_range(
        given_or_kept(given.min_principal, "min_principal"),
        given_or_kept(given.max_principal, "max_principal"),
        currency,
    )
    if given.min_principal is not None or given.max_principal is not None:
        values |= {"min_principal": minimum, "max_principal": maximum}
    bands = None
    if given.cycles is not None:
        bands = []
        for index, band in enumerate(given.cycles):
            band_min, band_max = terms.principal_range(
                band.min_principal, band.max_principal, currency, ("cycles", str(index))
            )
            bands.append(CycleBand(band.first_cycle, band.last_cycle, band_min, band_max))
        terms.check_bands(bands, minimum, maximum)
    return values, bands


async def _name_free(
    session: AsyncSession, programme_id: uuid.UUID, name: str, product_id: uuid.UUID | None
) -> None:
    taken = await session.scalar(
        select(products.c.id).where(
            products.c.programme_id == programme_id,
            products.c.name == name,
            products.c.id != product_id if product_id is not None else true(),
        )
    )
    if taken is not None:
        raise RuleViolation(
            "name", ErrorCode.ALREADY_EXISTS, f"The programme has a product {name!r}."
        )


async def _write_bands(
    session: AsyncSession, product: RowMapping, bands: Sequence[CycleBand]
) -> None:
    await session.execute(
        delete(LoanProductCycle).where(product_cycles.c.product_id == product["id"])
    )
    if bands:
        await session.execute(
            insert(LoanProductCycle),
            [
                {
                    "id": uuid7(),
                    "programme_id": product["programme_id"],
                    "product_id": product["id"],
                    "first_cycle": b.first_cycle,
                    "last_cycle": b.last_cycle,
                    "min_principal": b.min_principal,
                    "max_principal": b.max_principal,
                }
                for b in bands
            ],
        )


async def create_product(
    session: AsyncSession, scope: Scope, *, programme_id: uuid.UUID, given: ProductTerms
) -> RowMapping:
    """A loan product of the programme, offered from now on, in its currency."""
    programme = await _programme(session, scope, programme_id)
    require_manager(scope, programme_id, staff_too=False)
    currency = programme["currency_code"].strip()
    for field, value in (
        ("name", given.name),
        ("interestMethod", given.interest_method),
        ("periodRatePercent", given.period_rate_percent),
        ("installments", given.installments),
        ("installmentFrequency", given.installment_frequency),
        ("minPrincipal", given.min_principal),
        ("maxPrincipal", given.max_principal),
    ):
        if value is None:
            raise RuleViolation(field, ErrorCode.REQUIRED, "Must not be null.")
    values, bands = _checked_terms(given, None, currency)
    await _name_free(session, programme_id, values["name"], None)
    row = (
        (
            await session.execute(
                insert(LoanProduct)
                .values(
                    id=uuid7(),
                    programme_id=programme_id,
                    currency_code=currency,
                    fee_percent=values.pop("fee_percent", Decimal(0)),
                    allows_concurrent_loans=values.pop("allows_concurrent_loans", False),
                    active=True,
                    **values,
                )
                .returning(*products.c)
            )
        )
        .mappings()
        .one()
    )
    await _write_bands(session, row, bands or [])
    return row


async def _locked_product(session: AsyncSession, scope: Scope, product_id: uuid.UUID) -> RowMapping:
    row = (
        (
            await session.execute(
                select(products)
                .where(products.c.id == product_id, scope.where(products.c.programme_id))
                .with_for_update(key_share=True)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise RuleViolation("product", ErrorCode.NOT_FOUND, "No such loan product.")
    require_manager(scope, row["programme_id"], staff_too=False)
    if not row["active"]:
        raise RuleViolation("product", ErrorCode.INVALID_STATE, "The product is retired.")
    return row


async def update_product(
    session: AsyncSession, scope: Scope, *, product_id: uuid.UUID, given: ProductTerms
) -> RowMapping:
    """Change some of a product's terms; `cycles`, when given, replaces its bands. Loans keep
    the terms they were granted under (see LoanProductUpdateInput)."""
    current = await _locked_product(session, scope, product_id)
    currency = current["currency_code"].strip()
    values, bands = _checked_terms(given, current, currency)
    if bands is None and ("min_principal" in values or "max_principal" in values):
        kept = (
            await session.execute(
                select(
                    product_cycles.c.first_cycle,
                    product_cycles.c.last_cycle,
                    product_cycles.c.min_principal,
                    product_cycles.c.max_principal,
                )
                .where(product_cycles.c.product_id == product_id)
                .order_by(product_cycles.c.first_cycle)
            )
        ).all()
        try:
            terms.check_bands(
                [CycleBand(*band) for band in kept],
                values.get("min_principal", current["min_principal"]),
                values.get("max_principal", current["max_principal"]),
            )
        except RuleViolation as refused:
            raise RuleViolation(
                "maxPrincipal" if "max_principal" in values else "minPrincipal",
                ErrorCode.OUT_OF_RANGE,
                f"Its cycle bands lend outside that range: give new `cycles` too. "
                f"({refused.message})",
            ) from None
    if "name" in values and values["name"] != current["name"]:
        await _name_free(session, current["programme_id"], values["name"], product_id)
    row = current
    if values:
        row = (
            (
                await session.execute(
                    update(LoanProduct)
                    .where(products.c.id == product_id)
                    .values(**values)
                    .returning(*products.c)
                )
            )
            .mappings()
            .one()
        )
    if bands is not None:
        await _write_bands(session, row, bands)
    return row


async def retire_product(
    session: AsyncSession, scope: Scope, *, product_id: uuid.UUID, retired_on: date, today: date
) -> RowMapping:
    """The product no longer offered for new applications; its loans keep pointing at it."""
    await _locked_product(session, scope, product_id)
    rules.not_in_future("retiredOn", retired_on, today)
    return (
        (
            await session.execute(
                update(LoanProduct)
                .where(products.c.id == product_id)
                .values(active=False, retired_on=retired_on)
                .returning(*products.c)
            )
        )
        .mappings()
        .one()
    )


FACILITATOR_FIELDS = ("first_name", "last_name", "phone")


def _facilitator_details(given: dict[str, Any]) -> dict[str, Any]:
    """Names required when given; a blank phone means unknown."""
    values: dict[str, Any] = {}
    for column, field in (("first_name", "firstName"), ("last_name", "lastName")):
        if column in given:
            if given[column] is None:
                raise RuleViolation(field, ErrorCode.REQUIRED, "Must not be null.")
            values[column] = rules.required_text(field, given[column])
    if "phone" in given:
        values["phone"] = (given["phone"] or "").strip() or None
    return values


async def create_facilitator(
    session: AsyncSession,
    scope: Scope,
    *,
    programme_id: uuid.UUID,
    details: dict[str, Any],
    hired_on: date,
    today: date,
) -> RowMapping:
    await _programme(session, scope, programme_id)
    require_manager(scope, programme_id, staff_too=True)
    values = _facilitator_details({"first_name": None, "last_name": None, **details})
    rules.not_in_future("hiredOn", hired_on, today)
    return (
        (
            await session.execute(
                insert(Facilitator)
                .values(
                    id=uuid7(), programme_id=programme_id, hired_on=hired_on, active=True, **values
                )
                .returning(*facilitators.c)
            )
        )
        .mappings()
        .one()
    )


async def _locked_facilitator(
    session: AsyncSession, scope: Scope, facilitator_id: uuid.UUID
) -> RowMapping:
    row = (
        (
            await session.execute(
                select(facilitators)
                .where(
                    facilitators.c.id == facilitator_id, scope.where(facilitators.c.programme_id)
                )
                .with_for_update(key_share=True)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise RuleViolation("facilitator", ErrorCode.NOT_FOUND, "No such facilitator.")
    require_manager(scope, row["programme_id"], staff_too=True)
    return row


async def update_facilitator(
    session: AsyncSession, scope: Scope, *, facilitator_id: uuid.UUID, details: dict[str, Any]
) -> RowMapping:
    """Correct a facilitator's names or phone (retired or not)."""
    current = await _locked_facilitator(session, scope, facilitator_id)
    values = _facilitator_details(details)
    if not values:
        return current
    return (
        (
            await session.execute(
                update(Facilitator)
                .where(facilitators.c.id == facilitator_id)
                .values(**values)
                .returning(*facilitators.c)
            )
        )
        .mappings()
        .one()
    )


async def retire_facilitator(
    session: AsyncSession,
    scope: Scope,
    *,
    facilitator_id: uuid.UUID,
    retired_on: date,
    today: date,
) -> RowMapping:
    """A facilitator who left the programme: refused while they still facilitate an open
    group (give it another first, groupUpdate); their past rows keep pointing at them."""
    current = await _locked_facilitator(session, scope, facilitator_id)
    if not current["active"]:
        raise RuleViolation("facilitator", ErrorCode.INVALID_STATE, "This facilitator has left.")
    rules.not_in_future("retiredOn", retired_on, today)
    rules.in_order("retiredOn", current["hired_on"], retired_on)
    # Share-locks the groups: a group cannot be handed to them meanwhile.
    assigned = (
        await session.scalars(
            select(groups.c.name)
            .where(groups.c.facilitator_id == facilitator_id, groups.c.status != GroupStatus.CLOSED)
            .order_by(groups.c.name)
            .with_for_update(read=True)
        )
    ).all()
    if assigned:
        raise RuleViolation(
            "facilitator",
            ErrorCode.STILL_ASSIGNED,
            f"They still facilitate {len(assigned)} open group(s) ({', '.join(assigned[:3])}"
            f"{', …' if len(assigned) > 3 else ''}): give each another facilitator first.",
        )
    return (
        (
            await session.execute(
                update(Facilitator)
                .where(facilitators.c.id == facilitator_id)
                .values(active=False, retired_on=retired_on)
                .returning(*facilitators.c)
            )
        )
        .mappings()
        .one()
    )
