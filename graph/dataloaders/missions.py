import uuid
from dataclasses import dataclass

from sqlalchemy.engine import RowMapping
from strawberry.dataloader import DataLoader

from db import missions
from db.engine import Database
from db.pagination import Page
from db.scope import Scope

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
    )
