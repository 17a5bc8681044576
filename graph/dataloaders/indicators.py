"""Loading indicator reports: plan the sources, run each figure family on its own session
concurrently, and assemble each programme's figures with domain.indicators.

Not a DataLoader: a report is one request for many programmes at once, so the statements
are as many as the figure families, whatever the number of programmes, months or countries.
"""

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import RowMapping

from db import indicators as db_indicators
from db.engine import Database
from db.indicators import Coverage, Plan, Query, Window
from db.scope import Scope
from domain import indicators as formulas
from domain.enums import RateKind
from domain.indicators import ProgrammeFigures, Rate, Sums

# Sums per currency, by (programme, key day) for stocks, (programme, first, last day) for flows.
Rows = dict[tuple[Any, ...], dict[str, Sums]]


@dataclass(frozen=True, slots=True)
class ProgrammeRow:
    id: uuid.UUID
    code: str
    country_code: str
    currency_code: str


@dataclass(frozen=True, slots=True)
class Report:
    """One window's figures, per programme (in code order)."""

    window: Window
    programmes: list[tuple[ProgrammeRow, ProgrammeFigures]]


@dataclass
class Fetched:
    """What the statements returned, by source."""

    rates: dict[tuple[str, date], RowMapping]
    live: Rows = field(default_factory=dict)
    month_snapshots: Rows = field(default_factory=dict)
    ledger: Rows = field(default_factory=dict)
    flow_snapshots: Rows = field(default_factory=dict)
    flows: Rows = field(default_factory=dict)
    retention_snapshots: Rows = field(default_factory=dict)
    retention: Rows = field(default_factory=dict)


def _group(rows: Sequence[RowMapping], columns: Sequence[str], into: Rows) -> None:
    for row in rows:
        key = (row["programme_id"], row["key"], *((row["last_day"],) if "last_day" in row else ()))
        by_currency = into.setdefault(key, {})
        currency = row["currency_code"].strip()
        if currency in by_currency:
            by_currency[currency].add(row, columns)
        else:
            by_currency[currency] = Sums.of(row, columns)


async def _run(db: Database, query: Query) -> list[RowMapping]:
    async with db.read() as session:
        return await db_indicators.rows(session, query)


def _rate_months(windows: Sequence[Window]) -> set[date]:
    months: set[date] = set()
    for w in windows:
        months.add(formulas.month_start(w.as_of))
        months.update(formulas.months_between(w.first_day, w.last_day))
        months.update(formulas.month_start(d) for d in w.glp_days)
    return months


# Each statement's columns, and where its rows go.
TARGETS: dict[str, tuple[Sequence[str], str]] = {
    "loan_stocks_today": (db_indicators.LOAN_STOCKS, "live"),
    "savings_now": (db_indicators.SAVINGS_STOCKS, "live"),
    "outreach_now": (db_indicators.OUTREACH_STOCKS, "live"),
    "month_snapshots": (formulas.STOCKS, "month_snapshots"),
    "loan_stocks_at": (db_indicators.LOAN_STOCKS, "ledger"),
    "savings_at": (db_indicators.SAVINGS_STOCKS, "ledger"),
    "outreach_at": (db_indicators.OUTREACH_STOCKS, "ledger"),
    "flow_snapshots": (db_indicators.FLOWS_BUT_RETENTION, "flow_snapshots"),
    "loan_flows": (db_indicators.LOAN_FLOWS, "flows"),
    "repayment_flows": (db_indicators.REPAYMENT_FLOWS, "flows"),
    "retention_snapshots": (db_indicators.RETENTION, "retention_snapshots"),
    "retention": (db_indicators.RETENTION, "retention"),
}


# Statements that read a few rows by key: run one after another on one session, while the
# others (scans of the active portfolio, of the ledger) run each on its own.
LIGHT = {"savings_now", "outreach_now", "month_snapshots", "flow_snapshots", "retention_snapshots"}


async def _run_light(
    db: Database, statements: Mapping[str, Query], months: Sequence[date]
) -> tuple[dict[str, list[RowMapping]], list[RowMapping]]:
    async with db.read() as session:
        found = {name: await db_indicators.rows(session, stmt) for name, stmt in statements.items()}
        return found, await db_indicators.rates_in_force(session, months)


async def fetch(
    db: Database, scope: Scope, plan: Plan, windows: Sequence[Window], into: Fetched
) -> dict[str, list[RowMapping]]:
    """Run the plan's statements and the rates concurrently, on short sessions."""
    statements = db_indicators.statements(scope, plan)
    light = {n: s for n, s in statements.items() if n in LIGHT}
    heavy = [n for n in statements if n not in LIGHT]
    done: list[Any] = await asyncio.gather(
        _run_light(db, light, sorted(_rate_months(windows))),
        *(_run(db, statements[n]) for n in heavy),
    )
    by_name: dict[str, list[RowMapping]] = done[0][0] | dict(zip(heavy, done[1:], strict=True))
    rates: list[RowMapping] = done[0][1]
    into.rates.update({(r["currency_code"].strip(), r["wanted_month"]): r for r in rates})
    _file(by_name, into)
    return by_name


def _file(by_name: Mapping[str, list[RowMapping]], into: Fetched) -> None:
    for name, found in by_name.items():
        columns, target = TARGETS[name]
        _group(found, columns, getattr(into, target))


async def _programmes_and_light(
    db: Database, scope: Scope, codes: Sequence[str] | None, light: Mapping[str, Query]
) -> tuple[list[RowMapping], dict[str, list[RowMapping]]]:
    async with db.read() as session:
        found = await db_indicators.selected_programmes(session, scope, codes)
        return found, {name: await db_indicators.rows(session, q) for name, q in light.items()}


# Assembling -------------------------------------------------------------------------------


def _stocks(
    fetched: Fetched, pid: uuid.UUID, day: date, today: date, coverage: Coverage
) -> dict[str, Sums]:
    source = db_indicators.stock_source(day, today, coverage)
    if source == db_indicators.Source.LIVE:
        return fetched.live.get((pid, day), {})
    if source == db_indicators.Source.SNAPSHOT:
        return fetched.month_snapshots.get((pid, formulas.month_start(day)), {})
    return fetched.ledger.get((pid, day), {})


def _add(into: dict[str, Sums], by_currency: Mapping[str, Sums], columns: Sequence[str]) -> None:
    for currency, sums in by_currency.items():
        target = into.setdefault(currency, Sums())
        for name in columns:
            setattr(target, name, getattr(target, name) + getattr(sums, name))


def _flows(
    fetched: Fetched, pid: uuid.UUID, window: Window, coverage: Coverage, today: date
) -> dict[str, Sums]:
    total: dict[str, Sums] = {}
    for piece in db_indicators.pieces(window.first_day, window.last_day, coverage.valid_through):
        source = fetched.flow_snapshots if piece.snapshot else fetched.flows
        key = (pid, piece.first_day, piece.last_day)
        _add(total, source.get(key, {}), db_indicators.FLOWS_BUT_RETENTION)
    first, last = db_indicators.retention_days(window, today)
    for piece in db_indicators.pieces(first, last, coverage.retention_valid_through):
        source = fetched.retention_snapshots if piece.snapshot else fetched.retention
        key = (pid, piece.first_day, piece.last_day)
        _add(total, source.get(key, {}), db_indicators.RETENTION)
    return total


@dataclass(frozen=True, slots=True)
class RatesByMonth:
    """The rates in force, per month asked and currency."""

    closing: dict[date, dict[str, Rate]]
    average: dict[date, dict[str, tuple[date, Decimal]]]

    @classmethod
    def of(cls, rows: Mapping[tuple[str, date], RowMapping]) -> "RatesByMonth":
        closing: dict[date, dict[str, Rate]] = defaultdict(dict)
        average: dict[date, dict[str, tuple[date, Decimal]]] = defaultdict(dict)
        for (currency, wanted), row in rows.items():
            month = row["month"]
            closing[wanted][currency] = Rate(row["closing_rate"], RateKind.CLOSING, month, month)
            average[wanted][currency] = (month, row["average_rate"])
        return cls(closing, average)

    def period_average(self, months: Sequence[date]) -> dict[str, Rate]:
        """Per currency, the mean of the months' average rates (if every month has one)."""
        monthly: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
        for month in months:
            for currency, rate in self.average.get(month, {}).items():
                monthly[currency].append(rate)
        return {
            currency: formulas.average_rate(values)
            for currency, values in monthly.items()
            if len(values) == len(months)
        }


def assemble(
    fetched: Fetched,
    programmes: Sequence[ProgrammeRow],
    coverage: Mapping[uuid.UUID, Coverage],
    windows: Sequence[Window],
    today: date,
) -> list[Report]:
    reports = []
    rates = RatesByMonth.of(fetched.rates)
    for w in windows:
        closing = rates.closing.get(formulas.month_start(w.as_of), {})
        average = rates.period_average(formulas.months_between(w.first_day, w.last_day))
        points_closing = {d: rates.closing.get(formulas.month_start(d), {}) for d in w.glp_days}
        figures = []
        for p in programmes:
            cover = coverage[p.id]
            points = [
                formulas.Point(
                    {
                        c: s.gross_loan_portfolio
                        for c, s in _stocks(fetched, p.id, d, today, cover).items()
                    },
                    points_closing[d],
                )
                for d in w.glp_days
            ]
            figures.append(
                (
                    p,
                    formulas.programme_figures(
                        p.currency_code,
                        _stocks(fetched, p.id, w.as_of, today, cover),
                        _flows(fetched, p.id, w, cover, today),
                        points,
                        closing,
                        average,
                    ),
                )
            )
        reports.append(Report(w, figures))
    return reports


async def reports(
    db: Database,
    scope: Scope,
    codes: Sequence[str] | None,
    windows: Sequence[Window],
    today: date,
) -> list[Report]:
    """The windows' figures for the programmes in scope (and among `codes`).

    Today's stocks need no plan: they start with the programmes' lookup; the snapshots and
    the ledger follow, once the programmes' coverage is known."""
    live = db_indicators.live_statements(scope, codes, today)
    if not db_indicators.needs_live(windows, today):
        live = {}
    light = {n: q for n, q in live.items() if n in LIGHT}
    heavy = [n for n in live if n not in LIGHT]
    started = [asyncio.ensure_future(_run(db, live[n])) for n in heavy]
    try:
        found, live_rows = await _programmes_and_light(db, scope, codes, light)
        programmes = [
            ProgrammeRow(r["id"], r["code"], r["country_code"].strip(), r["currency_code"].strip())
            for r in found
        ]
        coverage = {
            r["id"]: Coverage(r["valid_through"], r["retention_valid_through"]) for r in found
        }
        fetched = Fetched({})
        if programmes:
            await fetch(db, scope, db_indicators.plan(windows, coverage, today), windows, fetched)
        live_rows |= dict(zip(heavy, await asyncio.gather(*started), strict=True))
    finally:
        for task in started:
            task.cancel()
    if not programmes:
        return [Report(w, []) for w in windows]
    _file(live_rows, fetched)
    return assemble(fetched, programmes, coverage, windows, today)


async def portfolios(
    db: Database, scope: Scope, keys: Sequence[tuple[uuid.UUID, date]], today: date
) -> dict[tuple[uuid.UUID, date], ProgrammeFigures]:
    """Each (programme, day) key's loan stocks at the end of the day (GLP, PAR, borrowers),
    from the indicators' sources (derived state today, month-end snapshots, else the ledger):
    the same figures as `indicators(asOf:)`, in as many statements whatever the keys.

    Raises MissingRate if the programme holds loans in another currency with no rate."""
    wanted = {pid for pid, _ in keys}
    async with db.read() as session:
        found = [
            r
            for r in await db_indicators.selected_programmes(session, scope, None)
            if r["id"] in wanted
        ]
    if not found:
        return {}
    programmes = [
        ProgrammeRow(r["id"], r["code"], r["country_code"].strip(), r["currency_code"].strip())
        for r in found
    ]
    coverage = {r["id"]: Coverage(r["valid_through"], r["retention_valid_through"]) for r in found}
    asked = sorted({(pid, day) for pid, day in keys if pid in coverage})
    windows = [db_indicators.stocks_only(day) for day in sorted({day for _, day in asked})]
    fetched = Fetched({})
    plan = db_indicators.plan_loan_stocks(asked, coverage, today)
    jobs: list[Awaitable[Any]] = [fetch(db, scope, plan, windows, fetched)]
    if any(day == today for _, day in asked):
        codes = [p.code for p in programmes]
        jobs.append(_run(db, db_indicators.loan_stocks_today(scope, codes, today)))
    done = await asyncio.gather(*jobs)
    if len(done) > 1:
        _file({"loan_stocks_today": done[1]}, fetched)
    out: dict[tuple[uuid.UUID, date], ProgrammeFigures] = {}
    for report in assemble(fetched, programmes, coverage, windows, today):
        for programme, figures in report.programmes:
            out[programme.id, report.window.as_of] = figures
    return out
