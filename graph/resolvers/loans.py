"""The writes of a loan's life: apply, approve, disburse, repay (or recover), reverse a
repayment, write off; decline, withdraw, undo an approval or a disbursement, reschedule, pay
off early."""

from datetime import date

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from db import loans as db_loans
from domain.enums import LoanStatus

from ..context import Viewer
from ..schema import loans as types
from ..schema.money import plain
from .mutations import Written, mutation, node_uuid


def _loan_written(row: RowMapping, **details: object) -> Written:
    return Written("Loan", row["id"], row["programme_id"], {"status": row["status"], **details})


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


@mutation(
    types.LoanApplyPayload, description="Apply for a loan for a member (PENDING, next cycle)."
)
async def loan_apply(session: AsyncSession, viewer: Viewer, input: types.LoanApplyInput) -> Written:
    row = await db_loans.apply_for_loan(
        session,
        viewer.scope,
        member_id=node_uuid(input.member, "Member", "member"),
        product_id=node_uuid(input.product, "LoanProduct", "product"),
        principal=input.principal.amount,
        currency=input.principal.currency,
        purpose=input.purpose,
        applied_on=input.applied_on,
        today=date.today(),
    )
    return _loan_written(row, cycle=row["cycle"], principal=plain(row["principal"]))


@mutation(types.LoanApprovePayload, description="Approve a PENDING loan application.")
async def loan_approve(
    session: AsyncSession, viewer: Viewer, input: types.LoanApproveInput
) -> Written:
    row = await db_loans.approve_loan(
        session,
        viewer.scope,
        loan_id=node_uuid(input.loan, "Loan", "loan"),
        approved_on=input.approved_on,
        today=date.today(),
    )
    return _loan_written(row, approved_on=row["approved_on"])


@mutation(
    types.LoanDisbursePayload, description="Disburse an approved loan: ACTIVE, with its schedule."
)
async def loan_disburse(
    session: AsyncSession, viewer: Viewer, input: types.LoanDisburseInput
) -> Written:
    row = await db_loans.disburse_loan(
        session,
        viewer.scope,
        loan_id=node_uuid(input.loan, "Loan", "loan"),
        disbursed_on=input.disbursed_on,
        today=date.today(),
    )
    return _loan_written(row, disbursed_on=row["disbursed_on"], fee=plain(row["fee"]))


@mutation(
    types.RepaymentRecordPayload,
    description="Record a repayment on an ACTIVE loan, allocated interest then principal "
    "of the oldest installment due; an overpayment is refused (OVERPAYMENT). On a "
    "WRITTEN_OFF loan it is a RECOVERY.",
)
async def repayment_record(
    session: AsyncSession, viewer: Viewer, input: types.RepaymentRecordInput
) -> Written:
    row = await db_loans.record_repayment(
        session,
        viewer.scope,
        loan_id=node_uuid(input.loan, "Loan", "loan"),
        amount=input.amount.amount,
        currency=input.amount.currency,
        paid_on=input.paid_on,
        collected_by_id=node_uuid(input.collected_by, "Facilitator", "collectedBy"),
        note=input.note,
        today=date.today(),
    )
    return _entry_written(row)


@mutation(
    types.RepaymentReversePayload,
    description="Reverse a repayment entered by mistake (never a delete).",
)
async def repayment_reverse(
    session: AsyncSession, viewer: Viewer, input: types.RepaymentReverseInput
) -> Written:
    row = await db_loans.reverse_repayment(
        session,
        viewer.scope,
        repayment_id=node_uuid(input.repayment, "Repayment", "repayment"),
        reversed_on=input.reversed_on,
        reason=input.reason,
        today=date.today(),
    )
    return _entry_written(row, reason=row["note"])


@mutation(
    types.LoanWriteOffPayload, description="Write off an ACTIVE loan's outstanding principal."
)
async def loan_write_off(
    session: AsyncSession, viewer: Viewer, input: types.LoanWriteOffInput
) -> Written:
    row = await db_loans.write_off_loan(
        session,
        viewer.scope,
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


@mutation(types.LoanDeclinePayload, description="Decline a PENDING application not approved.")
async def loan_decline(
    session: AsyncSession, viewer: Viewer, input: types.LoanDeclineInput
) -> Written:
    row = await db_loans.close_application(
        session,
        viewer.scope,
        loan_id=node_uuid(input.loan, "Loan", "loan"),
        status=LoanStatus.DECLINED,
        closed_on=input.declined_on,
        reason=input.reason,
        today=date.today(),
    )
    return _loan_written(row, closed_on=row["closed_on"], reason=row["closing_reason"])


@mutation(
    types.LoanWithdrawPayload, description="Withdraw a PENDING application (the member's choice)."
)
async def loan_withdraw(
    session: AsyncSession, viewer: Viewer, input: types.LoanWithdrawInput
) -> Written:
    row = await db_loans.close_application(
        session,
        viewer.scope,
        loan_id=node_uuid(input.loan, "Loan", "loan"),
        status=LoanStatus.WITHDRAWN,
        closed_on=input.withdrawn_on,
        reason=input.reason,
        today=date.today(),
    )
    return _loan_written(row, closed_on=row["closed_on"], reason=row["closing_reason"])


@mutation(
    types.LoanApprovalUndoPayload, description="Undo an approval: the loan awaits approval again."
)
async def loan_approval_undo(
    session: AsyncSession, viewer: Viewer, input: types.LoanApprovalUndoInput
) -> Written:
    row = await db_loans.undo_approval(
        session,
        viewer.scope,
        loan_id=node_uuid(input.loan, "Loan", "loan"),
        reason=input.reason,
    )
    return _loan_written(row, reason=input.reason.strip())


@mutation(
    types.LoanDisbursementUndoPayload,
    description="Undo a disbursement recorded by mistake, before any repayment.",
)
async def loan_disbursement_undo(
    session: AsyncSession, viewer: Viewer, input: types.LoanDisbursementUndoInput
) -> Written:
    row = await db_loans.undo_disbursement(
        session,
        viewer.scope,
        loan_id=node_uuid(input.loan, "Loan", "loan"),
        reason=input.reason,
    )
    return _loan_written(row, reason=input.reason.strip())


@mutation(
    types.LoanReschedulePayload,
    description="Reschedule a loan in arrears: a new schedule, the old one kept.",
)
async def loan_reschedule(
    session: AsyncSession, viewer: Viewer, input: types.LoanRescheduleInput
) -> Written:
    row = await db_loans.reschedule_loan(
        session,
        viewer.scope,
        loan_id=node_uuid(input.loan, "Loan", "loan"),
        rescheduled_on=input.rescheduled_on,
        installment_count=input.installments,
        grace_installments=input.grace_installments,
        reason=input.reason,
        today=date.today(),
    )
    return _loan_written(
        row,
        rescheduled_on=row["rescheduled_on"],
        installments=input.installments,
        grace_installments=input.grace_installments,
        reason=input.reason.strip(),
    )


@mutation(
    types.LoanPayOffPayload,
    description="Repay the whole balance of an ACTIVE loan at once (interest as the product "
    "says): the loan is REPAID.",
)
async def loan_pay_off(
    session: AsyncSession, viewer: Viewer, input: types.LoanPayOffInput
) -> Written:
    row = await db_loans.pay_off_loan(
        session,
        viewer.scope,
        loan_id=node_uuid(input.loan, "Loan", "loan"),
        amount=input.amount.amount,
        currency=input.amount.currency,
        paid_on=input.paid_on,
        collected_by_id=node_uuid(input.collected_by, "Facilitator", "collectedBy"),
        note=input.note,
        today=date.today(),
    )
    return _entry_written(row)
