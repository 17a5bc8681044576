"""savings reversals and interest postings, drop-outs, retired products and facilitators

A savings entry entered by mistake is reversed by a REVERSAL entry (never a delete); interest
is posted for a period at a rate, each account's credit pointing at its posting; a closed
account holds nothing. A member who leaves the programme carries the day and the reason. A
loan product or a facilitator retired carries the day. The trigger that pulls the indicator
snapshots back on a savings entry now pulls them back to the reversed entry's day: a reversal
restates the past.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LEAVING = (
    "MOVED_AWAY",
    "BUSINESS_FAILURE",
    "DISSATISFIED",
    "JOINED_ANOTHER_INSTITUTION",
    "FAMILY",
    "DECEASED",
    "OTHER",
)

_INVALIDATE_SAVINGS = """
CREATE OR REPLACE FUNCTION indicators_on_savings_transactions_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM indicators_invalidate(programme_id, min(day), min(day))
       FROM ({changes}) AS changes (programme_id, day)
      WHERE day IS NOT NULL
      GROUP BY programme_id;
    RETURN NULL;
END
$$
"""
# A reversal corrects the day of the entry it cancels.
_WITH_REVERSALS = (
    "SELECT n.programme_id, LEAST(n.occurred_on, o.occurred_on) FROM inserted n"
    " LEFT JOIN savings_transactions o ON o.id = n.reverses_id"
)
_BEFORE = "SELECT programme_id, occurred_on FROM inserted"


def upgrade() -> None:
    # Not used in this transaction but as text (PostgreSQL refuses a new value's use before
    # its commit).
    op.execute("ALTER TYPE savings_transaction_kind ADD VALUE IF NOT EXISTS 'REVERSAL'")
    leaving = sa.Enum(*_LEAVING, name="leaving_reason")
    leaving.create(op.get_bind())

    op.add_column("members", sa.Column("left_on", sa.Date(), nullable=True))
    op.add_column(
        "members",
        sa.Column("leaving_reason", sa.Enum(*_LEAVING, name="leaving_reason", create_type=False)),
    )
    op.create_check_constraint(
        op.f("ck_members_left_on"),
        "members",
        "(left_on IS NULL) = (leaving_reason IS NULL)"
        " AND (left_on IS NULL OR left_on >= joined_on)",
    )
    op.add_column("facilitators", sa.Column("retired_on", sa.Date(), nullable=True))
    op.create_check_constraint(
        op.f("ck_facilitators_retired_on"),
        "facilitators",
        "retired_on IS NULL OR (NOT active AND retired_on >= hired_on)",
    )
    op.add_column("loan_products", sa.Column("retired_on", sa.Date(), nullable=True))
    op.create_check_constraint(
        op.f("ck_loan_products_retired_on"), "loan_products", "retired_on IS NULL OR NOT active")
    op.create_check_constraint(
        op.f("ck_savings_accounts_closed_empty"), "savings_accounts", "closed_on IS NULL OR balance = 0"
    )

    op.create_table(
        "savings_interest_postings",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("COMPULSORY", "VOLUNTARY", name="savings_kind", create_type=False),
            nullable=True,
        ),
        sa.Column("currency_code", sa.CHAR(length=3), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("annual_rate_percent", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=False),
        sa.Column("accounts_credited", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(precision=22, scale=4), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "period_to >= period_from AND posted_on >= period_to",
            name=op.f("ck_savings_interest_postings_period"),
        ),
        sa.CheckConstraint(
            "annual_rate_percent > 0", name=op.f("ck_savings_interest_postings_rate")
        ),
        sa.CheckConstraint(
            "accounts_credited >= 0 AND total >= 0",
            name=op.f("ck_savings_interest_postings_totals"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "programme_id"],
            ["savings_accounts.id", "savings_accounts.programme_id"],
            name=op.f("fk_savings_interest_postings_account_id_savings_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["currency_code"],
            ["currencies.code"],
            name=op.f("fk_savings_interest_postings_currency_code_currencies"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_savings_interest_postings_programme_id_programmes"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id", "programme_id"],
            ["facilitators.id", "facilitators.programme_id"],
            name=op.f("fk_savings_interest_postings_recorded_by_id_facilitators"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_savings_interest_postings")),
        sa.UniqueConstraint(
            "id", "programme_id", name=op.f("uq_savings_interest_postings_id_programme_id")
        ),
    )
    op.create_index(
        "ix_savings_interest_postings_programme_id_id",
        "savings_interest_postings",
        ["programme_id", "id"],
    )

    t = "savings_transactions"
    op.add_column(t, sa.Column("reverses_id", sa.Uuid(), nullable=True))
    op.add_column(t, sa.Column("posting_id", sa.Uuid(), nullable=True))
    op.add_column(t, sa.Column("note", sa.Text(), server_default="", nullable=False))
    op.create_unique_constraint(op.f("uq_savings_transactions_reverses_id"), t, ["reverses_id"])
    op.create_unique_constraint(op.f("uq_savings_transactions_id_account_id"), t, ["id", "account_id"])
    op.create_foreign_key(
        op.f("fk_savings_transactions_reverses_id_savings_transactions"),
        t,
        t,
        ["reverses_id", "account_id"],
        ["id", "account_id"],
    )
    op.create_foreign_key(
        op.f("fk_savings_transactions_posting_id_savings_interest_postings"),
        t,
        "savings_interest_postings",
        ["posting_id", "programme_id"],
        ["id", "programme_id"],
    )
    op.create_index(op.f("ix_savings_transactions_posting_id"), t, ["posting_id"])
    op.create_check_constraint(
        op.f("ck_savings_transactions_reversal"), t, "(kind::text = 'REVERSAL') = (reverses_id IS NOT NULL)"
    )
    op.create_check_constraint(
        op.f("ck_savings_transactions_posting"), t, "posting_id IS NULL OR kind::text = 'INTEREST'")
    op.execute(_INVALIDATE_SAVINGS.format(changes=_WITH_REVERSALS))


def downgrade() -> None:
    op.execute(_INVALIDATE_SAVINGS.format(changes=_BEFORE))
    t = "savings_transactions"
    # Reversals cannot outlive their kind: the ledger goes back to its movements.
    op.execute("DELETE FROM savings_transactions WHERE kind::text = 'REVERSAL'")
    op.drop_constraint(op.f("ck_savings_transactions_posting"), t, type_="check")
    op.drop_constraint(op.f("ck_savings_transactions_reversal"), t, type_="check")
    op.drop_index(op.f("ix_savings_transactions_posting_id"), table_name=t)
    op.drop_constraint(
        op.f("fk_savings_transactions_posting_id_savings_interest_postings"), t, type_="foreignkey"
    )
    op.drop_constraint(
        op.f("fk_savings_transactions_reverses_id_savings_transactions"), t, type_="foreignkey"
    )
    op.drop_constraint(op.f("uq_savings_transactions_id_account_id"), t, type_="unique")
    op.drop_constraint(op.f("uq_savings_transactions_reverses_id"), t, type_="unique")
    op.drop_column(t, "note")
    op.drop_column(t, "posting_id")
    op.drop_column(t, "reverses_id")
    op.execute("ALTER TYPE savings_transaction_kind RENAME TO savings_transaction_kind_old")
    op.execute("CREATE TYPE savings_transaction_kind AS ENUM ('DEPOSIT', 'WITHDRAWAL', 'INTEREST')")
    op.execute(
        "ALTER TABLE savings_transactions ALTER COLUMN kind TYPE savings_transaction_kind"
        " USING kind::text::savings_transaction_kind"
    )
    op.execute("DROP TYPE savings_transaction_kind_old")
    op.drop_index(
        "ix_savings_interest_postings_programme_id_id", table_name="savings_interest_postings"
    )
    op.drop_table("savings_interest_postings")
    op.drop_constraint(op.f("ck_savings_accounts_closed_empty"), "savings_accounts", type_="check")
    op.drop_constraint(op.f("ck_loan_products_retired_on"), "loan_products", type_="check")
    op.drop_column("loan_products", "retired_on")
    op.drop_constraint(op.f("ck_facilitators_retired_on"), "facilitators", type_="check")
    op.drop_column("facilitators", "retired_on")
    op.drop_constraint(op.f("ck_members_left_on"), "members", type_="check")
    op.drop_column("members", "leaving_reason")
    op.drop_column("members", "left_on")
    sa.Enum(name="leaving_reason").drop(op.get_bind())
