"""Checks every write shares. Each raises RuleViolation naming the input field (camelCase)."""

from datetime import date
from decimal import Decimal

from .errors import ErrorCode, RuleViolation
from .money import has_valid_precision, minor_units


def required_text(field: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise RuleViolation(field, ErrorCode.REQUIRED, "Must not be blank.")
    return text


def not_in_future(field: str, day: date, today: date) -> date:
    if day > today:
        raise RuleViolation(
            field, ErrorCode.IN_FUTURE, f"{day} is in the future (today is {today})."
        )
    return day


def in_order(field: str, start: date, end: date) -> None:
    if end < start:
        raise RuleViolation(
            field, ErrorCode.DATES_OUT_OF_ORDER, f"{end} is before the start date {start}."
        )


def amount(field: str, value: Decimal, currency: str) -> Decimal:
    """A positive amount with no more decimals than the currency has (0 for XOF)."""
    if not value.is_finite() or value <= 0:
        raise RuleViolation(field, ErrorCode.NOT_POSITIVE, "Must be greater than zero.")
    if not has_valid_precision(value, currency):
        places = minor_units(currency)
        raise RuleViolation(
            field,
            ErrorCode.TOO_MANY_DECIMALS,
            f"{currency} amounts have {places} decimal place{'s' if places != 1 else ''} at most.",
        )
    return value


def currency(field: str, given: str, expected: str) -> None:
    if given != expected:
        raise RuleViolation(
            field, ErrorCode.WRONG_CURRENCY, f"Amounts here are in {expected}, not {given}."
        )
