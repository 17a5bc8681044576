"""Exact money: currencies' minor units, rounding and conversion to EUR.

Rounding rule (written down once, used everywhere): an amount is rounded to its currency's
ISO 4217 minor unit with ROUND_HALF_UP, the commercial rule programmes and auditors expect.
Rates are "units of the currency per 1 EUR", as published for XOF (655.957).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# The currencies the network uses: ISO 4217 code -> (name, minor units).
CURRENCIES: dict[str, tuple[str, int]] = {
    "EUR": ("Euro", 2),
    "XOF": ("West African CFA franc", 0),
    "GNF": ("Guinean franc", 0),
    "SLE": ("Sierra Leonean leone", 2),
    "SLL": ("Sierra Leonean leone (before 1 July 2022)", 0),
    "HTG": ("Haitian gourde", 2),
    "MMK": ("Myanmar kyat", 2),
    "VND": ("Vietnamese dong", 0),
    "PHP": ("Philippine peso", 2),
    "MGA": ("Malagasy ariary", 2),
    "KHR": ("Cambodian riel", 2),
    "XAF": ("Central African CFA franc", 0),
    "USD": ("US dollar", 2),
}

EUR = "EUR"
XOF_PER_EUR = Decimal("655.957")
SLL_PER_SLE = Decimal(1000)


def minor_units(currency: str) -> int:
    try:
        return CURRENCIES[currency][1]
    except KeyError:
        raise ValueError(f"unknown currency {currency!r}") from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def has_valid_precision(amount: Decimal, currency: str) -> bool:
    """True when the amount needs no more decimals than the currency has."""
    return amount == amount.quantize(quantum(currency))


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str


def to_eur(amount: Decimal, currency: str, rate_per_eur: Decimal) -> Decimal:
    """Convert with a rate in currency units per EUR, rounded to the cent."""
    if currency == EUR:
        return round_money(amount, EUR)
    return round_money(amount / rate_per_eur, EUR)


def from_eur(amount: Decimal, currency: str, rate_per_eur: Decimal) -> Decimal:
    return round_money(amount * rate_per_eur, currency)
