"""Head-office technical experts, their support missions and the recommendations they leave:
reads, head office's support figures, and the inputs and payloads of their writes."""

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self

import strawberry
from strawberry import relay

from db import missions as db_missions
from db.pagination import Listing, PageArgs
from domain import indicators as formulas
from domain import missions as rules

from ..context import Info
from ..dataloaders.base import CountKey, PageKey
from ..errors import InvalidArgument
from .enums import (
    ExpertiseDomain,
    MissionMode,
    MissionStatus,
    ProgrammePhase,
    RecommendationStatus,
)
from .fields import child_list, children, listing_connection, parent, root_connection
from .money import Money
from .mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError
from .relay import Connection, RowNode, as_tuple, connection, node_keys, page_args

if TYPE_CHECKING:
    from .groups import DateRange
    from .network import Programme

_network = "graph.schema.network"
_groups = "graph.schema.groups"
_Programme = Annotated["Programme", strawberry.lazy(_network)]


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
    held_between: Annotated["DateRange", strawberry.lazy(_groups)] | None = strawberry.field(
        default=None,
        description="Missions whose days overlap this span: the actual days once started (a "
        "mission under way runs on), the planned days otherwise.",
    )

    def to_db(self) -> db_missions.MissionFilter:
        planned = self.planned_between
        held = self.held_between
        return db_missions.MissionFilter(
            programme_codes=as_tuple(self.programmes),
            country_codes=as_tuple(self.countries),
            domains=as_tuple(self.domains),
            expert_ids=node_keys(self.experts, "Expert", "filter.experts"),
            phases=as_tuple(self.phases),
            modes=as_tuple(self.modes),
            statuses=as_tuple(self.statuses),
            planned_from=planned.from_ if planned else None,
            planned_to=planned.to if planned else None,
            held_from=held.from_ if held else None,
            held_to=held.to if held else None,
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
    due_between: Annotated["DateRange", strawberry.lazy(_groups)] | None = strawberry.field(
        default=None, description="Only those due in this span (both ends included)."
    )

    def to_db(self) -> db_missions.RecommendationFilter:
        due = self.due_between
        return db_missions.RecommendationFilter(
            programme_codes=as_tuple(self.programmes),
            statuses=as_tuple(self.statuses),
            domains=as_tuple(self.domains),
            overdue_as_of=self.overdue_as_of,
            due_from=due.from_ if due else None,
            due_to=due.to if due else None,
        )


@strawberry.type(description="A document of a mission, as a link (no file is stored here).")
class MissionAttachment:
    title: str = strawberry.field(description="What it is, e.g. Terms of reference.")
    url: str = strawberry.field(description="Where it is: an http(s) link.")
    added_by: str = strawberry.field(description="Who added it (their login or email).")
    added_at: datetime = strawberry.field(description="When it was added.")
    # Not a Node in the API, but read back by id like one (missionAttachmentAdd's payload).
    mission_id: strawberry.Private[uuid.UUID]
    listing: ClassVar[Listing[None]] = db_missions.ATTACHMENTS

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Self:
        return cls(
            title=row["title"],
            url=row["url"],
            added_by=row["added_by"],
            added_at=row["added_at"],
            mission_id=row["mission_id"],
        )


@strawberry.type(description="One step of a recommendation's follow-up.")
class RecommendationStatusChange:
    from_status: RecommendationStatus | None = strawberry.field(
        description="The status before; null for the first step, when it was made."
    )
    status: RecommendationStatus = strawberry.field(description="The status from then on.")
    changed_on: date = strawberry.field(description="The day it changed.")
    comment: str = strawberry.field(description="What was done or decided.")
    changed_by: str = strawberry.field(description="Who recorded it (their login or email).")
    changed_by_role: str = strawberry.field(
        description="The role they recorded it as: HEAD_OFFICE, EXPERT or PROGRAMME_STAFF."
    )
    listing: ClassVar[Listing[None]] = db_missions.STATUS_CHANGES

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Self:
        return cls(
            from_status=row["from_status"],
            status=row["to_status"],
            changed_on=row["changed_on"],
            comment=row["comment"],
            changed_by=row["changed_by"],
            changed_by_role=row["changed_by_role"],
        )


@strawberry.federation.type(
    keys=["id"], description="A head-office technical expert who supports programmes."
)
class Expert(RowNode):
    id: relay.NodeID[uuid.UUID]
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(description="Last name.")
    email: str = strawberry.field(description="Work email address.")
    based_in: str = strawberry.field(description="Where the expert works from, e.g. Lyon.")
    domains: list[ExpertiseDomain] = strawberry.field(
        description="The expert's domains of expertise."
    )
    listing = db_missions.EXPERTS
    programmes = child_list(
        _Programme,
        db_missions.expert_programmes.c.expert_id,
        listing=db_missions.PROGRAMMES_OF_EXPERTS,
        description="The programmes the expert supports, among those visible.",
    )
    missions = children(
        "Mission",
        db_missions.mission_experts.c.expert_id,
        filter=MissionFilter,
        listing=db_missions.MISSIONS_OF_EXPERTS,
        description="The missions the expert is on, among those visible.",
    )


@strawberry.federation.type(
    keys=["id"], description="A technical-support mission of head-office experts to a programme."
)
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
    status_reason: str = strawberry.field(
        description="Why the status last changed, when a reason was given (cancelled, "
        "reopened); empty otherwise."
    )
    domains: list[ExpertiseDomain] = strawberry.field(
        description="The domains of expertise the mission covers."
    )
    programme_id: strawberry.Private[uuid.UUID]
    expert_count: strawberry.Private[int]
    listing = db_missions.MISSIONS
    programme = parent(
        _Programme, "programme_id", description="The programme the mission supports."
    )
    experts = child_list(
        Expert,
        db_missions.mission_experts.c.mission_id,
        listing=db_missions.EXPERTS_OF_MISSIONS,
        description="The experts on the mission, among those visible.",
    )
    recommendations = children(
        "Recommendation",
        db_missions.recommendations.c.mission_id,
        filter=RecommendationFilter,
        description="What the mission recommended to the programme.",
    )
    attachments = child_list(
        MissionAttachment,
        db_missions.attachments.c.mission_id,
        description="Documents of the mission (links), oldest first.",
    )

    @strawberry.field(
        description="Days of expert time: the actual days (both ends included) once COMPLETED, "
        "the planned days otherwise, none once CANCELLED; times the number of experts on the "
        "mission."
    )
    def expert_days(self) -> int:
        return rules.expert_days(
            self.status,
            planned_start_on=self.planned_start_on,
            planned_end_on=self.planned_end_on,
            actual_start_on=self.actual_start_on,
            actual_end_on=self.actual_end_on,
            experts=self.expert_count,
        )


@strawberry.federation.type(
    keys=["id"], description="A recommendation a mission left to the programme, and its follow-up."
)
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
    listing = db_missions.RECOMMENDATIONS
    programme = parent(_Programme, "programme_id", description="The programme it is addressed to.")
    mission = parent(Mission | None, "mission_id", description="The mission that made it.")
    status_history = child_list(
        RecommendationStatusChange,
        db_missions.status_changes.c.recommendation_id,
        description="Its follow-up, oldest first: when it was made (OPEN), then each status "
        "change with its day, comment and author.",
    )

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
        return rules.is_overdue(self.status, self.due_on, as_of or date.today())


@strawberry.type(
    description="Support through a set of missions, with the follow-up of the recommendations "
    "those missions made."
)
class SupportFigures:
    missions: int = strawberry.field(description="How many missions.")
    expert_days: int = strawberry.field(description="Days of expert time (see Mission.expertDays).")
    open_recommendations: int = strawberry.field(
        description="Their recommendations still to be done (OPEN or IN_PROGRESS)."
    )
    overdue_recommendations: int = strawberry.field(
        description="Of those, the ones due before the summary's day (asOf)."
    )


def support_figures(figures: db_missions.SupportFigures) -> dict[str, int]:
    return {
        "missions": figures.missions,
        "expert_days": figures.expert_days,
        "open_recommendations": figures.open_recommendations,
        "overdue_recommendations": figures.overdue_recommendations,
    }


@strawberry.type(description="The support one programme received.")
class ProgrammeSupport(SupportFigures):
    programme_id: strawberry.Private[uuid.UUID]

    @classmethod
    def of(cls, programme_id: uuid.UUID, figures: db_missions.SupportFigures) -> Self:
        return cls(programme_id=programme_id, **support_figures(figures))

    programme = parent(_Programme, "programme_id", description="The programme supported.")


@strawberry.type(
    description="The support given in one domain of expertise: the missions covering it (a "
    "mission covering two domains counts in both, with all its expert-days) and the "
    "recommendations made in it."
)
class DomainSupport(SupportFigures):
    domain: ExpertiseDomain = strawberry.field(description="The domain.")

    @classmethod
    def of(cls, domain: ExpertiseDomain, figures: db_missions.SupportFigures) -> Self:
        return cls(domain=domain, **support_figures(figures))


@strawberry.type(
    description="Head office's view of the support given: which programmes got which support, "
    "in which domain, and how the recommendations are followed up. Counted in the database; "
    "each part is computed only when asked for."
)
class SupportSummary:
    filter: strawberry.Private[db_missions.MissionFilter | None]
    as_of: date = strawberry.field(description="The day recommendations are judged overdue at.")

    @strawberry.field(description="All the missions chosen, each counted once.")
    async def total(self, info: Info) -> SupportFigures:
        ctx = info.context
        async with ctx.db.read() as session:
            figures = await db_missions.support_total(
                session, ctx.viewer.scope, self.filter, self.as_of
            )
        return SupportFigures(**support_figures(figures))

    @strawberry.field(
        description="Per programme the filter allows (by programmes and countries), by code, "
        "those without support included."
    )
    async def by_programme(self, info: Info) -> list[ProgrammeSupport]:
        ctx = info.context
        async with ctx.db.read() as session:
            rows = await db_missions.support_by_programme(
                session, ctx.viewer.scope, self.filter, self.as_of
            )
        return [ProgrammeSupport.of(pid, figures) for pid, figures in rows]

    @strawberry.field(
        description="Per domain (the filter's domains, or all nine), in the domains' order, "
        "those without support included."
    )
    async def by_domain(self, info: Info) -> list[DomainSupport]:
        ctx = info.context
        async with ctx.db.read() as session:
            rows = await db_missions.support_by_domain(
                session, ctx.viewer.scope, self.filter, self.as_of
            )
        return [DomainSupport.of(domain, figures) for domain, figures in rows]


@strawberry.type(
    description="A mission in a programme's support history, next to the programme's portfolio "
    "on the mission's day (when it started or is planned to, or today if that is later). "
    "Figures are rebuilt from the repayment schedule and ledger as they stood that day."
)
class SupportHistoryEntry:
    mission: Mission = strawberry.field(description="The mission.")
    on: date = strawberry.field(description="The day the figures are read at.")
    gross_loan_portfolio: Money = strawberry.field(
        description="GLP: outstanding principal of the loans outstanding that day (disbursed, "
        "neither repaid nor written off yet)."
    )
    portfolio_at_risk_30: Money = strawberry.field(
        description="Outstanding principal of those loans with an installment more than 30 "
        "days past due that day (the whole principal of such a loan counts)."
    )
    par30: Decimal | None = strawberry.field(
        description="portfolioAtRisk30 / grossLoanPortfolio, as a fraction (0.0523 is 5.23%), "
        "4 decimals; null when the portfolio is empty."
    )
    active_borrowers: int = strawberry.field(
        description="Members with at least one loan outstanding that day."
    )


async def support_history(
    info: Info,
    programme_id: uuid.UUID,
    currency_code: str,
    filter: MissionFilter | None,
    args: PageArgs,
) -> Connection[SupportHistoryEntry]:
    """A programme's missions in time order, each with the portfolio on its day (for
    Programme.supportHistory): one statement for the pages, one for the figures of every
    mission on them."""
    loaders = info.context.loaders
    db_filter = filter.to_db() if filter else None
    page = await loaders.missions.support_history_page_by_programme.load(
        PageKey(programme_id, db_filter, args)
    )
    today = date.today()
    days = [
        rules.mission_day(row["planned_start_on"], row["actual_start_on"], today)
        for row in page.rows
    ]
    try:
        portfolios = await loaders.missions.portfolio_as_of.load_many(
            [(programme_id, d) for d in days]
        )
    except formulas.MissingRate as missing:
        raise InvalidArgument("supportHistory", f"{missing}: add the exchange rates") from None
    by_mission = {
        row["id"]: (day, portfolio)
        for row, day, portfolio in zip(page.rows, days, portfolios, strict=True)
    }

    def entry(row: Mapping[Any, Any]) -> SupportHistoryEntry:
        day, portfolio = by_mission[row["id"]]
        if portfolio is None:
            zero = Money.of(Decimal(0), currency_code)
            return SupportHistoryEntry(
                mission=Mission.from_row(row),
                on=day,
                gross_loan_portfolio=zero,
                portfolio_at_risk_30=zero,
                par30=None,
                active_borrowers=0,
            )
        amounts = portfolio.amounts
        return SupportHistoryEntry(
            mission=Mission.from_row(row),
            on=day,
            gross_loan_portfolio=Money.of(amounts["gross_loan_portfolio"].local, currency_code),
            portfolio_at_risk_30=Money.of(amounts["portfolio_at_risk_30"].local, currency_code),
            par30=portfolio.ratios().par30,
            active_borrowers=portfolio.counts.active_borrowers,
        )

    # The same missions as Programme.missions with that filter: its count loader is shared.
    counts = loaders.counts(db_missions.MISSIONS, db_missions.missions.c.programme_id)
    return connection(page, entry, lambda: counts.load(CountKey(programme_id, db_filter)))


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
        f = db_missions.ExpertFilter(domains=tuple(domains)) if domains is not None else None
        args = page_args(info, first, after, last, before)
        return await listing_connection(info, db_missions.EXPERTS, f, Expert.from_row, args)

    missions = root_connection(
        Mission,
        filter=MissionFilter,
        description="Technical-support missions across the visible programmes.",
    )
    recommendations = root_connection(
        Recommendation,
        filter=RecommendationFilter,
        description="Missions' recommendations across the visible programmes.",
    )

    @strawberry.field(
        description="Support per programme and per domain: missions, expert-days, open and "
        "overdue recommendations, over the missions the filter chooses among the visible ones."
    )
    def support_summary(
        self,
        filter: MissionFilter | None = None,
        as_of: Annotated[
            date | None,
            strawberry.argument(
                description="The day to judge overdue recommendations at; today if omitted."
            ),
        ] = None,
    ) -> SupportSummary:
        return SupportSummary(
            filter=filter.to_db() if filter else None, as_of=as_of or date.today()
        )


def _key() -> Any:
    return strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.input(description="A mission to plan (it starts PLANNED).")
class MissionPlanInput:
    programme: relay.GlobalID = strawberry.field(description="The programme to support.")
    title: str = strawberry.field(description="What the mission is about.")
    mode: MissionMode = strawberry.field(description="On site or remote.")
    planned_start_on: date = strawberry.field(description="First day planned.")
    planned_end_on: date = strawberry.field(description="Last day planned; not before the first.")
    domains: list[ExpertiseDomain] = strawberry.field(
        description="The domains it covers (at least one)."
    )
    experts: list[relay.GlobalID] = strawberry.field(
        default_factory=list,
        description="The experts on it. An expert planning a mission is on it without naming "
        "herself; head office names at least one. Each then supports the programme.",
    )
    phase: ProgrammePhase | None = strawberry.field(
        default=None, description="The mentoring phase; the programme's current phase if omitted."
    )
    objectives: str = strawberry.field(default="", description="What it sets out to achieve.")
    idempotency_key: str | None = _key()


@strawberry.input(description="A planned mission that starts.")
class MissionStartInput:
    mission: relay.GlobalID = strawberry.field(description="The mission (PLANNED).")
    actual_start_on: date = strawberry.field(description="First day worked; not in the future.")
    idempotency_key: str | None = _key()


@strawberry.input(description="What the experts found, replacing the findings so far.")
class MissionFindingsLogInput:
    mission: relay.GlobalID = strawberry.field(description="The mission (under way or completed).")
    findings: str = strawberry.field(description="The findings, in full.")
    idempotency_key: str | None = _key()


@strawberry.input(description="A mission that is over.")
class MissionCompleteInput:
    mission: relay.GlobalID = strawberry.field(description="The mission (PLANNED or IN_PROGRESS).")
    actual_end_on: date = strawberry.field(
        description="Last day worked: not before the first, not in the future."
    )
    actual_start_on: date | None = strawberry.field(
        default=None,
        description="First day worked: required if the mission never started, else a correction.",
    )
    findings: str | None = strawberry.field(
        default=None, description="The findings in full, if they change."
    )
    idempotency_key: str | None = _key()


@strawberry.input(description="A mission that will not take place, or not go on.")
class MissionCancelInput:
    mission: relay.GlobalID = strawberry.field(description="The mission (PLANNED or IN_PROGRESS).")
    reason: str = strawberry.field(default="", description="Why.")
    idempotency_key: str | None = _key()


@strawberry.input(description="A completed or cancelled mission opened again.")
class MissionReopenInput:
    mission: relay.GlobalID = strawberry.field(description="The mission (COMPLETED or CANCELLED).")
    reason: str = strawberry.field(
        default="",
        description="Why: required for a COMPLETED mission (REASON_REQUIRED without one).",
    )
    idempotency_key: str | None = _key()


@strawberry.input(description="A link to a document of a mission.")
class MissionAttachmentAddInput:
    mission: relay.GlobalID = strawberry.field(description="The mission.")
    title: str = strawberry.field(description="What the document is.")
    url: str = strawberry.field(description="An http:// or https:// link to it.")
    idempotency_key: str | None = _key()


@strawberry.input(description="A recommendation of a mission (under way or completed).")
class RecommendationAddInput:
    mission: relay.GlobalID = strawberry.field(description="The mission making it.")
    domain: ExpertiseDomain = strawberry.field(description="The domain it belongs to.")
    text: str = strawberry.field(description="What is recommended.")
    owner: str = strawberry.field(description="Who at the programme is responsible for it.")
    due_on: date = strawberry.field(
        description="When it should be done by; not before the mission starts."
    )
    idempotency_key: str | None = _key()


@strawberry.input(description="Changes to a recommendation; omitted fields stay as they are.")
class RecommendationUpdateInput:
    recommendation: relay.GlobalID = strawberry.field(description="The recommendation.")
    domain: ExpertiseDomain | None = strawberry.field(default=None, description="The domain.")
    text: str | None = strawberry.field(default=None, description="What is recommended.")
    owner: str | None = strawberry.field(default=None, description="Who is responsible for it.")
    due_on: date | None = strawberry.field(default=None, description="When it is due.")
    idempotency_key: str | None = _key()


@strawberry.input(
    description="A step of a recommendation's follow-up: its new status, the day, a comment."
)
class RecommendationStatusUpdateInput:
    recommendation: relay.GlobalID = strawberry.field(description="The recommendation.")
    status: RecommendationStatus = strawberry.field(
        description="Its status from that day; not the current one."
    )
    comment: str = strawberry.field(description="What was done or decided (required).")
    on: date | None = strawberry.field(
        default=None,
        description="The day it changed: today if omitted; not in the future, not before its "
        "last change.",
    )
    idempotency_key: str | None = _key()


_REPLAYED = "True when this is the first result of an earlier request with the same key."


@strawberry.type(description="The result of a change to a mission.")
class MissionPayload:
    mission: Mission | None = strawberry.field(description="The mission; null if refused.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(description="The result of missionPlan.")
class MissionPlanPayload(MissionPayload):
    pass


@strawberry.type(description="The result of missionStart.")
class MissionStartPayload(MissionPayload):
    pass


@strawberry.type(description="The result of missionFindingsLog.")
class MissionFindingsLogPayload(MissionPayload):
    pass


@strawberry.type(description="The result of missionComplete.")
class MissionCompletePayload(MissionPayload):
    pass


@strawberry.type(description="The result of missionCancel.")
class MissionCancelPayload(MissionPayload):
    pass


@strawberry.type(description="The result of missionReopen.")
class MissionReopenPayload(MissionPayload):
    pass


@strawberry.type(description="The result of missionAttachmentAdd.")
class MissionAttachmentAddPayload:
    attachment: MissionAttachment | None = strawberry.field(
        description="The new attachment; null if refused."
    )
    mission: Mission | None = strawberry.field(description="Its mission; null if refused.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(description="The result of a change to a recommendation.")
class RecommendationPayload:
    recommendation: Recommendation | None = strawberry.field(
        description="The recommendation; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(description="The result of recommendationAdd.")
class RecommendationAddPayload(RecommendationPayload):
    pass


@strawberry.type(description="The result of recommendationUpdate.")
class RecommendationUpdatePayload(RecommendationPayload):
    pass


@strawberry.type(description="The result of recommendationStatusUpdate.")
class RecommendationStatusUpdatePayload(RecommendationPayload):
    pass
