"""SQLAlchemy models of the whole domain, one module per domain."""

from sqlalchemy import Index

from .base import Base
from .groups import Attendance, Facilitator, Group, GroupMembership, Member, TrainingSession
from .indicators import (
    IndicatorDay,
    IndicatorOutreach,
    IndicatorSavings,
    IndicatorState,
    IndicatorStock,
)
from .loans import (
    Installment,
    Loan,
    LoanProduct,
    LoanProductCycle,
    Repayment,
    SupersededInstallment,
)
from .meetings import Meeting, MeetingAttendance
from .missions import (
    Expert,
    ExpertDomain,
    ExpertProgramme,
    Mission,
    MissionDomain,
    MissionExpert,
    Recommendation,
)
from .network import AutonomyMilestone, Country, Currency, ExchangeRate, Network, Partner, Programme
from .operations import AuditEntry, IdempotencyKey
from .replication import ReplicatedProgramme, ReplicationHeartbeat
from .savings import SavingsAccount, SavingsInterestPosting, SavingsTransaction

__all__ = [
    "Attendance",
    "AuditEntry",
    "AutonomyMilestone",
    "Base",
    "Country",
    "Currency",
    "ExchangeRate",
    "Expert",
    "ExpertDomain",
    "ExpertProgramme",
    "Facilitator",
    "Group",
    "IdempotencyKey",
    "IndicatorDay",
    "IndicatorStock",
    "IndicatorOutreach",
    "IndicatorSavings",
    "IndicatorState",
    "GroupMembership",
    "Installment",
    "SupersededInstallment",
    "Loan",
    "LoanProduct",
    "LoanProductCycle",
    "Meeting",
    "MeetingAttendance",
    "Member",
    "Mission",
    "MissionDomain",
    "MissionExpert",
    "Network",
    "Partner",
    "Programme",
    "Recommendation",
    "ReplicatedProgramme",
    "ReplicationHeartbeat",
    "Repayment",
    "SavingsAccount",
    "SavingsInterestPosting",
    "SavingsTransaction",
    "TrainingSession",
]


def _index_programme_pages() -> None:
    """Every programme-owned table is paged by (programme_id, id): index exactly that."""
    for table in Base.metadata.tables.values():
        if "programme_id" in table.c and "id" in table.c:
            Index(f"ix_{table.name}_programme_id_id", table.c.programme_id, table.c.id)


_index_programme_pages()
