"""Indicators in SQL: sums and counts per programme and currency, never rows into Python.

Every figure family answers with rows of (programme_id, currency_code, key, columns named as
domain.indicators.Sums): `key` is the day of a stock, or the first day of a flow's range.
Three sources give the same rows:

- derived state (loans.outstanding_principal and oldest_unpaid_due_on, kept by every write;
  savings and outreach totals kept by triggers): stocks as of today, without the ledger;
- the ledger (repayments and the schedules they pay, savings transactions, memberships):
  stocks at the end of any day, flows over any range;
- daily snapshots (indicator_stocks: the stocks on each day they change; indicator_days: the
  flows of each day), the ledger's figures computed by `refresh` and valid up to
  indicator_state.valid_through (triggers pull it back on back-dated writes).

`plan` decides, per programme and day or range, which source answers.
"""

import asyncio
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    CHAR,
    Date,
    FromClause,
    Integer,
    Numeric,
    Select,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    cast,
    column,
    delete,
    distinct,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by, distinct_on, insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import Gender, LoanStatus, RepaymentKind, SavingsTransactionKind
from domain.indicators import (
    PAR30_DAYS,
    PAR90_DAYS,
    RETENTION_DAYS,
)

from .engine import Database
from .models import (
    Currency,
    ExchangeRate,
    Group,
    GroupMembership,
    Installment,
    Loan,
    Member,
    Programme,
    Repayment,
    ReplicatedProgramme,
    SavingsAccount,
    SavingsTransaction,
    SupersededInstallment,
)
from .models.indicators import (
    IndicatorDay,
    IndicatorOutreach,
    IndicatorSavings,
    IndicatorState,
    IndicatorStock,
)
from .scope import Scope

loans = Loan.__table__
installments = Installment.__table__
superseded_installments = SupersededInstallment.__table__
# What a loan's state on a day reads of a schedule line (current or superseded).
SCHEDULE_COLUMNS = (
    "loan_id",
    "in_force_from",
    "number",
    "due_on",
    "principal_due",
    "interest_due",
)
repayments = Repayment.__table__
accounts = SavingsAccount.__table__
transactions = SavingsTransaction.__table__
memberships = GroupMembership.__table__
groups = Group.__table__
members = Member.__table__
programmes = Programme.__table__
stocks_table = IndicatorStock.__table__
days_table = IndicatorDay.__table__
savings_table = IndicatorSavings.__table__
outreach_table = IndicatorOutreach.__table__
state = IndicatorState.__table__
rates = ExchangeRate.__table__

# Must match the triggers of migration 0004: a refresh holds it exclusively per programme,
# a write that lands on a covered day holds it shared.
REFRESH_LOCK = 7452

LOAN_STOCKS = (
    "gross_loan_portfolio",
    "active_loans",
    "active_borrowers",
    "first_cycle_borrowers",
    "portfolio_at_risk_30",
    "portfolio_at_risk_90",
    "rescheduled_portfolio",
    "rescheduled_at_risk_30",
)
SAVINGS_STOCKS = ("savings_balance", "active_depositors")
OUTREACH_STOCKS = ("active_members", "women_members", "active_groups")
LOAN_FLOWS = ("disbursements", "disbursed_amount", "write_offs", "written_off_amount", "recoveries")
REPAYMENT_FLOWS = ("amount_due", "amount_received_on_time")
RETENTION = ("loans_repaid", "borrowers_retained")

# The figure families, each computed by its own statements (or read from the snapshots).
FAMILIES: dict[str, tuple[str, ...]] = {
    "loan_stocks": LOAN_STOCKS,
    "savings": SAVINGS_STOCKS,
    "outreach": OUTREACH_STOCKS,
    "loan_flows": LOAN_FLOWS,
    "repayment_flows": REPAYMENT_FLOWS,
    "retention": RETENTION,
}
STOCK_FAMILIES = ("loan_stocks", "savings", "outreach")


@dataclass(frozen=True, slots=True)
class Needs:
    """What a report must compute: the figure `families` (FAMILIES' names) and whether it
    converts to EUR (`rates`). The GLP at the period's month ends (the average GLP) is asked
    by the windows' `glp_days`. Everything by default."""

    families: frozenset[str] = frozenset(FAMILIES)
    rates: bool = True

    def columns(self, *families: str) -> tuple[str, ...]:
        """The columns of those of `families` that are needed."""
        return tuple(c for f in families if f in self.families for c in FAMILIES[f])


EVERYTHING = Needs()

Key = tuple[uuid.UUID, date]  # a programme and a day
Range = tuple[uuid.UUID, date, date]  # a programme and a range of days, both included


# Which programmes -----------------------------------------------------------------------------


async def selected_programmes(
    session: AsyncSession, scope: Scope, codes: Sequence[str] | None
) -> list[RowMapping]:
    """The programmes in scope (and among `codes` if given), with how far their snapshots go."""
    return await rows(session, programmes_with(scope, codes, None, date.min))


# Statements and their inputs ------------------------------------------------------------------
#
# Each family's statement is built once per scope and shape (functools.cache) with bound
# parameters, so a request spends no time building SQL: only the parameters change.


@dataclass(frozen=True, slots=True)
class Query:
    """A cached statement and the parameters of one execution."""

    statement: Select[Any]
    params: dict[str, Any]


def _keys() -> FromClause:
    """The (programme, day) keys given as the parameters `key_programmes` and `key_days`."""
    return (
        func.unnest(
            bindparam("key_programmes", type_=ARRAY(Uuid())),
            bindparam("key_days", type_=ARRAY(Date())),
        )
        .table_valued(column("programme_id", Uuid()), column("day", Date()))
        .render_derived(name="keys")
    )


def _key_params(keys: Sequence[Key]) -> dict[str, Any]:
    return {"key_programmes": [k[0] for k in keys], "key_days": [k[1] for k in keys]}


def _ranges() -> FromClause:
    """The (programme, first day, last day) ranges given as parameters `range_*`."""
    return (
        func.unnest(
            bindparam("range_programmes", type_=ARRAY(Uuid())),
            bindparam("range_first_days", type_=ARRAY(Date())),
            bindparam("range_last_days", type_=ARRAY(Date())),
        )
        .table_valued(
            column("programme_id", Uuid()), column("first_day", Date()), column("last_day", Date())
        )
        .render_derived(name="ranges")
    )


def _range_params(ranges: Sequence[Range]) -> dict[str, Any]:
    return {
        "range_programmes": [r[0] for r in ranges],
        "range_first_days": [r[1] for r in ranges],
        "range_last_days": [r[2] for r in ranges],
    }


def _today_params(codes: Sequence[str] | None, today: date) -> dict[str, Any]:
    return {"today": today} | ({"codes": list(codes)} if codes is not None else {})


TODAY = bindparam("today", type_=Date())


def _among(column: Any, filtered: bool) -> Any:
    """A programme_id column among the programmes of the `codes` parameter, if `filtered`."""
    if not filtered:
        return true()
    return column.in_(
        select(programmes.c.id).where(programmes.c.code.in_(bindparam("codes", expanding=True)))
    )


# The programmes, and with them one of today's figure families ------------------------------

FOLDED_CURRENCY = "sums_currency_code"  # the folded family's currency (programmes have theirs)


def programmes_with(
    scope: Scope, codes: Sequence[str] | None, folded: str | None, today: date
) -> Query:
    """The programmes in scope (and among `codes`), by code: their columns, how far their
    snapshots go and, if `folded` names one of `live_statements`, that family's rows joined
    on (one row per programme and currency of its sums, the currency as FOLDED_CURRENCY; a
    programme without any, once with nulls). So a report that asks only one family as of
    today is one statement."""
    return Query(_programmes_with(scope, codes is not None, folded), _today_params(codes, today))


@cache
def _programmes_with(scope: Scope, filtered: bool, folded: str | None) -> Select[Any]:
    stmt = (
        select(programmes, state.c.valid_through, state.c.retention_valid_through)
        .outerjoin(state, state.c.programme_id == programmes.c.id)
        .where(_among(programmes.c.id, filtered), scope.where(programmes.c.id))
        .order_by(programmes.c.code)
    )
    if folded is None:
        return stmt
    family = LIVE[folded][0](scope, False).subquery("family")
    # A condition on the family's grouping column: PostgreSQL pushes it into the aggregate,
    # which then reads this programme's rows only (by index).
    sums = select(family).where(family.c.programme_id == programmes.c.id).lateral("sums")
    values = [c for c in sums.c if c.key not in ("programme_id", "currency_code", "key")]
    return stmt.add_columns(sums.c.currency_code.label(FOLDED_CURRENCY), *values).outerjoin(
        sums, true()
    )


# Loan stocks: GLP, borrowers, PAR ----------------------------------------------------------


def _loan_stocks(loans_at: Any) -> Select[Any]:
    """The aggregates over loans outstanding at the end of a day (`loans_at`: programme_id,
    currency_code, key, member_id, cycle, outstanding, oldest, rescheduled: by then), whichever
    source gives their state. A borrower counts once; at risk: the oldest unpaid installment
    more than N days late, i.e. due before key - N."""
    s = loans_at.c
    late_30 = s.oldest < s.key - PAR30_DAYS
    return select(
        s.programme_id,
        s.currency_code,
        s.key,
        func.coalesce(func.sum(s.outstanding), 0).label("gross_loan_portfolio"),
        func.count().label("active_loans"),
        func.count(distinct(s.member_id)).label("active_borrowers"),
        func.count(distinct(s.member_id)).filter(s.cycle == 1).label("first_cycle_borrowers"),
        func.coalesce(func.sum(s.outstanding).filter(late_30), 0).label("portfolio_at_risk_30"),
        func.coalesce(func.sum(s.outstanding).filter(s.oldest < s.key - PAR90_DAYS), 0).label(
            "portfolio_at_risk_90"
        ),
        func.coalesce(func.sum(s.outstanding).filter(s.rescheduled), 0).label(
            "rescheduled_portfolio"
        ),
        func.coalesce(func.sum(s.outstanding).filter(s.rescheduled, late_30), 0).label(
            "rescheduled_at_risk_30"
        ),
    ).group_by(s.programme_id, s.currency_code, s.key)


def loan_stocks_today(scope: Scope, codes: Sequence[str] | None, today: date) -> Query:
    """From the loans' derived state (index-only, ix_loans_active_portfolio): the active loans
    are those outstanding today."""
    return Query(_loan_stocks_today(scope, codes is not None), _today_params(codes, today))


@cache
def _loan_stocks_today(scope: Scope, filtered: bool) -> Select[Any]:
    active = (
        select(
            loans.c.programme_id,
            loans.c.currency_code,
            TODAY.label("key"),
            loans.c.member_id,
            loans.c.cycle,
            loans.c.outstanding_principal.label("outstanding"),
            loans.c.oldest_unpaid_due_on.label("oldest"),
            loans.c.rescheduled_on.is_not(None).label("rescheduled"),
        )
        .where(
            loans.c.status == LoanStatus.ACTIVE,
            _among(loans.c.programme_id, filtered),
            scope.where(loans.c.programme_id),
        )
        .subquery("active")
    )
    return _loan_stocks(active)


def _standing(r: Any) -> Any:
    """A repayment not reversed (a reversal corrects the ledger as of the repayment's day)."""
    reversal = repayments.alias("reversal")
    return and_(
        r.c.kind == RepaymentKind.REPAYMENT,
        ~exists().where(reversal.c.reverses_id == r.c.id, reversal.c.reverses_id.is_not(None)),
    )


def _key_sets() -> Any:
    """Each programme's key days as a sorted array: width_bucket finds a day's position in it."""
    k = _keys()
    return (
        select(
            k.c.programme_id,
            func.array_agg(aggregate_order_by(k.c.day, k.c.day), type_=ARRAY(Date())).label("days"),
        )
        .group_by(k.c.programme_id)
        .cte("key_sets")
    )


def loan_stocks_at(scope: Scope, keys: Sequence[Key]) -> Query:
    """From the ledger: for each loan outstanding at the end of a key day, its standing
    repayments up to that day poured into its schedule, oldest installment first, interest
    then principal (the allocation rule, domain.allocation), give its principal paid and its
    oldest unpaid installment then.

    Set-based whatever the number of days: a loan's key days are a run of positions in its
    programme's sorted days, a repayment counts from the first key day on or after it, and
    the installment the total paid has reached is found by width_bucket in the schedule's
    running totals."""
    return Query(_loan_stocks_at(scope), _key_params(keys))


@cache
def _loan_stocks_at(scope: Scope) -> Select[Any]:
    key_sets = _key_sets()
    days = key_sets.c.days
    count = func.cardinality(days)
    position = (
        func.generate_series(
            func.width_bucket(loans.c.disbursed_on - 1, days) + 1,
            case(
                (loans.c.closed_on.is_(None), count),
                else_=func.width_bucket(loans.c.closed_on - 1, days),
            ),
        )
        .table_valued(column("i", Integer()))
        .render_derived(name="position")
    )
    # The day each rescheduled loan was first rescheduled: a rescheduled loan from then on.
    old = superseded_installments
    rescheduled = (
        select(old.c.loan_id, func.min(old.c.superseded_on).label("since"))
        .where(
            old.c.programme_id.in_(select(key_sets.c.programme_id)),
            scope.where(old.c.programme_id),
        )
        .group_by(old.c.loan_id)
        .subquery("rescheduled")
    )
    pairs = (
        select(
            loans.c.id,
            loans.c.programme_id,
            loans.c.currency_code,
            loans.c.member_id,
            loans.c.cycle,
            loans.c.principal,
            position.c.i,
            days[position.c.i].label("day"),
            rescheduled.c.since.label("rescheduled_since"),
        )
        .select_from(key_sets)
        .join(
            loans,
            and_(
                loans.c.programme_id == key_sets.c.programme_id,
                loans.c.disbursed_on <= days[count],
                or_(loans.c.closed_on.is_(None), loans.c.closed_on > days[1]),
            ),
        )
        .join(position, true())
        .outerjoin(rescheduled, rescheduled.c.loan_id == loans.c.id)
        .where(scope.where(loans.c.programme_id))
        .cte("pairs")
    )
    r = repayments.alias("r")
    bucket = func.width_bucket(r.c.paid_on - 1, days) + 1
    payments = (
        select(r.c.loan_id, bucket.label("i"), func.sum(r.c.amount).label("amount"))
        .select_from(r)
        .join(key_sets, key_sets.c.programme_id == r.c.programme_id)
        .where(
            _standing(r),
            r.c.paid_on <= days[count],
            r.c.loan_id.in_(select(pairs.c.id)),
            scope.where(r.c.programme_id),
        )
        .group_by(r.c.loan_id, bucket)
        .subquery("payments")
    )
    paid = (
        func.sum(func.coalesce(payments.c.amount, 0))
        .over(partition_by=pairs.c.id, order_by=pairs.c.i)
        .label("paid")
    )
    with_paid = (
        select(pairs, paid)
        .select_from(pairs)
        .outerjoin(payments, and_(payments.c.loan_id == pairs.c.id, payments.c.i == pairs.c.i))
        .subquery("with_paid")
    )
    p = _poured(with_paid, select(pairs.c.id)).c
    state = select(
        p.programme_id,
        p.currency_code,
        p.day.label("key"),
        p.member_id,
        p.cycle,
        p.outstanding,
        p.oldest,
        (p.rescheduled_since <= p.day).label("rescheduled"),
    ).subquery("loans_at")
    return _loan_stocks(state)


def _poured(
    with_paid: Any, loan_ids: Select[Any], *, by_index: bool = False, programme: Any = None
) -> Any:
    """The loan's state on a day, for each row of `with_paid` (a loan's `id` and `principal`,
    a `day` and `paid`: its standing repayments up to that day): that total poured into its
    schedule, oldest installment first, interest then principal (domain.allocation), gives
    its `outstanding` principal and its `oldest` unpaid due date then (null: all paid).

    The one definition of a loan's state on a past day: the indicators' stocks and the loans'
    days past due as of a day both read it. `loan_ids`: the loans whose schedules to read;
    `by_index` for a few of them (a page, a filtered list): looked up one by one rather
    than hashed against every schedule (which suits a whole portfolio); `programme`: the one
    programme whose installments to scan (their programme index), if given."""

    def wanted(i: Any) -> Any:
        loans_wanted = (
            i.c.loan_id == any_(func.array(loan_ids.scalar_subquery()))
            if by_index
            else i.c.loan_id.in_(loan_ids)
        )
        return (
            loans_wanted if programme is None else and_(i.c.programme_id == programme, loans_wanted)
        )

    # Each schedule a loan had, with the days it was in force: the current one (from its
    # rescheduling, if any) and those a rescheduling replaced.
    old = superseded_installments
    every = union_all(
        select(
            *(installments.c[n] for n in SCHEDULE_COLUMNS), literal(None, Date()).label("until")
        ).where(wanted(installments)),
        select(*(old.c[n] for n in SCHEDULE_COLUMNS), old.c.superseded_on).where(wanted(old)),
    ).subquery("every_schedule")
    i = every
    schedule = (i.c.loan_id, i.c.until)
    lines = select(
        i.c.loan_id,
        i.c.in_force_from,
        i.c.until,
        i.c.number,
        i.c.due_on,
        i.c.principal_due,
        i.c.interest_due,
        func.sum(i.c.principal_due + i.c.interest_due)
        .over(partition_by=schedule, order_by=i.c.number)
        .label("due_through"),
        func.sum(i.c.principal_due)
        .over(partition_by=schedule, order_by=i.c.number)
        .label("principal_through"),
    ).subquery("lines")

    def in_order(col: Any, type_: Any) -> Any:
        return func.array_agg(aggregate_order_by(col, lines.c.number), type_=ARRAY(type_))

    schedules = (
        select(
            lines.c.loan_id,
            lines.c.in_force_from,
            lines.c.until,
            in_order(lines.c.due_on, Date()).label("due_on"),
            in_order(lines.c.principal_due, Numeric()).label("principal_due"),
            in_order(lines.c.interest_due, Numeric()).label("interest_due"),
            in_order(lines.c.due_through, Numeric()).label("due_through"),
            in_order(lines.c.principal_through, Numeric()).label("principal_through"),
        )
        .group_by(lines.c.loan_id, lines.c.in_force_from, lines.c.until)
        .subquery("schedules")
    )
    sc = schedules.c
    in_force = and_(
        sc.loan_id == with_paid.c.id,
        or_(sc.in_force_from.is_(None), sc.in_force_from <= with_paid.c.day),
        or_(sc.until.is_(None), sc.until > with_paid.c.day),
    )
    placed = (
        select(
            with_paid,
            sc.due_on.label("due_dates"),
            sc.principal_due,
            sc.interest_due,
            sc.due_through,
            sc.principal_through,
            # How many installments the total paid has settled.
            func.width_bucket(with_paid.c.paid, sc.due_through).label("settled"),
        )
        .select_from(with_paid)
        .outerjoin(schedules, in_force)
        .subquery("placed")
    )
    p = placed.c
    nxt = p.settled + 1
    principal_paid = func.coalesce(p.principal_through[p.settled], 0) + case(
        (
            p.settled < func.cardinality(p.due_through),
            func.least(
                p.principal_due[nxt],
                func.greatest(
                    0, p.paid - func.coalesce(p.due_through[p.settled], 0) - p.interest_due[nxt]
                ),
            ),
        ),
        else_=0,
    )
    return select(
        *(p[c.name] for c in with_paid.c),
        (p.principal - principal_paid).label("outstanding"),
        p.due_dates[nxt].label("oldest"),
    ).subquery("poured")


def outstanding_on(day: Any) -> Any:
    """A loan outstanding at the end of `day`: disbursed by then, not yet repaid or written
    off (a loan closes on its closed_on)."""
    return and_(
        loans.c.disbursed_on <= day,
        or_(loans.c.closed_on.is_(None), loans.c.closed_on > day),
    )


def loans_state_on(pairs: Any) -> Any:
    """`pairs` (a loan's `id` and `principal`, a `day`, and any other columns) with the loan's
    state at the end of that day (`_poured`): `outstanding` and `oldest`. The caller keeps
    to the loans outstanding that day (`outstanding_on`)."""
    r = repayments.alias("r")
    # Per pair, by the repayments' loan index: a page or a filtered list reads its own
    # loans' ledger only.
    paid = (
        select(func.coalesce(func.sum(r.c.amount), 0).label("paid"))
        .where(r.c.loan_id == pairs.c.id, r.c.paid_on <= pairs.c.day, _standing(r))
        .lateral("paid")
    )
    with_paid = (
        select(pairs, paid.c.paid).select_from(pairs).join(paid, true()).subquery("with_paid")
    )
    return _poured(with_paid, select(pairs.c.id), by_index=True)


def loan_states(scope: Scope, keys: Sequence[tuple[uuid.UUID, date]]) -> Query:
    """Each (loan, day) key's state at the end of the day, for the loans outstanding then:
    rows of (loan_id, day, outstanding, oldest). One statement whatever the number of keys."""
    return Query(
        _loan_states(scope),
        {"loan_ids": [k[0] for k in keys], "loan_days": [k[1] for k in keys]},
    )


@cache
def _loan_states(scope: Scope) -> Select[Any]:
    k = (
        func.unnest(
            bindparam("loan_ids", type_=ARRAY(Uuid())),
            bindparam("loan_days", type_=ARRAY(Date())),
        )
        .table_valued(column("loan_id", Uuid()), column("day", Date()))
        .render_derived(name="wanted")
    )
    pairs = (
        select(loans.c.id, loans.c.principal, k.c.day)
        .select_from(k)
        .join(loans, and_(loans.c.id == k.c.loan_id, outstanding_on(k.c.day)))
        .where(scope.where(loans.c.programme_id))
        .cte("pairs")
    )
    s = loans_state_on(pairs).c
    return select(s.id.label("loan_id"), s.day, s.outstanding, s.oldest)


# Savings: balances and depositors ---------------------------------------------------------


def savings_now(scope: Scope, codes: Sequence[str] | None, today: date) -> Query:
    """From the running totals the savings accounts' triggers keep (indicator_savings)."""
    return Query(_savings_now(scope, codes is not None), _today_params(codes, today))


@cache
def _savings_now(scope: Scope, filtered: bool) -> Select[Any]:
    t = savings_table
    return select(
        t.c.programme_id,
        t.c.currency_code,
        TODAY.label("key"),
        t.c.savings_balance,
        t.c.active_depositors,
    ).where(_among(t.c.programme_id, filtered), scope.where(t.c.programme_id))


def savings_at(scope: Scope, keys: Sequence[Key]) -> Query:
    """From the transactions: each member's balance after each day she moved money gives the
    change it made to the total and to the count of depositors; a day's figures are the sums
    of the changes up to it. A reversal restates the past: neither it nor the entry it
    cancels counts, on any day."""
    return Query(_savings_at(scope), _key_params(keys))


@cache
def _savings_at(scope: Scope) -> Select[Any]:
    key_sets = _key_sets()
    changes = _savings_changes(
        lambda c: and_(c.in_(select(key_sets.c.programme_id)), scope.where(c))
    )
    return _totals_at_keys(key_sets, changes, SAVINGS_STOCKS)


def _savings_changes(programmes_wanted: Callable[[Any], Any]) -> Any:
    """The changes each day made to the savings stocks (programme_id, currency_code, day and
    SAVINGS_STOCKS): each member's balance after each day she moved money gives the change
    to the total and to the count of depositors. `programmes_wanted`: a condition on a
    programme_id column."""
    t, a = transactions, accounts
    reversal = transactions.alias("reversal")
    signed = case((t.c.kind == SavingsTransactionKind.WITHDRAWAL, -t.c.amount), else_=t.c.amount)
    daily = (
        select(
            t.c.programme_id,
            a.c.currency_code,
            a.c.member_id,
            t.c.occurred_on,
            func.sum(signed).label("net"),
        )
        .join(a, a.c.id == t.c.account_id)
        .where(
            programmes_wanted(t.c.programme_id),
            t.c.kind != SavingsTransactionKind.REVERSAL,
            ~exists().where(reversal.c.reverses_id == t.c.id),
        )
        .group_by(t.c.programme_id, a.c.currency_code, a.c.member_id, t.c.occurred_on)
        .subquery("daily")
    )
    after = (
        func.sum(daily.c.net)
        .over(
            partition_by=(daily.c.programme_id, daily.c.currency_code, daily.c.member_id),
            order_by=daily.c.occurred_on,
        )
        .label("balance")
    )
    running = select(daily, after).subquery("running")
    became = case((running.c.balance > 0, 1), else_=0) - case(
        (running.c.balance - running.c.net > 0, 1), else_=0
    )
    return select(
        running.c.programme_id,
        running.c.currency_code,
        running.c.occurred_on.label("day"),
        running.c.net.label("savings_balance"),
        became.label("active_depositors"),
    ).subquery("changes")


def _totals_at_keys(key_sets: Any, changes: Any, columns: Sequence[str]) -> Select[Any]:
    """Running totals at each key day of `changes` (programme_id, currency_code, day, columns):
    each change counts from the first key day on or after it."""
    days = key_sets.c.days
    count = func.cardinality(days)
    c = changes.c
    position = func.width_bucket(c.day - 1, days) + 1
    bucketed = (
        select(
            c.programme_id,
            c.currency_code,
            position.label("i"),
            *(func.sum(c[name]).label(name) for name in columns),
        )
        .join(key_sets, key_sets.c.programme_id == c.programme_id)
        .where(c.day <= days[count])
        .group_by(c.programme_id, c.currency_code, position)
        .cte("bucketed")
    )
    b = bucketed.c
    series = select(b.programme_id, b.currency_code).distinct().subquery("series")
    i = (
        func.generate_series(1, count)
        .table_valued(column("i", Integer()))
        .render_derived(name="position")
    )
    every = (
        select(series.c.programme_id, series.c.currency_code, days, i.c.i)
        .select_from(series)
        .join(key_sets, key_sets.c.programme_id == series.c.programme_id)
        .join(i, true())
        .subquery("every")
    )
    e = every.c
    return (
        select(
            e.programme_id,
            e.currency_code,
            e.days[e.i].label("key"),
            *(
                func.sum(func.coalesce(b[name], 0))
                .over(partition_by=(e.programme_id, e.currency_code), order_by=e.i)
                .label(name)
                for name in columns
            ),
        )
        .select_from(every)
        .outerjoin(
            bucketed,
            and_(b.programme_id == e.programme_id, b.currency_code == e.currency_code, b.i == e.i),
        )
    )


# Outreach: members, women, groups --------------------------------------------------------


def outreach_at(scope: Scope, keys: Sequence[Key]) -> Query:
    """Members in a group at the end of the day (the group formed and not closed by then),
    and groups formed and not closed: each membership and group counts from its first day to
    the day before its end, so a day's counts are the sums of the changes up to it. Counted
    on the row of the programme's own currency."""
    return Query(_outreach_at(scope), _key_params(keys))


@cache
def _outreach_at(scope: Scope) -> Select[Any]:
    key_sets = _key_sets()
    changes = _outreach_changes(
        lambda c: and_(c.in_(select(key_sets.c.programme_id)), scope.where(c))
    )
    return _totals_at_keys(key_sets, changes, OUTREACH_STOCKS)


def _outreach_changes(programmes_wanted: Callable[[Any], Any]) -> Any:
    """The changes each day made to the outreach counts (programme_id, currency_code: the
    programme's own, day and OUTREACH_STOCKS): each membership and group counts from its first
    day to the day before its end. `programmes_wanted`: a condition on a programme_id column."""
    m, g, gm = members, groups, memberships
    spans = (
        select(
            gm.c.programme_id,
            case((m.c.gender == Gender.FEMALE, 1), else_=0).label("woman"),
            func.greatest(gm.c.joined_on, g.c.formed_on).label("since"),
            func.least(gm.c.left_on, g.c.closed_on).label("until"),
        )
        .join(g, g.c.id == gm.c.group_id)
        .join(m, m.c.id == gm.c.member_id)
        .where(programmes_wanted(gm.c.programme_id))
        .cte("spans")
    )
    counted = or_(spans.c.until.is_(None), spans.c.until > spans.c.since)
    zero, one = literal(0), literal(1)
    closed = and_(g.c.closed_on.is_not(None), g.c.closed_on > g.c.formed_on)
    in_scope = programmes_wanted(g.c.programme_id)
    events = union_all(
        select(spans.c.programme_id, spans.c.since, one, spans.c.woman, zero).where(counted),
        select(spans.c.programme_id, spans.c.until, -one, -spans.c.woman, zero).where(
            spans.c.until > spans.c.since
        ),
        select(g.c.programme_id, g.c.formed_on, zero, zero, one).where(in_scope),
        select(g.c.programme_id, g.c.closed_on, zero, zero, -one).where(in_scope, closed),
    ).subquery("events")
    programme_id, day, *values = events.c
    return (
        select(
            programme_id.label("programme_id"),
            programmes.c.currency_code,
            day.label("day"),
            *(v.label(name) for v, name in zip(values, OUTREACH_STOCKS, strict=True)),
        )
        .join(programmes, programmes.c.id == programme_id)
        .subquery("changes")
    )


def outreach_now(scope: Scope, codes: Sequence[str] | None, today: date) -> Query:
    """From the running totals the memberships', groups' and members' triggers keep
    (indicator_outreach): open memberships of groups not closed, and those groups."""
    return Query(_outreach_now(scope, codes is not None), _today_params(codes, today))


@cache
def _outreach_now(scope: Scope, filtered: bool) -> Select[Any]:
    t = outreach_table
    return (
        select(
            t.c.programme_id,
            programmes.c.currency_code,
            TODAY.label("key"),
            t.c.active_members,
            t.c.women_members,
            t.c.active_groups,
        )
        .join(programmes, programmes.c.id == t.c.programme_id)
        .where(_among(t.c.programme_id, filtered), scope.where(t.c.programme_id))
    )


# Flows over ranges -------------------------------------------------------------------------


def _in_range(column: Any, rg: Any) -> Any:
    return and_(column >= rg.c.first_day, column <= rg.c.last_day)


def _per_range(rg: Any, aggregated: Select[Any], name: str, by_day: bool) -> Select[Any]:
    """`aggregated` (per currency, and per day if `by_day`, correlated to a range) as a LATERAL
    per range: grouped, it cannot be flattened into a join, so each range reads just its index
    range. The key is the range's first day (with its last day), or the day."""
    rows = aggregated.lateral(name)
    keys = [rows.c.key] if by_day else [rg.c.first_day.label("key"), rg.c.last_day]
    values = [c for c in rows.c if c.key != "key"]
    return select(rg.c.programme_id, *keys, *values).select_from(rg).join(rows, true())


def _grouped(columns: list[Any], day: Any, by_day: bool) -> tuple[list[Any], list[Any]]:
    """Columns and GROUP BY of a flow's inner select (its first column is the currency), and
    the day as `key` if asked."""
    if by_day:
        return [*columns, day.label("key")], [columns[0], day]
    return columns, [columns[0]]


def loan_flows(scope: Scope, ranges: Sequence[Range], *, by_day: bool = False) -> Query:
    """Loans disbursed in each range (count, principal), written off (count, principal
    written off; the write-off's day is the loan's closed_on), and recovered after a
    write-off (RECOVERY entries not reversed, by the day received)."""
    return Query(_loan_flows(scope, by_day), _range_params(ranges))


@cache
def _loan_flows(scope: Scope, by_day: bool) -> Select[Any]:
    rg = _ranges()
    mine = and_(loans.c.programme_id == rg.c.programme_id, scope.where(loans.c.programme_id))
    zero = literal(0)
    parts = []
    for name, day, condition, values in (
        (
            "disbursed",
            loans.c.disbursed_on,
            true(),
            [func.count(), func.sum(loans.c.principal), zero, zero, zero],
        ),
        (
            "written_off",
            loans.c.closed_on,
            loans.c.status == LoanStatus.WRITTEN_OFF,
            [zero, zero, func.count(), func.sum(loans.c.written_off_principal), zero],
        ),
    ):
        labelled = [v.label(n) for v, n in zip(values, LOAN_FLOWS, strict=True)]
        columns, group = _grouped([loans.c.currency_code, *labelled], day, by_day)
        inner = select(*columns).where(mine, condition, _in_range(day, rg)).group_by(*group)
        parts.append(_per_range(rg, inner, name, by_day))
    # Recoveries on written-off loans, by the day received (a reversed one never counts).
    r = repayments.alias("r")
    recovered = [zero, zero, zero, zero, func.sum(r.c.amount)]
    labelled = [v.label(n) for v, n in zip(recovered, LOAN_FLOWS, strict=True)]
    columns, group = _grouped([loans.c.currency_code, *labelled], r.c.paid_on, by_day)
    inner = (
        select(*columns)
        .select_from(r)
        .join(loans, loans.c.id == r.c.loan_id)
        .where(
            r.c.programme_id == rg.c.programme_id,
            r.c.kind == RepaymentKind.RECOVERY,
            _in_range(r.c.paid_on, rg),
            ~exists().where(repayments.c.reverses_id == r.c.id),
            scope.where(r.c.programme_id),
        )
        .group_by(*group)
    )
    parts.append(_per_range(rg, inner, "recovered", by_day))
    both = union_all(*parts).subquery("flows")
    keys = [both.c.key] if by_day else [both.c.key, both.c.last_day]
    return select(
        both.c.programme_id,
        both.c.currency_code,
        *keys,
        *(func.sum(both.c[name]).label(name) for name in LOAN_FLOWS),
    ).group_by(both.c.programme_id, both.c.currency_code, *keys)


def repayment_flows(
    scope: Scope,
    ranges: Sequence[Range],
    *,
    today: date | None = None,
    trust_settled_dates: bool = True,
    by_day: bool = False,
) -> Query:
    """For the installments due in each range: the amount due, and the amount received by each
    one's due date: the loan's standing repayments up to that day poured into its schedule
    (as in `loan_stocks_at`). Installments of a loan written off before they fell due are not
    due.

    Derived state spares the ledger for most installments (tests check both ways agree): one
    settled by its due date (installments.paid_on) got all of it; one due `today` or later
    got what it has been paid so far, since no repayment is dated after today."""
    stmt = _repayment_flows(scope, today is not None, trust_settled_dates, by_day)
    return Query(stmt, _range_params(ranges) | ({"today": today} if today else {}))


@cache
def _repayment_flows(
    scope: Scope, today: bool, trust_settled_dates: bool, by_day: bool
) -> Select[Any]:
    rg = _ranges()
    both = union_all(
        *(
            _per_range(rg, due, name, by_day)
            for name, due in (
                ("due", _amounts_due(scope, installments, today, trust_settled_dates, by_day, rg)),
                (
                    "superseded_due",
                    _amounts_due(scope, superseded_installments, False, False, by_day, rg),
                ),
            )
        )
    ).subquery("repayment_flows")
    keys = [both.c.key] if by_day else [both.c.key, both.c.last_day]
    return select(
        both.c.programme_id,
        both.c.currency_code,
        *keys,
        *(func.sum(both.c[name]).label(name) for name in REPAYMENT_FLOWS),
    ).group_by(both.c.programme_id, both.c.currency_code, *keys)


def _amounts_due(
    scope: Scope, lines: Any, today: bool, trust_settled_dates: bool, by_day: bool, rg: Any
) -> Select[Any]:
    """The installments of `lines` (the schedules in force, or those a rescheduling replaced)
    due in a range while their schedule was in force, per currency (and day)."""
    i = lines
    r, earlier = repayments.alias("r"), lines.alias("earlier")
    total = i.c.principal_due + i.c.interest_due
    paid_by_due = (
        select(func.coalesce(func.sum(r.c.amount), 0))
        .where(r.c.loan_id == i.c.loan_id, r.c.paid_on <= i.c.due_on, _standing(r))
        .scalar_subquery()
    )
    same_schedule = [earlier.c.version == i.c.version] if "version" in i.c else []
    due_before = (
        select(func.coalesce(func.sum(earlier.c.principal_due + earlier.c.interest_due), 0))
        .where(earlier.c.loan_id == i.c.loan_id, earlier.c.number < i.c.number, *same_schedule)
        .scalar_subquery()
    )
    received: Any = func.least(total, func.greatest(0, paid_by_due - due_before))
    if trust_settled_dates:
        shortcuts: list[tuple[Any, Any]] = [(i.c.paid_on <= i.c.due_on, total)]
        if today:
            shortcuts.append((i.c.due_on >= TODAY, i.c.principal_paid + i.c.interest_paid))
        received = case(*shortcuts, else_=received)
    labelled = [
        func.sum(total).label("amount_due"),
        func.sum(received).label("amount_received_on_time"),
    ]
    # A rescheduling keeps what was paid as lines of the new schedule dated before it: those
    # fell due under the schedule it replaced.
    in_force = [or_(i.c.in_force_from.is_(None), i.c.in_force_from <= i.c.due_on)]
    if "superseded_on" in i.c:
        in_force.append(i.c.due_on < i.c.superseded_on)
    columns, group = _grouped([loans.c.currency_code, *labelled], i.c.due_on, by_day)
    return (
        select(*columns)
        .select_from(i)
        .join(loans, loans.c.id == i.c.loan_id)
        .where(
            i.c.programme_id == rg.c.programme_id,
            _in_range(i.c.due_on, rg),
            *in_force,
            not_(and_(loans.c.status == LoanStatus.WRITTEN_OFF, loans.c.closed_on < i.c.due_on)),
            scope.where(i.c.programme_id),
        )
        .group_by(*group)
    )


@cache
def _daily_repayment_flows(scope: Scope) -> Select[Any]:
    """`repayment_flows` of the programme `programme` by day, from `since` through `through`,
    in one pass for the refresh: rows of (currency_code, day, REPAYMENT_FLOWS).

    An installment settled by its due date got all of it; for the others, what the loan's
    standing repayments up to that day paid beyond the earlier installments: the repayments
    and those installments in one stream per loan, ordered by day (a day's repayments before
    its installments), whose running sum is what was paid by each due date. So no
    installment looks its loan's ledger up by itself."""
    i, r = installments, repayments.alias("r")
    total = i.c.principal_due + i.c.interest_due
    due = and_(
        i.c.programme_id == PROGRAMME,
        scope.where(i.c.programme_id),
        i.c.due_on >= SINCE,
        i.c.due_on <= THROUGH,
        not_(and_(loans.c.status == LoanStatus.WRITTEN_OFF, loans.c.closed_on < i.c.due_on)),
    )
    schedule = (
        select(
            i.c.loan_id,
            i.c.due_on,
            i.c.paid_on,
            loans.c.currency_code,
            total.label("total"),
            (func.sum(total).over(partition_by=i.c.loan_id, order_by=i.c.number) - total).label(
                "due_before"
            ),
            due.label("counted"),
        )
        .join(loans, loans.c.id == i.c.loan_id)
        .where(i.c.programme_id == PROGRAMME, i.c.due_on <= THROUGH)
        .cte("schedule")
    )
    sc = schedule.c
    settled = and_(sc.paid_on.is_not(None), sc.paid_on <= sc.due_on)
    late = and_(sc.counted, not_(settled))
    zero = literal(0)
    stream = union_all(
        select(
            sc.loan_id,
            sc.due_on.label("day"),
            literal(1).label("kind"),
            sc.currency_code,
            sc.total,
            sc.due_before,
            zero.label("amount"),
        ).where(late),
        select(
            r.c.loan_id,
            r.c.paid_on,
            literal(0),
            literal(None, CHAR(3)),
            zero,
            zero,
            r.c.amount,
        ).where(
            r.c.programme_id == PROGRAMME,
            r.c.paid_on <= THROUGH,
            _standing(r),
            r.c.loan_id.in_(select(sc.loan_id).where(late)),
        ),
    ).subquery("stream")
    st = stream.c
    paid_by_due = func.sum(st.amount).over(
        partition_by=st.loan_id, order_by=(st.day, st.kind), rows=(None, 0)
    )
    ordered = select(stream, paid_by_due.label("paid_by_due")).subquery("ordered")
    o = ordered.c
    received = func.least(o.total, func.greatest(0, o.paid_by_due - o.due_before))
    parts = union_all(
        select(o.currency_code, o.day, o.total, received.label("received")).where(o.kind == 1),
        select(sc.currency_code, sc.due_on, sc.total, sc.total).where(sc.counted, settled),
    ).subquery("parts")
    pt = parts.c
    return select(
        PROGRAMME.label("programme_id"),
        pt.currency_code,
        pt.day.label("key"),
        func.sum(pt.total).label("amount_due"),
        func.sum(pt.received).label("amount_received_on_time"),
    ).group_by(pt.currency_code, pt.day)


def retention(scope: Scope, ranges: Sequence[Range], *, by_day: bool = False) -> Query:
    """Loans repaid in full in each range, and those whose borrower took a next loan (disbursed
    after it) within RETENTION_DAYS of repaying it."""
    return Query(_retention(scope, by_day), _range_params(ranges))


@cache
def _retention(scope: Scope, by_day: bool) -> Select[Any]:
    rg = _ranges()
    following = loans.alias("next_loan")
    took_next = exists().where(
        following.c.member_id == loans.c.member_id,
        following.c.disbursed_on > loans.c.disbursed_on,
        following.c.disbursed_on <= loans.c.closed_on + RETENTION_DAYS,
    )
    labelled = [
        func.count().label("loans_repaid"),
        func.sum(case((took_next, 1), else_=0)).label("borrowers_retained"),
    ]
    columns, group = _grouped([loans.c.currency_code, *labelled], loans.c.closed_on, by_day)
    repaid = (
        select(*columns)
        .where(
            loans.c.programme_id == rg.c.programme_id,
            _in_range(loans.c.closed_on, rg),
            loans.c.status == LoanStatus.REPAID,
            scope.where(loans.c.programme_id),
        )
        .group_by(*group)
    )
    return _per_range(rg, repaid, "repaid", by_day)


# Daily stock snapshots: the stocks on every day they change ------------------------------

PROGRAMME = bindparam("programme", type_=Uuid())
SINCE = bindparam("since", type_=Date())
THROUGH = bindparam("through", type_=Date())
FOREVER = cast(literal("infinity"), Date())
STOCK_COLUMNS = LOAN_STOCKS + SAVINGS_STOCKS + OUTREACH_STOCKS


def _open_since(day: Any) -> Any:
    """A loan disbursed and outstanding at the end of some day on or after `day`."""
    return and_(
        loans.c.disbursed_on.is_not(None),
        or_(
            loans.c.closed_on.is_(None),
            loans.c.closed_on > func.greatest(loans.c.disbursed_on, day - 1),
        ),
    )


def _loan_stock_changes(scope: Scope) -> Any:
    """The changes each day made to the loan stocks of the programme `programme` (currency_code,
    day, LOAN_STOCKS), on the days from `since` on, from the loans outstanding then.

    A loan's state (`_poured`: outstanding principal, oldest unpaid due date) changes on its
    disbursement day and on the days of its standing repayments until it closes: each state
    holds from its day to the next one (or the close). It adds its outstanding to the GLP for
    that span, and to PAR30 (PAR90) from the day its oldest unpaid installment becomes more
    than 30 (90) days late. A borrower counts for the spans her loans in that currency
    overlap (first-cycle: her first-cycle loans)."""
    mine = and_(loans.c.programme_id == PROGRAMME, scope.where(loans.c.programme_id))
    wanted = and_(mine, _open_since(SINCE))
    r = repayments.alias("r")
    paid_days = (
        select(
            r.c.loan_id.label("id"),
            func.greatest(r.c.paid_on, loans.c.disbursed_on).label("day"),
            r.c.amount,
        )
        .join(loans, loans.c.id == r.c.loan_id)
        .where(r.c.programme_id == PROGRAMME, _standing(r), wanted)
    )
    disbursed = select(
        loans.c.id, loans.c.disbursed_on.label("day"), literal(0).label("amount")
    ).where(wanted)
    # A rescheduling puts a new schedule in force: her state changes that day too.
    old = superseded_installments
    reschedulings = (
        select(old.c.loan_id, old.c.superseded_on)
        .where(old.c.programme_id == PROGRAMME)
        .distinct()
        .subquery("reschedulings")
    )
    rescheduled_days = (
        select(reschedulings.c.loan_id, reschedulings.c.superseded_on, literal(0))
        .select_from(reschedulings)
        .join(loans, loans.c.id == reschedulings.c.loan_id)
        .where(wanted)
    )
    first_rescheduled = (
        select(reschedulings.c.loan_id, func.min(reschedulings.c.superseded_on).label("since"))
        .group_by(reschedulings.c.loan_id)
        .subquery("first_rescheduled")
    )
    both = union_all(paid_days, disbursed, rescheduled_days).subquery("moves")
    daily = (
        select(both.c.id, both.c.day, func.sum(both.c.amount).label("amount"))
        .group_by(both.c.id, both.c.day)
        .subquery("daily")
    )
    paid = func.sum(daily.c.amount).over(partition_by=daily.c.id, order_by=daily.c.day)
    with_paid = (
        select(
            loans.c.id,
            loans.c.principal,
            loans.c.currency_code,
            loans.c.closed_on,
            daily.c.day,
            paid.label("paid"),
            first_rescheduled.c.since.label("rescheduled_since"),
        )
        .select_from(daily)
        .join(loans, loans.c.id == daily.c.id)
        .outerjoin(first_rescheduled, first_rescheduled.c.loan_id == daily.c.id)
        .subquery("with_paid")
    )
    ids = select(loans.c.id).where(wanted)
    p = _poured(with_paid, ids, programme=PROGRAMME).c
    ends = func.coalesce(func.lead(p.day).over(partition_by=p.id, order_by=p.day), p.closed_on)
    states = (
        select(
            p.currency_code,
            p.day.label("s"),
            ends.label("e"),
            p.outstanding.label("v"),
            p.oldest,
            p.rescheduled_since.label("r"),
        )
        .where(or_(p.closed_on.is_(None), p.day < p.closed_on))
        .cte("states")  # read six times below: computed once
    )
    st = states.c

    def at_risk(days: int) -> Any:
        return case(
            (
                and_(
                    st.oldest.is_not(None),
                    or_(st.e.is_(None), func.greatest(st.s, st.oldest + days + 1) < st.e),
                ),
                func.greatest(st.s, st.oldest + days + 1),
            )
        )

    def from_rescheduling(start: Any) -> Any:
        """The day from which the span counts as rescheduled too (from `start` on), if any."""
        return case(
            (
                and_(
                    start.is_not(None),
                    st.r.is_not(None),
                    or_(st.e.is_(None), func.greatest(start, st.r) < st.e),
                ),
                func.greatest(start, st.r),
            )
        )

    zero = literal(0)
    a30, a90 = at_risk(PAR30_DAYS), at_risk(PAR90_DAYS)
    r0, r30 = from_rescheduling(st.s), from_rescheduling(a30)
    v = st.v
    # (day, GLP, PAR30, PAR90, rescheduled portfolio, rescheduled at risk 30): each span adds
    # its outstanding from its start and takes it off at its end.
    moves = [
        (st.s, v, zero, zero, zero, zero),
        (st.e, -v, zero, zero, zero, zero),
        (a30, zero, v, zero, zero, zero),
        (case((a30.is_not(None), st.e)), zero, -v, zero, zero, zero),
        (a90, zero, zero, v, zero, zero),
        (case((a90.is_not(None), st.e)), zero, zero, -v, zero, zero),
        (r0, zero, zero, zero, v, zero),
        (case((r0.is_not(None), st.e)), zero, zero, zero, -v, zero),
        (r30, zero, zero, zero, zero, v),
        (case((r30.is_not(None), st.e)), zero, zero, zero, zero, -v),
    ]
    portfolio = union_all(
        *(
            select(
                st.currency_code,
                day.label("day"),
                glp.label("gross_loan_portfolio"),
                par30.label("portfolio_at_risk_30"),
                par90.label("portfolio_at_risk_90"),
                zero.label("active_loans"),
                zero.label("active_borrowers"),
                zero.label("first_cycle_borrowers"),
                resc.label("rescheduled_portfolio"),
                resc30.label("rescheduled_at_risk_30"),
            ).where(day.is_not(None), day >= SINCE)
            for day, glp, par30, par90, resc, resc30 in moves
        ),
        *_counted_spans(wanted),
    ).subquery("loan_moves")
    lm = portfolio.c
    return select(
        lm.currency_code,
        lm.day,
        *(func.sum(lm[name]).label(name) for name in LOAN_STOCKS),
    ).group_by(lm.currency_code, lm.day)


def _counted_spans(wanted: Any) -> list[Select[Any]]:
    """Active loans (+1 on disbursement, -1 on closing) and borrowers: the spans a member's
    loans in a currency overlap (islands), +1 at the first day, -1 at the end."""
    l_ = loans.c
    zero, one = literal(0), literal(1)
    out: list[Select[Any]] = []
    for day, sign in ((l_.disbursed_on, one), (l_.closed_on, -one)):
        out.append(
            select(
                l_.currency_code,
                day.label("day"),
                zero,
                zero,
                zero,
                sign,
                zero,
                zero,
                zero,
                zero,
            ).where(wanted, day.is_not(None), day >= SINCE)
        )
    for first_cycle in (False, True):
        spans = select(
            l_.currency_code,
            l_.member_id,
            l_.disbursed_on.label("s"),
            func.coalesce(l_.closed_on, FOREVER).label("e"),
        ).where(wanted, *([l_.cycle == 1] if first_cycle else []))
        sp = spans.subquery(f"loan_spans_{int(first_cycle)}")
        before = func.max(sp.c.e).over(
            partition_by=(sp.c.currency_code, sp.c.member_id),
            order_by=(sp.c.s, sp.c.e),
            rows=(None, -1),
        )
        starts = select(
            sp, case((or_(before.is_(None), sp.c.s > before), 1), else_=0).label("new")
        ).subquery(f"starts_{int(first_cycle)}")
        island = func.sum(starts.c.new).over(
            partition_by=(starts.c.currency_code, starts.c.member_id),
            order_by=(starts.c.s, starts.c.e),
        )
        numbered = select(starts, island.label("island")).subquery(f"numbered_{int(first_cycle)}")
        n = numbered.c
        islands = (
            select(n.currency_code, func.min(n.s).label("s"), func.max(n.e).label("e"))
            .group_by(n.currency_code, n.member_id, n.island)
            .subquery(f"islands_{int(first_cycle)}")
        )
        i = islands.c
        for day, sign in ((i.s, one), (i.e, -one)):
            counts = (zero, sign) if first_cycle else (sign, zero)
            out.append(
                select(i.currency_code, day, zero, zero, zero, zero, *counts, zero, zero).where(
                    day >= SINCE, day != FOREVER
                )
            )
    return out


@cache
def _stock_changes(scope: Scope) -> Select[Any]:
    """The stocks of the programme `programme` on each day from `since` through `through` that
    they change, per currency: the latest snapshot before `since` plus the running sums of
    the changes (loans, savings, outreach) from then on."""
    one_programme = lambda c: and_(c == PROGRAMME, scope.where(c))  # noqa: E731
    savings = _savings_changes(one_programme)
    outreach = _outreach_changes(one_programme)
    zero = literal(0)

    def aligned(sub: Any, columns: Sequence[str]) -> Select[Any]:
        return select(
            sub.c.currency_code,
            sub.c.day,
            *((sub.c[name] if name in columns else zero).label(name) for name in STOCK_COLUMNS),
        ).where(sub.c.day >= SINCE)

    loans_changes = _loan_stock_changes(scope).subquery("loan_changes")
    every = union_all(
        aligned(loans_changes, LOAN_STOCKS),
        aligned(savings, SAVINGS_STOCKS),
        aligned(outreach, OUTREACH_STOCKS),
    ).subquery("every")
    e = every.c
    changes = (
        select(e.currency_code, e.day, *(func.sum(e[name]).label(name) for name in STOCK_COLUMNS))
        .where(e.day <= THROUGH)
        .group_by(e.currency_code, e.day)
        .subquery("by_day")
    )
    t = stocks_table
    base = (
        select(t)
        .where(t.c.programme_id == PROGRAMME, t.c.day < SINCE)
        .ext(distinct_on(t.c.currency_code))
        .order_by(t.c.currency_code, t.c.day.desc())
        .subquery("base")
    )
    c = changes.c
    return select(
        PROGRAMME.label("programme_id"),
        c.currency_code,
        c.day,
        *(
            (
                func.coalesce(base.c[name], 0)
                + func.sum(c[name]).over(partition_by=c.currency_code, order_by=c.day)
            ).label(name)
            for name in STOCK_COLUMNS
        ),
    ).outerjoin(base, base.c.currency_code == c.currency_code)


def stock_snapshots(scope: Scope, keys: Sequence[Key]) -> Query:
    """The stocks at the end of each (programme, day) key: the latest daily snapshot on or
    before the day, per currency; `key` is the day."""
    return Query(_stock_snapshots(scope), _key_params(keys))


@cache
def _stock_snapshots(scope: Scope) -> Select[Any]:
    k = _keys()
    t = stocks_table
    c = Currency.__table__
    # Per key and currency, the latest row by the primary key (programme, currency, day):
    # one index probe each, however many days the snapshots hold.
    latest = (
        select(t)
        .where(
            t.c.programme_id == k.c.programme_id,
            t.c.currency_code == c.c.code,
            t.c.day <= k.c.day,
            scope.where(t.c.programme_id),
        )
        .order_by(t.c.day.desc())
        .limit(1)
        .lateral("latest")
    )
    return (
        select(
            k.c.programme_id,
            k.c.day.label("key"),
            latest.c.currency_code,
            *(latest.c[name] for name in STOCK_COLUMNS),
        )
        .select_from(k)
        .join(c, true())
        .join(latest, true())
    )


def day_snapshots(scope: Scope, ranges: Sequence[Range], columns: tuple[str, ...]) -> Query:
    """The daily flows' `columns` summed over each range; `key` is the range's first day."""
    return Query(_day_snapshots(scope, columns), _range_params(ranges))


@cache
def _day_snapshots(scope: Scope, columns: tuple[str, ...]) -> Select[Any]:
    rg = _ranges()
    d = days_table
    summed = (
        select(d.c.currency_code, *(func.sum(d.c[name]).label(name) for name in columns))
        .where(
            d.c.programme_id == rg.c.programme_id,
            _in_range(d.c.day, rg),
            scope.where(d.c.programme_id),
        )
        .group_by(d.c.currency_code)
    )
    return _per_range(rg, summed, "days", by_day=False)


async def rows(session: AsyncSession, query: Query) -> list[RowMapping]:
    return list((await session.execute(query.statement, query.params)).mappings())


# Rates -----------------------------------------------------------------------------------


async def rates_in_force(session: AsyncSession, months: Sequence[date]) -> list[RowMapping]:
    """For every currency and each month, the rates of that month or, if none yet, of the
    latest month before it."""
    return await rows(session, Query(_rates_in_force(), {"months": sorted(set(months))}))


@cache
def _rates_in_force() -> Select[Any]:
    wanted = (
        func.unnest(bindparam("months", type_=ARRAY(Date())))
        .table_valued(column("month", Date()))
        .render_derived(name="wanted")
    )
    c = Currency.__table__
    latest = (
        select(rates.c.month, rates.c.closing_rate, rates.c.average_rate)
        .where(rates.c.currency_code == c.c.code, rates.c.month <= wanted.c.month)
        .order_by(rates.c.month.desc())
        .limit(1)
        .lateral("latest")
    )
    return (
        select(
            c.c.code.label("currency_code"),
            wanted.c.month.label("wanted_month"),
            latest.c.month,
            latest.c.closing_rate,
            latest.c.average_rate,
        )
        .select_from(c)
        .join(wanted, true())
        .join(latest, true())
    )


# The plan: which source answers what -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a programme's snapshots hold: the stocks of month ends and the flows of days up to
    `valid_through`, the retention counts of days up to `retention_valid_through`."""

    valid_through: date | None = None
    retention_valid_through: date | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """What one report asks: stocks at the end of `as_of`, flows over [first_day, last_day]
    (not after today), and the GLP at `glp_days` (for the period's average GLP)."""

    as_of: date
    first_day: date
    last_day: date
    glp_days: tuple[date, ...]


def stocks_only(as_of: date) -> Window:
    """A window that asks only the stocks at the end of `as_of` (its period is empty)."""
    return Window(as_of, as_of + timedelta(days=1), as_of, ())


@dataclass(frozen=True, slots=True)
class Piece:
    """Part of a period: days the snapshots cover, or days the ledger answers."""

    first_day: date
    last_day: date
    snapshot: bool


def pieces(first_day: date, last_day: date, covered_through: date | None) -> list[Piece]:
    """[first_day, last_day] as the days up to `covered_through`, then the days after it."""
    if first_day > last_day:
        return []
    if covered_through is None or covered_through < first_day:
        return [Piece(first_day, last_day, snapshot=False)]
    if covered_through >= last_day:
        return [Piece(first_day, last_day, snapshot=True)]
    return [
        Piece(first_day, covered_through, snapshot=True),
        Piece(covered_through + timedelta(days=1), last_day, snapshot=False),
    ]


def retention_days(window: Window, today: date) -> tuple[date, date]:
    """The repayments whose retention a window counts: in its period, and RETENTION_DAYS
    over by today (before that, a next loan may still come)."""
    return window.first_day, min(window.last_day, today - timedelta(days=RETENTION_DAYS + 1))


class Source:
    LIVE = "live"  # derived state, today
    SNAPSHOT = "snapshot"
    LEDGER = "ledger"


def stock_source(day: date, today: date, coverage: Coverage) -> str:
    if day == today:
        return Source.LIVE
    covered = coverage.valid_through
    if covered is not None and day <= covered:
        return Source.SNAPSHOT
    return Source.LEDGER


@dataclass
class Plan:
    """The ranges and days a set of windows needs, per programme and source."""

    today: date
    needs: Needs = EVERYTHING
    snapshot_days: set[Key] = field(default_factory=set)
    ledger_days: set[Key] = field(default_factory=set)
    ledger_glp_days: set[Key] = field(default_factory=set)
    snapshot_flows: set[Range] = field(default_factory=set)
    ledger_flows: set[Range] = field(default_factory=set)
    snapshot_retention: set[Range] = field(default_factory=set)
    ledger_retention: set[Range] = field(default_factory=set)


def live_families(windows: Sequence[Window], today: date, needs: Needs) -> list[str]:
    """The families asked as of today (from derived state: `live_statements`): the stocks
    the needs ask if a window ends today, the loan stocks if the average GLP reaches today."""
    wanted: set[str] = set()
    if any(w.as_of == today for w in windows):
        wanted.update(f for f in STOCK_FAMILIES if f in needs.families)
    if any(today in w.glp_days for w in windows):
        wanted.add("loan_stocks")
    return [f for f in STOCK_FAMILIES if f in wanted]


# The statements of today's stocks by family, and the family each reads.
LIVE: dict[str, tuple[Callable[[Scope, bool], Select[Any]], str]] = {
    "loan_stocks_today": (_loan_stocks_today, "loan_stocks"),
    "savings_now": (_savings_now, "savings"),
    "outreach_now": (_outreach_now, "outreach"),
}


def live_statements(
    scope: Scope, codes: Sequence[str] | None, today: date, families: Sequence[str]
) -> dict[str, Query]:
    """The stocks as of today of `families` (`live_families`), in that order: they need no
    plan, so they can start at once."""
    by_family = {family: (name, build) for name, (build, family) in LIVE.items()}
    return {
        by_family[f][0]: Query(
            by_family[f][1](scope, codes is not None), _today_params(codes, today)
        )
        for f in families
    }


def plan(
    windows: Sequence[Window],
    coverage: dict[uuid.UUID, Coverage],
    today: date,
    needs: Needs = EVERYTHING,
) -> Plan:
    """What the snapshots and the ledger must answer, per programme (the rest is live), for
    the families the needs ask only."""
    p = Plan(today, needs)
    stocks = any(f in needs.families for f in STOCK_FAMILIES)
    flows = bool(needs.columns("loan_flows", "repayment_flows"))
    for pid, cover in coverage.items():
        for w in windows:
            asked = [(w.as_of, False)] if stocks else []
            for day, glp_only in [*asked, *((d, True) for d in w.glp_days)]:
                source = stock_source(day, today, cover)
                if source == Source.LIVE:
                    continue
                if source == Source.SNAPSHOT:
                    p.snapshot_days.add((pid, day))
                else:
                    (p.ledger_glp_days if glp_only else p.ledger_days).add((pid, day))
            if flows:
                for piece in pieces(w.first_day, w.last_day, cover.valid_through):
                    into = p.snapshot_flows if piece.snapshot else p.ledger_flows
                    into.add((pid, piece.first_day, piece.last_day))
            if "retention" in needs.families:
                first, last = retention_days(w, today)
                for piece in pieces(first, last, cover.retention_valid_through):
                    into = p.snapshot_retention if piece.snapshot else p.ledger_retention
                    into.add((pid, piece.first_day, piece.last_day))
    if "loan_stocks" in needs.families:
        p.ledger_glp_days -= p.ledger_days
    return p


def plan_loan_stocks(keys: Sequence[Key], coverage: dict[uuid.UUID, Coverage], today: date) -> Plan:
    """What the snapshots and the ledger must answer for the loan stocks (GLP, borrowers,
    PAR) of each (programme, day) key only (the rest is live)."""
    p = Plan(today, Needs(frozenset({"loan_stocks"})))
    for pid, day in keys:
        source = stock_source(day, today, coverage[pid])
        if source == Source.SNAPSHOT:
            p.snapshot_days.add((pid, day))
        elif source == Source.LEDGER:
            p.ledger_glp_days.add((pid, day))
    return p


FLOWS_BUT_RETENTION = LOAN_FLOWS + REPAYMENT_FLOWS


def statements(scope: Scope, p: Plan) -> dict[str, Query]:
    """The plan's statements by name: run each on its own session, concurrently if you like."""
    out: dict[str, Query] = {}
    wanted = p.needs.families
    if p.snapshot_days:
        out["stock_snapshots"] = stock_snapshots(scope, sorted(p.snapshot_days))
    ledger = sorted((p.ledger_days if "loan_stocks" in wanted else set()) | p.ledger_glp_days)
    if ledger:
        out["loan_stocks_at"] = loan_stocks_at(scope, ledger)
    if p.ledger_days and "savings" in wanted:
        out["savings_at"] = savings_at(scope, sorted(p.ledger_days))
    if p.ledger_days and "outreach" in wanted:
        out["outreach_at"] = outreach_at(scope, sorted(p.ledger_days))
    if p.snapshot_flows:
        columns = p.needs.columns("loan_flows", "repayment_flows")
        out["flow_snapshots"] = day_snapshots(scope, sorted(p.snapshot_flows), columns)
    if p.ledger_flows and "loan_flows" in wanted:
        out["loan_flows"] = loan_flows(scope, sorted(p.ledger_flows))
    if p.ledger_flows and "repayment_flows" in wanted:
        out["repayment_flows"] = repayment_flows(scope, sorted(p.ledger_flows), today=p.today)
    if p.snapshot_retention:
        out["retention_snapshots"] = day_snapshots(scope, sorted(p.snapshot_retention), RETENTION)
    if p.ledger_retention:
        out["retention"] = retention(scope, sorted(p.ledger_retention))
    return out


# Keeping the snapshots ---------------------------------------------------------------------


async def _upsert(
    session: AsyncSession, model: Any, key: str, query: Query, columns: Sequence[str]
) -> None:
    """INSERT a family's rows into a snapshot table (`key`: its month or day), or update those
    columns of rows already there."""
    sub = query.statement.subquery("family")
    day: Any = sub.c.key
    if key == "month":
        day = cast(func.date_trunc("month", sub.c.key), Date())
    source = select(
        sub.c.programme_id, day.label(key), sub.c.currency_code, *(sub.c[n] for n in columns)
    )
    ins = insert(model.__table__).from_select(
        ["programme_id", key, "currency_code", *columns], source
    )
    upsert = ins.on_conflict_do_update(
        index_elements=["programme_id", key, "currency_code"],
        set_={name: ins.excluded[name] for name in columns},
    )
    await session.execute(upsert, query.params)


async def _first_day(session: AsyncSession, programme_id: uuid.UUID) -> date:
    """The programme's first recorded activity (or its start)."""
    p = programme_id
    candidates = [
        select(programmes.c.started_on).where(programmes.c.id == p),
        select(func.min(loans.c.disbursed_on)).where(loans.c.programme_id == p),
        select(func.min(groups.c.formed_on)).where(groups.c.programme_id == p),
        select(func.min(memberships.c.joined_on)).where(memberships.c.programme_id == p),
        select(func.min(transactions.c.occurred_on)).where(transactions.c.programme_id == p),
    ]
    first: date | None = await session.scalar(
        select(func.least(*(c.scalar_subquery() for c in candidates)))
    )
    assert first is not None, "a programme has a start date"
    return first


def _after(day: date | None, first: date) -> date:
    return first if day is None else day + timedelta(days=1)


async def refresh_programme(
    session: AsyncSession, scope: Scope, programme_id: uuid.UUID, *, today: date
) -> int:
    """Bring a programme's snapshots up to yesterday, from the ledger: the stocks and the flows
    of the days after `valid_through`, the retention of the days after
    `retention_valid_through` whose RETENTION_DAYS are over.

    Run it in its own transaction: it holds the programme's refresh lock until the commit,
    so no write that lands on a covered day can commit while it computes. Returns the number
    of days computed.
    """
    # Long sorts and hashes over a programme's ledger: give them memory.
    await session.execute(text("SET LOCAL work_mem = '256MB'"))
    lock_key = func.hashtext(cast(literal(programme_id, Uuid()), Text))
    await session.execute(select(func.pg_advisory_xact_lock(REFRESH_LOCK, lock_key)))
    found = (
        (await session.execute(select(state).where(state.c.programme_id == programme_id)))
        .mappings()
        .first()
    )
    valid = found["valid_through"] if found else None
    retention_valid = found["retention_valid_through"] if found else None
    first = await _first_day(session, programme_id) if found is None else date.min
    through = today - timedelta(days=1)
    retention_through = today - timedelta(days=RETENTION_DAYS + 1)
    start, retention_start = _after(valid, first), _after(retention_valid, first)
    d, k = days_table.c, stocks_table.c
    await session.execute(
        delete(IndicatorDay).where(d.programme_id == programme_id, d.day >= start)
    )
    await session.execute(
        delete(IndicatorStock).where(k.programme_id == programme_id, k.day >= start)
    )
    await session.execute(
        update(IndicatorDay)
        .where(d.programme_id == programme_id, d.day >= retention_start)
        .values(loans_repaid=0, borrowers_retained=0)
    )
    if start <= through:
        days = [(programme_id, start, through)]
        one = {"programme": programme_id, "since": start, "through": through}
        families: list[tuple[Any, str, Query, Sequence[str]]] = [
            (IndicatorDay, "day", loan_flows(scope, days, by_day=True), LOAN_FLOWS),
            (IndicatorDay, "day", Query(_daily_repayment_flows(scope), one), REPAYMENT_FLOWS),
        ]
        for table, key, query, columns in families:
            await _upsert(session, table, key, query, columns)
        target: Any = IndicatorStock.__table__
        stocks = _stock_changes(scope)
        await session.execute(
            insert(target).from_select(
                ["programme_id", "currency_code", "day", *STOCK_COLUMNS], stocks
            ),
            one,
        )
    if retention_start <= retention_through:
        repaid = [(programme_id, retention_start, retention_through)]
        await _upsert(
            session, IndicatorDay, "day", retention(scope, repaid, by_day=True), RETENTION
        )
    values = {
        "valid_through": max(through, valid) if valid else through,
        "retention_valid_through": (
            max(retention_through, retention_valid) if retention_valid else retention_through
        ),
        "refreshed_at": func.now(),
    }
    upsert_state = insert(IndicatorState).values(programme_id=programme_id, **values)
    await session.execute(
        upsert_state.on_conflict_do_update(index_elements=["programme_id"], set_=values)
    )
    return max(0, (through - start).days + 1)


async def refresh(
    database: Database,
    *,
    today: date,
    scope: Scope | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    workers: int | None = None,
) -> int:
    """Refresh every programme's snapshots (`refresh_programme`), one transaction each, so a
    programme's writes wait at most for its own refresh. Returns the days computed.

    `workers` programmes at a time (default: the CPU count), the largest first: each
    programme's statements run on one PostgreSQL backend, so a refresh of the whole network
    uses every core.

    Run it after loading data (`seed`), and daily (`edm-graph indicators refresh`): it
    computes yesterday, what a back-dated write made stale, and the retention of the day
    whose 90 days just ended. Reads stay right without it, only slower: what the snapshots do
    not cover is computed from the ledger.
    """
    scope = scope or Scope.network()
    size = select(func.count()).where(loans.c.programme_id == programmes.c.id).scalar_subquery()
    async with database.read() as session:
        stmt = select(programmes.c.id, programmes.c.code).where(
            scope.where(programmes.c.id),
            # A replicated programme's snapshots arrive from its own database, which keeps them.
            programmes.c.id.not_in(select(ReplicatedProgramme.programme_id)),
        )
        found = (await session.execute(stmt.order_by(size.desc(), programmes.c.code))).all()
    queue = list(reversed(found))
    computed, done = 0, 0

    async def work() -> None:
        nonlocal computed, done
        while queue:
            programme_id, code = queue.pop()
            async with database.transaction() as session:
                computed += await refresh_programme(session, scope, programme_id, today=today)
            done += 1
            if progress is not None:
                progress(f"indicators {code}", done, len(found))

    await asyncio.gather(*(work() for _ in range(max(1, workers or os.cpu_count() or 1))))
    return computed


__all__ = [
    "Coverage",
    "EVERYTHING",
    "FAMILIES",
    "Needs",
    "Query",
    "Plan",
    "Window",
    "loan_flows",
    "loan_stocks_at",
    "loan_states",
    "loan_stocks_today",
    "loans_state_on",
    "outstanding_on",
    "outreach_at",
    "outreach_now",
    "plan",
    "plan_loan_stocks",
    "programmes_with",
    "stocks_only",
    "rates_in_force",
    "refresh",
    "refresh_programme",
    "repayment_flows",
    "retention",
    "savings_at",
    "savings_now",
    "selected_programmes",
    "day_snapshots",
    "live_statements",
    "stock_snapshots",
    "live_families",
    "statements",
]
