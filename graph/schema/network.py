"""The network, its programmes, countries, partners and autonomy milestones."""

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from db import network as db_network

from ..context import Info
from ..resolvers import groups as groups_resolvers
from ..resolvers import loans as loans_resolvers
from ..resolvers import missions as missions_resolvers
from ..resolvers import network as resolvers
from ..resolvers import savings as savings_resolvers
from .enums import ProgrammePhase
from .money import Currency, ExchangeRate
from .mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError
from .relay import Connection, RowNode, as_tuple

if TYPE_CHECKING:
    from .groups import Facilitator, Group, GroupFilter, Member, MemberFilter, TrainingSession
    from .loans import Loan, LoanFilter, LoanProduct
    from .missions import Expert, Mission, MissionFilter, SupportHistoryEntry
    from .savings import SavingsAccount, SavingsAccountFilter

_groups = "graph.schema.groups"
_loans = "graph.schema.loans"
_savings = "graph.schema.savings"
_missions = "graph.schema.missions"


@strawberry.type(description="A country where the network runs a programme.")
class Country:
    code: str = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. SN.")
    name: str = strawberry.field(description="English name.")


@strawberry.type(description="A funder or partner of a programme.")
class Partner:
    name: str = strawberry.field(description="The partner's name, e.g. AFD.")
    kind: str = strawberry.field(description="FUNDER, TECHNICAL or INSTITUTIONAL.")
    since: date | None = strawberry.field(description="When the partnership began, if known.")


@strawberry.type(description="A step toward the programme becoming an autonomous local entity.")
class AutonomyMilestone:
    title: str = strawberry.field(description="E.g. legal registration, own MIS, board in place.")
    target_on: date | None = strawberry.field(description="When it is planned for.")
    achieved_on: date | None = strawberry.field(description="When it was reached; null if not yet.")
    evidence: str = strawberry.field(description="What shows it was reached (document, decision).")


@strawberry.type(description="One country operation of the network, e.g. FANSOTO in Senegal.")
class Programme(RowNode):
    id: relay.NodeID[uuid.UUID]
    code: str = strawberry.field(description="Short stable code, e.g. FANSOTO.")
    name: str = strawberry.field(description="The programme's name.")
    region: str = strawberry.field(description="Region(s) served, e.g. Casamance.")
    base_city: str = strawberry.field(description="Where the programme is based, e.g. Ziguinchor.")
    phase: ProgrammePhase = strawberry.field(description="Lifecycle phase toward autonomy.")
    started_on: date = strawberry.field(description="When the programme began.")
    description: str = strawberry.field(description="A short description.")
    initial_training_sessions: int = strawberry.field(
        description="Initial training sessions a member must attend before a first loan."
    )
    country_code: strawberry.Private[str]
    currency_code: strawberry.Private[str]

    @classmethod
    def loader(cls, info: Info) -> DataLoader[uuid.UUID, Any]:
        return info.context.loaders.network.programme_by_id

    @strawberry.field(description="The local currency its amounts are kept in.")
    def currency(self) -> Currency:
        return Currency.of(self.currency_code)

    @strawberry.field(description="The country it operates in.")
    async def country(self, info: Info) -> Country:
        return await resolvers.country(info, self.country_code)

    @strawberry.field(
        description="For a programme whose data lives in its own database and is replicated to "
        "head office: when the last change received from it was current (its last heartbeat; "
        "everything it committed before then is here). Null: its data is written here."
    )
    async def data_as_of(self, info: Info) -> datetime | None:
        return await info.context.loaders.network.data_as_of.load(self.id)

    @strawberry.field(description="Funders and partners.")
    async def partners(self, info: Info) -> list[Partner]:
        return await resolvers.partners(info, self.id)

    @strawberry.field(description="Milestones toward autonomy, planned and reached.")
    async def autonomy_milestones(self, info: Info) -> list[AutonomyMilestone]:
        return await resolvers.milestones(info, self.id)

    @strawberry.field(description="The programme's field staff.")
    async def facilitators(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["Facilitator", strawberry.lazy(_groups)]]:
        return await groups_resolvers.programme_facilitators(
            info, self.id, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="The programme's solidarity groups.")
    async def groups(
        self,
        info: Info,
        filter: Annotated["GroupFilter", strawberry.lazy(_groups)] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["Group", strawberry.lazy(_groups)]]:
        return await groups_resolvers.programme_groups(
            info, self.id, filter, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="The programme's members (beneficiaries).")
    async def members(
        self,
        info: Info,
        filter: Annotated["MemberFilter", strawberry.lazy(_groups)] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["Member", strawberry.lazy(_groups)]]:
        return await groups_resolvers.programme_members(
            info, self.id, filter, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="Training sessions held with the programme's groups.")
    async def training_sessions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["TrainingSession", strawberry.lazy(_groups)]]:
        return await groups_resolvers.programme_training_sessions(
            info, self.id, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="The loan products the programme offers.")
    async def loan_products(
        self, info: Info
    ) -> list[Annotated["LoanProduct", strawberry.lazy(_loans)]]:
        return await loans_resolvers.programme_loan_products(info, self.id)

    @strawberry.field(description="The programme's loans.")
    async def loans(
        self,
        info: Info,
        filter: Annotated["LoanFilter", strawberry.lazy(_loans)] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["Loan", strawberry.lazy(_loans)]]:
        return await loans_resolvers.programme_loans(
            info, self.id, filter, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="The programme's members' savings accounts.")
    async def savings_accounts(
        self,
        info: Info,
        filter: Annotated["SavingsAccountFilter", strawberry.lazy(_savings)] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["SavingsAccount", strawberry.lazy(_savings)]]:
        return await savings_resolvers.programme_savings_accounts(
            info, self.id, filter, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="Technical-support missions to the programme.")
    async def missions(
        self,
        info: Info,
        filter: Annotated["MissionFilter", strawberry.lazy(_missions)] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["Mission", strawberry.lazy(_missions)]]:
        return await missions_resolvers.programme_missions(
            info, self.id, filter, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="Head-office experts who support the programme.")
    async def experts(self, info: Info) -> list[Annotated["Expert", strawberry.lazy(_missions)]]:
        return await missions_resolvers.programme_experts(info, self.id)

    @strawberry.field(
        description="The programme's missions in time order (by the day each started, or is "
        "planned to), each next to the programme's portfolio on that day: support against "
        "results."
    )
    async def support_history(
        self,
        info: Info,
        filter: Annotated["MissionFilter", strawberry.lazy(_missions)] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["SupportHistoryEntry", strawberry.lazy(_missions)]]:
        return await missions_resolvers.programme_support_history(
            info,
            self.id,
            self.currency_code,
            filter,
            first=first,
            after=after,
            last=last,
            before=before,
        )


@strawberry.input(description="Narrows a list of programmes. Omitted fields do not filter.")
class ProgrammeFilter:
    codes: list[str] | None = strawberry.field(default=None, description="Programme codes.")
    countries: list[str] | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 country codes."
    )
    phases: list[ProgrammePhase] | None = strawberry.field(default=None, description="Phases.")
    currencies: list[str] | None = strawberry.field(
        default=None, description="ISO 4217 codes of local currencies."
    )

    def to_db(self) -> db_network.ProgrammeFilter:
        return db_network.ProgrammeFilter(
            codes=as_tuple(self.codes),
            country_codes=as_tuple(self.countries),
            phases=as_tuple(self.phases),
            currency_codes=as_tuple(self.currencies),
        )


@strawberry.type(description="The Entrepreneurs du Monde network: head office and programmes.")
class Network:
    name: str = strawberry.field(description="The network's name.")
    head_office: str = strawberry.field(description="Where the head office is.")
    network_id: strawberry.Private[uuid.UUID]
    reporting_currency_code: strawberry.Private[str]

    @strawberry.field(description="The currency head office consolidates in (EUR).")
    def reporting_currency(self) -> Currency:
        return Currency.of(self.reporting_currency_code)

    @strawberry.field(description="The programmes the viewer may see.")
    async def programmes(
        self,
        info: Info,
        filter: ProgrammeFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Programme]:
        return await resolvers.network_programmes(
            info, self.network_id, filter, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="Countries where the viewer may see a programme.")
    async def countries(self, info: Info) -> list[Country]:
        return await resolvers.countries(info)


@strawberry.type
class NetworkQuery:
    @strawberry.field(description="The network as a whole.")
    async def network(self, info: Info) -> Network | None:
        return await resolvers.network(info)

    @strawberry.field(description="Programmes across the network, as the viewer may see them.")
    async def programmes(
        self,
        info: Info,
        filter: ProgrammeFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Programme]:
        return await resolvers.programmes(
            info, filter, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="One programme by its code, e.g. FANSOTO; null if not visible.")
    async def programme(self, info: Info, code: str) -> Programme | None:
        return await resolvers.programme_by_code(info, code)

    @strawberry.field(description="Currencies the network's amounts are kept in.")
    async def currencies(self, info: Info) -> list[Currency]:
        return await resolvers.currencies(info)

    @strawberry.field(description="Monthly rates of a currency against the euro, oldest first.")
    async def exchange_rates(
        self,
        info: Info,
        currency: str,
        since: date | None = None,
        until: date | None = None,
    ) -> list[ExchangeRate]:
        return await resolvers.exchange_rates(info, currency, since, until)


@strawberry.input(
    description="A milestone toward autonomy, set in full: created, or, when the programme has "
    "one of that title, given these dates and evidence."
)
class MilestoneSetInput:
    programme: relay.GlobalID = strawberry.field(description="The programme.")
    title: str = strawberry.field(description="E.g. Legal registration; unique in the programme.")
    target_on: date | None = strawberry.field(default=None, description="When it is planned for.")
    achieved_on: date | None = strawberry.field(
        default=None, description="When it was reached: not in the future; needs evidence."
    )
    evidence: str = strawberry.field(
        default="", description="What shows it was reached (document, decision, link)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description="Changes to a milestone toward autonomy; omitted fields stay as they are, a "
    "date given as null is cleared."
)
class MilestoneUpdateInput:
    programme: relay.GlobalID = strawberry.field(description="The programme.")
    title: str = strawberry.field(description="The milestone's current title.")
    new_title: str | None = strawberry.field(default=None, description="A new title.")
    target_on: date | None = strawberry.field(
        default=strawberry.UNSET, description="When it is planned for."
    )
    achieved_on: date | None = strawberry.field(
        default=strawberry.UNSET,
        description="When it was reached: not in the future; needs evidence.",
    )
    evidence: str | None = strawberry.field(
        default=strawberry.UNSET, description="What shows it was reached."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of a change to a milestone toward autonomy.")
class MilestonePayload:
    milestone: AutonomyMilestone | None = strawberry.field(
        description="The milestone as it now is; null if refused."
    )
    programme: Programme | None = strawberry.field(
        description="Its programme (with all its milestones); null if refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )


@strawberry.type(description="The result of milestoneSet.")
class MilestoneSetPayload(MilestonePayload):
    pass


@strawberry.type(description="The result of milestoneUpdate.")
class MilestoneUpdatePayload(MilestonePayload):
    pass


@strawberry.type
class NetworkMutation:
    """The network domain's mutations (composed into Mutation in graph/api.py)."""

    @strawberry.mutation(
        description="Set a programme's milestone toward autonomy: its dates and evidence "
        "(head office)."
    )
    async def milestone_set(self, info: Info, input: MilestoneSetInput) -> MilestoneSetPayload:
        return await missions_resolvers.milestone_set(info, input)

    @strawberry.mutation(
        description="Change some of a milestone toward autonomy: title, dates, evidence "
        "(head office)."
    )
    async def milestone_update(
        self, info: Info, input: MilestoneUpdateInput
    ) -> MilestoneUpdatePayload:
        return await missions_resolvers.milestone_update(info, input)
