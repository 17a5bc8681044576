"""Loan state the database keeps honest: closing dates, paid installments, reversals

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOSED_ON = "(status IN ('REPAID', 'WRITTEN_OFF')) = (closed_on IS NOT NULL)"
PAID_ON = (
    "(paid_on IS NOT NULL) = (principal_paid = principal_due AND interest_paid = interest_due)"
)


def upgrade() -> None:
    op.create_check_constraint(op.f("ck_loans_closed_on"), "loans", CLOSED_ON)
    op.create_check_constraint(op.f("ck_installments_paid_on"), "installments", PAID_ON)
    op.create_unique_constraint(op.f("uq_repayments_id_loan_id"), "repayments", ["id", "loan_id"])
    op.drop_constraint(
        op.f("fk_repayments_reverses_id_repayments"), "repayments", type_="foreignkey"
    )
    op.create_foreign_key(
        op.f("fk_repayments_reverses_id_repayments"),
        "repayments",
        "repayments",
        ["reverses_id", "loan_id"],
        ["id", "loan_id"],
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_repayments_reverses_id_repayments"), "repayments", type_="foreignkey"
    )
    op.create_foreign_key(
        op.f("fk_repayments_reverses_id_repayments"),
        "repayments",
        "repayments",
        ["reverses_id"],
        ["id"],
    )
    op.drop_constraint(op.f("uq_repayments_id_loan_id"), "repayments", type_="unique")
    op.drop_constraint(op.f("ck_installments_paid_on"), "installments", type_="check")
    op.drop_constraint(op.f("ck_loans_closed_on"), "loans", type_="check")
