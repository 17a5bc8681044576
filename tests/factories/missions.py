"""Experts (with their domains and supported programmes), missions, their attachments,
recommendations and the steps of their follow-up."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Expert,
    ExpertDomain,
    ExpertProgramme,
    Mission,
    MissionDomain,
    MissionExpert,
    Recommendation,
)
from db.models.missions import MissionAttachment, RecommendationStatusChange
from domain.enums import (
    ExpertiseDomain,
    MissionMode,
    MissionStatus,
    ProgrammePhase,
    RecommendationStatus,
)
from domain.ids import uuid7

from . import unique


async def expert(
    session: AsyncSession,
    *,
    domains: Sequence[ExpertiseDomain] = (ExpertiseDomain.OPERATIONS_MANAGEMENT,),
    programmes: Sequence[uuid.UUID] = (),
    **overrides: Any,
) -> dict[str, Any]:
    """An expert with her domains, supporting `programmes`."""
    last_name = unique("Martin")
    values: dict[str, Any] = {
        "id": uuid7(),
        "first_name": "Claire",
        "last_name": last_name,
        "email": f"{last_name.lower()}@entrepreneursdumonde.org",
        "based_in": "Lyon",
    }
    values.update(overrides)
    await session.execute(insert(Expert).values(**values))
    if domains:
        await session.execute(
            insert(ExpertDomain).values([{"expert_id": values["id"], "domain": d} for d in domains])
        )
    for programme_id in programmes:
        await support(session, values["id"], programme_id)
    return values


async def support(session: AsyncSession, expert_id: uuid.UUID, programme_id: uuid.UUID) -> None:
    """Record that an expert supports a programme."""
    await session.execute(
        insert(ExpertProgramme)
        .values(expert_id=expert_id, programme_id=programme_id)
        .on_conflict_do_nothing()
    )


async def mission(
    session: AsyncSession,
    programme_id: uuid.UUID,
    *,
    experts: Sequence[uuid.UUID] = (),
    domains: Sequence[ExpertiseDomain] = (ExpertiseDomain.OPERATIONS_MANAGEMENT,),
    **overrides: Any,
) -> dict[str, Any]:
    """A planned on-site mission of `experts` covering `domains`."""
    values: dict[str, Any] = {
        "id": uuid7(),
        "programme_id": programme_id,
        "title": unique("Portfolio quality review"),
        "phase": ProgrammePhase.CONSOLIDATION,
        "mode": MissionMode.ON_SITE,
        "status": MissionStatus.PLANNED,
        "planned_start_on": date(2024, 3, 4),
        "planned_end_on": date(2024, 3, 8),
        "actual_start_on": None,
        "actual_end_on": None,
        "objectives": "Review arrears follow-up with the loan officers.",
        "findings": "",
    }
    values.update(overrides)
    await session.execute(insert(Mission).values(**values))
    if experts:
        await session.execute(
            insert(MissionExpert).values(
                [{"mission_id": values["id"], "expert_id": e} for e in experts]
            )
        )
    if domains:
        await session.execute(
            insert(MissionDomain).values(
                [{"mission_id": values["id"], "domain": d} for d in domains]
            )
        )
    return values


async def recommendation(
    session: AsyncSession, programme_id: uuid.UUID, mission_id: uuid.UUID, **overrides: Any
) -> dict[str, Any]:
    """An open recommendation of a mission to its programme."""
    values: dict[str, Any] = {
        "id": uuid7(),
        "programme_id": programme_id,
        "mission_id": mission_id,
        "domain": ExpertiseDomain.OPERATIONS_MANAGEMENT,
        "text": unique("Call every borrower 3 days late"),
        "owner": "Head of operations",
        "due_on": date(2024, 6, 30),
        "status": RecommendationStatus.OPEN,
        "status_changed_on": None,
    }
    values.update(overrides)
    await session.execute(insert(Recommendation).values(**values))
    return values


async def attachment(
    session: AsyncSession, programme_id: uuid.UUID, mission_id: uuid.UUID, **overrides: Any
) -> dict[str, Any]:
    """A link to a document of a mission."""
    values: dict[str, Any] = {
        "id": uuid7(),
        "programme_id": programme_id,
        "mission_id": mission_id,
        "title": unique("Mission report"),
        "url": "https://docs.example.org/missions/report.pdf",
        "added_by": "claire@entrepreneursdumonde.org",
    }
    values.update(overrides)
    await session.execute(insert(MissionAttachment).values(**values))
    return values


async def status_change(
    session: AsyncSession, recommendation: dict[str, Any], **overrides: Any
) -> dict[str, Any]:
    """A step of a recommendation's follow-up (the recommendation's own status is left as is)."""
    values: dict[str, Any] = {
        "id": uuid7(),
        "programme_id": recommendation["programme_id"],
        "recommendation_id": recommendation["id"],
        "from_status": None,
        "to_status": RecommendationStatus.OPEN,
        "changed_on": date(2024, 3, 8),
        "comment": "",
        "changed_by": "claire@entrepreneursdumonde.org",
        "changed_by_role": "EXPERT",
    }
    values.update(overrides)
    await session.execute(insert(RecommendationStatusChange).values(**values))
    return values
