"""Savings movements: what a deposit, a withdrawal, a reversal or an interest credit leaves,
and when one is refused.

A withdrawal never takes the balance below zero (INSUFFICIENT_BALANCE), nor, on a COMPULSORY
account while the member has an ACTIVE loan, below the programme's compulsory minimum where
the programme sets one (BELOW_COMPULSORY_MINIMUM). A closed account takes no movement.

A reversal restates the ledger as if the entry had never been made: refused when the balance
now, or at the end of any day since the entry, would be below zero without it.

Interest (domain rule): simple interest at an annual rate on each end-of-day balance of the
period, both ends included, counted actual/365 — `rate / 100 / 365` per day per unit of
balance — on the ledger as it stands (reversed entries and reversals left out; a day whose
balance is negative earns nothing, which only a back-dated withdrawal can cause). The sum is
rounded once per account, half up to the currency's minor unit (domain.money); an account
whose credit rounds to zero gets no entry.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from .enums import SavingsKind, SavingsTransactionKind
from .errors import ErrorCode, RuleViolation
from .money import round_money

DAYS_PER_YEAR = 365
MAX_ANNUAL_RATE = Decimal(100)


def check_open(field: str, closed_on: date | None) -> None:
    """An open account, or RuleViolation on `field` (the input naming the account)."""
    if closed_on is not None:
        raise RuleViolation(
            field, ErrorCode.INVALID_STATE, f"The account was closed on {closed_on}."
        )


def deposit(balance: Decimal, amount: Decimal) -> Decimal:
    """The balance after depositing `amount` (already checked positive)."""
    return balance + amount


def withdraw(
    *,
    balance: Decimal,
    amount: Decimal,
    currency: str,
    kind: SavingsKind,
    has_active_loan: bool,
    compulsory_minimum: Decimal | None,
    field: str = "amount",
) -> Decimal:
    """The balance after withdrawing `amount`, or RuleViolation on `field` saying why not."""
    after = balance - amount
    if after < 0:
        shown = round_money(balance, currency)
        raise RuleViolation(
            field,
            ErrorCode.INSUFFICIENT_BALANCE,
            f"The balance is {shown} {currency}: at most {shown} {currency} can be withdrawn.",
        )
    if (
        kind is SavingsKind.COMPULSORY
        and has_active_loan
        and compulsory_minimum is not None
        and after < compulsory_minimum
    ):
        floor = round_money(compulsory_minimum, currency)
        most = round_money(max(balance - compulsory_minimum, Decimal(0)), currency)
        raise RuleViolation(
            field,
            ErrorCode.BELOW_COMPULSORY_MINIMUM,
            f"While she has an active loan, compulsory savings stay at {floor} {currency} at "
            f"least: at most {most} {currency} can be withdrawn.",
        )
    return after


def signed(kind: SavingsTransactionKind, amount: Decimal) -> Decimal:
    """What an entry adds to the balance (a withdrawal takes away)."""
    if kind is SavingsTransactionKind.REVERSAL:
        raise ValueError("a reversal moves nothing of its own")
    return -amount if kind is SavingsTransactionKind.WITHDRAWAL else amount


def reverse(
    *,
    balance: Decimal,
    kind: SavingsTransactionKind,
    amount: Decimal,
    currency: str,
    remaining: Iterable[tuple[date, Decimal]],
) -> Decimal:
    """The balance after reversing an entry of `kind` and `amount`, or RuleViolation on
    `transaction`. `remaining`: the other standing entries, (day, signed amount), in day
    order: none of their end-of-day balances may be below zero without this entry."""
    if kind is SavingsTransactionKind.REVERSAL:
        raise RuleViolation(
            "transaction", ErrorCode.INVALID_STATE, "A reversal cannot itself be reversed."
        )
    after = balance - signed(kind, amount)
    if after < 0:
        shown = round_money(balance, currency)
        raise RuleViolation(
            "transaction",
            ErrorCode.INSUFFICIENT_BALANCE,
            f"The balance is {shown} {currency}: reversing this {kind.value.lower()} of "
            f"{round_money(amount, currency)} {currency} would take it below zero.",
        )
    if (day := first_negative_day(remaining)) is not None:
        raise RuleViolation(
            "transaction",
            ErrorCode.INSUFFICIENT_BALANCE,
            f"Without this {kind.value.lower()} the balance would be below zero at the end of "
            f"{day}: reverse the later withdrawals first.",
        )
    return after


def first_negative_day(entries: Iterable[tuple[date, Decimal]]) -> date | None:
    """The first day whose end-of-day balance is below zero, entries in day order."""
    balance = Decimal(0)
    day: date | None = None
    for occurred_on, amount in entries:
        if day is not None and occurred_on != day and balance < 0:
            return day
        day = occurred_on
        balance += amount
    return day if balance < 0 else None


def check_rate(field: str, annual_rate_percent: Decimal) -> Decimal:
    """An annual rate in percent: above 0, at most 100, four decimals at most."""
    if not annual_rate_percent.is_finite() or annual_rate_percent <= 0:
        raise RuleViolation(field, ErrorCode.NOT_POSITIVE, "Must be greater than zero.")
    if annual_rate_percent > MAX_ANNUAL_RATE:
        raise RuleViolation(
            field, ErrorCode.OUT_OF_RANGE, f"At most {MAX_ANNUAL_RATE} percent a year."
        )
    if annual_rate_percent != annual_rate_percent.quantize(Decimal("0.0001")):
        raise RuleViolation(field, ErrorCode.TOO_MANY_DECIMALS, "Four decimal places at most.")
    return annual_rate_percent


def interest(balance_days: Decimal, annual_rate_percent: Decimal, currency: str) -> Decimal:
    """The credit for a period whose end-of-day balances sum to `balance_days` (unit-days)."""
    if balance_days <= 0:
        return Decimal(0)
    raw = balance_days * annual_rate_percent / Decimal(100) / Decimal(DAYS_PER_YEAR)
    return round_money(raw, currency)


def close(
    *,
    balance: Decimal,
    currency: str,
    kind: SavingsKind,
    has_active_loan: bool,
    compulsory_minimum: Decimal | None,
) -> Decimal:
    """What closing pays out (the whole balance), under the withdrawal rules, or
    RuleViolation on `account`."""
    withdraw(
        balance=balance,
        amount=balance,
        currency=currency,
        kind=kind,
        has_active_loan=has_active_loan,
        compulsory_minimum=compulsory_minimum,
        field="account",
    )
    return balance
