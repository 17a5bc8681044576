"""A viewer scoped to FANSOTO cannot reach another programme's data by any path."""

from dataclasses import dataclass
from typing import Any

import pytest
from strawberry.relay import to_base64

from db.engine import Database
from tests.conftest import GraphQL
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import missions as mf
from tests.factories import network as f


@dataclass
class TwoProgrammes:
    fansoto: dict[str, Any]
    other: dict[str, Any]
    other_member: dict[str, Any]
    other_loan: dict[str, Any]
    other_mission: dict[str, Any]
    shared_expert: dict[str, Any]


@pytest.fixture
async def two(db: Database) -> TwoProgrammes:
    """FANSOTO and another programme, each with a group, a member with a loan, a mission;
    one expert supports both."""
    async with db.transaction() as s:
        fansoto = await f.programme(s)
        other = await f.programme(s, country_code="HT", currency_code="HTG")
        members, loans, missions = {}, {}, {}
        expert = await mf.expert(s, programmes=[fansoto["id"], other["id"]])
        for p in (fansoto, other):
            fa = await g.facilitator(s, p["id"])
            group = await g.group(s, p["id"], fa["id"])
            members[p["code"]] = await g.member(s, p["id"], group["id"])
            product = await lf.product(s, p, min_principal=1000, max_principal=100_000)
            loans[p["code"]] = await lf.loan(s, product, members[p["code"]], group["id"])
            missions[p["code"]] = await mf.mission(s, p["id"], experts=[expert["id"]])
    return TwoProgrammes(
        fansoto=fansoto,
        other=other,
        other_member=members[other["code"]],
        other_loan=loans[other["code"]],
        other_mission=missions[other["code"]],
        shared_expert=expert,
    )


def gid(type_name: str, row: dict[str, Any]) -> str:
    return to_base64(type_name, str(row["id"]))


async def test_node_lookups_of_another_programme_read_as_null(
    gql: GraphQL, two: TwoProgrammes
) -> None:
    ids = [
        gid("Programme", two.other),
        gid("Member", two.other_member),
        gid("Loan", two.other_loan),
        gid("Mission", two.other_mission),
    ]

    body = await gql(
        "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": ids},
        programmes=two.fansoto["code"],
    )

    assert body == {"data": {"nodes": [None, None, None, None]}}


async def test_the_same_lookups_work_for_head_office(gql: GraphQL, two: TwoProgrammes) -> None:
    ids = [gid("Member", two.other_member), gid("Loan", two.other_loan)]

    body = await gql("query ($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})

    assert body == {"data": {"nodes": [{"id": ids[0]}, {"id": ids[1]}]}}


async def test_top_level_lists_filtered_to_another_programme_are_empty(
    gql: GraphQL, two: TwoProgrammes
) -> None:
    query = """
    query ($codes: [String!]) {
      members(filter: {programmes: $codes}) { totalCount }
      loans(filter: {programmes: $codes}) { totalCount }
      missions(filter: {programmes: $codes}) { totalCount }
      programmes(filter: {codes: $codes}) { totalCount }
    }
    """

    scoped = await gql(query, {"codes": [two.other["code"]]}, programmes=two.fansoto["code"])
    everything = await gql(query, {"codes": [two.other["code"]]})

    assert scoped["data"] == {
        "members": {"totalCount": 0},
        "loans": {"totalCount": 0},
        "missions": {"totalCount": 0},
        "programmes": {"totalCount": 0},
    }
    assert everything["data"]["members"] == {"totalCount": 1}


async def test_nested_paths_stop_at_the_scope(gql: GraphQL, two: TwoProgrammes) -> None:
    query = """
    query ($other: String!, $expert: ID!) {
      programme(code: $other) { code }
      node(id: $expert) {
        ... on Expert {
          programmes { code }
          missions { nodes { programme { code } } }
        }
      }
    }
    """

    body = await gql(
        query,
        {"other": two.other["code"], "expert": gid("Expert", two.shared_expert)},
        programmes=two.fansoto["code"],
    )

    assert body["data"]["programme"] is None
    expert = body["data"]["node"]
    assert expert["programmes"] == [{"code": two.fansoto["code"]}]
    assert expert["missions"]["nodes"] == [{"programme": {"code": two.fansoto["code"]}}]
