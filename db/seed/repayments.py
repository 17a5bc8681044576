"""How a borrower repays one loan: the ledger entries and the loan state they lead to.

Every entry is allocated with `domain.allocation.allocate` against the state left by the
entries before it, so the loan's derived columns are exactly what `replay` gives over its
unreversed repayments.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import Enum

from domain.allocation import InstallmentState, allocate
from domain.enums import LoanStatus, RepaymentKind
from domain.money import quantum
from domain.schedule import ScheduledInstallment

from .draw import Weighted


class Reliability(Enum):
    """A member's habit, drawn once: it shapes the conduct of each of her loans."""

    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class Conduct(Enum):
    ON_TIME = "on time"  # pays at the meeting on or around each due date
    LATE = "late"  # pays every installment weeks late, and catches up
    DEFAULTS = "defaults"  # stops paying; some resume, the others are written off


# Tuned so that about 6% of the loans active at as_of are more than 30 days late, 2.5% more
# than 90, and about 1% of all loans end written off (DOMAIN.md's PAR figures).
RELIABILITY = Weighted([(Reliability.GOOD, 86), (Reliability.FAIR, 11), (Reliability.POOR, 3)])
CONDUCT = {
    Reliability.GOOD: Weighted(
        [(Conduct.ON_TIME, 962), (Conduct.LATE, 26), (Conduct.DEFAULTS, 12)]
    ),
    Reliability.FAIR: Weighted(
        [(Conduct.ON_TIME, 690), (Conduct.LATE, 240), (Conduct.DEFAULTS, 70)]
    ),
    Reliability.POOR: Weighted(
        [(Conduct.ON_TIME, 400), (Conduct.LATE, 400), (Conduct.DEFAULTS, 200)]
    ),
}

# Per-payment habits of borrowers who pay.
PARTIAL = 0.04  # pays part of the installment, the rest with the next one
AHEAD = 0.03  # pays the next installment too
PAYOFF = 0.02  # per loan: repays the whole balance early, past mid-term
DUPLICATE = 0.003  # the facilitator enters the payment twice; the copy is reversed
RESUMES = 0.4  # a defaulting borrower who resumes paying and clears her arrears

DUPLICATE_NOTE = "Entered twice by mistake; reversed at the day-end reconciliation"
RECOVERED_NOTE = "Arrears recovered after a follow-up visit"
PAYOFF_NOTE = "Early repayment of the balance"


@dataclass(frozen=True, slots=True)
class Entry:
    kind: RepaymentKind
    paid_on: date
    amount: Decimal
    principal: Decimal
    interest: Decimal
    reverses: int | None  # index of the reversed entry in the loan's ledger
    note: str


@dataclass(slots=True)
class LoanHistory:
    installments: list[InstallmentState]
    entries: list[Entry]
    status: LoanStatus
    closed_on: date | None
    written_off_principal: Decimal

    @property
    def principal_paid(self) -> Decimal:
        return sum((i.principal_paid for i in self.installments), Decimal(0))

    @property
    def interest_paid(self) -> Decimal:
        return sum((i.interest_paid for i in self.installments), Decimal(0))


@dataclass(frozen=True, slots=True)
class _Payment:
    day: date
    through: int  # pays what is due up to and including this installment number
    note: str = ""
    payoff: bool = False


def _around(rng: random.Random) -> int:
    """Days an on-time payer pays after the due date: mostly on it, sometimes a bit off."""
    draw = rng.random()
    if draw < 0.85:
        return 0
    if draw < 0.95:
        return rng.randint(-3, 3)
    return rng.randint(4, 20)


def _plan(
    rng: random.Random, schedule: list[ScheduledInstallment], conduct: Conduct
) -> tuple[list[_Payment], date | None]:
    """The payments a borrower intends, and the write-off date if she stops for good."""
    if conduct is Conduct.LATE:
        delay = rng.randint(10, 150)
        return [
            _Payment(s.due_on + timedelta(days=delay + rng.randint(-4, 4)), s.number)
            for s in schedule
        ], None
    paid = len(schedule) if conduct is Conduct.ON_TIME else rng.randrange(len(schedule))
    plan = [_Payment(s.due_on + timedelta(days=_around(rng)), s.number) for s in schedule[:paid]]
    if paid == len(schedule):
        if rng.random() < PAYOFF:
            at = rng.randrange(len(plan) // 2, len(plan))
            plan[at] = _Payment(plan[at].day, plan[at].through, PAYOFF_NOTE, payoff=True)
        return plan, None
    stopped_due = schedule[paid].due_on
    write_off_on = stopped_due + timedelta(days=rng.randint(180, 540))
    if rng.random() >= RESUMES:
        return plan, write_off_on
    resume_on = stopped_due + timedelta(days=rng.randint(40, 170))
    due_by_then = [s for s in schedule if s.due_on <= resume_on]
    plan.append(_Payment(resume_on, due_by_then[-1].number, RECOVERED_NOTE))
    plan += [
        _Payment(s.due_on + timedelta(days=_around(rng)), s.number)
        for s in schedule
        if s.due_on > resume_on
    ]
    return plan, None


def repay(
    rng: random.Random,
    schedule: list[ScheduledInstallment],
    *,
    currency: str,
    disbursed_on: date,
    as_of: date,
    conduct: Conduct,
) -> LoanHistory:
    """Play a loan's repayments up to as_of and derive its state."""
    step = quantum(currency)
    state = [
        InstallmentState(s.number, s.due_on, s.principal_due, s.interest_due) for s in schedule
    ]
    first_open = 0  # installments are settled oldest first: all before this one are
    entries: list[Entry] = []
    plan, write_off_on = _plan(rng, schedule, conduct)
    last_day = disbursed_on + timedelta(days=1)
    for index, payment in enumerate(plan):
        day = max(last_day, payment.day)
        if day > as_of:
            break
        # The installments this payment reaches (state[k] is installment k + 1).
        if payment.payoff:
            end = len(state)
        elif rng.random() < AHEAD:
            end = min(len(state), payment.through + 1)
        else:
            end = payment.through
        reached = state[first_open:end]
        amount = sum((i.remaining for i in reached), Decimal(0))
        last = index == len(plan) - 1
        if not (payment.payoff or last or end > payment.through) and rng.random() < PARTIAL:
            share = Decimal(rng.randint(30, 80)) / 100
            amount = (amount * share / step).quantize(Decimal(1), ROUND_FLOOR) * step
        if amount <= 0:
            continue
        # Oldest first, the split over the installments reached is the split over the whole
        # schedule: allocating over them alone saves walking the rest.
        allocations, reached = allocate(reached, amount, day)
        state[first_open:end] = reached
        while first_open < len(state) and state[first_open].settled:
            first_open += 1
        entries.append(
            Entry(
                RepaymentKind.REPAYMENT,
                day,
                amount,
                sum((a.principal for a in allocations), Decimal(0)),
                sum((a.interest for a in allocations), Decimal(0)),
                None,
                payment.note,
            )
        )
        last_day = day
        if rng.random() < DUPLICATE and amount <= sum(
            (i.remaining for i in state[first_open:]), Decimal(0)
        ):
            # The copy is allocated as the system would have when it was entered (after the
            # real payment); its reversal restores the state, so `state` ignores it.
            copies, _ = allocate(state[first_open:], amount, day)
            entries.append(
                Entry(
                    RepaymentKind.REPAYMENT,
                    day,
                    amount,
                    sum((a.principal for a in copies), Decimal(0)),
                    sum((a.interest for a in copies), Decimal(0)),
                    None,
                    "",
                )
            )
            copy = entries[-1]
            entries.append(
                Entry(
                    RepaymentKind.REVERSAL,
                    day,
                    amount,
                    copy.principal,
                    copy.interest,
                    len(entries) - 1,
                    DUPLICATE_NOTE,
                )
            )
    return _outcome(state, entries, write_off_on, as_of)


def _outcome(
    state: list[InstallmentState], entries: list[Entry], write_off_on: date | None, as_of: date
) -> LoanHistory:
    if all(i.settled for i in state):
        closed_on = max(i.paid_on for i in state if i.paid_on is not None)
        return LoanHistory(state, entries, LoanStatus.REPAID, closed_on, Decimal(0))
    principal_left = sum((i.principal_due - i.principal_paid for i in state), Decimal(0))
    if write_off_on is not None and write_off_on <= as_of and principal_left > 0:
        return LoanHistory(state, entries, LoanStatus.WRITTEN_OFF, write_off_on, principal_left)
    return LoanHistory(state, entries, LoanStatus.ACTIVE, None, Decimal(0))
