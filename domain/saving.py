"""Savings movements: what a deposit or a withdrawal leaves, and when one is refused.

A withdrawal never takes the balance below zero (INSUFFICIENT_BALANCE), nor, on a COMPULSORY
account while the member has an ACTIVE loan, below the programme's compulsory minimum where
the programme sets one (BELOW_COMPULSORY_MINIMUM). A closed account takes no movement.
"""

from datetime import date
from decimal import Decimal

from .enums import SavingsKind
from .errors import ErrorCode, RuleViolation
from .money import round_money


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
) -> Decimal:
    """The balance after withdrawing `amount`, or RuleViolation on `amount` saying why not."""
    after = balance - amount
    if after < 0:
        shown = round_money(balance, currency)
        raise RuleViolation(
            "amount",
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
            "amount",
            ErrorCode.BELOW_COMPULSORY_MINIMUM,
            f"While she has an active loan, compulsory savings stay at {floor} {currency} at "
            f"least: at most {most} {currency} can be withdrawn.",
        )
    return after
