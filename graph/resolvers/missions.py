from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from db import missions as db_missions
from db import network as db_network
from db.scope import Scope
from domain import indicators as formulas
from domain import missions as rules
from domain.enums import ExpertiseDomain

from ..context import Info
from ..dataloaders.base import CountKey, PageKey
from ..errors import InvalidArgument
from ..schema import missions as types
from ..schema import network as network_types
from ..schema.money import Money
from ..schema.relay import Connection, connection, page_args
from . import network as network_resolvers
from .base import child_connection, root_connection
from .mutations import Outcome, Written, node_uuid, perform

MissionPayloadT = TypeVar("MissionPayloadT", bound=types.MissionPayload)
RecommendationPayloadT = TypeVar("RecommendationPayloadT", bound=types.RecommendationPayload)


async def programme_missions(
    info: Info,
    programme_id: uuid.UUID,
    filter: types.MissionFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Mission]:
    loaders = info.context.loaders.missions
    return await child_connection(
        info,
        pages=loaders.missions_page_by_programme,
        counts=loaders.missions_count_by_programme,
        parent_id=programme_id,
        filter=filter.to_db() if filter else None,
        to_node=types.Mission.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def programme_experts(info: Info, programme_id: uuid.UUID) -> list[types.Expert]:
    rows = await info.context.loaders.missions.experts_by_programme.load(programme_id)
    return [types.Expert.from_row(row) for row in rows]


async def expert_programmes(info: Info, expert_id: uuid.UUID) -> list[network_types.Programme]:
    rows = await info.context.loaders.missions.programmes_by_expert.load(expert_id)
    return [network_types.Programme.from_row(row) for row in rows]


async def expert_missions(
    info: Info,
    expert_id: uuid.UUID,
    filter: types.MissionFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Mission]:
    loaders = info.context.loaders.missions
    return await child_connection(
        info,
        pages=loaders.missions_page_by_expert,
        counts=loaders.missions_count_by_expert,
        parent_id=expert_id,
        filter=filter.to_db() if filter else None,
        to_node=types.Mission.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def mission_experts(info: Info, mission_id: uuid.UUID) -> list[types.Expert]:
    rows = await info.context.loaders.missions.experts_by_mission.load(mission_id)
    return [types.Expert.from_row(row) for row in rows]


async def mission_recommendations(
    info: Info,
    mission_id: uuid.UUID,
    filter: types.RecommendationFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Recommendation]:
    loaders = info.context.loaders.missions
    return await child_connection(
        info,
        pages=loaders.recommendations_page_by_mission,
        counts=loaders.recommendations_count_by_mission,
        parent_id=mission_id,
        filter=filter.to_db() if filter else None,
        to_node=types.Recommendation.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def mission_by_id(info: Info, mission_id: uuid.UUID) -> types.Mission | None:
    row = await info.context.loaders.missions.mission_by_id.load(mission_id)
    return types.Mission.from_row(row) if row is not None else None


async def experts(
    info: Info,
    domains: list[ExpertiseDomain] | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Expert]:
    return await root_connection(
        info,
        listing=db_missions.EXPERTS,
        filter=db_missions.ExpertFilter(domains=tuple(domains)) if domains is not None else None,
        to_node=types.Expert.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def missions(
    info: Info,
    filter: types.MissionFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Mission]:
    return await root_connection(
        info,
        listing=db_missions.MISSIONS,
        filter=filter.to_db() if filter else None,
        to_node=types.Mission.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def recommendations(
    info: Info,
    filter: types.RecommendationFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.Recommendation]:
    return await root_connection(
        info,
        listing=db_missions.RECOMMENDATIONS,
        filter=filter.to_db() if filter else None,
        to_node=types.Recommendation.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def mission_attachments(info: Info, mission_id: uuid.UUID) -> list[types.MissionAttachment]:
    rows = await info.context.loaders.missions.attachments_by_mission.load(mission_id)
    return [types.MissionAttachment.from_row(row) for row in rows]


async def recommendation_status_history(
    info: Info, recommendation_id: uuid.UUID
) -> list[types.RecommendationStatusChange]:
    loader = info.context.loaders.missions.status_changes_by_recommendation
    return [
        types.RecommendationStatusChange.from_row(row)
        for row in await loader.load(recommendation_id)
    ]


# --- Head office's figures ---------------------------------------------------------------


async def support_total(
    info: Info, filter: db_missions.MissionFilter | None, as_of: date
) -> types.SupportFigures:
    ctx = info.context
    async with ctx.db.read() as session:
        figures = await db_missions.support_total(session, ctx.viewer.scope, filter, as_of)
    return types.SupportFigures(**types.support_figures(figures))


async def support_by_programme(
    info: Info, filter: db_missions.MissionFilter | None, as_of: date
) -> list[types.ProgrammeSupport]:
    ctx = info.context
    async with ctx.db.read() as session:
        rows = await db_missions.support_by_programme(session, ctx.viewer.scope, filter, as_of)
    return [types.ProgrammeSupport.of(pid, figures) for pid, figures in rows]


async def support_by_domain(
    info: Info, filter: db_missions.MissionFilter | None, as_of: date
) -> list[types.DomainSupport]:
    ctx = info.context
    async with ctx.db.read() as session:
        rows = await db_missions.support_by_domain(session, ctx.viewer.scope, filter, as_of)
    return [types.DomainSupport.of(domain, figures) for domain, figures in rows]


async def programme_support_history(
    info: Info,
    programme_id: uuid.UUID,
    currency_code: str,
    filter: types.MissionFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.SupportHistoryEntry]:
    """The programme's missions in time order, each with the portfolio on its day: one
    statement for the pages, one for the figures of every mission on them."""
    loaders = info.context.loaders.missions
    db_filter = filter.to_db() if filter else None
    args = page_args(info, first, after, last, before)
    page = await loaders.support_history_page_by_programme.load(
        PageKey(programme_id, db_filter, args)
    )
    today = date.today()
    days = [
        rules.mission_day(row["planned_start_on"], row["actual_start_on"], today)
        for row in page.rows
    ]
    try:
        portfolios = await loaders.portfolio_as_of.load_many([(programme_id, d) for d in days])
    except formulas.MissingRate as missing:
        raise InvalidArgument("supportHistory", f"{missing}: add the exchange rates") from None
    by_mission = {
        row["id"]: (day, portfolio)
        for row, day, portfolio in zip(page.rows, days, portfolios, strict=True)
    }

    def entry(row: Any) -> types.SupportHistoryEntry:
        day, portfolio = by_mission[row["id"]]
        if portfolio is None:
            zero = Money.of(Decimal(0), currency_code)
            return types.SupportHistoryEntry(
                mission=types.Mission.from_row(row),
                on=day,
                gross_loan_portfolio=zero,
                portfolio_at_risk_30=zero,
                par30=None,
                active_borrowers=0,
            )
        amounts = portfolio.amounts
        return types.SupportHistoryEntry(
            mission=types.Mission.from_row(row),
            on=day,
            gross_loan_portfolio=Money.of(amounts["gross_loan_portfolio"].local, currency_code),
            portfolio_at_risk_30=Money.of(amounts["portfolio_at_risk_30"].local, currency_code),
            par30=portfolio.ratios().par30,
            active_borrowers=portfolio.counts.active_borrowers,
        )

    return connection(
        page,
        entry,
        lambda: loaders.missions_count_by_programme.load(CountKey(programme_id, db_filter)),
    )


# --- Writes --------------------------------------------------------------------------------


def _actor(info: Info) -> str:
    return info.context.viewer.subject


def _mission_id(gid: Any) -> uuid.UUID:
    return node_uuid(gid, "Mission", "mission")


def _recommendation_id(gid: Any) -> uuid.UUID:
    return node_uuid(gid, "Recommendation", "recommendation")


async def _mission_change(
    info: Info,
    payload: type[MissionPayloadT],
    *,
    operation: str,
    input: Any,
    change: Callable[[AsyncSession, Scope], Awaitable[RowMapping]],
    details: Callable[[RowMapping], dict[str, Any]] | None = None,
) -> MissionPayloadT:
    """Run a write that returns a mission row; answer with the mission as it now reads."""

    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await change(session, scope)
        noted = {"status": row["status"], **(details(row) if details else {})}
        return Written("Mission", row["id"], row["programme_id"], noted)

    outcome = await perform(
        info,
        operation=operation,
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    mission = await mission_by_id(info, outcome.result_id) if outcome.result_id else None
    return payload(mission=mission, user_errors=outcome.user_errors, replayed=outcome.replayed)


async def mission_plan(info: Info, input: types.MissionPlanInput) -> types.MissionPlanPayload:
    async def change(session: AsyncSession, scope: Scope) -> RowMapping:
        return await db_missions.plan_mission(
            session,
            scope,
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

    return await _mission_change(
        info,
        types.MissionPlanPayload,
        operation="missionPlan",
        input=input,
        change=change,
        details=lambda row: {"title": row["title"]},
    )


async def mission_start(info: Info, input: types.MissionStartInput) -> types.MissionStartPayload:
    async def change(session: AsyncSession, scope: Scope) -> RowMapping:
        return await db_missions.start_mission(
            session,
            scope,
            mission_id=_mission_id(input.mission),
            actual_start_on=input.actual_start_on,
            today=date.today(),
        )

    return await _mission_change(
        info, types.MissionStartPayload, operation="missionStart", input=input, change=change
    )


async def mission_findings_log(
    info: Info, input: types.MissionFindingsLogInput
) -> types.MissionFindingsLogPayload:
    async def change(session: AsyncSession, scope: Scope) -> RowMapping:
        return await db_missions.log_findings(
            session, scope, mission_id=_mission_id(input.mission), findings=input.findings
        )

    return await _mission_change(
        info,
        types.MissionFindingsLogPayload,
        operation="missionFindingsLog",
        input=input,
        change=change,
    )


async def mission_complete(
    info: Info, input: types.MissionCompleteInput
) -> types.MissionCompletePayload:
    async def change(session: AsyncSession, scope: Scope) -> RowMapping:
        return await db_missions.complete_mission(
            session,
            scope,
            mission_id=_mission_id(input.mission),
            actual_start_on=input.actual_start_on,
            actual_end_on=input.actual_end_on,
            findings=input.findings,
            today=date.today(),
        )

    return await _mission_change(
        info, types.MissionCompletePayload, operation="missionComplete", input=input, change=change
    )


async def mission_cancel(info: Info, input: types.MissionCancelInput) -> types.MissionCancelPayload:
    async def change(session: AsyncSession, scope: Scope) -> RowMapping:
        return await db_missions.cancel_mission(
            session, scope, mission_id=_mission_id(input.mission), reason=input.reason
        )

    return await _mission_change(
        info,
        types.MissionCancelPayload,
        operation="missionCancel",
        input=input,
        change=change,
        details=lambda row: {"reason": row["status_reason"]},
    )


async def mission_reopen(info: Info, input: types.MissionReopenInput) -> types.MissionReopenPayload:
    async def change(session: AsyncSession, scope: Scope) -> RowMapping:
        return await db_missions.reopen_mission(
            session, scope, mission_id=_mission_id(input.mission), reason=input.reason
        )

    return await _mission_change(
        info,
        types.MissionReopenPayload,
        operation="missionReopen",
        input=input,
        change=change,
        details=lambda row: {"reason": row["status_reason"]},
    )


async def mission_attachment_add(
    info: Info, input: types.MissionAttachmentAddInput
) -> types.MissionAttachmentAddPayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_missions.add_attachment(
            session,
            scope,
            mission_id=_mission_id(input.mission),
            title=input.title,
            url=input.url,
            actor=_actor(info),
        )
        details = {"mission": row["mission_id"], "title": row["title"], "url": row["url"]}
        return Written("MissionAttachment", row["id"], row["programme_id"], details)

    outcome = await perform(
        info,
        operation="missionAttachmentAdd",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    row = None
    if outcome.result_id is not None:
        row = await info.context.loaders.missions.attachment_by_id.load(outcome.result_id)
    return types.MissionAttachmentAddPayload(
        attachment=types.MissionAttachment.from_row(row) if row else None,
        mission=await mission_by_id(info, row["mission_id"]) if row else None,
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


async def recommendation_by_id(
    info: Info, recommendation_id: uuid.UUID
) -> types.Recommendation | None:
    row = await info.context.loaders.missions.recommendation_by_id.load(recommendation_id)
    return types.Recommendation.from_row(row) if row is not None else None


async def _recommendation_change(
    info: Info,
    payload: type[RecommendationPayloadT],
    *,
    operation: str,
    input: Any,
    change: Callable[[AsyncSession, Scope], Awaitable[RowMapping]],
    details: Callable[[RowMapping], dict[str, Any]],
) -> RecommendationPayloadT:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await change(session, scope)
        return Written("Recommendation", row["id"], row["programme_id"], details(row))

    outcome = await perform(
        info,
        operation=operation,
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    found = await recommendation_by_id(info, outcome.result_id) if outcome.result_id else None
    return payload(recommendation=found, user_errors=outcome.user_errors, replayed=outcome.replayed)


async def recommendation_add(
    info: Info, input: types.RecommendationAddInput
) -> types.RecommendationAddPayload:
    async def change(session: AsyncSession, scope: Scope) -> RowMapping:
        return await db_missions.add_recommendation(
            session,
            scope,
            mission_id=_mission_id(input.mission),
            domain=input.domain,
            text=input.text,
            owner=input.owner,
            due_on=input.due_on,
            actor=_actor(info),
            today=date.today(),
        )

    return await _recommendation_change(
        info,
        types.RecommendationAddPayload,
        operation="recommendationAdd",
        input=input,
        change=change,
        details=lambda row: {"mission": row["mission_id"], "dueOn": row["due_on"]},
    )


async def recommendation_update(
    info: Info, input: types.RecommendationUpdateInput
) -> types.RecommendationUpdatePayload:
    async def change(session: AsyncSession, scope: Scope) -> RowMapping:
        return await db_missions.update_recommendation(
            session,
            scope,
            recommendation_id=_recommendation_id(input.recommendation),
            domain=input.domain,
            text=input.text,
            owner=input.owner,
            due_on=input.due_on,
        )

    given = [n for n in ("domain", "text", "owner", "due_on") if getattr(input, n) is not None]
    return await _recommendation_change(
        info,
        types.RecommendationUpdatePayload,
        operation="recommendationUpdate",
        input=input,
        change=change,
        details=lambda row: {"changed": given},
    )


async def recommendation_status_update(
    info: Info, input: types.RecommendationStatusUpdateInput
) -> types.RecommendationStatusUpdatePayload:
    today = date.today()

    async def change(session: AsyncSession, scope: Scope) -> RowMapping:
        return await db_missions.change_recommendation_status(
            session,
            scope,
            recommendation_id=_recommendation_id(input.recommendation),
            status=input.status,
            on=input.on or today,
            comment=input.comment,
            actor=_actor(info),
            today=today,
        )

    return await _recommendation_change(
        info,
        types.RecommendationStatusUpdatePayload,
        operation="recommendationStatusUpdate",
        input=input,
        change=change,
        details=lambda row: {
            "status": row["status"],
            "on": row["status_changed_on"],
            "comment": input.comment.strip(),
        },
    )


# --- Autonomy milestones (NetworkMutation, graph/schema/network.py) -----------------------
# They belong with the network's resolvers; kept here while graph/resolvers/network.py is
# another engineer's file.


async def _milestone_payload(
    info: Info, outcome: Outcome
) -> tuple[network_types.AutonomyMilestone | None, network_types.Programme | None]:
    if outcome.result_id is None:
        return None, None
    ctx = info.context
    async with ctx.db.read() as session:
        found = await db_network.MILESTONES.by_ids(session, ctx.viewer.scope, [outcome.result_id])
    row = found.get(outcome.result_id)
    if row is None:
        return None, None
    milestone = network_types.AutonomyMilestone(
        title=row["title"],
        target_on=row["target_on"],
        achieved_on=row["achieved_on"],
        evidence=row["evidence"],
    )
    return milestone, await network_resolvers.programme_by_id(info, row["programme_id"])


async def milestone_set(
    info: Info, input: network_types.MilestoneSetInput
) -> network_types.MilestoneSetPayload:
    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_network.set_milestone(
            session,
            scope,
            programme_id=node_uuid(input.programme, "Programme", "programme"),
            title=input.title,
            target_on=input.target_on,
            achieved_on=input.achieved_on,
            evidence=input.evidence,
            today=date.today(),
        )
        details = {k: row[k] for k in ("title", "target_on", "achieved_on", "evidence")}
        return Written("AutonomyMilestone", row["id"], row["programme_id"], details)

    outcome = await perform(
        info,
        operation="milestoneSet",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    milestone, programme = await _milestone_payload(info, outcome)
    return network_types.MilestoneSetPayload(
        milestone=milestone,
        programme=programme,
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )


async def milestone_update(
    info: Info, input: network_types.MilestoneUpdateInput
) -> network_types.MilestoneUpdatePayload:
    changes = {
        name: getattr(input, name)
        for name in db_network.MILESTONE_FIELDS
        if getattr(input, name) is not UNSET
    }
    if changes.get("evidence", "") is None:
        changes["evidence"] = ""

    async def write(session: AsyncSession, scope: Scope) -> Written:
        row = await db_network.update_milestone(
            session,
            scope,
            programme_id=node_uuid(input.programme, "Programme", "programme"),
            title=input.title,
            new_title=input.new_title,
            changes=changes,
            today=date.today(),
        )
        details = {k: row[k] for k in ("title", "target_on", "achieved_on", "evidence")}
        return Written("AutonomyMilestone", row["id"], row["programme_id"], details)

    outcome = await perform(
        info,
        operation="milestoneUpdate",
        input=input,
        idempotency_key=input.idempotency_key,
        write=write,
    )
    milestone, programme = await _milestone_payload(info, outcome)
    return network_types.MilestoneUpdatePayload(
        milestone=milestone,
        programme=programme,
        user_errors=outcome.user_errors,
        replayed=outcome.replayed,
    )
