"""Allocating repayments to a schedule, and the loan state that follows. Plain functions.

Rule: a repayment pays the interest, then the principal, of the oldest installment not yet
fully paid, then the next one, and so on (paying ahead is allowed). An amount larger than all
that remains due is refused, never kept as credit: `OverpaymentError`.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class InstallmentState:
    number: int
    due_on: date
    principal_due: Decimal
    interest_due: Decimal
    principal_paid: Decimal = Decimal(0)
    interest_paid: Decimal = Decimal(0)
    paid_on: date | None = None

    @property
    def remaining(self) -> Decimal:
        return self.principal_due - self.principal_paid + self.interest_due - self.interest_paid

    @property
    def settled(self) -> bool:
        return self.remaining == 0


@dataclass(frozen=True, slots=True)
class Allocation:
    number: int
    interest: Decimal
    principal: Decimal


class OverpaymentError(ValueError):
    def __init__(self, remaining: Decimal) -> None:
        super().__init__(f"the amount exceeds what remains due ({remaining})")
        self.remaining = remaining


def allocate(
    installments: Sequence[InstallmentState], amount: Decimal, paid_on: date
) -> tuple[list[Allocation], list[InstallmentState]]:
    """Split `amount` over the installments; return the split and the updated installments."""
    if amount <= 0:
        raise ValueError("amount must be positive")
    remaining_due = sum((i.remaining for i in installments), Decimal(0))
    if amount > remaining_due:
        raise OverpaymentError(remaining_due)
    left = amount
    allocations: list[Allocation] = []
    updated: list[InstallmentState] = []
    for inst in sorted(installments, key=lambda i: i.number):
        if left == 0 or inst.settled:
            updated.append(inst)
            continue
        interest = min(left, inst.interest_due - inst.interest_paid)
        left -= interest
        principal = min(left, inst.principal_due - inst.principal_paid)
        left -= principal
        # Built directly, not with dataclasses.replace: seeding allocates millions of these.
        new = InstallmentState(
            inst.number,
            inst.due_on,
            inst.principal_due,
            inst.interest_due,
            inst.principal_paid + principal,
            inst.interest_paid + interest,
            inst.paid_on,
        )
        if new.settled:
            new = InstallmentState(
                new.number,
                new.due_on,
                new.principal_due,
                new.interest_due,
                new.principal_paid,
                new.interest_paid,
                paid_on,
            )
        allocations.append(Allocation(inst.number, interest, principal))
        updated.append(new)
    return allocations, updated


@dataclass(frozen=True, slots=True)
class Split:
    """A repayment's split between interest and principal."""

    interest: Decimal
    principal: Decimal


def replay(
    installments: Sequence[InstallmentState], payments: Iterable[tuple[date, Decimal]]
) -> list[InstallmentState]:
    """The schedule's paid state after the given payments, in date order, from unpaid."""
    state, _ = replay_splits(installments, list(payments))
    return state


def replay_splits(
    installments: Sequence[InstallmentState], payments: Sequence[tuple[date, Decimal]]
) -> tuple[list[InstallmentState], list[Split]]:
    """As `replay`, with each payment's split as the allocation rule makes it when the
    payments come in date order (same day: in the order given), listed as given."""
    state = [
        replace(i, principal_paid=Decimal(0), interest_paid=Decimal(0), paid_on=None)
        for i in installments
    ]
    splits: list[Split] = [Split(Decimal(0), Decimal(0))] * len(payments)
    for index in sorted(range(len(payments)), key=lambda k: payments[k][0]):
        paid_on, amount = payments[index]
        allocations, state = allocate(state, amount, paid_on)
        splits[index] = Split(
            sum((a.interest for a in allocations), Decimal(0)),
            sum((a.principal for a in allocations), Decimal(0)),
        )
    return state, splits


def oldest_unpaid_due_on(installments: Iterable[InstallmentState]) -> date | None:
    """Due date of the oldest installment not fully paid: days past due count from it."""
    return min((i.due_on for i in installments if not i.settled), default=None)


def days_past_due(oldest_unpaid: date | None, as_of: date) -> int:
    if oldest_unpaid is None or oldest_unpaid >= as_of:
        return 0
    return (as_of - oldest_unpaid).days


def paid_so_far(
    installments: Sequence[InstallmentState], last_paid_on: date | None
) -> list[InstallmentState]:
    """What a rescheduling keeps of a schedule: each line's paid part, as a settled line (a
    line fully paid as it is; one partly paid, for what was paid of it, settled on the last
    repayment's day), numbered from 1. Pouring the same repayments into these lines settles
    them all, so the repayments keep their splits."""
    kept: list[InstallmentState] = []
    for inst in sorted(installments, key=lambda i: i.number):
        if inst.principal_paid == 0 and inst.interest_paid == 0:
            continue
        paid_on = inst.paid_on if inst.settled else last_paid_on
        assert paid_on is not None, "a line partly paid was paid on some day"
        kept.append(
            InstallmentState(
                len(kept) + 1,
                inst.due_on,
                inst.principal_paid,
                inst.interest_paid,
                inst.principal_paid,
                inst.interest_paid,
                paid_on,
            )
        )
    return kept


def interest_in_arrears(installments: Iterable[InstallmentState], day: date) -> Decimal:
    """The interest of the installments due by `day` still unpaid."""
    return sum(
        (i.interest_due - i.interest_paid for i in installments if i.due_on <= day), Decimal(0)
    )


def waive_interest_after(
    installments: Sequence[InstallmentState], day: date
) -> tuple[list[InstallmentState], dict[int, Decimal]]:
    """The schedule with the unpaid interest of the installments due after `day` no longer
    due (an early payoff whose product waives it), and what was waived, by number. A line
    that this leaves settled is settled on `day`."""
    waived: dict[int, Decimal] = {}
    updated: list[InstallmentState] = []
    for inst in installments:
        unpaid = inst.interest_due - inst.interest_paid
        if inst.due_on <= day or unpaid == 0:
            updated.append(inst)
            continue
        waived[inst.number] = unpaid
        new = replace(inst, interest_due=inst.interest_paid)
        updated.append(replace(new, paid_on=day) if new.settled else new)
    return updated, waived


def payoff_due(installments: Sequence[InstallmentState], day: date, waive: bool) -> Decimal:
    """What repays the whole balance on `day`: all that remains due, less the interest of
    the installments due after it if the product waives it."""
    if waive:
        installments, _ = waive_interest_after(installments, day)
    return sum((i.remaining for i in installments), Decimal(0))
