"""The indicators' formulas as plain functions: ratios, rates, dates, a programme's amounts
in its currency and in EUR, and consolidation."""

from datetime import date
from decimal import Decimal

from domain.enums import RateKind
from domain.indicators import (
    Point,
    Rate,
    Sums,
    average_gross_loan_portfolio,
    average_group_size,
    average_rate,
    consolidate,
    glp_points,
    month_end,
    months_between,
    portfolio_at_risk,
    programme_figures,
    ratio,
)

JUNE, MAY = date(2024, 6, 1), date(2024, 5, 1)


def closing(per_eur: str, month: date = JUNE) -> Rate:
    return Rate(Decimal(per_eur), RateKind.CLOSING, month, month)


def test_a_ratio_is_a_fraction_rounded_half_up_and_none_without_a_denominator() -> None:
    assert ratio(Decimal(1), Decimal(3)) == Decimal("0.333333")
    assert ratio(Decimal(2), Decimal(3)) == Decimal("0.666667")
    assert ratio(Decimal("0.0000005"), Decimal(1)) == Decimal("0.000001")
    assert ratio(5, 0) is None
    assert portfolio_at_risk(Decimal(236_000), Decimal(486_000)) == Decimal("0.485597")


def test_the_average_group_size_has_one_decimal() -> None:
    assert average_group_size(10, 3) == Decimal("3.3")
    assert average_group_size(9, 2) == Decimal("4.5")
    assert average_group_size(4, 0) is None


def test_a_periods_average_rate_is_the_mean_of_its_months_average_rates() -> None:
    rate = average_rate(
        [(MAY, Decimal(144)), (JUNE, Decimal(148)), (date(2024, 7, 1), Decimal(149))]
    )

    # (144 + 148 + 149) / 3 = 147 (to 8 places)
    assert rate == Rate(Decimal("147.00000000"), RateKind.AVERAGE, MAY, date(2024, 7, 1))


def test_the_average_portfolio_averages_the_month_ends_around_the_period() -> None:
    # 10 February to 20 April: the ends of January, February, March and April.
    assert glp_points(date(2024, 2, 10), date(2024, 4, 20), today=date(2026, 1, 1)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    # The current month counts as of today.
    assert glp_points(date(2024, 6, 1), date(2024, 6, 12), today=date(2024, 6, 12)) == [
        date(2024, 5, 31),
        date(2024, 6, 12),
    ]
    assert average_gross_loan_portfolio([Decimal(630_000), Decimal(486_000)]) == 558_000
    assert months_between(date(2023, 11, 30), date(2024, 2, 1)) == [
        date(2023, 11, 1),
        date(2023, 12, 1),
        date(2024, 1, 1),
        date(2024, 2, 1),
    ]
    assert month_end(date(2024, 2, 10)) == date(2024, 2, 29)


def test_amounts_in_a_former_currency_join_the_programmes_at_the_same_months_rates() -> None:
    # Munafa keeps SLE; a loan from before the redenomination is in SLL. June rates: 25.6 SLE
    # and 25,600 SLL per EUR. 2,000,000 SLL = 2,000 SLE; with 500 SLE: 2,500 SLE = 97.66 EUR.
    stocks = {
        "SLE": Sums(gross_loan_portfolio=Decimal("500.00"), active_borrowers=3),
        "SLL": Sums(gross_loan_portfolio=Decimal(2_000_000), active_borrowers=1),
    }
    rates = {"SLE": closing("25.6"), "SLL": closing("25600")}

    figures = programme_figures("SLE", stocks, {}, [], rates, {})

    glp = figures.amounts["gross_loan_portfolio"]
    assert (glp.local, glp.currency, glp.eur) == (Decimal("2500.00"), "SLE", Decimal("97.66"))
    assert glp.rate == rates["SLE"]
    assert figures.counts.active_borrowers == 4
    # No average rate given: flows have no EUR amount, but still a local one.
    disbursed = figures.amounts["disbursed_amount"]
    assert (disbursed.local, disbursed.eur, disbursed.kind) == (
        Decimal("0.00"),
        None,
        RateKind.AVERAGE,
    )


def test_the_average_portfolio_converts_each_month_end_at_its_own_closing_rate() -> None:
    # 14,500 HTG at the end of May (145/EUR: 100.00) and 9,000 at the end of June (150: 60.00):
    # average 11,750 HTG and 80.00 EUR, i.e. an implied 146.875 HTG per EUR.
    points = [
        Point({"HTG": Decimal(14_500)}, {"HTG": closing("145", MAY)}),
        Point({"HTG": Decimal(9_000)}, {"HTG": closing("150")}),
    ]

    figures = programme_figures("HTG", {}, {}, points, {}, {})

    average = figures.average_portfolio
    assert (average.local, average.eur) == (Decimal("11750.00"), Decimal("80.00"))
    assert average.rate == Rate(Decimal("146.87500000"), RateKind.CLOSING, MAY, JUNE)


def test_consolidated_ratios_come_from_eur_sums_not_an_average_of_percentages() -> None:
    # A: 1,000,000 XOF (1,524.49 EUR), 500,000 at risk (762.25): PAR30 50%.
    # B: 100.00 EUR, nothing at risk: 0%. The average of percentages would say 25%;
    # the network's PAR30 is 762.25 / 1,624.49 = 0.469224.
    a = programme_figures(
        "XOF",
        {
            "XOF": Sums(
                gross_loan_portfolio=Decimal(1_000_000), portfolio_at_risk_30=Decimal(500_000)
            )
        },
        {},
        [],
        {"XOF": closing("655.957")},
        {},
    )
    b = programme_figures("EUR", {"EUR": Sums(gross_loan_portfolio=Decimal(100))}, {}, [], {}, {})

    network = consolidate([a, b])

    assert a.ratios().par30 == Decimal("0.500000")
    assert b.ratios().par30 == Decimal("0.000000")
    assert network.amounts["gross_loan_portfolio"] == Decimal("1624.49")
    assert network.ratios().par30 == Decimal("0.469224")


def test_a_consolidated_amount_is_unknown_when_a_programme_has_no_rate() -> None:
    known = programme_figures(
        "XOF",
        {"XOF": Sums(gross_loan_portfolio=Decimal(655_957))},
        {},
        [],
        {"XOF": closing("655.957")},
        {},
    )
    unknown = programme_figures(
        "GNF", {"GNF": Sums(gross_loan_portfolio=Decimal(1))}, {}, [], {}, {}
    )

    network = consolidate([known, unknown])

    assert known.amounts["gross_loan_portfolio"].eur == Decimal("1000.00")
    assert network.amounts["gross_loan_portfolio"] is None
    assert network.ratios().par30 is None
