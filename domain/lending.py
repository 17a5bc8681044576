"""Who may borrow, how much and in what currency: the methodology's rules, as plain functions.

The rules (DOMAIN.md, "The methodology"), each raising RuleViolation naming the input field:
- the product is active, and lends in the programme's currency; the principal is in it too;
- the principal is positive and has no more decimals than the currency;
- her group is not closed;
- her earlier loans (applications declined or withdrawn are none): none still open (PENDING or ACTIVE) unless this product allows concurrent
  loans, and none written off: a next cycle comes only after the previous loan is REPAID, so
  an application is not dated before the day her previous loan was repaid;
- the product serves the cycle the loan would open (its cycle bands; none: every cycle), and
  the principal lies within the band's minimum and maximum (none: the product's);
- a first loan (cycle 1) only once she has attended the programme's number of initial
  training sessions (6 for FANSOTO);
- no guarantee is ever asked: there is no such rule, and no such field.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from . import rules
from .enums import GroupStatus, LoanStatus
from .errors import ErrorCode, RuleViolation
from .money import round_money

OPEN_STATUSES = frozenset({LoanStatus.PENDING, LoanStatus.ACTIVE})
# Applications that never became loans: no cycle, nothing lent.
NEVER_LENT = frozenset({LoanStatus.DECLINED, LoanStatus.WITHDRAWN})


@dataclass(frozen=True, slots=True)
class CycleBand:
    """Loan cycles a product serves, from `first_cycle` to `last_cycle` (None: and every
    later one), and the principal it lends for them."""

    first_cycle: int
    last_cycle: int | None
    min_principal: Decimal
    max_principal: Decimal

    def covers(self, cycle: int) -> bool:
        return self.first_cycle <= cycle and (self.last_cycle is None or cycle <= self.last_cycle)

    def describe(self) -> str:
        if self.last_cycle is None:
            return f"cycle {self.first_cycle} and later"
        if self.last_cycle == self.first_cycle:
            return f"cycle {self.first_cycle}"
        return f"cycles {self.first_cycle} to {self.last_cycle}"


@dataclass(frozen=True, slots=True)
class ProductTerms:
    """What the rules need of a loan product. Without cycle bands it serves every cycle
    within its minimum and maximum."""

    currency: str
    min_principal: Decimal
    max_principal: Decimal
    active: bool = True
    allows_concurrent_loans: bool = False
    cycles: Sequence[CycleBand] = ()

    def band_for(self, cycle: int) -> CycleBand | None:
        """The band serving `cycle`, or None if the product does not serve it."""
        if not self.cycles:
            return CycleBand(1, None, self.min_principal, self.max_principal)
        return next((b for b in self.cycles if b.covers(cycle)), None)


@dataclass(frozen=True, slots=True)
class Applicant:
    """What the rules need of the member applying."""

    initial_sessions_attended: int
    group_status: GroupStatus
    # Her earlier loans' statuses, in any order.
    earlier_loans: Sequence[LoanStatus] = ()
    # The latest day one of her earlier loans closed (was repaid), if any did.
    last_closed_on: date | None = None


def money(field: str, amount: Decimal, currency: str, expected: str) -> Decimal:
    """An amount in the expected currency, positive, with no more decimals than it has."""
    rules.currency(field, currency, expected)
    return rules.amount(field, amount, expected)


def check_application(
    *,
    applicant: Applicant,
    product: ProductTerms,
    programme_currency: str,
    initial_sessions_required: int,
    principal: Decimal,
    currency: str,
    applied_on: date | None = None,
) -> int:
    """The loan cycle the application would open, or RuleViolation naming what forbids it.
    Her earlier loans are judged as they stood on `applied_on` (if given)."""
    if not product.active:
        raise RuleViolation(
            "product", ErrorCode.INVALID_STATE, "This product is no longer offered."
        )
    if product.currency != programme_currency:
        raise RuleViolation(
            "product",
            ErrorCode.WRONG_CURRENCY,
            f"This product lends in {product.currency}, not the programme's {programme_currency}.",
        )
    money("principal", principal, currency, programme_currency)
    if applicant.group_status is GroupStatus.CLOSED:
        raise RuleViolation("member", ErrorCode.GROUP_CLOSED, "Her group is closed: no new loan.")
    still_open = [s for s in applicant.earlier_loans if s in OPEN_STATUSES]
    if still_open and not product.allows_concurrent_loans:
        raise RuleViolation(
            "member",
            ErrorCode.ACTIVE_LOAN_EXISTS,
            f"She already has a {still_open[0].value} loan, and this product allows no other "
            "loan alongside it.",
        )
    if LoanStatus.WRITTEN_OFF in applicant.earlier_loans:
        raise RuleViolation(
            "member",
            ErrorCode.PREVIOUS_LOAN_NOT_REPAID,
            "An earlier loan of hers was written off: a next cycle comes only after the "
            "previous loan is repaid.",
        )
    repaid_on = applicant.last_closed_on
    if (
        not product.allows_concurrent_loans
        and applied_on is not None
        and repaid_on is not None
        and applied_on < repaid_on
    ):
        raise RuleViolation(
            "appliedOn",
            ErrorCode.PREVIOUS_LOAN_NOT_REPAID,
            f"Her previous loan was repaid on {repaid_on}: on {applied_on} it was still "
            f"outstanding, so a next cycle's application is dated {repaid_on} or later.",
        )
    cycle = len(applicant.earlier_loans) + 1
    band = product.band_for(cycle)
    if band is None:
        served = ", ".join(b.describe() for b in product.cycles)
        raise RuleViolation(
            "product",
            ErrorCode.CYCLE_NOT_ELIGIBLE,
            f"This would be her cycle {cycle} loan; this product serves {served} only.",
        )
    if not band.min_principal <= principal <= band.max_principal:
        low, high = (round_money(x, currency) for x in (band.min_principal, band.max_principal))
        bounds = f"{low} {currency}" if low == high else f"from {low} to {high} {currency}"
        raise RuleViolation(
            "principal",
            ErrorCode.OUT_OF_RANGE,
            f"For a cycle {cycle} loan this product lends {bounds}.",
        )
    if cycle == 1 and applicant.initial_sessions_attended < initial_sessions_required:
        raise RuleViolation(
            "member",
            ErrorCode.TRAINING_INCOMPLETE,
            f"A first loan needs {initial_sessions_required} initial training sessions attended; "
            f"she has attended {applicant.initial_sessions_attended}.",
        )
    return cycle


def fee(principal: Decimal, fee_percent: Decimal, currency: str) -> Decimal:
    """The fee charged at disbursement: a percent of the principal, in the currency's unit."""
    return round_money(principal * fee_percent / 100, currency)


# The rest of a loan's life: recoveries, early payoff, rescheduling.

MAX_INSTALLMENTS = 120
MAX_GRACE_INSTALLMENTS = 12


def reason(field: str, text: str, what: str) -> str:
    """A reason given for a change of state, stripped; required."""
    if not text.strip():
        raise RuleViolation(field, ErrorCode.REASON_REQUIRED, f"Say why it is {what}.")
    return text.strip()


def check_recovery(
    amount: Decimal, written_off: Decimal, recovered: Decimal, currency: str
) -> None:
    """A recovery on a written-off loan brings back at most the principal written off."""
    left = round_money(written_off - recovered, currency)
    if amount > left:
        raise RuleViolation(
            "amount",
            ErrorCode.OVERPAYMENT,
            f"{amount} {currency} is more than the {left} {currency} of written-off principal "
            f"not yet recovered: record at most {left} {currency}.",
        )


def check_payoff(amount: Decimal, due: Decimal, currency: str, paid_on: date) -> None:
    """Paying a loan off takes exactly what remains due on it that day."""
    due = round_money(due, currency)
    if amount != due:
        raise RuleViolation(
            "amount",
            ErrorCode.WRONG_AMOUNT,
            f"Paying this loan off on {paid_on} takes {due} {currency}, not {amount} {currency} "
            "(see Loan.payoffAmount).",
        )


def check_reschedule_terms(installments: int, grace_installments: int) -> None:
    if not 1 <= installments <= MAX_INSTALLMENTS:
        raise RuleViolation(
            "installments",
            ErrorCode.OUT_OF_RANGE,
            f"A new schedule has from 1 to {MAX_INSTALLMENTS} installments.",
        )
    if not 0 <= grace_installments <= MAX_GRACE_INSTALLMENTS:
        raise RuleViolation(
            "graceInstallments",
            ErrorCode.OUT_OF_RANGE,
            f"A grace period is from 0 to {MAX_GRACE_INSTALLMENTS} installments of interest only.",
        )
