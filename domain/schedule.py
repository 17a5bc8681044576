"""Repayment schedules: plain functions, no I/O.

Rounding: each installment's principal and interest are rounded to the currency's minor unit
(ROUND_HALF_UP); whatever rounding leaves over goes on the last installment's principal, so the
principal column always sums to the loan's principal exactly.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from .enums import InstallmentFrequency, InterestMethod, MeetingFrequency
from .money import quantum, round_money


@dataclass(frozen=True, slots=True)
class ScheduledInstallment:
    number: int
    due_on: date
    principal_due: Decimal
    interest_due: Decimal

    @property
    def total_due(self) -> Decimal:
        return self.principal_due + self.interest_due


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(start: date, frequency: InstallmentFrequency, number: int) -> date:
    """The due date of installment `number` (1-based) of a loan disbursed on `start`."""
    if frequency is InstallmentFrequency.WEEKLY:
        return start + timedelta(weeks=number)
    if frequency is InstallmentFrequency.EVERY_TWO_WEEKS:
        return start + timedelta(weeks=2 * number)
    return add_months(start, number)


@dataclass(frozen=True, slots=True)
class MeetingCalendar:
    """A group's meeting days: from a day it met, every month on that day of the month
    (the month's last day when shorter) or every two weeks on that weekday."""

    anchor: date
    frequency: MeetingFrequency

    def on_or_after(self, day: date) -> date:
        """The first meeting day on or after `day`."""
        if self.frequency is MeetingFrequency.TWICE_MONTHLY:
            periods = -(-(day - self.anchor).days // 14)  # ceiling division
            return self.anchor + timedelta(weeks=2 * periods)
        months = (day.year - self.anchor.year) * 12 + day.month - self.anchor.month
        meeting = add_months(self.anchor, months)
        return meeting if meeting >= day else add_months(self.anchor, months + 1)


def build_schedule(
    *,
    principal: Decimal,
    currency: str,
    method: InterestMethod,
    period_rate_percent: Decimal,
    installments: int,
    frequency: InstallmentFrequency,
    disbursed_on: date,
    meetings: MeetingCalendar | None = None,
) -> list[ScheduledInstallment]:
    """The installments of a loan. With `meetings` (a product whose due dates follow the
    group's meeting day), each due date counted from the disbursement moves to the group's
    first meeting on or after it: the facilitator collects it there, never before it is due.
    Two installments may then fall on one meeting (a weekly product in a monthly group)."""
    if principal <= 0:
        raise ValueError("principal must be positive")
    if installments < 1:
        raise ValueError("a schedule needs at least one installment")
    rate = period_rate_percent / 100
    lines: list[tuple[Decimal, Decimal]] = []
    if method is InterestMethod.FLAT:
        principal_each = round_money(principal / installments, currency)
        if principal_each * (installments - 1) > principal:
            # A principal of a few minor units over many installments: rounding each share
            # up would allot more than the principal; round down, the last takes the rest.
            principal_each = (principal / installments).quantize(
                quantum(currency), rounding=ROUND_DOWN
            )
        interest_each = round_money(principal * rate, currency)
        lines = [(principal_each, interest_each)] * installments
    else:
        if rate == 0:
            payment = principal / installments
        else:
            payment = principal * rate / (1 - (1 + rate) ** -installments)
        balance = principal
        for _ in range(installments):
            interest = round_money(balance * rate, currency)
            principal_part = min(balance, round_money(payment - interest, currency))
            lines.append((principal_part, interest))
            balance -= principal_part
    allotted = sum((p for p, _ in lines[:-1]), Decimal(0))
    last_principal = principal - allotted
    if last_principal < 0:
        raise ValueError("rounding left a negative last installment")
    lines[-1] = (last_principal, lines[-1][1])
    due = [due_date(disbursed_on, frequency, n) for n in range(1, installments + 1)]
    if meetings is not None:
        due = [meetings.on_or_after(day) for day in due]
    return [
        ScheduledInstallment(n, day, p, i)
        for n, (day, (p, i)) in enumerate(zip(due, lines, strict=True), start=1)
    ]


def build_rescheduled(
    *,
    principal: Decimal,
    currency: str,
    method: InterestMethod,
    period_rate_percent: Decimal,
    installments: int,
    grace_installments: int,
    frequency: InstallmentFrequency,
    rescheduled_on: date,
    interest_in_arrears: Decimal,
) -> list[ScheduledInstallment]:
    """The lines that replace a schedule from `rescheduled_on`, numbered from 1: first
    `grace_installments` of interest only (a period's interest on `principal`, the principal
    still owed), then `installments` lines built as at disbursement (same method, rate and
    rounding); the interest in arrears is due with the first line. Due dates count periods
    from `rescheduled_on`."""
    if grace_installments < 0:
        raise ValueError("grace cannot be negative")
    grace_interest = round_money(principal * period_rate_percent / 100, currency)
    lines = [(Decimal(0), grace_interest)] * grace_installments
    body = build_schedule(
        principal=principal,
        currency=currency,
        method=method,
        period_rate_percent=period_rate_percent,
        installments=installments,
        frequency=frequency,
        disbursed_on=rescheduled_on,
    )
    lines += [(line.principal_due, line.interest_due) for line in body]
    lines[0] = (lines[0][0], lines[0][1] + interest_in_arrears)
    return [
        ScheduledInstallment(n, due_date(rescheduled_on, frequency, n), p, i)
        for n, (p, i) in enumerate(lines, start=1)
    ]
