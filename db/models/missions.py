import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.enums import (
    ExpertiseDomain,
    MissionMode,
    MissionStatus,
    ProgrammePhase,
    RecommendationStatus,
)

from .base import Base, Keyed, created_at, enum_column, programme_fk


class Expert(Keyed, Base):
    """Head-office technical expert."""

    __tablename__ = "experts"
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text, unique=True)
    based_in: Mapped[str] = mapped_column(Text, default="")


class ExpertDomain(Base):
    __tablename__ = "expert_domains"
    expert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("experts.id"), primary_key=True)
    domain: Mapped[ExpertiseDomain] = enum_column(ExpertiseDomain, primary_key=True)


class ExpertProgramme(Base):
    """A programme an expert supports."""

    __tablename__ = "expert_programmes"
    expert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("experts.id"), primary_key=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programmes.id"), primary_key=True, index=True
    )


class Mission(Keyed, Base):
    __tablename__ = "missions"
    programme_id: Mapped[uuid.UUID] = programme_fk()
    title: Mapped[str] = mapped_column(Text)
    phase: Mapped[ProgrammePhase] = enum_column(ProgrammePhase)
    mode: Mapped[MissionMode] = enum_column(MissionMode)
    status: Mapped[MissionStatus] = enum_column(MissionStatus)
    planned_start_on: Mapped[date]
    planned_end_on: Mapped[date]
    actual_start_on: Mapped[date | None]
    actual_end_on: Mapped[date | None]
    objectives: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[str] = mapped_column(Text, default="")
    # Why the status last changed when a reason was given (cancelled, reopened).
    status_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = created_at()
    __table_args__ = (
        UniqueConstraint("id", "programme_id"),
        CheckConstraint("planned_end_on >= planned_start_on", name="planned_dates"),
        CheckConstraint(
            "actual_end_on IS NULL OR (actual_start_on IS NOT NULL"
            " AND actual_end_on >= actual_start_on)",
            name="actual_dates",
        ),
    )


class MissionExpert(Base):
    __tablename__ = "mission_experts"
    mission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("missions.id"), primary_key=True)
    expert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("experts.id"), primary_key=True, index=True
    )


class MissionDomain(Base):
    __tablename__ = "mission_domains"
    mission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("missions.id"), primary_key=True)
    domain: Mapped[ExpertiseDomain] = enum_column(ExpertiseDomain, primary_key=True)


class Recommendation(Keyed, Base):
    __tablename__ = "recommendations"
    programme_id: Mapped[uuid.UUID] = mapped_column()
    mission_id: Mapped[uuid.UUID] = mapped_column()
    domain: Mapped[ExpertiseDomain] = enum_column(ExpertiseDomain)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date]
    status: Mapped[RecommendationStatus] = enum_column(RecommendationStatus)
    status_changed_on: Mapped[date | None]
    created_at: Mapped[datetime] = created_at()
    __table_args__ = (
        UniqueConstraint("id", "programme_id"),
        ForeignKeyConstraint(
            ["mission_id", "programme_id"], ["missions.id", "missions.programme_id"]
        ),
        Index("ix_recommendations_mission", "mission_id"),
        Index("ix_recommendations_programme_status", "programme_id", "status", "due_on"),
    )


class RecommendationStatusChange(Keyed, Base):
    """One step of a recommendation's follow-up: its status from then on, the day it changed,
    a comment and who recorded it. The first step (from no status to OPEN) is its creation."""

    __tablename__ = "recommendation_status_changes"
    programme_id: Mapped[uuid.UUID] = mapped_column()
    recommendation_id: Mapped[uuid.UUID] = mapped_column()
    from_status: Mapped[RecommendationStatus | None] = enum_column(
        RecommendationStatus, nullable=True
    )
    to_status: Mapped[RecommendationStatus] = enum_column(RecommendationStatus)
    changed_on: Mapped[date]
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    changed_by: Mapped[str] = mapped_column(Text)
    changed_by_role: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = created_at()
    __table_args__ = (
        ForeignKeyConstraint(
            ["recommendation_id", "programme_id"],
            ["recommendations.id", "recommendations.programme_id"],
        ),
        Index("ix_recommendation_status_changes_recommendation", "recommendation_id"),
    )


class MissionAttachment(Keyed, Base):
    """A document of a mission (terms of reference, report, slides), as a link: no files are
    stored here."""

    __tablename__ = "mission_attachments"
    programme_id: Mapped[uuid.UUID] = mapped_column()
    mission_id: Mapped[uuid.UUID] = mapped_column()
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = created_at()
    __table_args__ = (
        ForeignKeyConstraint(
            ["mission_id", "programme_id"], ["missions.id", "missions.programme_id"]
        ),
        CheckConstraint("url ~* '^https?://'", name="url_scheme"),
        Index("ix_mission_attachments_mission", "mission_id"),
    )
