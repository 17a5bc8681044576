"""A loan product's terms as head office sets them: what is refused, and why.

- a name; a rate per installment period from 0 to 100 percent (4 decimals at most); 1 to
  MAX_INSTALLMENTS installments; a fee from 0 to 100 percent (2 decimals at most);
- a minimum and a maximum principal in the programme's currency, the maximum not below the
  minimum;
- cycle bands (optional): each from a first cycle (1 or more) to a last one (or every later
  one), none overlapping another, each lending within the product's minimum and maximum.
"""

from collections.abc import Sequence
from decimal import Decimal

from .errors import ErrorCode, RuleViolation
from .lending import CycleBand, money

MAX_INSTALLMENTS = 120
HUNDRED = Decimal(100)


def percent(field: str, value: Decimal, places: int) -> Decimal:
    """From 0 to 100 percent with at most `places` decimals."""
    if not value.is_finite() or not Decimal(0) <= value <= HUNDRED:
        raise RuleViolation(field, ErrorCode.OUT_OF_RANGE, "Must be between 0 and 100.")
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise RuleViolation(field, ErrorCode.TOO_MANY_DECIMALS, f"{places} decimal places at most.")
    return value


def installments(field: str, value: int) -> int:
    if not 1 <= value <= MAX_INSTALLMENTS:
        raise RuleViolation(
            field, ErrorCode.OUT_OF_RANGE, f"Must be between 1 and {MAX_INSTALLMENTS}."
        )
    return value


def principal_range(
    low: tuple[Decimal, str], high: tuple[Decimal, str], currency: str, at: tuple[str, ...] = ()
) -> tuple[Decimal, Decimal]:
    """A minimum and a maximum principal in `currency`, the maximum not below the minimum;
    `at` is the path of the input object holding them."""
    try:
        minimum = money("minPrincipal", low[0], low[1], currency)
        maximum = money("maxPrincipal", high[0], high[1], currency)
        if maximum < minimum:
            raise RuleViolation(
                "maxPrincipal",
                ErrorCode.OUT_OF_RANGE,
                f"The maximum {maximum} {currency} is below the minimum {minimum} {currency}.",
            )
    except RuleViolation as refused:
        raise RuleViolation((*at, *refused.field), refused.code, refused.message) from None
    return minimum, maximum


def check_bands(bands: Sequence[CycleBand], minimum: Decimal, maximum: Decimal) -> None:
    """Bands that do not overlap and lend within the product's range; each named by index,
    e.g. ('cycles', '1', 'firstCycle')."""
    for index, band in enumerate(bands):
        at = ("cycles", str(index))
        if band.first_cycle < 1:
            raise RuleViolation((*at, "firstCycle"), ErrorCode.OUT_OF_RANGE, "Cycles start at 1.")
        if band.last_cycle is not None and band.last_cycle < band.first_cycle:
            raise RuleViolation(
                (*at, "lastCycle"),
                ErrorCode.OUT_OF_RANGE,
                f"The last cycle is before the first ({band.first_cycle}).",
            )
        if band.min_principal < minimum or band.max_principal > maximum:
            raise RuleViolation(
                (*at, "maxPrincipal" if band.max_principal > maximum else "minPrincipal"),
                ErrorCode.OUT_OF_RANGE,
                f"A band lends within the product's range, {minimum} to {maximum}.",
            )
        for other in bands[:index]:
            if _overlap(band, other):
                raise RuleViolation(
                    (*at, "firstCycle"),
                    ErrorCode.INVALID,
                    f"It overlaps the band of {other.describe()}.",
                )


def _overlap(a: CycleBand, b: CycleBand) -> bool:
    a_end = a.last_cycle if a.last_cycle is not None else float("inf")
    b_end = b.last_cycle if b.last_cycle is not None else float("inf")
    return a.first_cycle <= b_end and b.first_cycle <= a_end
