from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from db import loans as db_loans

from ..context import Info
from ..schema import loans as types
from ..schema.relay import Connection
from . import groups as groups_resolvers
from .base import child_connection, root_connection

if TYPE_CHECKING:
    from ..schema.groups import Facilitator, Group, Member


def _db_filter(filter: types.LoanFilter | None) -> db_loans.LoanFilter | None:
    return filter.to_db() if filter is not None else None


async def loans(
    info: Info,
    filter: types.LoanFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Loan]:
    return await root_connection(
        info,
        listing=db_loans.LOANS,
        filter=_db_filter(filter),
        to_node=types.Loan.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def loan_products(info: Info, programmes: list[str] | None) -> list[types.LoanProduct]:
    f = db_loans.LoanProductFilter(tuple(programmes) if programmes is not None else None)
    async with info.context.db.read() as session:
        rows = await db_loans.loan_products(session, info.context.viewer.scope, f)
    return [types.LoanProduct.from_row(row) for row in rows]


async def programme_loan_products(info: Info, programme_id: uuid.UUID) -> list[types.LoanProduct]:
    rows = await info.context.loaders.loans.loan_products_by_programme.load(programme_id)
    return [types.LoanProduct.from_row(row) for row in rows]


async def programme_loans(
    info: Info,
    programme_id: uuid.UUID,
    filter: types.LoanFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Loan]:
    loaders = info.context.loaders.loans
    return await child_connection(
        info,
        pages=loaders.loans_page_by_programme,
        counts=loaders.loans_count_by_programme,
        parent_id=programme_id,
        filter=_db_filter(filter),
        to_node=types.Loan.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def member_loans(
    info: Info,
    member_id: uuid.UUID,
    filter: types.LoanFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Loan]:
    loaders = info.context.loaders.loans
    return await child_connection(
        info,
        pages=loaders.loans_page_by_member,
        counts=loaders.loans_count_by_member,
        parent_id=member_id,
        filter=_db_filter(filter),
        to_node=types.Loan.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def group_loans(
    info: Info,
    group_id: uuid.UUID,
    filter: types.LoanFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Loan]:
    loaders = info.context.loaders.loans
    return await child_connection(
        info,
        pages=loaders.loans_page_by_group,
        counts=loaders.loans_count_by_group,
        parent_id=group_id,
        filter=_db_filter(filter),
        to_node=types.Loan.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def loan_repayments(
    info: Info,
    loan_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Repayment]:
    loaders = info.context.loaders.loans
    return await child_connection(
        info,
        pages=loaders.repayments_page_by_loan,
        counts=loaders.repayments_count_by_loan,
        parent_id=loan_id,
        filter=None,
        to_node=types.Repayment.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def schedule(info: Info, loan_id: uuid.UUID) -> list[types.Installment]:
    rows = await info.context.loaders.loans.schedule_by_loan.load(loan_id)
    return [types.Installment.from_row(row) for row in rows]


# A loan's programme, member, group and product are in the loan's programme, so whoever sees
# the loan sees them: those relations are never null.


async def member(info: Info, member_id: uuid.UUID) -> Member:
    found = await groups_resolvers.member_by_id(info, member_id)
    assert found is not None, "a visible loan's member is in the same programme"
    return found


async def group(info: Info, group_id: uuid.UUID) -> Group:
    found = await groups_resolvers.group_by_id(info, group_id)
    assert found is not None, "a visible loan's group is in the same programme"
    return found


async def loan_product(info: Info, product_id: uuid.UUID) -> types.LoanProduct:
    row = await info.context.loaders.loans.loan_product_by_id.load(product_id)
    assert row is not None, "a visible loan's product is in the same programme"
    return types.LoanProduct.from_row(row)


async def loan(info: Info, loan_id: uuid.UUID) -> types.Loan:
    row = await info.context.loaders.loans.loan_by_id.load(loan_id)
    assert row is not None, "a visible repayment's loan is in the same programme"
    return types.Loan.from_row(row)


async def facilitator(info: Info, facilitator_id: uuid.UUID | None) -> Facilitator | None:
    if facilitator_id is None:
        return None
    return await groups_resolvers.facilitator_by_id(info, facilitator_id)


async def repayment(info: Info, repayment_id: uuid.UUID | None) -> types.Repayment | None:
    if repayment_id is None:
        return None
    row = await info.context.loaders.loans.repayment_by_id.load(repayment_id)
    return types.Repayment.from_row(row) if row is not None else None


async def reversal(info: Info, repayment_id: uuid.UUID) -> types.Repayment | None:
    rows = await info.context.loaders.loans.reversals_by_repayment.load(repayment_id)
    return types.Repayment.from_row(rows[0]) if rows else None
