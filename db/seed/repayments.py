"""How a borrower repays one loan: the ledger entries and the loan state they lead to.

Every entry is allocated by `domain.allocation.allocate`'s rule (interest, then principal, of
the oldest installment not fully paid, then the next) against the state left by the entries
before it, so the loan's derived columns are exactly what `replay` gives over its unreversed
repayments (tests/db/test_seed.py checks it with `replay`). Amounts are whole minor units
(ints): exact as Decimals are, and a 12-million-entry seed is spent in this loop.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import NamedTuple

from domain.enums import LoanStatus, RepaymentKind

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


class Entry(NamedTuple):
    kind: RepaymentKind
    paid_on: date
    amount: int  # minor units, as the parts
    principal: int
    interest: int
    reverses: int | None  # index of the reversed entry in the loan's ledger
    note: str


@dataclass(slots=True)
class LoanHistory:
    """The schedule's state (what is left due of each installment, its paid day) and the
    ledger, in minor units."""

    principal_left: list[int]
    interest_left: list[int]
    paid_on: list[date | None]
    entries: list[Entry]
    status: LoanStatus
    closed_on: date | None
    written_off_principal: int

    def oldest_unpaid(self) -> int | None:
        """Index of the oldest installment not fully paid (due dates increase)."""
        left = zip(self.principal_left, self.interest_left, strict=True)
        return next((k for k, (p, i) in enumerate(left) if p or i), None)


class _Payment(NamedTuple):
    day: date
    through: int  # pays what is due up to and including this installment number
    note: str = ""
    payoff: bool = False


def _around(rng: random.Random, due_on: date) -> date:
    """The day an on-time payer pays: mostly on the due date, sometimes a bit off."""
    draw = rng.random()
    if draw < 0.85:
        return due_on
    if draw < 0.95:
        return due_on + timedelta(days=rng.randint(-3, 3))
    return due_on + timedelta(days=rng.randint(4, 20))


def _plan(
    rng: random.Random, due_on: Sequence[date], conduct: Conduct
) -> tuple[list[_Payment], date | None]:
    """The payments a borrower intends, and the write-off date if she stops for good.
    (Installment k + 1 is due on due_on[k].)"""
    count = len(due_on)
    if conduct is Conduct.LATE:
        delay = rng.randint(10, 150)
        return [
            _Payment(day + timedelta(days=delay + rng.randint(-4, 4)), k)
            for k, day in enumerate(due_on, start=1)
        ], None
    paid = count if conduct is Conduct.ON_TIME else rng.randrange(count)
    plan = [_Payment(_around(rng, day), k) for k, day in enumerate(due_on[:paid], start=1)]
    if paid == count:
        if rng.random() < PAYOFF:
            at = rng.randrange(len(plan) // 2, len(plan))
            plan[at] = _Payment(plan[at].day, plan[at].through, PAYOFF_NOTE, payoff=True)
        return plan, None
    stopped_due = due_on[paid]
    write_off_on = stopped_due + timedelta(days=rng.randint(180, 540))
    if rng.random() >= RESUMES:
        return plan, write_off_on
    resume_on = stopped_due + timedelta(days=rng.randint(40, 170))
    due_by_then = sum(1 for day in due_on if day <= resume_on)
    plan.append(_Payment(resume_on, due_by_then, RECOVERED_NOTE))
    plan += [
        _Payment(_around(rng, day), k) for k, day in enumerate(due_on, start=1) if day > resume_on
    ]
    return plan, None


def _split(
    principal_left: Sequence[int], interest_left: Sequence[int], start: int, amount: int
) -> tuple[int, int]:
    """(principal, interest) of `amount` allocated from installment `start` on, left as is."""
    left, principal, interest = amount, 0, 0
    for k in range(start, len(principal_left)):
        if left == 0:
            break
        paid = min(left, interest_left[k])
        left -= paid
        interest += paid
        paid = min(left, principal_left[k])
        left -= paid
        principal += paid
    return principal, interest


def repay(
    rng: random.Random,
    due_on: Sequence[date],
    principal_due: Sequence[int],
    interest_due: Sequence[int],
    *,
    disbursed_on: date,
    as_of: date,
    conduct: Conduct,
) -> LoanHistory:
    """Play a loan's repayments up to as_of and derive its state (amounts in minor units)."""
    count = len(due_on)
    p_left, i_left = list(principal_due), list(interest_due)
    paid_on: list[date | None] = [None] * count
    first_open = 0  # installments are settled oldest first: all before this one are
    entries: list[Entry] = []
    plan, write_off_on = _plan(rng, due_on, conduct)
    last_day = disbursed_on + timedelta(days=1)
    final = len(plan) - 1
    for index, payment in enumerate(plan):
        day = max(last_day, payment.day)
        if day > as_of:
            break
        # The installments this payment reaches: first_open up to `end` (excluded).
        if payment.payoff:
            end = count
        elif rng.random() < AHEAD:
            end = min(count, payment.through + 1)
        else:
            end = payment.through
        amount = sum(p_left[first_open:end]) + sum(i_left[first_open:end])
        if (
            not (payment.payoff or index == final or end > payment.through)
            and rng.random() < PARTIAL
        ):
            amount = amount * rng.randint(30, 80) // 100
        if amount <= 0:
            continue
        # Oldest first: interest, then principal, of each installment reached.
        left, principal, interest = amount, 0, 0
        for k in range(first_open, end):
            if left == 0:
                break
            owed_i, owed_p = i_left[k], p_left[k]
            if not (owed_i or owed_p):
                continue
            paid_i = min(left, owed_i)
            left -= paid_i
            paid_p = min(left, owed_p)
            left -= paid_p
            i_left[k], p_left[k] = owed_i - paid_i, owed_p - paid_p
            interest += paid_i
            principal += paid_p
            if owed_i == paid_i and owed_p == paid_p:
                paid_on[k] = day
        while first_open < count and not (p_left[first_open] or i_left[first_open]):
            first_open += 1
        entries.append(
            Entry(RepaymentKind.REPAYMENT, day, amount, principal, interest, None, payment.note)
        )
        last_day = day
        if rng.random() < DUPLICATE and amount <= sum(p_left[first_open:]) + sum(
            i_left[first_open:]
        ):
            # The copy is allocated as the system would have when it was entered (after the
            # real payment); its reversal restores the state, so the state ignores it.
            principal, interest = _split(p_left, i_left, first_open, amount)
            entries.append(
                Entry(RepaymentKind.REPAYMENT, day, amount, principal, interest, None, "")
            )
            entries.append(
                Entry(
                    RepaymentKind.REVERSAL,
                    day,
                    amount,
                    principal,
                    interest,
                    len(entries) - 1,
                    DUPLICATE_NOTE,
                )
            )
    return _outcome(p_left, i_left, paid_on, entries, write_off_on, as_of)


def _outcome(
    p_left: list[int],
    i_left: list[int],
    paid_on: list[date | None],
    entries: list[Entry],
    write_off_on: date | None,
    as_of: date,
) -> LoanHistory:
    if not (any(p_left) or any(i_left)):
        closed_on = max(day for day in paid_on if day is not None)
        return LoanHistory(p_left, i_left, paid_on, entries, LoanStatus.REPAID, closed_on, 0)
    principal_left = sum(p_left)
    if write_off_on is not None and write_off_on <= as_of and principal_left > 0:
        return LoanHistory(
            p_left, i_left, paid_on, entries, LoanStatus.WRITTEN_OFF, write_off_on, principal_left
        )
    return LoanHistory(p_left, i_left, paid_on, entries, LoanStatus.ACTIVE, None, 0)
