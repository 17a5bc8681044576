from decimal import Decimal

import pytest

from domain.money import (
    XOF_PER_EUR,
    from_eur,
    has_valid_precision,
    minor_units,
    round_money,
    to_eur,
)


def test_currencies_round_to_their_own_minor_unit() -> None:
    assert minor_units("XOF") == 0
    assert minor_units("GNF") == 0
    assert minor_units("EUR") == 2
    assert minor_units("HTG") == 2
    assert round_money(Decimal("1000.5"), "XOF") == Decimal("1001")
    assert round_money(Decimal("10.005"), "EUR") == Decimal("10.01")
    assert round_money(Decimal("10.004"), "HTG") == Decimal("10.00")


def test_half_up_rounding_is_the_written_rule() -> None:
    assert round_money(Decimal("2.5"), "XOF") == Decimal("3")
    assert round_money(Decimal("-2.5"), "XOF") == Decimal("-3")


def test_xof_converts_to_eur_at_the_peg_exactly() -> None:
    # FANSOTO's first loan: 100,000 FCFA = 152.449... EUR, 152.45 to the cent.
    assert to_eur(Decimal(100000), "XOF", XOF_PER_EUR) == Decimal("152.45")
    assert to_eur(Decimal("655.957"), "XOF", XOF_PER_EUR) == Decimal("1.00")
    assert from_eur(Decimal(1), "XOF", XOF_PER_EUR) == Decimal(656)
    assert from_eur(Decimal(1000), "XOF", XOF_PER_EUR) == Decimal(655957)


def test_eur_converts_to_itself() -> None:
    assert to_eur(Decimal("12.345"), "EUR", Decimal(1)) == Decimal("12.35")


def test_precision_check_refuses_more_decimals_than_the_currency_has() -> None:
    assert has_valid_precision(Decimal("100"), "XOF")
    assert not has_valid_precision(Decimal("100.5"), "XOF")
    assert has_valid_precision(Decimal("10.25"), "EUR")
    assert not has_valid_precision(Decimal("10.255"), "EUR")


def test_an_unknown_currency_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown currency"):
        minor_units("ZZZ")
