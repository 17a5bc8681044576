"""The domain's closed sets as GraphQL enums, registered once, before any type uses them.

Schema modules import enums from here (not from domain.enums) so registration comes first.
"""

import strawberry

from domain.enums import (
    Activity,
    AttendanceStatus,
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
    RateKind,
    RecommendationStatus,
    RepaymentKind,
    SavingsKind,
    SavingsTransactionKind,
    TrainingKind,
)

strawberry.enum(MeetingFrequency, description="How often a group meets its facilitator.")
strawberry.enum(
    GroupStatus,
    description="IN_TRAINING: going through the initial sessions; ACTIVE: borrowing and saving; "
    "CLOSED: no longer meets.",
)
strawberry.enum(Gender, description="A member's gender.")
strawberry.enum(
    AttendanceStatus,
    description="A member at a group meeting: PRESENT, ABSENT, or EXCUSED (absent with leave).",
)
strawberry.enum(
    DueDateRule,
    description="What a product's installment due dates follow: DISBURSEMENT_DAY (every period "
    "from the day the loan was paid out) or MEETING_DAY (each moved to the group's next meeting "
    "day on or after it, so installments fall due when the facilitator collects).",
)
strawberry.enum(Activity, description="An income-generating activity, or what a loan finances.")
strawberry.enum(
    TrainingKind,
    description="INITIAL: the sessions before a first loan; ECONOMIC and SOCIAL: the training "
    "that follows (business; family, health, rights, place in the community).",
)
strawberry.enum(
    InterestMethod,
    description="How interest is computed: FLAT on the principal disbursed, or on the "
    "DECLINING_BALANCE still owed.",
)
strawberry.enum(InstallmentFrequency, description="How often installments fall due.")
strawberry.enum(
    LoanStatus,
    description="PENDING (applied, not disbursed), ACTIVE (disbursed, being repaid), REPAID, "
    "WRITTEN_OFF, or an application that never became a loan: DECLINED by the programme or "
    "WITHDRAWN by the member (nothing was paid out).",
)
strawberry.enum(
    EarlyPayoffInterest,
    description="What a member owes of the interest not yet due when she repays the whole "
    "balance early (loanPayOff): DUE_IN_FULL (every installment's interest, as scheduled), or "
    "WAIVED (the interest of the installments falling due after the payoff day is not owed).",
)
strawberry.enum(
    RepaymentKind,
    description="A REPAYMENT received, the REVERSAL of one (the ledger is never edited), or a "
    "RECOVERY: money received on a WRITTEN_OFF loan, reported as recoveries, never as portfolio.",
)
strawberry.enum(
    ExpertiseDomain,
    description="A field of technical expertise in which head office supports programmes.",
)
strawberry.enum(MissionMode, description="Whether the expert travels to the programme or not.")
strawberry.enum(
    MissionStatus,
    description="PLANNED: not started; IN_PROGRESS: under way; COMPLETED: done, with actual "
    "dates; CANCELLED: will not take place.",
)
strawberry.enum(
    RecommendationStatus,
    description="Follow-up of a recommendation at the programme: OPEN, IN_PROGRESS, DONE, or "
    "DROPPED (no longer relevant).",
)
strawberry.enum(
    RateKind,
    description="Which monthly rate converts a figure: balances at CLOSING, flows at AVERAGE.",
)
strawberry.enum(ProgrammePhase, description="Where a programme is on its way to autonomy.")
strawberry.enum(
    SavingsKind,
    description="COMPULSORY savings required by the methodology, or VOLUNTARY savings.",
)
strawberry.enum(
    SavingsTransactionKind,
    description="A DEPOSIT, a WITHDRAWAL, INTEREST credited by the programme, or the "
    "REVERSAL of one of those entered by mistake (the ledger then reads as if neither "
    "had happened).",
)
strawberry.enum(
    LeavingReason,
    description="Why a member left the programme: MOVED_AWAY, BUSINESS_FAILURE, DISSATISFIED "
    "(with the service), JOINED_ANOTHER_INSTITUTION, FAMILY (family reasons), DECEASED, OTHER.",
)

__all__ = [
    "Activity",
    "AttendanceStatus",
    "DueDateRule",
    "EarlyPayoffInterest",
    "ExpertiseDomain",
    "Gender",
    "GroupStatus",
    "InstallmentFrequency",
    "InterestMethod",
    "LeavingReason",
    "LoanStatus",
    "MeetingFrequency",
    "MissionMode",
    "MissionStatus",
    "ProgrammePhase",
    "RateKind",
    "RecommendationStatus",
    "RepaymentKind",
    "SavingsKind",
    "SavingsTransactionKind",
    "TrainingKind",
]
