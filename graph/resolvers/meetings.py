"""meetingRecord: a whole group meeting in one write."""

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from db import meetings as db_meetings
from domain.errors import RuleViolation

from ..context import Viewer
from ..schema import meetings as types
from ..schema.money import MoneyInput, plain
from .mutations import Written, mutation, node_uuid


def _key(gid: relay.GlobalID, type_name: str, *path: str) -> uuid.UUID:
    """node_uuid, with the error at a nested input's path."""
    try:
        return node_uuid(gid, type_name, path[-1])
    except RuleViolation as refused:
        raise RuleViolation(path, refused.code, refused.message) from None


def _money(value: MoneyInput) -> db_meetings.Money:
    return db_meetings.Money(value.amount, value.currency)


def _line(index: int, line: types.MeetingLineInput) -> db_meetings.MeetingLine:
    at = ("lines", str(index))
    return db_meetings.MeetingLine(
        member_id=_key(line.member, "Member", *at, "member"),
        label=str(line.member),
        attendance=line.attendance,
        repayments=[
            db_meetings.LineRepayment(
                _key(r.loan, "Loan", *at, "repayments", str(n), "loan"), _money(r.amount)
            )
            for n, r in enumerate(line.repayments)
        ],
        deposits=[db_meetings.LineSaving(d.kind, _money(d.amount)) for d in line.deposits],
        withdrawals=[db_meetings.LineSaving(w.kind, _money(w.amount)) for w in line.withdrawals],
    )


@mutation(
    types.MeetingRecordPayload,
    description="Record a group meeting in one write: attendance, each member's repayments and "
    "savings movements, the training given; all of it or nothing, once per idempotency key.",
)
async def meeting_record(
    session: AsyncSession, viewer: Viewer, input: types.MeetingRecordInput
) -> Written:
    training = input.training
    recorded = await db_meetings.record_meeting(
        session,
        viewer.scope,
        group_id=node_uuid(input.group, "Group", "group"),
        held_on=input.held_on,
        facilitator_id=node_uuid(input.facilitator, "Facilitator", "facilitator")
        if input.facilitator is not None
        else None,
        notes=input.notes,
        lines=[_line(index, line) for index, line in enumerate(input.lines)],
        training=db_meetings.Training(training.kind, training.topic)
        if training is not None
        else None,
        today=date.today(),
    )
    meeting = recorded.meeting
    return Written(
        "Meeting",
        meeting["id"],
        meeting["programme_id"],
        {
            "group": meeting["group_id"],
            "held_on": meeting["held_on"],
            "attendance": {status.value: n for status, n in recorded.attendance.items()},
            "repaid": plain(recorded.repaid),
            "deposited": plain(recorded.deposited),
            "withdrawn": plain(recorded.withdrawn),
            "training_session": recorded.training_session_id,
        },
    )
