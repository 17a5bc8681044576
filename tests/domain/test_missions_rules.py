"""Missions' plain rules: status transitions, expert-days, overdue, follow-up dates, links."""

from datetime import date, timedelta

import pytest

from domain import missions as rules
from domain.enums import MissionStatus, RecommendationStatus
from domain.errors import ErrorCode, RuleViolation

PLANNED = MissionStatus.PLANNED
IN_PROGRESS = MissionStatus.IN_PROGRESS
COMPLETED = MissionStatus.COMPLETED
CANCELLED = MissionStatus.CANCELLED
OPEN = RecommendationStatus.OPEN
DOING = RecommendationStatus.IN_PROGRESS
DONE = RecommendationStatus.DONE
DROPPED = RecommendationStatus.DROPPED


def refused(call: object, *args: object, **kwargs: object) -> RuleViolation:
    assert callable(call)
    with pytest.raises(RuleViolation) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("check", "allowed"),
    [
        (rules.check_start, {PLANNED}),
        (rules.check_complete, {PLANNED, IN_PROGRESS}),
        (rules.check_cancel, {PLANNED, IN_PROGRESS}),
    ],
)
def test_each_step_of_a_mission_starts_from_its_own_statuses(
    check: object, allowed: set[MissionStatus]
) -> None:
    assert callable(check)
    for status in MissionStatus:
        if status in allowed:
            check(status)
        else:
            error = refused(check, status)
            assert (error.field, error.code) == (("mission",), ErrorCode.INVALID_STATE)


def test_findings_and_recommendations_need_a_mission_under_way_or_completed() -> None:
    rules.check_worked(IN_PROGRESS, "have findings")
    rules.check_worked(COMPLETED, "have findings")
    for status in (PLANNED, CANCELLED):
        assert refused(rules.check_worked, status, "have findings").code is ErrorCode.INVALID_STATE


def test_a_completed_mission_reopens_under_way_only_with_a_reason() -> None:
    started = date(2024, 3, 4)

    assert refused(rules.reopened_status, COMPLETED, "  ", started).code is (
        ErrorCode.REASON_REQUIRED
    )
    assert rules.reopened_status(COMPLETED, "Board asked for a second visit", started) is (
        IN_PROGRESS
    )


def test_a_cancelled_mission_reopens_where_it_stood_and_an_open_one_cannot_reopen() -> None:
    assert rules.reopened_status(CANCELLED, "", None) is PLANNED
    assert rules.reopened_status(CANCELLED, "", date(2024, 3, 4)) is IN_PROGRESS
    for status in (PLANNED, IN_PROGRESS):
        assert refused(rules.reopened_status, status, "why not", None).code is (
            ErrorCode.INVALID_STATE
        )


def test_expert_days_count_actual_days_once_completed_planned_otherwise_none_if_cancelled() -> None:
    def days(status: MissionStatus, started: bool, experts: int = 2) -> int:
        return rules.expert_days(
            status,
            planned_start_on=date(2024, 3, 4),
            planned_end_on=date(2024, 3, 8),
            actual_start_on=date(2024, 3, 5) if started else None,
            actual_end_on=date(2024, 3, 6) if started else None,
            experts=experts,
        )

    assert days(PLANNED, started=False) == 10
    assert days(IN_PROGRESS, started=True) == 10
    assert days(COMPLETED, started=True) == 4
    assert days(CANCELLED, started=True) == 0
    assert days(COMPLETED, started=True, experts=0) == 0


def test_a_recommendation_is_overdue_from_the_day_after_its_due_day_until_done_or_dropped() -> None:
    due = date(2024, 6, 30)
    day_after = due + timedelta(days=1)

    assert rules.is_overdue(OPEN, due, due) is False
    assert rules.is_overdue(OPEN, due, day_after) is True
    assert rules.is_overdue(DOING, due, day_after) is True
    assert rules.is_overdue(DONE, due, day_after) is False
    assert rules.is_overdue(DROPPED, due, day_after) is False
    assert rules.is_overdue(OPEN, due, due - timedelta(days=1)) is False


def test_a_status_change_changes_the_status_and_is_dated_between_the_last_one_and_today() -> None:
    today = date(2024, 9, 1)
    last = date(2024, 7, 1)

    rules.check_status_change(OPEN, DONE, on=last, last_changed_on=last, today=today)
    rules.check_status_change(DONE, OPEN, on=today, last_changed_on=last, today=today)
    same = refused(
        rules.check_status_change, OPEN, OPEN, on=today, last_changed_on=last, today=today
    )
    future = refused(
        rules.check_status_change,
        OPEN,
        DONE,
        on=today + timedelta(days=1),
        last_changed_on=last,
        today=today,
    )
    earlier = refused(
        rules.check_status_change,
        OPEN,
        DONE,
        on=last - timedelta(days=1),
        last_changed_on=last,
        today=today,
    )

    assert (same.field, same.code) == (("status",), ErrorCode.INVALID_STATE)
    assert (future.field, future.code) == (("on",), ErrorCode.IN_FUTURE)
    assert (earlier.field, earlier.code) == (("on",), ErrorCode.DATES_OUT_OF_ORDER)


def test_indicators_are_read_on_the_day_a_mission_starts_but_never_after_today() -> None:
    today = date(2024, 9, 1)

    assert rules.mission_day(date(2024, 3, 4), None, today) == date(2024, 3, 4)
    assert rules.mission_day(date(2024, 3, 4), date(2024, 3, 6), today) == date(2024, 3, 6)
    assert rules.mission_day(date(2025, 1, 6), None, today) == today


@pytest.mark.parametrize(
    "url",
    [
        "https://docs.example.org/fansoto/report.pdf",
        "http://intranet.edm.local/missions?id=42",
        "  HTTPS://Drive.Example.org/d/abc  ",
    ],
)
def test_an_attachment_is_an_http_or_https_link(url: str) -> None:
    assert rules.link_url("url", url) == url.strip()


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("", ErrorCode.REQUIRED),
        ("ftp://files.example.org/report.pdf", ErrorCode.INVALID),
        ("javascript:alert(1)", ErrorCode.INVALID),
        ("https://", ErrorCode.INVALID),
        ("docs.example.org/report.pdf", ErrorCode.INVALID),
        ("https://docs.example.org/a report.pdf", ErrorCode.INVALID),
        ("https://docs.example.org/" + "a" * 2000, ErrorCode.OUT_OF_RANGE),
    ],
)
def test_anything_else_is_refused(url: str, code: ErrorCode) -> None:
    error = refused(rules.link_url, "url", url)

    assert (error.field, error.code) == (("url",), code)
