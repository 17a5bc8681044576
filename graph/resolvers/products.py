"""Head office's catalogue: loan products (create, update, retire); and facilitators
(create, update, retire), which the programme's own staff may manage too."""

import dataclasses
from datetime import date
from decimal import Decimal

import strawberry
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.utils.str_converters import to_camel_case

from db import network as db_network

from ..context import Viewer
from ..schema import network as types
from ..schema.money import MoneyInput, plain
from .mutations import Written, mutation, node_uuid


def _money(given: MoneyInput | None) -> tuple[Decimal, str] | None:
    return (given.amount, given.currency) if given is not None else None


def _bands(
    given: list[types.LoanProductCycleInput] | None,
) -> list[db_network.BandInput] | None:
    if given is None:
        return None
    return [
        db_network.BandInput(
            band.first_cycle,
            band.last_cycle,
            (band.min_principal.amount, band.min_principal.currency),
            (band.max_principal.amount, band.max_principal.currency),
        )
        for band in given
    ]


def _product_written(row: RowMapping, **details: object) -> Written:
    return Written("LoanProduct", row["id"], row["programme_id"], {"name": row["name"], **details})


@mutation(types.LoanProductPayload, description="Create a loan product of a programme.")
async def loan_product_create(
    session: AsyncSession, viewer: Viewer, input: types.LoanProductCreateInput
) -> Written:
    row = await db_network.create_product(
        session,
        viewer.scope,
        programme_id=node_uuid(input.programme, "Programme", "programme"),
        given=db_network.ProductTerms(
            name=input.name,
            interest_method=input.interest_method,
            period_rate_percent=input.period_rate_percent,
            installments=input.installments,
            installment_frequency=input.installment_frequency,
            fee_percent=input.fee_percent,
            min_principal=_money(input.min_principal),
            max_principal=_money(input.max_principal),
            allows_concurrent_loans=input.allows_concurrent_loans,
            due_dates_follow=input.due_dates_follow,
            early_payoff_interest=input.early_payoff_interest,
            cycles=_bands(input.cycles),
        ),
    )
    return _product_written(row, periodRatePercent=plain(row["period_rate_percent"]))


@mutation(types.LoanProductPayload, description="Change some of a loan product's terms.")
async def loan_product_update(
    session: AsyncSession, viewer: Viewer, input: types.LoanProductUpdateInput
) -> Written:
    given = db_network.ProductTerms(
        name=input.name,
        interest_method=input.interest_method,
        period_rate_percent=input.period_rate_percent,
        installments=input.installments,
        installment_frequency=input.installment_frequency,
        fee_percent=input.fee_percent,
        min_principal=_money(input.min_principal),
        max_principal=_money(input.max_principal),
        allows_concurrent_loans=input.allows_concurrent_loans,
        due_dates_follow=input.due_dates_follow,
        early_payoff_interest=input.early_payoff_interest,
        cycles=_bands(input.cycles),
    )
    row = await db_network.update_product(
        session,
        viewer.scope,
        product_id=node_uuid(input.product, "LoanProduct", "product"),
        given=given,
    )
    # Which terms changed, for the audit trail.
    changed = sorted(
        to_camel_case(f.name)
        for f in dataclasses.fields(given)
        if getattr(given, f.name) is not None
    )
    return _product_written(row, changed=changed)


@mutation(types.LoanProductPayload, description="Retire a loan product: no new loan uses it.")
async def loan_product_retire(
    session: AsyncSession, viewer: Viewer, input: types.LoanProductRetireInput
) -> Written:
    row = await db_network.retire_product(
        session,
        viewer.scope,
        product_id=node_uuid(input.product, "LoanProduct", "product"),
        retired_on=input.retired_on,
        today=date.today(),
    )
    return _product_written(row, retiredOn=row["retired_on"])


def _facilitator_written(row: RowMapping, **details: object) -> Written:
    # Names and phone stay out of the audit trail (the phone is personal data).
    return Written("Facilitator", row["id"], row["programme_id"], dict(details))


@mutation(types.FacilitatorPayload, description="Hire a facilitator for a programme.")
async def facilitator_create(
    session: AsyncSession, viewer: Viewer, input: types.FacilitatorCreateInput
) -> Written:
    row = await db_network.create_facilitator(
        session,
        viewer.scope,
        programme_id=node_uuid(input.programme, "Programme", "programme"),
        details={
            "first_name": input.first_name,
            "last_name": input.last_name,
            "phone": input.phone,
        },
        hired_on=input.hired_on,
        today=date.today(),
    )
    return _facilitator_written(row, hiredOn=row["hired_on"])


@mutation(types.FacilitatorPayload, description="Correct a facilitator's names or phone.")
async def facilitator_update(
    session: AsyncSession, viewer: Viewer, input: types.FacilitatorUpdateInput
) -> Written:
    details = {
        name: value
        for name in db_network.FACILITATOR_FIELDS
        if (value := getattr(input, name)) is not strawberry.UNSET
    }
    row = await db_network.update_facilitator(
        session,
        viewer.scope,
        facilitator_id=node_uuid(input.facilitator, "Facilitator", "facilitator"),
        details=details,
    )
    changed = sorted(to_camel_case(name) for name in details)
    return _facilitator_written(row, changed=changed)


@mutation(types.FacilitatorPayload, description="Retire a facilitator who left the programme.")
async def facilitator_retire(
    session: AsyncSession, viewer: Viewer, input: types.FacilitatorRetireInput
) -> Written:
    row = await db_network.retire_facilitator(
        session,
        viewer.scope,
        facilitator_id=node_uuid(input.facilitator, "Facilitator", "facilitator"),
        retired_on=input.retired_on,
        today=date.today(),
    )
    return _facilitator_written(row, retiredOn=row["retired_on"])
