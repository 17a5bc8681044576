from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from db import savings as db_savings
from db.scope import Scope

from ..context import Info
from ..schema import savings as types
from ..schema.money import plain
from ..schema.relay import Connection
from . import groups as groups_resolvers
from .base import child_connection, root_connection
from .mutations import Outcome, Written, node_uuid, perform

if TYPE_CHECKING:
    from ..schema.groups import Facilitator, Member


def _db_filter(
    filter: types.SavingsAccountFilter | None,
) -> db_savings.SavingsAccountFilter | None:
    return filter.to_db() if filter is not None else None


async def savings_accounts(
    info: Info,
    filter: types.SavingsAccountFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.SavingsAccount]:
    return await root_connection(
        info,
        listing=db_savings.SAVINGS_ACCOUNTS,
        filter=_db_filter(filter),
        to_node=types.SavingsAccount.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def programme_savings_accounts(
    info: Info,
    programme_id: uuid.UUID,
    filter: types.SavingsAccountFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.SavingsAccount]:
    loaders = info.context.loaders.savings
    return await child_connection(
        info,
        pages=loaders.savings_accounts_page_by_programme,
        counts=loaders.savings_accounts_count_by_programme,
        parent_id=programme_id,
        filter=_db_filter(filter),
        to_node=types.SavingsAccount.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def member_savings_accounts(info: Info, member_id: uuid.UUID) -> list[types.SavingsAccount]:
    rows = await info.context.loaders.savings.savings_accounts_by_member.load(member_id)
    return [types.SavingsAccount.from_row(row) for row in rows]


async def account_transactions(
    info: Info,
    account_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.SavingsTransaction]:
    loaders = info.context.loaders.savings
    return await child_connection(
        info,
        pages=loaders.savings_transactions_page_by_account,
        counts=loaders.savings_transactions_count_by_account,
        parent_id=account_id,
        filter=None,
        to_node=types.SavingsTransaction.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


# An account's programme and member, and a transaction's account, are in the same programme:
# whoever sees the one sees the other, so those relations are never null.


async def member(info: Info, member_id: uuid.UUID) -> Member:
    found = await groups_resolvers.member_by_id(info, member_id)
    assert found is not None, "a visible account's member is in the same programme"
    return found


async def account(info: Info, account_id: uuid.UUID) -> types.SavingsAccount:
    row = await info.context.loaders.savings.savings_account_by_id.load(account_id)
    assert row is not None, "a visible transaction's account is in the same programme"
    return types.SavingsAccount.from_row(row)


async def facilitator(info: Info, facilitator_id: uuid.UUID | None) -> Facilitator | None:
    if facilitator_id is None:
        return None
    return await groups_resolvers.facilitator_by_id(info, facilitator_id)


# Mutations: the result is the transaction; the payload adds its account.


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


async def _payload(info: Info, outcome: Outcome) -> types.SavingsMovementPayload:
    transaction = None
    if outcome.result_id is not None:
        row = await info.context.loaders.savings.savings_transaction_by_id.load(outcome.result_id)
        transaction = types.SavingsTransaction.from_row(row) if row is not None else None
    return types.SavingsMovementPayload(
        transaction=transaction,
        account=await account(info, transaction.account_id) if transaction else None,
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


async def savings_deposit(
    info: Info, input: types.SavingsDepositInput
) -> types.SavingsMovementPayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_savings.deposit(
            session,
            scope,
            member_id=node_uuid(input.member, "Member", "member"),
            kind=input.kind,
            amount=input.amount.amount,
            currency=input.amount.currency,
            occurred_on=input.occurred_on,
            recorded_by_id=node_uuid(input.recorded_by, "Facilitator", "recordedBy"),
            today=date.today(),
        )
        return _written(row)

    outcome = await perform(
        info,
        operation="savingsDeposit",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    return await _payload(info, outcome)


async def savings_withdraw(
    info: Info, input: types.SavingsWithdrawInput
) -> types.SavingsMovementPayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_savings.withdraw(
            session,
            scope,
            account_id=node_uuid(input.account, "SavingsAccount", "account"),
            amount=input.amount.amount,
            currency=input.amount.currency,
            occurred_on=input.occurred_on,
            recorded_by_id=node_uuid(input.recorded_by, "Facilitator", "recordedBy"),
            today=date.today(),
        )
        return _written(row)

    outcome = await perform(
        info,
        operation="savingsWithdraw",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    return await _payload(info, outcome)
