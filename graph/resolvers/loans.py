from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from db import loans as db_loans
from db.scope import Scope
from domain import allocation
from domain.enums import LoanStatus

from ..context import Info
from ..schema import loans as types
from ..schema.money import plain
from ..schema.relay import Connection
from . import groups as groups_resolvers
from .base import child_connection, root_connection
from .mutations import Outcome, Written, node_uuid, perform

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


async def product_cycles(info: Info, product_id: uuid.UUID) -> list[types.LoanProductCycle]:
    rows = await info.context.loaders.loans.cycles_by_loan_product.load(product_id)
    return [
        types.LoanProductCycle.from_row(row) for row in sorted(rows, key=lambda r: r["first_cycle"])
    ]


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


async def days_past_due(info: Info, loan: types.Loan, as_of: date | None) -> int:
    """Days past due at the end of `as_of`: today's from the loan's derived state, a past
    day's from the ledger as it stood then (as the indicators count them); 0 unless the loan
    was outstanding (disbursed, not yet repaid or written off) on that day."""
    today = date.today()
    day = as_of or today
    if day >= today:
        if loan.status is not LoanStatus.ACTIVE:
            return 0
        return allocation.days_past_due(loan.oldest_unpaid_due_on, day)
    state = await info.context.loaders.loans.loan_state_by_loan_day.load((loan.id, day))
    return 0 if state is None else allocation.days_past_due(state.oldest_unpaid_due_on, day)


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


# Mutations: parse the input, call the db write inside perform(), read the result back.


async def loan_by_id(info: Info, loan_id: uuid.UUID | None) -> types.Loan | None:
    if loan_id is None:
        return None
    row = await info.context.loaders.loans.loan_by_id.load(loan_id)
    return types.Loan.from_row(row) if row is not None else None


def _loan_written(row: RowMapping, **details: object) -> Written:
    return Written("Loan", row["id"], row["programme_id"], {"status": row["status"], **details})


async def _loan_outcome(info: Info, outcome: Outcome) -> types.Loan | None:
    return await loan_by_id(info, outcome.result_id)


async def loan_apply(info: Info, input: types.LoanApplyInput) -> types.LoanApplyPayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_loans.apply_for_loan(
            session,
            scope,
            member_id=node_uuid(input.member, "Member", "member"),
            product_id=node_uuid(input.product, "LoanProduct", "product"),
            principal=input.principal.amount,
            currency=input.principal.currency,
            purpose=input.purpose,
            applied_on=input.applied_on,
            today=date.today(),
        )
        return _loan_written(row, cycle=row["cycle"], principal=plain(row["principal"]))

    outcome = await perform(
        info, operation="loanApply", input=input, idempotency_key=input.idempotency_key, write=write
    )
    return types.LoanApplyPayload(
        loan=await _loan_outcome(info, outcome),
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


async def loan_approve(info: Info, input: types.LoanApproveInput) -> types.LoanApprovePayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_loans.approve_loan(
            session,
            scope,
            loan_id=node_uuid(input.loan, "Loan", "loan"),
            approved_on=input.approved_on,
            today=date.today(),
        )
        return _loan_written(row, approved_on=row["approved_on"])

    outcome = await perform(
        info,
        operation="loanApprove",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    return types.LoanApprovePayload(
        loan=await _loan_outcome(info, outcome),
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


async def loan_disburse(info: Info, input: types.LoanDisburseInput) -> types.LoanDisbursePayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_loans.disburse_loan(
            session,
            scope,
            loan_id=node_uuid(input.loan, "Loan", "loan"),
            disbursed_on=input.disbursed_on,
            today=date.today(),
        )
        return _loan_written(row, disbursed_on=row["disbursed_on"], fee=plain(row["fee"]))

    outcome = await perform(
        info,
        operation="loanDisburse",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    return types.LoanDisbursePayload(
        loan=await _loan_outcome(info, outcome),
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


async def repayment_record(
    info: Info, input: types.RepaymentRecordInput
) -> types.RepaymentRecordPayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_loans.record_repayment(
            session,
            scope,
            loan_id=node_uuid(input.loan, "Loan", "loan"),
            amount=input.amount.amount,
            currency=input.amount.currency,
            paid_on=input.paid_on,
            collected_by_id=node_uuid(input.collected_by, "Facilitator", "collectedBy"),
            note=input.note,
            today=date.today(),
        )
        return _entry_written(row)

    outcome = await perform(
        info,
        operation="repaymentRecord",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    entry = await repayment(info, outcome.result_id)
    return types.RepaymentRecordPayload(
        repayment=entry,
        loan=await loan_by_id(info, entry.loan_id if entry else None),
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


async def repayment_reverse(
    info: Info, input: types.RepaymentReverseInput
) -> types.RepaymentReversePayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_loans.reverse_repayment(
            session,
            scope,
            repayment_id=node_uuid(input.repayment, "Repayment", "repayment"),
            reversed_on=input.reversed_on,
            reason=input.reason,
            today=date.today(),
        )
        return _entry_written(row, reason=row["note"])

    outcome = await perform(
        info,
        operation="repaymentReverse",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    entry = await repayment(info, outcome.result_id)
    return types.RepaymentReversePayload(
        reversal=entry,
        loan=await loan_by_id(info, entry.loan_id if entry else None),
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


async def loan_write_off(info: Info, input: types.LoanWriteOffInput) -> types.LoanWriteOffPayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_loans.write_off_loan(
            session,
            scope,
            loan_id=node_uuid(input.loan, "Loan", "loan"),
            written_off_on=input.written_off_on,
            reason=input.reason,
            today=date.today(),
        )
        return _loan_written(
            row,
            written_off_principal=plain(row["written_off_principal"]),
            reason=input.reason.strip(),
        )

    outcome = await perform(
        info,
        operation="loanWriteOff",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    return types.LoanWriteOffPayload(
        loan=await _loan_outcome(info, outcome),
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


def _entry_written(row: RowMapping, **details: object) -> Written:
    return Written(
        "Repayment",
        row["id"],
        row["programme_id"],
        {
            "loan": row["loan_id"],
            "kind": row["kind"],
            "amount": plain(row["amount"]),
            "principal_part": plain(row["principal_part"]),
            "interest_part": plain(row["interest_part"]),
            **details,
        },
    )
