"""Members' savings accounts and their transactions: scoped reads, deposits and withdrawals."""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, exists, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain import lending, rules, saving
from domain.enums import LoanStatus, SavingsKind, SavingsTransactionKind
from domain.errors import ErrorCode, RuleViolation
from domain.ids import uuid7

from .loans import collector, first_row, loans, members, programmes
from .models import SavingsAccount, SavingsTransaction
from .network import in_programmes
from .pagination import Listing
from .scope import Scope

accounts = SavingsAccount.__table__
transactions = SavingsTransaction.__table__


@dataclass(frozen=True, slots=True)
class SavingsAccountFilter:
    programme_codes: tuple[str, ...] | None = None
    kinds: tuple[SavingsKind, ...] | None = None
    # In each account's own currency.
    min_balance: Decimal | None = None


def _accounts(scope: Scope, f: SavingsAccountFilter | None) -> Select[Any]:
    stmt = select(accounts).where(scope.where(accounts.c.programme_id))
    if f is None:
        return stmt
    if f.programme_codes is not None:
        stmt = stmt.where(in_programmes(accounts.c.programme_id, f.programme_codes))
    if f.kinds is not None:
        stmt = stmt.where(accounts.c.kind.in_(f.kinds))
    if f.min_balance is not None:
        stmt = stmt.where(accounts.c.balance >= f.min_balance)
    return stmt


def _transactions(scope: Scope, _: None) -> Select[Any]:
    # Transactions carry no currency of their own: it is their account's.
    return (
        select(transactions, accounts.c.currency_code)
        .select_from(transactions.join(accounts, accounts.c.id == transactions.c.account_id))
        .where(scope.where(transactions.c.programme_id))
    )


SAVINGS_ACCOUNTS = Listing(_accounts, accounts.c.id)
SAVINGS_TRANSACTIONS: Listing[None] = Listing(_transactions, transactions.c.id)


# Writes. The account's row is locked (FOR NO KEY UPDATE) before its balance is read, so
# movements on one account queue up and each starts from the previous one's balance.


async def deposit(
    session: AsyncSession,
    scope: Scope,
    *,
    member_id: uuid.UUID,
    kind: SavingsKind,
    amount: Decimal,
    currency: str,
    occurred_on: date,
    recorded_by_id: uuid.UUID,
    today: date,
) -> RowMapping:
    """A DEPOSIT on the member's account of `kind`, opened on this first deposit if need be."""
    member = await first_row(
        session,
        select(members.c.programme_id).where(
            members.c.id == member_id, scope.where(members.c.programme_id)
        ),
    )
    if member is None:
        raise RuleViolation("member", ErrorCode.NOT_FOUND, "No such member.")
    programme_id = member["programme_id"]
    scope.require_operator(programme_id)
    rules.not_in_future("occurredOn", occurred_on, today)
    await collector(session, scope, recorded_by_id, programme_id, "recordedBy")
    mine = (
        accounts.c.member_id == member_id,
        accounts.c.kind == kind,
        scope.where(accounts.c.programme_id),
    )
    account = await _locked_account(session, *mine)
    if account is None:
        # Concurrent first deposits: one inserts, the others wait for it and then lock its row.
        await session.execute(
            insert(SavingsAccount)
            .values(
                id=uuid7(),
                programme_id=programme_id,
                member_id=member_id,
                kind=kind,
                currency_code=select(programmes.c.currency_code)
                .where(programmes.c.id == programme_id, scope.where(programmes.c.id))
                .scalar_subquery(),
                opened_on=occurred_on,
                balance=Decimal(0),
            )
            .on_conflict_do_nothing(index_elements=["member_id", "kind"])
        )
        account = await _locked_account(session, *mine)
        assert account is not None
    saving.check_open("kind", account["closed_on"])
    account_currency = account["currency_code"].strip()
    lending.money("amount", amount, currency, account_currency)
    rules.in_order("occurredOn", account["opened_on"], occurred_on)
    balance = saving.deposit(account["balance"], amount)
    return await _move(
        session,
        account,
        SavingsTransactionKind.DEPOSIT,
        amount,
        balance,
        occurred_on,
        recorded_by_id,
    )


async def withdraw(
    session: AsyncSession,
    scope: Scope,
    *,
    account_id: uuid.UUID,
    amount: Decimal,
    currency: str,
    occurred_on: date,
    recorded_by_id: uuid.UUID,
    today: date,
) -> RowMapping:
    """A WITHDRAWAL, never below zero nor below the compulsory minimum while a loan is active."""
    account = await _locked_account(
        session, accounts.c.id == account_id, scope.where(accounts.c.programme_id)
    )
    if account is None:
        raise RuleViolation("account", ErrorCode.NOT_FOUND, "No such savings account.")
    programme_id = account["programme_id"]
    scope.require_operator(programme_id)
    saving.check_open("account", account["closed_on"])
    account_currency = account["currency_code"].strip()
    lending.money("amount", amount, currency, account_currency)
    rules.not_in_future("occurredOn", occurred_on, today)
    rules.in_order("occurredOn", account["opened_on"], occurred_on)
    await collector(session, scope, recorded_by_id, programme_id, "recordedBy")
    minimum = await session.scalar(
        select(programmes.c.compulsory_savings_minimum).where(
            programmes.c.id == programme_id, scope.where(programmes.c.id)
        )
    )
    has_active_loan = bool(
        await session.scalar(
            select(
                exists().where(
                    loans.c.member_id == account["member_id"],
                    loans.c.status == LoanStatus.ACTIVE,
                    scope.where(loans.c.programme_id),
                )
            )
        )
    )
    balance = saving.withdraw(
        balance=account["balance"],
        amount=amount,
        currency=account_currency,
        kind=account["kind"],
        has_active_loan=has_active_loan,
        compulsory_minimum=minimum,
    )
    return await _move(
        session,
        account,
        SavingsTransactionKind.WITHDRAWAL,
        amount,
        balance,
        occurred_on,
        recorded_by_id,
    )


async def _locked_account(session: AsyncSession, *where: Any) -> RowMapping | None:
    return await first_row(session, select(accounts).where(*where).with_for_update(key_share=True))


async def _move(
    session: AsyncSession,
    account: RowMapping,
    kind: SavingsTransactionKind,
    amount: Decimal,
    balance: Decimal,
    occurred_on: date,
    recorded_by_id: uuid.UUID,
) -> RowMapping:
    """The transaction's row, then the account's new balance."""
    row = await first_row(
        session,
        insert(SavingsTransaction)
        .values(
            id=uuid7(),
            programme_id=account["programme_id"],
            account_id=account["id"],
            kind=kind,
            occurred_on=occurred_on,
            amount=amount,
            balance_after=balance,
            recorded_by_id=recorded_by_id,
        )
        .returning(*transactions.c),
    )
    assert row is not None
    await _set_balance(session, account["id"], balance)
    return row


async def _set_balance(session: AsyncSession, account_id: uuid.UUID, balance: Decimal) -> None:
    await session.execute(
        update(SavingsAccount)
        .where(accounts.c.id == account_id)
        .values(balance=balance)
        .execution_options(synchronize_session=False)
    )
