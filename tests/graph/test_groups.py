from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from strawberry.relay import to_base64

from db.engine import Database
from domain.enums import Activity, Gender, GroupStatus, TrainingKind
from tests.conftest import GraphQL, RunningServer
from tests.factories import groups as g
from tests.factories import loans as loans_f
from tests.factories import network as n
from tests.factories import savings as savings_f

MEMBER = """
query ($id: ID!) {
  node(id: $id) {
    ... on Member {
      id firstName lastName gender birthYear phone joinedOn activity activityDescription rural
      povertyLikelihood
      programme { code }
      currentGroup { name }
      groupHistory { joinedOn leftOn group { name } member { lastName } }
      trainingSessions(first: 10) { totalCount nodes { topic kind } }
      initialSessionsAttended
    }
  }
}
"""

GROUP = """
query ($id: ID!) {
  node(id: $id) {
    ... on Group {
      id name meetingFrequency meetingPlace formedOn status closedOn
      programme { code }
      facilitator { lastName }
      memberCount
      members(first: 10) { totalCount nodes { lastName } }
      memberships(first: 10) { totalCount nodes { joinedOn leftOn member { lastName } } }
      trainingSessions(first: 10) { totalCount nodes { topic } }
    }
  }
}
"""

FACILITATOR = """
query ($id: ID!) {
  node(id: $id) {
    ... on Facilitator {
      id firstName lastName phone hiredOn active
      programme { code }
      groups(first: 10) { totalCount nodes { name } }
    }
  }
}
"""

TRAINING_SESSION = """
query ($id: ID!) {
  node(id: $id) {
    ... on TrainingSession {
      id heldOn kind topic
      programme { code }
      group { name }
      facilitator { lastName }
      attendeeCount
      attendees(first: 10) { totalCount nodes { lastName } }
    }
  }
}
"""

MEMBER_LOANS_AND_SAVINGS = """
query ($member: ID!, $group: ID!) {
  member: node(id: $member) {
    ... on Member {
      loans { totalCount nodes { cycle } }
      secondCycle: loans(filter: {cycles: [2]}) { totalCount nodes { cycle } }
      savingsAccounts { kind balance { amount currency { code } } }
    }
  }
  group: node(id: $group) {
    ... on Group { loans { totalCount nodes { cycle principal { amount } } } }
  }
}
"""

NODE = """
query ($id: ID!) { node(id: $id) { id } }
"""

PROGRAMME_LISTS = """
query ($code: String!) {
  programme(code: $code) {
    facilitators { totalCount nodes { lastName } }
    groups(filter: {statuses: [IN_TRAINING]}) { totalCount nodes { name } }
    members(filter: {genders: [MALE]}) { totalCount nodes { lastName } }
    trainingSessions { totalCount nodes { topic } }
  }
}
"""

TOP_LEVEL = """
query ($programmes: [String!]) {
  facilitators(filter: {programmes: $programmes}) { totalCount nodes { lastName } }
  groups(filter: {programmes: $programmes}) { totalCount nodes { name } }
  members(filter: {programmes: $programmes}) { totalCount nodes { lastName } }
  trainingSessions(filter: {programmes: $programmes}) { totalCount nodes { topic } }
}
"""

GROUPS = """
query ($filter: GroupFilter) { groups(filter: $filter) { totalCount nodes { name } } }
"""

MEMBERS = """
query ($filter: MemberFilter) { members(filter: $filter) { totalCount nodes { lastName } } }
"""

TRAINING_SESSIONS = """
query ($filter: TrainingSessionFilter) {
  trainingSessions(filter: $filter) { totalCount nodes { topic } }
}
"""

FACILITATORS = """
query ($filter: FacilitatorFilter) {
  facilitators(filter: $filter) { totalCount nodes { lastName } }
}
"""

GROUP_MEMBERS_PAGE = """
query ($id: ID!, $after: String) {
  node(id: $id) {
    ... on Group {
      members(first: 2, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { cursor node { lastName } }
      }
    }
  }
}
"""

NESTED_UNDER_GROUPS = """
query ($code: String!) {
  programme(code: $code) {
    groups(first: 50) {
      nodes {
        name memberCount
        facilitator { lastName groups(first: 2) { totalCount } }
        members(first: 5) { totalCount nodes { lastName } }
        memberships(first: 5) { totalCount nodes { leftOn member { lastName } } }
        trainingSessions(first: 5) {
          totalCount
          nodes { topic attendeeCount attendees(first: 5) { nodes { lastName } } }
        }
      }
    }
  }
}
"""

NESTED_UNDER_MEMBERS = """
query ($code: String!) {
  programme(code: $code) {
    members(first: 100) {
      nodes {
        lastName initialSessionsAttended
        programme { code }
        currentGroup { name }
        groupHistory { joinedOn group { name } }
        trainingSessions(first: 3) { totalCount nodes { topic } }
      }
    }
  }
}
"""

NESTED_UNDER_SESSIONS = """
query ($code: String!) {
  programme(code: $code) {
    trainingSessions(first: 50) {
      nodes {
        topic attendeeCount
        group { name }
        facilitator { lastName }
        attendees(first: 5) { nodes { lastName groupHistory { leftOn } } }
      }
    }
  }
}
"""


def gid(type_name: str, row: dict[str, Any]) -> str:
    return to_base64(type_name, row["id"])


def names(connection: dict[str, Any], field: str) -> list[str]:
    return sorted(node[field] for node in connection["nodes"])


async def test_a_member_reads_with_her_group_history_and_the_sessions_she_attended(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        first_group = await g.group(s, p["id"], fa["id"])
        second_group = await g.group(s, p["id"], fa["id"])
        m = await g.member(
            s,
            p["id"],
            first_group["id"],
            joined_on=date(2021, 3, 1),
            activity=Activity.SEWING,
            activity_description="Tailoring school uniforms",
            rural=True,
            poverty_likelihood=Decimal("42.50"),
        )
        await g.move(s, p["id"], m["id"], second_group["id"], date(2022, 6, 1))
        for topic in ("Saving", "Credit", "Solidarity"):
            await g.training_session(
                s, p["id"], first_group["id"], fa["id"], [m["id"]], topic=topic
            )
        await g.training_session(
            s, p["id"], first_group["id"], fa["id"], [], topic="Missed", kind=TrainingKind.INITIAL
        )
        await g.training_session(
            s,
            p["id"],
            second_group["id"],
            fa["id"],
            [m["id"]],
            topic="Health",
            kind=TrainingKind.SOCIAL,
        )

    body = await gql(MEMBER, {"id": gid("Member", m)}, programmes=p["code"])

    got = body["data"]["node"]
    assert got["id"] == gid("Member", m)
    assert got["lastName"] == m["last_name"]
    assert got["firstName"] == m["first_name"]
    assert got["gender"] == "FEMALE"
    assert got["birthYear"] == m["birth_year"]
    assert got["phone"] == m["phone"]
    assert got["joinedOn"] == "2021-03-01"
    assert got["activity"] == "SEWING"
    assert got["activityDescription"] == "Tailoring school uniforms"
    assert got["rural"] is True
    assert got["povertyLikelihood"] == "42.50"
    assert got["programme"] == {"code": p["code"]}
    assert got["currentGroup"] == {"name": second_group["name"]}
    assert got["groupHistory"] == [
        {
            "joinedOn": "2021-03-01",
            "leftOn": "2022-06-01",
            "group": {"name": first_group["name"]},
            "member": {"lastName": m["last_name"]},
        },
        {
            "joinedOn": "2022-06-01",
            "leftOn": None,
            "group": {"name": second_group["name"]},
            "member": {"lastName": m["last_name"]},
        },
    ]
    assert got["trainingSessions"]["totalCount"] == 4
    assert names(got["trainingSessions"], "topic") == ["Credit", "Health", "Saving", "Solidarity"]
    assert got["initialSessionsAttended"] == 3


async def test_a_member_shows_her_loans_and_savings_and_a_group_the_loans_made_in_it(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        first_group = await g.group(s, p["id"], fa["id"])
        second_group = await g.group(s, p["id"], fa["id"])
        m = await g.member(s, p["id"], first_group["id"])
        product = await loans_f.product(s, p)
        await loans_f.loan(s, product, m, first_group["id"], principal=Decimal(100_000))
        await g.move(s, p["id"], m["id"], second_group["id"], date(2024, 9, 1))
        await loans_f.loan(
            s, product, m, second_group["id"], cycle=2, disbursed_on=date(2024, 9, 15)
        )
        await savings_f.account(s, p, m, movements=[savings_f.deposit(date(2024, 2, 1), 5_000)])

    body = await gql(
        MEMBER_LOANS_AND_SAVINGS, {"member": gid("Member", m), "group": gid("Group", first_group)}
    )

    assert "errors" not in body
    member, group = body["data"]["member"], body["data"]["group"]
    assert member["loans"]["totalCount"] == 2
    assert sorted(x["cycle"] for x in member["loans"]["nodes"]) == [1, 2]
    assert member["secondCycle"] == {"totalCount": 1, "nodes": [{"cycle": 2}]}
    assert member["savingsAccounts"] == [
        {"kind": "COMPULSORY", "balance": {"amount": "5000", "currency": {"code": "XOF"}}}
    ]
    assert group["loans"] == {
        "totalCount": 1,
        "nodes": [{"cycle": 1, "principal": {"amount": "100000"}}],
    }


async def test_a_group_lists_its_current_members_and_its_whole_membership_history(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        group = await g.group(
            s,
            p["id"],
            fa["id"],
            meeting_place="Lyndiane",
            formed_on=date(2019, 11, 4),
            status=GroupStatus.IN_TRAINING,
        )
        other = await g.group(s, p["id"], fa["id"])
        staying = [await g.member(s, p["id"], group["id"]) for _ in range(2)]
        leaving = await g.member(s, p["id"], group["id"], joined_on=date(2020, 1, 1))
        await g.move(s, p["id"], leaving["id"], other["id"], date(2021, 1, 1))
        await g.training_session(s, p["id"], group["id"], fa["id"], [], topic="Saving")

    body = await gql(GROUP, {"id": gid("Group", group)}, programmes=p["code"])

    got = body["data"]["node"]
    assert got["id"] == gid("Group", group)
    assert got["name"] == group["name"]
    assert got["meetingFrequency"] == "MONTHLY"
    assert got["meetingPlace"] == "Lyndiane"
    assert got["formedOn"] == "2019-11-04"
    assert got["status"] == "IN_TRAINING"
    assert got["closedOn"] is None
    assert got["programme"] == {"code": p["code"]}
    assert got["facilitator"] == {"lastName": fa["last_name"]}
    assert got["memberCount"] == 2
    assert got["members"]["totalCount"] == 2
    assert names(got["members"], "lastName") == sorted(m["last_name"] for m in staying)
    assert got["memberships"]["totalCount"] == 3
    left = [x for x in got["memberships"]["nodes"] if x["leftOn"] is not None]
    assert left == [
        {
            "joinedOn": "2020-01-01",
            "leftOn": "2021-01-01",
            "member": {"lastName": leaving["last_name"]},
        }
    ]
    assert got["trainingSessions"] == {"totalCount": 1, "nodes": [{"topic": "Saving"}]}


async def test_a_closed_group_shows_when_it_closed(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        group = await g.group(
            s, p["id"], fa["id"], status=GroupStatus.CLOSED, closed_on=date(2023, 5, 31)
        )

    body = await gql(GROUP, {"id": gid("Group", group)})

    got = body["data"]["node"]
    assert (got["status"], got["closedOn"]) == ("CLOSED", "2023-05-31")
    assert got["memberCount"] == 0
    assert got["members"] == {"totalCount": 0, "nodes": []}


async def test_a_facilitator_reads_with_the_groups_she_facilitates(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        fa = await g.facilitator(s, p["id"], hired_on=date(2018, 9, 1), active=False)
        colleague = await g.facilitator(s, p["id"])
        hers = [await g.group(s, p["id"], fa["id"]) for _ in range(2)]
        await g.group(s, p["id"], colleague["id"])

    body = await gql(FACILITATOR, {"id": gid("Facilitator", fa)}, programmes=p["code"])

    got = body["data"]["node"]
    assert got["id"] == gid("Facilitator", fa)
    assert (got["firstName"], got["lastName"]) == (fa["first_name"], fa["last_name"])
    assert got["phone"] == fa["phone"]
    assert got["hiredOn"] == "2018-09-01"
    assert got["active"] is False
    assert got["programme"] == {"code": p["code"]}
    assert got["groups"]["totalCount"] == 2
    assert names(got["groups"], "name") == sorted(x["name"] for x in hers)


async def test_a_training_session_reads_with_its_group_facilitator_and_attendees(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        group = await g.group(s, p["id"], fa["id"])
        present = [await g.member(s, p["id"], group["id"]) for _ in range(3)]
        await g.member(s, p["id"], group["id"])  # absent
        session = await g.training_session(
            s,
            p["id"],
            group["id"],
            fa["id"],
            [m["id"] for m in present],
            held_on=date(2020, 3, 7),
            kind=TrainingKind.ECONOMIC,
            topic="Pricing",
        )

    body = await gql(
        TRAINING_SESSION, {"id": gid("TrainingSession", session)}, programmes=p["code"]
    )

    got = body["data"]["node"]
    assert got["id"] == gid("TrainingSession", session)
    assert (got["heldOn"], got["kind"], got["topic"]) == ("2020-03-07", "ECONOMIC", "Pricing")
    assert got["programme"] == {"code": p["code"]}
    assert got["group"] == {"name": group["name"]}
    assert got["facilitator"] == {"lastName": fa["last_name"]}
    assert got["attendeeCount"] == 3
    assert got["attendees"]["totalCount"] == 3
    assert names(got["attendees"], "lastName") == sorted(m["last_name"] for m in present)


@pytest.mark.parametrize("type_name", ["Facilitator", "Group", "Member", "TrainingSession"])
async def test_a_node_is_visible_in_its_programme_and_null_to_a_viewer_of_another(
    db: Database, gql: GraphQL, type_name: str
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        elsewhere = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        group = await g.group(s, p["id"], fa["id"])
        m = await g.member(s, p["id"], group["id"])
        session = await g.training_session(s, p["id"], group["id"], fa["id"], [m["id"]])
    row = {"Facilitator": fa, "Group": group, "Member": m, "TrainingSession": session}[type_name]
    node_id = gid(type_name, row)

    own = await gql(NODE, {"id": node_id}, programmes=p["code"])
    other = await gql(NODE, {"id": node_id}, programmes=elsewhere["code"])

    assert own == {"data": {"node": {"id": node_id}}}
    assert other == {"data": {"node": None}}


async def test_the_database_refuses_a_session_held_by_another_programmes_facilitator(
    db: Database,
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        elsewhere = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        visitor = await g.facilitator(s, elsewhere["id"])
        group = await g.group(s, p["id"], fa["id"])

    with pytest.raises(IntegrityError, match="fk_training_sessions_facilitator_id_facilitators"):
        async with db.transaction() as s:
            await g.training_session(s, p["id"], group["id"], visitor["id"], [])


async def test_a_programme_lists_its_facilitators_groups_members_and_sessions(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        training = await g.group(s, p["id"], fa["id"], status=GroupStatus.IN_TRAINING)
        await g.group(s, p["id"], fa["id"], status=GroupStatus.ACTIVE)
        man = await g.member(s, p["id"], training["id"], gender=Gender.MALE)
        await g.member(s, p["id"], training["id"])
        await g.training_session(s, p["id"], training["id"], fa["id"], [man["id"]], topic="Rights")

    body = await gql(PROGRAMME_LISTS, {"code": p["code"]}, programmes=p["code"])

    got = body["data"]["programme"]
    assert got["facilitators"] == {"totalCount": 1, "nodes": [{"lastName": fa["last_name"]}]}
    assert got["groups"] == {"totalCount": 1, "nodes": [{"name": training["name"]}]}
    assert got["members"] == {"totalCount": 1, "nodes": [{"lastName": man["last_name"]}]}
    assert got["trainingSessions"] == {"totalCount": 1, "nodes": [{"topic": "Rights"}]}


async def test_top_level_lists_keep_to_the_programmes_asked_and_to_the_viewers_scope(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        made = []
        for _ in range(2):
            p = await n.programme(s)
            fa = await g.facilitator(s, p["id"])
            group = await g.group(s, p["id"], fa["id"])
            m = await g.member(s, p["id"], group["id"])
            await g.training_session(s, p["id"], group["id"], fa["id"], [m["id"]], topic=p["code"])
            made.append((p, fa, group, m))
    (a, fa_a, group_a, m_a), (b, *_) = made
    only_a = {
        "facilitators": {"totalCount": 1, "nodes": [{"lastName": fa_a["last_name"]}]},
        "groups": {"totalCount": 1, "nodes": [{"name": group_a["name"]}]},
        "members": {"totalCount": 1, "nodes": [{"lastName": m_a["last_name"]}]},
        "trainingSessions": {"totalCount": 1, "nodes": [{"topic": a["code"]}]},
    }

    staff_of_both = f"{a['code']},{b['code']}"  # names are personal: only staff read them
    asked_for_a = await gql(TOP_LEVEL, {"programmes": [a["code"]]}, programmes=staff_of_both)
    both_asked = await gql(
        TOP_LEVEL, {"programmes": [a["code"], b["code"]]}, programmes=staff_of_both
    )
    scoped_to_a = await gql(TOP_LEVEL, {"programmes": [a["code"], b["code"]]}, programmes=a["code"])

    assert asked_for_a == {"data": only_a}
    assert {k: v["totalCount"] for k, v in both_asked["data"].items()} == {
        "facilitators": 2,
        "groups": 2,
        "members": 2,
        "trainingSessions": 2,
    }
    assert scoped_to_a == {"data": only_a}


async def test_groups_filter_by_status_facilitator_and_formation_date(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        other_fa = await g.facilitator(s, p["id"])
        old = await g.group(s, p["id"], fa["id"], formed_on=date(2017, 5, 1))
        new = await g.group(s, p["id"], fa["id"], formed_on=date(2022, 5, 1))
        training = await g.group(
            s, p["id"], other_fa["id"], status=GroupStatus.IN_TRAINING, formed_on=date(2023, 1, 1)
        )
    codes = [p["code"]]

    by_status = await gql(GROUPS, {"filter": {"programmes": codes, "statuses": ["IN_TRAINING"]}})
    by_facilitator = await gql(
        GROUPS, {"filter": {"programmes": codes, "facilitators": [gid("Facilitator", fa)]}}
    )
    formed_since_2020 = await gql(
        GROUPS, {"filter": {"programmes": codes, "formedBetween": {"from": "2020-01-01"}}}
    )
    formed_in_2022 = await gql(
        GROUPS,
        {
            "filter": {
                "programmes": codes,
                "formedBetween": {"from": "2022-01-01", "to": "2022-12-31"},
            }
        },
    )

    assert names(by_status["data"]["groups"], "name") == [training["name"]]
    assert names(by_facilitator["data"]["groups"], "name") == sorted([old["name"], new["name"]])
    assert names(formed_since_2020["data"]["groups"], "name") == sorted(
        [new["name"], training["name"]]
    )
    assert names(formed_in_2022["data"]["groups"], "name") == [new["name"]]


async def test_members_filter_by_gender_activity_current_group_and_join_date(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        group = await g.group(s, p["id"], fa["id"])
        other = await g.group(s, p["id"], fa["id"])
        trader = await g.member(
            s, p["id"], group["id"], activity=Activity.FISH_TRADING, joined_on=date(2019, 2, 1)
        )
        man = await g.member(
            s, p["id"], other["id"], gender=Gender.MALE, joined_on=date(2021, 2, 1)
        )
        moved = await g.member(s, p["id"], group["id"], joined_on=date(2021, 7, 1))
        await g.move(s, p["id"], moved["id"], other["id"], date(2022, 1, 1))
    codes = [p["code"]]

    staff = p["code"]  # names are personal: only the programme's staff read them

    men = await gql(
        MEMBERS, {"filter": {"programmes": codes, "genders": ["MALE"]}}, programmes=staff
    )
    traders = await gql(
        MEMBERS,
        {"filter": {"programmes": codes, "activities": ["FISH_TRADING"]}},
        programmes=staff,
    )
    now_in_other = await gql(
        MEMBERS,
        {"filter": {"programmes": codes, "groups": [gid("Group", other)]}},
        programmes=staff,
    )
    joined_2021 = await gql(
        MEMBERS,
        {
            "filter": {
                "programmes": codes,
                "joinedBetween": {"from": "2021-01-01", "to": "2021-12-31"},
            }
        },
        programmes=staff,
    )

    assert names(men["data"]["members"], "lastName") == [man["last_name"]]
    assert names(traders["data"]["members"], "lastName") == [trader["last_name"]]
    assert names(now_in_other["data"]["members"], "lastName") == sorted(
        [man["last_name"], moved["last_name"]]
    )
    assert names(joined_2021["data"]["members"], "lastName") == sorted(
        [man["last_name"], moved["last_name"]]
    )


async def test_training_sessions_filter_by_kind_and_date(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        group = await g.group(s, p["id"], fa["id"])
        await g.training_session(s, p["id"], group["id"], fa["id"], [], topic="First")
        await g.training_session(
            s,
            p["id"],
            group["id"],
            fa["id"],
            [],
            topic="Family",
            kind=TrainingKind.SOCIAL,
            held_on=date(2021, 4, 2),
        )
    codes = [p["code"]]

    social = await gql(TRAINING_SESSIONS, {"filter": {"programmes": codes, "kinds": ["SOCIAL"]}})
    in_2020 = await gql(
        TRAINING_SESSIONS,
        {
            "filter": {
                "programmes": codes,
                "heldBetween": {"from": "2020-01-01", "to": "2020-12-31"},
            }
        },
    )

    assert social["data"]["trainingSessions"] == {"totalCount": 1, "nodes": [{"topic": "Family"}]}
    assert in_2020["data"]["trainingSessions"] == {"totalCount": 1, "nodes": [{"topic": "First"}]}


async def test_facilitators_filter_by_employment(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        current = await g.facilitator(s, p["id"])
        former = await g.facilitator(s, p["id"], active=False)

    active = await gql(FACILITATORS, {"filter": {"programmes": [p["code"]], "active": True}})
    gone = await gql(FACILITATORS, {"filter": {"programmes": [p["code"]], "active": False}})

    assert names(active["data"]["facilitators"], "lastName") == [current["last_name"]]
    assert names(gone["data"]["facilitators"], "lastName") == [former["last_name"]]


async def test_a_filter_given_an_id_of_the_wrong_type_says_so(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        group = await g.group(s, p["id"], fa["id"])

    body = await gql(GROUPS, {"filter": {"facilitators": [gid("Group", group)]}})

    assert body["data"] is None
    assert "Invalid `filter.facilitators`" in body["errors"][0]["message"]


async def test_a_groups_members_page_forward_with_cursors(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        fa = await g.facilitator(s, p["id"])
        group = await g.group(s, p["id"], fa["id"])
        made = [await g.member(s, p["id"], group["id"]) for _ in range(5)]
    group_id = gid("Group", group)

    pages, after = [], None
    while True:
        body = await gql(GROUP_MEMBERS_PAGE, {"id": group_id, "after": after}, programmes=p["code"])
        page = body["data"]["node"]["members"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert [len(page["edges"]) for page in pages] == [2, 2, 1]
    assert {page["totalCount"] for page in pages} == {5}
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [False, True, True]
    seen = [edge["node"]["lastName"] for page in pages for edge in page["edges"]]
    assert seen == [m["last_name"] for m in made]  # creation order


async def _programme_of_groups(db: Database, groups: int) -> str:
    """A programme of `groups` groups with their own facilitator, 2 members, a member who
    left for another group and a session both members attended."""
    async with db.transaction() as s:
        p = await n.programme(s)
        spare = await g.group(s, p["id"], (await g.facilitator(s, p["id"]))["id"])
        for _ in range(groups):
            fa = await g.facilitator(s, p["id"])
            group = await g.group(s, p["id"], fa["id"])
            members = [await g.member(s, p["id"], group["id"]) for _ in range(2)]
            leaver = await g.member(s, p["id"], group["id"])
            await g.move(s, p["id"], leaver["id"], spare["id"], date(2021, 1, 1))
            await g.training_session(s, p["id"], group["id"], fa["id"], [m["id"] for m in members])
    return str(p["code"])


@pytest.mark.parametrize(
    ("query", "listed", "per_group"),
    [
        (NESTED_UNDER_GROUPS, "groups", 1),
        (NESTED_UNDER_MEMBERS, "members", 3),
        (NESTED_UNDER_SESSIONS, "trainingSessions", 1),
    ],
)
async def test_nested_lists_run_as_many_statements_for_20_groups_as_for_5(
    db: Database, gql: GraphQL, api: RunningServer, query: str, listed: str, per_group: int
) -> None:
    small = await _programme_of_groups(db, 5)
    large = await _programme_of_groups(db, 20)

    with api.count_statements() as for_small:
        small_body = await gql(query, {"code": small})
    with api.count_statements() as for_large:
        large_body = await gql(query, {"code": large})

    assert "errors" not in small_body
    assert "errors" not in large_body
    spare = 1 if listed == "groups" else 0
    assert len(small_body["data"]["programme"][listed]["nodes"]) == 5 * per_group + spare
    assert len(large_body["data"]["programme"][listed]["nodes"]) == 20 * per_group + spare
    assert for_small.count == for_large.count
