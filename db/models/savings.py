import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CHAR,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Numeric,
    Text,
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
        # Closing pays the balance out first.
        CheckConstraint("closed_on IS NULL OR balance = 0", name="closed_empty"),
    )


class SavingsInterestPosting(Keyed, Base):
    """Interest credited for a period at a rate: to one account, or to every open account
    of a programme (of a kind, if given). Each account's credit is an INTEREST transaction."""

    __tablename__ = "savings_interest_postings"
    programme_id: Mapped[uuid.UUID] = programme_fk()
    # The one account credited, or NULL for the programme's accounts.
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    kind: Mapped[SavingsKind | None] = enum_column(SavingsKind)
    currency_code: Mapped[str] = mapped_column(CHAR(3), ForeignKey("currencies.code"))
    period_from: Mapped[date]
    period_to: Mapped[date]
    annual_rate_percent: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    posted_on: Mapped[date]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column()
    accounts_credited: Mapped[int]
    total: Mapped[Amount]
    recorded_at: Mapped[datetime] = created_at()
    __table_args__ = (
        UniqueConstraint("id", "programme_id"),
        ForeignKeyConstraint(
            ["account_id", "programme_id"], ["savings_accounts.id", "savings_accounts.programme_id"]
        ),
        ForeignKeyConstraint(
            ["recorded_by_id", "programme_id"], ["facilitators.id", "facilitators.programme_id"]
        ),
        CheckConstraint("period_to >= period_from AND posted_on >= period_to", name="period"),
        CheckConstraint("annual_rate_percent > 0", name="rate"),
        CheckConstraint("accounts_credited >= 0 AND total >= 0", name="totals"),
    )


class SavingsTransaction(Keyed, Base):
    """A ledger entry (never a delete): a movement, or the REVERSAL of one, which restates the
    ledger as if neither had happened; balance_after follows the order of recording."""

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
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    posting_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
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
        UniqueConstraint("id", "account_id"),
        # A reversal reverses an entry of the same account.
        ForeignKeyConstraint(
            ["reverses_id", "account_id"],
            ["savings_transactions.id", "savings_transactions.account_id"],
        ),
        ForeignKeyConstraint(
            ["posting_id", "programme_id"],
            ["savings_interest_postings.id", "savings_interest_postings.programme_id"],
        ),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("balance_after >= 0", name="balance_after"),
        # Compared as text: the migration adds REVERSAL to the enum in the same transaction.
        CheckConstraint("(kind::text = 'REVERSAL') = (reverses_id IS NOT NULL)", name="reversal"),
        CheckConstraint("posting_id IS NULL OR kind::text = 'INTEREST'", name="posting"),
    )
