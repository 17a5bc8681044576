"""The network, its programmes, countries, partners and autonomy milestones."""

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self

import strawberry
from strawberry import relay

from db import groups as db_groups
from db import loans as db_loans
from db import missions as db_missions
from db import network as db_network
from db import savings as db_savings
from db.pagination import Listing, PageArgs

from ..context import Info
from .enums import (
    DueDateRule,
    EarlyPayoffInterest,
    InstallmentFrequency,
    InterestMethod,
    ProgrammePhase,
)
from .fields import child_list, children, root_connection
from .money import Currency, ExchangeRate, MoneyInput
from .mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError
from .relay import Connection, RowNode, as_tuple, page_args

if TYPE_CHECKING:
    from .groups import Facilitator, Group, GroupFilter, Member, MemberFilter, TrainingSession
    from .loans import Loan, LoanFilter, LoanProduct
    from .missions import Expert, Mission, MissionFilter, SupportHistoryEntry
    from .savings import SavingsAccount, SavingsAccountFilter

_groups = "graph.schema.groups"
_loans = "graph.schema.loans"
_savings = "graph.schema.savings"
_missions = "graph.schema.missions"
_partners = db_network.partners.c


@strawberry.federation.type(
    keys=["code"], description="A country where the network runs a programme."
)
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
    listing: ClassVar[Listing[Any]] = db_network.MILESTONES

    title: str = strawberry.field(description="E.g. legal registration, own MIS, board in place.")
    target_on: date | None = strawberry.field(description="When it is planned for.")
    achieved_on: date | None = strawberry.field(description="When it was reached; null if not yet.")
    evidence: str = strawberry.field(description="What shows it was reached (document, decision).")
    programme_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            title=row["title"],
            target_on=row["target_on"],
            achieved_on=row["achieved_on"],
            evidence=row["evidence"],
            programme_id=row["programme_id"],
        )


@strawberry.federation.type(
    keys=["code", "id"],
    description="One country operation of the network, e.g. FANSOTO in Senegal.",
)
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

    listing = db_network.PROGRAMMES

    @strawberry.field(description="The local currency its amounts are kept in.")
    def currency(self) -> Currency:
        return Currency.of(self.currency_code)

    @strawberry.field(description="The country it operates in.")
    async def country(self, info: Info) -> Country:
        row = await info.context.loaders.network.country_by_code.load(self.country_code)
        assert row is not None, "programmes.country_code is a foreign key"
        return Country(code=row["code"], name=row["name"])

    @strawberry.field(
        description="For a programme whose data lives in its own database and is replicated to "
        "head office: when the last change received from it was current (its last heartbeat; "
        "everything it committed before then is here). Null: its data is written here."
    )
    async def data_as_of(self, info: Info) -> datetime | None:
        return await info.context.loaders.network.data_as_of.load(self.id)

    @strawberry.field(description="Funders and partners.")
    async def partners(self, info: Info) -> list[Partner]:
        rows = await info.context.loaders.all(db_network.PARTNERS, _partners.programme_id).load(
            self.id
        )
        return [Partner(name=r["name"], kind=r["kind"], since=r["since"]) for r in rows]

    autonomy_milestones = child_list(
        AutonomyMilestone,
        db_network.milestones.c.programme_id,
        description="Milestones toward autonomy, planned and reached.",
    )
    facilitators = children(
        Annotated["Facilitator", strawberry.lazy(_groups)],
        db_groups.facilitators.c.programme_id,
        description="The programme's field staff.",
    )
    groups = children(
        Annotated["Group", strawberry.lazy(_groups)],
        db_groups.groups.c.programme_id,
        filter=Annotated["GroupFilter", strawberry.lazy(_groups)],
        description="The programme's solidarity groups.",
    )
    members = children(
        Annotated["Member", strawberry.lazy(_groups)],
        db_groups.members.c.programme_id,
        filter=Annotated["MemberFilter", strawberry.lazy(_groups)],
        description="The programme's members (beneficiaries).",
    )
    training_sessions = children(
        Annotated["TrainingSession", strawberry.lazy(_groups)],
        db_groups.training_sessions.c.programme_id,
        description="Training sessions held with the programme's groups.",
    )
    loan_products = child_list(
        Annotated["LoanProduct", strawberry.lazy(_loans)],
        db_loans.products.c.programme_id,
        description="The loan products the programme offers.",
    )
    loans = children(
        Annotated["Loan", strawberry.lazy(_loans)],
        db_loans.loans.c.programme_id,
        filter=Annotated["LoanFilter", strawberry.lazy(_loans)],
        description="The programme's loans.",
    )
    savings_accounts = children(
        Annotated["SavingsAccount", strawberry.lazy(_savings)],
        db_savings.accounts.c.programme_id,
        filter=Annotated["SavingsAccountFilter", strawberry.lazy(_savings)],
        description="The programme's members' savings accounts.",
    )
    missions = children(
        Annotated["Mission", strawberry.lazy(_missions)],
        db_missions.missions.c.programme_id,
        filter=Annotated["MissionFilter", strawberry.lazy(_missions)],
        description="Technical-support missions to the programme.",
    )

    experts = child_list(
        Annotated["Expert", strawberry.lazy(_missions)],
        db_missions.expert_programmes.c.programme_id,
        listing=db_missions.EXPERTS_OF_PROGRAMMES,
        description="Head-office experts who support the programme.",
    )

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
        from .missions import support_history

        args = page_args(info, first, after, last, before)
        return await support_history(info, self.id, self.currency_code, filter, args)


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

    programmes = root_connection(
        Programme, filter=ProgrammeFilter, description="The programmes the viewer may see."
    )

    @strawberry.field(description="Countries where the viewer may see a programme.")
    async def countries(self, info: Info) -> list[Country]:
        async with info.context.db.read() as session:
            rows = await db_network.countries(session, info.context.viewer.scope)
        return [Country(code=row["code"], name=row["name"]) for row in rows]


@strawberry.type
class NetworkQuery:
    @strawberry.field(description="The network as a whole.")
    async def network(self, info: Info) -> Network | None:
        async with info.context.db.read() as session:
            row = await db_network.network(session)
        if row is None:
            return None
        return Network(
            name=row["name"],
            head_office=row["head_office"],
            network_id=row["id"],
            reporting_currency_code=row["reporting_currency_code"],
        )

    programmes = root_connection(
        Programme,
        filter=ProgrammeFilter,
        description="Programmes across the network, as the viewer may see them.",
    )

    @strawberry.field(description="One programme by its code, e.g. FANSOTO; null if not visible.")
    async def programme(self, info: Info, code: str) -> Programme | None:
        ctx = info.context
        only = db_network.ProgrammeFilter(codes=(code,))
        async with ctx.db.read() as session:
            page = await db_network.PROGRAMMES.page(session, ctx.viewer.scope, only, PageArgs(1))
        return Programme.from_row(page.rows[0]) if page.rows else None

    @strawberry.field(description="Currencies the network's amounts are kept in.")
    async def currencies(self, info: Info) -> list[Currency]:
        async with info.context.db.read() as session:
            rows = await db_network.currencies(session)
        return [Currency.of(row["code"]) for row in rows]

    @strawberry.field(description="Monthly rates of a currency against the euro, oldest first.")
    async def exchange_rates(
        self,
        info: Info,
        currency: str,
        since: date | None = None,
        until: date | None = None,
    ) -> list[ExchangeRate]:
        async with info.context.db.read() as session:
            rows = await db_network.exchange_rates(session, currency, since, until)
        return [ExchangeRate.from_row(row) for row in rows]


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


# --- Loan products (head office) and facilitators (head office or the programme's staff) ----

_TERMS_NOTE = (
    "A loan keeps the rate, interest method, frequency and fee it was applied for under; "
    "the number of installments is the product's when the loan is disbursed."
)


@strawberry.input(
    description="A band of loan cycles a product serves, with the principal it lends for them."
)
class LoanProductCycleInput:
    first_cycle: int = strawberry.field(description="The first cycle served (1 or more).")
    last_cycle: int | None = strawberry.field(
        default=None, description="The last cycle served; null: every later cycle too."
    )
    min_principal: MoneyInput = strawberry.field(
        description="Smallest principal for these cycles, within the product's range."
    )
    max_principal: MoneyInput = strawberry.field(
        description="Largest principal for these cycles (equal to the minimum for a fixed "
        "amount, as FANSOTO's first loan)."
    )


@strawberry.input(
    description="A new loan product of a programme, offered from now on (head office). "
    "Rates and fees are percents (0 to 100); 1 to 120 installments; amounts in the "
    "programme's currency; cycle bands must not overlap and lend within the product's range."
)
class LoanProductCreateInput:
    programme: relay.GlobalID = strawberry.field(description="The programme offering it.")
    name: str = strawberry.field(description="Unique in the programme, e.g. First loan.")
    interest_method: InterestMethod = strawberry.field(description="How interest is computed.")
    period_rate_percent: Decimal = strawberry.field(
        description="Interest per installment period, in percent (4 decimals at most)."
    )
    installments: int = strawberry.field(description="Number of installments (the term).")
    installment_frequency: InstallmentFrequency = strawberry.field(
        description="How often installments fall due."
    )
    min_principal: MoneyInput = strawberry.field(description="Smallest principal it lends.")
    max_principal: MoneyInput = strawberry.field(description="Largest principal it lends.")
    fee_percent: Decimal = strawberry.field(
        default=Decimal(0), description="Fee at disbursement, in percent (2 decimals at most)."
    )
    allows_concurrent_loans: bool = strawberry.field(
        default=False, description="Whether a member may hold it alongside another loan."
    )
    due_dates_follow: DueDateRule | None = strawberry.field(
        default=None,
        description="Whether installments fall due from the disbursement day or on the "
        "group's meeting days; null: DISBURSEMENT_DAY.",
    )
    early_payoff_interest: EarlyPayoffInterest | None = strawberry.field(
        default=None,
        description="The interest not yet due on an early payoff; null: DUE_IN_FULL.",
    )
    cycles: list[LoanProductCycleInput] = strawberry.field(
        default_factory=list,
        description="The cycles it serves and their amounts; empty: every cycle, within "
        "minPrincipal and maxPrincipal.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description=f"Change some of a product's terms (head office; not a retired product). "
    f"Omitted fields stay; `cycles`, when given, replaces every band. {_TERMS_NOTE}"
)
class LoanProductUpdateInput:
    product: relay.GlobalID = strawberry.field(description="The product.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    interest_method: InterestMethod | None = strawberry.field(
        default=None, description="A new interest method."
    )
    period_rate_percent: Decimal | None = strawberry.field(
        default=None, description="A new rate per period, in percent."
    )
    installments: int | None = strawberry.field(default=None, description="A new term.")
    installment_frequency: InstallmentFrequency | None = strawberry.field(
        default=None, description="A new frequency."
    )
    min_principal: MoneyInput | None = strawberry.field(
        default=None, description="A new smallest principal."
    )
    max_principal: MoneyInput | None = strawberry.field(
        default=None, description="A new largest principal."
    )
    fee_percent: Decimal | None = strawberry.field(default=None, description="A new fee.")
    allows_concurrent_loans: bool | None = strawberry.field(
        default=None, description="Whether it may be held alongside another loan."
    )
    due_dates_follow: DueDateRule | None = strawberry.field(
        default=None, description="A new due-date rule (for loans disbursed from now on)."
    )
    early_payoff_interest: EarlyPayoffInterest | None = strawberry.field(
        default=None, description="A new rule for the interest not yet due on an early payoff."
    )
    cycles: list[LoanProductCycleInput] | None = strawberry.field(
        default=None, description="The new bands, replacing the old ones ([]: every cycle)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description="Retire a product (head office): no new application uses it (loanApply "
    "refuses it); its loans, pending ones included, keep pointing at it."
)
class LoanProductRetireInput:
    product: relay.GlobalID = strawberry.field(description="The product.")
    retired_on: date = strawberry.field(description="When: not in the future.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of loanProductCreate, loanProductUpdate or Retire.")
class LoanProductPayload:
    product: Annotated["LoanProduct", strawberry.lazy(_loans)] | None = strawberry.field(
        description="The product as it now stands; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )


@strawberry.input(
    description="A new facilitator of a programme (head office, or the programme's staff)."
)
class FacilitatorCreateInput:
    programme: relay.GlobalID = strawberry.field(description="The programme hiring them.")
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(description="Last name.")
    phone: str | None = strawberry.field(
        default=None, description="Phone number (personal data); blank: unknown."
    )
    hired_on: date = strawberry.field(description="When they were hired: not in the future.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description="Correct a facilitator's names or phone (head office, or the programme's "
    "staff). Omitted fields stay; a null phone clears it."
)
class FacilitatorUpdateInput:
    facilitator: relay.GlobalID = strawberry.field(description="The facilitator.")
    first_name: str | None = strawberry.field(default=strawberry.UNSET, description="First name.")
    last_name: str | None = strawberry.field(default=strawberry.UNSET, description="Last name.")
    phone: str | None = strawberry.field(default=strawberry.UNSET, description="Phone number.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description="A facilitator leaves the programme (head office, or the programme's staff): "
    "refused while they still facilitate an open group (STILL_ASSIGNED: give each another "
    "facilitator with groupUpdate first). A retired facilitator takes no new group and holds "
    "no new session; past groups, sessions and collections keep pointing at them."
)
class FacilitatorRetireInput:
    facilitator: relay.GlobalID = strawberry.field(description="The facilitator.")
    retired_on: date = strawberry.field(
        description="When: not in the future, not before they were hired."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(
    description="The result of facilitatorCreate, facilitatorUpdate or facilitatorRetire."
)
class FacilitatorPayload:
    facilitator: Annotated["Facilitator", strawberry.lazy(_groups)] | None = strawberry.field(
        description="The facilitator as they now stand; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )
