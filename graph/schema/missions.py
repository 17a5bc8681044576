"""Head-office technical experts, their support missions and the recommendations they leave."""

import uuid
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from db import missions as db_missions

from ..context import Info
from ..errors import InvalidArgument
from ..resolvers import missions as resolvers
from ..resolvers import network as network_resolvers
from .enums import (
    ExpertiseDomain,
    MissionMode,
    MissionStatus,
    ProgrammePhase,
    RecommendationStatus,
)
from .relay import Connection, RowNode, parse_node_id

if TYPE_CHECKING:
    from .groups import DateRange
    from .network import Programme

_network = "graph.schema.network"
_missions = "graph.schema.missions"
_groups = "graph.schema.groups"


def _tuple(values: list[Any] | None) -> tuple[Any, ...] | None:
    return tuple(values) if values is not None else None


def _expert_ids(ids: list[relay.GlobalID] | None) -> tuple[uuid.UUID, ...] | None:
    if ids is None:
        return None
    found = []
    for global_id in ids:
        node_id = parse_node_id(global_id.node_id)
        if global_id.type_name != "Expert" or node_id is None:
            raise InvalidArgument("filter.experts", f"expects Expert IDs, got {global_id}")
        found.append(node_id)
    return tuple(found)


@strawberry.input(description="Narrows a list of missions. Omitted fields do not filter.")
class MissionFilter:
    programmes: list[str] | None = strawberry.field(default=None, description="Programme codes.")
    countries: list[str] | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 codes of the programmes' countries."
    )
    domains: list[ExpertiseDomain] | None = strawberry.field(
        default=None, description="Missions covering any of these domains."
    )
    experts: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="IDs of experts: missions any of them is on."
    )
    phases: list[ProgrammePhase] | None = strawberry.field(
        default=None, description="Mentoring phases."
    )
    modes: list[MissionMode] | None = strawberry.field(default=None, description="Modes.")
    statuses: list[MissionStatus] | None = strawberry.field(default=None, description="Statuses.")
    planned_between: Annotated["DateRange", strawberry.lazy(_groups)] | None = strawberry.field(
        default=None, description="Missions whose planned days overlap this span."
    )

    def to_db(self) -> db_missions.MissionFilter:
        planned = self.planned_between
        return db_missions.MissionFilter(
            programme_codes=_tuple(self.programmes),
            country_codes=_tuple(self.countries),
            domains=_tuple(self.domains),
            expert_ids=_expert_ids(self.experts),
            phases=_tuple(self.phases),
            modes=_tuple(self.modes),
            statuses=_tuple(self.statuses),
            planned_from=planned.from_ if planned else None,
            planned_to=planned.to if planned else None,
        )


@strawberry.input(description="Narrows a list of recommendations. Omitted fields do not filter.")
class RecommendationFilter:
    programmes: list[str] | None = strawberry.field(default=None, description="Programme codes.")
    statuses: list[RecommendationStatus] | None = strawberry.field(
        default=None, description="Follow-up statuses."
    )
    domains: list[ExpertiseDomain] | None = strawberry.field(default=None, description="Domains.")
    overdue_as_of: date | None = strawberry.field(
        default=None,
        description="Only those overdue at this day: OPEN or IN_PROGRESS and due before it.",
    )

    def to_db(self) -> db_missions.RecommendationFilter:
        return db_missions.RecommendationFilter(
            programme_codes=_tuple(self.programmes),
            statuses=_tuple(self.statuses),
            domains=_tuple(self.domains),
            overdue_as_of=self.overdue_as_of,
        )


@strawberry.type(description="A head-office technical expert who supports programmes.")
class Expert(RowNode):
    id: relay.NodeID[uuid.UUID]
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(description="Last name.")
    email: str = strawberry.field(description="Work email address.")
    based_in: str = strawberry.field(description="Where the expert works from, e.g. Lyon.")
    domains: list[ExpertiseDomain] = strawberry.field(
        description="The expert's domains of expertise."
    )

    @classmethod
    def loader(cls, info: Info) -> DataLoader[uuid.UUID, Any]:
        return info.context.loaders.missions.expert_by_id

    @strawberry.field(description="The programmes the expert supports, among those visible.")
    async def programmes(
        self, info: Info
    ) -> list[Annotated["Programme", strawberry.lazy(_network)]]:
        return await resolvers.expert_programmes(info, self.id)

    @strawberry.field(description="The missions the expert is on, among those visible.")
    async def missions(
        self,
        info: Info,
        filter: MissionFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["Mission", strawberry.lazy(_missions)]]:
        return await resolvers.expert_missions(
            info, self.id, filter, first=first, after=after, last=last, before=before
        )


@strawberry.type(description="A technical-support mission of head-office experts to a programme.")
class Mission(RowNode):
    id: relay.NodeID[uuid.UUID]
    title: str = strawberry.field(description="What the mission is about.")
    phase: ProgrammePhase = strawberry.field(
        description="The programme's phase the mission's mentoring belongs to."
    )
    mode: MissionMode = strawberry.field(description="On site or remote.")
    status: MissionStatus = strawberry.field(description="Where the mission stands.")
    planned_start_on: date = strawberry.field(description="First day planned.")
    planned_end_on: date = strawberry.field(description="Last day planned.")
    actual_start_on: date | None = strawberry.field(
        description="First day actually worked; null until it starts."
    )
    actual_end_on: date | None = strawberry.field(
        description="Last day actually worked; null until it ends."
    )
    objectives: str = strawberry.field(description="What the mission set out to achieve.")
    findings: str = strawberry.field(description="What the experts found.")
    domains: list[ExpertiseDomain] = strawberry.field(
        description="The domains of expertise the mission covers."
    )
    programme_id: strawberry.Private[uuid.UUID]
    expert_count: strawberry.Private[int]

    @classmethod
    def loader(cls, info: Info) -> DataLoader[uuid.UUID, Any]:
        return info.context.loaders.missions.mission_by_id

    @strawberry.field(description="The programme the mission supports.")
    async def programme(self, info: Info) -> Annotated["Programme", strawberry.lazy(_network)]:
        return await network_resolvers.programme_by_id(info, self.programme_id)

    @strawberry.field(description="The experts on the mission, among those visible.")
    async def experts(self, info: Info) -> list[Expert]:
        return await resolvers.mission_experts(info, self.id)

    @strawberry.field(description="What the mission recommended to the programme.")
    async def recommendations(
        self,
        info: Info,
        filter: RecommendationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["Recommendation", strawberry.lazy(_missions)]]:
        return await resolvers.mission_recommendations(
            info, self.id, filter, first=first, after=after, last=last, before=before
        )

    @strawberry.field(
        description="Days of expert time: the actual days (both ends included) once COMPLETED, "
        "the planned days otherwise, times the number of experts on the mission."
    )
    def expert_days(self) -> int:
        start, end = self.planned_start_on, self.planned_end_on
        if self.status is MissionStatus.COMPLETED and self.actual_start_on and self.actual_end_on:
            start, end = self.actual_start_on, self.actual_end_on
        return ((end - start).days + 1) * self.expert_count


@strawberry.type(description="A recommendation a mission left to the programme, and its follow-up.")
class Recommendation(RowNode):
    id: relay.NodeID[uuid.UUID]
    domain: ExpertiseDomain = strawberry.field(description="The domain it belongs to.")
    text: str = strawberry.field(description="What is recommended.")
    owner: str = strawberry.field(description="Who at the programme is responsible for it.")
    due_on: date = strawberry.field(description="When it should be done by.")
    status: RecommendationStatus = strawberry.field(description="Follow-up status.")
    status_changed_on: date | None = strawberry.field(
        description="When the status last changed; null if it never has."
    )
    programme_id: strawberry.Private[uuid.UUID]
    mission_id: strawberry.Private[uuid.UUID]

    @classmethod
    def loader(cls, info: Info) -> DataLoader[uuid.UUID, Any]:
        return info.context.loaders.missions.recommendation_by_id

    @strawberry.field(description="The programme it is addressed to.")
    async def programme(self, info: Info) -> Annotated["Programme", strawberry.lazy(_network)]:
        return await network_resolvers.programme_by_id(info, self.programme_id)

    @strawberry.field(description="The mission that made it.")
    async def mission(self, info: Info) -> Mission | None:
        return await resolvers.mission_by_id(info, self.mission_id)

    @strawberry.field(
        description="Whether it is still OPEN or IN_PROGRESS while due before `asOf`."
    )
    def overdue(
        self,
        as_of: Annotated[
            date | None,
            strawberry.argument(description="The day to judge at; today (server date) if omitted."),
        ] = None,
    ) -> bool:
        day = as_of if as_of is not None else date.today()
        return self.status in db_missions.PENDING_RECOMMENDATION and self.due_on < day


@strawberry.type
class MissionQuery:
    @strawberry.field(description="Head-office experts, as the viewer may see them.")
    async def experts(
        self,
        info: Info,
        domains: Annotated[
            list[ExpertiseDomain] | None,
            strawberry.argument(description="Only experts with any of these domains."),
        ] = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Expert]:
        return await resolvers.experts(
            info, domains, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="Technical-support missions across the visible programmes.")
    async def missions(
        self,
        info: Info,
        filter: MissionFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Mission]:
        return await resolvers.missions(
            info, filter, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="Missions' recommendations across the visible programmes.")
    async def recommendations(
        self,
        info: Info,
        filter: RecommendationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Recommendation]:
        return await resolvers.recommendations(
            info, filter, first=first, after=after, last=last, before=before
        )


@strawberry.type
class MissionMutation:
    """The missions domain's mutations (composed into Mutation in graph/api.py)."""
