"""Loading indicator reports: plan the sources, run each figure family on its own session
concurrently, and assemble each programme's figures with domain.indicators.

Not a DataLoader: a report is one request for many programmes at once, so the statements
are as many as the figure families asked (`Needs`), whatever the number of programmes,
months or countries. The first family asked as of today comes with the programmes' lookup,
in its statement; the rates only when an amount in EUR is asked (or a programme holds
amounts in another currency than its own).
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
from db.indicators import EVERYTHING, Coverage, Needs, Plan, Query, Window
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
    row: Mapping[str, Any]  # the programme's own columns, as the graph's Programme reads them

    @classmethod
    def of(cls, row: Mapping[Any, Any]) -> "ProgrammeRow":
        own = {name: row[name] for name in db_indicators.programmes.c.keys()}
        return cls(
            row["id"], row["code"], row["country_code"].strip(), row["currency_code"].strip(), own
        )


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


def _group(rows: Sequence[Mapping[Any, Any]], columns: Sequence[str], into: Rows) -> None:
    """File rows under their keys and currencies (the `columns` they hold: a statement asks
    the needed ones only)."""
    if rows:
        columns = [c for c in columns if c in rows[0]]
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
    db: Database, statements: Mapping[str, Query], months: Sequence[date] | None
) -> tuple[dict[str, list[RowMapping]], list[RowMapping]]:
    """The statements, and the rates of `months` if given."""
    async with db.read() as session:
        found = {name: await db_indicators.rows(session, stmt) for name, stmt in statements.items()}
        if months is None:
            return found, []
        return found, await db_indicators.rates_in_force(session, months)


def _file_rates(rates: Sequence[RowMapping], into: Fetched) -> None:
    into.rates.update({(r["currency_code"].strip(), r["wanted_month"]): r for r in rates})


async def fetch(
    db: Database, scope: Scope, plan: Plan, windows: Sequence[Window], into: Fetched
) -> None:
    """Run the plan's statements and the rates (if the plan's needs ask them) concurrently,
    on short sessions."""
    statements = db_indicators.statements(scope, plan)
    light = {n: s for n, s in statements.items() if n in LIGHT}
    heavy = [n for n in statements if n not in LIGHT]
    months = sorted(_rate_months(windows)) if plan.needs.rates else None
    jobs: list[Awaitable[Any]] = [_run(db, statements[n]) for n in heavy]
    if light or months is not None:
        jobs.append(_run_light(db, light, months))
    done: list[Any] = await asyncio.gather(*jobs)
    by_name: dict[str, list[RowMapping]] = dict(zip(heavy, done, strict=False))
    if light or months is not None:
        found, rates = done[-1]
        by_name |= found
        _file_rates(rates, into)
    _file(by_name, into)


def _file(by_name: Mapping[str, Sequence[Mapping[Any, Any]]], into: Fetched) -> None:
    for name, found in by_name.items():
        columns, target = TARGETS[name]
        _group(found, columns, getattr(into, target))


def _foreign(fetched: Fetched, currencies: Mapping[uuid.UUID, str]) -> bool:
    """Whether some sums are in another currency than their programme's (which the rates
    convert, in local currency too)."""
    for rows in (
        fetched.live,
        fetched.month_snapshots,
        fetched.ledger,
        fetched.flow_snapshots,
        fetched.flows,
        fetched.retention_snapshots,
        fetched.retention,
    ):
        for key, by_currency in rows.items():
            if any(c != currencies[key[0]] for c in by_currency):
                return True
    return False


async def _programmes_and_light(
    db: Database,
    scope: Scope,
    codes: Sequence[str] | None,
    today: date,
    folded: str | None,
    light: Mapping[str, Query],
) -> tuple[list[RowMapping], dict[str, list[RowMapping]]]:
    """The programmes (with the `folded` family's rows) and the light statements."""
    async with db.read() as session:
        query = db_indicators.programmes_with(scope, codes, folded, today)
        found = await db_indicators.rows(session, query)
        return found, {name: await db_indicators.rows(session, q) for name, q in light.items()}


def _unfold(
    found: Sequence[RowMapping], folded: str | None, today: date
) -> tuple[list[RowMapping], list[dict[str, Any]]]:
    """The programmes' rows, once each, and the folded family's rows as its statement gives
    them."""
    programmes: dict[uuid.UUID, RowMapping] = {}
    family: list[dict[str, Any]] = []
    columns = TARGETS[folded][0] if folded is not None else ()
    for row in found:
        programmes.setdefault(row["id"], row)
        currency = row.get(db_indicators.FOLDED_CURRENCY)
        if currency is not None:
            family.append(
                {"programme_id": row["id"], "key": today, "currency_code": currency}
                | {c: row[c] for c in columns}
            )
    return list(programmes.values()), family


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
    needs: Needs = EVERYTHING,
) -> list[Report]:
    """The windows' figures for the programmes in scope (and among `codes`): those of the
    families `needs` asks (the others read zero).

    Today's stocks need no plan: the first family comes with the programmes' lookup, the
    others start with it; the snapshots and the ledger follow, once the programmes'
    coverage is known."""
    families = db_indicators.live_families(windows, today, needs)
    live = db_indicators.live_statements(scope, codes, today, families)
    folded = next(iter(live), None)
    rest = {n: q for n, q in live.items() if n != folded}
    light = {n: q for n, q in rest.items() if n in LIGHT}
    heavy = [n for n in rest if n not in LIGHT]
    started = [asyncio.ensure_future(_run(db, rest[n])) for n in heavy]
    try:
        found, live_rows = await _programmes_and_light(db, scope, codes, today, folded, light)
        rows, folded_rows = _unfold(found, folded, today)
        programmes = [ProgrammeRow.of(r) for r in rows]
        coverage = {
            r["id"]: Coverage(r["valid_through"], r["retention_valid_through"]) for r in rows
        }
        fetched = Fetched({})
        if programmes:
            plan = db_indicators.plan(windows, coverage, today, needs)
            await fetch(db, scope, plan, windows, fetched)
        live_rows |= dict(zip(heavy, await asyncio.gather(*started), strict=True))
    finally:
        for task in started:
            task.cancel()
    if not programmes:
        return [Report(w, []) for w in windows]
    _file(live_rows | ({folded: folded_rows} if folded else {}), fetched)
    if not needs.rates and _foreign(fetched, {p.id: p.currency_code for p in programmes}):
        async with db.read() as session:
            months = sorted(_rate_months(windows))
            _file_rates(await db_indicators.rates_in_force(session, months), fetched)
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
    programmes = [ProgrammeRow.of(r) for r in found]
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
