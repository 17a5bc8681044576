"""Facilitators, groups, members, their memberships, training sessions and attendance."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, literal, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import groups as methodology
from domain import rules
from domain.enums import (
    Activity,
    Gender,
    GroupStatus,
    LeavingReason,
    LoanStatus,
    MeetingFrequency,
    TrainingKind,
)
from domain.errors import ErrorCode, RuleViolation
from domain.ids import uuid7

from . import savings as db_savings
from .models import (
    Attendance,
    Facilitator,
    Group,
    GroupMembership,
    Loan,
    Member,
    Programme,
    TrainingSession,
)
from .network import in_programmes
from .pagination import Listing, between
from .scope import Scope

facilitators = Facilitator.__table__
groups = Group.__table__
members = Member.__table__
memberships = GroupMembership.__table__
training_sessions = TrainingSession.__table__
attendances = Attendance.__table__
loans = Loan.__table__
programmes = Programme.__table__


@dataclass(frozen=True, slots=True)
class FacilitatorFilter:
    programme_codes: tuple[str, ...] | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True)
class GroupFilter:
    programme_codes: tuple[str, ...] | None = None
    statuses: tuple[GroupStatus, ...] | None = None
    facilitator_ids: tuple[uuid.UUID, ...] | None = None
    formed_from: date | None = None
    formed_to: date | None = None


@dataclass(frozen=True, slots=True)
class MemberFilter:
    programme_codes: tuple[str, ...] | None = None
    genders: tuple[Gender, ...] | None = None
    activities: tuple[Activity, ...] | None = None
    # Members whose current group is one of these.
    group_ids: tuple[uuid.UUID, ...] | None = None
    joined_from: date | None = None
    joined_to: date | None = None
    # Drop-outs: members who left the programme in this span (bounds may be open), for one
    # of these reasons.
    left_between: tuple[date | None, date | None] | None = None
    leaving_reasons: tuple[LeavingReason, ...] | None = None


@dataclass(frozen=True, slots=True)
class TrainingSessionFilter:
    programme_codes: tuple[str, ...] | None = None
    kinds: tuple[TrainingKind, ...] | None = None
    held_from: date | None = None
    held_to: date | None = None


def _facilitators(scope: Scope, f: FacilitatorFilter | None) -> Select[Any]:
    stmt = select(facilitators).where(scope.where(facilitators.c.programme_id))
    if f is not None:
        if f.programme_codes is not None:
            stmt = stmt.where(in_programmes(facilitators.c.programme_id, f.programme_codes))
        if f.active is not None:
            stmt = stmt.where(facilitators.c.active.is_(f.active))
    return stmt


def _groups(scope: Scope, f: GroupFilter | None) -> Select[Any]:
    stmt = select(groups).where(scope.where(groups.c.programme_id))
    if f is not None:
        if f.programme_codes is not None:
            stmt = stmt.where(in_programmes(groups.c.programme_id, f.programme_codes))
        if f.statuses is not None:
            stmt = stmt.where(groups.c.status.in_(f.statuses))
        if f.facilitator_ids is not None:
            stmt = stmt.where(groups.c.facilitator_id.in_(f.facilitator_ids))
        stmt = between(stmt, groups.c.formed_on, f.formed_from, f.formed_to)
    return stmt


def _filter_members(stmt: Select[Any], f: MemberFilter | None) -> Select[Any]:
    if f is None:
        return stmt
    if f.programme_codes is not None:
        stmt = stmt.where(in_programmes(members.c.programme_id, f.programme_codes))
    if f.genders is not None:
        stmt = stmt.where(members.c.gender.in_(f.genders))
    if f.activities is not None:
        stmt = stmt.where(members.c.activity.in_(f.activities))
    if f.group_ids is not None:
        current = select(memberships.c.member_id).where(
            memberships.c.left_on.is_(None), memberships.c.group_id.in_(f.group_ids)
        )
        stmt = stmt.where(members.c.id.in_(current))
    if f.leaving_reasons is not None:
        stmt = stmt.where(members.c.leaving_reason.in_(f.leaving_reasons))
    if f.left_between is not None:
        stmt = between(
            stmt.where(members.c.left_on.is_not(None)), members.c.left_on, *f.left_between
        )
    return between(stmt, members.c.joined_on, f.joined_from, f.joined_to)


def _members(scope: Scope, f: MemberFilter | None) -> Select[Any]:
    return _filter_members(select(members).where(scope.where(members.c.programme_id)), f)


def _group_members(scope: Scope, f: MemberFilter | None) -> Select[Any]:
    """Current members: open memberships joined to members, parent group_memberships.group_id."""
    stmt = (
        select(members)
        .join(
            memberships,
            and_(memberships.c.member_id == members.c.id, memberships.c.left_on.is_(None)),
        )
        .where(scope.where(members.c.programme_id), scope.where(memberships.c.programme_id))
    )
    return _filter_members(stmt, f)


def _filter_sessions(stmt: Select[Any], f: TrainingSessionFilter | None) -> Select[Any]:
    if f is None:
        return stmt
    if f.programme_codes is not None:
        stmt = stmt.where(in_programmes(training_sessions.c.programme_id, f.programme_codes))
    if f.kinds is not None:
        stmt = stmt.where(training_sessions.c.kind.in_(f.kinds))
    return between(stmt, training_sessions.c.held_on, f.held_from, f.held_to)


def _sessions(scope: Scope, f: TrainingSessionFilter | None) -> Select[Any]:
    return _filter_sessions(
        select(training_sessions).where(scope.where(training_sessions.c.programme_id)), f
    )


def _attended_sessions(scope: Scope, f: TrainingSessionFilter | None) -> Select[Any]:
    """Sessions a member attended, parent attendances.member_id."""
    stmt = (
        select(training_sessions)
        .join(attendances, attendances.c.session_id == training_sessions.c.id)
        .where(
            scope.where(training_sessions.c.programme_id), scope.where(attendances.c.programme_id)
        )
    )
    return _filter_sessions(stmt, f)


def _attendees(scope: Scope, f: MemberFilter | None) -> Select[Any]:
    """Members present at a session, parent attendances.session_id."""
    stmt = (
        select(members)
        .join(attendances, attendances.c.member_id == members.c.id)
        .where(scope.where(members.c.programme_id), scope.where(attendances.c.programme_id))
    )
    return _filter_members(stmt, f)


def _memberships(scope: Scope, _: None) -> Select[Any]:
    return select(memberships).where(scope.where(memberships.c.programme_id))


def _current_groups(scope: Scope, _: None) -> Select[Any]:
    """A member's current group (at most one): parent group_memberships.member_id."""
    return (
        select(groups, memberships.c.member_id)
        .join(
            memberships,
            and_(memberships.c.group_id == groups.c.id, memberships.c.left_on.is_(None)),
        )
        .where(scope.where(groups.c.programme_id), scope.where(memberships.c.programme_id))
    )


FACILITATORS = Listing(_facilitators, facilitators.c.id)
GROUPS = Listing(_groups, groups.c.id)
MEMBERS = Listing(_members, members.c.id)
GROUP_MEMBERS = Listing(_group_members, members.c.id)
TRAINING_SESSIONS = Listing(_sessions, training_sessions.c.id)
ATTENDED_SESSIONS = Listing(_attended_sessions, training_sessions.c.id)
ATTENDEES = Listing(_attendees, members.c.id)
MEMBERSHIPS: Listing[None] = Listing(_memberships, memberships.c.id)
CURRENT_GROUPS: Listing[None] = Listing(_current_groups, groups.c.id)


# Writes. Each locks the rows its rules read (the group, in id order when two), so two
# facilitators writing about one group are applied one after the other; a unique index a
# concurrent write may still hit becomes a user error. The locks are FOR NO KEY UPDATE: they
# serialise these writes (and anyone taking FOR SHARE to read a group's status) but not the
# foreign-key checks of rows that merely reference the group or member, so a write that
# holds a member and then inserts a row pointing at the group cannot deadlock with them.

_GROUP_NAME = "uq_groups_programme_id_name"
_ONE_OPEN_MEMBERSHIP = "uq_group_memberships_open"


def _violates(error: IntegrityError, constraint: str) -> bool:
    return f'"{constraint}"' in str(error.orig)


async def _first(session: AsyncSession, stmt: Any) -> RowMapping | None:
    return (await session.execute(stmt)).mappings().first()


async def _returning(session: AsyncSession, stmt: Any) -> RowMapping:
    return (await session.execute(stmt)).mappings().one()


async def _facilitator_in_scope(
    session: AsyncSession, scope: Scope, facilitator_id: uuid.UUID
) -> RowMapping:
    row = await _first(
        session,
        select(facilitators).where(
            facilitators.c.id == facilitator_id, scope.where(facilitators.c.programme_id)
        ),
    )
    if row is None:
        raise RuleViolation("facilitator", ErrorCode.NOT_FOUND, "No such facilitator.")
    return row


async def _facilitator_of(
    session: AsyncSession, scope: Scope, facilitator_id: uuid.UUID, programme_id: uuid.UUID
) -> RowMapping:
    """A facilitator still working for `programme_id`."""
    facilitator = await _facilitator_in_scope(session, scope, facilitator_id)
    if facilitator["programme_id"] != programme_id:
        raise RuleViolation(
            "facilitator",
            ErrorCode.OTHER_PROGRAMME,
            "This facilitator works for another programme.",
        )
    if not facilitator["active"]:
        raise RuleViolation("facilitator", ErrorCode.INVALID_STATE, "This facilitator has left.")
    return facilitator


async def _locked_group(session: AsyncSession, scope: Scope, group_id: uuid.UUID) -> RowMapping:
    """The group, in scope, locked until the write ends, and the viewer allowed to operate."""
    row = await _first(
        session,
        select(groups)
        .where(groups.c.id == group_id, scope.where(groups.c.programme_id))
        .with_for_update(key_share=True),
    )
    if row is None:
        raise RuleViolation("group", ErrorCode.NOT_FOUND, "No such group.")
    scope.require_operator(row["programme_id"])
    return row


async def _member(
    session: AsyncSession, scope: Scope, member_id: uuid.UUID, *, lock: bool = False
) -> RowMapping:
    """The member, in scope, and the viewer allowed to operate."""
    stmt = select(members).where(members.c.id == member_id, scope.where(members.c.programme_id))
    row = await _first(session, stmt.with_for_update(key_share=True) if lock else stmt)
    if row is None:
        raise RuleViolation("member", ErrorCode.NOT_FOUND, "No such member.")
    scope.require_operator(row["programme_id"])
    return row


def _name_taken(name: str) -> RuleViolation:
    return RuleViolation("name", ErrorCode.ALREADY_EXISTS, f"The programme has a group {name!r}.")


async def _require_free_name(session: AsyncSession, programme_id: uuid.UUID, name: str) -> None:
    taken = await session.scalar(
        select(groups.c.id).where(groups.c.programme_id == programme_id, groups.c.name == name)
    )
    if taken is not None:
        raise _name_taken(name)


async def _write_group(session: AsyncSession, stmt: Any, name: str | None) -> RowMapping:
    """Insert or update a group; a name taken meanwhile by a concurrent write is a user error."""
    try:
        return await _returning(session, stmt.returning(*groups.c))
    except IntegrityError as error:
        if name is not None and _violates(error, _GROUP_NAME):
            raise _name_taken(name) from error
        raise


async def create_group(
    session: AsyncSession,
    scope: Scope,
    *,
    facilitator_id: uuid.UUID,
    name: str,
    meeting_frequency: MeetingFrequency,
    meeting_place: str,
    formed_on: date,
    today: date,
) -> RowMapping:
    """A new group, IN_TRAINING, in its facilitator's programme."""
    facilitator = await _facilitator_in_scope(session, scope, facilitator_id)
    programme_id = facilitator["programme_id"]
    scope.require_operator(programme_id)
    name = rules.required_text("name", name)
    rules.not_in_future("formedOn", formed_on, today)
    if not facilitator["active"]:
        raise RuleViolation("facilitator", ErrorCode.INVALID_STATE, "This facilitator has left.")
    await _require_free_name(session, programme_id, name)
    return await _write_group(
        session,
        insert(Group).values(
            id=uuid7(),
            programme_id=programme_id,
            facilitator_id=facilitator_id,
            name=name,
            meeting_frequency=meeting_frequency,
            meeting_place=rules.required_text("meetingPlace", meeting_place),
            formed_on=formed_on,
            status=GroupStatus.IN_TRAINING,
        ),
        name,
    )


async def update_group(
    session: AsyncSession,
    scope: Scope,
    *,
    group_id: uuid.UUID,
    details: Mapping[str, Any],
    facilitator_id: uuid.UUID | None = None,
) -> RowMapping:
    """Change the given details (by column) and, if given, the facilitator; CLOSED is final."""
    group = await _locked_group(session, scope, group_id)
    methodology.require_open("group", group["status"])
    values = methodology.group_details(details)
    if facilitator_id is not None and facilitator_id != group["facilitator_id"]:
        await _facilitator_of(session, scope, facilitator_id, group["programme_id"])
        values["facilitator_id"] = facilitator_id
    name = values.get("name")
    if name is not None and name != group["name"]:
        await _require_free_name(session, group["programme_id"], name)
    if not values:
        return group
    return await _write_group(
        session, update(Group).where(groups.c.id == group_id).values(**values), name
    )


async def activate_group(session: AsyncSession, scope: Scope, *, group_id: uuid.UUID) -> RowMapping:
    """IN_TRAINING → ACTIVE once the group held its programme's number of INITIAL sessions."""
    group = await _locked_group(session, scope, group_id)
    held = (
        select(func.count())
        .select_from(training_sessions)
        .where(
            training_sessions.c.group_id == group_id,
            training_sessions.c.kind == TrainingKind.INITIAL,
        )
        .scalar_subquery()
    )
    counts = (
        await session.execute(
            select(programmes.c.initial_training_sessions, held).where(
                programmes.c.id == group["programme_id"]
            )
        )
    ).one()
    methodology.check_activation("group", group["status"], counts[1], counts[0])
    return await _returning(
        session,
        update(Group)
        .where(groups.c.id == group_id)
        .values(status=GroupStatus.ACTIVE)
        .returning(*groups.c),
    )


async def close_group(
    session: AsyncSession, scope: Scope, *, group_id: uuid.UUID, closed_on: date, today: date
) -> RowMapping:
    """Close a group on `closed_on`: its members leave it that day (their history stays).

    Refused while a loan is PENDING or ACTIVE for one of its current members or was made
    through this group: such a loan must be repaid, written off or declined first.
    """
    group = await _locked_group(session, scope, group_id)
    current = and_(memberships.c.group_id == group_id, memberships.c.left_on.is_(None))
    latest_join = await session.scalar(select(func.max(memberships.c.joined_on)).where(current))
    methodology.check_closing(
        group["status"],
        closed_on=closed_on,
        formed_on=group["formed_on"],
        latest_join=latest_join,
        today=today,
    )
    open_loan = await session.scalar(
        select(loans.c.id)
        .where(
            loans.c.programme_id == group["programme_id"],
            loans.c.status.in_((LoanStatus.PENDING, LoanStatus.ACTIVE)),
            or_(
                loans.c.group_id == group_id,
                loans.c.member_id.in_(select(memberships.c.member_id).where(current)),
            ),
        )
        .limit(1)
    )
    if open_loan is not None:
        raise RuleViolation(
            "group",
            ErrorCode.ACTIVE_LOAN_EXISTS,
            "A member of this group has a pending or active loan: it must be repaid, written "
            "off or declined before the group closes.",
        )
    await session.execute(update(GroupMembership).where(current).values(left_on=closed_on))
    return await _returning(
        session,
        update(Group)
        .where(groups.c.id == group_id)
        .values(status=GroupStatus.CLOSED, closed_on=closed_on)
        .returning(*groups.c),
    )


async def enrol_member(
    session: AsyncSession,
    scope: Scope,
    *,
    group_id: uuid.UUID,
    details: Mapping[str, Any],
    joined_on: date,
    today: date,
) -> RowMapping:
    """A new member of the group's programme, in the group from `joined_on`."""
    group = await _locked_group(session, scope, group_id)
    methodology.require_open("group", group["status"])
    values = methodology.member_details(details, today)
    rules.not_in_future("joinedOn", joined_on, today)
    rules.in_order("joinedOn", group["formed_on"], joined_on)
    member = await _returning(
        session,
        insert(Member)
        .values(id=uuid7(), programme_id=group["programme_id"], joined_on=joined_on, **values)
        .returning(*members.c),
    )
    await session.execute(
        insert(GroupMembership).values(
            id=uuid7(),
            programme_id=group["programme_id"],
            member_id=member["id"],
            group_id=group_id,
            joined_on=joined_on,
        )
    )
    return member


async def update_member(
    session: AsyncSession,
    scope: Scope,
    *,
    member_id: uuid.UUID,
    details: Mapping[str, Any],
    today: date,
) -> RowMapping:
    """Change the given details (by column) of a member."""
    member = await _member(session, scope, member_id)
    values = methodology.member_details(details, today)
    if not values:
        return member
    return await _returning(
        session,
        update(Member).where(members.c.id == member_id).values(**values).returning(*members.c),
    )


async def _open_membership(session: AsyncSession, member_id: uuid.UUID) -> RowMapping | None:
    return await _first(
        session,
        select(memberships).where(
            memberships.c.member_id == member_id, memberships.c.left_on.is_(None)
        ),
    )


async def move_member(
    session: AsyncSession,
    scope: Scope,
    *,
    member_id: uuid.UUID,
    group_id: uuid.UUID,
    moved_on: date,
    today: date,
) -> RowMapping:
    """Move a member to another group of her programme on `moved_on`: her open membership
    ends that day and one in the new group starts. A member in no group (hers was closed)
    joins the new one."""
    # Lock order: the member, then her current and new groups by id; the member's lock
    # serialises moves of one member, the groups' locks serialise with closing and training.
    member = await _member(session, scope, member_id, lock=True)
    if member["left_on"] is not None:
        raise RuleViolation(
            "member", ErrorCode.INVALID_STATE, f"She left the programme on {member['left_on']}."
        )
    current = await _open_membership(session, member_id)
    ids = {group_id} | ({current["group_id"]} if current is not None else set())
    locked = (
        (
            await session.execute(
                select(groups)
                .where(groups.c.id.in_(sorted(ids)), scope.where(groups.c.programme_id))
                .order_by(groups.c.id)
                .with_for_update(key_share=True)
            )
        )
        .mappings()
        .all()
    )
    target = next((row for row in locked if row["id"] == group_id), None)
    if target is None:
        raise RuleViolation("group", ErrorCode.NOT_FOUND, "No such group.")
    if target["programme_id"] != member["programme_id"]:
        raise RuleViolation(
            "group", ErrorCode.OTHER_PROGRAMME, "This group belongs to another programme."
        )
    # Closing her group while we waited for its lock ended her membership: read it again.
    current = await _open_membership(session, member_id)
    if current is not None:
        since = current["joined_on"]
    else:
        last_left = await session.scalar(
            select(func.max(memberships.c.left_on)).where(memberships.c.member_id == member_id)
        )
        since = max(member["joined_on"], last_left or member["joined_on"])
    methodology.check_move(
        current_group=current["group_id"] if current is not None else None,
        target_group=group_id,
        moved_on=moved_on,
        since=since,
        target_formed_on=target["formed_on"],
        today=today,
    )
    methodology.require_open("group", target["status"])
    if current is not None:
        await session.execute(
            update(GroupMembership)
            .where(memberships.c.id == current["id"])
            .values(left_on=moved_on)
        )
    try:
        await session.execute(
            insert(GroupMembership).values(
                id=uuid7(),
                programme_id=member["programme_id"],
                member_id=member_id,
                group_id=group_id,
                joined_on=moved_on,
            )
        )
    except IntegrityError as error:
        if _violates(error, _ONE_OPEN_MEMBERSHIP):
            raise RuleViolation(
                "member",
                ErrorCode.INVALID_STATE,
                "She was moved by someone else at the same time; reload her and retry.",
            ) from error
        raise
    return member


async def record_training_session(
    session: AsyncSession,
    scope: Scope,
    *,
    group_id: uuid.UUID,
    held_on: date,
    kind: TrainingKind,
    topic: str,
    attendee_ids: Sequence[uuid.UUID],
    facilitator_id: uuid.UUID | None,
    today: date,
) -> RowMapping:
    """A session held with a group and its attendance; every attendee a current member.

    The facilitator is the group's unless another of the programme's is named.
    """
    group = await _locked_group(session, scope, group_id)
    methodology.require_open("group", group["status"])
    topic = rules.required_text("topic", topic)
    rules.not_in_future("heldOn", held_on, today)
    rules.in_order("heldOn", group["formed_on"], held_on)
    if not attendee_ids:
        raise RuleViolation("attendees", ErrorCode.REQUIRED, "Name at least one attendee.")
    methodology.distinct("attendees", attendee_ids)
    if facilitator_id is not None and facilitator_id != group["facilitator_id"]:
        await _facilitator_of(session, scope, facilitator_id, group["programme_id"])
    programme_id = group["programme_id"]
    held = await _returning(
        session,
        insert(TrainingSession)
        .values(
            id=uuid7(),
            programme_id=programme_id,
            group_id=group_id,
            facilitator_id=facilitator_id or group["facilitator_id"],
            held_on=held_on,
            kind=kind,
            topic=topic,
        )
        .returning(*training_sessions.c),
    )
    # One statement writes the attendance of those who are current members; anyone left out
    # is refused below, which rolls the session back with it: all of it or nothing.
    present = set(
        (
            await session.scalars(
                insert(Attendance)
                .from_select(
                    ["session_id", "member_id", "programme_id"],
                    select(
                        literal(held["id"], attendances.c.session_id.type),
                        memberships.c.member_id,
                        literal(programme_id, attendances.c.programme_id.type),
                    ).where(
                        memberships.c.group_id == group_id,
                        memberships.c.left_on.is_(None),
                        memberships.c.member_id.in_(list(attendee_ids)),
                    ),
                )
                .returning(attendances.c.member_id)
            )
        ).all()
    )
    for index, member_id in enumerate(attendee_ids):
        if member_id not in present:
            raise await _not_attending(session, scope, member_id, ("attendees", str(index)))
    return held


async def _not_attending(
    session: AsyncSession, scope: Scope, member_id: uuid.UUID, field: tuple[str, ...]
) -> RuleViolation:
    known = await session.scalar(
        select(members.c.id).where(members.c.id == member_id, scope.where(members.c.programme_id))
    )
    if known is None:
        return RuleViolation(field, ErrorCode.NOT_FOUND, "No such member.")
    return RuleViolation(field, ErrorCode.INVALID, "She is not a current member of this group.")


async def leave_programme(
    session: AsyncSession,
    scope: Scope,
    *,
    member_id: uuid.UUID,
    left_on: date,
    reason: LeavingReason,
    today: date,
) -> RowMapping:
    """A drop-out: the member leaves the programme on `left_on` for `reason`. Her group
    membership ends that day (so she counts as an active member up to the day before), and
    her savings accounts, all at zero, are closed that day."""
    # Lock order as loanApply and memberMove: the member, then her group, then her accounts.
    member = await _member(session, scope, member_id, lock=True)
    current = await _open_membership(session, member_id)
    if current is not None:
        await session.execute(
            select(groups.c.id)
            .where(groups.c.id == current["group_id"])
            .with_for_update(key_share=True)
        )
        # Closing her group while we waited ended her membership: read it again.
        current = await _open_membership(session, member_id)
    open_loans = await session.scalar(
        select(func.count()).where(
            loans.c.member_id == member_id,
            loans.c.status.in_((LoanStatus.PENDING, LoanStatus.ACTIVE)),
        )
    )
    last_closed = await session.scalar(
        select(func.max(loans.c.closed_on)).where(loans.c.member_id == member_id)
    )
    open_accounts = await db_savings.balances_of(session, scope, member_id)
    last_entry = await session.scalar(
        select(func.max(db_savings.transactions.c.occurred_on))
        .join(db_savings.accounts, db_savings.accounts.c.id == db_savings.transactions.c.account_id)
        .where(db_savings.accounts.c.member_id == member_id)
    )
    currency = await session.scalar(
        select(programmes.c.currency_code).where(programmes.c.id == member["programme_id"])
    )
    since = max(
        day
        for day in (
            member["joined_on"],
            current["joined_on"] if current is not None else None,
            last_closed,
            last_entry,
        )
        if day is not None
    )
    methodology.check_leaving(
        left_already=member["left_on"],
        left_on=left_on,
        since=since,
        open_loans=int(open_loans or 0),
        saved=sum((a["balance"] for a in open_accounts), Decimal(0)),
        currency=(currency or "").strip(),
        today=today,
    )
    if current is not None:
        await session.execute(
            update(GroupMembership).where(memberships.c.id == current["id"]).values(left_on=left_on)
        )
    await db_savings.close_empty_accounts(session, member_id, left_on)
    return await _returning(
        session,
        update(Member)
        .where(members.c.id == member_id)
        .values(left_on=left_on, leaving_reason=reason)
        .returning(*members.c),
    )


async def correct_attendance(
    session: AsyncSession,
    scope: Scope,
    *,
    session_id: uuid.UUID,
    attendee_ids: Sequence[uuid.UUID],
    reason: str,
) -> tuple[RowMapping, int, int]:
    """Replace a session's attendance: each attendee a member of its group on the day it was
    held. A member struck off an INITIAL session her first loan's eligibility counted is
    refused (domain.groups.initial_sessions_lost). The session, and how many were added and
    struck off."""
    held = await _first(
        session,
        select(training_sessions).where(
            training_sessions.c.id == session_id, scope.where(training_sessions.c.programme_id)
        ),
    )
    if held is None:
        raise RuleViolation("trainingSession", ErrorCode.NOT_FOUND, "No such training session.")
    # The group's lock serialises this with sessions recorded and members moved.
    await _locked_group(session, scope, held["group_id"])
    if not reason.strip():
        raise RuleViolation("reason", ErrorCode.REASON_REQUIRED, "Say why it is corrected.")
    if not attendee_ids:
        raise RuleViolation("attendees", ErrorCode.REQUIRED, "Name at least one attendee.")
    methodology.distinct("attendees", attendee_ids)
    day = held["held_on"]
    in_group_then = set(
        (
            await session.scalars(
                select(memberships.c.member_id).where(
                    memberships.c.group_id == held["group_id"],
                    memberships.c.member_id.in_(list(attendee_ids)),
                    memberships.c.joined_on <= day,
                    or_(memberships.c.left_on.is_(None), memberships.c.left_on > day),
                )
            )
        ).all()
    )
    for index, member_id in enumerate(attendee_ids):
        if member_id not in in_group_then:
            field = ("attendees", str(index))
            known = await session.scalar(
                select(members.c.id).where(
                    members.c.id == member_id, scope.where(members.c.programme_id)
                )
            )
            if known is None:
                raise RuleViolation(field, ErrorCode.NOT_FOUND, "No such member.")
            raise RuleViolation(
                field, ErrorCode.INVALID, f"She was not a member of this group on {day}."
            )
    before = set(
        (
            await session.scalars(
                select(attendances.c.member_id).where(attendances.c.session_id == session_id)
            )
        ).all()
    )
    wanted = set(attendee_ids)
    struck_off, added = before - wanted, wanted - before
    if held["kind"] is TrainingKind.INITIAL and struck_off:
        await _keep_first_loans_eligible(session, held, struck_off)
    if struck_off:
        await session.execute(
            delete(Attendance).where(
                attendances.c.session_id == session_id,
                attendances.c.member_id.in_(sorted(struck_off)),
            )
        )
    if added:
        await session.execute(
            insert(Attendance),
            [
                {"session_id": session_id, "member_id": m, "programme_id": held["programme_id"]}
                for m in sorted(added)
            ],
        )
    return held, len(added), len(struck_off)


async def _keep_first_loans_eligible(
    session: AsyncSession, held: RowMapping, struck_off: set[uuid.UUID]
) -> None:
    """Refuse striking a member off an INITIAL session her first loan's application counted."""
    required = await session.scalar(
        select(programmes.c.initial_training_sessions).where(
            programmes.c.id == held["programme_id"]
        )
    )
    assert required is not None
    initial = training_sessions.alias("initial")
    attended = (
        select(func.count())
        .select_from(attendances.join(initial, initial.c.id == attendances.c.session_id))
        .where(
            attendances.c.member_id == loans.c.member_id,
            initial.c.kind == TrainingKind.INITIAL,
            initial.c.held_on <= loans.c.applied_on,
        )
        .scalar_subquery()
    )
    # Declined or withdrawn applications no longer rest on the rule.
    first_loans = await session.execute(
        select(loans.c.applied_on, attended)
        .where(
            loans.c.member_id.in_(sorted(struck_off)),
            loans.c.cycle == 1,
            loans.c.status.in_(
                (LoanStatus.PENDING, LoanStatus.ACTIVE, LoanStatus.REPAID, LoanStatus.WRITTEN_OFF)
            ),
        )
        .order_by(loans.c.applied_on)
    )
    for applied_on, count in first_loans:
        refused = methodology.initial_sessions_lost(
            attended_by_application=int(count),
            required=required,
            applied_on=applied_on,
            held_on=held["held_on"],
        )
        if refused is not None:
            raise refused
