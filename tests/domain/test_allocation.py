from datetime import date
from decimal import Decimal

import pytest

from domain.allocation import (
    Allocation,
    InstallmentState,
    OverpaymentError,
    allocate,
    days_past_due,
    interest_in_arrears,
    oldest_unpaid_due_on,
    paid_so_far,
    payoff_due,
    replay,
    waive_interest_after,
)

JAN, FEB, MAR = date(2025, 1, 15), date(2025, 2, 15), date(2025, 3, 15)


def three_months() -> list[InstallmentState]:
    """30,000 FCFA over three months, 1,500 of interest each (flat)."""
    return [
        InstallmentState(n, due, Decimal(10000), Decimal(1500))
        for n, due in enumerate([JAN, FEB, MAR], start=1)
    ]


def paid(states: list[InstallmentState]) -> list[tuple[Decimal, Decimal, date | None]]:
    return [(s.interest_paid, s.principal_paid, s.paid_on) for s in states]


def test_an_exact_installment_pays_interest_then_principal_of_the_oldest() -> None:
    allocations, states = allocate(three_months(), Decimal(11500), JAN)
    assert allocations == [Allocation(1, Decimal(1500), Decimal(10000))]
    assert paid(states) == [
        (Decimal(1500), Decimal(10000), JAN),
        (Decimal(0), Decimal(0), None),
        (Decimal(0), Decimal(0), None),
    ]


def test_a_partial_payment_covers_interest_first() -> None:
    allocations, states = allocate(three_months(), Decimal(1000), JAN)
    assert allocations == [Allocation(1, Decimal(1000), Decimal(0))]
    allocations, states = allocate(states, Decimal(6000), date(2025, 1, 20))
    assert allocations == [Allocation(1, Decimal(500), Decimal(5500))]
    assert paid(states)[0] == (Decimal(1500), Decimal(5500), None)  # not settled yet
    assert not states[0].settled
    assert states[0].remaining == Decimal(4500)


def test_paying_ahead_moves_on_to_the_next_installments() -> None:
    allocations, states = allocate(three_months(), Decimal(17000), JAN)
    assert allocations == [
        Allocation(1, Decimal(1500), Decimal(10000)),
        Allocation(2, Decimal(1500), Decimal(4000)),
    ]
    assert paid(states) == [
        (Decimal(1500), Decimal(10000), JAN),
        (Decimal(1500), Decimal(4000), None),
        (Decimal(0), Decimal(0), None),
    ]


def test_a_late_payment_settles_the_oldest_first_and_dates_it() -> None:
    _, states = allocate(three_months(), Decimal(23000), MAR)
    assert paid(states)[:2] == [(Decimal(1500), Decimal(10000), MAR)] * 2
    assert oldest_unpaid_due_on(states) == MAR


def test_repaying_everything_settles_the_loan() -> None:
    _, states = allocate(three_months(), Decimal(34500), FEB)
    assert all(s.settled for s in states)
    assert oldest_unpaid_due_on(states) is None


def test_more_than_what_remains_is_refused() -> None:
    _, states = allocate(three_months(), Decimal(11500), JAN)
    with pytest.raises(OverpaymentError) as refused:
        allocate(states, Decimal(23001), FEB)
    assert refused.value.remaining == Decimal(23000)
    assert paid(states)[1] == (Decimal(0), Decimal(0), None)  # states are values: unchanged


@pytest.mark.parametrize("amount", [Decimal(0), Decimal(-5)])
def test_an_amount_must_be_positive(amount: Decimal) -> None:
    with pytest.raises(ValueError, match="positive"):
        allocate(three_months(), amount, JAN)


def test_installments_are_taken_by_number_whatever_their_order() -> None:
    allocations, _ = allocate(list(reversed(three_months())), Decimal(11500), JAN)
    assert [a.number for a in allocations] == [1]


def test_replay_starts_from_unpaid_and_ignores_the_order_of_its_input() -> None:
    payments = [
        (date(2025, 1, 14), Decimal(11500)),
        (date(2025, 2, 20), Decimal(6000)),
        (date(2025, 3, 1), Decimal(5500)),
    ]
    _, already_paid = allocate(three_months(), Decimal(34500), JAN)
    forward = replay(already_paid, payments)
    assert replay(three_months(), reversed(payments)) == forward
    assert paid(forward) == [
        (Decimal(1500), Decimal(10000), date(2025, 1, 14)),
        (Decimal(1500), Decimal(10000), date(2025, 3, 1)),
        (Decimal(0), Decimal(0), None),
    ]


def test_replay_matches_allocating_one_payment_at_a_time() -> None:
    states = three_months()
    payments = [(JAN, Decimal(5000)), (FEB, Decimal(13000)), (MAR, Decimal(16500))]
    for day, amount in payments:
        _, states = allocate(states, amount, day)
    assert replay(three_months(), payments) == states


def test_days_past_due_count_from_the_oldest_unpaid_installment() -> None:
    _, states = allocate(three_months(), Decimal(11500), JAN)
    oldest = oldest_unpaid_due_on(states)
    assert oldest == FEB
    assert days_past_due(oldest, FEB) == 0  # due today is not late
    assert days_past_due(oldest, date(2025, 2, 10)) == 0
    assert days_past_due(oldest, date(2025, 3, 18)) == 31
    assert days_past_due(None, date(2025, 3, 18)) == 0


def test_a_rescheduling_keeps_what_was_paid_as_settled_lines_the_same_payments_settle() -> None:
    payments = [(JAN, Decimal(11500)), (FEB, Decimal(4000))]
    state = replay(three_months(), payments)

    kept = paid_so_far(state, FEB)

    assert [(k.number, k.due_on, k.principal_due, k.interest_due, k.paid_on) for k in kept] == [
        (1, JAN, Decimal(10000), Decimal(1500), JAN),
        (2, FEB, Decimal(2500), Decimal(1500), FEB),
    ]
    assert replay(kept, payments) == kept
    assert interest_in_arrears(state, MAR) == Decimal(1500)  # March's, not yet paid
    assert interest_in_arrears(state, FEB) == Decimal(0)


def test_an_early_payoff_waives_the_interest_of_later_installments_only() -> None:
    state = replay(three_months(), [(JAN, Decimal(11500)), (JAN, Decimal(12000))])

    waived_state, waived = waive_interest_after(state, JAN)

    # 23,500 settles January and February and pays 500 of March's interest ahead: that stays
    # paid, the other 1,000 is waived.
    assert waived == {3: Decimal(1000)}
    assert (waived_state[2].interest_due, waived_state[2].paid_on) == (Decimal(500), None)
    assert payoff_due(state, JAN, waive=True) == Decimal(10000)
    assert payoff_due(state, JAN, waive=False) == Decimal(11000)
    assert payoff_due(state, MAR, waive=True) == Decimal(11000)
