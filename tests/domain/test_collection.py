"""The collection sheet's figures for one loan and one member's savings."""

from datetime import date
from decimal import Decimal

from domain.allocation import InstallmentState
from domain.collection import compulsory_saving_due, loan_due

D = Decimal
# 3 monthly installments of 10,000 principal + 1,500 interest.
SCHEDULE = [InstallmentState(n, date(2026, n + 1, 10), D(10_000), D(1_500)) for n in range(1, 4)]


def test_nothing_is_due_before_the_first_installment() -> None:
    due = loan_due(SCHEDULE, [], date(2026, 2, 9))
    assert (due.total_due, due.arrears, due.days_late) == (0, 0, 0)


def test_the_installment_of_the_day_is_due_and_not_late() -> None:
    due = loan_due(SCHEDULE, [], date(2026, 2, 10))
    assert (due.principal_due, due.interest_due, due.arrears, due.days_late) == (
        D(10_000),
        D(1_500),
        0,
        0,
    )


def test_a_part_payment_leaves_arrears_and_days_late_from_the_oldest_unpaid() -> None:
    # 5,000 paid on 2026-02-10 pays the interest and 3,500 of principal of installment 1.
    due = loan_due(SCHEDULE, [(date(2026, 2, 10), D(5_000))], date(2026, 3, 10))
    assert due.principal_due == D(6_500) + D(10_000)
    assert due.interest_due == D(1_500)
    assert due.arrears == D(6_500)
    assert due.days_late == 28


def test_a_payment_of_the_day_itself_is_what_the_meeting_collects_not_counted_before() -> None:
    on = date(2026, 2, 10)
    assert loan_due(SCHEDULE, [(on, D(11_500))], on).total_due == D(11_500)


def test_compulsory_saving_due_is_the_shortfall_to_the_floor_while_she_borrows() -> None:
    assert compulsory_saving_due(D(3_000), D(5_000), True) == D(2_000)
    assert compulsory_saving_due(D(8_000), D(5_000), True) == 0
    assert compulsory_saving_due(D(0), D(5_000), False) == 0
    assert compulsory_saving_due(D(0), None, True) == 0
