"""One row type per table, its fields named and ordered as the table's columns (COPY uses them).

Computed columns (loans.outstanding_principal) are left out: PostgreSQL fills them.
"""

import uuid
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from domain.enums import (
    Activity,
    DueDateRule,
    EarlyPayoffInterest,
    ExpertiseDomain,
    Gender,
    GroupStatus,
    InstallmentFrequency,
    InterestMethod,
    LeavingReason,
    LoanStatus,
    MeetingFrequency,
    MissionMode,
    MissionStatus,
    ProgrammePhase,
    RecommendationStatus,
    RepaymentKind,
    SavingsKind,
    SavingsTransactionKind,
    TrainingKind,
)


class CurrencyRow(NamedTuple):
    code: str
    name: str
    minor_units: int


class CountryRow(NamedTuple):
    code: str
    name: str


class ExchangeRateRow(NamedTuple):
    id: uuid.UUID
    currency_code: str
    month: date
    closing_rate: Decimal
    average_rate: Decimal
    source: str


class NetworkRow(NamedTuple):
    id: uuid.UUID
    name: str
    head_office: str
    reporting_currency_code: str


class ProgrammeRow(NamedTuple):
    id: uuid.UUID
    network_id: uuid.UUID
    code: str
    name: str
    country_code: str
    region: str
    base_city: str
    currency_code: str
    phase: ProgrammePhase
    started_on: date
    description: str
    initial_training_sessions: int
    compulsory_savings_minimum: Decimal | None
    created_at: datetime


class PartnerRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    name: str
    kind: str
    since: date | None


class AutonomyMilestoneRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    title: str
    target_on: date | None
    achieved_on: date | None
    evidence: str


class LoanProductRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    name: str
    currency_code: str
    interest_method: InterestMethod
    period_rate_percent: Decimal
    installments: int
    installment_frequency: InstallmentFrequency
    fee_percent: Decimal
    min_principal: Decimal
    max_principal: Decimal
    allows_concurrent_loans: bool
    active: bool
    due_dates_follow: DueDateRule = DueDateRule.DISBURSEMENT_DAY
    retired_on: date | None = None
    early_payoff_interest: EarlyPayoffInterest = EarlyPayoffInterest.DUE_IN_FULL


class LoanProductCycleRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    product_id: uuid.UUID
    first_cycle: int
    last_cycle: int | None
    min_principal: Decimal
    max_principal: Decimal


class FacilitatorRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    first_name: str
    last_name: str
    phone: str | None
    hired_on: date
    active: bool
    retired_on: date | None = None


class GroupRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    name: str
    facilitator_id: uuid.UUID
    meeting_frequency: MeetingFrequency
    meeting_place: str
    formed_on: date
    status: GroupStatus
    closed_on: date | None
    created_at: datetime


class MemberRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    first_name: str
    last_name: str
    gender: Gender
    birth_year: int | None
    phone: str | None
    joined_on: date
    activity: Activity
    activity_description: str
    rural: bool
    poverty_likelihood: Decimal | None
    created_at: datetime
    left_on: date | None = None
    leaving_reason: LeavingReason | None = None


class GroupMembershipRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    member_id: uuid.UUID
    group_id: uuid.UUID
    joined_on: date
    left_on: date | None


class TrainingSessionRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    group_id: uuid.UUID
    facilitator_id: uuid.UUID
    held_on: date
    kind: TrainingKind
    topic: str
    # Linked to its meeting once the ledger is loaded (db/seed/meetings.py).
    meeting_id: uuid.UUID | None = None


class AttendanceRow(NamedTuple):
    session_id: uuid.UUID
    member_id: uuid.UUID
    programme_id: uuid.UUID


class LoanRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    member_id: uuid.UUID
    group_id: uuid.UUID
    product_id: uuid.UUID
    currency_code: str
    cycle: int
    principal: Decimal
    purpose: Activity
    interest_method: InterestMethod
    period_rate_percent: Decimal
    installment_frequency: InstallmentFrequency
    fee: Decimal
    status: LoanStatus
    applied_on: date
    approved_on: date | None
    disbursed_on: date | None
    closed_on: date | None
    written_off_principal: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    oldest_unpaid_due_on: date | None
    created_at: datetime
    # The seed declines, reschedules and recovers nothing.
    closing_reason: str | None = None
    rescheduled_on: date | None = None
    recovered: Decimal = Decimal(0)


class InstallmentRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    loan_id: uuid.UUID
    number: int
    due_on: date
    principal_due: Decimal
    interest_due: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    paid_on: date | None
    interest_waived: Decimal = Decimal(0)
    in_force_from: date | None = None


class RepaymentRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    loan_id: uuid.UUID
    kind: RepaymentKind
    paid_on: date
    amount: Decimal
    principal_part: Decimal
    interest_part: Decimal
    collected_by_id: uuid.UUID | None
    reverses_id: uuid.UUID | None
    note: str
    recorded_at: datetime
    meeting_id: uuid.UUID | None = None


class SavingsAccountRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    member_id: uuid.UUID
    kind: SavingsKind
    currency_code: str
    opened_on: date
    closed_on: date | None
    balance: Decimal


class SavingsTransactionRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    account_id: uuid.UUID
    kind: SavingsTransactionKind
    occurred_on: date
    amount: Decimal
    balance_after: Decimal
    recorded_by_id: uuid.UUID | None
    recorded_at: datetime
    meeting_id: uuid.UUID | None = None
    reverses_id: uuid.UUID | None = None
    posting_id: uuid.UUID | None = None
    note: str = ""


class ExpertRow(NamedTuple):
    id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    based_in: str


class ExpertDomainRow(NamedTuple):
    expert_id: uuid.UUID
    domain: ExpertiseDomain


class ExpertProgrammeRow(NamedTuple):
    expert_id: uuid.UUID
    programme_id: uuid.UUID


class MissionRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    title: str
    phase: ProgrammePhase
    mode: MissionMode
    status: MissionStatus
    planned_start_on: date
    planned_end_on: date
    actual_start_on: date | None
    actual_end_on: date | None
    objectives: str
    findings: str
    status_reason: str
    created_at: datetime


class MissionExpertRow(NamedTuple):
    mission_id: uuid.UUID
    expert_id: uuid.UUID


class MissionDomainRow(NamedTuple):
    mission_id: uuid.UUID
    domain: ExpertiseDomain


class RecommendationRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    mission_id: uuid.UUID
    domain: ExpertiseDomain
    text: str
    owner: str
    due_on: date
    status: RecommendationStatus
    status_changed_on: date | None
    created_at: datetime


class RecommendationStatusChangeRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    recommendation_id: uuid.UUID
    from_status: RecommendationStatus | None
    to_status: RecommendationStatus
    changed_on: date
    comment: str
    changed_by: str
    changed_by_role: str
    recorded_at: datetime


class MissionAttachmentRow(NamedTuple):
    id: uuid.UUID
    programme_id: uuid.UUID
    mission_id: uuid.UUID
    title: str
    url: str
    added_by: str
    added_at: datetime


@dataclass
class Batch:
    """Rows loaded together. Fields are named after their tables, in foreign-key order."""

    currencies: list[CurrencyRow] = field(default_factory=list)
    countries: list[CountryRow] = field(default_factory=list)
    exchange_rates: list[ExchangeRateRow] = field(default_factory=list)
    networks: list[NetworkRow] = field(default_factory=list)
    programmes: list[ProgrammeRow] = field(default_factory=list)
    partners: list[PartnerRow] = field(default_factory=list)
    autonomy_milestones: list[AutonomyMilestoneRow] = field(default_factory=list)
    loan_products: list[LoanProductRow] = field(default_factory=list)
    loan_product_cycles: list[LoanProductCycleRow] = field(default_factory=list)
    experts: list[ExpertRow] = field(default_factory=list)
    expert_domains: list[ExpertDomainRow] = field(default_factory=list)
    expert_programmes: list[ExpertProgrammeRow] = field(default_factory=list)
    missions: list[MissionRow] = field(default_factory=list)
    mission_experts: list[MissionExpertRow] = field(default_factory=list)
    mission_domains: list[MissionDomainRow] = field(default_factory=list)
    mission_attachments: list[MissionAttachmentRow] = field(default_factory=list)
    recommendations: list[RecommendationRow] = field(default_factory=list)
    recommendation_status_changes: list[RecommendationStatusChangeRow] = field(default_factory=list)
    facilitators: list[FacilitatorRow] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)
    members: list[MemberRow] = field(default_factory=list)
    group_memberships: list[GroupMembershipRow] = field(default_factory=list)
    training_sessions: list[TrainingSessionRow] = field(default_factory=list)
    attendances: list[AttendanceRow] = field(default_factory=list)
    loans: list[LoanRow] = field(default_factory=list)
    installments: list[InstallmentRow] = field(default_factory=list)
    repayments: list[RepaymentRow] = field(default_factory=list)
    savings_accounts: list[SavingsAccountRow] = field(default_factory=list)
    savings_transactions: list[SavingsTransactionRow] = field(default_factory=list)

    def tables(self) -> list[tuple[str, list[Any]]]:
        """(table, rows) pairs in foreign-key order."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]
