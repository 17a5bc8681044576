"""Group meetings: the meeting and its attendance, the collection sheet read before it, and
the input of meetingRecord."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import groups as db_groups
from db import loans as db_loans
from db import meetings as db_meetings
from db import savings as db_savings

from ..context import Info
from .enums import AttendanceStatus, SavingsKind, TrainingKind
from .fields import child_list, children, parent
from .groups import DateRange, Facilitator, Group, Member, TrainingSession
from .loans import Loan, Repayment
from .money import Money, MoneyInput
from .mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError
from .relay import RowNode, as_tuple
from .savings import SavingsTransaction

if TYPE_CHECKING:
    from .network import Programme

_network = "graph.schema.network"


@strawberry.input(description="Narrows a list of meetings. Omitted fields do not filter.")
class MeetingFilter:
    programmes: list[str] | None = strawberry.field(default=None, description="Programme codes.")
    held_between: DateRange | None = strawberry.field(
        default=None, description="Meetings held in this span."
    )

    def to_db(self) -> db_meetings.MeetingFilter:
        held = self.held_between or DateRange()
        return db_meetings.MeetingFilter(
            programme_codes=as_tuple(self.programmes), held_from=held.from_, held_to=held.to
        )


@strawberry.federation.type(keys=["id"], description="A member's attendance at a meeting.")
class MeetingAttendance(RowNode):
    id: relay.NodeID[uuid.UUID]
    status: AttendanceStatus = strawberry.field(description="Present, absent or excused.")
    member_id: strawberry.Private[uuid.UUID]
    meeting_id: strawberry.Private[uuid.UUID]
    listing = db_meetings.MEETING_ATTENDANCES
    # Of the attendance's programme: never null.
    member = parent(Member, "member_id", description="The member.")
    meeting = parent("Meeting", "meeting_id", description="The meeting.")


@strawberry.federation.type(
    keys=["id"],
    description="A group's meeting with its facilitator (one a day per group): attendance, the "
    "training given, and the repayments and savings movements collected at it.",
)
class Meeting(RowNode):
    id: relay.NodeID[uuid.UUID]
    held_on: date = strawberry.field(description="The day it was held.")
    notes: str = strawberry.field(description="The facilitator's notes.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    programme_id: strawberry.Private[uuid.UUID]
    group_id: strawberry.Private[uuid.UUID]
    facilitator_id: strawberry.Private[uuid.UUID]
    listing = db_meetings.MEETINGS
    # A meeting's group and facilitator are of its programme: never null.
    programme = parent(
        Annotated["Programme", strawberry.lazy(_network)],
        "programme_id",
        description="The programme it belongs to.",
    )
    group = parent(Group, "group_id", description="The group that met.")
    facilitator = parent(Facilitator, "facilitator_id", description="The facilitator who held it.")
    attendance = child_list(
        MeetingAttendance,
        db_meetings.attendances.c.meeting_id,
        description="Each member of the group that day: present, absent or excused, in the "
        "order the meeting listed them (those not listed, absent, last).",
    )
    training_sessions = child_list(
        TrainingSession,
        db_groups.training_sessions.c.meeting_id,
        description="The training given at the meeting, if any.",
    )
    repayments = children(
        Repayment,
        db_loans.repayments.c.meeting_id,
        description="The repayments collected at it.",
    )
    savings_transactions = children(
        SavingsTransaction,
        db_savings.transactions.c.meeting_id,
        description="The deposits and withdrawals recorded at it.",
    )


# The collection sheet ------------------------------------------------------------------------


@strawberry.type(description="What one loan asks at a meeting, as its sheet reads it.")
class CollectionSheetLoan:
    principal_due: Money = strawberry.field(
        description="Principal of the installments due by the day still unpaid, arrears included."
    )
    interest_due: Money = strawberry.field(
        description="Interest of the installments due by the day still unpaid, arrears included."
    )
    total_due: Money = strawberry.field(description="principalDue + interestDue: to collect.")
    arrears: Money = strawberry.field(
        description="The part of totalDue that fell due before the day (late already)."
    )
    days_late: int = strawberry.field(
        description="Days past due on the day, as Loan.daysPastDue(asOf:) counts them."
    )
    loan_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The loan.")
    async def loan(self, info: Info) -> Loan | None:
        row = await info.context.loaders.rows(Loan.listing).load(self.loan_id)
        return Loan.from_row(row) if row is not None else None


@strawberry.type(description="One member's line on the collection sheet.")
class CollectionSheetLine:
    loans: list[CollectionSheetLoan] = strawberry.field(
        description="Her loans outstanding at the start of the day (disbursed before it)."
    )
    total_due: Money = strawberry.field(description="What her loans ask in all.")
    savings_balance: Money = strawberry.field(
        description="Her savings (all accounts) at the start of the day."
    )
    compulsory_savings_balance: Money = strawberry.field(
        description="Her compulsory savings at the start of the day."
    )
    compulsory_saving_due: Money = strawberry.field(
        description="What she must deposit to bring her compulsory savings up to the "
        "programme's floor (Programme.compulsorySavingsMinimum), which holds while she has an "
        "active loan; zero otherwise."
    )
    member_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The member.")
    async def member(self, info: Info) -> Member | None:
        row = await info.context.loaders.rows(Member.listing).load(self.member_id)
        return Member.from_row(row) if row is not None else None


@strawberry.type(
    description="The figures a facilitator takes to a meeting: for each member of the group "
    "that day, what each of her loans asks and her savings, at the start of the day (the "
    "repayments and movements of the day itself are what the meeting collects)."
)
class CollectionSheet:
    on: date = strawberry.field(description="The meeting day.")
    lines: list[CollectionSheetLine] = strawberry.field(
        description="One per member of the group that day, in the order they joined."
    )
    total_due: Money = strawberry.field(description="What the group's loans ask in all.")
    compulsory_saving_due: Money = strawberry.field(
        description="The compulsory savings due in all."
    )


def _sheet(sheet: db_meetings.Sheet) -> CollectionSheet:
    currency = sheet.currency

    def money(amount: Decimal) -> Money:
        return Money.of(amount, currency)

    lines = []
    for line in sheet.lines:
        owed = [
            CollectionSheetLoan(
                principal_due=money(entry.due.principal_due),
                interest_due=money(entry.due.interest_due),
                total_due=money(entry.due.total_due),
                arrears=money(entry.due.arrears),
                days_late=entry.due.days_late,
                loan_id=entry.loan_id,
            )
            for entry in line.loans
        ]
        lines.append(
            CollectionSheetLine(
                loans=owed,
                total_due=money(sum((e.due.total_due for e in line.loans), Decimal(0))),
                savings_balance=money(line.savings_balance),
                compulsory_savings_balance=money(line.compulsory_balance),
                compulsory_saving_due=money(line.compulsory_due),
                member_id=line.member_id,
            )
        )
    return CollectionSheet(
        on=sheet.on,
        lines=lines,
        total_due=money(
            sum((e.due.total_due for line in sheet.lines for e in line.loans), Decimal(0))
        ),
        compulsory_saving_due=money(sum((line.compulsory_due for line in sheet.lines), Decimal(0))),
    )


async def collection_sheet(info: Info, group_id: uuid.UUID, on: date) -> CollectionSheet | None:
    async with info.context.db.read() as session:
        sheet = await db_meetings.collection_sheet(session, info.context.viewer.scope, group_id, on)
    return _sheet(sheet) if sheet is not None else None


# meetingRecord -------------------------------------------------------------------------------


@strawberry.input(description="A repayment collected at the meeting.")
class MeetingRepaymentInput:
    loan: relay.GlobalID = strawberry.field(description="One of the member's ACTIVE loans.")
    amount: MoneyInput = strawberry.field(
        description="What she pays, in the loan's currency; never more than remains due."
    )


@strawberry.input(description="A savings movement recorded at the meeting.")
class MeetingSavingsInput:
    kind: SavingsKind = strawberry.field(
        description="Her account of this kind (a first deposit opens it)."
    )
    amount: MoneyInput = strawberry.field(description="The amount, in the account's currency.")


@strawberry.input(
    description="One member at the meeting: her attendance and the money she brought or took. "
    "Her repayments are recorded first, then her deposits, then her withdrawals, each with "
    "every rule of repaymentRecord, savingsDeposit and savingsWithdraw."
)
class MeetingLineInput:
    member: relay.GlobalID = strawberry.field(
        description="A member of the group on the meeting day, listed once."
    )
    attendance: AttendanceStatus = strawberry.field(description="Present, absent or excused.")
    repayments: list[MeetingRepaymentInput] = strawberry.field(
        default_factory=list, description="Her repayments, one per loan."
    )
    deposits: list[MeetingSavingsInput] = strawberry.field(
        default_factory=list, description="Her deposits."
    )
    withdrawals: list[MeetingSavingsInput] = strawberry.field(
        default_factory=list, description="Her withdrawals."
    )


@strawberry.input(description="The training given at the meeting, to the members present.")
class MeetingTrainingInput:
    kind: TrainingKind = strawberry.field(description="Initial, economic or social training.")
    topic: str = strawberry.field(description="What it was about; not blank.")


@strawberry.input(
    description="A whole meeting in one write: attendance, each member's repayments and "
    "savings movements, and the training given, all recorded or, when one line is refused, "
    "none (its userError names the line, e.g. field ['input', 'lines', '3', 'repayments', '0', "
    "'amount'], and the member in its message). Members of the group that day who are not "
    "listed are recorded ABSENT. A field app that lost the network resends the same input with "
    "the same idempotencyKey: the meeting is recorded once."
)
class MeetingRecordInput:
    group: relay.GlobalID = strawberry.field(description="The group that met (not CLOSED).")
    held_on: date = strawberry.field(
        description="The meeting day: not in the future, not before the group was formed, "
        "and the group's only meeting that day (ALREADY_EXISTS)."
    )
    lines: list[MeetingLineInput] = strawberry.field(description="One per member listed.")
    facilitator: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Who held it and collected the money, if not the group's facilitator.",
    )
    notes: str = strawberry.field(default="", description="The facilitator's notes.")
    training: MeetingTrainingInput | None = strawberry.field(
        default=None, description="The training given at the meeting, if any."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of meetingRecord.")
class MeetingRecordPayload:
    meeting: Meeting | None = strawberry.field(description="The meeting; null if refused.")
    group: Group | None = strawberry.field(description="The group that met; null if refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused, if it was: each names the input field at fault."
    )
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )
