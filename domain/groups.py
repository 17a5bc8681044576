"""The group methodology's rules that need neither HTTP nor SQL.

A group is formed IN_TRAINING, becomes ACTIVE once it has held the programme's number of
INITIAL sessions, and may be CLOSED from either state; a CLOSED group is final: it is not
updated, takes no member and holds no session.
"""

from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from . import rules
from .enums import GroupStatus
from .errors import ErrorCode, RuleViolation
from .money import round_money

TRANSITIONS: Mapping[GroupStatus, frozenset[GroupStatus]] = {
    GroupStatus.IN_TRAINING: frozenset({GroupStatus.ACTIVE, GroupStatus.CLOSED}),
    GroupStatus.ACTIVE: frozenset({GroupStatus.CLOSED}),
    GroupStatus.CLOSED: frozenset(),
}

EARLIEST_BIRTH_YEAR = 1900


def require_open(field: str, status: GroupStatus) -> None:
    if status is GroupStatus.CLOSED:
        raise RuleViolation(field, ErrorCode.GROUP_CLOSED, "This group is closed.")


def transition(field: str, current: GroupStatus, target: GroupStatus) -> None:
    """Refuse a status change the methodology does not allow."""
    require_open(field, current)
    if target not in TRANSITIONS[current]:
        raise RuleViolation(
            field, ErrorCode.INVALID_STATE, f"A group {current.value} cannot become {target.value}."
        )


def check_activation(
    field: str, status: GroupStatus, initial_sessions_held: int, initial_sessions_required: int
) -> None:
    """IN_TRAINING → ACTIVE, once the group held the programme's number of INITIAL sessions."""
    transition(field, status, GroupStatus.ACTIVE)
    if initial_sessions_held < initial_sessions_required:
        raise RuleViolation(
            field,
            ErrorCode.TRAINING_INCOMPLETE,
            f"The group held {initial_sessions_held} of the programme's "
            f"{initial_sessions_required} initial training sessions.",
        )


def check_closing(
    status: GroupStatus,
    *,
    closed_on: date,
    formed_on: date,
    latest_join: date | None,
    today: date,
) -> None:
    """Closing: not twice, not in the future, not before it was formed or a member joined."""
    transition("group", status, GroupStatus.CLOSED)
    rules.not_in_future("closedOn", closed_on, today)
    rules.in_order("closedOn", formed_on, closed_on)
    if latest_join is not None:
        rules.in_order("closedOn", latest_join, closed_on)


def check_move(
    *,
    current_group: Hashable | None,
    target_group: Hashable,
    moved_on: date,
    since: date,
    target_formed_on: date,
    today: date,
) -> None:
    """A move to another group: `since` is when her current membership (or her last one, or
    her joining the programme) started; the move may not predate it, nor the target group."""
    if current_group == target_group:
        raise RuleViolation("group", ErrorCode.INVALID, "She is already in this group.")
    rules.not_in_future("movedOn", moved_on, today)
    rules.in_order("movedOn", since, moved_on)
    rules.in_order("movedOn", target_formed_on, moved_on)


def distinct(field: str, values: Sequence[Hashable]) -> None:
    """Each value once; a repeat is named by its index, e.g. ('attendees', '3')."""
    seen: set[Hashable] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise RuleViolation((field, str(index)), ErrorCode.INVALID, "Listed twice.")
        seen.add(value)


def poverty_likelihood(field: str, value: Decimal | None) -> Decimal | None:
    """A percentage from 0 to 100 with at most two decimals, or unknown."""
    if value is None:
        return None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise RuleViolation(field, ErrorCode.OUT_OF_RANGE, "Must be between 0 and 100.")
    if value != value.quantize(Decimal("0.01")):
        raise RuleViolation(field, ErrorCode.TOO_MANY_DECIMALS, "Two decimal places at most.")
    return value


def birth_year(field: str, value: int | None, today: date) -> int | None:
    if value is None:
        return None
    if not EARLIEST_BIRTH_YEAR <= value <= today.year:
        raise RuleViolation(
            field,
            ErrorCode.OUT_OF_RANGE,
            f"Must be between {EARLIEST_BIRTH_YEAR} and {today.year}.",
        )
    return value


def optional_text(value: str | None) -> str | None:
    """Trimmed text; blank means unknown."""
    if value is None:
        return None
    return value.strip() or None


def _required(field: str, value: Any) -> Any:
    if value is None:
        raise RuleViolation(field, ErrorCode.REQUIRED, "Must not be null.")
    return value


def _text(field: str, value: str | None) -> str:
    return rules.required_text(field, _required(field, value))


Check = Callable[[str, Any], Any]


def _checked(
    given: Mapping[str, Any], checks: Mapping[str, tuple[str, Check]], what: str
) -> dict[str, Any]:
    """The given values (by column), each checked under its input field's name, in the
    order of `checks`; a column without a check is a programming error."""
    unknown = set(given) - set(checks)
    if unknown:
        raise ValueError(f"not {what}: {sorted(unknown)}")
    return {
        column: check(field, given[column])
        for column, (field, check) in checks.items()
        if column in given
    }


def member_details(given: Mapping[str, Any], today: date) -> dict[str, Any]:
    """A member's details by column, checked and normalised: a null where a detail is required
    is refused (REQUIRED); a blank phone means unknown; a blank description is empty."""
    checks: dict[str, tuple[str, Check]] = {
        "first_name": ("firstName", _text),
        "last_name": ("lastName", _text),
        "gender": ("gender", _required),
        "birth_year": ("birthYear", lambda field, value: birth_year(field, value, today)),
        "phone": ("phone", lambda _, value: optional_text(value)),
        "activity": ("activity", _required),
        "activity_description": ("activityDescription", lambda _, value: (value or "").strip()),
        "rural": ("rural", _required),
        "poverty_likelihood": ("povertyLikelihood", poverty_likelihood),
    }
    return _checked(given, checks, "member details")


_GROUP_DETAILS: Mapping[str, tuple[str, Check]] = {
    "name": ("name", _text),
    "meeting_frequency": ("meetingFrequency", _required),
    "meeting_place": ("meetingPlace", _text),
}


def group_details(given: Mapping[str, Any]) -> dict[str, Any]:
    """A group's details by column (its facilitator aside, which needs a lookup), checked."""
    return _checked(given, _GROUP_DETAILS, "group details")


def check_leaving(
    *,
    left_already: date | None,
    left_on: date,
    since: date,
    open_loans: int,
    saved: Decimal,
    currency: str,
    today: date,
) -> None:
    """A member leaving the programme (a drop-out) on `left_on`: once; not in the future nor
    before `since` (her joining, her current group, her last loan closed, her last savings
    entry); never with a PENDING or ACTIVE loan (decline, repay or write it off first), nor
    with money saved (pay it out with savingsAccountClose first)."""
    if left_already is not None:
        raise RuleViolation(
            "member", ErrorCode.INVALID_STATE, f"She left the programme on {left_already}."
        )
    rules.not_in_future("leftOn", left_on, today)
    rules.in_order("leftOn", since, left_on)
    if open_loans:
        raise RuleViolation(
            "member",
            ErrorCode.ACTIVE_LOAN_EXISTS,
            "She has a pending or active loan: it must be repaid, written off or declined "
            "before she leaves.",
        )
    if saved > 0:
        raise RuleViolation(
            "member",
            ErrorCode.BALANCE_NOT_ZERO,
            f"She still has {round_money(saved, currency)} {currency} saved: pay it out (savingsAccountClose) "
            "before she leaves.",
        )


def initial_sessions_lost(
    *, attended_by_application: int, required: int, applied_on: date, held_on: date
) -> RuleViolation | None:
    """Why a member may not be struck off an INITIAL session held on `held_on`: her first
    loan, applied for on `applied_on`, counted it to meet the programme's rule. None if the
    rule still holds without it (or it came after her application)."""
    if held_on > applied_on or attended_by_application - 1 >= required:
        return None
    return RuleViolation(
        "attendees",
        ErrorCode.LOAN_ELIGIBILITY_USED,
        f"A member struck off attended it before applying for her first loan on "
        f"{applied_on}: without it she attended {attended_by_application - 1} of the "
        f"{required} initial sessions that loan required. Decline or withdraw the loan first, "
        "or keep her on the session.",
    )
