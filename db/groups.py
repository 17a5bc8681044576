"""Facilitators, groups, members, their memberships, training sessions and attendance."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.enums import Activity, Gender, GroupStatus, MeetingFrequency, TrainingKind
from domain.errors import ErrorCode, RuleViolation
from domain.ids import uuid7

from .models import Attendance, Facilitator, Group, GroupMembership, Member, TrainingSession
from .network import in_programmes
from .pagination import Listing
from .scope import Scope

facilitators = Facilitator.__table__
groups = Group.__table__
members = Member.__table__
memberships = GroupMembership.__table__
training_sessions = TrainingSession.__table__
attendances = Attendance.__table__


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


@dataclass(frozen=True, slots=True)
class TrainingSessionFilter:
    programme_codes: tuple[str, ...] | None = None
    kinds: tuple[TrainingKind, ...] | None = None
    held_from: date | None = None
    held_to: date | None = None


def _between(stmt: Select[Any], column: Any, start: date | None, end: date | None) -> Select[Any]:
    """Inclusive bounds; a missing bound does not restrict."""
    if start is not None:
        stmt = stmt.where(column >= start)
    if end is not None:
        stmt = stmt.where(column <= end)
    return stmt


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
        stmt = _between(stmt, groups.c.formed_on, f.formed_from, f.formed_to)
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
    return _between(stmt, members.c.joined_on, f.joined_from, f.joined_to)


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
    return _between(stmt, training_sessions.c.held_on, f.held_from, f.held_to)


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


async def _facilitator_in_scope(
    session: AsyncSession, scope: Scope, facilitator_id: uuid.UUID
) -> RowMapping:
    row = (
        (
            await session.execute(
                select(facilitators).where(
                    facilitators.c.id == facilitator_id, scope.where(facilitators.c.programme_id)
                )
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise RuleViolation("facilitator", ErrorCode.NOT_FOUND, "No such facilitator.")
    return row


def _require_operator(scope: Scope, programme_id: uuid.UUID) -> None:
    if not scope.may_operate(programme_id):
        raise RuleViolation(
            (), ErrorCode.NOT_ALLOWED, "Only the programme's staff record its field operations."
        )


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
    _require_operator(scope, programme_id)
    name = rules.required_text("name", name)
    rules.not_in_future("formedOn", formed_on, today)
    if not facilitator["active"]:
        raise RuleViolation("facilitator", ErrorCode.INVALID_STATE, "This facilitator has left.")
    taken = await session.scalar(
        select(groups.c.id).where(groups.c.programme_id == programme_id, groups.c.name == name)
    )
    if taken is not None:
        raise RuleViolation(
            "name", ErrorCode.ALREADY_EXISTS, f"The programme has a group {name!r}."
        )
    row = (
        (
            await session.execute(
                insert(Group)
                .values(
                    id=uuid7(),
                    programme_id=programme_id,
                    facilitator_id=facilitator_id,
                    name=name,
                    meeting_frequency=meeting_frequency,
                    meeting_place=rules.required_text("meetingPlace", meeting_place),
                    formed_on=formed_on,
                    status=GroupStatus.IN_TRAINING,
                )
                .returning(*groups.c)
            )
        )
        .mappings()
        .one()
    )
    return row
