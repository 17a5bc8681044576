from __future__ import annotations

import uuid

from db import missions as db_missions
from domain.enums import ExpertiseDomain

from ..context import Info
from ..schema import missions as types
from ..schema import network as network_types
from ..schema.relay import Connection
from .base import child_connection, root_connection


async def programme_missions(
    info: Info,
    programme_id: uuid.UUID,
    filter: types.MissionFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Mission]:
    loaders = info.context.loaders.missions
    return await child_connection(
        info,
        pages=loaders.missions_page_by_programme,
        counts=loaders.missions_count_by_programme,
        parent_id=programme_id,
        filter=filter.to_db() if filter else None,
        to_node=types.Mission.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def programme_experts(info: Info, programme_id: uuid.UUID) -> list[types.Expert]:
    rows = await info.context.loaders.missions.experts_by_programme.load(programme_id)
    return [types.Expert.from_row(row) for row in rows]


async def expert_programmes(info: Info, expert_id: uuid.UUID) -> list[network_types.Programme]:
    rows = await info.context.loaders.missions.programmes_by_expert.load(expert_id)
    return [network_types.Programme.from_row(row) for row in rows]


async def expert_missions(
    info: Info,
    expert_id: uuid.UUID,
    filter: types.MissionFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Mission]:
    loaders = info.context.loaders.missions
    return await child_connection(
        info,
        pages=loaders.missions_page_by_expert,
        counts=loaders.missions_count_by_expert,
        parent_id=expert_id,
        filter=filter.to_db() if filter else None,
        to_node=types.Mission.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def mission_experts(info: Info, mission_id: uuid.UUID) -> list[types.Expert]:
    rows = await info.context.loaders.missions.experts_by_mission.load(mission_id)
    return [types.Expert.from_row(row) for row in rows]


async def mission_recommendations(
    info: Info,
    mission_id: uuid.UUID,
    filter: types.RecommendationFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Recommendation]:
    loaders = info.context.loaders.missions
    return await child_connection(
        info,
        pages=loaders.recommendations_page_by_mission,
        counts=loaders.recommendations_count_by_mission,
        parent_id=mission_id,
        filter=filter.to_db() if filter else None,
        to_node=types.Recommendation.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def mission_by_id(info: Info, mission_id: uuid.UUID) -> types.Mission | None:
    row = await info.context.loaders.missions.mission_by_id.load(mission_id)
    return types.Mission.from_row(row) if row is not None else None


async def experts(
    info: Info,
    domains: list[ExpertiseDomain] | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Expert]:
    return await root_connection(
        info,
        listing=db_missions.EXPERTS,
        filter=db_missions.ExpertFilter(domains=tuple(domains)) if domains is not None else None,
        to_node=types.Expert.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def missions(
    info: Info,
    filter: types.MissionFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Mission]:
    return await root_connection(
        info,
        listing=db_missions.MISSIONS,
        filter=filter.to_db() if filter else None,
        to_node=types.Mission.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def recommendations(
    info: Info,
    filter: types.RecommendationFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Recommendation]:
    return await root_connection(
        info,
        listing=db_missions.RECOMMENDATIONS,
        filter=filter.to_db() if filter else None,
        to_node=types.Recommendation.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )
