"""Facilitators, solidarity groups, members, their group history and training sessions."""

import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self

import strawberry
from strawberry import relay

from db import groups as db_groups
from db import loans as db_loans
from db import meetings as db_meetings
from db import savings as db_savings
from db.pagination import Listing

from ..context import Info
from ..dataloaders.base import CountKey
from .enums import Activity, Gender, GroupStatus, LeavingReason, MeetingFrequency, TrainingKind
from .fields import child_list, children, count_of, parent, root_connection
from .mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError
from .privacy import personal
from .relay import RowNode, as_tuple, node_keys

if TYPE_CHECKING:
    from .loans import Loan, LoanFilter
    from .meetings import CollectionSheet, Meeting, MeetingAttendance, MeetingFilter
    from .network import Programme
    from .savings import SavingsAccount

_network = "graph.schema.network"
_loans = "graph.schema.loans"
_savings = "graph.schema.savings"
_meetings = "graph.schema.meetings"
_Programme = Annotated["Programme", strawberry.lazy(_network)]
_Loan = Annotated["Loan", strawberry.lazy(_loans)]
_LoanFilter = Annotated["LoanFilter", strawberry.lazy(_loans)]

_memberships = db_groups.memberships.c
_attendances = db_groups.attendances.c
# The methodology's rule before a first loan counts INITIAL sessions only.
_INITIAL = db_groups.TrainingSessionFilter(kinds=(TrainingKind.INITIAL,))

# The filters come first: the connections below take them as arguments.


@strawberry.input(description="A span of days, both ends included; an omitted end is open.")
class DateRange:
    from_: date | None = strawberry.field(
        default=None, name="from", description="First day included."
    )
    to: date | None = strawberry.field(default=None, description="Last day included.")


@strawberry.input(description="Narrows a list of facilitators. Omitted fields do not filter.")
class FacilitatorFilter:
    programmes: list[str] | None = strawberry.field(default=None, description="Programme codes.")
    active: bool | None = strawberry.field(
        default=None, description="Only those still (true) or no longer (false) employed."
    )

    def to_db(self) -> db_groups.FacilitatorFilter:
        return db_groups.FacilitatorFilter(
            programme_codes=as_tuple(self.programmes), active=self.active
        )


@strawberry.input(description="Narrows a list of groups. Omitted fields do not filter.")
class GroupFilter:
    programmes: list[str] | None = strawberry.field(default=None, description="Programme codes.")
    statuses: list[GroupStatus] | None = strawberry.field(default=None, description="Statuses.")
    facilitators: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="IDs of facilitators: groups any of them facilitates."
    )
    formed_between: DateRange | None = strawberry.field(
        default=None, description="Groups formed in this span."
    )

    def to_db(self) -> db_groups.GroupFilter:
        formed = self.formed_between or DateRange()
        return db_groups.GroupFilter(
            programme_codes=as_tuple(self.programmes),
            statuses=as_tuple(self.statuses),
            facilitator_ids=node_keys(self.facilitators, "Facilitator", "filter.facilitators"),
            formed_from=formed.from_,
            formed_to=formed.to,
        )


@strawberry.input(description="Narrows a list of members. Omitted fields do not filter.")
class MemberFilter:
    programmes: list[str] | None = strawberry.field(default=None, description="Programme codes.")
    genders: list[Gender] | None = strawberry.field(default=None, description="Genders.")
    activities: list[Activity] | None = strawberry.field(
        default=None, description="Income-generating activities."
    )
    groups: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="IDs of groups: members currently in any of them."
    )
    joined_between: DateRange | None = strawberry.field(
        default=None, description="Members who joined the programme in this span."
    )
    left_between: DateRange | None = strawberry.field(
        default=None,
        description="Drop-outs: members who left the programme in this span (memberLeave); "
        "`totalCount` is the number of drop-outs of a period.",
    )
    leaving_reasons: list[LeavingReason] | None = strawberry.field(
        default=None, description="Members who left for one of these reasons."
    )

    def to_db(self) -> db_groups.MemberFilter:
        joined = self.joined_between or DateRange()
        left = self.left_between
        return db_groups.MemberFilter(
            programme_codes=as_tuple(self.programmes),
            genders=as_tuple(self.genders),
            activities=as_tuple(self.activities),
            group_ids=node_keys(self.groups, "Group", "filter.groups"),
            joined_from=joined.from_,
            joined_to=joined.to,
            left_between=(left.from_, left.to) if left is not None else None,
            leaving_reasons=as_tuple(self.leaving_reasons),
        )


@strawberry.input(description="Narrows a list of training sessions. Omitted fields do not filter.")
class TrainingSessionFilter:
    programmes: list[str] | None = strawberry.field(default=None, description="Programme codes.")
    kinds: list[TrainingKind] | None = strawberry.field(
        default=None, description="Kinds of training."
    )
    held_between: DateRange | None = strawberry.field(
        default=None, description="Sessions held in this span."
    )

    def to_db(self) -> db_groups.TrainingSessionFilter:
        held = self.held_between or DateRange()
        return db_groups.TrainingSessionFilter(
            programme_codes=as_tuple(self.programmes),
            kinds=as_tuple(self.kinds),
            held_from=held.from_,
            held_to=held.to,
        )


@strawberry.federation.type(
    keys=["id"], description="Programme staff who meet groups, collect repayments and train."
)
class Facilitator(RowNode):
    id: relay.NodeID[uuid.UUID]
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(description="Last name.")
    phone: str | None = personal("Phone number, if known.")
    hired_on: date = strawberry.field(description="When the programme hired them.")
    active: bool = strawberry.field(
        description="Whether they still work for the programme: a retired facilitator takes "
        "no new group and holds no session for another's group."
    )
    retired_on: date | None = strawberry.field(
        description="When facilitatorRetire retired them; null while active (or if left "
        "before the day was recorded)."
    )
    programme_id: strawberry.Private[uuid.UUID]
    listing = db_groups.FACILITATORS
    programme = parent(_Programme, "programme_id", description="The programme they work for.")
    groups = children(
        "Group",
        db_groups.groups.c.facilitator_id,
        filter=GroupFilter,
        description="The groups they facilitate.",
    )


@strawberry.federation.type(
    keys=["id"], description="A solidarity group of members who meet their facilitator."
)
class Group(RowNode):
    id: relay.NodeID[uuid.UUID]
    name: str = strawberry.field(description="The group's name, unique in its programme.")
    meeting_frequency: MeetingFrequency = strawberry.field(description="How often it meets.")
    meeting_place: str = strawberry.field(description="Where it meets (neighbourhood, village).")
    formed_on: date = strawberry.field(description="When it was formed.")
    status: GroupStatus = strawberry.field(description="Where it stands in the methodology.")
    closed_on: date | None = strawberry.field(description="When it closed; null while open.")
    programme_id: strawberry.Private[uuid.UUID]
    facilitator_id: strawberry.Private[uuid.UUID]
    listing = db_groups.GROUPS
    # A group's facilitator is of the group's programme: whoever sees the group sees her.
    programme = parent(_Programme, "programme_id", description="The programme it belongs to.")
    facilitator = parent(Facilitator, "facilitator_id", description="The facilitator who meets it.")
    members = children(
        "Member",
        _memberships.group_id,
        filter=MemberFilter,
        listing=db_groups.GROUP_MEMBERS,
        description="Its current members (open memberships).",
    )

    member_count = count_of(
        db_groups.GROUP_MEMBERS, _memberships.group_id, description="How many members it has now."
    )

    memberships = children(
        "GroupMembership",
        _memberships.group_id,
        description="Every membership it has had, past and current.",
    )
    training_sessions = children(
        "TrainingSession",
        db_groups.training_sessions.c.group_id,
        filter=TrainingSessionFilter,
        description="Training sessions held with it.",
    )
    loans = children(
        _Loan,
        db_loans.loans.c.group_id,
        filter=_LoanFilter,
        description="Loans made to its members while in this group.",
    )
    meetings = children(
        Annotated["Meeting", strawberry.lazy(_meetings)],
        db_meetings.meetings.c.group_id,
        filter=Annotated["MeetingFilter", strawberry.lazy(_meetings)],
        description="Its meetings, in the order they were held (`last: 3` gives the latest three).",
    )

    @strawberry.field(
        description="The collection sheet for a meeting on `on`: for each member in the group "
        "that day, what each of her loans asks (due, arrears, days late) and her savings, at "
        "the start of the day. Null if the group is not visible."
    )
    async def collection_sheet(
        self, info: Info, on: date
    ) -> Annotated["CollectionSheet", strawberry.lazy(_meetings)] | None:
        from .meetings import collection_sheet

        return await collection_sheet(info, self.id, on)


@strawberry.federation.type(
    keys=["id"],
    description="A beneficiary, mostly a woman running an income-generating activity. "
    "Names, phone and poverty likelihood are personal data.",
)
class Member(RowNode):
    id: relay.NodeID[uuid.UUID]
    first_name: str | None = personal("First name.")
    last_name: str | None = personal("Last name.")
    gender: Gender = strawberry.field(description="Gender.")
    birth_year: int | None = personal("Year of birth, if known.")
    phone: str | None = personal("Phone number, if known.")
    joined_on: date = strawberry.field(description="When she joined the programme.")
    activity: Activity = strawberry.field(description="Her income-generating activity.")
    activity_description: str = strawberry.field(description="The activity in her own words.")
    rural: bool = strawberry.field(description="Whether she lives in a rural area.")
    poverty_likelihood: Decimal | None = personal(
        "PPI-style likelihood, in percent, of living below the national poverty line; null if "
        "not scored."
    )
    left_on: date | None = strawberry.field(
        description="When she left the programme (a drop-out, memberLeave); null while she "
        "is in it. From that day she is not an active member."
    )
    leaving_reason: LeavingReason | None = strawberry.field(
        description="Why she left; null while she is in the programme."
    )
    programme_id: strawberry.Private[uuid.UUID]
    listing = db_groups.MEMBERS
    programme = parent(_Programme, "programme_id", description="The programme she belongs to.")

    @strawberry.field(description="The group she belongs to now; null if in none.")
    async def current_group(self, info: Info) -> Group | None:
        # At most one open membership (a unique index): a list of zero or one.
        current = info.context.loaders.all(db_groups.CURRENT_GROUPS, _memberships.member_id)
        rows = await current.load(self.id)
        return Group.from_row(rows[0]) if rows else None

    # By key, which is joining order: membership keys are UUIDv7 minted when she joins (or
    # for the day she joined, in seeded data), and a move is never dated before her last join.
    group_history = child_list(
        "GroupMembership",
        _memberships.member_id,
        description="Every group she has been in, oldest first.",
    )
    training_sessions = children(
        "TrainingSession",
        _attendances.member_id,
        filter=TrainingSessionFilter,
        listing=db_groups.ATTENDED_SESSIONS,
        description="Training sessions she attended.",
    )

    @strawberry.field(
        description="How many INITIAL training sessions she attended: the programme's rule "
        "(Programme.initialTrainingSessions) must be met before a first loan."
    )
    async def initial_sessions_attended(self, info: Info) -> int:
        counts = info.context.loaders.counts(db_groups.ATTENDED_SESSIONS, _attendances.member_id)
        return await counts.load(CountKey(self.id, _INITIAL))

    loans = children(
        _Loan,
        db_loans.loans.c.member_id,
        filter=_LoanFilter,
        description="Her loans, every cycle.",
    )
    savings_accounts = child_list(
        Annotated["SavingsAccount", strawberry.lazy(_savings)],
        db_savings.accounts.c.member_id,
        description="Her savings accounts (compulsory and voluntary).",
    )
    meeting_attendance = children(
        Annotated["MeetingAttendance", strawberry.lazy(_meetings)],
        db_meetings.attendances.c.member_id,
        description="Her attendance at her groups' meetings, in the order recorded.",
    )


@strawberry.type(description="A member's time in a group; leftOn is null while she is in it.")
class GroupMembership:
    joined_on: date = strawberry.field(description="When she joined the group.")
    left_on: date | None = strawberry.field(description="When she left it; null if still in it.")
    member_id: strawberry.Private[uuid.UUID]
    group_id: strawberry.Private[uuid.UUID]
    listing: ClassVar[Listing[None]] = db_groups.MEMBERSHIPS

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Self:
        return cls(
            joined_on=row["joined_on"],
            left_on=row["left_on"],
            member_id=row["member_id"],
            group_id=row["group_id"],
        )

    # A membership's member and group are of the membership's programme: never null.
    member = parent(Member, "member_id", description="The member.")
    group = parent(Group, "group_id", description="The group.")


@strawberry.federation.type(
    keys=["id"], description="A training session a facilitator held with a group."
)
class TrainingSession(RowNode):
    id: relay.NodeID[uuid.UUID]
    held_on: date = strawberry.field(description="When it was held.")
    kind: TrainingKind = strawberry.field(description="Initial, economic or social training.")
    topic: str = strawberry.field(description="What it was about.")
    programme_id: strawberry.Private[uuid.UUID]
    group_id: strawberry.Private[uuid.UUID]
    facilitator_id: strawberry.Private[uuid.UUID]
    listing = db_groups.TRAINING_SESSIONS
    # A session's group and facilitator are of the session's programme: never null.
    programme = parent(_Programme, "programme_id", description="The programme it belongs to.")
    group = parent(Group, "group_id", description="The group trained.")
    facilitator = parent(Facilitator, "facilitator_id", description="The facilitator who held it.")
    attendees = children(
        Member,
        _attendances.session_id,
        listing=db_groups.ATTENDEES,
        description="The members who attended.",
    )

    attendee_count = count_of(
        db_groups.ATTENDEES, _attendances.session_id, description="How many members attended."
    )


@strawberry.type
class GroupQuery:
    facilitators = root_connection(
        Facilitator,
        filter=FacilitatorFilter,
        description="Facilitators across the programmes the viewer may see.",
    )
    groups = root_connection(
        Group, filter=GroupFilter, description="Groups across the programmes the viewer may see."
    )
    members = root_connection(
        Member,
        filter=MemberFilter,
        description="Members across the programmes the viewer may see.",
    )
    training_sessions = root_connection(
        TrainingSession,
        filter=TrainingSessionFilter,
        description="Training sessions across the programmes the viewer may see.",
    )


@strawberry.input(
    description="A new solidarity group, formed by one of the programme's facilitators."
)
class GroupCreateInput:
    facilitator: relay.GlobalID = strawberry.field(
        description="The facilitator who will meet it; the group joins her programme."
    )
    name: str = strawberry.field(description="Its name, unique in the programme.")
    meeting_frequency: MeetingFrequency = strawberry.field(description="How often it meets.")
    meeting_place: str = strawberry.field(description="Where it meets (neighbourhood).")
    formed_on: date = strawberry.field(description="When it was formed; not in the future.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of groupCreate.")
class GroupCreatePayload:
    group: Group | None = strawberry.field(description="The new group; null if refused.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )


@strawberry.input(
    description="Changes to a group's details: an omitted field stays as it is. A CLOSED "
    "group cannot be updated (GROUP_CLOSED)."
)
class GroupUpdateInput:
    group: relay.GlobalID = strawberry.field(description="The group to change.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Its new name, unique in the programme."
    )
    meeting_frequency: MeetingFrequency | None = strawberry.field(
        default=strawberry.UNSET, description="How often it meets from now on."
    )
    meeting_place: str | None = strawberry.field(
        default=strawberry.UNSET, description="Where it meets from now on."
    )
    facilitator: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The facilitator who meets it from now on: one still working for the "
        "group's programme.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of groupUpdate.")
class GroupUpdatePayload:
    group: Group | None = strawberry.field(description="The group as changed; null if refused.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )


@strawberry.input(
    description="Make an IN_TRAINING group ACTIVE. It must have held the programme's number of "
    "INITIAL training sessions (Programme.initialTrainingSessions, 6 for FANSOTO); otherwise "
    "TRAINING_INCOMPLETE."
)
class GroupActivateInput:
    group: relay.GlobalID = strawberry.field(description="The group to activate.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of groupActivate.")
class GroupActivatePayload:
    group: Group | None = strawberry.field(description="The group, now ACTIVE; null if refused.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )


@strawberry.input(
    description="Close a group (IN_TRAINING or ACTIVE) for good. Its current members leave it "
    "on closedOn (their history is kept; memberMove puts them in another group). Refused "
    "(ACTIVE_LOAN_EXISTS) while a loan is PENDING or ACTIVE for one of its current members or "
    "was made through this group: repay, write off or decline it first."
)
class GroupCloseInput:
    group: relay.GlobalID = strawberry.field(description="The group to close.")
    closed_on: date = strawberry.field(
        description="When it closed: not in the future, not before it was formed nor before "
        "its latest current member joined."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of groupClose.")
class GroupClosePayload:
    group: Group | None = strawberry.field(description="The group, now CLOSED; null if refused.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )


@strawberry.input(
    description="A new member, enrolled into a group (not a CLOSED one) of the staff's "
    "programme; she joins the programme and the group on joinedOn."
)
class MemberEnrolInput:
    group: relay.GlobalID = strawberry.field(
        description="The group she joins; she joins its programme."
    )
    first_name: str = strawberry.field(description="First name; not blank.")
    last_name: str = strawberry.field(description="Last name; not blank.")
    gender: Gender = strawberry.field(description="Gender.")
    birth_year: int | None = strawberry.field(
        default=None, description="Year of birth, if known: from 1900 to this year."
    )
    phone: str | None = strawberry.field(
        default=None, description="Phone number, if known; blank means unknown."
    )
    joined_on: date = strawberry.field(
        description="When she joined: not in the future, not before the group was formed."
    )
    activity: Activity = strawberry.field(description="Her income-generating activity.")
    activity_description: str = strawberry.field(
        default="", description="The activity in her own words."
    )
    rural: bool = strawberry.field(default=False, description="Whether she lives in a rural area.")
    poverty_likelihood: Decimal | None = strawberry.field(
        default=None,
        description="PPI-style likelihood, in percent, of living below the national poverty "
        "line: 0 to 100 with two decimals at most; null if not scored.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of memberEnrol.")
class MemberEnrolPayload:
    member: Member | None = strawberry.field(description="The new member; null if refused.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )


@strawberry.input(
    description="Changes to a member's details: an omitted field stays as it is; null clears "
    "birthYear, phone or povertyLikelihood and is refused (REQUIRED) for the others. Her group "
    "changes with memberMove."
)
class MemberUpdateInput:
    member: relay.GlobalID = strawberry.field(description="The member to change.")
    first_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="First name; not blank."
    )
    last_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Last name; not blank."
    )
    gender: Gender | None = strawberry.field(default=strawberry.UNSET, description="Gender.")
    birth_year: int | None = strawberry.field(
        default=strawberry.UNSET, description="Year of birth: from 1900 to this year."
    )
    phone: str | None = strawberry.field(
        default=strawberry.UNSET, description="Phone number; blank or null means unknown."
    )
    activity: Activity | None = strawberry.field(
        default=strawberry.UNSET, description="Her income-generating activity."
    )
    activity_description: str | None = strawberry.field(
        default=strawberry.UNSET, description="The activity in her own words."
    )
    rural: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether she lives in a rural area."
    )
    poverty_likelihood: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="PPI-style likelihood in percent: 0 to 100 with two decimals at most.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of memberUpdate.")
class MemberUpdatePayload:
    member: Member | None = strawberry.field(description="The member as changed; null if refused.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )


@strawberry.input(
    description="Move a member to another group of her programme on a date: her current "
    "membership ends that day and one in the new group starts (Member.groupHistory keeps "
    "both). A member in no group (hers was closed) simply joins the new one."
)
class MemberMoveInput:
    member: relay.GlobalID = strawberry.field(description="The member who moves.")
    group: relay.GlobalID = strawberry.field(
        description="Her new group: of her programme, not CLOSED, not her current one."
    )
    moved_on: date = strawberry.field(
        description="When she moves: not in the future, not before her current membership "
        "started (or her last one ended), not before the new group was formed."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of memberMove.")
class MemberMovePayload:
    member: Member | None = strawberry.field(
        description="The member, in her new group; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )


@strawberry.input(
    description="A training session held with a group (not a CLOSED one), with its "
    "attendance. The session and every attendance are written together or not at all."
)
class TrainingSessionRecordInput:
    group: relay.GlobalID = strawberry.field(description="The group trained.")
    held_on: date = strawberry.field(
        description="When it was held: not in the future, not before the group was formed."
    )
    kind: TrainingKind = strawberry.field(
        description="INITIAL sessions count toward groupActivate and a member's first loan."
    )
    topic: str = strawberry.field(description="What it was about; not blank.")
    attendees: list[relay.GlobalID] = strawberry.field(
        description="The members present, each once and each a current member of the group; "
        "a mistake is reported at its index, e.g. field ['input', 'attendees', '2']."
    )
    facilitator: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Who held it, if not the group's facilitator: one still working for the "
        "group's programme.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of trainingSessionRecord.")
class TrainingSessionRecordPayload:
    training_session: TrainingSession | None = strawberry.field(
        description="The session recorded; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )


@strawberry.input(
    description="A member leaves the programme (a drop-out) on a day, for a reason: her group "
    "membership ends that day and her savings accounts (all at zero) close; she counts as an "
    "active member up to the day before. Refused while she has a PENDING or ACTIVE loan "
    "(ACTIVE_LOAN_EXISTS) or money saved (BALANCE_NOT_ZERO: savingsAccountClose pays it out), "
    "and once she has left (INVALID_STATE). Leaving is final: she is not moved, trained or "
    "lent to again."
)
class MemberLeaveInput:
    member: relay.GlobalID = strawberry.field(description="The member who leaves.")
    left_on: date = strawberry.field(
        description="When: not in the future, not before she joined her group, her last loan "
        "closed or her last savings entry."
    )
    reason: LeavingReason = strawberry.field(description="Why she leaves.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of memberLeave.")
class MemberLeavePayload:
    member: Member | None = strawberry.field(
        description="The member, with leftOn and leavingReason; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )


@strawberry.input(
    description="Correct who attended a training session: the list replaces its attendance. "
    "Each attendee was a member of the session's group on the day it was held. Striking a "
    "member off an INITIAL session is refused (LOAN_ELIGIBILITY_USED) when her first loan "
    "(pending or granted) counted it to meet the programme's initial-training rule."
)
class TrainingSessionCorrectAttendanceInput:
    training_session: relay.GlobalID = strawberry.field(description="The session.")
    attendees: list[relay.GlobalID] = strawberry.field(
        description="Everyone who attended (at least one), each once."
    )
    reason: str = strawberry.field(description="Why the attendance is corrected (required).")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of trainingSessionCorrectAttendance.")
class TrainingSessionCorrectAttendancePayload:
    training_session: TrainingSession | None = strawberry.field(
        description="The session, with its corrected attendance; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of an earlier request with the same key."
    )
