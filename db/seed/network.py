"""The network's reference rows: currencies, countries, exchange rates, programmes, products."""

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from domain.enums import InstallmentFrequency, MeetingFrequency, ProgrammePhase
from domain.money import CURRENCIES
from domain.schedule import add_months

from .draw import Stamper, child
from .reference import (
    COUNTRIES,
    DERIVED_RATES,
    HEAD_OFFICE,
    INITIAL_SESSIONS,
    NETWORK_FOUNDED_ON,
    NETWORK_NAME,
    PARTNER_POOL,
    PEGGED_RATES,
    RATE_ANCHORS,
    REPORTING_CURRENCY,
    ProductSpec,
    ProgrammeSpec,
    units_per_programme_unit,
)
from .rows import (
    AutonomyMilestoneRow,
    Batch,
    CountryRow,
    CurrencyRow,
    ExchangeRateRow,
    LoanProductCycleRow,
    LoanProductRow,
    NetworkRow,
    PartnerRow,
    ProgrammeRow,
)

RATE_QUANTUM = Decimal("0.000001")


@dataclass(frozen=True)
class Product:
    id: uuid.UUID
    spec: ProductSpec
    currency: str
    # Units of the product's currency per unit of its programme's (1000 for Munafa's SLL).
    scale: Decimal

    def offered_on(self, day: date) -> bool:
        return (self.spec.until is None or day < self.spec.until) and (
            self.spec.since is None or day >= self.spec.since
        )


# Installment frequencies a group can collect at its meetings.
FREQUENCIES_FOR_MEETINGS = {
    MeetingFrequency.MONTHLY: (InstallmentFrequency.MONTHLY,),
    MeetingFrequency.TWICE_MONTHLY: (
        InstallmentFrequency.EVERY_TWO_WEEKS,
        InstallmentFrequency.WEEKLY,
    ),
}


@dataclass(frozen=True)
class Programme:
    id: uuid.UUID
    spec: ProgrammeSpec
    products: tuple[Product, ...]

    def product_for(self, *, cycle: int, meetings: MeetingFrequency, day: date) -> Product:
        """The product a loan of this cycle gets in a group meeting so often, on that day."""
        offered = [
            p for p in self.products if p.offered_on(day) and p.spec.first_loan == (cycle == 1)
        ]
        fitting = [p for p in offered if p.spec.frequency in FREQUENCIES_FOR_MEETINGS[meetings]]
        return (fitting or offered)[0]


def network_batch(
    rng: random.Random, as_of: date, specs: tuple[ProgrammeSpec, ...]
) -> tuple[Batch, list[Programme]]:
    """Currencies, countries, rates, the network, its programmes with partners, milestones and
    loan products."""
    stamp = Stamper(child(rng))
    batch = Batch()
    batch.currencies.extend(
        CurrencyRow(code, name, minor) for code, (name, minor) in CURRENCIES.items()
    )
    batch.countries.extend(CountryRow(code, name) for code, name in COUNTRIES.items())
    first_month = min(spec.started_on for spec in specs).replace(day=1)
    batch.exchange_rates.extend(exchange_rates(child(rng), stamp, first_month, as_of))
    network_id = stamp.id(NETWORK_FOUNDED_ON)
    batch.networks.append(NetworkRow(network_id, NETWORK_NAME, HEAD_OFFICE, REPORTING_CURRENCY))
    programmes = []
    for spec in specs:
        programme_rng = child(rng)
        programme_id, created_at = stamp.id_at(spec.started_on)
        batch.programmes.append(
            ProgrammeRow(
                id=programme_id,
                network_id=network_id,
                code=spec.code,
                name=spec.name,
                country_code=spec.country,
                region=spec.region,
                base_city=spec.base_city,
                currency_code=spec.currency,
                phase=spec.phase_on(as_of),
                started_on=spec.started_on,
                description=spec.description,
                initial_training_sessions=INITIAL_SESSIONS,
                compulsory_savings_minimum=spec.compulsory_savings_minimum,
                created_at=created_at,
            )
        )
        batch.partners.extend(partners(programme_rng, stamp, programme_id, spec, as_of))
        batch.autonomy_milestones.extend(
            milestones(programme_rng, stamp, programme_id, spec, as_of)
        )
        products = tuple(
            Product(
                id=stamp.id(product.since or spec.started_on),
                spec=product,
                currency=product.currency or spec.currency,
                scale=units_per_programme_unit(product.currency or spec.currency, spec.currency),
            )
            for product in spec.products
        )
        batch.loan_products.extend(
            LoanProductRow(
                id=p.id,
                programme_id=programme_id,
                name=p.spec.name,
                currency_code=p.currency,
                interest_method=p.spec.method,
                period_rate_percent=p.spec.period_rate_percent,
                installments=p.spec.installments,
                installment_frequency=p.spec.frequency,
                fee_percent=p.spec.fee_percent,
                min_principal=p.spec.min_principal,
                max_principal=p.spec.max_principal,
                allows_concurrent_loans=False,
                active=p.spec.until is None or as_of < p.spec.until,
            )
            for p in products
        )
        batch.loan_product_cycles.extend(
            LoanProductCycleRow(
                # Derived from the product's id, so the draws of everything after stay put.
                id=uuid.uuid5(p.id, f"cycles from {band.first_cycle}"),
                programme_id=programme_id,
                product_id=p.id,
                first_cycle=band.first_cycle,
                last_cycle=band.last_cycle,
                min_principal=band.min_principal,
                max_principal=band.max_principal,
            )
            for p in products
            for band in p.spec.cycles
        )
        programmes.append(Programme(programme_id, spec, products))
    return batch, programmes


def exchange_rates(
    rng: random.Random, stamp: Stamper, first_month: date, as_of: date
) -> list[ExchangeRateRow]:
    """One row per currency per month: fixed parities exact, floating ones drifting smoothly
    between anchor values, derived ones an exact fraction of their base."""
    months = []
    month = first_month
    while month <= as_of:
        months.append(month)
        month = add_months(month, 1)
    floating = {code: _floating_series(rng, RATE_ANCHORS[code], months) for code in RATE_ANCHORS}
    rows = []
    for code in CURRENCIES:
        for index, month in enumerate(months):
            if code in PEGGED_RATES:
                closing = average = PEGGED_RATES[code]
                source = "Reporting currency" if code == REPORTING_CURRENCY else "Fixed parity"
            elif code in DERIVED_RATES:
                base, divisor = DERIVED_RATES[code]
                closing, average = (rate / divisor for rate in floating[base][index])
                source = f"{base} rate / {divisor:,}"
            else:
                closing, average = floating[code][index]
                source = "Synthetic series for demonstration"
            rows.append(
                ExchangeRateRow(
                    id=stamp.id(month),
                    currency_code=code,
                    month=month,
                    closing_rate=closing.quantize(RATE_QUANTUM),
                    average_rate=average.quantize(RATE_QUANTUM),
                    source=source,
                )
            )
    return rows


def _floating_series(
    rng: random.Random, anchors: tuple[tuple[str, float], ...], months: list[date]
) -> list[tuple[Decimal, Decimal]]:
    """(closing, average) per month: the anchors' line plus a slow random wobble of about 1%.

    Values keep three decimals so a derived 1/1,000 rate is exact at six.
    """
    points = [(_month_index(date.fromisoformat(f"{ym}-01")), value) for ym, value in anchors]
    wobble = 0.0
    series = []
    opening: float | None = None
    for month in months:
        wobble = 0.85 * wobble + 0.15 * rng.uniform(-0.06, 0.06)
        closing = _interpolate(points, _month_index(month) + 1) * (1 + wobble)
        average = closing if opening is None else (opening + closing) / 2
        series.append((Decimal(f"{closing:.3f}"), Decimal(f"{average:.3f}")))
        opening = closing
    return series


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _interpolate(points: list[tuple[int, float]], x: int) -> float:
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def partners(
    rng: random.Random, stamp: Stamper, programme_id: uuid.UUID, spec: ProgrammeSpec, as_of: date
) -> list[PartnerRow]:
    named = list(spec.partners)
    if spec.code != "FANSOTO":  # FANSOTO's partners are its published ones, exactly
        named += rng.sample(PARTNER_POOL, rng.randint(0, 2))
    rows = []
    for partner in named:
        year = max(partner.since_year, spec.started_on.year)
        since = max(spec.started_on, min(as_of, date(year, rng.randint(1, 12), 1)))
        rows.append(PartnerRow(stamp.id(since), programme_id, partner.name, partner.kind, since))
    return rows


MILESTONES = (
    ("Registered as a local legal entity", "Registration certificate filed with the ministry"),
    ("Own management information system in production", "MIS go-live report"),
    ("Local board of directors in place", "Minutes of the board's first meeting"),
    ("Operational self-sufficiency above 100%", "Audited accounts: income covers all costs"),
    ("Licensed by the financial regulator", "Licence from the supervisory authority"),
)
MILESTONE_COUNT = {
    ProgrammePhase.START_UP: 3,
    ProgrammePhase.CONSOLIDATION: 4,
    ProgrammePhase.AUTONOMOUS: 5,
}


def milestones(
    rng: random.Random, stamp: Stamper, programme_id: uuid.UUID, spec: ProgrammeSpec, as_of: date
) -> list[AutonomyMilestoneRow]:
    """Steps toward autonomy: all achieved by an autonomous programme, some by one in
    consolidation (roughly one every two years), none yet by a start-up."""
    phase = spec.phase_on(as_of)
    count = MILESTONE_COUNT[phase]
    if phase is ProgrammePhase.AUTONOMOUS:
        assert spec.consolidation_on is not None
        assert spec.autonomous_on is not None
        achieved, window = count, (spec.consolidation_on, spec.autonomous_on)
    elif phase is ProgrammePhase.CONSOLIDATION:
        assert spec.consolidation_on is not None
        achieved = min(count - 1, 1 + (as_of - spec.consolidation_on).days // 730)
        window = (spec.consolidation_on, as_of)
    else:
        achieved, window = 0, (spec.started_on, as_of)
    span = (window[1] - window[0]).days
    rows = []
    for index, (title, evidence) in enumerate(MILESTONES[:count]):
        achieved_on = None
        if index < achieved:
            achieved_on = min(
                as_of,
                window[0]
                + timedelta(days=span * (index + 1) // (achieved + 1) + rng.randint(-30, 30)),
            )
            target_on = achieved_on + timedelta(days=rng.randint(-120, 90))
        else:
            target_on = as_of + timedelta(days=rng.randint(-150, 720))
        created_on = min(as_of, max(spec.started_on, target_on - timedelta(days=720)))
        rows.append(
            AutonomyMilestoneRow(
                id=stamp.id(created_on),
                programme_id=programme_id,
                title=title,
                target_on=target_on,
                achieved_on=achieved_on,
                evidence=evidence if achieved_on else "",
            )
        )
    return rows


def members_per_programme(total: int, specs: tuple[ProgrammeSpec, ...]) -> list[int]:
    """Split the network's members by the programmes' relative sizes (at least one group's
    worth each), summing exactly to total."""
    floor = 8
    weights = sum(spec.weight for spec in specs)
    shares = [max(floor, total * spec.weight // weights) for spec in specs]
    largest = max(range(len(specs)), key=lambda i: specs[i].weight)
    shares[largest] += total - sum(shares)
    if shares[largest] < floor:
        raise ValueError(f"a seed needs at least {floor * len(specs)} members")
    return shares
