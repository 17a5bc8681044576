"""missions follow-up and autonomy

Missions keep why their status last changed; recommendations keep a dated trail of status
changes; missions have attachments (links).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Created by 0001; reused, never created or dropped here.
recommendation_status = postgresql.ENUM(
    "OPEN", "IN_PROGRESS", "DONE", "DROPPED", name="recommendation_status", create_type=False
)


def upgrade() -> None:
    op.add_column(
        "missions", sa.Column("status_reason", sa.Text(), server_default="", nullable=False)
    )
    op.create_unique_constraint(
        op.f("uq_recommendations_id_programme_id"), "recommendations", ["id", "programme_id"]
    )
    op.create_table(
        "recommendation_status_changes",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("recommendation_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", recommendation_status, nullable=True),
        sa.Column("to_status", recommendation_status, nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column("changed_by_role", sa.Text(), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id", "programme_id"],
            ["recommendations.id", "recommendations.programme_id"],
            name=op.f("fk_recommendation_status_changes_recommendation_id_recommendations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_status_changes")),
    )
    op.create_index(
        "ix_recommendation_status_changes_recommendation",
        "recommendation_status_changes",
        ["recommendation_id"],
    )
    op.create_index(
        "ix_recommendation_status_changes_programme_id_id",
        "recommendation_status_changes",
        ["programme_id", "id"],
    )
    op.create_table(
        "mission_attachments",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("mission_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("url ~* '^https?://'", name=op.f("ck_mission_attachments_url_scheme")),
        sa.ForeignKeyConstraint(
            ["mission_id", "programme_id"],
            ["missions.id", "missions.programme_id"],
            name=op.f("fk_mission_attachments_mission_id_missions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mission_attachments")),
    )
    op.create_index("ix_mission_attachments_mission", "mission_attachments", ["mission_id"])
    op.create_index(
        "ix_mission_attachments_programme_id_id", "mission_attachments", ["programme_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_mission_attachments_programme_id_id", table_name="mission_attachments")
    op.drop_index("ix_mission_attachments_mission", table_name="mission_attachments")
    op.drop_table("mission_attachments")
    op.drop_index(
        "ix_recommendation_status_changes_programme_id_id",
        table_name="recommendation_status_changes",
    )
    op.drop_index(
        "ix_recommendation_status_changes_recommendation",
        table_name="recommendation_status_changes",
    )
    op.drop_table("recommendation_status_changes")
    op.drop_constraint(
        op.f("uq_recommendations_id_programme_id"), "recommendations", type_="unique"
    )
    op.drop_column("missions", "status_reason")
