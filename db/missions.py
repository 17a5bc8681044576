"""Experts, technical-support missions, their recommendations and follow-up: scoped reads,
support figures for head office, and the writes experts, head office and programme staff make.

Missions and recommendations belong to a programme and are scoped by it. Experts are
head-office staff: a viewer sees an expert when it sees the whole network or when the expert
supports one of the viewer's programmes (`visible_experts`, the one place that rule lives).

Who writes (`_require_mission_writer`, `_require_follow_up`): head office writes every mission
in its scope; an expert writes the missions she is on (planning one puts her on it); programme
staff only record the follow-up (status) of recommendations addressed to their programme.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    column,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from domain import missions as rules
from domain.enums import (
    ExpertiseDomain,
    MissionMode,
    MissionStatus,
    ProgrammePhase,
    RecommendationStatus,
    Role,
)
from domain.errors import ErrorCode, RuleViolation
from domain.ids import uuid7
from domain.rules import in_order, not_in_future, required_text

from .models import (
    Expert,
    ExpertDomain,
    ExpertProgramme,
    Installment,
    Loan,
    Mission,
    MissionDomain,
    MissionExpert,
    Programme,
    Recommendation,
    Repayment,
)
from .models.missions import MissionAttachment, RecommendationStatusChange
from .network import in_programmes
from .pagination import Listing, Page, PageArgs, between
from .scope import Scope

experts = Expert.__table__
expert_domains = ExpertDomain.__table__
expert_programmes = ExpertProgramme.__table__
missions = Mission.__table__
mission_experts = MissionExpert.__table__
mission_domains = MissionDomain.__table__
recommendations = Recommendation.__table__
status_changes = RecommendationStatusChange.__table__
attachments = MissionAttachment.__table__
programmes = Programme.__table__
loans = Loan.__table__
installments = Installment.__table__
repayments = Repayment.__table__

# Statuses under which a recommendation past its due date is overdue.
PENDING_RECOMMENDATION = tuple(sorted(rules.PENDING_RECOMMENDATION))


@dataclass(frozen=True, slots=True)
class ExpertFilter:
    domains: tuple[ExpertiseDomain, ...] | None = None


@dataclass(frozen=True, slots=True)
class MissionFilter:
    programme_codes: tuple[str, ...] | None = None
    country_codes: tuple[str, ...] | None = None
    domains: tuple[ExpertiseDomain, ...] | None = None
    expert_ids: tuple[uuid.UUID, ...] | None = None
    phases: tuple[ProgrammePhase, ...] | None = None
    modes: tuple[MissionMode, ...] | None = None
    statuses: tuple[MissionStatus, ...] | None = None
    planned_from: date | None = None
    planned_to: date | None = None
    # Held: the actual days once started (the end open while under way), planned otherwise.
    held_from: date | None = None
    held_to: date | None = None


@dataclass(frozen=True, slots=True)
class RecommendationFilter:
    programme_codes: tuple[str, ...] | None = None
    statuses: tuple[RecommendationStatus, ...] | None = None
    domains: tuple[ExpertiseDomain, ...] | None = None
    overdue_as_of: date | None = None
    due_from: date | None = None
    due_to: date | None = None


def visible_experts(scope: Scope) -> ColumnElement[bool]:
    """Experts the viewer may see: all of them, or those supporting one of its programmes."""
    if scope.programme_ids is None:
        return true()
    supported = (
        select(expert_programmes.c.expert_id)
        .where(scope.where(expert_programmes.c.programme_id))
        .correlate(None)
    )
    return experts.c.id.in_(supported)


# Domains as one array column and the number of experts ride along with each row: plain
# fields for the graph, no statement of their own. Correlated explicitly, since the same
# columns are selected next to the link tables.
_expert_domains = func.array(
    select(expert_domains.c.domain)
    .where(expert_domains.c.expert_id == experts.c.id)
    .order_by(expert_domains.c.domain)
    .correlate(experts)
    .scalar_subquery(),
    type_=ARRAY(expert_domains.c.domain.type),
).label("domains")

_mission_domains = func.array(
    select(mission_domains.c.domain)
    .where(mission_domains.c.mission_id == missions.c.id)
    .order_by(mission_domains.c.domain)
    .correlate(missions)
    .scalar_subquery(),
    type_=ARRAY(mission_domains.c.domain.type),
).label("domains")

_expert_count = (
    select(func.count())
    .where(mission_experts.c.mission_id == missions.c.id)
    .correlate(missions)
    .scalar_subquery()
    .label("expert_count")
)


def _experts(scope: Scope, f: ExpertFilter | None, *extra: Any) -> Select[Any]:
    stmt = select(experts, _expert_domains, *extra).where(visible_experts(scope))
    if f is not None and f.domains is not None:
        stmt = stmt.where(
            exists()
            .where(
                expert_domains.c.expert_id == experts.c.id,
                expert_domains.c.domain.in_(f.domains),
            )
            .correlate(experts)
        )
    return stmt


def _filter_missions(stmt: Select[Any], f: MissionFilter | None) -> Select[Any]:
    if f is None:
        return stmt
    if f.programme_codes is not None:
        stmt = stmt.where(in_programmes(missions.c.programme_id, f.programme_codes))
    if f.country_codes is not None:
        stmt = stmt.where(
            missions.c.programme_id.in_(
                select(programmes.c.id).where(programmes.c.country_code.in_(f.country_codes))
            )
        )
    if f.domains is not None:
        stmt = stmt.where(
            exists()
            .where(
                mission_domains.c.mission_id == missions.c.id,
                mission_domains.c.domain.in_(f.domains),
            )
            .correlate(missions)
        )
    if f.expert_ids is not None:
        stmt = stmt.where(
            exists()
            .where(
                mission_experts.c.mission_id == missions.c.id,
                mission_experts.c.expert_id.in_(f.expert_ids),
            )
            .correlate(missions)
        )
    if f.phases is not None:
        stmt = stmt.where(missions.c.phase.in_(f.phases))
    if f.modes is not None:
        stmt = stmt.where(missions.c.mode.in_(f.modes))
    if f.statuses is not None:
        stmt = stmt.where(missions.c.status.in_(f.statuses))
    # Planned between: the planned period overlaps the range (either bound may be open).
    if f.planned_from is not None:
        stmt = stmt.where(missions.c.planned_end_on >= f.planned_from)
    if f.planned_to is not None:
        stmt = stmt.where(missions.c.planned_start_on <= f.planned_to)
    if f.held_from is not None:
        stmt = stmt.where(func.coalesce(_held_end(), f.held_from) >= f.held_from)
    if f.held_to is not None:
        stmt = stmt.where(mission_day() <= f.held_to)
    return stmt


def mission_day() -> ColumnElement[date]:
    """The day a mission starts: actually, once it has, as planned otherwise."""
    return func.coalesce(missions.c.actual_start_on, missions.c.planned_start_on)


def _held_end() -> ColumnElement[date]:
    """The last day a mission is held: none yet while under way, the actual one once
    completed, the planned one otherwise (no earlier than the day a cancelled one started)."""
    return case(
        (missions.c.status == MissionStatus.IN_PROGRESS, null()),
        (missions.c.actual_end_on.is_not(None), missions.c.actual_end_on),
        else_=func.greatest(missions.c.planned_end_on, mission_day()),
    )


def expert_days() -> ColumnElement[int]:
    """domain.missions.expert_days in SQL, for the summaries: keep the two equal."""
    completed = and_(
        missions.c.status == MissionStatus.COMPLETED,
        missions.c.actual_start_on.is_not(None),
        missions.c.actual_end_on.is_not(None),
    )
    days = case(
        (missions.c.status == MissionStatus.CANCELLED, 0),
        (completed, missions.c.actual_end_on - missions.c.actual_start_on + 1),
        else_=missions.c.planned_end_on - missions.c.planned_start_on + 1,
    )
    return cast(days, Integer) * _expert_count


def _missions(scope: Scope, f: MissionFilter | None) -> Select[Any]:
    stmt = select(missions, _mission_domains, _expert_count)
    return _filter_missions(stmt.where(scope.where(missions.c.programme_id)), f)


def _missions_of_experts(scope: Scope, f: MissionFilter | None) -> Select[Any]:
    stmt = (
        select(missions, _mission_domains, _expert_count, mission_experts.c.expert_id)
        .join(mission_experts, mission_experts.c.mission_id == missions.c.id)
        .where(scope.where(missions.c.programme_id))
    )
    return _filter_missions(stmt, f)


def overdue(as_of: date) -> ColumnElement[bool]:
    """Still to be done and due before `as_of`."""
    return and_(
        recommendations.c.status.in_(PENDING_RECOMMENDATION),
        recommendations.c.due_on < as_of,
    )


def _recommendations(scope: Scope, f: RecommendationFilter | None) -> Select[Any]:
    stmt = select(recommendations).where(scope.where(recommendations.c.programme_id))
    if f is not None:
        if f.programme_codes is not None:
            stmt = stmt.where(in_programmes(recommendations.c.programme_id, f.programme_codes))
        if f.statuses is not None:
            stmt = stmt.where(recommendations.c.status.in_(f.statuses))
        if f.domains is not None:
            stmt = stmt.where(recommendations.c.domain.in_(f.domains))
        if f.overdue_as_of is not None:
            stmt = stmt.where(overdue(f.overdue_as_of))
        stmt = between(stmt, recommendations.c.due_on, f.due_from, f.due_to)
    return stmt


def _experts_of_programmes(scope: Scope, _: None) -> Select[Any]:
    return (
        _experts(scope, None, expert_programmes.c.programme_id)
        .join(expert_programmes, expert_programmes.c.expert_id == experts.c.id)
        .where(scope.where(expert_programmes.c.programme_id))
    )


def _experts_of_missions(scope: Scope, _: None) -> Select[Any]:
    return (
        _experts(scope, None, mission_experts.c.mission_id)
        .join(mission_experts, mission_experts.c.expert_id == experts.c.id)
        .join(missions, missions.c.id == mission_experts.c.mission_id)
        .where(scope.where(missions.c.programme_id))
    )


def _programmes_of_experts(scope: Scope, _: None) -> Select[Any]:
    return (
        select(programmes, expert_programmes.c.expert_id)
        .join(expert_programmes, expert_programmes.c.programme_id == programmes.c.id)
        .where(scope.where(programmes.c.id))
    )


def _status_changes(scope: Scope, _: None) -> Select[Any]:
    """In the order they happened (the key, added after, orders steps of the same day)."""
    stmt = select(status_changes).where(scope.where(status_changes.c.programme_id))
    return stmt.order_by(status_changes.c.changed_on)


def _attachments(scope: Scope, _: None) -> Select[Any]:
    return select(attachments).where(scope.where(attachments.c.programme_id))


EXPERTS = Listing(_experts, experts.c.id)
MISSIONS = Listing(_missions, missions.c.id)
RECOMMENDATIONS = Listing(_recommendations, recommendations.c.id)
# Keyed by the link tables' parent column (see the loaders).
MISSIONS_OF_EXPERTS = Listing(_missions_of_experts, missions.c.id)
EXPERTS_OF_PROGRAMMES: Listing[None] = Listing(_experts_of_programmes, experts.c.id)
EXPERTS_OF_MISSIONS: Listing[None] = Listing(_experts_of_missions, experts.c.id)
PROGRAMMES_OF_EXPERTS: Listing[None] = Listing(_programmes_of_experts, programmes.c.id)
STATUS_CHANGES: Listing[None] = Listing(_status_changes, status_changes.c.id)
ATTACHMENTS: Listing[None] = Listing(_attachments, attachments.c.id)


async def expert_by_email(
    session: AsyncSession, email: str
) -> tuple[uuid.UUID, frozenset[uuid.UUID]] | None:
    """An expert's key and the programmes she supports (to build her scope), by email."""
    expert_id = await session.scalar(select(experts.c.id).where(experts.c.email == email))
    if expert_id is None:
        return None
    supported = await session.scalars(
        select(expert_programmes.c.programme_id).where(expert_programmes.c.expert_id == expert_id)
    )
    return expert_id, frozenset(supported)


# --- Head office's figures: support per programme and per domain, and support history ----


@dataclass(frozen=True, slots=True)
class SupportFigures:
    """Support given through a set of missions: counts and expert-days, with the follow-up
    of the recommendations those missions made."""

    missions: int
    expert_days: int
    open_recommendations: int
    overdue_recommendations: int


_NO_SUPPORT = SupportFigures(0, 0, 0, 0)


def _chosen_missions(scope: Scope, f: MissionFilter | None) -> Any:
    """The missions a summary counts, each with its expert-days, as a CTE."""
    stmt = select(missions.c.id, missions.c.programme_id, expert_days().label("expert_days"))
    stmt = _filter_missions(stmt.where(scope.where(missions.c.programme_id)), f)
    return stmt.cte("chosen")


def _recommendation_counts(scope: Scope, chosen: Any, as_of: date, key: Any) -> Any:
    """Open and overdue recommendations of the chosen missions, grouped by `key`."""
    pending = recommendations.c.status.in_(PENDING_RECOMMENDATION)
    return (
        select(
            key.label("key"),
            func.count().filter(pending).label("open"),
            func.count().filter(overdue(as_of)).label("overdue"),
        )
        .where(
            scope.where(recommendations.c.programme_id),
            recommendations.c.mission_id.in_(select(chosen.c.id)),
        )
        .group_by(key)
        .subquery("recs")
    )


def _figures(row: Any) -> SupportFigures:
    return SupportFigures(
        missions=int(row.missions or 0),
        expert_days=int(row.expert_days or 0),
        open_recommendations=int(row.open or 0),
        overdue_recommendations=int(row.overdue or 0),
    )


async def support_total(
    session: AsyncSession, scope: Scope, f: MissionFilter | None, as_of: date
) -> SupportFigures:
    """All the chosen missions together (each counted once, whatever its domains)."""
    chosen = _chosen_missions(scope, f)
    recs = _recommendation_counts(scope, chosen, as_of, literal(1))
    per_mission = select(
        func.count().label("missions"), func.sum(chosen.c.expert_days).label("expert_days")
    ).subquery("per_mission")
    stmt = select(per_mission, recs.c.open, recs.c.overdue).select_from(
        per_mission.outerjoin(recs, true())
    )
    row = (await session.execute(stmt)).one_or_none()
    return _figures(row) if row is not None else _NO_SUPPORT


async def support_by_programme(
    session: AsyncSession, scope: Scope, f: MissionFilter | None, as_of: date
) -> list[tuple[uuid.UUID, SupportFigures]]:
    """Per visible programme (those the filter's programmes and countries name), by code,
    zeros included."""
    chosen = _chosen_missions(scope, f)
    per_programme = (
        select(
            chosen.c.programme_id,
            func.count().label("missions"),
            func.sum(chosen.c.expert_days).label("expert_days"),
        )
        .group_by(chosen.c.programme_id)
        .subquery("per_programme")
    )
    recs = _recommendation_counts(scope, chosen, as_of, recommendations.c.programme_id)
    stmt = (
        select(
            programmes.c.id,
            per_programme.c.missions,
            per_programme.c.expert_days,
            recs.c.open,
            recs.c.overdue,
        )
        .select_from(
            programmes.outerjoin(
                per_programme, per_programme.c.programme_id == programmes.c.id
            ).outerjoin(recs, recs.c.key == programmes.c.id)
        )
        .where(scope.where(programmes.c.id))
        .order_by(programmes.c.code)
    )
    if f is not None and f.programme_codes is not None:
        stmt = stmt.where(programmes.c.code.in_(f.programme_codes))
    if f is not None and f.country_codes is not None:
        stmt = stmt.where(programmes.c.country_code.in_(f.country_codes))
    return [(row.id, _figures(row)) for row in await session.execute(stmt)]


async def support_by_domain(
    session: AsyncSession, scope: Scope, f: MissionFilter | None, as_of: date
) -> list[tuple[ExpertiseDomain, SupportFigures]]:
    """Per domain (those the filter names, or all nine), in the enum's order, zeros included.

    A mission covering two domains counts, with all its expert-days, in both; a
    recommendation counts in its own domain.
    """
    chosen = _chosen_missions(scope, f)
    domain_type = mission_domains.c.domain.type
    domains = (
        func.unnest(func.enum_range(cast(null(), domain_type)))
        .table_valued(column("domain", domain_type))
        .render_derived(name="domains")
    )
    per_domain = (
        select(
            mission_domains.c.domain,
            func.count().label("missions"),
            func.sum(chosen.c.expert_days).label("expert_days"),
        )
        .join(chosen, chosen.c.id == mission_domains.c.mission_id)
        .group_by(mission_domains.c.domain)
        .subquery("per_domain")
    )
    recs = _recommendation_counts(scope, chosen, as_of, recommendations.c.domain)
    stmt = (
        select(
            domains.c.domain,
            per_domain.c.missions,
            per_domain.c.expert_days,
            recs.c.open,
            recs.c.overdue,
        )
        .select_from(
            domains.outerjoin(per_domain, per_domain.c.domain == domains.c.domain).outerjoin(
                recs, recs.c.key == domains.c.domain
            )
        )
        .order_by(domains.c.domain)
    )
    if f is not None and f.domains is not None:
        stmt = stmt.where(domains.c.domain.in_(f.domains))
    return [(ExpertiseDomain(row.domain), _figures(row)) for row in await session.execute(stmt)]


async def support_history_pages(
    session: AsyncSession,
    scope: Scope,
    f: MissionFilter | None,
    programme_ids: Sequence[uuid.UUID],
    args: PageArgs,
) -> dict[uuid.UUID, Page]:
    """Each programme's missions in time order (by the day they start, then by key): one
    page per programme, all in one statement. The cursor is a mission's key."""
    parents = (
        func.unnest(literal(list(programme_ids), ARRAY(Uuid())))
        .table_valued("parent_id")
        .render_derived(name="parents")
    )
    day = mission_day()
    stmt = _missions(scope, f).add_columns(day.label("mission_day"))
    stmt = stmt.where(missions.c.programme_id == parents.c.parent_id)
    cursor_mission = missions.alias("cursor_mission")
    for key, later in ((args.after, True), (args.before, False)):
        if key is None:
            continue
        cursor_day = (
            select(
                func.coalesce(cursor_mission.c.actual_start_on, cursor_mission.c.planned_start_on)
            )
            .where(cursor_mission.c.id == key)
            .scalar_subquery()
        )
        position = tuple_(day, missions.c.id)
        cursor = tuple_(cursor_day, literal(key, Uuid()))
        stmt = stmt.where(position > cursor if later else position < cursor)
    order = (day.desc(), missions.c.id.desc()) if args.backward else (day, missions.c.id)
    per_parent = stmt.order_by(*order).limit(args.size + 1).lateral("page")
    query = select(parents.c.parent_id.label("_parent"), per_parent).join(per_parent, true())
    grouped: dict[uuid.UUID, list[RowMapping]] = {pid: [] for pid in programme_ids}
    for row in (await session.execute(query)).mappings():
        grouped[row["_parent"]].append(row)
    return {pid: _page(rows, args) for pid, rows in grouped.items()}


def _page(rows: list[RowMapping], args: PageArgs) -> Page:
    more = len(rows) > args.size
    kept = rows[: args.size]
    if args.backward:
        kept.reverse()
        return Page(kept, has_next=args.before is not None, has_previous=more)
    return Page(kept, has_next=more, has_previous=args.after is not None)


# --- Writes ---------------------------------------------------------------------------------


async def _programme_in_scope(
    session: AsyncSession, scope: Scope, programme_id: uuid.UUID
) -> RowMapping:
    row = (
        (
            await session.execute(
                select(programmes).where(
                    programmes.c.id == programme_id, scope.where(programmes.c.id)
                )
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise RuleViolation("programme", ErrorCode.NOT_FOUND, "No such programme.")
    return row


def _require_planner(scope: Scope) -> None:
    if scope.read_only or scope.role not in (Role.HEAD_OFFICE, Role.EXPERT):
        raise RuleViolation(
            (), ErrorCode.NOT_ALLOWED, "Only head office and its experts plan missions."
        )


async def _require_mission_writer(
    session: AsyncSession, scope: Scope, mission_id: uuid.UUID
) -> None:
    """Head office writes every mission it sees; an expert only the missions she is on."""
    _require_planner(scope)
    if scope.role is Role.HEAD_OFFICE:
        return
    on_it = await session.scalar(
        select(mission_experts.c.expert_id).where(
            mission_experts.c.mission_id == mission_id,
            mission_experts.c.expert_id == scope.expert_id,
        )
    )
    if on_it is None:
        raise RuleViolation(
            (),
            ErrorCode.NOT_ALLOWED,
            "Only the experts on this mission, and head office, change it.",
        )


async def _mission_to_write(
    session: AsyncSession, scope: Scope, mission_id: uuid.UUID
) -> RowMapping:
    """The mission, locked for this write, if the viewer sees it and may write it."""
    row = (
        (
            await session.execute(
                select(missions)
                .where(missions.c.id == mission_id, scope.where(missions.c.programme_id))
                .with_for_update()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise RuleViolation("mission", ErrorCode.NOT_FOUND, "No such mission.")
    await _require_mission_writer(session, scope, mission_id)
    return row


async def _update_mission(
    session: AsyncSession, mission_id: uuid.UUID, **values: Any
) -> RowMapping:
    stmt = update(Mission).where(missions.c.id == mission_id).values(**values)
    return (await session.execute(stmt.returning(*missions.c))).mappings().one()


async def _experts_to_add(
    session: AsyncSession, scope: Scope, expert_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """The experts named, each once, if the viewer sees them all."""
    wanted = list(dict.fromkeys(expert_ids))
    if not wanted:
        return []
    found = set(
        await session.scalars(
            select(experts.c.id).where(experts.c.id.in_(wanted), visible_experts(scope))
        )
    )
    if len(found) != len(wanted):
        raise RuleViolation("experts", ErrorCode.NOT_FOUND, "No such expert.")
    return wanted


async def plan_mission(
    session: AsyncSession,
    scope: Scope,
    *,
    programme_id: uuid.UUID,
    title: str,
    phase: ProgrammePhase | None,
    mode: MissionMode,
    planned_start_on: date,
    planned_end_on: date,
    objectives: str,
    domains: Sequence[ExpertiseDomain],
    expert_ids: Sequence[uuid.UUID],
) -> RowMapping:
    """A PLANNED mission. An expert who plans one is on it; every expert on a mission
    supports its programme from then on. The phase defaults to the programme's."""
    programme = await _programme_in_scope(session, scope, programme_id)
    _require_planner(scope)
    title = required_text("title", title)
    in_order("plannedEndOn", planned_start_on, planned_end_on)
    if not domains:
        raise RuleViolation("domains", ErrorCode.REQUIRED, "Name the domains it covers.")
    on_it = list(expert_ids)
    if scope.role is Role.EXPERT and scope.expert_id is not None:
        on_it.insert(0, scope.expert_id)
    on_it = await _experts_to_add(session, scope, on_it)
    if not on_it:
        raise RuleViolation("experts", ErrorCode.REQUIRED, "Name the experts on the mission.")
    mission_id = uuid7()
    row = (
        (
            await session.execute(
                insert(Mission)
                .values(
                    id=mission_id,
                    programme_id=programme_id,
                    title=title,
                    phase=phase or programme["phase"],
                    mode=mode,
                    status=MissionStatus.PLANNED,
                    planned_start_on=planned_start_on,
                    planned_end_on=planned_end_on,
                    objectives=objectives.strip(),
                    findings="",
                )
                .returning(*missions.c)
            )
        )
        .mappings()
        .one()
    )
    await session.execute(
        insert(MissionExpert).values([{"mission_id": mission_id, "expert_id": e} for e in on_it])
    )
    await session.execute(
        insert(MissionDomain).values(
            [{"mission_id": mission_id, "domain": d} for d in dict.fromkeys(domains)]
        )
    )
    await session.execute(
        pg_insert(ExpertProgramme)
        .values([{"expert_id": e, "programme_id": programme_id} for e in on_it])
        .on_conflict_do_nothing()
    )
    return row


async def start_mission(
    session: AsyncSession,
    scope: Scope,
    *,
    mission_id: uuid.UUID,
    actual_start_on: date,
    today: date,
) -> RowMapping:
    """PLANNED → IN_PROGRESS, from its first day worked (not in the future)."""
    mission = await _mission_to_write(session, scope, mission_id)
    rules.check_start(mission["status"])
    not_in_future("actualStartOn", actual_start_on, today)
    return await _update_mission(
        session, mission_id, status=MissionStatus.IN_PROGRESS, actual_start_on=actual_start_on
    )


async def log_findings(
    session: AsyncSession, scope: Scope, *, mission_id: uuid.UUID, findings: str
) -> RowMapping:
    """Replace the mission's findings (a mission under way or completed)."""
    mission = await _mission_to_write(session, scope, mission_id)
    rules.check_worked(mission["status"], "have findings")
    return await _update_mission(session, mission_id, findings=required_text("findings", findings))


async def complete_mission(
    session: AsyncSession,
    scope: Scope,
    *,
    mission_id: uuid.UUID,
    actual_start_on: date | None,
    actual_end_on: date,
    findings: str | None,
    today: date,
) -> RowMapping:
    """→ COMPLETED with its actual days; a mission logged after the fact gives its first
    day here (or corrects it)."""
    mission = await _mission_to_write(session, scope, mission_id)
    rules.check_complete(mission["status"])
    start = actual_start_on or mission["actual_start_on"]
    if start is None:
        raise RuleViolation(
            "actualStartOn", ErrorCode.REQUIRED, "The mission never started: give its first day."
        )
    not_in_future("actualStartOn", start, today)
    not_in_future("actualEndOn", actual_end_on, today)
    in_order("actualEndOn", start, actual_end_on)
    changes: dict[str, Any] = {
        "status": MissionStatus.COMPLETED,
        "actual_start_on": start,
        "actual_end_on": actual_end_on,
    }
    if findings is not None:
        changes["findings"] = required_text("findings", findings)
    return await _update_mission(session, mission_id, **changes)


async def cancel_mission(
    session: AsyncSession, scope: Scope, *, mission_id: uuid.UUID, reason: str
) -> RowMapping:
    """PLANNED or IN_PROGRESS → CANCELLED, with why if given."""
    mission = await _mission_to_write(session, scope, mission_id)
    rules.check_cancel(mission["status"])
    return await _update_mission(
        session, mission_id, status=MissionStatus.CANCELLED, status_reason=reason.strip()
    )


async def reopen_mission(
    session: AsyncSession, scope: Scope, *, mission_id: uuid.UUID, reason: str
) -> RowMapping:
    """COMPLETED → IN_PROGRESS (a reason required; its end day is forgotten), or CANCELLED →
    back where it stood."""
    mission = await _mission_to_write(session, scope, mission_id)
    status = rules.reopened_status(mission["status"], reason, mission["actual_start_on"])
    return await _update_mission(
        session, mission_id, status=status, actual_end_on=None, status_reason=reason.strip()
    )


async def add_attachment(
    session: AsyncSession,
    scope: Scope,
    *,
    mission_id: uuid.UUID,
    title: str,
    url: str,
    actor: str,
) -> RowMapping:
    """A link to a document of the mission (the document itself is stored elsewhere)."""
    mission = await _mission_to_write(session, scope, mission_id)
    row = (
        (
            await session.execute(
                insert(MissionAttachment)
                .values(
                    id=uuid7(),
                    programme_id=mission["programme_id"],
                    mission_id=mission_id,
                    title=required_text("title", title),
                    url=rules.link_url("url", url),
                    added_by=actor,
                )
                .returning(*attachments.c)
            )
        )
        .mappings()
        .one()
    )
    return row


def _check_due(due_on: date, mission: RowMapping) -> None:
    in_order("dueOn", mission["actual_start_on"] or mission["planned_start_on"], due_on)


async def _record_status(
    session: AsyncSession,
    scope: Scope,
    recommendation: RowMapping,
    *,
    from_status: RecommendationStatus | None,
    to_status: RecommendationStatus,
    on: date,
    comment: str,
    actor: str,
) -> None:
    await session.execute(
        insert(RecommendationStatusChange).values(
            id=uuid7(),
            programme_id=recommendation["programme_id"],
            recommendation_id=recommendation["id"],
            from_status=from_status,
            to_status=to_status,
            changed_on=on,
            comment=comment,
            changed_by=actor,
            changed_by_role=scope.role.value,
        )
    )


async def add_recommendation(
    session: AsyncSession,
    scope: Scope,
    *,
    mission_id: uuid.UUID,
    domain: ExpertiseDomain,
    text: str,
    owner: str,
    due_on: date,
    actor: str,
    today: date,
) -> RowMapping:
    """An OPEN recommendation of a mission under way or completed to its programme; its
    follow-up trail starts with it."""
    mission = await _mission_to_write(session, scope, mission_id)
    rules.check_worked(mission["status"], "make recommendations")
    text = required_text("text", text)
    owner = required_text("owner", owner)
    _check_due(due_on, mission)
    row = (
        (
            await session.execute(
                insert(Recommendation)
                .values(
                    id=uuid7(),
                    programme_id=mission["programme_id"],
                    mission_id=mission_id,
                    domain=domain,
                    text=text,
                    owner=owner,
                    due_on=due_on,
                    status=RecommendationStatus.OPEN,
                    status_changed_on=None,
                )
                .returning(*recommendations.c)
            )
        )
        .mappings()
        .one()
    )
    await _record_status(
        session,
        scope,
        row,
        from_status=None,
        to_status=RecommendationStatus.OPEN,
        on=today,
        comment="",
        actor=actor,
    )
    return row


async def _recommendation_to_write(
    session: AsyncSession, scope: Scope, recommendation_id: uuid.UUID
) -> RowMapping:
    """The recommendation, locked for this write, with the day of its last step: its last
    status change, or when it was recorded, or (made before the trail was kept) the day its
    mission started."""
    last_step = (
        select(func.max(status_changes.c.changed_on))
        .where(status_changes.c.recommendation_id == recommendations.c.id)
        .scalar_subquery()
    )
    last_changed_on = func.coalesce(recommendations.c.status_changed_on, last_step, mission_day())
    row = (
        (
            await session.execute(
                select(recommendations, last_changed_on.label("last_changed_on"))
                .join(missions, missions.c.id == recommendations.c.mission_id)
                .where(
                    recommendations.c.id == recommendation_id,
                    scope.where(recommendations.c.programme_id),
                )
                .with_for_update(of=recommendations)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise RuleViolation("recommendation", ErrorCode.NOT_FOUND, "No such recommendation.")
    return row


async def update_recommendation(
    session: AsyncSession,
    scope: Scope,
    *,
    recommendation_id: uuid.UUID,
    domain: ExpertiseDomain | None = None,
    text: str | None = None,
    owner: str | None = None,
    due_on: date | None = None,
) -> RowMapping:
    """Change what a recommendation says, who owns it or when it is due (what is given)."""
    recommendation = await _recommendation_to_write(session, scope, recommendation_id)
    mission = await _mission_to_write(session, scope, recommendation["mission_id"])
    changes: dict[str, Any] = {}
    if domain is not None:
        changes["domain"] = domain
    if text is not None:
        changes["text"] = required_text("text", text)
    if owner is not None:
        changes["owner"] = required_text("owner", owner)
    if due_on is not None:
        _check_due(due_on, mission)
        changes["due_on"] = due_on
    if not changes:
        raise RuleViolation((), ErrorCode.REQUIRED, "Give at least one field to change.")
    stmt = (
        update(Recommendation)
        .where(recommendations.c.id == recommendation_id)
        .values(**changes)
        .returning(*recommendations.c)
    )
    return (await session.execute(stmt)).mappings().one()


async def _require_follow_up(
    session: AsyncSession, scope: Scope, recommendation: RowMapping
) -> None:
    """Head office, the mission's experts, and the staff of the programme it is addressed to."""
    if scope.may_operate(recommendation["programme_id"]):
        return
    if scope.role is Role.PROGRAMME_STAFF:
        raise RuleViolation(
            (), ErrorCode.NOT_ALLOWED, "Programme staff follow up their own programme's."
        )
    await _require_mission_writer(session, scope, recommendation["mission_id"])


async def change_recommendation_status(
    session: AsyncSession,
    scope: Scope,
    *,
    recommendation_id: uuid.UUID,
    status: RecommendationStatus,
    on: date,
    comment: str,
    actor: str,
    today: date,
) -> RowMapping:
    """A dated, commented step of the follow-up: the status from `on`, added to the trail."""
    recommendation = await _recommendation_to_write(session, scope, recommendation_id)
    await _require_follow_up(session, scope, recommendation)
    comment = required_text("comment", comment)
    rules.check_status_change(
        recommendation["status"],
        status,
        on=on,
        last_changed_on=recommendation["last_changed_on"],
        today=today,
    )
    row = (
        (
            await session.execute(
                update(Recommendation)
                .where(recommendations.c.id == recommendation_id)
                .values(status=status, status_changed_on=on)
                .returning(*recommendations.c)
            )
        )
        .mappings()
        .one()
    )
    await _record_status(
        session,
        scope,
        row,
        from_status=recommendation["status"],
        to_status=status,
        on=on,
        comment=comment,
        actor=actor,
    )
    return row
