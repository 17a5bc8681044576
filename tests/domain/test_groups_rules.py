from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain import groups as rules
from domain.enums import Activity, Gender, GroupStatus
from domain.errors import ErrorCode, RuleViolation

TODAY = date(2026, 3, 10)
IN_TRAINING, ACTIVE, CLOSED = GroupStatus.IN_TRAINING, GroupStatus.ACTIVE, GroupStatus.CLOSED


def violation(call: Any, *args: Any, **kwargs: Any) -> tuple[tuple[str, ...], ErrorCode]:
    with pytest.raises(RuleViolation) as raised:
        call(*args, **kwargs)
    return raised.value.field, raised.value.code


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (IN_TRAINING, ACTIVE, True),
        (IN_TRAINING, CLOSED, True),
        (ACTIVE, CLOSED, True),
        (ACTIVE, IN_TRAINING, False),
        (ACTIVE, ACTIVE, False),
        (IN_TRAINING, IN_TRAINING, False),
    ],
)
def test_a_group_moves_forward_through_the_methodology(
    current: GroupStatus, target: GroupStatus, allowed: bool
) -> None:
    if allowed:
        rules.transition("group", current, target)
    else:
        assert violation(rules.transition, "group", current, target) == (
            ("group",),
            ErrorCode.INVALID_STATE,
        )


@pytest.mark.parametrize("target", list(GroupStatus))
def test_a_closed_group_is_final(target: GroupStatus) -> None:
    assert violation(rules.transition, "group", CLOSED, target) == (
        ("group",),
        ErrorCode.GROUP_CLOSED,
    )
    assert violation(rules.require_open, "group", CLOSED) == (("group",), ErrorCode.GROUP_CLOSED)


def test_a_group_activates_once_it_held_the_programmes_initial_sessions() -> None:
    rules.check_activation("group", IN_TRAINING, 6, 6)
    rules.check_activation("group", IN_TRAINING, 0, 0)

    assert violation(rules.check_activation, "group", IN_TRAINING, 5, 6) == (
        ("group",),
        ErrorCode.TRAINING_INCOMPLETE,
    )
    assert violation(rules.check_activation, "group", ACTIVE, 6, 6)[1] is ErrorCode.INVALID_STATE


@pytest.mark.parametrize(
    ("closed_on", "latest_join", "code"),
    [
        (date(2026, 3, 11), None, ErrorCode.IN_FUTURE),
        (date(2019, 12, 31), None, ErrorCode.DATES_OUT_OF_ORDER),
        (date(2024, 1, 1), date(2024, 1, 2), ErrorCode.DATES_OUT_OF_ORDER),
    ],
)
def test_a_closing_date_is_neither_future_nor_before_the_group_or_its_members(
    closed_on: date, latest_join: date | None, code: ErrorCode
) -> None:
    assert violation(
        rules.check_closing,
        ACTIVE,
        closed_on=closed_on,
        formed_on=date(2020, 1, 1),
        latest_join=latest_join,
        today=TODAY,
    ) == (("closedOn",), code)


def test_a_group_closes_on_a_valid_date_once() -> None:
    ok = {"formed_on": date(2020, 1, 1), "latest_join": date(2024, 1, 1), "today": TODAY}
    rules.check_closing(ACTIVE, closed_on=TODAY, **ok)
    rules.check_closing(IN_TRAINING, closed_on=date(2024, 1, 1), **ok)
    assert violation(rules.check_closing, CLOSED, closed_on=TODAY, **ok)[1] is (
        ErrorCode.GROUP_CLOSED
    )


MOVE: dict[str, Any] = {
    "current_group": "A",
    "target_group": "B",
    "moved_on": date(2025, 6, 1),
    "since": date(2025, 1, 1),
    "target_formed_on": date(2024, 1, 1),
    "today": TODAY,
}


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"target_group": "A"}, "group", ErrorCode.INVALID),
        ({"moved_on": date(2026, 3, 11)}, "movedOn", ErrorCode.IN_FUTURE),
        ({"moved_on": date(2024, 12, 31)}, "movedOn", ErrorCode.DATES_OUT_OF_ORDER),
        ({"target_formed_on": date(2025, 6, 2)}, "movedOn", ErrorCode.DATES_OUT_OF_ORDER),
    ],
)
def test_a_move_goes_elsewhere_on_a_date_after_her_current_membership_started(
    overrides: dict[str, Any], field: str, code: ErrorCode
) -> None:
    assert violation(rules.check_move, **(MOVE | overrides)) == ((field,), code)


def test_a_move_on_the_day_her_membership_started_or_from_no_group_is_allowed() -> None:
    rules.check_move(**(MOVE | {"moved_on": date(2025, 1, 1)}))
    rules.check_move(**(MOVE | {"current_group": None}))


def test_a_repeated_value_is_named_by_its_index() -> None:
    rules.distinct("attendees", ["a", "b", "c"])

    assert violation(rules.distinct, "attendees", ["a", "b", "a", "b"]) == (
        ("attendees", "2"),
        ErrorCode.INVALID,
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (Decimal("-0.01"), ErrorCode.OUT_OF_RANGE),
        (Decimal("100.01"), ErrorCode.OUT_OF_RANGE),
        (Decimal("NaN"), ErrorCode.OUT_OF_RANGE),
        (Decimal("42.125"), ErrorCode.TOO_MANY_DECIMALS),
    ],
)
def test_a_poverty_likelihood_is_a_percentage_with_two_decimals(
    value: Decimal, code: ErrorCode
) -> None:
    assert violation(rules.poverty_likelihood, "povertyLikelihood", value) == (
        ("povertyLikelihood",),
        code,
    )


@pytest.mark.parametrize(
    "value", [None, Decimal(0), Decimal(100), Decimal("42.50"), Decimal("7.1")]
)
def test_valid_poverty_likelihoods_pass(value: Decimal | None) -> None:
    assert rules.poverty_likelihood("povertyLikelihood", value) == value


def test_a_birth_year_is_from_1900_to_this_year() -> None:
    assert rules.birth_year("birthYear", 1985, TODAY) == 1985
    assert rules.birth_year("birthYear", None, TODAY) is None
    assert violation(rules.birth_year, "birthYear", 1899, TODAY)[1] is ErrorCode.OUT_OF_RANGE
    assert violation(rules.birth_year, "birthYear", 2027, TODAY)[1] is ErrorCode.OUT_OF_RANGE


def test_member_details_are_trimmed_and_blank_optional_text_is_unknown() -> None:
    details = rules.member_details(
        {
            "first_name": "  Fatou ",
            "last_name": "Sané",
            "gender": Gender.FEMALE,
            "phone": "   ",
            "activity": Activity.SEWING,
            "activity_description": " tailoring ",
            "rural": True,
            "poverty_likelihood": Decimal("12.5"),
        },
        TODAY,
    )

    assert details == {
        "first_name": "Fatou",
        "last_name": "Sané",
        "gender": Gender.FEMALE,
        "phone": None,
        "activity": Activity.SEWING,
        "activity_description": "tailoring",
        "rural": True,
        "poverty_likelihood": Decimal("12.5"),
    }


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"first_name": " "}, "firstName"),
        ({"last_name": None}, "lastName"),
        ({"gender": None}, "gender"),
        ({"activity": None}, "activity"),
        ({"rural": None}, "rural"),
    ],
)
def test_a_required_member_detail_cannot_be_blank_or_cleared(
    given: dict[str, Any], field: str
) -> None:
    assert violation(rules.member_details, given, TODAY) == ((field,), ErrorCode.REQUIRED)


def test_optional_member_details_can_be_cleared() -> None:
    cleared = {"birth_year": None, "phone": None, "poverty_likelihood": None}

    assert rules.member_details(cleared, TODAY) == cleared


def test_group_details_are_checked_under_their_input_names() -> None:
    assert rules.group_details({"name": " Kagnobon "}) == {"name": "Kagnobon"}
    assert violation(rules.group_details, {"meeting_place": ""}) == (
        ("meetingPlace",),
        ErrorCode.REQUIRED,
    )
    assert violation(rules.group_details, {"meeting_frequency": None}) == (
        ("meetingFrequency",),
        ErrorCode.REQUIRED,
    )
