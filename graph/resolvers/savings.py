"""Savings writes: deposits (opening the account of a kind), withdrawals, reversals, interest
and closing."""

from datetime import date

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from db import savings as db_savings

from ..context import Viewer
from ..schema import savings as types
from ..schema.money import plain
from .mutations import Written, mutation, node_uuid


def _written(row: RowMapping) -> Written:
    return Written(
        "SavingsTransaction",
        row["id"],
        row["programme_id"],
        {
            "account": row["account_id"],
            "kind": row["kind"],
            "amount": plain(row["amount"]),
            "balance_after": plain(row["balance_after"]),
        },
    )


@mutation(
    types.SavingsMovementPayload,
    description="Record a deposit on a member's account of a kind, opening it if need be.",
)
async def savings_deposit(
    session: AsyncSession, viewer: Viewer, input: types.SavingsDepositInput
) -> Written:
    row = await db_savings.deposit(
        session,
        viewer.scope,
        member_id=node_uuid(input.member, "Member", "member"),
        kind=input.kind,
        amount=input.amount.amount,
        currency=input.amount.currency,
        occurred_on=input.occurred_on,
        recorded_by_id=node_uuid(input.recorded_by, "Facilitator", "recordedBy"),
        today=date.today(),
    )
    return _written(row)


@mutation(
    types.SavingsMovementPayload,
    description="Record a withdrawal, never below zero nor below the compulsory minimum "
    "while a loan is active.",
)
async def savings_withdraw(
    session: AsyncSession, viewer: Viewer, input: types.SavingsWithdrawInput
) -> Written:
    row = await db_savings.withdraw(
        session,
        viewer.scope,
        account_id=node_uuid(input.account, "SavingsAccount", "account"),
        amount=input.amount.amount,
        currency=input.amount.currency,
        occurred_on=input.occurred_on,
        recorded_by_id=node_uuid(input.recorded_by, "Facilitator", "recordedBy"),
        today=date.today(),
    )
    return _written(row)


@mutation(
    types.SavingsMovementPayload,
    description="Reverse a deposit, withdrawal or interest credit entered by mistake: a "
    "REVERSAL entry that restates the past (never a delete).",
)
async def savings_transaction_reverse(
    session: AsyncSession, viewer: Viewer, input: types.SavingsTransactionReverseInput
) -> Written:
    row = await db_savings.reverse_transaction(
        session,
        viewer.scope,
        transaction_id=node_uuid(input.transaction, "SavingsTransaction", "transaction"),
        reversed_on=input.reversed_on,
        reason=input.reason,
        today=date.today(),
    )
    written = _written(row)
    written.details.update(reverses=row["reverses_id"], reason=row["note"])
    return written


@mutation(
    types.SavingsInterestPostPayload,
    description="Credit interest for a period at an annual rate to one account or to every "
    "open account of a programme.",
)
async def savings_interest_post(
    session: AsyncSession, viewer: Viewer, input: types.SavingsInterestPostInput
) -> Written:
    row = await db_savings.post_interest(
        session,
        viewer.scope,
        account_id=node_uuid(input.account, "SavingsAccount", "account")
        if input.account is not None
        else None,
        programme_id=node_uuid(input.programme, "Programme", "programme")
        if input.programme is not None
        else None,
        kind=input.kind,
        period_from=input.period_from,
        period_to=input.period_to,
        annual_rate_percent=input.annual_rate_percent,
        recorded_by_id=node_uuid(input.recorded_by, "Facilitator", "recordedBy"),
        today=date.today(),
    )
    return Written(
        "SavingsInterestPosting",
        row["id"],
        row["programme_id"],
        {
            "periodFrom": row["period_from"],
            "periodTo": row["period_to"],
            "annualRatePercent": plain(row["annual_rate_percent"]),
            "accountsCredited": row["accounts_credited"],
            "total": plain(row["total"]),
        },
    )


@mutation(
    types.SavingsAccountClosePayload,
    description="Close a savings account, paying out its balance as a final withdrawal.",
)
async def savings_account_close(
    session: AsyncSession, viewer: Viewer, input: types.SavingsAccountCloseInput
) -> Written:
    row = await db_savings.close_account(
        session,
        viewer.scope,
        account_id=node_uuid(input.account, "SavingsAccount", "account"),
        closed_on=input.closed_on,
        recorded_by_id=node_uuid(input.recorded_by, "Facilitator", "recordedBy"),
        today=date.today(),
    )
    return Written("SavingsAccount", row["id"], row["programme_id"], {"closedOn": row["closed_on"]})
