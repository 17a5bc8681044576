"""Indicator state: the loans' derived state and the daily snapshots say what the ledger
says, on random portfolios; and a write on a covered day pulls the snapshots' validity back."""

import random
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import indicators as q
from db.engine import Database
from db.models import (
    Group,
    GroupMembership,
    Loan,
    Member,
    Repayment,
    SavingsAccount,
    SavingsTransaction,
)
from db.models.indicators import IndicatorDay, IndicatorState, IndicatorStock
from db.scope import Scope
from domain.allocation import InstallmentState, oldest_unpaid_due_on, replay
from domain.enums import (
    Gender,
    GroupStatus,
    InstallmentFrequency,
    InterestMethod,
    RepaymentKind,
    SavingsKind,
    SavingsTransactionKind,
)
from domain.ids import uuid7
from domain.indicators import (
    PAR30_DAYS,
    PAR90_DAYS,
    RETENTION_DAYS,
    add_months,
    month_end,
    month_start,
)
from domain.schedule import build_schedule
from tests.factories import groups as g
from tests.factories import loans as f
from tests.factories import network as n
from tests.factories import savings as sv
from tests.factories.loans import Payment

NETWORK = Scope.network()
TODAY = date.today()


async def random_portfolio(s: AsyncSession, rng: random.Random) -> dict[str, Any]:
    """A programme with random groups, members (some moved, some gone), loans (weekly and
    monthly, flat and declining, part-paid, late, repaid, reversed, written off) and savings,
    over the last 400 days. Returns the programme and its loans as the factories wrote them."""
    p = await n.programme(s)
    facilitator = await g.facilitator(s, p["id"])
    groups = [
        await g.group(s, p["id"], facilitator["id"], formed_on=TODAY - timedelta(days=900))
        for _ in range(3)
    ]
    members = []
    for _ in range(14):
        gender = Gender.MALE if rng.random() < 0.2 else Gender.FEMALE
        joined = TODAY - timedelta(days=rng.randint(500, 800))
        members.append(
            await g.member(s, p["id"], rng.choice(groups)["id"], gender=gender, joined_on=joined)
        )
    for m in rng.sample(members, 3):
        await g.move(
            s, p["id"], m["id"], rng.choice(groups)["id"], TODAY - timedelta(rng.randint(1, 300))
        )
    for m in rng.sample(members, 2):
        await s.execute(
            update(GroupMembership)
            .where(GroupMembership.member_id == m["id"], GroupMembership.left_on.is_(None))
            .values(left_on=TODAY - timedelta(days=rng.randint(1, 200)))
        )
    products = [
        await f.product(
            s,
            p,
            installments=rng.choice([4, 8, 12]),
            installment_frequency=frequency,
            interest_method=method,
            period_rate_percent=Decimal(rng.choice([1, 2, 3])),
            min_principal=Decimal(10_000),
        )
        for frequency in (InstallmentFrequency.WEEKLY, InstallmentFrequency.MONTHLY)
        for method in (InterestMethod.FLAT, InterestMethod.DECLINING_BALANCE)
    ]
    loans = []
    for _ in range(40):
        product = rng.choice(products)
        member = rng.choice(members)
        principal = Decimal(rng.randrange(20_000, 300_000, 5_000))
        disbursed = TODAY - timedelta(days=rng.randint(0, 400))
        schedule = build_schedule(
            principal=principal,
            currency="XOF",
            method=product["interest_method"],
            period_rate_percent=product["period_rate_percent"],
            installments=product["installments"],
            frequency=product["installment_frequency"],
            disbursed_on=disbursed,
        )
        total = sum((line.total_due for line in schedule), Decimal(0))
        payments: list[Payment] = []
        paid = Decimal(0)
        for _ in range(rng.randint(0, 14)):
            if paid >= total or disbursed >= TODAY:
                break
            amount = min(total - paid, Decimal(rng.randrange(1_000, 60_000, 500)))
            if rng.random() < 0.3:
                amount = total - paid  # pays off everything left
            day = disbursed + timedelta(days=rng.randint(0, (TODAY - disbursed).days))
            reversed_on = None
            if rng.random() < 0.12:
                reversed_on = day + timedelta(days=rng.randint(0, (TODAY - day).days))
            # Reversed or not, the payments never ask more than the schedule at any time.
            paid += amount
            payments.append(Payment(day, amount, reversed_on=reversed_on))
        written_off = None
        if paid < total / 2 and disbursed < TODAY - timedelta(days=60) and rng.random() < 0.25:
            latest = max((pay.paid_on for pay in payments), default=disbursed)
            written_off = latest + timedelta(days=rng.randint(1, max(1, (TODAY - latest).days)))
            written_off = min(written_off, TODAY)
        loans.append(
            await f.loan(
                s,
                product,
                member,
                rng.choice(groups)["id"],
                principal=principal,
                disbursed_on=disbursed,
                payments=payments,
                written_off_on=written_off,
                cycle=rng.choice([1, 1, 2, 3]),
            )
        )
    for m in members:
        movements = []
        balance = 0
        for _ in range(rng.randint(0, 6)):
            day = TODAY - timedelta(days=rng.randint(0, 500))
            if balance > 0 and rng.random() < 0.3:
                amount = rng.randint(1, balance)
                movements.append(sv.withdrawal(day, amount))
                balance -= amount
            else:
                amount = rng.randrange(500, 20_000, 500)
                movements.append(sv.deposit(day, amount))
                balance += amount
        # Only keep movements whose running balance, in date order, never goes below zero.
        ordered, running = [], 0
        for mv in sorted(movements, key=lambda mv: mv.occurred_on):
            step = -mv.amount if mv.kind is SavingsTransactionKind.WITHDRAWAL else mv.amount
            if running + step >= 0:
                ordered.append(mv)
                running += int(step)
        await sv.account(s, p, m, movements=ordered)
    return {
        "programme": p,
        "loans": loans,
        "products": products,
        "members": members,
        "groups": groups,
    }


def by_key(rows: Sequence[Any], columns: Sequence[str]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {
        (r["programme_id"], r["currency_code"].strip(), r["key"]): tuple(
            Decimal(r[c] or 0) for c in columns
        )
        for r in rows
        if any(r[c] for c in columns)
    }


async def fetch(db: Database, query: q.Query) -> list[Any]:
    async with db.read() as s:
        return await q.rows(s, query)


@pytest.fixture(scope="module")
async def portfolios(db: Database) -> list[dict[str, Any]]:
    rng = random.Random(2016)
    made = []
    for _ in range(3):
        async with db.transaction() as s:
            made.append(await random_portfolio(s, rng))
    return made


def ids(portfolios: list[dict[str, Any]]) -> list[uuid.UUID]:
    return [x["programme"]["id"] for x in portfolios]


def codes(portfolios: list[dict[str, Any]]) -> list[str]:
    return [x["programme"]["code"] for x in portfolios]


async def test_derived_loan_state_gives_the_ledgers_figures_today(
    db: Database, portfolios: list[dict[str, Any]]
) -> None:
    programmes = ids(portfolios)

    derived = await fetch(db, q.loan_stocks_today(NETWORK, codes(portfolios), TODAY))
    ledger = await fetch(db, q.loan_stocks_at(NETWORK, [(pid, TODAY) for pid in programmes]))

    assert by_key(derived, q.LOAN_STOCKS) == by_key(ledger, q.LOAN_STOCKS)
    # The random portfolios hold every case the rule must get right.
    loans = [loan for x in portfolios for loan in x["loans"]]
    assert {loan["status"].value for loan in loans} == {"ACTIVE", "REPAID", "WRITTEN_OFF"}
    assert any(r["kind"] is RepaymentKind.REVERSAL for loan in loans for r in loan["repayments"])
    assert sum(r["portfolio_at_risk_30"] for r in derived) > 0


async def test_running_savings_and_outreach_totals_give_the_ledgers_figures_today(
    db: Database, portfolios: list[dict[str, Any]]
) -> None:
    programmes = ids(portfolios)
    keys = [(pid, TODAY) for pid in programmes]

    savings = await fetch(db, q.savings_now(NETWORK, codes(portfolios), TODAY))
    savings_ledger = await fetch(db, q.savings_at(NETWORK, keys))
    outreach = await fetch(db, q.outreach_now(NETWORK, codes(portfolios), TODAY))
    outreach_ledger = await fetch(db, q.outreach_at(NETWORK, keys))

    assert by_key(savings, q.SAVINGS_STOCKS) == by_key(savings_ledger, q.SAVINGS_STOCKS)
    assert by_key(outreach, q.OUTREACH_STOCKS) == by_key(outreach_ledger, q.OUTREACH_STOCKS)


async def test_the_running_totals_follow_every_kind_of_write(db: Database) -> None:
    rng = random.Random(5)
    async with db.transaction() as s:
        x = await random_portfolio(s, rng)
    pid = x["programme"]["id"]

    async def same() -> None:
        keys = [(pid, TODAY)]
        assert by_key(
            await fetch(db, q.savings_now(NETWORK, [x["programme"]["code"]], TODAY)),
            q.SAVINGS_STOCKS,
        ) == by_key(await fetch(db, q.savings_at(NETWORK, keys)), q.SAVINGS_STOCKS)
        assert by_key(
            await fetch(db, q.outreach_now(NETWORK, [x["programme"]["code"]], TODAY)),
            q.OUTREACH_STOCKS,
        ) == by_key(await fetch(db, q.outreach_at(NETWORK, keys)), q.OUTREACH_STOCKS)

    await same()
    async with db.transaction() as s:
        # A member takes all her savings out; another opens a voluntary account.
        account = (
            (
                await s.execute(
                    select(SavingsAccount).where(
                        SavingsAccount.programme_id == pid, SavingsAccount.balance > 0
                    )
                )
            )
            .scalars()
            .first()
        )
        assert account is not None
        await s.execute(
            insert(SavingsTransaction).values(
                id=uuid7(),
                programme_id=pid,
                account_id=account.id,
                kind=SavingsTransactionKind.WITHDRAWAL,
                occurred_on=TODAY,
                amount=account.balance,
                balance_after=Decimal(0),
            )
        )
        await s.execute(
            update(SavingsAccount).where(SavingsAccount.id == account.id).values(balance=0)
        )
        await sv.account(
            s,
            x["programme"],
            x["members"][3],
            kind=SavingsKind.VOLUNTARY,
            movements=[sv.deposit(TODAY, 7_500)],
        )
    await same()
    async with db.transaction() as s:
        # A group closes, a member leaves, one moves, one is recorded as a man.
        await s.execute(
            update(Group)
            .where(Group.id == x["groups"][0]["id"])
            .values(status=GroupStatus.CLOSED, closed_on=TODAY)
        )
        await s.execute(
            update(GroupMembership)
            .where(
                GroupMembership.member_id == x["members"][5]["id"],
                GroupMembership.left_on.is_(None),
            )
            .values(left_on=TODAY)
        )
        await g.move(s, pid, x["members"][6]["id"], x["groups"][1]["id"], TODAY)
        await s.execute(update(Member).where(Member.programme_id == pid).values(gender=Gender.MALE))
    await same()
    async with db.transaction() as s:
        # The group reopens; a membership recorded by mistake is deleted.
        await s.execute(
            update(Group)
            .where(Group.id == x["groups"][0]["id"])
            .values(status=GroupStatus.ACTIVE, closed_on=None)
        )
        await s.execute(
            delete(GroupMembership).where(
                GroupMembership.member_id == x["members"][6]["id"],
                GroupMembership.left_on.is_(None),
            )
        )
    await same()


async def test_installments_settled_dates_give_the_ledgers_on_time_amounts(
    db: Database, portfolios: list[dict[str, Any]]
) -> None:
    rng = random.Random(7)
    ranges = []
    for pid in ids(portfolios):
        for _ in range(5):
            first = TODAY - timedelta(days=rng.randint(0, 420))
            ranges.append((pid, first, first + timedelta(days=rng.randint(0, 120))))

    trusting = await fetch(db, q.repayment_flows(NETWORK, ranges))
    ledger = await fetch(db, q.repayment_flows(NETWORK, ranges, trust_settled_dates=False))

    assert by_key(trusting, q.REPAYMENT_FLOWS) == by_key(ledger, q.REPAYMENT_FLOWS)


def replayed(loans: list[dict[str, Any]], day: date) -> tuple[Decimal, Decimal, Decimal, int]:
    """GLP, PAR30, PAR90 amounts and active loans at the end of `day`, by the domain's
    allocation rule replayed in Python over the repayments standing (not reversed)."""
    glp = par30 = par90 = Decimal(0)
    active = 0
    for loan in loans:
        if loan["disbursed_on"] is None or loan["disbursed_on"] > day:
            continue
        if loan["closed_on"] is not None and loan["closed_on"] <= day:
            continue
        reversed_ids = {r["reverses_id"] for r in loan["repayments"] if r["reverses_id"]}
        standing = [
            (r["paid_on"], r["amount"])
            for r in loan["repayments"]
            if r["kind"] is RepaymentKind.REPAYMENT
            and r["id"] not in reversed_ids
            and r["paid_on"] <= day
        ]
        state = replay(
            [
                InstallmentState(i["number"], i["due_on"], i["principal_due"], i["interest_due"])
                for i in loan["schedule"]
            ],
            standing,
        )
        outstanding = loan["principal"] - sum((i.principal_paid for i in state), Decimal(0))
        oldest = oldest_unpaid_due_on(state)
        active += 1
        glp += outstanding
        if oldest is not None and oldest < day - timedelta(days=PAR30_DAYS):
            par30 += outstanding
        if oldest is not None and oldest < day - timedelta(days=PAR90_DAYS):
            par90 += outstanding
    return glp, par30, par90, active


async def test_the_ledger_at_past_days_follows_the_allocation_rule(
    db: Database, portfolios: list[dict[str, Any]]
) -> None:
    rng = random.Random(11)
    days = sorted({TODAY - timedelta(days=rng.randint(0, 420)) for _ in range(12)})
    keys = [(x["programme"]["id"], day) for x in portfolios for day in days]

    found = await fetch(db, q.loan_stocks_at(NETWORK, keys))

    got = {(r["programme_id"], r["key"]): r for r in found}
    for x in portfolios:
        for day in days:
            row = got.get((x["programme"]["id"], day))
            glp, par30, par90, active = replayed(x["loans"], day)
            if row is None:
                assert active == 0
                continue
            assert (row["gross_loan_portfolio"], row["active_loans"]) == (glp, active)
            assert (row["portfolio_at_risk_30"], row["portfolio_at_risk_90"]) == (par30, par90)


@pytest.mark.parametrize("in_two_steps", [False, True])
async def test_snapshots_hold_the_ledgers_figures(
    db: Database, portfolios: list[dict[str, Any]], in_two_steps: bool
) -> None:
    programme = portfolios[0]["programme"]
    async with db.transaction() as s:  # from scratch, whichever case ran first
        await s.execute(
            delete(IndicatorState).where(IndicatorState.programme_id == programme["id"])
        )
    if in_two_steps:  # the second refresh starts from the stocks the first one left
        async with db.transaction() as s:
            await q.refresh_programme(s, NETWORK, programme["id"], today=TODAY - timedelta(200))
    async with db.transaction() as s:
        computed = await q.refresh_programme(s, NETWORK, programme["id"], today=TODAY)
    months = [add_months(month_start(TODAY), -k) for k in range(1, 14)]
    # Month ends and days within months: every covered day is a snapshot.
    days = [d for m in months for d in (m, m + timedelta(days=12), month_end(m))]
    keys = [(programme["id"], d) for d in sorted({*days, TODAY - timedelta(days=1)})]
    ranges = [(programme["id"], m, month_end(m)) for m in months]
    old = [r for r in ranges if r[2] < TODAY - timedelta(days=RETENTION_DAYS)]

    stocks = await fetch(db, q.stock_snapshots(NETWORK, keys))
    flows = await fetch(db, q.day_snapshots(NETWORK, ranges, q.FLOWS_BUT_RETENTION))
    retained = await fetch(db, q.day_snapshots(NETWORK, old, q.RETENTION))

    assert computed == 200 if in_two_steps else computed > 400
    for family, columns in (
        (q.loan_stocks_at(NETWORK, keys), q.LOAN_STOCKS),
        (q.savings_at(NETWORK, keys), q.SAVINGS_STOCKS),
        (q.outreach_at(NETWORK, keys), q.OUTREACH_STOCKS),
    ):
        from_ledger = by_key(await fetch(db, family), columns)
        assert from_ledger
        assert by_key(stocks, columns) == from_ledger
    for family, columns in (
        (q.loan_flows(NETWORK, ranges), q.LOAN_FLOWS),
        (q.repayment_flows(NETWORK, ranges), q.REPAYMENT_FLOWS),
    ):
        assert by_key(flows, columns) == by_key(await fetch(db, family), columns)
    assert by_key(retained, q.RETENTION) == by_key(
        await fetch(db, q.retention(NETWORK, old)), q.RETENTION
    )


async def valid_through(db: Database, programme_id: uuid.UUID) -> date | None:
    async with db.read() as s:
        return await s.scalar(
            select(IndicatorState.valid_through).where(IndicatorState.programme_id == programme_id)
        )


async def test_a_write_on_a_covered_day_pulls_the_snapshots_validity_back(
    db: Database, portfolios: list[dict[str, Any]]
) -> None:
    x = portfolios[1]
    pid = x["programme"]["id"]
    yesterday = TODAY - timedelta(days=1)
    closed = TODAY - timedelta(days=RETENTION_DAYS + 1)

    async def refreshed() -> int:
        async with db.transaction() as s:
            return await q.refresh_programme(s, NETWORK, pid, today=TODAY)

    async def validity() -> tuple[date | None, date | None]:
        async with db.read() as s:
            row = (
                await s.execute(
                    select(
                        IndicatorState.valid_through, IndicatorState.retention_valid_through
                    ).where(IndicatorState.programme_id == pid)
                )
            ).one()
        return row[0], row[1]

    await refreshed()
    assert await validity() == (yesterday, closed)
    assert await refreshed() == 0

    # A repayment dated today lands on no covered day.
    loan = next(loan for loan in x["loans"] if loan["status"].value == "ACTIVE")
    async with db.transaction() as s:
        await s.execute(
            insert(Repayment).values(
                id=uuid7(),
                programme_id=pid,
                loan_id=loan["id"],
                kind=RepaymentKind.REPAYMENT,
                paid_on=TODAY,
                amount=Decimal(100),
                principal_part=Decimal(0),
                interest_part=Decimal(100),
            )
        )
    assert await validity() == (yesterday, closed)

    # A reversal corrects the day of the repayment it cancels.
    reversible = next(
        r
        for loan in x["loans"]
        for r in loan["repayments"]
        if r["kind"] is RepaymentKind.REPAYMENT
        and r["paid_on"] < closed
        and not any(o["reverses_id"] == r["id"] for o in loan["repayments"])
    )
    async with db.transaction() as s:
        await s.execute(
            insert(Repayment).values(
                id=uuid7(),
                programme_id=pid,
                loan_id=reversible["loan_id"],
                kind=RepaymentKind.REVERSAL,
                paid_on=TODAY,
                amount=reversible["amount"],
                principal_part=reversible["principal_part"],
                interest_part=reversible["interest_part"],
                reverses_id=reversible["id"],
            )
        )
    the_day_before = reversible["paid_on"] - timedelta(days=1)
    assert await validity() == (the_day_before, the_day_before)
    assert await refreshed() == (yesterday - the_day_before).days
    assert await validity() == (yesterday, closed)

    # A loan disbursed ten days ago, recorded today, may retain whoever repaid a loan in the
    # 90 days before it.
    disbursed = TODAY - timedelta(days=10)
    async with db.transaction() as s:
        await f.loan(
            s, x["products"][0], x["members"][0], x["groups"][0]["id"], disbursed_on=disbursed
        )
    assert await validity() == (
        disbursed - timedelta(days=1),
        disbursed - timedelta(days=RETENTION_DAYS + 1),
    )
    await refreshed()

    # A write-off, a back-dated savings deposit, a member leaving her group: each pulls back.
    written_off_on = TODAY - timedelta(days=40)
    active = next(
        loan
        for loan in x["loans"]
        if loan["status"].value == "ACTIVE" and loan["disbursed_on"] < written_off_on
    )
    async with db.transaction() as s:
        await s.execute(
            update(Loan)
            .where(Loan.id == active["id"])
            .values(
                status="WRITTEN_OFF", closed_on=written_off_on, written_off_principal=Decimal(1)
            )
        )
    assert (await validity())[0] == written_off_on - timedelta(days=1)
    await refreshed()

    account = await _account(db, pid)
    day = TODAY - timedelta(days=150)
    async with db.transaction() as s:
        await s.execute(
            insert(SavingsTransaction).values(
                id=uuid7(),
                programme_id=pid,
                account_id=account,
                kind=SavingsTransactionKind.DEPOSIT,
                occurred_on=day,
                amount=Decimal(1_000),
                balance_after=Decimal(1_000),
            )
        )
    assert await validity() == (day - timedelta(days=1), day - timedelta(days=1))
    await refreshed()

    left_on = TODAY - timedelta(days=20)
    async with db.transaction() as s:
        await s.execute(
            update(GroupMembership)
            .where(GroupMembership.programme_id == pid, GroupMembership.left_on.is_(None))
            .values(left_on=left_on)
        )
    assert (await validity())[0] == left_on - timedelta(days=1)


async def _account(db: Database, programme_id: uuid.UUID) -> uuid.UUID:
    async with db.read() as s:
        found = await s.scalar(
            select(SavingsAccount.id).where(SavingsAccount.programme_id == programme_id).limit(1)
        )
    assert found is not None
    return found


async def test_a_refresh_keeps_what_is_covered_already(
    db: Database, portfolios: list[dict[str, Any]]
) -> None:
    pid = portfolios[2]["programme"]["id"]
    async with db.transaction() as s:
        await q.refresh_programme(s, NETWORK, pid, today=TODAY)

    async def snapshot() -> tuple[list[Any], list[Any]]:
        async with db.read() as s:
            stocks = (
                await s.execute(select(IndicatorStock).where(IndicatorStock.programme_id == pid))
            ).scalars()
            days = (
                await s.execute(select(IndicatorDay).where(IndicatorDay.programme_id == pid))
            ).scalars()
            return sorted((k.currency_code, k.day) for k in stocks), sorted(d.day for d in days)

    before = await snapshot()
    async with db.transaction() as s:
        again = await q.refresh_programme(s, NETWORK, pid, today=TODAY)

    assert again == 0
    assert await snapshot() == before
    assert len(before[0]) > 12
