"""Due dates that follow a group's meeting calendar (a product with MEETING_DAY)."""

from datetime import date
from decimal import Decimal

from domain.enums import InstallmentFrequency, InterestMethod, MeetingFrequency
from domain.schedule import MeetingCalendar, build_schedule

MONTHLY_GROUP = MeetingFrequency.MONTHLY
TWICE = MeetingFrequency.TWICE_MONTHLY


def due_dates(meetings: MeetingCalendar | None, frequency: InstallmentFrequency) -> list[date]:
    lines = build_schedule(
        principal=Decimal(100_000),
        currency="XOF",
        method=InterestMethod.FLAT,
        period_rate_percent=Decimal("1.5"),
        installments=4,
        frequency=frequency,
        disbursed_on=date(2026, 1, 20),
        meetings=meetings,
    )
    return [line.due_on for line in lines]


def test_without_a_calendar_due_dates_follow_the_disbursement_day() -> None:
    assert due_dates(None, InstallmentFrequency.MONTHLY) == [
        date(2026, 2, 20),
        date(2026, 3, 20),
        date(2026, 4, 20),
        date(2026, 5, 20),
    ]


def test_a_monthly_group_collects_on_its_meeting_day_never_before_the_due_date() -> None:
    # The group met on 2025-11-05: it meets on the 5th. Each month's installment, due on the
    # 20th from the disbursement, is collected at the next meeting, the 5th of the month after.
    calendar = MeetingCalendar(date(2025, 11, 5), MONTHLY_GROUP)
    assert due_dates(calendar, InstallmentFrequency.MONTHLY) == [
        date(2026, 3, 5),
        date(2026, 4, 5),
        date(2026, 5, 5),
        date(2026, 6, 5),
    ]


def test_a_meeting_on_the_due_day_itself_keeps_it() -> None:
    calendar = MeetingCalendar(date(2025, 12, 20), MONTHLY_GROUP)
    assert due_dates(calendar, InstallmentFrequency.MONTHLY)[0] == date(2026, 2, 20)


def test_a_meeting_day_past_a_short_month_falls_on_its_last_day() -> None:
    calendar = MeetingCalendar(date(2025, 10, 31), MONTHLY_GROUP)
    assert calendar.on_or_after(date(2026, 2, 10)) == date(2026, 2, 28)
    assert calendar.on_or_after(date(2026, 3, 1)) == date(2026, 3, 31)


def test_a_group_meeting_every_two_weeks_keeps_its_weekday() -> None:
    # Thursdays every two weeks from 2026-01-08; the loan's fortnights end on Tuesdays.
    calendar = MeetingCalendar(date(2026, 1, 8), TWICE)
    days = due_dates(calendar, InstallmentFrequency.EVERY_TWO_WEEKS)
    assert days == [date(2026, 2, 5), date(2026, 2, 19), date(2026, 3, 5), date(2026, 3, 19)]
    assert {day.weekday() for day in days} == {3}


def test_a_weekly_product_in_a_monthly_group_puts_installments_on_one_meeting() -> None:
    calendar = MeetingCalendar(date(2026, 1, 5), MONTHLY_GROUP)
    # Due 27 Jan, 3, 10 and 17 Feb: collected on 5 Feb and 5 Mar.
    assert (
        due_dates(calendar, InstallmentFrequency.WEEKLY)
        == [date(2026, 2, 5)] * 2 + [date(2026, 3, 5)] * 2
    )


def test_a_calendar_anchored_after_the_day_still_finds_the_meeting_on_or_after_it() -> None:
    calendar = MeetingCalendar(date(2026, 6, 12), MONTHLY_GROUP)
    assert calendar.on_or_after(date(2026, 3, 1)) == date(2026, 3, 12)
    fortnightly = MeetingCalendar(date(2026, 6, 2), TWICE)
    assert fortnightly.on_or_after(date(2026, 5, 19)) == date(2026, 5, 19)
    assert fortnightly.on_or_after(date(2026, 5, 20)) == date(2026, 6, 2)
