"""Loan products, loans, their schedules and repayments: scoped reads."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import LoanStatus

from .models import Installment, Loan, LoanProduct, Repayment
from .network import in_programmes
from .pagination import Listing
from .scope import Scope

products = LoanProduct.__table__
loans = Loan.__table__
installments = Installment.__table__
repayments = Repayment.__table__


@dataclass(frozen=True, slots=True)
class LoanProductFilter:
    programme_codes: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class LoanFilter:
    programme_codes: tuple[str, ...] | None = None
    statuses: tuple[LoanStatus, ...] | None = None
    cycles: tuple[int, ...] | None = None
    product_ids: tuple[uuid.UUID, ...] | None = None
    disbursed_from: date | None = None
    disbursed_to: date | None = None
    # Active loans whose oldest unpaid installment is at least this many days late at as_of.
    min_days_past_due: int | None = None
    as_of: date | None = None


def _products(scope: Scope, f: LoanProductFilter | None) -> Select[Any]:
    stmt = select(products).where(scope.where(products.c.programme_id))
    if f is not None and f.programme_codes is not None:
        stmt = stmt.where(in_programmes(products.c.programme_id, f.programme_codes))
    return stmt


def _loans(scope: Scope, f: LoanFilter | None) -> Select[Any]:
    stmt = select(loans).where(scope.where(loans.c.programme_id))
    if f is None:
        return stmt
    if f.programme_codes is not None:
        stmt = stmt.where(in_programmes(loans.c.programme_id, f.programme_codes))
    if f.statuses is not None:
        stmt = stmt.where(loans.c.status.in_(f.statuses))
    if f.cycles is not None:
        stmt = stmt.where(loans.c.cycle.in_(f.cycles))
    if f.product_ids is not None:
        stmt = stmt.where(loans.c.product_id.in_(f.product_ids))
    if f.disbursed_from is not None:
        stmt = stmt.where(loans.c.disbursed_on >= f.disbursed_from)
    if f.disbursed_to is not None:
        stmt = stmt.where(loans.c.disbursed_on <= f.disbursed_to)
    if f.min_days_past_due is not None and f.min_days_past_due > 0:
        # Days past due count from the oldest unpaid due date, kept on the loan (indexed).
        as_of = f.as_of or date.today()
        stmt = stmt.where(
            loans.c.status == LoanStatus.ACTIVE,
            loans.c.oldest_unpaid_due_on <= as_of - timedelta(days=f.min_days_past_due),
        )
    return stmt


def _repayments(scope: Scope, _: None) -> Select[Any]:
    # Repayments carry no currency of their own: it is their loan's.
    return (
        select(repayments, loans.c.currency_code)
        .select_from(repayments.join(loans, loans.c.id == repayments.c.loan_id))
        .where(scope.where(repayments.c.programme_id))
    )


LOAN_PRODUCTS = Listing(_products, products.c.id)
LOANS = Listing(_loans, loans.c.id)
REPAYMENTS: Listing[None] = Listing(_repayments, repayments.c.id)


async def loan_products(
    session: AsyncSession, scope: Scope, f: LoanProductFilter | None
) -> list[RowMapping]:
    stmt = LOAN_PRODUCTS.build(scope, f).order_by(products.c.programme_id, products.c.name)
    return list((await session.execute(stmt)).mappings())


async def schedules_by_loan(
    session: AsyncSession, scope: Scope, loan_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RowMapping]]:
    """Each loan's installments in number order, with the loan's currency."""
    stmt = (
        select(
            installments,
            (installments.c.principal_due + installments.c.interest_due).label("total_due"),
            loans.c.currency_code,
        )
        .select_from(installments.join(loans, loans.c.id == installments.c.loan_id))
        .where(scope.where(installments.c.programme_id))
        .where(installments.c.loan_id.in_(list(loan_ids)))
        .order_by(installments.c.loan_id, installments.c.number)
    )
    grouped: defaultdict[uuid.UUID, list[RowMapping]] = defaultdict(list)
    for row in (await session.execute(stmt)).mappings():
        grouped[row["loan_id"]].append(row)
    return {loan_id: grouped.get(loan_id, []) for loan_id in loan_ids}
