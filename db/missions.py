"""Experts, technical-support missions and their recommendations: scoped reads.

Missions and recommendations belong to a programme and are scoped by it. Experts are
head-office staff: a viewer sees an expert when it sees the whole network or when the expert
supports one of the viewer's programmes (`visible_experts`, the one place that rule lives).
"""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import (
    ExpertiseDomain,
    MissionMode,
    MissionStatus,
    ProgrammePhase,
    RecommendationStatus,
)

from .models import (
    Expert,
    ExpertDomain,
    ExpertProgramme,
    Mission,
    MissionDomain,
    MissionExpert,
    Programme,
    Recommendation,
)
from .network import in_programmes
from .pagination import Listing
from .scope import Scope

experts = Expert.__table__
expert_domains = ExpertDomain.__table__
expert_programmes = ExpertProgramme.__table__
missions = Mission.__table__
mission_experts = MissionExpert.__table__
mission_domains = MissionDomain.__table__
recommendations = Recommendation.__table__
programmes = Programme.__table__

# Statuses under which a recommendation past its due date is overdue.
PENDING_RECOMMENDATION = (RecommendationStatus.OPEN, RecommendationStatus.IN_PROGRESS)


@dataclass(frozen=True, slots=True)
class ExpertFilter:
    domains: tuple[ExpertiseDomain, ...] | None = None


@dataclass(frozen=True, slots=True)
class MissionFilter:
    programme_codes: tuple[str, ...] | None = None
    country_codes: tuple[str, ...] | None = None
    domains: tuple[ExpertiseDomain, ...] | None = None
    expert_ids: tuple[uuid.UUID, ...] | None = None
    phases: tuple[ProgrammePhase, ...] | None = None
    modes: tuple[MissionMode, ...] | None = None
    statuses: tuple[MissionStatus, ...] | None = None
    planned_from: date | None = None
    planned_to: date | None = None


@dataclass(frozen=True, slots=True)
class RecommendationFilter:
    programme_codes: tuple[str, ...] | None = None
    statuses: tuple[RecommendationStatus, ...] | None = None
    domains: tuple[ExpertiseDomain, ...] | None = None
    overdue_as_of: date | None = None


def visible_experts(scope: Scope) -> ColumnElement[bool]:
    """Experts the viewer may see: all of them, or those supporting one of its programmes."""
    if scope.programme_ids is None:
        return true()
    supported = (
        select(expert_programmes.c.expert_id)
        .where(scope.where(expert_programmes.c.programme_id))
        .correlate(None)
    )
    return experts.c.id.in_(supported)


# Domains as one array column and the number of experts ride along with each row: plain
# fields for the graph, no statement of their own. Correlated explicitly, since the same
# columns are selected next to the link tables.
_expert_domains = func.array(
    select(expert_domains.c.domain)
    .where(expert_domains.c.expert_id == experts.c.id)
    .order_by(expert_domains.c.domain)
    .correlate(experts)
    .scalar_subquery(),
    type_=ARRAY(expert_domains.c.domain.type),
).label("domains")

_mission_domains = func.array(
    select(mission_domains.c.domain)
    .where(mission_domains.c.mission_id == missions.c.id)
    .order_by(mission_domains.c.domain)
    .correlate(missions)
    .scalar_subquery(),
    type_=ARRAY(mission_domains.c.domain.type),
).label("domains")

_expert_count = (
    select(func.count())
    .where(mission_experts.c.mission_id == missions.c.id)
    .correlate(missions)
    .scalar_subquery()
    .label("expert_count")
)


def _experts(scope: Scope, f: ExpertFilter | None, *extra: Any) -> Select[Any]:
    stmt = select(experts, _expert_domains, *extra).where(visible_experts(scope))
    if f is not None and f.domains is not None:
        stmt = stmt.where(
            exists()
            .where(
                expert_domains.c.expert_id == experts.c.id,
                expert_domains.c.domain.in_(f.domains),
            )
            .correlate(experts)
        )
    return stmt


def _filter_missions(stmt: Select[Any], f: MissionFilter | None) -> Select[Any]:
    if f is None:
        return stmt
    if f.programme_codes is not None:
        stmt = stmt.where(in_programmes(missions.c.programme_id, f.programme_codes))
    if f.country_codes is not None:
        stmt = stmt.where(
            missions.c.programme_id.in_(
                select(programmes.c.id).where(programmes.c.country_code.in_(f.country_codes))
            )
        )
    if f.domains is not None:
        stmt = stmt.where(
            exists()
            .where(
                mission_domains.c.mission_id == missions.c.id,
                mission_domains.c.domain.in_(f.domains),
            )
            .correlate(missions)
        )
    if f.expert_ids is not None:
        stmt = stmt.where(
            exists()
            .where(
                mission_experts.c.mission_id == missions.c.id,
                mission_experts.c.expert_id.in_(f.expert_ids),
            )
            .correlate(missions)
        )
    if f.phases is not None:
        stmt = stmt.where(missions.c.phase.in_(f.phases))
    if f.modes is not None:
        stmt = stmt.where(missions.c.mode.in_(f.modes))
    if f.statuses is not None:
        stmt = stmt.where(missions.c.status.in_(f.statuses))
    # Planned between: the planned period overlaps the range (either bound may be open).
    if f.planned_from is not None:
        stmt = stmt.where(missions.c.planned_end_on >= f.planned_from)
    if f.planned_to is not None:
        stmt = stmt.where(missions.c.planned_start_on <= f.planned_to)
    return stmt


def _missions(scope: Scope, f: MissionFilter | None) -> Select[Any]:
    stmt = select(missions, _mission_domains, _expert_count)
    return _filter_missions(stmt.where(scope.where(missions.c.programme_id)), f)


def _missions_of_experts(scope: Scope, f: MissionFilter | None) -> Select[Any]:
    stmt = (
        select(missions, _mission_domains, _expert_count, mission_experts.c.expert_id)
        .join(mission_experts, mission_experts.c.mission_id == missions.c.id)
        .where(scope.where(missions.c.programme_id))
    )
    return _filter_missions(stmt, f)


def overdue(as_of: date) -> ColumnElement[bool]:
    """Still to be done and due before `as_of`."""
    return and_(
        recommendations.c.status.in_(PENDING_RECOMMENDATION),
        recommendations.c.due_on < as_of,
    )


def _recommendations(scope: Scope, f: RecommendationFilter | None) -> Select[Any]:
    stmt = select(recommendations).where(scope.where(recommendations.c.programme_id))
    if f is not None:
        if f.programme_codes is not None:
            stmt = stmt.where(in_programmes(recommendations.c.programme_id, f.programme_codes))
        if f.statuses is not None:
            stmt = stmt.where(recommendations.c.status.in_(f.statuses))
        if f.domains is not None:
            stmt = stmt.where(recommendations.c.domain.in_(f.domains))
        if f.overdue_as_of is not None:
            stmt = stmt.where(overdue(f.overdue_as_of))
    return stmt


def _experts_of_programmes(scope: Scope, _: None) -> Select[Any]:
    return (
        _experts(scope, None, expert_programmes.c.programme_id)
        .join(expert_programmes, expert_programmes.c.expert_id == experts.c.id)
        .where(scope.where(expert_programmes.c.programme_id))
    )


def _experts_of_missions(scope: Scope, _: None) -> Select[Any]:
    return (
        _experts(scope, None, mission_experts.c.mission_id)
        .join(mission_experts, mission_experts.c.expert_id == experts.c.id)
        .join(missions, missions.c.id == mission_experts.c.mission_id)
        .where(scope.where(missions.c.programme_id))
    )


def _programmes_of_experts(scope: Scope, _: None) -> Select[Any]:
    return (
        select(programmes, expert_programmes.c.expert_id)
        .join(expert_programmes, expert_programmes.c.programme_id == programmes.c.id)
        .where(scope.where(programmes.c.id))
    )


EXPERTS = Listing(_experts, experts.c.id)
MISSIONS = Listing(_missions, missions.c.id)
RECOMMENDATIONS = Listing(_recommendations, recommendations.c.id)
# Keyed by the link tables' parent column (see the loaders).
MISSIONS_OF_EXPERTS = Listing(_missions_of_experts, missions.c.id)
EXPERTS_OF_PROGRAMMES: Listing[None] = Listing(_experts_of_programmes, experts.c.id)
EXPERTS_OF_MISSIONS: Listing[None] = Listing(_experts_of_missions, experts.c.id)
PROGRAMMES_OF_EXPERTS: Listing[None] = Listing(_programmes_of_experts, programmes.c.id)


async def expert_by_email(
    session: AsyncSession, email: str
) -> tuple[uuid.UUID, frozenset[uuid.UUID]] | None:
    """An expert's key and the programmes she supports (to build her scope), by email."""
    expert_id = await session.scalar(select(experts.c.id).where(experts.c.email == email))
    if expert_id is None:
        return None
    supported = await session.scalars(
        select(expert_programmes.c.programme_id).where(expert_programmes.c.expert_id == expert_id)
    )
    return expert_id, frozenset(supported)
