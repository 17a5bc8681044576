"""daily stock snapshots

The stocks (portfolio, PAR, borrowers, savings, outreach) snapshotted for every day rather
than month ends: indicator_stocks holds a programme's stocks in one currency on each day they
change, so the stocks at the end of any covered day are a lookup (a past day that is not a
month end no longer reads the ledger). It replaces indicator_months; the snapshots being a
cache, the upgrade and the downgrade empty indicator_state, and the next refresh rebuilds them
(reads stay right meanwhile, from the ledger).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMOUNTS = (
    "gross_loan_portfolio",
    "portfolio_at_risk_30",
    "portfolio_at_risk_90",
    "savings_balance",
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


def _stocks(
    table: str, key: str, checks: Sequence[sa.CheckConstraint], order: Sequence[str]
) -> None:
    op.create_table(
        table,
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        *(
            [
                sa.Column("currency_code", sa.CHAR(length=3), nullable=False),
                sa.Column(key, sa.Date(), nullable=False),
            ]
            if order[1] == "currency_code"
            else [
                sa.Column(key, sa.Date(), nullable=False),
                sa.Column("currency_code", sa.CHAR(length=3), nullable=False),
            ]
        ),
        *(
            sa.Column(
                name,
                sa.Numeric(precision=22, scale=4) if name in AMOUNTS else sa.Integer(),
                server_default=sa.text("0"),
                nullable=False,
            )
            for name in STOCKS
        ),
        *checks,
        sa.ForeignKeyConstraint(
            ["currency_code"],
            ["currencies.code"],
            name=op.f(f"fk_{table}_currency_code_currencies"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f(f"fk_{table}_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint(*order, name=op.f(f"pk_{table}")),
    )


def upgrade() -> None:
    op.execute("DELETE FROM indicator_state")
    op.drop_table("indicator_months")
    _stocks("indicator_stocks", "day", [], ("programme_id", "currency_code", "day"))


def downgrade() -> None:
    op.execute("DELETE FROM indicator_state")
    op.drop_table("indicator_stocks")
    checks = [
        sa.CheckConstraint(
            "extract(day from month) = 1", name=op.f("ck_indicator_months_month_first_day")
        )
    ]
    _stocks("indicator_months", "month", checks, ("programme_id", "month", "currency_code"))
