"""replication: a programme's heartbeat, head office's subscriptions, names kept in-country

A programme's own database is consolidated at head office by logical replication (see
db/replication.py). Its members' names are not published, so head office's copy of `members`
must accept rows without them. The heartbeat table is replicated with the programme's data;
`replicated_programmes` lists, at head office, the programmes whose operations arrive so.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("members", "first_name", nullable=True)
    op.alter_column("members", "last_name", nullable=True)
    op.create_table(
        "replication_heartbeats",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column(
            "beat_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_replication_heartbeats_programme_id_programmes"),
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_replication_heartbeats")),
    )
    op.create_table(
        "replicated_programmes",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("subscription", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "subscribed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_replicated_programmes_programme_id_programmes"),
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_replicated_programmes")),
        sa.UniqueConstraint("subscription", name=op.f("uq_replicated_programmes_subscription")),
    )


def downgrade() -> None:
    op.drop_table("replicated_programmes")
    op.drop_table("replication_heartbeats")
    # Rows that arrived without names get a placeholder rather than blocking the downgrade.
    op.execute("UPDATE members SET first_name = coalesce(first_name, ''), last_name = coalesce(last_name, '')")
    op.alter_column("members", "last_name", nullable=False)
    op.alter_column("members", "first_name", nullable=False)
