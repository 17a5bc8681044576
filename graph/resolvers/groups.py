"""The writes of the groups domain: form, change, activate and close groups; enrol, change,
move members and record their leaving; record training sessions with their attendance and
correct it."""

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.utils.str_converters import to_camel_case

from db import groups as db_groups
from domain.errors import ErrorCode, RuleViolation

from ..context import Viewer
from ..schema import groups as types
from .mutations import Written, mutation, node_uuid


def _sent(input: Any, names: Iterable[str]) -> dict[str, Any]:
    """Those of `names` the client sent, null included; an omitted field is UNSET."""
    return {
        name: value for name in names if (value := getattr(input, name)) is not strawberry.UNSET
    }


def _changed(sent: dict[str, Any]) -> list[str]:
    """The input fields a change named, for the audit trail (names only, not values)."""
    return sorted(to_camel_case(name) for name in sent)


@mutation(
    types.GroupCreatePayload, description="Form a group (IN_TRAINING until its initial sessions)."
)
async def group_create(
    session: AsyncSession, viewer: Viewer, input: types.GroupCreateInput
) -> Written:
    row = await db_groups.create_group(
        session,
        viewer.scope,
        facilitator_id=node_uuid(input.facilitator, "Facilitator", "facilitator"),
        name=input.name,
        meeting_frequency=input.meeting_frequency,
        meeting_place=input.meeting_place,
        formed_on=input.formed_on,
        today=date.today(),
    )
    return Written("Group", row["id"], row["programme_id"], {"name": row["name"]})


_GROUP_DETAILS = ("name", "meeting_frequency", "meeting_place")


@mutation(
    types.GroupUpdatePayload,
    description="Change a group's name, meetings or facilitator (not a CLOSED group's).",
)
async def group_update(
    session: AsyncSession, viewer: Viewer, input: types.GroupUpdateInput
) -> Written:
    group_id = node_uuid(input.group, "Group", "group")
    facilitator_id = None
    if input.facilitator is None:
        raise RuleViolation("facilitator", ErrorCode.REQUIRED, "Must not be null.")
    if input.facilitator is not strawberry.UNSET:
        facilitator_id = node_uuid(input.facilitator, "Facilitator", "facilitator")
    row = await db_groups.update_group(
        session,
        viewer.scope,
        group_id=group_id,
        details=_sent(input, _GROUP_DETAILS),
        facilitator_id=facilitator_id,
    )
    changed = _changed(_sent(input, (*_GROUP_DETAILS, "facilitator")))
    return Written("Group", row["id"], row["programme_id"], {"changed": changed})


@mutation(
    types.GroupActivatePayload,
    description="Make an IN_TRAINING group ACTIVE once it held its initial sessions.",
)
async def group_activate(
    session: AsyncSession, viewer: Viewer, input: types.GroupActivateInput
) -> Written:
    row = await db_groups.activate_group(
        session, viewer.scope, group_id=node_uuid(input.group, "Group", "group")
    )
    return Written("Group", row["id"], row["programme_id"], {"status": row["status"]})


@mutation(
    types.GroupClosePayload,
    description="Close a group; refused while one of its members has a pending or active loan.",
)
async def group_close(
    session: AsyncSession, viewer: Viewer, input: types.GroupCloseInput
) -> Written:
    row = await db_groups.close_group(
        session,
        viewer.scope,
        group_id=node_uuid(input.group, "Group", "group"),
        closed_on=input.closed_on,
        today=date.today(),
    )
    return Written("Group", row["id"], row["programme_id"], {"closedOn": row["closed_on"]})


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


@mutation(
    types.MemberEnrolPayload,
    description="Enrol a new member into a group of the staff's programme.",
)
async def member_enrol(
    session: AsyncSession, viewer: Viewer, input: types.MemberEnrolInput
) -> Written:
    group_id = node_uuid(input.group, "Group", "group")
    row = await db_groups.enrol_member(
        session,
        viewer.scope,
        group_id=group_id,
        details=_sent(input, _MEMBER_DETAILS),
        joined_on=input.joined_on,
        today=date.today(),
    )
    # Personal details stay out of the audit trail.
    return Written("Member", row["id"], row["programme_id"], {"group": group_id})


@mutation(types.MemberUpdatePayload, description="Change a member's details.")
async def member_update(
    session: AsyncSession, viewer: Viewer, input: types.MemberUpdateInput
) -> Written:
    details = _sent(input, _MEMBER_DETAILS)
    row = await db_groups.update_member(
        session,
        viewer.scope,
        member_id=node_uuid(input.member, "Member", "member"),
        details=details,
        today=date.today(),
    )
    # Which details changed, not their values: they are personal data.
    return Written("Member", row["id"], row["programme_id"], {"changed": _changed(details)})


@mutation(
    types.MemberMovePayload,
    description="Move a member to another group of her programme, keeping her history.",
)
async def member_move(
    session: AsyncSession, viewer: Viewer, input: types.MemberMoveInput
) -> Written:
    member_id = node_uuid(input.member, "Member", "member")
    group_id = node_uuid(input.group, "Group", "group")
    row = await db_groups.move_member(
        session,
        viewer.scope,
        member_id=member_id,
        group_id=group_id,
        moved_on=input.moved_on,
        today=date.today(),
    )
    details = {"group": group_id, "movedOn": input.moved_on}
    return Written("Member", row["id"], row["programme_id"], details)


@mutation(
    types.MemberLeavePayload,
    description="Record that a member left the programme (a drop-out): a day and a reason.",
)
async def member_leave(
    session: AsyncSession, viewer: Viewer, input: types.MemberLeaveInput
) -> Written:
    row = await db_groups.leave_programme(
        session,
        viewer.scope,
        member_id=node_uuid(input.member, "Member", "member"),
        left_on=input.left_on,
        reason=input.reason,
        today=date.today(),
    )
    details = {"leftOn": row["left_on"], "reason": row["leaving_reason"]}
    return Written("Member", row["id"], row["programme_id"], details)


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


@mutation(
    types.TrainingSessionRecordPayload,
    description="Record a training session held with a group, and who came.",
)
async def training_session_record(
    session: AsyncSession, viewer: Viewer, input: types.TrainingSessionRecordInput
) -> Written:
    group_id = node_uuid(input.group, "Group", "group")
    facilitator_id = (
        node_uuid(input.facilitator, "Facilitator", "facilitator")
        if input.facilitator is not None
        else None
    )
    row = await db_groups.record_training_session(
        session,
        viewer.scope,
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


@mutation(
    types.TrainingSessionCorrectAttendancePayload,
    description="Correct who attended a training session (the list replaces its attendance).",
)
async def training_session_correct_attendance(
    session: AsyncSession, viewer: Viewer, input: types.TrainingSessionCorrectAttendanceInput
) -> Written:
    row, added, struck_off = await db_groups.correct_attendance(
        session,
        viewer.scope,
        session_id=node_uuid(input.training_session, "TrainingSession", "trainingSession"),
        attendee_ids=_attendee_ids(input.attendees),
        reason=input.reason,
    )
    details = {"added": added, "struckOff": struck_off, "reason": input.reason.strip()}
    return Written("TrainingSession", row["id"], row["programme_id"], details)
