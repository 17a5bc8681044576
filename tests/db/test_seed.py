"""The demo-data generator, loaded into real PostgreSQL databases of its own."""

import random
import secrets
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, get_args, get_type_hints

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from db.migrate import upgrade_async
from db.models import Base
from db.seed import RUNNING_TOTALS, SeedSize, is_seeded, seed
from db.seed.draw import Stamper, instant_text
from db.seed.load import units_text
from db.seed.rows import Batch
from domain.allocation import InstallmentState, oldest_unpaid_due_on, replay
from domain.enums import ExpertiseDomain

AS_OF = date(2025, 6, 30)
# The tables the seed fills: the domain's, not the operations' keys and logs nor the
# indicators' snapshots (a cache).
SEEDED_TABLES = get_type_hints(Batch)
CreateDatabase = Callable[[], Awaitable[str]]


@pytest.fixture(scope="module")
async def create_database(server_url: str) -> AsyncIterator[CreateDatabase]:
    """Creates migrated databases named seed_dev_test_*, all dropped at the end."""
    admin = make_url(server_url)
    names: list[str] = []

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(
            user=admin.username,
            password=admin.password,
            host=admin.host or admin.query.get("host"),
            port=admin.port,
            database=admin.database,
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def create() -> str:
        name = f"seed_dev_test_{secrets.token_hex(4)}"
        await run(f'CREATE DATABASE "{name}"')
        names.append(name)
        url = admin.set(database=name).render_as_string(hide_password=False)
        await upgrade_async(url)
        return url

    yield create
    for name in names:
        await run(f'DROP DATABASE "{name}" WITH (FORCE)')


class Seeded(NamedTuple):
    engine: AsyncEngine
    counts: dict[str, int]


@pytest.fixture(scope="module")
async def seeded(create_database: CreateDatabase) -> AsyncIterator[Seeded]:
    engine = create_engine(await create_database(), pool_size=2)
    counts = await seed(engine, size=SeedSize.tiny(), as_of=AS_OF)
    yield Seeded(engine, counts)
    await engine.dispose()


async def fetch(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return await conn.scalar(text(sql), params)


async def checksums(engine: AsyncEngine) -> dict[str, str]:
    """Every table's rows, all columns, as one digest per table."""
    return {
        table: await scalar(
            engine,
            f"SELECT md5(coalesce(string_agg(r, '|' ORDER BY r), '')) "
            f"FROM (SELECT t::text AS r FROM {table} t) s",
        )
        for table in SEEDED_TABLES
    }


def test_row_types_match_the_tables() -> None:
    assert set(SEEDED_TABLES) <= set(Base.metadata.tables)
    for name, hint in SEEDED_TABLES.items():
        (row_type,) = get_args(hint)
        stored = {c.name for c in Base.metadata.tables[name].columns if c.computed is None}
        assert set(row_type._fields) == stored, name


async def test_rows_written_as_text_read_back_as_their_values(seeded: Seeded) -> None:
    """The most numerous rows skip row objects: their ids, instants and amounts, as
    PostgreSQL reads them, are what the row types would have held."""
    as_objects, as_text = Stamper(random.Random(7)), Stamper(random.Random(7))
    day, after_ms, after_at = date(2024, 2, 29), -1, None
    for _ in range(50):  # same day, chained: later draws are pushed past earlier ones
        expected_id, after_at = as_objects.id_at(day, after_at)
        id_text, after_ms = as_text.text_at(day, after_ms)
        read = await fetch(
            seeded.engine,
            "SELECT CAST(CAST(:id AS text) AS uuid), CAST(CAST(:at AS text) AS timestamptz)",
            id=id_text,
            at=instant_text(after_ms),
        )
        assert tuple(read[0]) == (expected_id, after_at)
    chained, ms = [], -1
    for _ in range(12):
        id_text, ms = as_objects.text_at(day, ms)
        chained.append(id_text)
    assert as_text.texts_on(day, 12) == chained
    assert [units_text(2)(u) for u in (0, 5, 1234, 100)] == ["0.00", "0.05", "12.34", "1.00"]
    assert units_text(0)(1500) == "1500"


async def test_tiny_seed_loads_and_reports_its_counts(seeded: Seeded) -> None:
    assert await is_seeded(seeded.engine)
    for table, count in seeded.counts.items():
        assert await scalar(seeded.engine, f"SELECT count(*) FROM {table}") == count, table
    assert seeded.counts["members"] == SeedSize.tiny().members
    assert seeded.counts["programmes"] == 12


async def test_seeding_again_is_refused(seeded: Seeded) -> None:
    with pytest.raises(RuntimeError, match="already seeded"):
        await seed(seeded.engine, size=SeedSize.tiny(), as_of=AS_OF)


async def test_the_same_arguments_give_the_same_rows(
    seeded: Seeded, create_database: CreateDatabase
) -> None:
    again = create_engine(await create_database(), pool_size=2)
    try:
        # Generated in this process, one branch after another, instead of by worker processes.
        await seed(again, size=SeedSize.tiny(), as_of=AS_OF, workers=0)
        assert await checksums(again) == await checksums(seeded.engine)
    finally:
        await again.dispose()


async def schema_of(engine: AsyncEngine) -> dict[str, Any]:
    """Constraints, indexes and triggers (with whether they are enabled) of the database."""
    return {
        "constraints": await fetch(
            engine,
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated"
            " FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
        ),
        "indexes": await fetch(
            engine, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        ),
        "triggers": await fetch(
            engine,
            "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger"
            " WHERE NOT tgisinternal ORDER BY 1, 2",
        ),
    }


async def test_the_seeded_database_keeps_every_key_index_and_trigger(
    seeded: Seeded, create_database: CreateDatabase
) -> None:
    # The load drops keys, indexes and foreign keys and builds them again: all are back,
    # validated, and every trigger is on again, as in a database just migrated.
    migrated = create_engine(await create_database(), pool_size=1)
    try:
        expected = await schema_of(migrated)
    finally:
        await migrated.dispose()
    assert len(expected["constraints"]) > 100
    assert expected["triggers"]
    assert await schema_of(seeded.engine) == expected


async def test_running_totals_are_what_the_rows_give(seeded: Seeded) -> None:
    # The triggers' running totals (savings and outreach now), recounted from the rows.
    savings = await fetch(
        seeded.engine,
        """
        SELECT programme_id, currency_code, sum(balance),
               count(DISTINCT member_id) FILTER (WHERE balance > 0)
          FROM savings_accounts GROUP BY 1, 2 ORDER BY 1, 2
        """,
    )
    assert savings
    assert savings == await fetch(
        seeded.engine,
        "SELECT programme_id, currency_code, savings_balance, active_depositors"
        " FROM indicator_savings WHERE savings_balance <> 0 OR active_depositors <> 0"
        " ORDER BY 1, 2",
    )
    outreach = await fetch(
        seeded.engine,
        """
        SELECT g.programme_id, sum(m.members), sum(m.women), count(*)
          FROM groups g CROSS JOIN LATERAL (
                SELECT count(*) AS members, count(*) FILTER (WHERE p.gender = 'FEMALE') AS women
                  FROM group_memberships gm JOIN members p ON p.id = gm.member_id
                 WHERE gm.group_id = g.id AND gm.left_on IS NULL) m
         WHERE g.status <> 'CLOSED' GROUP BY 1 ORDER BY 1
        """,
    )
    assert outreach
    assert outreach == await fetch(
        seeded.engine,
        "SELECT programme_id, active_members, women_members, active_groups"
        " FROM indicator_outreach"
        " WHERE active_members <> 0 OR women_members <> 0 OR active_groups <> 0 ORDER BY 1",
    )


async def test_only_tables_keeping_totals_have_their_triggers_run_while_loading(
    seeded: Seeded,
) -> None:
    # The load stages the tables whose insert triggers keep running totals and switches
    # off the others' triggers, which must then only invalidate snapshots (none yet).
    triggers = await fetch(
        seeded.engine,
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
        " AND tgrelid::regclass::text = ANY(:tables)",
        tables=list(SEEDED_TABLES),
    )
    counting = {table for table, name in triggers if name.startswith("indicators_count_")}
    inserting = {
        table
        for table, name in triggers
        if name.startswith("indicators_count_") and name.endswith("_insert")
    }
    assert inserting == set(RUNNING_TOTALS)
    # members' counter runs on updates only, which the load never makes.
    assert counting - inserting == {"members"}
    assert all(
        name.startswith("indicators_on_")
        for table, name in triggers
        if table not in RUNNING_TOTALS and not name.startswith("indicators_count_")
    )


async def test_loans_derived_columns_are_what_their_ledger_gives(seeded: Seeded) -> None:
    # Repayments net of reversals give each loan's paid columns.
    mismatched = await scalar(
        seeded.engine,
        """
        SELECT count(*) FROM loans l
        LEFT JOIN (
            SELECT loan_id,
                   sum(CASE kind WHEN 'REVERSAL' THEN -principal_part ELSE principal_part END) p,
                   sum(CASE kind WHEN 'REVERSAL' THEN -interest_part ELSE interest_part END) i
            FROM repayments GROUP BY loan_id
        ) r ON r.loan_id = l.id
        WHERE coalesce(r.p, 0) <> l.principal_paid OR coalesce(r.i, 0) <> l.interest_paid
        """,
    )
    assert mismatched == 0
    # And replaying the unreversed repayments gives each installment's and loan's state.
    installments: dict[Any, list[InstallmentState]] = defaultdict(list)
    for number, loan_id, due_on, p_due, i_due, p_paid, i_paid, paid_on in await fetch(
        seeded.engine,
        "SELECT number, loan_id, due_on, principal_due, interest_due, principal_paid,"
        " interest_paid, paid_on FROM installments ORDER BY loan_id, number",
    ):
        installments[loan_id].append(
            InstallmentState(number, due_on, p_due, i_due, p_paid, i_paid, paid_on)
        )
    payments: dict[Any, list[tuple[date, Decimal]]] = defaultdict(list)
    for loan_id, paid_on, amount in await fetch(
        seeded.engine,
        "SELECT loan_id, paid_on, amount FROM repayments r WHERE kind = 'REPAYMENT'"
        " AND NOT EXISTS (SELECT FROM repayments v WHERE v.reverses_id = r.id)",
    ):
        payments[loan_id].append((paid_on, amount))
    loans = await fetch(
        seeded.engine,
        "SELECT id, status, principal, principal_paid, interest_paid, oldest_unpaid_due_on,"
        " closed_on FROM loans WHERE status <> 'PENDING'",
    )
    assert loans
    for loan_id, status, principal, principal_paid, interest_paid, oldest, closed_on in loans:
        stored = installments[loan_id]
        replayed = replay(stored, reversed(payments[loan_id]))  # input order must not matter
        assert replayed == stored, loan_id
        assert sum(i.principal_due for i in stored) == principal
        assert sum(i.principal_paid for i in replayed) == principal_paid
        assert sum(i.interest_paid for i in replayed) == interest_paid
        assert oldest_unpaid_due_on(replayed) == oldest
        assert (status == "REPAID") == (oldest is None)
        if status == "REPAID":
            assert closed_on == max(i.paid_on for i in replayed if i.paid_on)


async def test_the_portfolio_looks_like_a_real_one(seeded: Seeded) -> None:
    statuses = dict(await fetch(seeded.engine, "SELECT status, count(*) FROM loans GROUP BY 1"))
    assert set(statuses) == {"PENDING", "ACTIVE", "REPAID", "WRITTEN_OFF"}
    assert await scalar(seeded.engine, "SELECT count(*) FROM repayments WHERE kind = 'REVERSAL'")
    # One loan at a time per member, each next cycle after the previous one was repaid.
    assert not await fetch(
        seeded.engine,
        """
        SELECT member_id FROM loans WHERE status IN ('ACTIVE', 'PENDING')
        GROUP BY member_id HAVING count(*) > 1
        """,
    )
    assert not await fetch(
        seeded.engine,
        """
        SELECT 1 FROM loans l JOIN loans previous
          ON previous.member_id = l.member_id AND previous.cycle = l.cycle - 1
        WHERE previous.status <> 'REPAID' OR l.applied_on < previous.closed_on
        """,
    )
    # Within the product's limits, in the product's currency.
    assert not await fetch(
        seeded.engine,
        """
        SELECT l.id FROM loans l JOIN loan_products p ON p.id = l.product_id
        WHERE l.principal NOT BETWEEN p.min_principal AND p.max_principal
           OR l.currency_code <> p.currency_code
        """,
    )
    # A first loan only after the six initial sessions.
    assert not await fetch(
        seeded.engine,
        """
        SELECT l.id FROM loans l
        WHERE l.cycle = 1 AND l.disbursed_on IS NOT NULL AND (
            SELECT count(*) FROM attendances a JOIN training_sessions s ON s.id = a.session_id
            WHERE a.member_id = l.member_id AND s.kind = 'INITIAL' AND s.held_on <= l.disbursed_on
        ) < 6
        """,
    )
    # A savings account's balance is its last transaction's balance_after.
    assert not await fetch(
        seeded.engine,
        """
        SELECT a.id FROM savings_accounts a
        WHERE a.balance <> coalesce((
            SELECT t.balance_after FROM savings_transactions t WHERE t.account_id = a.id
            ORDER BY t.occurred_on DESC, t.id DESC LIMIT 1), 0)
        """,
    )
    # Sierra Leone's redenomination: old leones before 1 July 2022, new ones after.
    assert not await fetch(
        seeded.engine,
        """
        SELECT l.id FROM loans l JOIN programmes p ON p.id = l.programme_id
        WHERE p.code = 'MUNAFA' AND l.currency_code <>
            CASE WHEN coalesce(l.disbursed_on, l.applied_on) < '2022-07-01' THEN 'SLL' ELSE 'SLE' END
        """,
    )


async def test_fansoto_is_there_with_its_partners(seeded: Seeded) -> None:
    [(programme_id, country, currency, region, city, started_on, phase)] = await fetch(
        seeded.engine,
        "SELECT id, country_code, currency_code, region, base_city, started_on, phase"
        " FROM programmes WHERE code = 'FANSOTO'",
    )
    assert (country, currency, region, city, phase) == (
        "SN",
        "XOF",
        "Casamance",
        "Ziguinchor",
        "CONSOLIDATION",
    )
    assert started_on.year == 2016
    partners = await fetch(
        seeded.engine, "SELECT name FROM partners WHERE programme_id = :id", id=programme_id
    )
    assert {name for (name,) in partners} == {
        "AFD",
        "Gouvernement princier de Monaco",
        "Adopte un mec",
        "F.A.E.T",
        "Fondation Entrepreneurs du Monde",
        "Ailancy",
    }
    assert await scalar(
        seeded.engine,
        "SELECT closing_rate = 655.957 AND average_rate = 655.957 FROM exchange_rates"
        " WHERE currency_code = 'XOF' AND month = '2016-03-01'",
    )


async def test_every_loan_fits_its_products_cycles_and_amounts(seeded: Seeded) -> None:
    # FANSOTO: a first loan of 100,000 XOF exactly, later loans from 80,000 to 450,000.
    bands = await fetch(
        seeded.engine,
        "SELECT p.name, c.first_cycle, c.last_cycle, c.min_principal, c.max_principal"
        " FROM loan_product_cycles c JOIN loan_products p ON p.id = c.product_id"
        " JOIN programmes g ON g.id = p.programme_id WHERE g.code = 'FANSOTO' ORDER BY p.name",
    )
    assert [(name, first, last, int(low), int(high)) for name, first, last, low, high in bands] == [
        ("Crédit solidaire bimensuel", 2, None, 80_000, 450_000),
        ("Crédit solidaire mensuel", 2, None, 80_000, 450_000),
        ("Premier crédit solidaire", 1, 1, 100_000, 100_000),
    ]
    # What loanApply enforces holds for every loan the demo holds.
    misfits = await scalar(
        seeded.engine,
        "SELECT count(*) FROM loans l WHERE NOT EXISTS (SELECT 1 FROM loan_product_cycles c"
        " WHERE c.product_id = l.product_id AND l.cycle >= c.first_cycle"
        " AND (c.last_cycle IS NULL OR l.cycle <= c.last_cycle)"
        " AND l.principal BETWEEN c.min_principal AND c.max_principal)",
    )
    assert misfits == 0
    assert await scalar(seeded.engine, "SELECT count(*) FROM loans") > 0


# Facts, not plans: installments' due dates, milestones' targets, planned missions and
# recommendations' due dates may lie after as_of.
FACT_DATES = {
    "exchange_rates": ["month"],
    "programmes": ["started_on", "created_at"],
    "partners": ["since"],
    "autonomy_milestones": ["achieved_on"],
    "facilitators": ["hired_on"],
    "groups": ["formed_on", "closed_on", "created_at"],
    "members": ["joined_on", "created_at"],
    "group_memberships": ["joined_on", "left_on"],
    "training_sessions": ["held_on"],
    "loans": ["applied_on", "approved_on", "disbursed_on", "closed_on", "created_at"],
    "installments": ["paid_on"],
    "repayments": ["paid_on", "recorded_at"],
    "savings_accounts": ["opened_on", "closed_on"],
    "savings_transactions": ["occurred_on", "recorded_at"],
    "missions": ["actual_start_on", "actual_end_on", "created_at"],
    "mission_attachments": ["added_at"],
    "recommendations": ["status_changed_on", "created_at"],
    "recommendation_status_changes": ["changed_on", "recorded_at"],
}


async def test_nothing_happens_after_as_of(seeded: Seeded) -> None:
    for table, columns in FACT_DATES.items():
        for column in columns:
            latest = await scalar(seeded.engine, f"SELECT max({column})::date FROM {table}")
            assert latest is None or latest <= AS_OF, f"{table}.{column}: {latest}"


async def test_missions_cover_every_domain(seeded: Seeded) -> None:
    domains = await fetch(seeded.engine, "SELECT DISTINCT domain FROM mission_domains")
    assert {d for (d,) in domains} == {d.value for d in ExpertiseDomain}
    assert await scalar(
        seeded.engine,
        "SELECT count(*) FROM recommendations WHERE status = 'OPEN' AND due_on < :as_of",
        as_of=AS_OF,
    )


async def test_recommendations_trails_start_open_and_end_at_their_status(seeded: Seeded) -> None:
    assert not await fetch(
        seeded.engine,
        """
        SELECT r.id FROM recommendations r
        WHERE NOT EXISTS (
            SELECT FROM recommendation_status_changes c
            WHERE c.recommendation_id = r.id AND c.from_status IS NULL AND c.to_status = 'OPEN'
        ) OR (
            SELECT c.to_status FROM recommendation_status_changes c
            WHERE c.recommendation_id = r.id ORDER BY c.changed_on DESC, c.id DESC LIMIT 1
        ) <> r.status
        """,
    )
