"""Members' savings accounts and their transactions: scoped reads, and the writes of an
account's life (deposit, withdraw, reverse an entry, post interest, close)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain import lending, rules, saving
from domain.enums import LoanStatus, SavingsKind, SavingsTransactionKind
from domain.errors import ErrorCode, RuleViolation
from domain.ids import uuid7

from .loans import collector, first_row, loans, members, programmes
from .models import SavingsAccount, SavingsInterestPosting, SavingsTransaction
from .network import in_programmes
from .pagination import Listing
from .scope import Scope

accounts = SavingsAccount.__table__
transactions = SavingsTransaction.__table__
postings = SavingsInterestPosting.__table__


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
    # Transactions carry no currency of their own: it is their account's. The reversal of
    # an entry (at most one: reverses_id is unique) is read by key, as a parent.
    reversal = transactions.alias("reversal")
    reversed_by = (
        select(reversal.c.id)
        .where(reversal.c.reverses_id == transactions.c.id)
        .scalar_subquery()
        .label("reversed_by_id")
    )
    return (
        select(transactions, accounts.c.currency_code, reversed_by)
        .select_from(transactions.join(accounts, accounts.c.id == transactions.c.account_id))
        .where(scope.where(transactions.c.programme_id))
    )


SAVINGS_ACCOUNTS = Listing(_accounts, accounts.c.id)
SAVINGS_TRANSACTIONS: Listing[None] = Listing(_transactions, transactions.c.id)
INTEREST_POSTINGS: Listing[None] = Listing(
    lambda scope, _: select(postings).where(scope.where(postings.c.programme_id)), postings.c.id
)


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
    # Share-locked: she cannot leave the programme (memberLeave) while money comes in.
    member = await first_row(
        session,
        select(members.c.programme_id, members.c.left_on)
        .where(members.c.id == member_id, scope.where(members.c.programme_id))
        .with_for_update(read=True),
    )
    if member is None:
        raise RuleViolation("member", ErrorCode.NOT_FOUND, "No such member.")
    programme_id = member["programme_id"]
    scope.require_operator(programme_id)
    if member["left_on"] is not None:
        raise RuleViolation(
            "member", ErrorCode.INVALID_STATE, f"She left the programme on {member['left_on']}."
        )
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
    minimum, has_active_loan = await _compulsory_floor(session, scope, account)
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


async def _compulsory_floor(
    session: AsyncSession, scope: Scope, account: RowMapping
) -> tuple[Decimal | None, bool]:
    """The programme's compulsory minimum, and whether the owner has an ACTIVE loan."""
    minimum = await session.scalar(
        select(programmes.c.compulsory_savings_minimum).where(
            programmes.c.id == account["programme_id"], scope.where(programmes.c.id)
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
    return minimum, has_active_loan


def standing(t: Any = transactions) -> Any:
    """An entry the ledger stands on: neither a reversal nor reversed (a reversal restates
    the past: the pair reads as if neither had happened)."""
    reversal = transactions.alias("reversal")
    return and_(
        t.c.kind != SavingsTransactionKind.REVERSAL,
        ~exists().where(reversal.c.reverses_id == t.c.id),
    )


def signed_amount(t: Any = transactions) -> Any:
    """What a standing entry adds to its account's balance."""
    return case((t.c.kind == SavingsTransactionKind.WITHDRAWAL, -t.c.amount), else_=t.c.amount)


async def reverse_transaction(
    session: AsyncSession,
    scope: Scope,
    *,
    transaction_id: uuid.UUID,
    reversed_on: date,
    reason: str,
    today: date,
) -> RowMapping:
    """A REVERSAL entry cancelling a deposit, withdrawal or interest credit entered by
    mistake; the account's balance is what it would be without it."""
    original = await first_row(
        session,
        select(transactions).where(
            transactions.c.id == transaction_id, scope.where(transactions.c.programme_id)
        ),
    )
    if original is None:
        raise RuleViolation("transaction", ErrorCode.NOT_FOUND, "No such savings transaction.")
    account = await _locked_account(session, accounts.c.id == original["account_id"])
    assert account is not None
    scope.require_operator(account["programme_id"])
    # Read under the account's lock: a concurrent reversal of the same entry has committed.
    if await session.scalar(
        select(transactions.c.id).where(transactions.c.reverses_id == transaction_id)
    ):
        raise RuleViolation(
            "transaction", ErrorCode.ALREADY_REVERSED, "This entry is already reversed."
        )
    saving.check_open("transaction", account["closed_on"])
    if not reason.strip():
        raise RuleViolation("reason", ErrorCode.REASON_REQUIRED, "Say why it is reversed.")
    rules.not_in_future("reversedOn", reversed_on, today)
    rules.in_order("reversedOn", original["occurred_on"], reversed_on)
    remaining = await session.execute(
        select(transactions.c.occurred_on, signed_amount())
        .where(
            transactions.c.account_id == account["id"],
            transactions.c.id != transaction_id,
            standing(),
        )
        .order_by(transactions.c.occurred_on, transactions.c.id)
    )
    balance = saving.reverse(
        balance=account["balance"],
        kind=original["kind"],
        amount=original["amount"],
        currency=account["currency_code"].strip(),
        remaining=[(day, amount) for day, amount in remaining],
    )
    return await _move(
        session,
        account,
        SavingsTransactionKind.REVERSAL,
        original["amount"],
        balance,
        reversed_on,
        None,
        reverses_id=transaction_id,
        note=reason.strip(),
    )


async def close_account(
    session: AsyncSession,
    scope: Scope,
    *,
    account_id: uuid.UUID,
    closed_on: date,
    recorded_by_id: uuid.UUID,
    today: date,
) -> RowMapping:
    """The account closed on `closed_on`, its balance paid out as a final WITHDRAWAL (under
    the withdrawal rules: a compulsory account keeps its floor while a loan is active)."""
    account = await _locked_account(
        session, accounts.c.id == account_id, scope.where(accounts.c.programme_id)
    )
    if account is None:
        raise RuleViolation("account", ErrorCode.NOT_FOUND, "No such savings account.")
    scope.require_operator(account["programme_id"])
    saving.check_open("account", account["closed_on"])
    rules.not_in_future("closedOn", closed_on, today)
    rules.in_order("closedOn", account["opened_on"], closed_on)
    last_day = await session.scalar(
        select(func.max(transactions.c.occurred_on)).where(transactions.c.account_id == account_id)
    )
    if last_day is not None:
        rules.in_order("closedOn", last_day, closed_on)
    await collector(session, scope, recorded_by_id, account["programme_id"], "recordedBy")
    minimum, has_active_loan = await _compulsory_floor(session, scope, account)
    payout = saving.close(
        balance=account["balance"],
        currency=account["currency_code"].strip(),
        kind=account["kind"],
        has_active_loan=has_active_loan,
        compulsory_minimum=minimum,
    )
    if payout > 0:
        await _move(
            session,
            account,
            SavingsTransactionKind.WITHDRAWAL,
            payout,
            Decimal(0),
            closed_on,
            recorded_by_id,
            note="Paid out on closing the account.",
        )
    return await _close(session, account_id, closed_on)


async def _close(session: AsyncSession, account_id: uuid.UUID, closed_on: date) -> RowMapping:
    row = await first_row(
        session,
        update(SavingsAccount)
        .where(accounts.c.id == account_id)
        .values(closed_on=closed_on)
        .returning(*accounts.c)
        .execution_options(synchronize_session=False),
    )
    assert row is not None
    return row


async def close_empty_accounts(
    session: AsyncSession, member_id: uuid.UUID, closed_on: date
) -> None:
    """Close the member's open accounts (each already checked at zero)."""
    await session.execute(
        update(SavingsAccount)
        .where(accounts.c.member_id == member_id, accounts.c.closed_on.is_(None))
        .values(closed_on=func.greatest(closed_on, accounts.c.opened_on))
        .execution_options(synchronize_session=False)
    )


async def balances_of(
    session: AsyncSession, scope: Scope, member_id: uuid.UUID
) -> list[RowMapping]:
    """The member's open accounts, locked: what she still has saved."""
    rows = await session.execute(
        select(accounts)
        .where(
            accounts.c.member_id == member_id,
            accounts.c.closed_on.is_(None),
            scope.where(accounts.c.programme_id),
        )
        .order_by(accounts.c.id)
        .with_for_update(key_share=True)
    )
    return list(rows.mappings())


async def post_interest(
    session: AsyncSession,
    scope: Scope,
    *,
    account_id: uuid.UUID | None,
    programme_id: uuid.UUID | None,
    kind: SavingsKind | None,
    period_from: date,
    period_to: date,
    annual_rate_percent: Decimal,
    recorded_by_id: uuid.UUID,
    today: date,
) -> RowMapping:
    """Interest for the period (domain.saving's rule) credited as an INTEREST entry dated
    `period_to` on one open account, or on every open account of a programme (of `kind`, if
    given); refused if any of them already has standing interest for part of the period."""
    if (account_id is None) == (programme_id is None):
        raise RuleViolation(
            "account", ErrorCode.INVALID, "Name either an account or a programme, not both."
        )
    rules.in_order("periodTo", period_from, period_to)
    rules.not_in_future("periodTo", period_to, today)
    saving.check_rate("annualRatePercent", annual_rate_percent)
    if account_id is not None:
        single = await first_row(
            session,
            select(accounts.c.programme_id, accounts.c.closed_on).where(
                accounts.c.id == account_id, scope.where(accounts.c.programme_id)
            ),
        )
        if single is None:
            raise RuleViolation("account", ErrorCode.NOT_FOUND, "No such savings account.")
        saving.check_open("account", single["closed_on"])
        programme_id = single["programme_id"]
        chosen = accounts.c.id == account_id
    else:
        found = await session.scalar(
            select(programmes.c.id).where(
                programmes.c.id == programme_id, scope.where(programmes.c.id)
            )
        )
        if found is None:
            raise RuleViolation("programme", ErrorCode.NOT_FOUND, "No such programme.")
        chosen = accounts.c.programme_id == programme_id
        if kind is not None:
            chosen = and_(chosen, accounts.c.kind == kind)
    assert programme_id is not None
    scope.require_operator(programme_id)
    await collector(session, scope, recorded_by_id, programme_id, "recordedBy")
    # Locked in key order, as every movement locks its one account.
    locked = list(
        (
            await session.execute(
                select(accounts)
                .where(
                    chosen,
                    accounts.c.closed_on.is_(None),
                    accounts.c.opened_on <= period_to,
                    scope.where(accounts.c.programme_id),
                )
                .order_by(accounts.c.id)
                .with_for_update(key_share=True)
            )
        ).mappings()
    )
    ids = [a["id"] for a in locked]
    earlier = transactions.alias("earlier")
    overlapping = await session.scalar(
        select(func.count(func.distinct(earlier.c.account_id)))
        .join(postings, postings.c.id == earlier.c.posting_id)
        .where(
            earlier.c.account_id.in_(ids),
            postings.c.period_from <= period_to,
            postings.c.period_to >= period_from,
            standing(earlier),
        )
    )
    if overlapping:
        raise RuleViolation(
            "periodFrom",
            ErrorCode.ALREADY_POSTED,
            f"{overlapping} of these accounts already have interest posted for part of "
            f"{period_from} to {period_to}: reverse it first, or choose another period.",
        )
    # Each standing entry up to the period's end counts on every day from the later of its
    # day and the period's first day: the sum of the end-of-day balances of the period.
    counted_from = func.greatest(transactions.c.occurred_on, literal(period_from))
    days = literal(period_to) - counted_from + 1
    sums = dict(
        (
            await session.execute(
                select(transactions.c.account_id, func.sum(signed_amount() * days))
                .where(
                    transactions.c.account_id.in_(ids),
                    transactions.c.occurred_on <= period_to,
                    standing(),
                )
                .group_by(transactions.c.account_id)
            )
        ).all()
    )
    currency = await session.scalar(
        select(programmes.c.currency_code).where(programmes.c.id == programme_id)
    )
    assert currency is not None
    currency = currency.strip()
    credits = [
        (a, credit)
        for a in locked
        if (credit := saving.interest(sums.get(a["id"], Decimal(0)), annual_rate_percent, currency))
        > 0
    ]
    posting = await first_row(
        session,
        insert(SavingsInterestPosting)
        .values(
            id=uuid7(),
            programme_id=programme_id,
            account_id=account_id,
            kind=kind,
            currency_code=currency,
            period_from=period_from,
            period_to=period_to,
            annual_rate_percent=annual_rate_percent,
            posted_on=period_to,
            recorded_by_id=recorded_by_id,
            accounts_credited=len(credits),
            total=sum((c for _, c in credits), Decimal(0)),
        )
        .returning(*postings.c),
    )
    assert posting is not None
    await interest_credits(session, posting, credits)
    return posting


async def interest_credits(
    session: AsyncSession, posting: RowMapping, credits: Sequence[tuple[RowMapping, Decimal]]
) -> None:
    """The posting's INTEREST entries and the accounts' new balances, a statement each."""
    programme_id, recorded_by_id = posting["programme_id"], posting["recorded_by_id"]
    if credits:
        await session.execute(
            insert(SavingsTransaction),
            [
                {
                    "id": uuid7(),
                    "programme_id": programme_id,
                    "account_id": a["id"],
                    "kind": SavingsTransactionKind.INTEREST,
                    "occurred_on": posting["period_to"],
                    "amount": credit,
                    "balance_after": a["balance"] + credit,
                    "recorded_by_id": recorded_by_id,
                    "posting_id": posting["id"],
                }
                for a, credit in credits
            ],
        )
        await session.execute(
            update(SavingsAccount),
            [{"id": a["id"], "balance": a["balance"] + credit} for a, credit in credits],
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
    recorded_by_id: uuid.UUID | None,
    *,
    reverses_id: uuid.UUID | None = None,
    note: str = "",
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
            reverses_id=reverses_id,
            note=note,
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
