"""loan product cycles

The loan cycles each product serves, with the principal it lends for them (FANSOTO's first
loan is fixed at 100,000 XOF, later loans 80,000 to 450,000). A product with no band serves
every cycle within its own minimum and maximum, as every product did before.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loan_product_cycles",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("first_cycle", sa.SmallInteger(), nullable=False),
        sa.Column("last_cycle", sa.SmallInteger(), nullable=True),
        sa.Column("min_principal", sa.Numeric(precision=22, scale=4), nullable=False),
        sa.Column("max_principal", sa.Numeric(precision=22, scale=4), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "first_cycle >= 1 AND (last_cycle IS NULL OR last_cycle >= first_cycle)",
            name=op.f("ck_loan_product_cycles_cycles"),
        ),
        sa.CheckConstraint(
            "min_principal > 0 AND max_principal >= min_principal",
            name=op.f("ck_loan_product_cycles_principal"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id", "programme_id"],
            ["loan_products.id", "loan_products.programme_id"],
            name=op.f("fk_loan_product_cycles_product_id_loan_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_product_cycles")),
        sa.UniqueConstraint(
            "product_id", "first_cycle", name=op.f("uq_loan_product_cycles_product_id_first_cycle")
        ),
    )
    op.create_index(
        "ix_loan_product_cycles_programme_id_id", "loan_product_cycles", ["programme_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_loan_product_cycles_programme_id_id", table_name="loan_product_cycles")
    op.drop_table("loan_product_cycles")
