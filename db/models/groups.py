import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.enums import (
    Activity,
    Gender,
    GroupStatus,
    LeavingReason,
    MeetingFrequency,
    TrainingKind,
)

from .base import Base, Keyed, created_at, enum_column, programme_fk


class Facilitator(Keyed, Base):
    """Programme staff who meet groups, collect repayments and savings, and train."""

    __tablename__ = "facilitators"
    programme_id: Mapped[uuid.UUID] = programme_fk()
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    hired_on: Mapped[date]
    active: Mapped[bool] = mapped_column(default=True)
    # Set by facilitatorRetire; older rows may be inactive without a day.
    retired_on: Mapped[date | None]
    __table_args__ = (
        UniqueConstraint("id", "programme_id"),
        CheckConstraint(
            "retired_on IS NULL OR (NOT active AND retired_on >= hired_on)", name="retired_on"
        ),
    )


class Group(Keyed, Base):
    __tablename__ = "groups"
    programme_id: Mapped[uuid.UUID] = programme_fk()
    name: Mapped[str] = mapped_column(Text)
    facilitator_id: Mapped[uuid.UUID] = mapped_column(index=True)
    meeting_frequency: Mapped[MeetingFrequency] = enum_column(MeetingFrequency)
    meeting_place: Mapped[str] = mapped_column(Text)
    formed_on: Mapped[date]
    status: Mapped[GroupStatus] = enum_column(GroupStatus)
    closed_on: Mapped[date | None]
    created_at: Mapped[datetime] = created_at()
    __table_args__ = (
        UniqueConstraint("programme_id", "name"),
        UniqueConstraint("id", "programme_id"),
        # The facilitator must work for the same programme as the group.
        ForeignKeyConstraint(
            ["facilitator_id", "programme_id"], ["facilitators.id", "facilitators.programme_id"]
        ),
        CheckConstraint("(status = 'CLOSED') = (closed_on IS NOT NULL)", name="closed_on"),
    )


class Member(Keyed, Base):
    """A beneficiary. Names, phone and poverty score are personal data."""

    __tablename__ = "members"
    programme_id: Mapped[uuid.UUID] = programme_fk()
    # Nullable for head office: a replicated programme keeps its members' names in-country
    # (migration 0007); every write here requires them.
    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    gender: Mapped[Gender] = enum_column(Gender)
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    phone: Mapped[str | None] = mapped_column(Text)
    joined_on: Mapped[date]
    activity: Mapped[Activity] = enum_column(Activity)
    activity_description: Mapped[str] = mapped_column(Text, default="")
    rural: Mapped[bool] = mapped_column(default=False)
    # PPI-style likelihood (percent) of living below the national poverty line.
    poverty_likelihood: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    # A drop-out: the day she left the programme and why.
    left_on: Mapped[date | None]
    leaving_reason: Mapped[LeavingReason | None] = enum_column(LeavingReason)
    created_at: Mapped[datetime] = created_at()
    __table_args__ = (
        UniqueConstraint("id", "programme_id"),
        CheckConstraint(
            "(left_on IS NULL) = (leaving_reason IS NULL) AND (left_on IS NULL OR left_on >= joined_on)",
            name="left_on",
        ),
        CheckConstraint(
            "poverty_likelihood IS NULL OR poverty_likelihood BETWEEN 0 AND 100",
            name="poverty_likelihood",
        ),
    )


class GroupMembership(Keyed, Base):
    """A member's time in a group; the open row (left_on NULL) is her current group."""

    __tablename__ = "group_memberships"
    programme_id: Mapped[uuid.UUID] = mapped_column()
    member_id: Mapped[uuid.UUID] = mapped_column()
    group_id: Mapped[uuid.UUID] = mapped_column()
    joined_on: Mapped[date]
    left_on: Mapped[date | None]
    __table_args__ = (
        ForeignKeyConstraint(["member_id", "programme_id"], ["members.id", "members.programme_id"]),
        ForeignKeyConstraint(["group_id", "programme_id"], ["groups.id", "groups.programme_id"]),
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="dates"),
        Index(
            "uq_group_memberships_open",
            "member_id",
            unique=True,
            postgresql_where=text("left_on IS NULL"),
        ),
        Index(
            "ix_group_memberships_group_open", "group_id", postgresql_where=text("left_on IS NULL")
        ),
        Index("ix_group_memberships_member", "member_id"),
    )


class TrainingSession(Keyed, Base):
    __tablename__ = "training_sessions"
    programme_id: Mapped[uuid.UUID] = programme_fk()
    group_id: Mapped[uuid.UUID] = mapped_column(index=True)
    facilitator_id: Mapped[uuid.UUID] = mapped_column()
    held_on: Mapped[date]
    kind: Mapped[TrainingKind] = enum_column(TrainingKind)
    topic: Mapped[str] = mapped_column(Text)
    # The group meeting it was given at, if any (migration 0009).
    meeting_id: Mapped[uuid.UUID | None] = mapped_column()
    __table_args__ = (
        UniqueConstraint("id", "programme_id"),
        ForeignKeyConstraint(
            ["meeting_id", "programme_id"], ["meetings.id", "meetings.programme_id"]
        ),
        Index(
            "ix_training_sessions_meeting",
            "meeting_id",
            postgresql_where=text("meeting_id IS NOT NULL"),
        ),
        ForeignKeyConstraint(["group_id", "programme_id"], ["groups.id", "groups.programme_id"]),
        ForeignKeyConstraint(
            ["facilitator_id", "programme_id"], ["facilitators.id", "facilitators.programme_id"]
        ),
    )


class Attendance(Base):
    """A member present at a training session."""

    __tablename__ = "attendances"
    session_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    programme_id: Mapped[uuid.UUID] = mapped_column()
    __table_args__ = (
        ForeignKeyConstraint(
            ["session_id", "programme_id"],
            ["training_sessions.id", "training_sessions.programme_id"],
        ),
        ForeignKeyConstraint(["member_id", "programme_id"], ["members.id", "members.programme_id"]),
        Index("ix_attendances_member", "member_id"),
    )
