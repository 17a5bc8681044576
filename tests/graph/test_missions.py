from datetime import date, timedelta
from typing import Any

from strawberry.relay import to_base64

from db.engine import Database
from domain.enums import (
    ExpertiseDomain,
    MissionMode,
    MissionStatus,
    ProgrammePhase,
    RecommendationStatus,
)
from tests.conftest import GraphQL, RunningServer
from tests.factories import missions as m
from tests.factories import network as n
from tests.factories import unique

GOVERNANCE = ExpertiseDomain.GOVERNANCE
SYSTEMS = ExpertiseDomain.INFORMATION_AND_MANAGEMENT_SYSTEMS
FINANCE = ExpertiseDomain.FINANCIAL_MANAGEMENT

MISSION = """
query ($id: ID!) {
  node(id: $id) {
    ... on Mission {
      id title phase mode status plannedStartOn plannedEndOn actualStartOn actualEndOn
      objectives findings domains expertDays
      programme { code }
      experts { id firstName lastName email basedIn domains }
      recommendations(first: 10) {
        totalCount
        nodes { id text }
      }
    }
  }
}
"""

EXPERT = """
query ($id: ID!) {
  node(id: $id) {
    ... on Expert {
      id firstName lastName email basedIn domains
      programmes { code }
      missions(first: 10) { totalCount nodes { id programme { code } } }
    }
  }
}
"""

RECOMMENDATION = """
query ($id: ID!, $asOf: Date) {
  node(id: $id) {
    ... on Recommendation {
      id domain text owner dueOn status statusChangedOn
      overdue(asOf: $asOf)
      programme { code }
      mission { id title }
    }
  }
}
"""

PROGRAMME_SUPPORT = """
query ($code: String!) {
  programme(code: $code) {
    experts { id lastName }
    missions(first: 10) { totalCount nodes { id } }
  }
}
"""

MISSIONS = """
query ($filter: MissionFilter, $first: Int, $after: String) {
  missions(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id title }
  }
}
"""

RECOMMENDATIONS = """
query ($filter: RecommendationFilter) {
  recommendations(filter: $filter, first: 50) {
    totalCount
    nodes { id }
  }
}
"""

EXPERTS = """
query ($domains: [ExpertiseDomain!]) {
  experts(domains: $domains, first: 100) { totalCount nodes { id } }
}
"""

NESTED_RECOMMENDATIONS = """
query ($id: ID!, $after: String) {
  node(id: $id) {
    ... on Mission {
      recommendations(first: 2, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage endCursor }
        nodes { id }
      }
    }
  }
}
"""

PROGRAMME_MISSIONS_DEEP = """
query ($code: String!) {
  programme(code: $code) {
    missions(first: 50) {
      totalCount
      nodes {
        id expertDays domains
        experts { id domains programmes { code } missions(first: 5) { totalCount nodes { id } } }
        recommendations(first: 5) { totalCount nodes { id overdue mission { id } } }
        programme { code }
      }
    }
  }
}
"""


def gid(type_name: str, row: dict[str, Any]) -> str:
    return to_base64(type_name, row["id"])


def listed(type_name: str, *rows: dict[str, Any]) -> list[str]:
    """Global IDs in the order lists give them: by key (UUIDv7, so by creation, to the ms)."""
    return [gid(type_name, row) for row in sorted(rows, key=lambda row: row["id"])]


def ids(connection: dict[str, Any]) -> list[str]:
    return [node["id"] for node in connection["nodes"]]


async def test_a_mission_reads_every_field_with_programme_experts_and_recommendations(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        claire = await m.expert(s, domains=[GOVERNANCE, FINANCE], programmes=[p["id"]])
        paul = await m.expert(s, first_name="Paul", based_in="Dakar", programmes=[p["id"]])
        mission = await m.mission(
            s,
            p["id"],
            experts=[claire["id"], paul["id"]],
            domains=[SYSTEMS, GOVERNANCE],
            phase=ProgrammePhase.START_UP,
            mode=MissionMode.REMOTE,
            status=MissionStatus.COMPLETED,
            actual_start_on=date(2024, 3, 5),
            actual_end_on=date(2024, 3, 7),
            findings="Arrears are followed up late.",
        )
        first = await m.recommendation(s, p["id"], mission["id"])
        second = await m.recommendation(s, p["id"], mission["id"], domain=GOVERNANCE)

    body = await gql(MISSION, {"id": gid("Mission", mission)})

    got = body["data"]["node"]
    assert got["title"] == mission["title"]
    assert got["phase"] == "START_UP"
    assert got["mode"] == "REMOTE"
    assert got["status"] == "COMPLETED"
    assert (got["plannedStartOn"], got["plannedEndOn"]) == ("2024-03-04", "2024-03-08")
    assert (got["actualStartOn"], got["actualEndOn"]) == ("2024-03-05", "2024-03-07")
    assert got["objectives"] == mission["objectives"]
    assert got["findings"] == "Arrears are followed up late."
    # In the enum's order, whatever the order they were recorded in.
    assert got["domains"] == ["INFORMATION_AND_MANAGEMENT_SYSTEMS", "GOVERNANCE"]
    assert got["programme"] == {"code": p["code"]}
    expected_experts = {
        gid("Expert", claire): {
            "id": gid("Expert", claire),
            "firstName": "Claire",
            "lastName": claire["last_name"],
            "email": claire["email"],
            "basedIn": "Lyon",
            "domains": ["FINANCIAL_MANAGEMENT", "GOVERNANCE"],
        },
        gid("Expert", paul): {
            "id": gid("Expert", paul),
            "firstName": "Paul",
            "lastName": paul["last_name"],
            "email": paul["email"],
            "basedIn": "Dakar",
            "domains": ["OPERATIONS_MANAGEMENT"],
        },
    }
    assert got["experts"] == [expected_experts[i] for i in listed("Expert", claire, paul)]
    assert got["recommendations"]["totalCount"] == 2
    assert got["recommendations"]["nodes"] == [
        {"id": gid("Recommendation", rec), "text": rec["text"]}
        for rec in sorted([first, second], key=lambda rec: rec["id"])
    ]


async def test_expert_days_count_actual_days_once_completed_else_planned_per_expert(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        a = await m.expert(s, programmes=[p["id"]])
        b = await m.expert(s, programmes=[p["id"]])
        completed = await m.mission(
            s,
            p["id"],
            experts=[a["id"], b["id"]],
            status=MissionStatus.COMPLETED,
            actual_start_on=date(2024, 3, 5),
            actual_end_on=date(2024, 3, 7),
        )
        # Started but not completed: the plan still counts.
        under_way = await m.mission(
            s,
            p["id"],
            experts=[a["id"]],
            status=MissionStatus.IN_PROGRESS,
            actual_start_on=date(2024, 3, 6),
        )
        no_expert_yet = await m.mission(s, p["id"])

    days = {}
    for mission in (completed, under_way, no_expert_yet):
        body = await gql(MISSION, {"id": gid("Mission", mission)})
        days[mission["id"]] = body["data"]["node"]["expertDays"]

    assert days[completed["id"]] == 3 * 2
    assert days[under_way["id"]] == 5 * 1
    assert days[no_expert_yet["id"]] == 0


async def test_an_expert_reads_with_domains_programmes_and_missions(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        fansoto = await n.programme(s)
        yikri = await n.programme(s, code=unique("YIKRI"), country_code="BF")
        expert = await m.expert(
            s, domains=[SYSTEMS, GOVERNANCE], programmes=[fansoto["id"], yikri["id"]]
        )
        in_fansoto = await m.mission(s, fansoto["id"], experts=[expert["id"]])
        in_yikri = await m.mission(s, yikri["id"], experts=[expert["id"]])
        await m.mission(s, yikri["id"])  # without her

    body = await gql(EXPERT, {"id": gid("Expert", expert)})

    got = body["data"]["node"]
    assert got["id"] == gid("Expert", expert)
    assert (got["firstName"], got["lastName"]) == ("Claire", expert["last_name"])
    assert (got["email"], got["basedIn"]) == (expert["email"], "Lyon")
    assert got["domains"] == ["INFORMATION_AND_MANAGEMENT_SYSTEMS", "GOVERNANCE"]
    assert sorted(x["code"] for x in got["programmes"]) == sorted([fansoto["code"], yikri["code"]])
    assert got["missions"]["totalCount"] == 2
    assert ids(got["missions"]) == listed("Mission", in_fansoto, in_yikri)
    assert {x["programme"]["code"] for x in got["missions"]["nodes"]} == {
        fansoto["code"],
        yikri["code"],
    }


async def test_a_recommendation_reads_with_its_programme_and_mission(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        mission = await m.mission(s, p["id"])
        rec = await m.recommendation(
            s,
            p["id"],
            mission["id"],
            domain=FINANCE,
            owner="Programme director",
            status=RecommendationStatus.IN_PROGRESS,
            status_changed_on=date(2024, 4, 2),
        )

    body = await gql(RECOMMENDATION, {"id": gid("Recommendation", rec), "asOf": "2024-05-01"})

    assert body["data"]["node"] == {
        "id": gid("Recommendation", rec),
        "domain": "FINANCIAL_MANAGEMENT",
        "text": rec["text"],
        "owner": "Programme director",
        "dueOn": "2024-06-30",
        "status": "IN_PROGRESS",
        "statusChangedOn": "2024-04-02",
        "overdue": False,
        "programme": {"code": p["code"]},
        "mission": {"id": gid("Mission", mission), "title": mission["title"]},
    }


async def test_a_programme_lists_the_experts_supporting_it_and_its_missions(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        other = await n.programme(s)
        supporting = await m.expert(s, programmes=[p["id"], other["id"]])
        await m.expert(s, programmes=[other["id"]])
        missions = [await m.mission(s, p["id"], experts=[supporting["id"]]) for _ in range(2)]
        await m.mission(s, other["id"], experts=[supporting["id"]])

    body = await gql(PROGRAMME_SUPPORT, {"code": p["code"]})

    got = body["data"]["programme"]
    assert got["experts"] == [
        {"id": gid("Expert", supporting), "lastName": supporting["last_name"]}
    ]
    assert got["missions"]["totalCount"] == 2
    assert ids(got["missions"]) == listed("Mission", *missions)


async def test_overdue_means_open_or_in_progress_and_due_before_the_day(
    db: Database, gql: GraphQL
) -> None:
    today = date.today()
    yesterday = today - timedelta(days=1)
    async with db.transaction() as s:
        p = await n.programme(s)
        mission = await m.mission(s, p["id"])
        recs = {
            "open, due yesterday": await m.recommendation(
                s, p["id"], mission["id"], due_on=yesterday
            ),
            "in progress, due yesterday": await m.recommendation(
                s,
                p["id"],
                mission["id"],
                due_on=yesterday,
                status=RecommendationStatus.IN_PROGRESS,
            ),
            "open, due today": await m.recommendation(s, p["id"], mission["id"], due_on=today),
            "done, past due": await m.recommendation(
                s,
                p["id"],
                mission["id"],
                due_on=yesterday - timedelta(days=30),
                status=RecommendationStatus.DONE,
            ),
            "dropped, past due": await m.recommendation(
                s,
                p["id"],
                mission["id"],
                due_on=yesterday,
                status=RecommendationStatus.DROPPED,
            ),
        }

    async def overdue(rec: dict[str, Any], as_of: date | None) -> bool:
        variables = {"id": gid("Recommendation", rec), "asOf": as_of and as_of.isoformat()}
        body = await gql(RECOMMENDATION, variables)
        result: bool = body["data"]["node"]["overdue"]
        return result

    # Without asOf, today is the day.
    assert {k: await overdue(r, None) for k, r in recs.items()} == {
        "open, due yesterday": True,
        "in progress, due yesterday": True,
        "open, due today": False,
        "done, past due": False,
        "dropped, past due": False,
    }
    # Seen from tomorrow, what is due today is late too; seen from a week ago, nothing is.
    assert await overdue(recs["open, due today"], today + timedelta(days=1)) is True
    assert await overdue(recs["open, due yesterday"], today - timedelta(days=7)) is False

    body = await gql(
        RECOMMENDATIONS, {"filter": {"programmes": [p["code"]], "overdueAsOf": today.isoformat()}}
    )
    assert sorted(ids(body["data"]["recommendations"])) == sorted(
        [
            gid("Recommendation", recs["open, due yesterday"]),
            gid("Recommendation", recs["in progress, due yesterday"]),
        ]
    )


async def test_missions_filter_by_domain_expert_status_phase_mode_country_and_dates(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        haiti = await n.programme(s, country_code="HT", currency_code="HTG")
        claire = await m.expert(s, programmes=[p["id"], haiti["id"]])
        paul = await m.expert(s, programmes=[p["id"]])
        march = await m.mission(s, p["id"], experts=[claire["id"]], domains=[GOVERNANCE, FINANCE])
        june = await m.mission(
            s,
            p["id"],
            experts=[paul["id"]],
            domains=[SYSTEMS],
            planned_start_on=date(2024, 6, 28),
            planned_end_on=date(2024, 7, 3),
            status=MissionStatus.COMPLETED,
            mode=MissionMode.REMOTE,
            phase=ProgrammePhase.AUTONOMOUS,
        )
        both = await m.mission(
            s,
            haiti["id"],
            experts=[claire["id"], paul["id"]],
            domains=[FINANCE],
            planned_start_on=date(2024, 9, 2),
            planned_end_on=date(2024, 9, 6),
        )
    codes = [p["code"], haiti["code"]]

    async def found(**filter: Any) -> list[str]:
        body = await gql(MISSIONS, {"filter": {"programmes": codes, **filter}, "first": 50})
        return ids(body["data"]["missions"])

    everything = listed("Mission", march, june, both)
    assert await found() == everything
    assert await found(domains=["FINANCIAL_MANAGEMENT"]) == listed("Mission", march, both)
    assert await found(domains=["GOVERNANCE", "INFORMATION_AND_MANAGEMENT_SYSTEMS"]) == listed(
        "Mission", march, june
    )
    assert await found(experts=[gid("Expert", paul)]) == listed("Mission", june, both)
    assert await found(statuses=["COMPLETED"]) == [gid("Mission", june)]
    assert await found(modes=["REMOTE"]) == [gid("Mission", june)]
    assert await found(phases=["CONSOLIDATION"]) == listed("Mission", march, both)
    assert await found(countries=["HT"]) == [gid("Mission", both)]
    # Planned days overlapping the span count, both ends included; an omitted end is open.
    assert await found(plannedBetween={"from": "2024-07-03", "to": "2024-09-02"}) == listed(
        "Mission", june, both
    )
    assert await found(plannedBetween={"from": "2024-07-04", "to": "2024-09-01"}) == []
    assert await found(plannedBetween={"to": "2024-06-28"}) == listed("Mission", march, june)
    assert await found(plannedBetween={"from": "2024-03-08"}) == everything
    # Filters combine.
    assert await found(experts=[gid("Expert", claire)], countries=["SN"]) == [gid("Mission", march)]


async def test_a_mission_filter_rejects_an_id_that_is_not_an_expert(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        mission = await m.mission(s, p["id"])

    body = await gql(MISSIONS, {"filter": {"experts": [gid("Mission", mission)]}})

    assert body["data"] is None
    assert "filter.experts" in body["errors"][0]["message"]


async def test_recommendations_filter_by_programme_status_and_domain(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        other = await n.programme(s)
        mission = await m.mission(s, p["id"])
        elsewhere = await m.mission(s, other["id"])
        open_ops = await m.recommendation(s, p["id"], mission["id"])
        done_gov = await m.recommendation(
            s, p["id"], mission["id"], domain=GOVERNANCE, status=RecommendationStatus.DONE
        )
        await m.recommendation(s, other["id"], elsewhere["id"])

    async def found(**filter: Any) -> list[str]:
        body = await gql(RECOMMENDATIONS, {"filter": {"programmes": [p["code"]], **filter}})
        return ids(body["data"]["recommendations"])

    assert await found() == listed("Recommendation", open_ops, done_gov)
    assert await found(statuses=["DONE", "DROPPED"]) == [gid("Recommendation", done_gov)]
    assert await found(domains=["OPERATIONS_MANAGEMENT"]) == [gid("Recommendation", open_ops)]
    nested = await gql(
        MISSION.replace(
            "recommendations(first: 10)", "recommendations(filter: $f, first: 10)"
        ).replace("($id: ID!)", "($id: ID!, $f: RecommendationFilter)"),
        {"id": gid("Mission", mission), "f": {"statuses": ["OPEN"]}},
    )
    assert nested["data"]["node"]["recommendations"] == {
        "totalCount": 1,
        "nodes": [{"id": gid("Recommendation", open_ops), "text": open_ops["text"]}],
    }


async def test_experts_list_by_domain(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        governance = await m.expert(s, domains=[GOVERNANCE, FINANCE], programmes=[p["id"]])
        systems = await m.expert(s, domains=[SYSTEMS], programmes=[p["id"]])

    # Scoped to the new programme, so experts from other tests stay out of the way.
    by_domain = await gql(
        EXPERTS, {"domains": ["GOVERNANCE", "RISK_MANAGEMENT"]}, programmes=p["code"]
    )
    everyone = await gql(EXPERTS, {}, programmes=p["code"])

    assert ids(by_domain["data"]["experts"]) == [gid("Expert", governance)]
    assert by_domain["data"]["experts"]["totalCount"] == 1
    assert ids(everyone["data"]["experts"]) == listed("Expert", governance, systems)
    assert everyone["data"]["experts"]["totalCount"] == 2


async def test_a_viewer_scoped_to_one_programme_sees_nothing_of_another(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        a = await n.programme(s)
        b = await n.programme(s)
        shared = await m.expert(s, programmes=[a["id"], b["id"]])
        b_only = await m.expert(s, programmes=[b["id"]])
        mission_a = await m.mission(s, a["id"], experts=[shared["id"]])
        mission_b = await m.mission(s, b["id"], experts=[shared["id"], b_only["id"]])
        rec_a = await m.recommendation(s, a["id"], mission_a["id"])
        rec_b = await m.recommendation(s, b["id"], mission_b["id"])

    async def as_a(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = await gql(query, variables, programmes=a["code"])
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    # By node(id:): B's mission, recommendation and B's own expert read as null.
    assert (await as_a(MISSION, {"id": gid("Mission", mission_b)}))["node"] is None
    assert (await as_a(RECOMMENDATION, {"id": gid("Recommendation", rec_b)}))["node"] is None
    assert (await as_a(EXPERT, {"id": gid("Expert", b_only)}))["node"] is None
    assert (await as_a(MISSION, {"id": gid("Mission", mission_a)}))["node"] is not None

    # Nested: the expert they share shows A only, and only A's missions.
    expert = (await as_a(EXPERT, {"id": gid("Expert", shared)}))["node"]
    assert expert["programmes"] == [{"code": a["code"]}]
    assert expert["missions"]["totalCount"] == 1
    assert ids(expert["missions"]) == [gid("Mission", mission_a)]

    # Top-level lists, with or without asking for B by code.
    for filter in ({}, {"programmes": [a["code"], b["code"]]}):
        missions = (await as_a(MISSIONS, {"filter": filter, "first": 100}))["missions"]
        assert ids(missions) == [gid("Mission", mission_a)]
        assert missions["totalCount"] == 1
        recs = (await as_a(RECOMMENDATIONS, {"filter": filter}))["recommendations"]
        assert ids(recs) == [gid("Recommendation", rec_a)]
        assert recs["totalCount"] == 1
    experts = (await as_a(EXPERTS, {}))["experts"]
    assert ids(experts) == [gid("Expert", shared)]
    assert experts["totalCount"] == 1

    # Head office sees both.
    body = await gql(MISSIONS, {"filter": {"programmes": [a["code"], b["code"]]}})
    assert ids(body["data"]["missions"]) == listed("Mission", mission_a, mission_b)


async def test_nested_and_top_level_lists_paginate(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        mission = await m.mission(s, p["id"])
        recs = [await m.recommendation(s, p["id"], mission["id"]) for _ in range(3)]
        more = [await m.mission(s, p["id"]) for _ in range(2)]
    recs.sort(key=lambda rec: rec["id"])

    first = await gql(NESTED_RECOMMENDATIONS, {"id": gid("Mission", mission)})
    page = first["data"]["node"]["recommendations"]
    assert page["totalCount"] == 3
    assert ids(page) == [gid("Recommendation", r) for r in recs[:2]]
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["pageInfo"]["hasPreviousPage"] is False

    second = await gql(
        NESTED_RECOMMENDATIONS,
        {"id": gid("Mission", mission), "after": page["pageInfo"]["endCursor"]},
    )
    page = second["data"]["node"]["recommendations"]
    assert ids(page) == [gid("Recommendation", recs[2])]
    assert page["pageInfo"]["hasNextPage"] is False
    assert page["pageInfo"]["hasPreviousPage"] is True

    variables: dict[str, Any] = {"filter": {"programmes": [p["code"]]}, "first": 2}
    top = (await gql(MISSIONS, variables))["data"]["missions"]
    assert top["totalCount"] == 3
    assert top["pageInfo"]["hasNextPage"] is True
    rest = (await gql(MISSIONS, {**variables, "after": top["pageInfo"]["endCursor"]}))["data"]
    assert ids(top) + ids(rest["missions"]) == listed("Mission", mission, *more)
    assert rest["missions"]["pageInfo"]["hasNextPage"] is False


async def test_missions_with_experts_domains_and_recommendations_read_in_constant_statements(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    async def programme_with(missions: int) -> str:
        async with db.transaction() as s:
            p = await n.programme(s)
            experts = [
                await m.expert(s, domains=[GOVERNANCE, SYSTEMS], programmes=[p["id"]])
                for _ in range(3)
            ]
            for i in range(missions):
                on = [experts[i % 3]["id"], experts[(i + 1) % 3]["id"]]
                mission = await m.mission(s, p["id"], experts=on, domains=[FINANCE, GOVERNANCE])
                for _ in range(2):
                    await m.recommendation(s, p["id"], mission["id"])
        code: str = p["code"]
        return code

    small, large = await programme_with(3), await programme_with(12)

    counts = []
    for code, expected in ((small, 3), (large, 12)):
        with api.count_statements() as counter:
            body = await gql(PROGRAMME_MISSIONS_DEEP, {"code": code})
        assert "errors" not in body, body
        missions = body["data"]["programme"]["missions"]
        assert missions["totalCount"] == expected
        assert all(len(x["experts"]) == 2 for x in missions["nodes"])
        assert all(x["recommendations"]["totalCount"] == 2 for x in missions["nodes"])
        counts.append(counter.count)

    assert counts[0] == counts[1]
