"""The indicators' formulas (SEEP / CGAP definitions, DOMAIN.md), once, as plain functions.

The database gives sums and counts per programme and currency (`Sums`); everything else is
here: converting to the programme's currency and to EUR (balances at the closing rate of the
as-of month, flows at the period's average rate), ratios from numerators and denominators,
and consolidation across programmes (EUR amounts added up, ratios recomputed from the sums:
never an average of percentages).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .enums import RateKind
from .money import EUR, round_money

# A loan is at risk when its oldest unpaid installment is more than this many days late.
PAR30_DAYS = 30
PAR90_DAYS = 90
# A member is retained when she takes a next loan within this many days of repaying one.
RETENTION_DAYS = 90
# Ratios are fractions (0.0523 is 5.23%), to this many decimal places.
RATIO_PLACES = 6
RATE_PLACES = 8
ZERO = Decimal(0)


@dataclass(slots=True)
class Sums:
    """One programme's sums and counts in one currency: stocks at a day's end, flows over a
    period. Named as the database's columns."""

    gross_loan_portfolio: Decimal = ZERO
    active_loans: int = 0
    active_borrowers: int = 0
    first_cycle_borrowers: int = 0
    portfolio_at_risk_30: Decimal = ZERO
    portfolio_at_risk_90: Decimal = ZERO
    savings_balance: Decimal = ZERO
    active_depositors: int = 0
    active_members: int = 0
    women_members: int = 0
    active_groups: int = 0
    disbursements: int = 0
    disbursed_amount: Decimal = ZERO
    write_offs: int = 0
    written_off_amount: Decimal = ZERO
    amount_due: Decimal = ZERO
    amount_received_on_time: Decimal = ZERO
    loans_repaid: int = 0
    borrowers_retained: int = 0
    # Rescheduled loans (SEEP: reported apart from PAR): their outstanding principal and
    # that of those more than 30 days late; recoveries on written-off loans in the period.
    rescheduled_portfolio: Decimal = ZERO
    rescheduled_at_risk_30: Decimal = ZERO
    recoveries: Decimal = ZERO

    @classmethod
    def of(cls, row: Mapping[Any, Any], columns: Iterable[str]) -> "Sums":
        sums = cls()
        sums.add(row, columns)
        return sums

    def add(self, row: Mapping[Any, Any], columns: Iterable[str]) -> None:
        """Add a database row's values of `columns` to these sums."""
        for name in columns:
            value = row[name]
            if value is not None:
                kind = _KINDS[name]
                setattr(self, name, getattr(self, name) + kind(value))


STOCKS = (
    "gross_loan_portfolio",
    "active_loans",
    "active_borrowers",
    "first_cycle_borrowers",
    "portfolio_at_risk_30",
    "portfolio_at_risk_90",
    "savings_balance",
    "active_depositors",
    "active_members",
    "women_members",
    "active_groups",
    "rescheduled_portfolio",
    "rescheduled_at_risk_30",
)
FLOWS = (
    "disbursements",
    "disbursed_amount",
    "write_offs",
    "written_off_amount",
    "amount_due",
    "amount_received_on_time",
    "loans_repaid",
    "borrowers_retained",
    "recoveries",
)
ALL = STOCKS + FLOWS
# Balances convert at the closing rate, flows at the average rate.
BALANCES = (
    "gross_loan_portfolio",
    "portfolio_at_risk_30",
    "portfolio_at_risk_90",
    "savings_balance",
    "rescheduled_portfolio",
    "rescheduled_at_risk_30",
)
FLOW_AMOUNTS = (
    "disbursed_amount",
    "written_off_amount",
    "amount_due",
    "amount_received_on_time",
    "recoveries",
)
assert {f.name for f in fields(Sums)} == set(ALL)
_KINDS: dict[str, type] = {f.name: int if f.type in (int, "int") else Decimal for f in fields(Sums)}
COUNTS = tuple(name for name in ALL if _KINDS[name] is int)


# Ratios and averages ------------------------------------------------------------------------


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """numerator / denominator as a fraction, rounded half up; None when nothing to divide by."""
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(1).scaleb(-RATIO_PLACES), rounding=ROUND_HALF_UP
    )


def portfolio_at_risk(at_risk: Decimal, gross_loan_portfolio: Decimal) -> Decimal | None:
    """PAR: outstanding principal of the loans at risk (all of it, not only the late
    installments) / gross loan portfolio."""
    return ratio(at_risk, gross_loan_portfolio)


def average_outstanding_balance(gross_loan_portfolio: Decimal, borrowers: int) -> Decimal | None:
    """GLP / active borrowers (unrounded: the caller rounds to the currency)."""
    return None if borrowers == 0 else gross_loan_portfolio / borrowers


def average_gross_loan_portfolio(month_ends: Sequence[Decimal]) -> Decimal:
    """The period's average GLP: the mean of the GLP at the end of the month before the period
    and at the end of each month of the period (the last one: the as-of day if sooner)."""
    return sum(month_ends, ZERO) / len(month_ends) if month_ends else ZERO


def write_off_ratio(written_off: Decimal, average_portfolio: Decimal) -> Decimal | None:
    """Written-off principal in the period / the period's average GLP."""
    return ratio(written_off, average_portfolio)


def on_time_repayment_rate(received_on_time: Decimal, due: Decimal) -> Decimal | None:
    """Amount received by each installment's due date / amount due, for installments due in
    the period."""
    return ratio(received_on_time, due)


def retention_rate(retained: int, repaid: int) -> Decimal | None:
    """Members who took a next loan within RETENTION_DAYS of repaying / members who repaid."""
    return ratio(retained, repaid)


def share(part: int, whole: int) -> Decimal | None:
    """E.g. women among active members, first-cycle borrowers among active borrowers."""
    return ratio(part, whole)


def average_group_size(members: int, groups: int) -> Decimal | None:
    """Active members / active groups, to one decimal place."""
    if groups == 0:
        return None
    return (Decimal(members) / groups).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# Dates ---------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """First days of the months from `first`'s to `last`'s, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def glp_points(start: date, end: date, today: date) -> list[date]:
    """Days whose GLP averages into the period [start, end]'s average GLP: the end of the month
    before it, then the end of each of its months (today for the current month)."""
    months = months_between(add_months(month_start(start), -1), end)
    return [min(month_end(m), today) for m in months]


# Money ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rate:
    """Units of a currency per 1 EUR used for a conversion, and the months it comes from."""

    per_eur: Decimal
    kind: RateKind
    first_month: date
    last_month: date


def average_rate(monthly: Sequence[tuple[date, Decimal]]) -> Rate:
    """A period's average rate: the mean of its months' average rates."""
    mean = sum((r for _, r in monthly), ZERO) / len(monthly)
    return Rate(
        mean.quantize(Decimal(1).scaleb(-RATE_PLACES), rounding=ROUND_HALF_UP),
        RateKind.AVERAGE,
        min(m for m, _ in monthly),
        max(m for m, _ in monthly),
    )


def to_currency(amount: Decimal, rate_from: Decimal, rate_to: Decimal) -> Decimal:
    """Between two currencies through their rates per EUR of the same month (unrounded).
    1,000 SLL per SLE is the redenomination rule when both rates agree with it."""
    return amount * rate_to / rate_from


@dataclass(frozen=True, slots=True)
class Amount:
    """A programme's amount: in its currency (rounded to it) and in EUR (to the cent; None
    without a rate), with the rate used."""

    local: Decimal
    currency: str
    eur: Decimal | None
    rate: Rate | None
    kind: RateKind


def amount(unrounded: Decimal, currency: str, rate: Rate | None, kind: RateKind) -> Amount:
    eur = None if rate is None else round_money(unrounded / rate.per_eur, EUR)
    if currency == EUR:
        eur = round_money(unrounded, EUR)
    return Amount(round_money(unrounded, currency), currency, eur, rate, kind)


# One programme ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    """A programme's GLP per currency at one of `glp_points`, with that month's closing rates."""

    glp: Mapping[str, Decimal]
    closing: Mapping[str, Rate]


class MissingRate(LookupError):
    """No rate converts an amount in another currency into the programme's."""


def _in_currency(
    by_currency: Mapping[str, Decimal], currency: str, rates: Mapping[str, Rate]
) -> Decimal:
    total = ZERO
    for code, value in by_currency.items():
        if code == currency or value == 0:
            total += value
            continue
        if code not in rates or currency not in rates:
            raise MissingRate(f"no rate converts {code} into {currency}")
        total += to_currency(value, rates[code].per_eur, rates[currency].per_eur)
    return total


@dataclass(frozen=True, slots=True)
class ProgrammeFigures:
    """A programme's indicators: amounts in its currency and in EUR; ratios from its own
    currency's amounts."""

    currency: str
    counts: Sums  # the counts summed over currencies (amount fields unused)
    amounts: Mapping[str, Amount]
    average_portfolio: Amount

    def ratios(self) -> "Ratios":
        a, c = self.amounts, self.counts
        return Ratios.of(
            glp=a["gross_loan_portfolio"].local,
            par30=a["portfolio_at_risk_30"].local,
            par90=a["portfolio_at_risk_90"].local,
            rescheduled_at_risk_30=a["rescheduled_at_risk_30"].local,
            written_off=a["written_off_amount"].local,
            average_portfolio=self.average_portfolio.local,
            due=a["amount_due"].local,
            on_time=a["amount_received_on_time"].local,
            counts=c,
        )

    @property
    def average_outstanding_balance(self) -> Amount | None:
        """GLP / active borrowers in the programme's currency, and that figure (as rounded)
        converted to EUR at the GLP's rate: the EUR amount is the local one converted, never
        the EUR GLP divided (which can differ by a cent)."""
        glp = self.amounts["gross_loan_portfolio"]
        local = average_outstanding_balance(glp.local, self.counts.active_borrowers)
        if local is None:
            return None
        return amount(round_money(local, self.currency), self.currency, glp.rate, glp.kind)


def programme_figures(
    currency: str,
    stocks: Mapping[str, Sums],
    flows: Mapping[str, Sums],
    points: Sequence[Point],
    closing: Mapping[str, Rate],
    average: Mapping[str, Rate],
) -> ProgrammeFigures:
    """Assemble a programme's figures from its sums per currency: `stocks` as of the day (at
    the `closing` rates of its month), `flows` over the period (at the period's `average`
    rates), and its GLP at each of `glp_points` for the average GLP.

    Raises MissingRate if an amount in a currency other than the programme's has no rate.
    """
    counts = Sums()
    for sums in (*stocks.values(), *flows.values()):
        _add_counts(counts, sums)
    amounts: dict[str, Amount] = {}
    for name in BALANCES:
        local = _in_currency({c: getattr(s, name) for c, s in stocks.items()}, currency, closing)
        amounts[name] = amount(local, currency, closing.get(currency), RateKind.CLOSING)
    for name in FLOW_AMOUNTS:
        local = _in_currency({c: getattr(s, name) for c, s in flows.items()}, currency, average)
        amounts[name] = amount(local, currency, average.get(currency), RateKind.AVERAGE)
    return ProgrammeFigures(currency, counts, amounts, _average_portfolio(currency, points))


def _average_portfolio(currency: str, points: Sequence[Point]) -> Amount:
    """Each month-end GLP converted at its own month's closing rate, then averaged; the rate
    returned is the one these imply (local average / EUR average)."""
    locals_ = [_in_currency(p.glp, currency, p.closing) for p in points]
    converted = [
        amount(local, currency, p.closing.get(currency), RateKind.CLOSING).eur
        for local, p in zip(locals_, points, strict=True)
    ]
    local = average_gross_loan_portfolio(locals_)
    known = [e for e in converted if e is not None]
    if len(known) < len(converted) or not points:
        return Amount(round_money(local, currency), currency, None, None, RateKind.CLOSING)
    eur = round_money(average_gross_loan_portfolio(known), EUR)
    months = [r.first_month for p in points if (r := p.closing.get(currency)) is not None]
    implied = (
        Rate(
            (local / eur).quantize(Decimal(1).scaleb(-RATE_PLACES), rounding=ROUND_HALF_UP),
            RateKind.CLOSING,
            min(months),
            max(months),
        )
        if eur and months
        else None
    )
    return Amount(round_money(local, currency), currency, eur, implied, RateKind.CLOSING)


def _add_counts(total: Sums, sums: Sums) -> None:
    for name in COUNTS:
        setattr(total, name, getattr(total, name) + getattr(sums, name))


# Ratios, for a programme (local amounts) or a consolidation (EUR amounts) --------------------


@dataclass(frozen=True, slots=True)
class Ratios:
    par30: Decimal | None
    par90: Decimal | None
    # The part of PAR30 that rescheduled loans make: their outstanding principal more than
    # 30 days late / GLP.
    par_rescheduled_30: Decimal | None
    write_off_ratio: Decimal | None
    on_time_repayment_rate: Decimal | None
    women_share: Decimal | None
    first_cycle_share: Decimal | None
    average_group_size: Decimal | None
    retention_rate: Decimal | None

    @classmethod
    def of(
        cls,
        *,
        glp: Decimal | None,
        par30: Decimal | None,
        par90: Decimal | None,
        rescheduled_at_risk_30: Decimal | None,
        written_off: Decimal | None,
        average_portfolio: Decimal | None,
        due: Decimal | None,
        on_time: Decimal | None,
        counts: Sums,
    ) -> "Ratios":
        def of_amounts(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
            if numerator is None or denominator is None:
                return None
            return ratio(numerator, denominator)

        def par(at_risk: Decimal | None) -> Decimal | None:
            if at_risk is None or glp is None:
                return None
            return portfolio_at_risk(at_risk, glp)

        return cls(
            par30=par(par30),
            par90=par(par90),
            par_rescheduled_30=par(rescheduled_at_risk_30),
            write_off_ratio=of_amounts(written_off, average_portfolio),
            on_time_repayment_rate=of_amounts(on_time, due),
            women_share=share(counts.women_members, counts.active_members),
            first_cycle_share=share(counts.first_cycle_borrowers, counts.active_borrowers),
            average_group_size=average_group_size(counts.active_members, counts.active_groups),
            retention_rate=retention_rate(counts.borrowers_retained, counts.loans_repaid),
        )


# Consolidation -------------------------------------------------------------------------------


def _eur_total(values: Iterable[Decimal | None]) -> Decimal | None:
    total = ZERO
    for value in values:
        if value is None:
            return None
        total += value
    return total


@dataclass(frozen=True, slots=True)
class Consolidated:
    """Several programmes' figures in EUR: amounts added up, counts added up, ratios from
    those sums. An amount is None when a programme's amount has no EUR rate."""

    counts: Sums
    amounts: Mapping[str, Decimal | None]
    average_portfolio: Decimal | None
    programmes: int = field(default=0)

    def ratios(self) -> Ratios:
        a = self.amounts
        return Ratios.of(
            glp=a["gross_loan_portfolio"],
            par30=a["portfolio_at_risk_30"],
            par90=a["portfolio_at_risk_90"],
            rescheduled_at_risk_30=a["rescheduled_at_risk_30"],
            written_off=a["written_off_amount"],
            average_portfolio=self.average_portfolio,
            due=a["amount_due"],
            on_time=a["amount_received_on_time"],
            counts=self.counts,
        )

    @property
    def average_outstanding_balance(self) -> Decimal | None:
        glp = self.amounts["gross_loan_portfolio"]
        if glp is None:
            return None
        average = average_outstanding_balance(glp, self.counts.active_borrowers)
        return None if average is None else round_money(average, EUR)


def consolidate(figures: Sequence[ProgrammeFigures]) -> Consolidated:
    counts = Sums()
    for f in figures:
        _add_counts(counts, f.counts)
    amounts = {
        name: _eur_total(f.amounts[name].eur for f in figures) for name in BALANCES + FLOW_AMOUNTS
    }
    average = _eur_total(f.average_portfolio.eur for f in figures)
    return Consolidated(counts, amounts, average, len(figures))
