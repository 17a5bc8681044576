"""the rest of a loan's life

Applications that never became loans (DECLINED, WITHDRAWN: a day and a reason, nothing
outstanding), recoveries on written-off loans (a RECOVERY entry, the loan's `recovered`),
rescheduling (the schedule replaced from a day, the one before kept in
superseded_installments, the loan's `rescheduled_on`), and early payoff (the product says
whether the interest not yet due is waived; an installment's `interest_waived`), and the
indicators' rescheduled portfolio and recoveries (both in the daily snapshots).

A loan's outstanding principal is nought until it is disbursed: before, a PENDING
application reported its principal as outstanding though nothing was paid out.

PostgreSQL cannot drop an enum value: the downgrade leaves DECLINED, WITHDRAWN and RECOVERY in
the types, unused (declined and withdrawn applications go back to PENDING, recoveries are
deleted).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTSTANDING = (
    "CASE WHEN disbursed_on IS NULL THEN 0"
    " ELSE principal - principal_paid - written_off_principal END"
)
OLD_OUTSTANDING = "principal - principal_paid - written_off_principal"
PORTFOLIO_INCLUDE = [
    "currency_code",
    "member_id",
    "cycle",
    "outstanding_principal",
    "oldest_unpaid_due_on",
]
# Today's rescheduled portfolio reads the active loans index-only too.
NEW_PORTFOLIO_INCLUDE = [*PORTFOLIO_INCLUDE, "rescheduled_on"]
# The indicators' new figures: the rescheduled loans' stocks, the recoveries' flow.
SNAPSHOT_COLUMNS = {
    "indicator_stocks": ("rescheduled_portfolio", "rescheduled_at_risk_30"),
    "indicator_days": ("recoveries",),
}
CHECKS = {
    "disbursed_unless_pending": (
        "(status IN ('PENDING', 'DECLINED', 'WITHDRAWN')) = (disbursed_on IS NULL)",
        "(status = 'PENDING') = (disbursed_on IS NULL)",
    ),
    "closed_on": (
        "(status IN ('REPAID', 'WRITTEN_OFF', 'DECLINED', 'WITHDRAWN')) = (closed_on IS NOT NULL)",
        "(status IN ('REPAID', 'WRITTEN_OFF')) = (closed_on IS NOT NULL)",
    ),
}
NEW_CHECKS = {
    "closing_reason": "(status IN ('DECLINED', 'WITHDRAWN')) = (closing_reason IS NOT NULL)",
    "recovered": "recovered >= 0 AND recovered <= written_off_principal",
    "rescheduled_on": "rescheduled_on IS NULL OR rescheduled_on >= disbursed_on",
}


def _outstanding(expression: str, include: list[str]) -> None:
    """Redefine the computed column (PostgreSQL 15 cannot alter a generation expression),
    with the covering index that includes it."""
    op.drop_index("ix_loans_active_portfolio", table_name="loans")
    op.drop_column("loans", "outstanding_principal")
    op.add_column(
        "loans",
        sa.Column(
            "outstanding_principal",
            sa.Numeric(precision=22, scale=4),
            sa.Computed(expression, persisted=True),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_loans_active_portfolio",
        "loans",
        ["programme_id"],
        unique=False,
        postgresql_include=include,
        postgresql_where=sa.text("status = 'ACTIVE'"),
    )


def _amount(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Numeric(precision=22, scale=4), nullable=False, server_default="0")


def upgrade() -> None:
    # A new enum value can be used only once committed: the checks below name them.
    with op.get_context().autocommit_block():
        for value in ("DECLINED", "WITHDRAWN"):
            op.execute(f"ALTER TYPE loan_status ADD VALUE IF NOT EXISTS '{value}'")
        op.execute("ALTER TYPE repayment_kind ADD VALUE IF NOT EXISTS 'RECOVERY'")
    payoff = sa.Enum("DUE_IN_FULL", "WAIVED", name="early_payoff_interest")
    payoff.create(op.get_bind())
    op.add_column(
        "loan_products",
        sa.Column("early_payoff_interest", payoff, nullable=False, server_default="DUE_IN_FULL"),
    )
    op.alter_column("loan_products", "early_payoff_interest", server_default=None)
    op.add_column("loans", sa.Column("closing_reason", sa.Text(), nullable=True))
    op.add_column("loans", sa.Column("rescheduled_on", sa.Date(), nullable=True))
    op.add_column("loans", _amount("recovered"))
    op.alter_column("loans", "recovered", server_default=None)
    _outstanding(OUTSTANDING, NEW_PORTFOLIO_INCLUDE)
    for name, (new, _) in CHECKS.items():
        op.drop_constraint(op.f(f"ck_loans_{name}"), "loans", type_="check")
        op.create_check_constraint(op.f(f"ck_loans_{name}"), "loans", new)
    for name, condition in NEW_CHECKS.items():
        op.create_check_constraint(op.f(f"ck_loans_{name}"), "loans", condition)
    op.add_column("installments", _amount("interest_waived"))
    op.alter_column("installments", "interest_waived", server_default=None)
    op.add_column("installments", sa.Column("in_force_from", sa.Date(), nullable=True))
    op.create_check_constraint(
        op.f("ck_installments_interest_waived"), "installments", "interest_waived >= 0"
    )
    op.create_table(
        "superseded_installments",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("loan_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("principal_due", sa.Numeric(precision=22, scale=4), nullable=False),
        sa.Column("interest_due", sa.Numeric(precision=22, scale=4), nullable=False),
        sa.Column("principal_paid", sa.Numeric(precision=22, scale=4), nullable=False),
        sa.Column("interest_paid", sa.Numeric(precision=22, scale=4), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("in_force_from", sa.Date(), nullable=True),
        sa.Column("superseded_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "in_force_from IS NULL OR superseded_on > in_force_from",
            name=op.f("ck_superseded_installments_span"),
        ),
        sa.ForeignKeyConstraint(
            ["loan_id", "programme_id"],
            ["loans.id", "loans.programme_id"],
            name=op.f("fk_superseded_installments_loan_id_loans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_superseded_installments")),
        sa.UniqueConstraint(
            "loan_id",
            "version",
            "number",
            name=op.f("uq_superseded_installments_loan_id_version_number"),
        ),
    )
    op.create_index(
        "ix_superseded_installments_programme_id_id",
        "superseded_installments",
        ["programme_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_repayments_recoveries",
        "repayments",
        ["programme_id", "paid_on"],
        unique=False,
        postgresql_where=sa.text("kind = 'RECOVERY'"),
    )
    # Nothing was rescheduled or recovered before: nought is right for every snapshot.
    for table, columns in SNAPSHOT_COLUMNS.items():
        for name in columns:
            op.add_column(
                table,
                sa.Column(
                    name,
                    sa.Numeric(precision=22, scale=4),
                    server_default=sa.text("0"),
                    nullable=False,
                ),
            )


def downgrade() -> None:
    for table, columns in SNAPSHOT_COLUMNS.items():
        for name in columns:
            op.drop_column(table, name)
    op.drop_index(
        "ix_repayments_recoveries",
        table_name="repayments",
        postgresql_where=sa.text("kind = 'RECOVERY'"),
    )
    op.drop_index(
        "ix_superseded_installments_programme_id_id", table_name="superseded_installments"
    )
    op.drop_table("superseded_installments")
    op.drop_constraint(op.f("ck_installments_interest_waived"), "installments", type_="check")
    # Waived interest is due again, as it was before this revision.
    op.execute("UPDATE installments SET interest_due = interest_due + interest_waived")
    op.drop_column("installments", "in_force_from")
    op.drop_column("installments", "interest_waived")
    for name in NEW_CHECKS:
        op.drop_constraint(op.f(f"ck_loans_{name}"), "loans", type_="check")
    op.execute(
        "DELETE FROM repayments WHERE reverses_id IN"
        " (SELECT id FROM repayments WHERE kind = 'RECOVERY')"
    )
    op.execute("DELETE FROM repayments WHERE kind = 'RECOVERY'")
    op.execute(
        "UPDATE loans SET status = 'PENDING', closed_on = NULL"
        " WHERE status IN ('DECLINED', 'WITHDRAWN')"
    )
    for name, (_, old) in CHECKS.items():
        op.drop_constraint(op.f(f"ck_loans_{name}"), "loans", type_="check")
        op.create_check_constraint(op.f(f"ck_loans_{name}"), "loans", old)
    _outstanding(OLD_OUTSTANDING, PORTFOLIO_INCLUDE)
    op.drop_column("loans", "recovered")
    op.drop_column("loans", "rescheduled_on")
    op.drop_column("loans", "closing_reason")
    op.drop_column("loan_products", "early_payoff_interest")
    sa.Enum(name="early_payoff_interest").drop(op.get_bind(), checkfirst=False)
