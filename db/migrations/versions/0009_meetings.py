"""meetings

A group's meeting (one a day per group), with each member's attendance; the repayments,
savings movements and training sessions recorded at a meeting point at it (nullable, with the
programme in the key so a row never points at another programme's meeting); and the loan
product's rule for due dates (DISBURSEMENT_DAY, as every product had before, or MEETING_DAY).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ATTENDANCE = postgresql.ENUM("PRESENT", "ABSENT", "EXCUSED", name="attendance_status")
DUE_DATES = postgresql.ENUM("DISBURSEMENT_DAY", "MEETING_DAY", name="due_date_rule")
LINKED = ("repayments", "savings_transactions", "training_sessions")


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("facilitator_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facilitator_id", "programme_id"],
            ["facilitators.id", "facilitators.programme_id"],
            name=op.f("fk_meetings_facilitator_id_facilitators"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id", "programme_id"],
            ["groups.id", "groups.programme_id"],
            name=op.f("fk_meetings_group_id_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_meetings_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("group_id", "held_on", name=op.f("uq_meetings_group_id_held_on")),
        sa.UniqueConstraint("id", "programme_id", name=op.f("uq_meetings_id_programme_id")),
    )
    op.create_index("ix_meetings_programme_id_id", "meetings", ["programme_id", "id"])
    op.create_table(
        "meeting_attendances",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("status", ATTENDANCE, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id", "programme_id"],
            ["meetings.id", "meetings.programme_id"],
            name=op.f("fk_meeting_attendances_meeting_id_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id", "programme_id"],
            ["members.id", "members.programme_id"],
            name=op.f("fk_meeting_attendances_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendances")),
        sa.UniqueConstraint(
            "meeting_id", "member_id", name=op.f("uq_meeting_attendances_meeting_id_member_id")
        ),
    )
    op.create_index("ix_meeting_attendances_member", "meeting_attendances", ["member_id"])
    op.create_index(
        "ix_meeting_attendances_programme_id_id", "meeting_attendances", ["programme_id", "id"]
    )
    for table in LINKED:
        op.add_column(table, sa.Column("meeting_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            op.f(f"fk_{table}_meeting_id_meetings"),
            table,
            "meetings",
            ["meeting_id", "programme_id"],
            ["id", "programme_id"],
        )
        op.create_index(
            f"ix_{table}_meeting",
            table,
            ["meeting_id"],
            postgresql_where=sa.text("meeting_id IS NOT NULL"),
        )
    DUE_DATES.create(op.get_bind())
    op.add_column(
        "loan_products",
        sa.Column(
            "due_dates_follow",
            postgresql.ENUM(name="due_date_rule", create_type=False),
            server_default="DISBURSEMENT_DAY",
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("loan_products", "due_dates_follow")
    DUE_DATES.drop(op.get_bind())
    for table in LINKED:
        op.drop_index(f"ix_{table}_meeting", table_name=table)
        op.drop_constraint(op.f(f"fk_{table}_meeting_id_meetings"), table, type_="foreignkey")
        op.drop_column(table, "meeting_id")
    op.drop_index("ix_meeting_attendances_programme_id_id", table_name="meeting_attendances")
    op.drop_index("ix_meeting_attendances_member", table_name="meeting_attendances")
    op.drop_table("meeting_attendances")
    ATTENDANCE.drop(op.get_bind())
    op.drop_index("ix_meetings_programme_id_id", table_name="meetings")
    op.drop_table("meetings")
