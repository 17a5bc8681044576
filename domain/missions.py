"""Technical-support missions' rules that need neither HTTP nor SQL.

A mission is PLANNED, goes IN_PROGRESS when it starts, and ends COMPLETED (with its actual
dates) or CANCELLED. A COMPLETED mission may be reopened (back IN_PROGRESS) only with a reason;
a CANCELLED one may be reopened too, to where it stood before (PLANNED, or IN_PROGRESS if it
had started). A recommendation is overdue while OPEN or IN_PROGRESS past its due date.
"""

from datetime import date
from urllib.parse import urlsplit

from .enums import MissionStatus, RecommendationStatus
from .errors import ErrorCode, RuleViolation

# Recommendations still to be done: those that can be overdue.
PENDING_RECOMMENDATION = frozenset({RecommendationStatus.OPEN, RecommendationStatus.IN_PROGRESS})

# What each mutation may start from.
_STARTABLE = frozenset({MissionStatus.PLANNED})
_ENDABLE = frozenset({MissionStatus.PLANNED, MissionStatus.IN_PROGRESS})
# Findings and recommendations come from work done: a mission under way or completed.
_WORKED = frozenset({MissionStatus.IN_PROGRESS, MissionStatus.COMPLETED})

MAX_URL_LENGTH = 2000


def _require(
    field: str, status: MissionStatus, allowed: frozenset[MissionStatus], act: str
) -> None:
    if status not in allowed:
        raise RuleViolation(
            field, ErrorCode.INVALID_STATE, f"A {status.value} mission cannot {act}."
        )


def check_start(status: MissionStatus) -> None:
    _require("mission", status, _STARTABLE, "start")


def check_complete(status: MissionStatus) -> None:
    _require("mission", status, _ENDABLE, "be completed")


def check_cancel(status: MissionStatus) -> None:
    _require("mission", status, _ENDABLE, "be cancelled")


def check_worked(status: MissionStatus, act: str) -> None:
    """Findings and recommendations: only once the mission has started (and not cancelled)."""
    _require("mission", status, _WORKED, act)


def reopened_status(
    status: MissionStatus, reason: str, actual_start_on: date | None
) -> MissionStatus:
    """Where a reopened mission goes; a COMPLETED one needs a reason (REASON_REQUIRED)."""
    if status is MissionStatus.COMPLETED:
        if not reason.strip():
            raise RuleViolation(
                "reason", ErrorCode.REASON_REQUIRED, "Say why a completed mission is reopened."
            )
        return MissionStatus.IN_PROGRESS
    if status is MissionStatus.CANCELLED:
        return MissionStatus.PLANNED if actual_start_on is None else MissionStatus.IN_PROGRESS
    raise RuleViolation(
        "mission",
        ErrorCode.INVALID_STATE,
        f"A {status.value} mission is not closed: nothing to reopen.",
    )


def expert_days(
    status: MissionStatus,
    *,
    planned_start_on: date,
    planned_end_on: date,
    actual_start_on: date | None,
    actual_end_on: date | None,
    experts: int,
) -> int:
    """Days of expert time: actual days (both ends included) once COMPLETED, planned days
    otherwise, none for a CANCELLED mission; times the number of experts on the mission.

    db/missions.py `expert_days_sql` says the same in SQL for the summaries; keep them equal.
    """
    if status is MissionStatus.CANCELLED:
        return 0
    start, end = planned_start_on, planned_end_on
    if status is MissionStatus.COMPLETED and actual_start_on and actual_end_on:
        start, end = actual_start_on, actual_end_on
    return ((end - start).days + 1) * experts


def mission_day(planned_start_on: date, actual_start_on: date | None, today: date) -> date:
    """The day a mission's programme indicators are read at: when it started (or is planned
    to), but never after today, since indicators of the future are not known."""
    return min(actual_start_on or planned_start_on, today)


def is_overdue(status: RecommendationStatus, due_on: date, as_of: date) -> bool:
    """Still to be done, and due before `as_of` (a recommendation due today is not late)."""
    return status in PENDING_RECOMMENDATION and due_on < as_of


def check_status_change(
    current: RecommendationStatus,
    target: RecommendationStatus,
    *,
    on: date,
    last_changed_on: date,
    today: date,
) -> None:
    """A status change is a change, dated between the recommendation's last step and today."""
    if target is current:
        raise RuleViolation(
            "status", ErrorCode.INVALID_STATE, f"The recommendation is already {current.value}."
        )
    if on > today:
        raise RuleViolation("on", ErrorCode.IN_FUTURE, f"{on} is in the future (today is {today}).")
    if on < last_changed_on:
        raise RuleViolation(
            "on",
            ErrorCode.DATES_OUT_OF_ORDER,
            f"{on} is before the recommendation's last change, on {last_changed_on}.",
        )


def link_url(field: str, url: str) -> str:
    """An attachment is a link: an absolute http(s) URL with a host."""
    text = url.strip()
    if not text:
        raise RuleViolation(field, ErrorCode.REQUIRED, "Must not be blank.")
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in text)
    ):
        raise RuleViolation(field, ErrorCode.INVALID, "Expected an http:// or https:// link.")
    if len(text) > MAX_URL_LENGTH:
        raise RuleViolation(
            field, ErrorCode.OUT_OF_RANGE, f"Links are {MAX_URL_LENGTH} characters at most."
        )
    return text
