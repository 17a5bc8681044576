"""Consolidation by logical replication: a programme's heartbeat, head office's subscriptions."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ReplicationHeartbeat(Base):
    """Written by the programme's own edm-graph every few seconds and replicated with its
    data: at head office, `beat_at` is how recent the consolidated copy is (replication
    applies the programme's transactions in commit order, so everything committed before
    the beat has arrived)."""

    __tablename__ = "replication_heartbeats"
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class ReplicatedProgramme(Base):
    """Head office only: a programme whose operations arrive from its own database."""

    __tablename__ = "replicated_programmes"
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"), primary_key=True)
    subscription: Mapped[str] = mapped_column(Text, unique=True)
    # host:port/database of the programme's PostgreSQL (no credentials): where to write.
    source: Mapped[str] = mapped_column(Text)
    subscribed_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
