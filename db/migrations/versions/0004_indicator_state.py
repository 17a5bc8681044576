"""indicator state

Each programme's month-end stocks (indicator_months) and daily flows (indicator_days), how far
they can be trusted (indicator_state), the indexes the indicators read other tables by, and the
triggers that pull a programme's `valid_through` back to the day before any write that lands on
a day its snapshots already cover (a back-dated repayment, a reversal, a correction), and its
`retention_valid_through` back 90 days more for a disbursement (a next loan within 90 days of
repaying retains a borrower).

Each trigger is a statement trigger with a transition table, so a bulk load costs one small
query per statement. It also takes a shared advisory lock on the programme, which the refresh
takes exclusively: a refresh never commits figures computed without a write that committed
while it ran.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMOUNTS = (
    "gross_loan_portfolio",
    "portfolio_at_risk_30",
    "portfolio_at_risk_90",
    "savings_balance",
    "disbursed_amount",
    "written_off_amount",
    "amount_due",
    "amount_received_on_time",
)
# Column order of the models.
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
)

# Must match db.indicators.REFRESH_LOCK.
REFRESH_LOCK = 7452

INVALIDATE = f"""
CREATE FUNCTION indicators_invalidate(programme uuid, since date, retention_since date)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Wait for a refresh of this programme to commit; a later one waits for this write.
    PERFORM pg_advisory_xact_lock_shared({REFRESH_LOCK}, hashtext(programme::text));
    UPDATE indicator_state
       SET valid_through = LEAST(valid_through, since - 1),
           retention_valid_through = LEAST(retention_valid_through, since - 1, retention_since - 1)
     WHERE programme_id = programme
       AND (valid_through >= since OR retention_valid_through >= LEAST(since, retention_since));
END
$$
"""

# For each table and event: (programme_id, day[, retention day]) of every change, from the
# transition tables `inserted`, `old_rows`/`new_rows` and `deleted`. A NULL day changes nothing
# counted; the retention day is the day unless given (a disbursement: 90 days before it).
CHANGES: dict[str, dict[str, str]] = {
    "repayments": {
        # A reversal corrects the day of the repayment it cancels.
        "INSERT": "SELECT n.programme_id, LEAST(n.paid_on, o.paid_on) FROM inserted n"
        " LEFT JOIN repayments o ON o.id = n.reverses_id",
        "UPDATE": "SELECT n.programme_id, LEAST(o.paid_on, n.paid_on)"
        " FROM old_rows o JOIN new_rows n ON n.id = o.id"
        " WHERE (o.loan_id, o.kind, o.paid_on, o.amount, o.reverses_id)"
        " IS DISTINCT FROM (n.loan_id, n.kind, n.paid_on, n.amount, n.reverses_id)",
        "DELETE": "SELECT programme_id, paid_on FROM deleted",
    },
    "loans": {
        "INSERT": "SELECT programme_id, LEAST(disbursed_on, closed_on),"
        " LEAST(disbursed_on - 90, closed_on) FROM inserted",
        # Repayments change principal_paid and oldest_unpaid_due_on: the ledger, not these
        # columns, feeds the snapshots, and the repayment's own trigger covers it.
        "UPDATE": "SELECT programme_id, LEAST(disbursed, closed), LEAST(disbursed - 90, closed)"
        " FROM (SELECT n.programme_id,"
        " CASE WHEN (o.disbursed_on, o.principal, o.cycle, o.member_id, o.currency_code)"
        " IS DISTINCT FROM (n.disbursed_on, n.principal, n.cycle, n.member_id, n.currency_code)"
        " THEN LEAST(o.disbursed_on, n.disbursed_on) END AS disbursed,"
        " CASE WHEN (o.status, o.closed_on, o.written_off_principal)"
        " IS DISTINCT FROM (n.status, n.closed_on, n.written_off_principal)"
        " THEN LEAST(o.closed_on, n.closed_on) END AS closed"
        " FROM old_rows o JOIN new_rows n ON n.id = o.id) AS changed",
        "DELETE": "SELECT programme_id, LEAST(disbursed_on, closed_on),"
        " LEAST(disbursed_on - 90, closed_on) FROM deleted",
    },
    "installments": {
        "INSERT": "SELECT programme_id, due_on FROM inserted",
        # Paid-state updates follow a repayment, whose trigger covers them.
        "UPDATE": "SELECT n.programme_id, LEAST(o.due_on, n.due_on)"
        " FROM old_rows o JOIN new_rows n ON n.id = o.id"
        " WHERE (o.due_on, o.principal_due, o.interest_due)"
        " IS DISTINCT FROM (n.due_on, n.principal_due, n.interest_due)",
        "DELETE": "SELECT programme_id, due_on FROM deleted",
    },
    "savings_transactions": {
        "INSERT": "SELECT programme_id, occurred_on FROM inserted",
        "UPDATE": "SELECT n.programme_id, LEAST(o.occurred_on, n.occurred_on)"
        " FROM old_rows o JOIN new_rows n ON n.id = o.id"
        " WHERE (o.account_id, o.kind, o.occurred_on, o.amount)"
        " IS DISTINCT FROM (n.account_id, n.kind, n.occurred_on, n.amount)",
        "DELETE": "SELECT programme_id, occurred_on FROM deleted",
    },
    "members": {
        # Her gender counts on every day of her memberships.
        "UPDATE": "SELECT n.programme_id, LEAST(n.joined_on, (SELECT min(m.joined_on)"
        " FROM group_memberships m WHERE m.member_id = n.id))"
        " FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.gender IS DISTINCT FROM n.gender",
    },
    "group_memberships": {
        "INSERT": "SELECT programme_id, LEAST(joined_on, left_on) FROM inserted",
        "UPDATE": "SELECT n.programme_id, LEAST("
        " CASE WHEN (o.member_id, o.group_id, o.joined_on)"
        " IS DISTINCT FROM (n.member_id, n.group_id, n.joined_on)"
        " THEN LEAST(o.joined_on, n.joined_on) END,"
        " CASE WHEN o.left_on IS DISTINCT FROM n.left_on THEN LEAST(o.left_on, n.left_on) END)"
        " FROM old_rows o JOIN new_rows n ON n.id = o.id",
        "DELETE": "SELECT programme_id, LEAST(joined_on, left_on) FROM deleted",
    },
    "groups": {
        "INSERT": "SELECT programme_id, LEAST(formed_on, closed_on) FROM inserted",
        "UPDATE": "SELECT n.programme_id, LEAST("
        " CASE WHEN o.formed_on IS DISTINCT FROM n.formed_on"
        " THEN LEAST(o.formed_on, n.formed_on) END,"
        " CASE WHEN o.closed_on IS DISTINCT FROM n.closed_on"
        " THEN LEAST(o.closed_on, n.closed_on) END)"
        " FROM old_rows o JOIN new_rows n ON n.id = o.id",
        "DELETE": "SELECT programme_id, LEAST(formed_on, closed_on) FROM deleted",
    },
}


# Running totals kept by triggers: savings now (per programme and currency) and outreach now
# (per programme). Each statement adds what it changed: the balances it wrote, the members it
# made or unmade depositors, the memberships and groups it opened or closed.
EMPTY = {
    "savings_accounts": "(SELECT * FROM savings_accounts WHERE false) AS nothing",
    "group_memberships": "(SELECT * FROM group_memberships WHERE false) AS nothing",
    "groups": "(SELECT * FROM groups WHERE false) AS nothing",
    "members": "(SELECT * FROM members WHERE false) AS nothing",
}


def _savings(new: str, old: str) -> str:
    return f"""
    WITH touched AS (
        SELECT programme_id, currency_code, member_id FROM {new}
        UNION SELECT programme_id, currency_code, member_id FROM {old}
    ), positive_now AS (
        SELECT DISTINCT a.member_id, a.currency_code
          FROM savings_accounts a
          JOIN touched t ON t.member_id = a.member_id AND t.currency_code = a.currency_code
         WHERE a.balance > 0
    ), positive_before AS (
        SELECT a.member_id, a.currency_code
          FROM savings_accounts a
          JOIN touched t ON t.member_id = a.member_id AND t.currency_code = a.currency_code
         WHERE a.balance > 0 AND a.id NOT IN (SELECT id FROM {new})
        UNION SELECT member_id, currency_code FROM {old} WHERE balance > 0
    ), changes AS (
        SELECT t.programme_id, t.currency_code, 0 AS balance,
               (n.member_id IS NOT NULL)::int - (b.member_id IS NOT NULL)::int AS depositors
          FROM touched t
          LEFT JOIN positive_now n
            ON n.member_id = t.member_id AND n.currency_code = t.currency_code
          LEFT JOIN positive_before b
            ON b.member_id = t.member_id AND b.currency_code = t.currency_code
        UNION ALL SELECT programme_id, currency_code, balance, 0 FROM {new}
        UNION ALL SELECT programme_id, currency_code, -balance, 0 FROM {old}
    )
    INSERT INTO indicator_savings AS s
           (programme_id, currency_code, savings_balance, active_depositors)
    SELECT programme_id, currency_code, sum(balance), sum(depositors)
      FROM changes GROUP BY programme_id, currency_code ORDER BY programme_id, currency_code
    ON CONFLICT (programme_id, currency_code) DO UPDATE
       SET savings_balance = s.savings_balance + excluded.savings_balance,
           active_depositors = s.active_depositors + excluded.active_depositors
    """


def _outreach(changes: str) -> str:
    """`changes`: (programme_id, members, women, groups) deltas."""
    return f"""
    INSERT INTO indicator_outreach AS o
           (programme_id, active_members, women_members, active_groups)
    SELECT programme_id, sum(members), sum(women), sum(groups)
      FROM ({changes}) AS changes (programme_id, members, women, groups)
     GROUP BY programme_id ORDER BY programme_id
    ON CONFLICT (programme_id) DO UPDATE
       SET active_members = o.active_members + excluded.active_members,
           women_members = o.women_members + excluded.women_members,
           active_groups = o.active_groups + excluded.active_groups
    """


def _memberships(new: str, old: str) -> str:
    # A membership counts while open, in a group not closed; a woman's counts twice.
    return _outreach(
        f"""
        SELECT c.programme_id, c.sign, CASE WHEN p.gender = 'FEMALE' THEN c.sign ELSE 0 END, 0
          FROM (SELECT programme_id, member_id, group_id, left_on, 1 AS sign FROM {new}
                UNION ALL
                SELECT programme_id, member_id, group_id, left_on, -1 FROM {old}) c
          JOIN groups g ON g.id = c.group_id
          JOIN members p ON p.id = c.member_id
         WHERE c.left_on IS NULL AND g.status <> 'CLOSED'
        """
    )


def _groups(new: str, old: str) -> str:
    # A group opening or closing counts itself and its open memberships.
    return _outreach(
        f"""
        SELECT c.programme_id, c.sign * m.members, c.sign * m.women, c.sign
          FROM (SELECT programme_id, id, 1 AS sign FROM {new} WHERE status <> 'CLOSED'
                UNION ALL
                SELECT programme_id, id, -1 FROM {old} WHERE status <> 'CLOSED') c
          CROSS JOIN LATERAL (
                SELECT count(*) AS members, count(*) FILTER (WHERE p.gender = 'FEMALE') AS women
                  FROM group_memberships gm JOIN members p ON p.id = gm.member_id
                 WHERE gm.group_id = c.id AND gm.left_on IS NULL) m
        """
    )


def _members(new: str, old: str) -> str:
    # Her gender counts where she is an open member of a group not closed.
    return _outreach(
        f"""
        SELECT n.programme_id, 0,
               (n.gender = 'FEMALE')::int - (o.gender = 'FEMALE')::int, 0
          FROM {old} o JOIN {new} n ON n.id = o.id
          JOIN group_memberships gm ON gm.member_id = n.id AND gm.left_on IS NULL
          JOIN groups g ON g.id = gm.group_id AND g.status <> 'CLOSED'
         WHERE o.gender IS DISTINCT FROM n.gender
        """
    )


COUNTERS = {
    "savings_accounts": (_savings, ("INSERT", "UPDATE", "DELETE")),
    "group_memberships": (_memberships, ("INSERT", "UPDATE", "DELETE")),
    "groups": (_groups, ("INSERT", "UPDATE", "DELETE")),
    "members": (_members, ("UPDATE",)),
}

COUNT_NOW = (
    """
INSERT INTO indicator_savings (programme_id, currency_code, savings_balance, active_depositors)
SELECT programme_id, currency_code, sum(balance),
       count(DISTINCT member_id) FILTER (WHERE balance > 0)
  FROM savings_accounts GROUP BY programme_id, currency_code
""",
    """
INSERT INTO indicator_outreach (programme_id, active_members, women_members, active_groups)
SELECT g.programme_id, coalesce(sum(m.members), 0), coalesce(sum(m.women), 0), count(*)
  FROM groups g
  CROSS JOIN LATERAL (
        SELECT count(*) AS members, count(*) FILTER (WHERE p.gender = 'FEMALE') AS women
          FROM group_memberships gm JOIN members p ON p.id = gm.member_id
         WHERE gm.group_id = g.id AND gm.left_on IS NULL) m
 WHERE g.status <> 'CLOSED'
 GROUP BY g.programme_id
""",
)


def _transition(table: str, event: str) -> tuple[str, str]:
    new = "new_rows" if event == "UPDATE" else "inserted" if event == "INSERT" else EMPTY[table]
    old = "old_rows" if event == "UPDATE" else "deleted" if event == "DELETE" else EMPTY[table]
    return new, old


REFERENCING = {
    "INSERT": "NEW TABLE AS inserted",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS deleted",
}


def _name(table: str, event: str) -> str:
    return f"indicators_on_{table}_{event.lower()}"


def _count_name(table: str, event: str) -> str:
    return f"indicators_count_{table}_{event.lower()}"


def upgrade() -> None:
    for table, key, columns in (
        ("indicator_months", "month", STOCKS),
        ("indicator_days", "day", FLOWS),
    ):
        checks = (
            [
                sa.CheckConstraint(
                    "extract(day from month) = 1", name=op.f(f"ck_{table}_month_first_day")
                )
            ]
            if key == "month"
            else []
        )
        op.create_table(
            table,
            sa.Column("programme_id", sa.Uuid(), nullable=False),
            sa.Column(key, sa.Date(), nullable=False),
            sa.Column("currency_code", sa.CHAR(length=3), nullable=False),
            *(
                sa.Column(
                    name,
                    sa.Numeric(precision=22, scale=4) if name in AMOUNTS else sa.Integer(),
                    server_default=sa.text("0"),
                    nullable=False,
                )
                for name in columns
            ),
            *checks,
            sa.ForeignKeyConstraint(
                ["currency_code"],
                ["currencies.code"],
                name=op.f(f"fk_{table}_currency_code_currencies"),
            ),
            sa.ForeignKeyConstraint(
                ["programme_id"],
                ["programmes.id"],
                name=op.f(f"fk_{table}_programme_id_programmes"),
            ),
            sa.PrimaryKeyConstraint("programme_id", key, "currency_code", name=op.f(f"pk_{table}")),
        )
    op.create_table(
        "indicator_state",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("valid_through", sa.Date(), nullable=False),
        sa.Column("retention_valid_through", sa.Date(), nullable=False),
        sa.Column(
            "refreshed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_indicator_state_programme_id_programmes"),
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_indicator_state")),
    )
    op.create_table(
        "indicator_savings",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("currency_code", sa.CHAR(length=3), nullable=False),
        sa.Column(
            "savings_balance",
            sa.Numeric(precision=22, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("active_depositors", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["currency_code"],
            ["currencies.code"],
            name=op.f("fk_indicator_savings_currency_code_currencies"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_indicator_savings_programme_id_programmes"),
        ),
        sa.PrimaryKeyConstraint("programme_id", "currency_code", name=op.f("pk_indicator_savings")),
    )
    op.create_table(
        "indicator_outreach",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)
            for name in ("active_members", "women_members", "active_groups")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_indicator_outreach_programme_id_programmes"),
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_indicator_outreach")),
    )
    for statement in COUNT_NOW:
        op.execute(statement)
    op.create_index(
        "ix_loans_active_portfolio",
        "loans",
        ["programme_id"],
        unique=False,
        postgresql_include=[
            "currency_code",
            "member_id",
            "cycle",
            "outstanding_principal",
            "oldest_unpaid_due_on",
        ],
        postgresql_where=sa.text("status = 'ACTIVE'"),
    )
    op.create_index(
        "ix_loans_programme_disbursed",
        "loans",
        ["programme_id", "disbursed_on"],
        unique=False,
        postgresql_where=sa.text("disbursed_on IS NOT NULL"),
    )
    op.create_index(
        "ix_loans_programme_closed",
        "loans",
        ["programme_id", "closed_on"],
        unique=False,
        postgresql_where=sa.text("closed_on IS NOT NULL"),
    )
    op.create_index(
        "ix_loans_member_disbursed", "loans", ["member_id", "disbursed_on"], unique=False
    )
    op.create_index(
        "ix_installments_programme_due",
        "installments",
        ["programme_id", "due_on"],
        unique=False,
    )
    op.execute(INVALIDATE)
    for table, events in CHANGES.items():
        for event, changes in events.items():
            name = _name(table, event)
            if table != "loans":
                changes = f"SELECT programme_id, day, day FROM ({changes}) AS c (programme_id, day)"
            op.execute(
                f"""
                CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM indicators_invalidate(programme_id, min(day), min(retention_day))
                       FROM ({changes}) AS changes (programme_id, day, retention_day)
                      WHERE day IS NOT NULL OR retention_day IS NOT NULL
                      GROUP BY programme_id;
                    RETURN NULL;
                END
                $$
                """
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table}"
                f" REFERENCING {REFERENCING[event]}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    for table, (counting, events) in COUNTERS.items():
        for event in events:
            name = _count_name(table, event)
            op.execute(
                f"""
                CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    {counting(*_transition(table, event))};
                    RETURN NULL;
                END
                $$
                """
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table}"
                f" REFERENCING {REFERENCING[event]}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )


def downgrade() -> None:
    for table, (_, count_events) in COUNTERS.items():
        for event in count_events:
            name = _count_name(table, event)
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
    for table, events in CHANGES.items():
        for event in events:
            name = _name(table, event)
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
    op.execute("DROP FUNCTION indicators_invalidate(uuid, date, date)")
    op.drop_index("ix_installments_programme_due", table_name="installments")
    op.drop_index("ix_loans_member_disbursed", table_name="loans")
    op.drop_index(
        "ix_loans_programme_closed",
        table_name="loans",
        postgresql_where=sa.text("closed_on IS NOT NULL"),
    )
    op.drop_index(
        "ix_loans_programme_disbursed",
        table_name="loans",
        postgresql_where=sa.text("disbursed_on IS NOT NULL"),
    )
    op.drop_index(
        "ix_loans_active_portfolio",
        table_name="loans",
        postgresql_where=sa.text("status = 'ACTIVE'"),
    )
    op.drop_table("indicator_outreach")
    op.drop_table("indicator_savings")
    op.drop_table("indicator_state")
    op.drop_table("indicator_days")
    op.drop_table("indicator_months")
