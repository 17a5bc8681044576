import uuid
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import RowMapping
from strawberry.dataloader import DataLoader

from db import missions
from db.engine import Database
from db.pagination import Page, PageArgs
from db.scope import Scope
from domain.indicators import ProgrammeFigures

from . import indicators
from .base import CountKey, PageKey, all_by, counts_by, pages_by, rows_by_id


@dataclass(frozen=True, slots=True)
class MissionLoaders:
    expert_by_id: DataLoader[uuid.UUID, RowMapping | None]
    mission_by_id: DataLoader[uuid.UUID, RowMapping | None]
    recommendation_by_id: DataLoader[uuid.UUID, RowMapping | None]
    experts_by_programme: DataLoader[uuid.UUID, list[RowMapping]]
    experts_by_mission: DataLoader[uuid.UUID, list[RowMapping]]
    programmes_by_expert: DataLoader[uuid.UUID, list[RowMapping]]
    missions_page_by_programme: DataLoader[PageKey, Page]
    missions_count_by_programme: DataLoader[CountKey, int]
    missions_page_by_expert: DataLoader[PageKey, Page]
    missions_count_by_expert: DataLoader[CountKey, int]
    recommendations_page_by_mission: DataLoader[PageKey, Page]
    recommendations_count_by_mission: DataLoader[CountKey, int]
    attachment_by_id: DataLoader[uuid.UUID, RowMapping | None]
    attachments_by_mission: DataLoader[uuid.UUID, list[RowMapping]]
    status_changes_by_recommendation: DataLoader[uuid.UUID, list[RowMapping]]
    # A programme's missions in time order, and its portfolio on a mission's day.
    support_history_page_by_programme: DataLoader[PageKey, Page]
    portfolio_as_of: DataLoader[tuple[uuid.UUID, date], ProgrammeFigures | None]


def _support_history_pages(db: Database, scope: Scope) -> DataLoader[PageKey, Page]:
    async def load(keys: Sequence[PageKey]) -> list[Page]:
        batches: defaultdict[tuple[Hashable, PageArgs], list[uuid.UUID]] = defaultdict(list)
        for key in keys:
            batches[key.filter, key.args].append(key.parent_id)
        pages: dict[PageKey, Page] = {}
        async with db.read() as session:
            for (filter, args), parent_ids in batches.items():
                assert filter is None or isinstance(filter, missions.MissionFilter)
                found = await missions.support_history_pages(
                    session, scope, filter, parent_ids, args
                )
                pages.update({PageKey(p, filter, args): page for p, page in found.items()})
        return [pages[key] for key in keys]

    return DataLoader(load_fn=load)


def _portfolio_as_of(
    db: Database, scope: Scope
) -> DataLoader[tuple[uuid.UUID, date], ProgrammeFigures | None]:
    """The indicators' portfolio on a day: the same figures as `indicators(asOf:)`."""

    async def load(keys: Sequence[tuple[uuid.UUID, date]]) -> list[ProgrammeFigures | None]:
        found = await indicators.portfolios(db, scope, keys, date.today())
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def build(db: Database, scope: Scope) -> MissionLoaders:
    by_programme = missions.missions.c.programme_id
    by_expert = missions.mission_experts.c.expert_id
    by_mission = missions.recommendations.c.mission_id
    return MissionLoaders(
        expert_by_id=rows_by_id(db, scope, missions.EXPERTS),
        mission_by_id=rows_by_id(db, scope, missions.MISSIONS),
        recommendation_by_id=rows_by_id(db, scope, missions.RECOMMENDATIONS),
        experts_by_programme=all_by(
            db, scope, missions.EXPERTS_OF_PROGRAMMES, missions.expert_programmes.c.programme_id
        ),
        experts_by_mission=all_by(
            db, scope, missions.EXPERTS_OF_MISSIONS, missions.mission_experts.c.mission_id
        ),
        programmes_by_expert=all_by(
            db, scope, missions.PROGRAMMES_OF_EXPERTS, missions.expert_programmes.c.expert_id
        ),
        missions_page_by_programme=pages_by(db, scope, missions.MISSIONS, by_programme),
        missions_count_by_programme=counts_by(db, scope, missions.MISSIONS, by_programme),
        missions_page_by_expert=pages_by(db, scope, missions.MISSIONS_OF_EXPERTS, by_expert),
        missions_count_by_expert=counts_by(db, scope, missions.MISSIONS_OF_EXPERTS, by_expert),
        recommendations_page_by_mission=pages_by(db, scope, missions.RECOMMENDATIONS, by_mission),
        recommendations_count_by_mission=counts_by(db, scope, missions.RECOMMENDATIONS, by_mission),
        attachment_by_id=rows_by_id(db, scope, missions.ATTACHMENTS),
        attachments_by_mission=all_by(
            db, scope, missions.ATTACHMENTS, missions.attachments.c.mission_id
        ),
        status_changes_by_recommendation=all_by(
            db, scope, missions.STATUS_CHANGES, missions.status_changes.c.recommendation_id
        ),
        support_history_page_by_programme=_support_history_pages(db, scope),
        portfolio_as_of=_portfolio_as_of(db, scope),
    )
