"""A group's collection sheet: what each member owes and saves on a meeting day. Plain
functions over the schedule, the ledger and the savings rule, no I/O.

The sheet is read before the meeting: it stands at the start of the day, on the repayments
recorded before it (those of the day are what the meeting collects). A loan's due amounts are
what remains unpaid of the installments due by that day, arrears included; its days late are
counted as `Loan.daysPastDue` counts them (from the oldest installment not fully paid), so they
agree with `daysPastDue(asOf:)` of that day whenever nothing is paid on the day itself.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .allocation import InstallmentState, days_past_due, oldest_unpaid_due_on, replay


@dataclass(frozen=True, slots=True)
class LoanDue:
    principal_due: Decimal
    interest_due: Decimal
    # The part of the due amounts that fell due before the day.
    arrears: Decimal
    days_late: int

    @property
    def total_due(self) -> Decimal:
        return self.principal_due + self.interest_due


def loan_due(
    schedule: Sequence[InstallmentState], payments: Sequence[tuple[date, Decimal]], on: date
) -> LoanDue:
    """What a loan asks at a meeting on `on`, from its schedule (unpaid) and its standing
    repayments (those paid before `on` count)."""
    state = replay(schedule, [(day, amount) for day, amount in payments if day < on])
    due = [i for i in state if i.due_on <= on]
    return LoanDue(
        principal_due=sum((i.principal_due - i.principal_paid for i in due), Decimal(0)),
        interest_due=sum((i.interest_due - i.interest_paid for i in due), Decimal(0)),
        arrears=sum((i.remaining for i in due if i.due_on < on), Decimal(0)),
        days_late=days_past_due(oldest_unpaid_due_on(state), on),
    )


def compulsory_saving_due(
    compulsory_balance: Decimal, minimum: Decimal | None, has_active_loan: bool
) -> Decimal:
    """What she must deposit to bring her compulsory savings up to the programme's floor,
    which holds while she has an active loan (domain/saving.py refuses withdrawals below it)."""
    if minimum is None or not has_active_loan:
        return Decimal(0)
    return max(minimum - compulsory_balance, Decimal(0))
