import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKeyConstraint, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.enums import AttendanceStatus

from .base import Base, Keyed, created_at, enum_column, programme_fk


class Meeting(Keyed, Base):
    """A group's meeting with its facilitator: one a day per group. The repayments, savings
    movements and training sessions recorded at it point at it (their meeting_id)."""

    __tablename__ = "meetings"
    programme_id: Mapped[uuid.UUID] = programme_fk()
    group_id: Mapped[uuid.UUID] = mapped_column()
    facilitator_id: Mapped[uuid.UUID] = mapped_column()
    held_on: Mapped[date]
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = created_at()
    __table_args__ = (
        UniqueConstraint("id", "programme_id"),
        # One meeting per group per day; also the index a group's meetings are read by.
        UniqueConstraint("group_id", "held_on"),
        ForeignKeyConstraint(["group_id", "programme_id"], ["groups.id", "groups.programme_id"]),
        ForeignKeyConstraint(
            ["facilitator_id", "programme_id"], ["facilitators.id", "facilitators.programme_id"]
        ),
    )


class MeetingAttendance(Keyed, Base):
    """A member's attendance at a meeting: present, absent or excused. Keys are minted in the
    order the meeting listed its members, which is the order it reads them back."""

    __tablename__ = "meeting_attendances"
    programme_id: Mapped[uuid.UUID] = mapped_column()
    meeting_id: Mapped[uuid.UUID] = mapped_column()
    member_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[AttendanceStatus] = enum_column(AttendanceStatus)
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id"),
        ForeignKeyConstraint(
            ["meeting_id", "programme_id"], ["meetings.id", "meetings.programme_id"]
        ),
        ForeignKeyConstraint(["member_id", "programme_id"], ["members.id", "members.programme_id"]),
        Index("ix_meeting_attendances_member", "member_id"),
    )
