"""Closed sets of the domain (DOMAIN.md), shared by the database and the graph."""

from enum import StrEnum


class ProgrammePhase(StrEnum):
    START_UP = "START_UP"
    CONSOLIDATION = "CONSOLIDATION"
    AUTONOMOUS = "AUTONOMOUS"


class MeetingFrequency(StrEnum):
    MONTHLY = "MONTHLY"
    TWICE_MONTHLY = "TWICE_MONTHLY"


class AttendanceStatus(StrEnum):
    """A member at a group meeting."""

    PRESENT = "PRESENT"
    ABSENT = "ABSENT"
    EXCUSED = "EXCUSED"


class GroupStatus(StrEnum):
    IN_TRAINING = "IN_TRAINING"
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


class Gender(StrEnum):
    FEMALE = "FEMALE"
    MALE = "MALE"


class Activity(StrEnum):
    SMALL_SHOP = "SMALL_SHOP"
    SEWING = "SEWING"
    LIVESTOCK = "LIVESTOCK"
    FOOD_PROCESSING = "FOOD_PROCESSING"
    MARKET_TRADING = "MARKET_TRADING"
    CRAFTS = "CRAFTS"
    AGRICULTURE = "AGRICULTURE"
    FISH_TRADING = "FISH_TRADING"
    SERVICES = "SERVICES"


class TrainingKind(StrEnum):
    INITIAL = "INITIAL"
    ECONOMIC = "ECONOMIC"
    SOCIAL = "SOCIAL"


class InterestMethod(StrEnum):
    FLAT = "FLAT"
    DECLINING_BALANCE = "DECLINING_BALANCE"


class InstallmentFrequency(StrEnum):
    WEEKLY = "WEEKLY"
    EVERY_TWO_WEEKS = "EVERY_TWO_WEEKS"
    MONTHLY = "MONTHLY"


class DueDateRule(StrEnum):
    """What a loan product's installment due dates follow."""

    DISBURSEMENT_DAY = "DISBURSEMENT_DAY"
    MEETING_DAY = "MEETING_DAY"


class LoanStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    REPAID = "REPAID"
    WRITTEN_OFF = "WRITTEN_OFF"
    # Applications that never became loans: nothing was paid out.
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"


class EarlyPayoffInterest(StrEnum):
    """What a member owes of the interest not yet due when she repays the whole balance early."""

    DUE_IN_FULL = "DUE_IN_FULL"
    WAIVED = "WAIVED"


class RepaymentKind(StrEnum):
    REPAYMENT = "REPAYMENT"
    REVERSAL = "REVERSAL"
    # Money received on a WRITTEN_OFF loan: income, not portfolio.
    RECOVERY = "RECOVERY"


class SavingsKind(StrEnum):
    COMPULSORY = "COMPULSORY"
    VOLUNTARY = "VOLUNTARY"


class SavingsTransactionKind(StrEnum):
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    INTEREST = "INTEREST"
    REVERSAL = "REVERSAL"


class LeavingReason(StrEnum):
    """Why a member left the programme (a drop-out)."""

    MOVED_AWAY = "MOVED_AWAY"
    BUSINESS_FAILURE = "BUSINESS_FAILURE"
    DISSATISFIED = "DISSATISFIED"
    JOINED_ANOTHER_INSTITUTION = "JOINED_ANOTHER_INSTITUTION"
    FAMILY = "FAMILY"
    DECEASED = "DECEASED"
    OTHER = "OTHER"


class ExpertiseDomain(StrEnum):
    OPERATIONS_MANAGEMENT = "OPERATIONS_MANAGEMENT"
    INFORMATION_AND_MANAGEMENT_SYSTEMS = "INFORMATION_AND_MANAGEMENT_SYSTEMS"
    SOCIAL_PERFORMANCE = "SOCIAL_PERFORMANCE"
    STRATEGIC_PLANNING = "STRATEGIC_PLANNING"
    FINANCIAL_MANAGEMENT = "FINANCIAL_MANAGEMENT"
    GOVERNANCE = "GOVERNANCE"
    HUMAN_RESOURCES = "HUMAN_RESOURCES"
    RISK_MANAGEMENT = "RISK_MANAGEMENT"
    ADVOCACY_AND_FUND_RAISING = "ADVOCACY_AND_FUND_RAISING"


class MissionMode(StrEnum):
    ON_SITE = "ON_SITE"
    REMOTE = "REMOTE"


class MissionStatus(StrEnum):
    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class RecommendationStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    DROPPED = "DROPPED"


class RateKind(StrEnum):
    """Which monthly rate converts a figure: balances at closing, flows at the average."""

    CLOSING = "CLOSING"
    AVERAGE = "AVERAGE"


class Role(StrEnum):
    """What a credential's holder does in the network (see README "Security")."""

    HEAD_OFFICE = "HEAD_OFFICE"
    EXPERT = "EXPERT"
    PROGRAMME_STAFF = "PROGRAMME_STAFF"
    INTEGRATOR = "INTEGRATOR"
