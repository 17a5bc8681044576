"""Savings writes: deposits (opening the account of a kind) and withdrawals."""

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
