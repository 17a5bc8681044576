"""Writing missions, recommendations and milestones through HTTP: each mutation, each
permission rule, each typed error, and retries applied once."""

import asyncio
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from strawberry.relay import to_base64

from db.engine import Database
from db.models import AutonomyMilestone, Mission, Recommendation
from db.models.missions import MissionAttachment, RecommendationStatusChange
from domain.enums import ExpertiseDomain, MissionStatus, ProgrammePhase
from tests.conftest import GraphQL
from tests.factories import missions as m
from tests.factories import network as n
from tests.factories import unique

TODAY = date.today()
HEAD_OFFICE = "anne-laure@entrepreneursdumonde.org"  # the subject of head office's requests
GOVERNANCE = ExpertiseDomain.GOVERNANCE

MISSION_FIELDS = """
  mission {
    id title status phase mode plannedStartOn plannedEndOn actualStartOn actualEndOn
    objectives findings statusReason domains expertDays
    programme { code }
    experts { email }
    attachments { title url addedBy }
  }
  userErrors { field message code }
  replayed
"""

PLAN = (
    f"mutation ($input: MissionPlanInput!) {{ missionPlan(input: $input) {{ {MISSION_FIELDS} }} }}"
)
START = f"mutation ($input: MissionStartInput!) {{ missionStart(input: $input) {{ {MISSION_FIELDS} }} }}"
FINDINGS = (
    "mutation ($input: MissionFindingsLogInput!) "
    f"{{ missionFindingsLog(input: $input) {{ {MISSION_FIELDS} }} }}"
)
COMPLETE = (
    "mutation ($input: MissionCompleteInput!) "
    f"{{ missionComplete(input: $input) {{ {MISSION_FIELDS} }} }}"
)
CANCEL = f"mutation ($input: MissionCancelInput!) {{ missionCancel(input: $input) {{ {MISSION_FIELDS} }} }}"
REOPEN = f"mutation ($input: MissionReopenInput!) {{ missionReopen(input: $input) {{ {MISSION_FIELDS} }} }}"
ATTACH = """
mutation ($input: MissionAttachmentAddInput!) {
  missionAttachmentAdd(input: $input) {
    attachment { title url addedBy addedAt }
    mission { id attachments { title url } }
    userErrors { field message code }
    replayed
  }
}
"""

RECOMMENDATION_FIELDS = """
  recommendation {
    id domain text owner dueOn status statusChangedOn
    mission { id }
    programme { code }
    statusHistory { fromStatus status changedOn comment changedBy changedByRole }
  }
  userErrors { field message code }
  replayed
"""
RECOMMEND = (
    "mutation ($input: RecommendationAddInput!) "
    f"{{ recommendationAdd(input: $input) {{ {RECOMMENDATION_FIELDS} }} }}"
)
RECOMMENDATION_UPDATE = (
    "mutation ($input: RecommendationUpdateInput!) "
    f"{{ recommendationUpdate(input: $input) {{ {RECOMMENDATION_FIELDS} }} }}"
)
FOLLOW_UP = (
    "mutation ($input: RecommendationStatusUpdateInput!) "
    f"{{ recommendationStatusUpdate(input: $input) {{ {RECOMMENDATION_FIELDS} }} }}"
)

MILESTONE_FIELDS = """
  milestone { title targetOn achievedOn evidence }
  programme { code autonomyMilestones { title targetOn achievedOn evidence } }
  userErrors { field message code }
  replayed
"""
MILESTONE_SET = f"mutation ($input: MilestoneSetInput!) {{ milestoneSet(input: $input) {{ {MILESTONE_FIELDS} }} }}"
MILESTONE_UPDATE = (
    "mutation ($input: MilestoneUpdateInput!) "
    f"{{ milestoneUpdate(input: $input) {{ {MILESTONE_FIELDS} }} }}"
)

EXPERT_PROGRAMMES = """
query ($id: ID!) { node(id: $id) { ... on Expert { programmes { code } } } }
"""

AUDIT = """
query ($ids: [ID!]) {
  auditEntries(filter: {entities: $ids}) { nodes { actor role operation entityType details } }
}
"""


def gid(type_name: str, row: dict[str, Any]) -> str:
    return to_base64(type_name, row["id"])


@dataclass
class Team:
    """A programme with two experts supporting it, and another programme with its own."""

    programme: dict[str, Any]
    other: dict[str, Any]
    claire: dict[str, Any]
    paul: dict[str, Any]
    zoe: dict[str, Any]

    @property
    def code(self) -> str:
        code: str = self.programme["code"]
        return code


@pytest.fixture
async def team(db: Database) -> Team:
    async with db.transaction() as s:
        programme = await n.programme(s, phase=ProgrammePhase.START_UP)
        other = await n.programme(s)
        claire = await m.expert(s, domains=[GOVERNANCE], programmes=[programme["id"]])
        paul = await m.expert(s, first_name="Paul", programmes=[programme["id"]])
        zoe = await m.expert(s, first_name="Zoé", programmes=[other["id"]])
    return Team(programme, other, claire, paul, zoe)


def as_expert(expert: dict[str, Any]) -> dict[str, Any]:
    return {"role": "EXPERT", "subject": expert["email"]}


async def send(gql: GraphQL, query: str, input: dict[str, Any], **viewer: Any) -> dict[str, Any]:
    """Run a mutation; return its payload (asserting no GraphQL error)."""
    body = await gql(query, {"input": input}, **viewer)
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    result: dict[str, Any] = payload
    return result


def errors(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


def plan_input(team: Team, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "programme": gid("Programme", team.programme),
        "title": unique("Governance review"),
        "mode": "ON_SITE",
        "plannedStartOn": "2024-03-04",
        "plannedEndOn": "2024-03-08",
        "domains": ["GOVERNANCE", "STRATEGIC_PLANNING"],
        "experts": [gid("Expert", team.claire)],
        "objectives": "Prepare the board's first meeting.",
    }
    values.update(overrides)
    return values


async def missions_titled(db: Database, title: str) -> int:
    async with db.read() as s:
        return int(await s.scalar(select(func.count()).where(Mission.title == title)) or 0)


async def mission_row(db: Database, mission: dict[str, Any]) -> dict[str, Any]:
    async with db.read() as s:
        row = (await s.execute(select(Mission.__table__).where(Mission.id == mission["id"]))).one()
    return dict(row._mapping)


async def count_of(db: Database, model: Any, **where: Any) -> int:
    async with db.read() as s:
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return int(await s.scalar(stmt) or 0)


async def a_mission(db: Database, team: Team, **overrides: Any) -> dict[str, Any]:
    """A mission of Claire's to the team's programme (PLANNED unless told)."""
    async with db.transaction() as s:
        mission = await m.mission(
            s, team.programme["id"], experts=[team.claire["id"]], domains=[GOVERNANCE], **overrides
        )
    return mission


async def under_way(db: Database, team: Team) -> dict[str, Any]:
    return await a_mission(
        db, team, status=MissionStatus.IN_PROGRESS, actual_start_on=date(2024, 3, 4)
    )


async def a_recommendation(db: Database, team: Team, **overrides: Any) -> dict[str, Any]:
    mission = await under_way(db, team)
    async with db.transaction() as s:
        rec = await m.recommendation(s, team.programme["id"], mission["id"], **overrides)
    return rec


# --- missionPlan ------------------------------------------------------------------------


async def test_head_office_plans_a_mission_and_its_experts_then_support_the_programme(
    db: Database, gql: GraphQL, team: Team
) -> None:
    input = plan_input(team, experts=[gid("Expert", team.zoe)])

    result = await send(gql, PLAN, input)

    assert result["userErrors"] == []
    assert result["replayed"] is False
    mission = result["mission"]
    assert mission["title"] == input["title"]
    assert mission["status"] == "PLANNED"
    # The phase defaults to the programme's.
    assert mission["phase"] == "START_UP"
    assert mission["mode"] == "ON_SITE"
    assert (mission["plannedStartOn"], mission["plannedEndOn"]) == ("2024-03-04", "2024-03-08")
    assert (mission["actualStartOn"], mission["actualEndOn"]) == (None, None)
    assert mission["objectives"] == "Prepare the board's first meeting."
    assert mission["findings"] == ""
    assert mission["domains"] == ["STRATEGIC_PLANNING", "GOVERNANCE"]
    assert mission["programme"] == {"code": team.code}
    assert mission["experts"] == [{"email": team.zoe["email"]}]
    assert mission["expertDays"] == 5
    # Zoé supported the other programme only; being on the mission, she supports this one.
    body = await gql(EXPERT_PROGRAMMES, {"id": gid("Expert", team.zoe)})
    assert sorted(p["code"] for p in body["data"]["node"]["programmes"]) == sorted(
        [team.code, team.other["code"]]
    )


async def test_an_expert_who_plans_a_mission_is_on_it(
    db: Database, gql: GraphQL, team: Team
) -> None:
    input = plan_input(team, experts=[gid("Expert", team.paul)], phase="CONSOLIDATION")

    result = await send(gql, PLAN, input, **as_expert(team.claire))

    assert result["userErrors"] == []
    assert result["mission"]["phase"] == "CONSOLIDATION"
    assert sorted(e["email"] for e in result["mission"]["experts"]) == sorted(
        [team.claire["email"], team.paul["email"]]
    )
    assert result["mission"]["expertDays"] == 10


async def test_an_expert_cannot_plan_for_a_programme_she_does_not_support(
    db: Database, gql: GraphQL, team: Team
) -> None:
    input = plan_input(team, programme=gid("Programme", team.other), experts=[])

    result = await send(gql, PLAN, input, **as_expert(team.claire))

    assert result["mission"] is None
    assert errors(result) == [(["input", "programme"], "NOT_FOUND")]
    assert await missions_titled(db, input["title"]) == 0


async def test_programme_staff_do_not_plan_missions(db: Database, gql: GraphQL, team: Team) -> None:
    input = plan_input(team)

    result = await send(gql, PLAN, input, programmes=team.code)

    assert errors(result) == [(None, "NOT_ALLOWED")]
    assert await missions_titled(db, input["title"]) == 0


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"plannedEndOn": "2024-03-03"}, "plannedEndOn", "DATES_OUT_OF_ORDER"),
        ({"title": "  "}, "title", "REQUIRED"),
        ({"domains": []}, "domains", "REQUIRED"),
        ({"experts": []}, "experts", "REQUIRED"),
        (
            {"experts": [to_base64("Expert", "00000000-0000-7000-8000-000000000000")]},
            "experts",
            "NOT_FOUND",
        ),
        (
            {"experts": [to_base64("Mission", "00000000-0000-7000-8000-000000000000")]},
            "experts",
            "INVALID",
        ),
        (
            {"programme": to_base64("Programme", "00000000-0000-7000-8000-000000000000")},
            "programme",
            "NOT_FOUND",
        ),
    ],
)
async def test_a_bad_plan_gets_a_typed_error_and_writes_nothing(
    db: Database,
    gql: GraphQL,
    team: Team,
    overrides: dict[str, Any],
    field: str,
    code: str,
) -> None:
    input = plan_input(team, **overrides)

    result = await send(gql, PLAN, input)

    assert result["mission"] is None
    assert errors(result) == [(["input", field], code)]
    assert await missions_titled(db, input["title"]) == 0


async def test_an_unknown_domain_is_refused_by_the_schema(
    db: Database, gql: GraphQL, team: Team
) -> None:
    input = plan_input(team, domains=["MARKETING"])

    body = await gql(PLAN, {"input": input})

    assert body["data"] is None
    assert "MARKETING" in body["errors"][0]["message"]
    assert await missions_titled(db, input["title"]) == 0


# --- the mission's life: start, findings, complete, cancel, reopen ------------------------


async def test_a_mission_goes_from_planned_to_completed_through_its_experts(
    db: Database, gql: GraphQL, team: Team
) -> None:
    mission = await a_mission(db, team)
    me = as_expert(team.claire)
    id = gid("Mission", mission)

    started = await send(gql, START, {"mission": id, "actualStartOn": "2024-03-05"}, **me)
    logged = await send(gql, FINDINGS, {"mission": id, "findings": " No board yet. "}, **me)
    completed = await send(gql, COMPLETE, {"mission": id, "actualEndOn": "2024-03-07"}, **me)

    assert errors(started) == errors(logged) == errors(completed) == []
    assert started["mission"]["status"] == "IN_PROGRESS"
    assert started["mission"]["actualStartOn"] == "2024-03-05"
    assert logged["mission"]["findings"] == "No board yet."
    done = completed["mission"]
    assert done["status"] == "COMPLETED"
    assert (done["actualStartOn"], done["actualEndOn"]) == ("2024-03-05", "2024-03-07")
    assert done["findings"] == "No board yet."
    assert done["expertDays"] == 3


async def test_a_mission_logged_after_the_fact_completes_with_both_its_days(
    db: Database, gql: GraphQL, team: Team
) -> None:
    mission = await a_mission(db, team)
    id = gid("Mission", mission)

    without_start = await send(gql, COMPLETE, {"mission": id, "actualEndOn": "2024-03-07"})
    completed = await send(
        gql,
        COMPLETE,
        {
            "mission": id,
            "actualStartOn": "2024-03-05",
            "actualEndOn": "2024-03-07",
            "findings": "Loan officers follow arrears weekly.",
        },
    )

    assert errors(without_start) == [(["input", "actualStartOn"], "REQUIRED")]
    assert completed["mission"]["status"] == "COMPLETED"
    assert completed["mission"]["findings"] == "Loan officers follow arrears weekly."


@pytest.mark.parametrize(
    ("query", "input", "field", "code"),
    [
        (START, {"actualStartOn": str(TODAY + timedelta(days=1))}, "actualStartOn", "IN_FUTURE"),
        (
            COMPLETE,
            {"actualStartOn": "2024-03-06", "actualEndOn": "2024-03-05"},
            "actualEndOn",
            "DATES_OUT_OF_ORDER",
        ),
        (
            COMPLETE,
            {"actualStartOn": "2024-03-06", "actualEndOn": str(TODAY + timedelta(days=1))},
            "actualEndOn",
            "IN_FUTURE",
        ),
        (FINDINGS, {"findings": "Too early."}, "mission", "INVALID_STATE"),
        (REOPEN, {"reason": "Nothing to reopen."}, "mission", "INVALID_STATE"),
    ],
)
async def test_a_planned_mission_refuses_what_does_not_fit_with_a_typed_error(
    db: Database,
    gql: GraphQL,
    team: Team,
    query: str,
    input: dict[str, Any],
    field: str,
    code: str,
) -> None:
    mission = await a_mission(db, team)

    result = await send(gql, query, {"mission": gid("Mission", mission), **input})

    assert result["mission"] is None
    assert errors(result) == [(["input", field], code)]
    assert (await mission_row(db, mission))["status"] is MissionStatus.PLANNED


async def test_a_mission_starts_once(db: Database, gql: GraphQL, team: Team) -> None:
    mission = await under_way(db, team)

    result = await send(
        gql, START, {"mission": gid("Mission", mission), "actualStartOn": "2024-03-06"}
    )

    assert errors(result) == [(["input", "mission"], "INVALID_STATE")]
    assert (await mission_row(db, mission))["actual_start_on"] == date(2024, 3, 4)


async def test_a_completed_mission_is_reopened_only_with_a_reason(
    db: Database, gql: GraphQL, team: Team
) -> None:
    mission = await a_mission(
        db,
        team,
        status=MissionStatus.COMPLETED,
        actual_start_on=date(2024, 3, 4),
        actual_end_on=date(2024, 3, 8),
    )
    id = gid("Mission", mission)

    without = await send(gql, REOPEN, {"mission": id})
    blank = await send(gql, REOPEN, {"mission": id, "reason": "   "})
    cancel = await send(gql, CANCEL, {"mission": id, "reason": "Too late."})
    unchanged = await mission_row(db, mission)
    reopened = await send(gql, REOPEN, {"mission": id, "reason": "The board met after we left."})

    assert errors(without) == errors(blank) == [(["input", "reason"], "REASON_REQUIRED")]
    assert errors(cancel) == [(["input", "mission"], "INVALID_STATE")]
    assert unchanged["status"] is MissionStatus.COMPLETED
    assert unchanged["actual_end_on"] == date(2024, 3, 8)
    again = reopened["mission"]
    assert again["status"] == "IN_PROGRESS"
    assert (again["actualStartOn"], again["actualEndOn"]) == ("2024-03-04", None)
    assert again["statusReason"] == "The board met after we left."


async def test_a_cancelled_mission_says_why_and_reopens_where_it_stood(
    db: Database, gql: GraphQL, team: Team
) -> None:
    planned = await a_mission(db, team)
    started = await under_way(db, team)

    cancelled = await send(
        gql, CANCEL, {"mission": gid("Mission", planned), "reason": "Borders closed."}
    )
    await send(gql, CANCEL, {"mission": gid("Mission", started)})
    back_to_plan = await send(gql, REOPEN, {"mission": gid("Mission", planned)})
    back_to_work = await send(gql, REOPEN, {"mission": gid("Mission", started)})

    assert cancelled["mission"]["status"] == "CANCELLED"
    assert cancelled["mission"]["statusReason"] == "Borders closed."
    assert cancelled["mission"]["expertDays"] == 0
    assert back_to_plan["mission"]["status"] == "PLANNED"
    assert back_to_work["mission"]["status"] == "IN_PROGRESS"


# --- attachments --------------------------------------------------------------------------


async def test_an_expert_attaches_links_to_her_mission(
    db: Database, gql: GraphQL, team: Team
) -> None:
    mission = await a_mission(db, team)
    id = gid("Mission", mission)

    first = await send(
        gql,
        ATTACH,
        {"mission": id, "title": "Terms of reference", "url": "https://docs.example.org/tor"},
        **as_expert(team.claire),
    )
    second = await send(
        gql,
        ATTACH,
        {"mission": id, "title": " Slides ", "url": "http://intranet.example.org/slides"},
    )

    assert first["userErrors"] == []
    assert first["attachment"]["title"] == "Terms of reference"
    assert first["attachment"]["addedBy"] == team.claire["email"]
    assert second["mission"]["attachments"] == [
        {"title": "Terms of reference", "url": "https://docs.example.org/tor"},
        {"title": "Slides", "url": "http://intranet.example.org/slides"},
    ]


@pytest.mark.parametrize(
    ("title", "url", "field", "code"),
    [
        ("Report", "ftp://files.example.org/report.pdf", "url", "INVALID"),
        ("Report", "javascript:alert(1)", "url", "INVALID"),
        ("Report", "docs.example.org/report.pdf", "url", "INVALID"),
        ("Report", "", "url", "REQUIRED"),
        ("", "https://docs.example.org/report.pdf", "title", "REQUIRED"),
    ],
)
async def test_an_attachment_is_an_http_or_https_link_with_a_title(
    db: Database, gql: GraphQL, team: Team, title: str, url: str, field: str, code: str
) -> None:
    mission = await a_mission(db, team)

    result = await send(
        gql, ATTACH, {"mission": gid("Mission", mission), "title": title, "url": url}
    )

    assert result["attachment"] is None
    assert errors(result) == [(["input", field], code)]
    assert await count_of(db, MissionAttachment, mission_id=mission["id"]) == 0


# --- recommendations ----------------------------------------------------------------------


def recommend_input(mission: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "mission": gid("Mission", mission),
        "domain": "GOVERNANCE",
        "text": "Hold a board meeting every quarter.",
        "owner": "Programme director",
        "dueOn": "2024-06-30",
    }
    values.update(overrides)
    return values


async def test_an_expert_adds_a_recommendation_whose_follow_up_starts_open(
    db: Database, gql: GraphQL, team: Team
) -> None:
    mission = await under_way(db, team)

    result = await send(gql, RECOMMEND, recommend_input(mission), **as_expert(team.claire))

    assert result["userErrors"] == []
    rec = result["recommendation"]
    assert rec["domain"] == "GOVERNANCE"
    assert rec["text"] == "Hold a board meeting every quarter."
    assert rec["owner"] == "Programme director"
    assert rec["dueOn"] == "2024-06-30"
    assert (rec["status"], rec["statusChangedOn"]) == ("OPEN", None)
    assert rec["mission"] == {"id": gid("Mission", mission)}
    assert rec["programme"] == {"code": team.code}
    assert rec["statusHistory"] == [
        {
            "fromStatus": None,
            "status": "OPEN",
            "changedOn": TODAY.isoformat(),
            "comment": "",
            "changedBy": team.claire["email"],
            "changedByRole": "EXPERT",
        }
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"dueOn": "2024-03-03"}, "dueOn", "DATES_OUT_OF_ORDER"),
        ({"text": " "}, "text", "REQUIRED"),
        ({"owner": ""}, "owner", "REQUIRED"),
    ],
)
async def test_a_bad_recommendation_gets_a_typed_error_and_writes_nothing(
    db: Database, gql: GraphQL, team: Team, overrides: dict[str, Any], field: str, code: str
) -> None:
    mission = await under_way(db, team)

    result = await send(gql, RECOMMEND, recommend_input(mission, **overrides))

    assert result["recommendation"] is None
    assert errors(result) == [(["input", field], code)]
    assert await count_of(db, Recommendation, mission_id=mission["id"]) == 0


@pytest.mark.parametrize("status", [MissionStatus.PLANNED, MissionStatus.CANCELLED])
async def test_only_a_mission_under_way_or_completed_makes_recommendations(
    db: Database, gql: GraphQL, team: Team, status: MissionStatus
) -> None:
    mission = await a_mission(db, team, status=status)

    result = await send(gql, RECOMMEND, recommend_input(mission))

    assert errors(result) == [(["input", "mission"], "INVALID_STATE")]


async def test_a_recommendation_is_updated_in_what_is_given(
    db: Database, gql: GraphQL, team: Team
) -> None:
    rec = await a_recommendation(db, team)
    id = gid("Recommendation", rec)

    result = await send(
        gql,
        RECOMMENDATION_UPDATE,
        {"recommendation": id, "owner": "Board chair", "dueOn": "2024-09-30"},
        **as_expert(team.claire),
    )
    nothing = await send(gql, RECOMMENDATION_UPDATE, {"recommendation": id})
    too_early = await send(
        gql, RECOMMENDATION_UPDATE, {"recommendation": id, "dueOn": "2024-01-01"}
    )

    updated = result["recommendation"]
    assert (updated["owner"], updated["dueOn"]) == ("Board chair", "2024-09-30")
    assert (updated["text"], updated["domain"]) == (rec["text"], "OPERATIONS_MANAGEMENT")
    assert errors(nothing) == [(None, "REQUIRED")]
    assert errors(too_early) == [(["input", "dueOn"], "DATES_OUT_OF_ORDER")]


# --- the follow-up trail -----------------------------------------------------------------


def follow_up(rec: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "recommendation": gid("Recommendation", rec),
        "status": "IN_PROGRESS",
        "comment": "Board members chosen.",
        "on": (TODAY - timedelta(days=1)).isoformat(),
    }
    values.update(overrides)
    return values


async def test_programme_staff_record_the_follow_up_with_a_dated_comment_trail(
    db: Database, gql: GraphQL, team: Team
) -> None:
    rec = await a_recommendation(db, team)
    staff = {"programmes": team.code, "subject": "awa@fansoto"}

    doing = await send(gql, FOLLOW_UP, follow_up(rec), **staff)
    done = await send(
        gql,
        FOLLOW_UP,
        follow_up(rec, status="DONE", comment="First meeting held.", on=None),
        subject=HEAD_OFFICE,
    )

    assert doing["userErrors"] == done["userErrors"] == []
    assert doing["recommendation"]["status"] == "IN_PROGRESS"
    final = done["recommendation"]
    assert (final["status"], final["statusChangedOn"]) == ("DONE", TODAY.isoformat())
    assert final["statusHistory"] == [
        {
            "fromStatus": "OPEN",
            "status": "IN_PROGRESS",
            "changedOn": (TODAY - timedelta(days=1)).isoformat(),
            "comment": "Board members chosen.",
            "changedBy": "awa@fansoto",
            "changedByRole": "PROGRAMME_STAFF",
        },
        {
            "fromStatus": "IN_PROGRESS",
            "status": "DONE",
            "changedOn": TODAY.isoformat(),
            "comment": "First meeting held.",
            "changedBy": HEAD_OFFICE,
            "changedByRole": "HEAD_OFFICE",
        },
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"status": "OPEN"}, "status", "INVALID_STATE"),
        ({"comment": "  "}, "comment", "REQUIRED"),
        ({"on": str(TODAY + timedelta(days=1))}, "on", "IN_FUTURE"),
        ({"on": "2024-04-30"}, "on", "DATES_OUT_OF_ORDER"),
        (
            {"recommendation": to_base64("Recommendation", "00000000-0000-7000-8000-000000000000")},
            "recommendation",
            "NOT_FOUND",
        ),
    ],
)
async def test_a_bad_follow_up_step_gets_a_typed_error_and_leaves_no_trace(
    db: Database, gql: GraphQL, team: Team, overrides: dict[str, Any], field: str, code: str
) -> None:
    # Last changed on 1 May 2024: a step cannot be dated before.
    rec = await a_recommendation(db, team, status_changed_on=date(2024, 5, 1))

    result = await send(gql, FOLLOW_UP, follow_up(rec, **overrides), programmes=team.code)

    assert result["recommendation"] is None
    assert errors(result) == [(["input", field], code)]
    assert await count_of(db, RecommendationStatusChange, recommendation_id=rec["id"]) == 0


async def test_a_programmes_staff_cannot_follow_up_or_see_another_programmes_recommendations(
    db: Database, gql: GraphQL, team: Team
) -> None:
    rec = await a_recommendation(db, team)
    async with db.transaction() as s:
        elsewhere = await n.programme(s)

    result = await send(gql, FOLLOW_UP, follow_up(rec), programmes=elsewhere["code"])
    seen = await gql(
        "query ($id: ID!) { node(id: $id) { id } }",
        {"id": gid("Recommendation", rec)},
        programmes=elsewhere["code"],
    )

    assert errors(result) == [(["input", "recommendation"], "NOT_FOUND")]
    assert seen["data"]["node"] is None
    assert await count_of(db, RecommendationStatusChange, recommendation_id=rec["id"]) == 0


# --- permissions: an expert writes only the missions she is on ----------------------------


@pytest.mark.parametrize(
    ("query", "input"),
    [
        (START, {"actualStartOn": "2024-03-05"}),
        (FINDINGS, {"findings": "Not mine to write."}),
        (COMPLETE, {"actualStartOn": "2024-03-05", "actualEndOn": "2024-03-06"}),
        (CANCEL, {"reason": "Not mine to cancel."}),
        (ATTACH, {"title": "Notes", "url": "https://docs.example.org/notes"}),
    ],
)
async def test_an_expert_cannot_change_a_colleagues_mission(
    db: Database, gql: GraphQL, team: Team, query: str, input: dict[str, Any]
) -> None:
    mission = await a_mission(db, team)  # Claire's, in a programme Paul supports too
    before = await mission_row(db, mission)

    result = await send(
        gql, query, {"mission": gid("Mission", mission), **input}, **as_expert(team.paul)
    )

    assert errors(result) == [(None, "NOT_ALLOWED")]
    assert await mission_row(db, mission) == before
    assert await count_of(db, MissionAttachment, mission_id=mission["id"]) == 0


async def test_an_expert_cannot_add_to_or_follow_up_a_colleagues_recommendations(
    db: Database, gql: GraphQL, team: Team
) -> None:
    rec = await a_recommendation(db, team)
    paul = as_expert(team.paul)

    added = await send(gql, RECOMMEND, recommend_input({"id": rec["mission_id"]}), **paul)
    updated = await send(
        gql,
        RECOMMENDATION_UPDATE,
        {"recommendation": gid("Recommendation", rec), "owner": "Someone"},
        **paul,
    )
    followed = await send(gql, FOLLOW_UP, follow_up(rec), **paul)

    assert errors(added) == errors(updated) == errors(followed) == [(None, "NOT_ALLOWED")]
    assert await count_of(db, Recommendation, mission_id=rec["mission_id"]) == 1


async def test_an_expert_does_not_even_find_a_mission_of_a_programme_she_does_not_support(
    db: Database, gql: GraphQL, team: Team
) -> None:
    mission = await a_mission(db, team)

    result = await send(
        gql,
        START,
        {"mission": gid("Mission", mission), "actualStartOn": "2024-03-05"},
        **as_expert(team.zoe),
    )

    assert errors(result) == [(["input", "mission"], "NOT_FOUND")]


@pytest.mark.parametrize(
    "viewer", [{"programmes": "own"}, {"programmes": "own", "role": "INTEGRATOR"}]
)
async def test_programme_staff_and_integrators_do_not_change_missions(
    db: Database, gql: GraphQL, team: Team, viewer: dict[str, Any]
) -> None:
    mission = await a_mission(db, team)
    viewer = {**viewer, "programmes": team.code}

    result = await send(
        gql, START, {"mission": gid("Mission", mission), "actualStartOn": "2024-03-05"}, **viewer
    )

    assert errors(result) == [(None, "NOT_ALLOWED")]
    assert (await mission_row(db, mission))["status"] is MissionStatus.PLANNED


# --- retries ------------------------------------------------------------------------------


async def test_a_retried_plan_creates_one_mission_and_replays_the_first_result(
    db: Database, gql: GraphQL, team: Team
) -> None:
    input = plan_input(team, idempotencyKey=secrets.token_hex(8))
    me = as_expert(team.claire)

    first = await send(gql, PLAN, input, **me)
    again = await send(gql, PLAN, input, **me)
    other = await send(gql, PLAN, {**input, "title": unique("Another")}, **me)

    assert again["replayed"] is True
    assert again["mission"]["id"] == first["mission"]["id"]
    assert await missions_titled(db, input["title"]) == 1
    assert errors(other) == [(["input", "idempotencyKey"], "IDEMPOTENCY_KEY_REUSED")]


async def test_concurrent_retries_from_the_field_apply_once(
    db: Database, gql: GraphQL, team: Team
) -> None:
    input = plan_input(team, idempotencyKey=secrets.token_hex(8))

    results = await asyncio.gather(
        *(send(gql, PLAN, input, **as_expert(team.claire)) for _ in range(8))
    )

    assert {r["mission"]["id"] for r in results} == {results[0]["mission"]["id"]}
    assert sum(not r["replayed"] for r in results) == 1
    assert await missions_titled(db, input["title"]) == 1


async def test_retried_recommendation_and_follow_up_are_recorded_once(
    db: Database, gql: GraphQL, team: Team
) -> None:
    mission = await under_way(db, team)
    add = recommend_input(mission, idempotencyKey=secrets.token_hex(8))

    first = await send(gql, RECOMMEND, add)
    again = await send(gql, RECOMMEND, add)
    step = {
        "recommendation": first["recommendation"]["id"],
        "status": "DONE",
        "comment": "Done.",
        "idempotencyKey": secrets.token_hex(8),
    }
    once = await send(gql, FOLLOW_UP, step, programmes=team.code)
    twice = await send(gql, FOLLOW_UP, step, programmes=team.code)

    assert again["replayed"] is True
    assert again["recommendation"]["id"] == first["recommendation"]["id"]
    assert await count_of(db, Recommendation, mission_id=mission["id"]) == 1
    assert twice["replayed"] is True
    assert len(twice["recommendation"]["statusHistory"]) == 2
    assert once["recommendation"]["statusHistory"] == twice["recommendation"]["statusHistory"]


async def test_each_mission_write_is_audited(db: Database, gql: GraphQL, team: Team) -> None:
    planned = await send(gql, PLAN, plan_input(team), **as_expert(team.claire))
    id = planned["mission"]["id"]
    await send(
        gql, CANCEL, {"mission": id, "reason": "Postponed to next year."}, subject=HEAD_OFFICE
    )

    body = await gql(AUDIT, {"ids": [id]})

    entries = body["data"]["auditEntries"]["nodes"]
    assert [(e["operation"], e["actor"], e["role"], e["entityType"]) for e in entries] == [
        ("missionPlan", team.claire["email"], "EXPERT", "Mission"),
        ("missionCancel", HEAD_OFFICE, "HEAD_OFFICE", "Mission"),
    ]
    assert entries[1]["details"] == {"status": "CANCELLED", "reason": "Postponed to next year."}


# --- autonomy milestones -------------------------------------------------------------------


def milestone(team: Team, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "programme": gid("Programme", team.programme),
        "title": "Legal registration",
        "targetOn": "2025-06-30",
    }
    values.update(overrides)
    return values


async def milestones_of(db: Database, team: Team) -> int:
    return await count_of(db, AutonomyMilestone, programme_id=team.programme["id"])


async def test_head_office_sets_a_milestone_then_sets_it_again_with_its_evidence(
    db: Database, gql: GraphQL, team: Team
) -> None:
    planned = await send(gql, MILESTONE_SET, milestone(team))
    reached = await send(
        gql,
        MILESTONE_SET,
        milestone(team, achievedOn="2024-11-15", evidence=" Registered as an association. "),
    )

    assert planned["userErrors"] == []
    assert planned["milestone"] == {
        "title": "Legal registration",
        "targetOn": "2025-06-30",
        "achievedOn": None,
        "evidence": "",
    }
    expected = {
        "title": "Legal registration",
        "targetOn": "2025-06-30",
        "achievedOn": "2024-11-15",
        "evidence": "Registered as an association.",
    }
    assert reached["milestone"] == expected
    assert reached["programme"] == {"code": team.code, "autonomyMilestones": [expected]}
    assert await milestones_of(db, team) == 1


async def test_a_milestone_update_changes_only_what_is_given(
    db: Database, gql: GraphQL, team: Team
) -> None:
    await send(gql, MILESTONE_SET, milestone(team, title="Own MIS", evidence="Tender launched"))

    renamed = await send(
        gql,
        MILESTONE_UPDATE,
        {
            "programme": gid("Programme", team.programme),
            "title": "Own MIS",
            "newTitle": "Own management information system",
        },
    )
    cleared = await send(
        gql,
        MILESTONE_UPDATE,
        {
            "programme": gid("Programme", team.programme),
            "title": "Own management information system",
            "targetOn": None,
        },
    )

    assert renamed["milestone"] == {
        "title": "Own management information system",
        "targetOn": "2025-06-30",
        "achievedOn": None,
        "evidence": "Tender launched",
    }
    assert cleared["milestone"]["targetOn"] is None
    assert cleared["milestone"]["evidence"] == "Tender launched"


@pytest.mark.parametrize(
    ("query", "overrides", "field", "code"),
    [
        (
            MILESTONE_SET,
            {"achievedOn": str(TODAY + timedelta(days=1)), "evidence": "x"},
            "achievedOn",
            "IN_FUTURE",
        ),
        (MILESTONE_SET, {"achievedOn": "2024-11-15"}, "evidence", "REQUIRED"),
        (MILESTONE_SET, {"title": " "}, "title", "REQUIRED"),
        (MILESTONE_UPDATE, {"title": "Board in place"}, "title", "NOT_FOUND"),
        (MILESTONE_UPDATE, {"newTitle": "Own MIS"}, "newTitle", "ALREADY_EXISTS"),
        (MILESTONE_UPDATE, {"achievedOn": "2024-11-15", "evidence": ""}, "evidence", "REQUIRED"),
        (
            MILESTONE_UPDATE,
            {"programme": to_base64("Programme", "00000000-0000-7000-8000-000000000000")},
            "programme",
            "NOT_FOUND",
        ),
    ],
)
async def test_a_bad_milestone_gets_a_typed_error(
    db: Database,
    gql: GraphQL,
    team: Team,
    query: str,
    overrides: dict[str, Any],
    field: str,
    code: str,
) -> None:
    await send(gql, MILESTONE_SET, milestone(team))
    await send(gql, MILESTONE_SET, milestone(team, title="Own MIS"))
    input = milestone(team, **overrides)

    result = await send(gql, query, input)

    assert result["milestone"] is None
    assert errors(result) == [(["input", field], code)]
    assert await milestones_of(db, team) == 2


@pytest.mark.parametrize("viewer", ["expert", "staff"])
async def test_only_head_office_records_milestones(
    db: Database, gql: GraphQL, team: Team, viewer: str
) -> None:
    who = as_expert(team.claire) if viewer == "expert" else {"programmes": team.code}

    result = await send(gql, MILESTONE_SET, milestone(team), **who)

    assert errors(result) == [(None, "NOT_ALLOWED")]
    assert await milestones_of(db, team) == 0


async def test_a_retried_milestone_is_set_once(db: Database, gql: GraphQL, team: Team) -> None:
    input = milestone(team, idempotencyKey=secrets.token_hex(8))

    first = await send(gql, MILESTONE_SET, input)
    again = await send(gql, MILESTONE_SET, input)

    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["milestone"] == first["milestone"]
    assert await milestones_of(db, team) == 1
