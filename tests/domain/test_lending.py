"""The methodology's lending rules, as plain functions."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.enums import GroupStatus, LoanStatus
from domain.errors import ErrorCode, RuleViolation
from domain.lending import Applicant, CycleBand, ProductTerms, check_application, fee, money

D = Decimal

FIRST_LOAN = ProductTerms(
    currency="XOF", min_principal=Decimal(50_000), max_principal=Decimal(450_000)
)
TRAINED = Applicant(initial_sessions_attended=6, group_status=GroupStatus.ACTIVE)


def apply(**overrides: Any) -> int:
    values: dict[str, Any] = {
        "applicant": TRAINED,
        "product": FIRST_LOAN,
        "programme_currency": "XOF",
        "initial_sessions_required": 6,
        "principal": Decimal(100_000),
        "currency": "XOF",
    }
    values.update(overrides)
    return check_application(**values)


def refusal(**overrides: Any) -> tuple[tuple[str, ...], ErrorCode]:
    with pytest.raises(RuleViolation) as refused:
        apply(**overrides)
    return refused.value.field, refused.value.code


def test_a_trained_member_gets_a_first_loan_with_no_guarantee() -> None:
    assert apply() == 1


def test_a_first_loan_waits_for_the_programmes_initial_sessions() -> None:
    five = Applicant(initial_sessions_attended=5, group_status=GroupStatus.ACTIVE)

    assert refusal(applicant=five) == (("member",), ErrorCode.TRAINING_INCOMPLETE)
    assert apply(applicant=five, initial_sessions_required=5) == 1
    assert apply(applicant=Applicant(0, GroupStatus.IN_TRAINING), initial_sessions_required=0) == 1


def test_the_next_cycle_follows_her_repaid_loans_without_asking_training_again() -> None:
    repaid_twice = Applicant(0, GroupStatus.ACTIVE, (LoanStatus.REPAID, LoanStatus.REPAID))

    assert apply(applicant=repaid_twice) == 3


@pytest.mark.parametrize("status", [LoanStatus.ACTIVE, LoanStatus.PENDING])
def test_one_open_loan_at_a_time_unless_the_product_allows_more(status: LoanStatus) -> None:
    borrowing = Applicant(6, GroupStatus.ACTIVE, (LoanStatus.REPAID, status))
    concurrent = ProductTerms("XOF", Decimal(1), Decimal(10**6), allows_concurrent_loans=True)

    assert refusal(applicant=borrowing) == (("member",), ErrorCode.ACTIVE_LOAN_EXISTS)
    assert apply(applicant=borrowing, product=concurrent) == 3


def test_no_next_cycle_after_a_written_off_loan() -> None:
    defaulted = Applicant(6, GroupStatus.ACTIVE, (LoanStatus.WRITTEN_OFF,))

    assert refusal(applicant=defaulted) == (("member",), ErrorCode.PREVIOUS_LOAN_NOT_REPAID)


def test_a_closed_group_takes_no_new_loan() -> None:
    closed = Applicant(6, GroupStatus.CLOSED)

    assert refusal(applicant=closed) == (("member",), ErrorCode.GROUP_CLOSED)


def test_an_inactive_product_or_one_in_another_currency_lends_nothing() -> None:
    retired = ProductTerms("XOF", Decimal(1), Decimal(10**6), active=False)
    in_euros = ProductTerms("EUR", Decimal(1), Decimal(10**6))

    assert refusal(product=retired) == (("product",), ErrorCode.INVALID_STATE)
    assert refusal(product=in_euros) == (("product",), ErrorCode.WRONG_CURRENCY)


@pytest.mark.parametrize(
    ("principal", "currency", "code"),
    [
        (Decimal(0), "XOF", ErrorCode.NOT_POSITIVE),
        (Decimal(-100_000), "XOF", ErrorCode.NOT_POSITIVE),
        (Decimal("NaN"), "XOF", ErrorCode.NOT_POSITIVE),
        (Decimal("100000.5"), "XOF", ErrorCode.TOO_MANY_DECIMALS),
        (Decimal(100_000), "EUR", ErrorCode.WRONG_CURRENCY),
        (Decimal(49_999), "XOF", ErrorCode.OUT_OF_RANGE),
        (Decimal(450_001), "XOF", ErrorCode.OUT_OF_RANGE),
    ],
)
def test_the_principal_is_positive_whole_in_xof_and_within_the_products_limits(
    principal: Decimal, currency: str, code: ErrorCode
) -> None:
    assert refusal(principal=principal, currency=currency) == (("principal",), code)


def test_the_limits_themselves_are_lent() -> None:
    assert apply(principal=Decimal(50_000)) == 1
    assert apply(principal=Decimal("450000.00")) == 1


def test_money_checks_the_currency_before_the_decimals() -> None:
    assert money("amount", Decimal("12.50"), "EUR", "EUR") == Decimal("12.50")
    with pytest.raises(RuleViolation) as refused:
        money("amount", Decimal("12.5"), "EUR", "XOF")
    assert refused.value.code is ErrorCode.WRONG_CURRENCY
    assert refused.value.message == "Amounts here are in XOF, not EUR."


def test_the_fee_is_a_percent_of_the_principal_rounded_to_the_currency() -> None:
    assert fee(Decimal(100_000), Decimal(1), "XOF") == Decimal(1_000)
    assert fee(Decimal(150_050), Decimal("1.5"), "XOF") == Decimal(2_251)  # 2250.75
    assert fee(Decimal("1000.00"), Decimal(0), "HTG") == Decimal(0)


FANSOTO_FIRST = ProductTerms(
    "XOF", Decimal(100_000), Decimal(100_000), cycles=(CycleBand(1, 1, D(100_000), D(100_000)),)
)
FANSOTO_LATER = ProductTerms(
    "XOF", Decimal(80_000), Decimal(450_000), cycles=(CycleBand(2, None, D(80_000), D(450_000)),)
)
REPAID_ONCE = Applicant(6, GroupStatus.ACTIVE, (LoanStatus.REPAID,), date(2025, 5, 10))


def test_a_product_serves_its_cycles_within_their_amounts() -> None:
    assert apply(product=FANSOTO_FIRST) == 1
    assert refusal(product=FANSOTO_LATER) == (("product",), ErrorCode.CYCLE_NOT_ELIGIBLE)
    assert refusal(product=FANSOTO_FIRST, principal=D(90_000)) == (
        ("principal",),
        ErrorCode.OUT_OF_RANGE,
    )
    assert apply(applicant=REPAID_ONCE, product=FANSOTO_LATER, principal=D(80_000)) == 2
    assert refusal(applicant=REPAID_ONCE, product=FANSOTO_FIRST) == (
        ("product",),
        ErrorCode.CYCLE_NOT_ELIGIBLE,
    )


def test_a_next_cycle_is_judged_on_the_day_she_applies() -> None:
    assert refusal(applicant=REPAID_ONCE, applied_on=date(2025, 5, 9)) == (
        ("appliedOn",),
        ErrorCode.PREVIOUS_LOAN_NOT_REPAID,
    )
    assert apply(applicant=REPAID_ONCE, applied_on=date(2025, 5, 10)) == 2
