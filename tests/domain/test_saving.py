"""Savings movements: balances, and the withdrawals the rules refuse."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.enums import SavingsKind
from domain.errors import ErrorCode, RuleViolation
from domain.saving import check_open, deposit, withdraw


def take(amount: int, **overrides: Any) -> Decimal:
    values: dict[str, Any] = {
        "balance": Decimal(10_000),
        "amount": Decimal(amount),
        "currency": "XOF",
        "kind": SavingsKind.COMPULSORY,
        "has_active_loan": True,
        "compulsory_minimum": Decimal(5_000),
    }
    values.update(overrides)
    return withdraw(**values)


def refusal(amount: int, **overrides: Any) -> RuleViolation:
    with pytest.raises(RuleViolation) as refused:
        take(amount, **overrides)
    return refused.value


def test_a_deposit_adds_to_the_balance() -> None:
    assert deposit(Decimal(2_500), Decimal(500)) == Decimal(3_000)


def test_a_withdrawal_never_takes_the_balance_below_zero() -> None:
    assert take(10_000, has_active_loan=False) == Decimal(0)

    refused = refusal(10_001, has_active_loan=False)

    assert refused.field == ("amount",)
    assert refused.code is ErrorCode.INSUFFICIENT_BALANCE
    assert refused.message == "The balance is 10000 XOF: at most 10000 XOF can be withdrawn."


def test_compulsory_savings_keep_the_programmes_minimum_while_a_loan_is_active() -> None:
    assert take(5_000) == Decimal(5_000)

    refused = refusal(5_001)

    assert refused.code is ErrorCode.BELOW_COMPULSORY_MINIMUM
    assert "at most 5000 XOF can be withdrawn" in refused.message


@pytest.mark.parametrize(
    "overrides",
    [
        {"has_active_loan": False},
        {"kind": SavingsKind.VOLUNTARY},
        {"compulsory_minimum": None},
    ],
)
def test_the_minimum_binds_only_compulsory_savings_with_a_loan_where_the_programme_sets_one(
    overrides: dict[str, Any],
) -> None:
    assert take(9_000, **overrides) == Decimal(1_000)


def test_below_zero_is_reported_before_the_minimum() -> None:
    assert refusal(20_000).code is ErrorCode.INSUFFICIENT_BALANCE


def test_a_closed_account_takes_no_movement() -> None:
    check_open("account", None)
    with pytest.raises(RuleViolation) as refused:
        check_open("account", date(2024, 5, 31))
    assert (refused.value.field, refused.value.code) == (("account",), ErrorCode.INVALID_STATE)
