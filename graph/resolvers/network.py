"""The network's writes: a programme's milestones toward autonomy (head office)."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import UNSET

from db import network as db_network

from ..context import Viewer
from ..schema import network as types
from .mutations import Written, mutation, node_uuid

_DETAILS = ("title", "target_on", "achieved_on", "evidence")


@mutation(
    types.MilestoneSetPayload,
    description="Set a programme's milestone toward autonomy: its dates and evidence "
    "(head office).",
)
async def milestone_set(
    session: AsyncSession, viewer: Viewer, input: types.MilestoneSetInput
) -> Written:
    row = await db_network.set_milestone(
        session,
        viewer.scope,
        programme_id=node_uuid(input.programme, "Programme", "programme"),
        title=input.title,
        target_on=input.target_on,
        achieved_on=input.achieved_on,
        evidence=input.evidence,
        today=date.today(),
    )
    details = {k: row[k] for k in _DETAILS}
    return Written("AutonomyMilestone", row["id"], row["programme_id"], details)


@mutation(
    types.MilestoneUpdatePayload,
    description="Change some of a milestone toward autonomy: title, dates, evidence (head office).",
)
async def milestone_update(
    session: AsyncSession, viewer: Viewer, input: types.MilestoneUpdateInput
) -> Written:
    changes = {
        name: getattr(input, name)
        for name in db_network.MILESTONE_FIELDS
        if getattr(input, name) is not UNSET
    }
    if changes.get("evidence", "") is None:
        changes["evidence"] = ""
    row = await db_network.update_milestone(
        session,
        viewer.scope,
        programme_id=node_uuid(input.programme, "Programme", "programme"),
        title=input.title,
        new_title=input.new_title,
        changes=changes,
        today=date.today(),
    )
    details = {k: row[k] for k in _DETAILS}
    return Written("AutonomyMilestone", row["id"], row["programme_id"], details)
