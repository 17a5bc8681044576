import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Keyed, created_at


class IdempotencyKey(Base):
    """A write a client may retry: the first result is kept and returned again."""

    __tablename__ = "idempotency_keys"
    actor: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    operation: Mapped[str] = mapped_column(Text)
    request_hash: Mapped[str] = mapped_column(Text)
    result_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = created_at()


class AuditEntry(Keyed, Base):
    """Who wrote what, when, and through which idempotency key."""

    __tablename__ = "audit_entries"
    programme_id: Mapped[uuid.UUID | None] = mapped_column()
    actor: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    operation: Mapped[str] = mapped_column(Text)
    entity_type: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[uuid.UUID | None]
    idempotency_key: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    at: Mapped[datetime] = created_at()
    __table_args__ = (Index("ix_audit_entries_entity", "entity_id"),)
