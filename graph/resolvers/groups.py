from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from db import groups as db_groups
from db.scope import Scope
from domain.enums import TrainingKind

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
