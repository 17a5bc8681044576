"""Who may borrow, how much and in what currency: the methodology's rules, as plain functions.

The rules (DOMAIN.md, "The methodology"), each raising RuleViolation naming the input field:
- the product is active, and lends in the programme's currency; the principal is in it too;
- the principal is positive, has no more decimals than the currency, and lies within the
  product's minimum and maximum;
- her group is not closed;
- her earlier loans: none still open (PENDING or ACTIVE) unless this product allows concurrent
  loans, and none written off: a next cycle comes only after the previous loan is REPAID;
- a first loan (cycle 1) only once she has attended the programme's number of initial
  training sessions (6 for FANSOTO);
- no guarantee is ever asked: there is no such rule, and no such field.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from . import rules
from .enums import GroupStatus, LoanStatus
from .errors import ErrorCode, RuleViolation
from .money import round_money

OPEN_STATUSES = frozenset({LoanStatus.PENDING, LoanStatus.ACTIVE})


@dataclass(frozen=True, slots=True)
class ProductTerms:
    """What the rules need of a loan product."""

    currency: str
    min_principal: Decimal
    max_principal: Decimal
    active: bool = True
    allows_concurrent_loans: bool = False


@dataclass(frozen=True, slots=True)
class Applicant:
    """What the rules need of the member applying."""

    initial_sessions_attended: int
    group_status: GroupStatus
    # Her earlier loans' statuses, in any order.
    earlier_loans: Sequence[LoanStatus] = ()


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
) -> int:
    """The loan cycle the application would open, or RuleViolation naming what forbids it."""
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
    if not product.min_principal <= principal <= product.max_principal:
        raise RuleViolation(
            "principal",
            ErrorCode.OUT_OF_RANGE,
            f"This product lends from {round_money(product.min_principal, currency)} to "
            f"{round_money(product.max_principal, currency)} {currency}.",
        )
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
    cycle = len(applicant.earlier_loans) + 1
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
