from datetime import date
from decimal import Decimal

import pytest

from domain.enums import InstallmentFrequency, InterestMethod
from domain.money import has_valid_precision, round_money
from domain.schedule import (
    ScheduledInstallment,
    add_months,
    build_rescheduled,
    build_schedule,
    due_date,
)

FLAT = InterestMethod.FLAT
DECLINING = InterestMethod.DECLINING_BALANCE
WEEKLY = InstallmentFrequency.WEEKLY
FORTNIGHTLY = InstallmentFrequency.EVERY_TWO_WEEKS
MONTHLY = InstallmentFrequency.MONTHLY


def schedule(
    principal: str,
    currency: str = "XOF",
    method: InterestMethod = FLAT,
    rate: str = "1.5",
    installments: int = 10,
    frequency: InstallmentFrequency = MONTHLY,
    disbursed_on: date = date(2024, 1, 15),
) -> list[ScheduledInstallment]:
    return build_schedule(
        principal=Decimal(principal),
        currency=currency,
        method=method,
        period_rate_percent=Decimal(rate),
        installments=installments,
        frequency=frequency,
        disbursed_on=disbursed_on,
    )


def test_fansoto_first_loan_flat_schedule() -> None:
    # 100,000 FCFA over 10 months at 1.5% flat a month: 10,000 + 1,500 each month.
    lines = schedule("100000")
    assert [(i.number, i.principal_due, i.interest_due) for i in lines] == [
        (n, Decimal(10000), Decimal(1500)) for n in range(1, 11)
    ]
    assert sum(i.total_due for i in lines) == Decimal(115000)


def test_flat_rounding_remainder_goes_on_the_last_installment() -> None:
    lines = schedule("100000", installments=3)
    assert [i.principal_due for i in lines] == [Decimal(33333), Decimal(33333), Decimal(33334)]
    assert sum(i.principal_due for i in lines) == Decimal(100000)


@pytest.mark.parametrize("method", [FLAT, DECLINING])
@pytest.mark.parametrize(
    ("principal", "currency", "installments"),
    [
        ("100000", "XOF", 7),
        ("1234567", "GNF", 13),
        ("1000.00", "EUR", 3),
        ("15000.55", "HTG", 11),
        ("2500.10", "SLE", 16),
    ],
)
def test_principal_sums_exactly_and_amounts_fit_the_currency(
    method: InterestMethod, principal: str, currency: str, installments: int
) -> None:
    lines = schedule(principal, currency, method, "2.25", installments)
    assert sum(i.principal_due for i in lines) == Decimal(principal)
    for line in lines:
        assert has_valid_precision(line.principal_due, currency)
        assert has_valid_precision(line.interest_due, currency)
        assert line.principal_due >= 0
        assert line.interest_due >= 0


def test_xof_has_no_decimals_and_eur_two() -> None:
    xof = schedule("100001", "XOF", installments=3, rate="1.333")
    assert all(i.principal_due == i.principal_due.to_integral_value() for i in xof)
    assert xof[0].interest_due == Decimal(1333)  # 1,333.01 rounded to the franc
    eur = schedule("1000.00", "EUR", installments=3, rate="1.333")
    assert [i.principal_due for i in eur] == [
        Decimal("333.33"),
        Decimal("333.33"),
        Decimal("333.34"),
    ]
    assert eur[0].interest_due == Decimal("13.33")


def test_htg_rounds_half_up_to_the_centime() -> None:
    lines = schedule("10000.50", "HTG", installments=4, rate="1")
    # 10,000.50 / 4 = 2,500.125 -> 2,500.13, the last takes what is left.
    assert [i.principal_due for i in lines] == [
        Decimal("2500.13"),
        Decimal("2500.13"),
        Decimal("2500.13"),
        Decimal("2500.11"),
    ]
    assert lines[0].interest_due == Decimal("100.01")  # 100.005 half up


def test_a_tiny_flat_principal_still_sums_to_itself() -> None:
    # Rounding 5/8 up to 1 would allot 7 francs before the last installment.
    lines = schedule("5", "XOF", installments=8, rate="0")
    assert sum(i.principal_due for i in lines) == Decimal(5)
    assert all(i.principal_due >= 0 for i in lines)


def test_declining_balance_interest_falls_with_the_balance() -> None:
    lines = schedule("100000", method=DECLINING, rate="2.5", installments=8)
    assert lines[0].interest_due == Decimal(2500)  # 2.5% of the whole principal
    interests = [i.interest_due for i in lines]
    assert interests == sorted(interests, reverse=True)
    totals = [i.total_due for i in lines[:-1]]
    assert max(totals) - min(totals) <= 1  # level payments, to the franc
    # The last installment's interest is on what is left, which it repays.
    assert lines[-1].interest_due == round_money(lines[-1].principal_due * Decimal("0.025"), "XOF")


def test_declining_balance_at_zero_rate_repays_evenly() -> None:
    lines = schedule("90000", method=DECLINING, rate="0", installments=3)
    assert [i.total_due for i in lines] == [Decimal(30000)] * 3


def test_monthly_due_dates_clamp_at_the_end_of_the_month() -> None:
    lines = schedule("100000", installments=4, disbursed_on=date(2024, 1, 31))
    assert [i.due_on for i in lines] == [
        date(2024, 2, 29),  # leap year
        date(2024, 3, 31),  # counted from the disbursement, not from February
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)
    assert add_months(date(2024, 11, 30), 14) == date(2026, 1, 30)


def test_weekly_and_two_weekly_due_dates() -> None:
    start = date(2024, 12, 20)
    weekly = schedule("100000", installments=3, frequency=WEEKLY, disbursed_on=start)
    assert [i.due_on for i in weekly] == [date(2024, 12, 27), date(2025, 1, 3), date(2025, 1, 10)]
    fortnightly = schedule("100000", installments=3, frequency=FORTNIGHTLY, disbursed_on=start)
    assert [i.due_on for i in fortnightly] == [
        date(2025, 1, 3),
        date(2025, 1, 17),
        date(2025, 1, 31),
    ]
    assert due_date(start, MONTHLY, 2) == date(2025, 2, 20)


def test_invalid_loans_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        schedule("0")
    with pytest.raises(ValueError, match="at least one"):
        schedule("100000", installments=0)


def test_a_rescheduled_schedule_has_interest_only_grace_then_the_usual_lines() -> None:
    lines = build_rescheduled(
        principal=Decimal(80_333),
        currency="XOF",
        method=FLAT,
        period_rate_percent=Decimal(2),
        installments=4,
        grace_installments=2,
        frequency=MONTHLY,
        rescheduled_on=date(2024, 1, 31),
        interest_in_arrears=Decimal(6_000),
    )

    assert [(x.number, x.due_on, x.principal_due, x.interest_due) for x in lines] == [
        (1, date(2024, 2, 29), 0, 1_607 + 6_000),
        (2, date(2024, 3, 31), 0, 1_607),
        (3, date(2024, 4, 30), 20_083, 1_607),
        (4, date(2024, 5, 31), 20_083, 1_607),
        (5, date(2024, 6, 30), 20_083, 1_607),
        (6, date(2024, 7, 31), 20_084, 1_607),
    ]
    assert sum(x.principal_due for x in lines) == 80_333


def test_a_declining_balance_rescheduling_without_grace_is_a_new_schedule_from_that_day() -> None:
    common = {
        "principal": Decimal("1000.00"),
        "currency": "HTG",
        "method": DECLINING,
        "period_rate_percent": Decimal(3),
        "frequency": WEEKLY,
    }
    lines = build_rescheduled(
        **common,
        installments=5,
        grace_installments=0,
        rescheduled_on=date(2024, 3, 1),
        interest_in_arrears=Decimal(0),
    )

    assert lines == build_schedule(**common, installments=5, disbursed_on=date(2024, 3, 1))
