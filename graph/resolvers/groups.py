from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.utils.str_converters import to_camel_case

from db import groups as db_groups
from db.scope import Scope
from domain.enums import TrainingKind
from domain.errors import ErrorCode, RuleViolation

from ..context import Info
from ..dataloaders.base import CountKey
from ..schema import groups as types
from ..schema.relay import Connection
from .base import child_connection, root_connection
from .mutations import Written, node_uuid, perform

# The methodology's rule before a first loan counts INITIAL sessions only.
_INITIAL = db_groups.TrainingSessionFilter(kinds=(TrainingKind.INITIAL,))


async def facilitator_by_id(info: Info, facilitator_id: uuid.UUID) -> types.Facilitator | None:
    row = await info.context.loaders.groups.facilitator_by_id.load(facilitator_id)
    return types.Facilitator.from_row(row) if row is not None else None


async def group_by_id(info: Info, group_id: uuid.UUID) -> types.Group | None:
    row = await info.context.loaders.groups.group_by_id.load(group_id)
    return types.Group.from_row(row) if row is not None else None


async def member_by_id(info: Info, member_id: uuid.UUID) -> types.Member | None:
    row = await info.context.loaders.groups.member_by_id.load(member_id)
    return types.Member.from_row(row) if row is not None else None


async def training_session_by_id(info: Info, session_id: uuid.UUID) -> types.TrainingSession | None:
    row = await info.context.loaders.groups.training_session_by_id.load(session_id)
    return types.TrainingSession.from_row(row) if row is not None else None


async def group_facilitator(info: Info, facilitator_id: uuid.UUID) -> types.Facilitator:
    facilitator = await facilitator_by_id(info, facilitator_id)
    assert facilitator is not None, "a group's facilitator is of the group's programme"
    return facilitator


async def membership_member(info: Info, member_id: uuid.UUID) -> types.Member:
    member = await member_by_id(info, member_id)
    assert member is not None, "a membership's member is of the membership's programme"
    return member


async def membership_group(info: Info, group_id: uuid.UUID) -> types.Group:
    group = await group_by_id(info, group_id)
    assert group is not None, "a membership's group is of the membership's programme"
    return group


async def session_group(info: Info, group_id: uuid.UUID) -> types.Group:
    group = await group_by_id(info, group_id)
    assert group is not None, "a session's group is of the session's programme"
    return group


async def programme_facilitators(
    info: Info,
    programme_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Facilitator]:
    loaders = info.context.loaders.groups
    return await child_connection(
        info,
        pages=loaders.facilitators_by_programme,
        counts=loaders.facilitators_count_by_programme,
        parent_id=programme_id,
        filter=None,
        to_node=types.Facilitator.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def programme_groups(
    info: Info,
    programme_id: uuid.UUID,
    filter: types.GroupFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Group]:
    loaders = info.context.loaders.groups
    return await child_connection(
        info,
        pages=loaders.groups_by_programme,
        counts=loaders.groups_count_by_programme,
        parent_id=programme_id,
        filter=filter.to_db() if filter is not None else None,
        to_node=types.Group.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def programme_members(
    info: Info,
    programme_id: uuid.UUID,
    filter: types.MemberFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Member]:
    loaders = info.context.loaders.groups
    return await child_connection(
        info,
        pages=loaders.members_by_programme,
        counts=loaders.members_count_by_programme,
        parent_id=programme_id,
        filter=filter.to_db() if filter is not None else None,
        to_node=types.Member.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def programme_training_sessions(
    info: Info,
    programme_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.TrainingSession]:
    loaders = info.context.loaders.groups
    return await child_connection(
        info,
        pages=loaders.sessions_by_programme,
        counts=loaders.sessions_count_by_programme,
        parent_id=programme_id,
        filter=None,
        to_node=types.TrainingSession.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def facilitator_groups(
    info: Info,
    facilitator_id: uuid.UUID,
    filter: types.GroupFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Group]:
    loaders = info.context.loaders.groups
    return await child_connection(
        info,
        pages=loaders.groups_by_facilitator,
        counts=loaders.groups_count_by_facilitator,
        parent_id=facilitator_id,
        filter=filter.to_db() if filter is not None else None,
        to_node=types.Group.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def group_members(
    info: Info,
    group_id: uuid.UUID,
    filter: types.MemberFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Member]:
    loaders = info.context.loaders.groups
    return await child_connection(
        info,
        pages=loaders.members_by_group,
        counts=loaders.members_count_by_group,
        parent_id=group_id,
        filter=filter.to_db() if filter is not None else None,
        to_node=types.Member.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def group_member_count(info: Info, group_id: uuid.UUID) -> int:
    return await info.context.loaders.groups.members_count_by_group.load(CountKey(group_id, None))


async def group_memberships(
    info: Info,
    group_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.GroupMembership]:
    loaders = info.context.loaders.groups
    return await child_connection(
        info,
        pages=loaders.memberships_by_group,
        counts=loaders.memberships_count_by_group,
        parent_id=group_id,
        filter=None,
        to_node=types.GroupMembership.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def group_training_sessions(
    info: Info,
    group_id: uuid.UUID,
    filter: types.TrainingSessionFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.TrainingSession]:
    loaders = info.context.loaders.groups
    return await child_connection(
        info,
        pages=loaders.sessions_by_group,
        counts=loaders.sessions_count_by_group,
        parent_id=group_id,
        filter=filter.to_db() if filter is not None else None,
        to_node=types.TrainingSession.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def member_current_group(info: Info, member_id: uuid.UUID) -> types.Group | None:
    rows = await info.context.loaders.groups.current_group_by_member.load(member_id)
    return types.Group.from_row(rows[0]) if rows else None


async def member_group_history(info: Info, member_id: uuid.UUID) -> list[types.GroupMembership]:
    rows = await info.context.loaders.groups.memberships_by_member.load(member_id)
    ordered = sorted(rows, key=lambda row: (row["joined_on"], row["id"]))
    return [types.GroupMembership.from_row(row) for row in ordered]


async def member_training_sessions(
    info: Info,
    member_id: uuid.UUID,
    filter: types.TrainingSessionFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.TrainingSession]:
    loaders = info.context.loaders.groups
    return await child_connection(
        info,
        pages=loaders.sessions_by_attendee,
        counts=loaders.sessions_count_by_attendee,
        parent_id=member_id,
        filter=filter.to_db() if filter is not None else None,
        to_node=types.TrainingSession.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def member_initial_sessions_attended(info: Info, member_id: uuid.UUID) -> int:
    loader = info.context.loaders.groups.sessions_count_by_attendee
    return await loader.load(CountKey(member_id, _INITIAL))


async def session_attendees(
    info: Info,
    session_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Member]:
    loaders = info.context.loaders.groups
    return await child_connection(
        info,
        pages=loaders.attendees_by_session,
        counts=loaders.attendees_count_by_session,
        parent_id=session_id,
        filter=None,
        to_node=types.Member.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def session_attendee_count(info: Info, session_id: uuid.UUID) -> int:
    loader = info.context.loaders.groups.attendees_count_by_session
    return await loader.load(CountKey(session_id, None))


async def facilitators(
    info: Info,
    filter: types.FacilitatorFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Facilitator]:
    return await root_connection(
        info,
        listing=db_groups.FACILITATORS,
        filter=filter.to_db() if filter is not None else None,
        to_node=types.Facilitator.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def groups(
    info: Info,
    filter: types.GroupFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Group]:
    return await root_connection(
        info,
        listing=db_groups.GROUPS,
        filter=filter.to_db() if filter is not None else None,
        to_node=types.Group.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def members(
    info: Info,
    filter: types.MemberFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Member]:
    return await root_connection(
        info,
        listing=db_groups.MEMBERS,
        filter=filter.to_db() if filter is not None else None,
        to_node=types.Member.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def training_sessions(
    info: Info,
    filter: types.TrainingSessionFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.TrainingSession]:
    return await root_connection(
        info,
        listing=db_groups.TRAINING_SESSIONS,
        filter=filter.to_db() if filter is not None else None,
        to_node=types.TrainingSession.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def group_create(info: Info, input: types.GroupCreateInput) -> types.GroupCreatePayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_groups.create_group(
            session,
            scope,
            facilitator_id=node_uuid(input.facilitator, "Facilitator", "facilitator"),
            name=input.name,
            meeting_frequency=input.meeting_frequency,
            meeting_place=input.meeting_place,
            formed_on=input.formed_on,
            today=date.today(),
        )
        return Written("Group", row["id"], row["programme_id"], {"name": row["name"]})

    outcome = await perform(
        info,
        operation="groupCreate",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    group = await group_by_id(info, outcome.result_id) if outcome.result_id else None
    return types.GroupCreatePayload(
        group=group, user_errors=outcome.user_errors, replayed=outcome.replayed
    )


def _sent(input: Any, names: Iterable[str]) -> dict[str, Any]:
    """Those of `names` the client sent, null included; an omitted field is UNSET."""
    return {
        name: value for name in names if (value := getattr(input, name)) is not strawberry.UNSET
    }


def _fingerprint(input: Any) -> dict[str, Any]:
    """The input as sent, for the idempotency check: an omitted field differs from null."""
    return _sent(input, [f.name for f in dataclasses.fields(input)])


def _changed(sent: dict[str, Any]) -> list[str]:
    """The input fields a change named, for the audit trail (names only, not values)."""
    return sorted(to_camel_case(name) for name in sent)


async def _group(info: Info, group_id: uuid.UUID | None) -> types.Group | None:
    return await group_by_id(info, group_id) if group_id is not None else None


async def _member(info: Info, member_id: uuid.UUID | None) -> types.Member | None:
    return await member_by_id(info, member_id) if member_id is not None else None


_GROUP_DETAILS = ("name", "meeting_frequency", "meeting_place")


async def group_update(info: Info, input: types.GroupUpdateInput) -> types.GroupUpdatePayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        group_id = node_uuid(input.group, "Group", "group")
        facilitator_id = None
        if input.facilitator is None:
            raise RuleViolation("facilitator", ErrorCode.REQUIRED, "Must not be null.")
        if input.facilitator is not strawberry.UNSET:
            facilitator_id = node_uuid(input.facilitator, "Facilitator", "facilitator")
        row = await db_groups.update_group(
            session,
            scope,
            group_id=group_id,
            details=_sent(input, _GROUP_DETAILS),
            facilitator_id=facilitator_id,
        )
        changed = _changed(_sent(input, (*_GROUP_DETAILS, "facilitator")))
        return Written("Group", row["id"], row["programme_id"], {"changed": changed})

    outcome = await perform(
        info,
        operation="groupUpdate",
        input=_fingerprint(input),
        idempotency_key=input.idempotency_key,
        write=write,
    )
    return types.GroupUpdatePayload(
        group=await _group(info, outcome.result_id),
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


async def group_activate(info: Info, input: types.GroupActivateInput) -> types.GroupActivatePayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_groups.activate_group(
            session, scope, group_id=node_uuid(input.group, "Group", "group")
        )
        return Written("Group", row["id"], row["programme_id"], {"status": row["status"]})

    outcome = await perform(
        info,
        operation="groupActivate",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    return types.GroupActivatePayload(
        group=await _group(info, outcome.result_id),
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


async def group_close(info: Info, input: types.GroupCloseInput) -> types.GroupClosePayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_groups.close_group(
            session,
            scope,
            group_id=node_uuid(input.group, "Group", "group"),
            closed_on=input.closed_on,
            today=date.today(),
        )
        return Written("Group", row["id"], row["programme_id"], {"closedOn": row["closed_on"]})

    outcome = await perform(
        info,
        operation="groupClose",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    return types.GroupClosePayload(
        group=await _group(info, outcome.result_id),
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


_MEMBER_DETAILS = (
    "first_name",
    "last_name",
    "gender",
    "birth_year",
    "phone",
    "activity",
    "activity_description",
    "rural",
    "poverty_likelihood",
)


async def member_enrol(info: Info, input: types.MemberEnrolInput) -> types.MemberEnrolPayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        group_id = node_uuid(input.group, "Group", "group")
        row = await db_groups.enrol_member(
            session,
            scope,
            group_id=group_id,
            details=_sent(input, _MEMBER_DETAILS),
            joined_on=input.joined_on,
            today=date.today(),
        )
        # Personal details stay out of the audit trail.
        return Written("Member", row["id"], row["programme_id"], {"group": group_id})

    outcome = await perform(
        info,
        operation="memberEnrol",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    return types.MemberEnrolPayload(
        member=await _member(info, outcome.result_id),
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


async def member_update(info: Info, input: types.MemberUpdateInput) -> types.MemberUpdatePayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        details = _sent(input, _MEMBER_DETAILS)
        row = await db_groups.update_member(
            session,
            scope,
            member_id=node_uuid(input.member, "Member", "member"),
            details=details,
            today=date.today(),
        )
        # Which details changed, not their values: they are personal data.
        return Written("Member", row["id"], row["programme_id"], {"changed": _changed(details)})

    outcome = await perform(
        info,
        operation="memberUpdate",
        input=_fingerprint(input),
        idempotency_key=input.idempotency_key,
        write=write,
    )
    return types.MemberUpdatePayload(
        member=await _member(info, outcome.result_id),
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


async def member_move(info: Info, input: types.MemberMoveInput) -> types.MemberMovePayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        member_id = node_uuid(input.member, "Member", "member")
        group_id = node_uuid(input.group, "Group", "group")
        row = await db_groups.move_member(
            session,
            scope,
            member_id=member_id,
            group_id=group_id,
            moved_on=input.moved_on,
            today=date.today(),
        )
        details = {"group": group_id, "movedOn": input.moved_on}
        return Written("Member", row["id"], row["programme_id"], details)

    outcome = await perform(
        info,
        operation="memberMove",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    return types.MemberMovePayload(
        member=await _member(info, outcome.result_id),
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


def _attendee_ids(ids: list[relay.GlobalID]) -> list[uuid.UUID]:
    """Member IDs; a wrong one is named by its index, e.g. ('attendees', '2')."""
    found = []
    for index, gid in enumerate(ids):
        try:
            found.append(node_uuid(gid, "Member", "attendees"))
        except RuleViolation as violation:
            raise RuleViolation(
                ("attendees", str(index)), violation.code, violation.message
            ) from None
    return found


async def training_session_record(
    info: Info, input: types.TrainingSessionRecordInput
) -> types.TrainingSessionRecordPayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        group_id = node_uuid(input.group, "Group", "group")
        facilitator_id = (
            node_uuid(input.facilitator, "Facilitator", "facilitator")
            if input.facilitator is not None
            else None
        )
        row = await db_groups.record_training_session(
            session,
            scope,
            group_id=group_id,
            held_on=input.held_on,
            kind=input.kind,
            topic=input.topic,
            attendee_ids=_attendee_ids(input.attendees),
            facilitator_id=facilitator_id,
            today=date.today(),
        )
        details = {"group": group_id, "kind": row["kind"], "attendees": len(input.attendees)}
        return Written("TrainingSession", row["id"], row["programme_id"], details)

    outcome = await perform(
        info,
        operation="trainingSessionRecord",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    held = outcome.result_id
    return types.TrainingSessionRecordPayload(
        training_session=await training_session_by_id(info, held) if held is not None else None,
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )
