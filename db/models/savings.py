import uuid
from datetime import date, datetime

from sqlalchemy import (
    CHAR,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.enums import SavingsKind, SavingsTransactionKind

from .base import Amount, Base, Keyed, created_at, enum_column, programme_fk


class SavingsAccount(Keyed, Base):
    """A member's savings account; balance is kept with every transaction."""

    __tablename__ = "savings_accounts"
    programme_id: Mapped[uuid.UUID] = programme_fk()
    member_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[SavingsKind] = enum_column(SavingsKind)
    currency_code: Mapped[str] = mapped_column(CHAR(3), ForeignKey("currencies.code"))
    opened_on: Mapped[date]
    closed_on: Mapped[date | None]
    balance: Mapped[Amount]
    __table_args__ = (
        UniqueConstraint("member_id", "kind"),
        UniqueConstraint("id", "programme_id"),
        ForeignKeyConstraint(["member_id", "programme_id"], ["members.id", "members.programme_id"]),
        CheckConstraint("balance >= 0", name="balance"),
    )


class SavingsTransaction(Keyed, Base):
    __tablename__ = "savings_transactions"
    programme_id: Mapped[uuid.UUID] = mapped_column()
    account_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[SavingsTransactionKind] = enum_column(SavingsTransactionKind)
    occurred_on: Mapped[date]
    amount: Mapped[Amount]
    balance_after: Mapped[Amount]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column()
    # The group meeting it was recorded at, if any (migration 0009).
    meeting_id: Mapped[uuid.UUID | None] = mapped_column()
    recorded_at: Mapped[datetime] = created_at()
    __table_args__ = (
        ForeignKeyConstraint(
            ["meeting_id", "programme_id"], ["meetings.id", "meetings.programme_id"]
        ),
        Index(
            "ix_savings_transactions_meeting",
            "meeting_id",
            postgresql_where=text("meeting_id IS NOT NULL"),
        ),
        ForeignKeyConstraint(
            ["account_id", "programme_id"], ["savings_accounts.id", "savings_accounts.programme_id"]
        ),
        ForeignKeyConstraint(
            ["recorded_by_id", "programme_id"], ["facilitators.id", "facilitators.programme_id"]
        ),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("balance_after >= 0", name="balance_after"),
    )
