"""The writes of missions and their recommendations: plan, start, log findings, complete,
cancel, reopen, attach a document; add, change and follow up a recommendation."""

import uuid
from datetime import date

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from db import missions as db_missions

from ..context import Viewer
from ..schema import missions as types
from .mutations import Written, mutation, node_uuid


def _mission_id(gid: relay.GlobalID) -> uuid.UUID:
    return node_uuid(gid, "Mission", "mission")


def _recommendation_id(gid: relay.GlobalID) -> uuid.UUID:
    return node_uuid(gid, "Recommendation", "recommendation")


def _mission_written(row: RowMapping, **details: object) -> Written:
    return Written("Mission", row["id"], row["programme_id"], {"status": row["status"], **details})


def _recommendation_written(row: RowMapping, **details: object) -> Written:
    return Written("Recommendation", row["id"], row["programme_id"], details)


@mutation(
    types.MissionPlanPayload,
    description="Plan a mission (head office, or an expert supporting the programme, who is "
    "then on it).",
)
async def mission_plan(
    session: AsyncSession, viewer: Viewer, input: types.MissionPlanInput
) -> Written:
    row = await db_missions.plan_mission(
        session,
        viewer.scope,
        programme_id=node_uuid(input.programme, "Programme", "programme"),
        title=input.title,
        phase=input.phase,
        mode=input.mode,
        planned_start_on=input.planned_start_on,
        planned_end_on=input.planned_end_on,
        objectives=input.objectives,
        domains=input.domains,
        expert_ids=[node_uuid(gid, "Expert", "experts") for gid in input.experts],
    )
    return _mission_written(row, title=row["title"])


@mutation(
    types.MissionStartPayload, description="Start a planned mission (its experts or head office)."
)
async def mission_start(
    session: AsyncSession, viewer: Viewer, input: types.MissionStartInput
) -> Written:
    row = await db_missions.start_mission(
        session,
        viewer.scope,
        mission_id=_mission_id(input.mission),
        actual_start_on=input.actual_start_on,
        today=date.today(),
    )
    return _mission_written(row)


@mutation(
    types.MissionFindingsLogPayload,
    description="Record what a mission found (its experts or head office).",
)
async def mission_findings_log(
    session: AsyncSession, viewer: Viewer, input: types.MissionFindingsLogInput
) -> Written:
    row = await db_missions.log_findings(
        session, viewer.scope, mission_id=_mission_id(input.mission), findings=input.findings
    )
    return _mission_written(row)


@mutation(
    types.MissionCompletePayload,
    description="Complete a mission with its actual days (its experts or head office).",
)
async def mission_complete(
    session: AsyncSession, viewer: Viewer, input: types.MissionCompleteInput
) -> Written:
    row = await db_missions.complete_mission(
        session,
        viewer.scope,
        mission_id=_mission_id(input.mission),
        actual_start_on=input.actual_start_on,
        actual_end_on=input.actual_end_on,
        findings=input.findings,
        today=date.today(),
    )
    return _mission_written(row)


@mutation(types.MissionCancelPayload, description="Cancel a mission (its experts or head office).")
async def mission_cancel(
    session: AsyncSession, viewer: Viewer, input: types.MissionCancelInput
) -> Written:
    row = await db_missions.cancel_mission(
        session, viewer.scope, mission_id=_mission_id(input.mission), reason=input.reason
    )
    return _mission_written(row, reason=row["status_reason"])


@mutation(
    types.MissionReopenPayload,
    description="Reopen a completed mission (with a reason) or a cancelled one (its experts "
    "or head office).",
)
async def mission_reopen(
    session: AsyncSession, viewer: Viewer, input: types.MissionReopenInput
) -> Written:
    row = await db_missions.reopen_mission(
        session, viewer.scope, mission_id=_mission_id(input.mission), reason=input.reason
    )
    return _mission_written(row, reason=row["status_reason"])


@mutation(
    types.MissionAttachmentAddPayload,
    description="Attach a link to a document of a mission (its experts or head office).",
)
async def mission_attachment_add(
    session: AsyncSession, viewer: Viewer, input: types.MissionAttachmentAddInput
) -> Written:
    # The payload reads the attachment back, then its mission by the attachment's mission_id.
    row = await db_missions.add_attachment(
        session,
        viewer.scope,
        mission_id=_mission_id(input.mission),
        title=input.title,
        url=input.url,
        actor=viewer.subject,
    )
    details = {"mission": row["mission_id"], "title": row["title"], "url": row["url"]}
    return Written("MissionAttachment", row["id"], row["programme_id"], details)


@mutation(
    types.RecommendationAddPayload,
    description="Add a recommendation to a mission under way or completed (its experts or "
    "head office).",
)
async def recommendation_add(
    session: AsyncSession, viewer: Viewer, input: types.RecommendationAddInput
) -> Written:
    row = await db_missions.add_recommendation(
        session,
        viewer.scope,
        mission_id=_mission_id(input.mission),
        domain=input.domain,
        text=input.text,
        owner=input.owner,
        due_on=input.due_on,
        actor=viewer.subject,
        today=date.today(),
    )
    return _recommendation_written(row, mission=row["mission_id"], dueOn=row["due_on"])


@mutation(
    types.RecommendationUpdatePayload,
    description="Change a recommendation's text, owner, domain or due day (the mission's "
    "experts or head office).",
)
async def recommendation_update(
    session: AsyncSession, viewer: Viewer, input: types.RecommendationUpdateInput
) -> Written:
    row = await db_missions.update_recommendation(
        session,
        viewer.scope,
        recommendation_id=_recommendation_id(input.recommendation),
        domain=input.domain,
        text=input.text,
        owner=input.owner,
        due_on=input.due_on,
    )
    given = [n for n in ("domain", "text", "owner", "due_on") if getattr(input, n) is not None]
    return _recommendation_written(row, changed=given)


@mutation(
    types.RecommendationStatusUpdatePayload,
    description="Record a step of a recommendation's follow-up, dated and commented (the "
    "programme's staff, the mission's experts or head office).",
)
async def recommendation_status_update(
    session: AsyncSession, viewer: Viewer, input: types.RecommendationStatusUpdateInput
) -> Written:
    today = date.today()
    row = await db_missions.change_recommendation_status(
        session,
        viewer.scope,
        recommendation_id=_recommendation_id(input.recommendation),
        status=input.status,
        on=input.on or today,
        comment=input.comment,
        actor=viewer.subject,
        today=today,
    )
    return _recommendation_written(
        row, status=row["status"], on=row["status_changed_on"], comment=input.comment.strip()
    )
