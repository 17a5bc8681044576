"""Relay conventions every list and node follows, shown on programmes."""

import base64
import uuid

import pytest

from db.engine import Database
from tests.conftest import GraphQL
from tests.factories import network as f

PROGRAMMES = """
query ($codes: [String!], $first: Int, $after: String, $last: Int, $before: String) {
  programmes(filter: {codes: $codes}, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { code } }
    nodes { code }
  }
}
"""

NETWORK_PROGRAMMES = """
query ($codes: [String!], $first: Int, $after: String) {
  network {
    name
    reportingCurrency { code }
    programmes(filter: {codes: $codes}, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { code }
    }
  }
}
"""

NODE = "query ($id: ID!) { node(id: $id) { __typename id ... on Programme { code } } }"
NODES = "query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Programme { code } } }"


@pytest.fixture
async def five(db: Database) -> list[str]:
    """Five programmes, in creation (= list) order."""
    async with db.transaction() as s:
        return [(await f.programme(s))["code"] for _ in range(5)]


async def test_pages_forward_through_a_list_with_cursors(gql: GraphQL, five: list[str]) -> None:
    first = (await gql(PROGRAMMES, {"codes": five, "first": 2}))["data"]["programmes"]
    assert [n["code"] for n in first["nodes"]] == five[:2]
    assert first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]

    after = first["pageInfo"]["endCursor"]
    second = (await gql(PROGRAMMES, {"codes": five, "first": 2, "after": after}))["data"]
    assert [n["code"] for n in second["programmes"]["nodes"]] == five[2:4]
    assert second["programmes"]["pageInfo"]["hasPreviousPage"] is True

    after = second["programmes"]["pageInfo"]["endCursor"]
    last = (await gql(PROGRAMMES, {"codes": five, "first": 2, "after": after}))["data"]
    assert [n["code"] for n in last["programmes"]["nodes"]] == five[4:]
    assert last["programmes"]["pageInfo"]["hasNextPage"] is False


async def test_after_the_last_cursor_is_an_empty_page_not_an_error(
    gql: GraphQL, five: list[str]
) -> None:
    everything = (await gql(PROGRAMMES, {"codes": five, "first": 5}))["data"]["programmes"]
    end = everything["pageInfo"]["endCursor"]

    body = await gql(PROGRAMMES, {"codes": five, "first": 5, "after": end})

    page = body["data"]["programmes"]
    assert page["edges"] == []
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }
    assert page["totalCount"] == 5


async def test_pages_backward_with_last_and_before(gql: GraphQL, five: list[str]) -> None:
    tail = (await gql(PROGRAMMES, {"codes": five, "last": 2}))["data"]["programmes"]
    assert [n["code"] for n in tail["nodes"]] == five[3:]
    assert tail["pageInfo"]["hasPreviousPage"] is True

    before = tail["pageInfo"]["startCursor"]
    prev = (await gql(PROGRAMMES, {"codes": five, "last": 2, "before": before}))["data"]
    assert [n["code"] for n in prev["programmes"]["nodes"]] == five[1:3]
    assert prev["programmes"]["pageInfo"]["hasNextPage"] is True


async def test_nested_lists_page_the_same_way(gql: GraphQL, five: list[str]) -> None:
    first = (await gql(NETWORK_PROGRAMMES, {"codes": five, "first": 3}))["data"]["network"]
    assert first["name"] == "Entrepreneurs du Monde"
    assert first["reportingCurrency"] == {"code": "EUR"}
    assert [n["code"] for n in first["programmes"]["nodes"]] == five[:3]
    assert first["programmes"]["totalCount"] == 5

    after = first["programmes"]["pageInfo"]["endCursor"]
    rest = await gql(NETWORK_PROGRAMMES, {"codes": five, "first": 3, "after": after})
    assert [n["code"] for n in rest["data"]["network"]["programmes"]["nodes"]] == five[3:]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"after": "not-a-cursor"}, "Invalid `after`: not a cursor returned by this API"),
        ({"before": base64.b64encode(b"Programme:1").decode(), "last": 1}, "Invalid `before`"),
        ({"first": 101}, "Invalid `first`: must be between 0 and 100"),
        ({"first": -1}, "Invalid `first`: must be between 0 and 100"),
        ({"first": 1, "last": 1}, "Invalid `last`: pass either `first` or `last`, not both"),
    ],
)
async def test_bad_page_arguments_get_a_clear_error(
    gql: GraphQL, variables: dict[str, object], message: str
) -> None:
    body = await gql(PROGRAMMES, {"codes": ["X"], **variables})

    assert body["data"] is None
    assert body["errors"][0]["message"].startswith(message)
    assert body["errors"][0]["path"] == ["programmes"]


async def test_a_node_is_found_by_its_global_id(gql: GraphQL, five: list[str]) -> None:
    by_code = await gql("query ($c: String!) { programme(code: $c) { id } }", {"c": five[0]})
    gid = by_code["data"]["programme"]["id"]

    body = await gql(NODE, {"id": gid})

    assert body["data"]["node"] == {"__typename": "Programme", "id": gid, "code": five[0]}


async def test_a_well_formed_id_that_does_not_exist_reads_as_null(gql: GraphQL) -> None:
    missing = base64.b64encode(f"Programme:{uuid.uuid4()}".encode()).decode()

    body = await gql(NODE, {"id": missing})

    assert body == {"data": {"node": None}}


async def test_nodes_keeps_the_order_and_nulls_the_missing(gql: GraphQL, five: list[str]) -> None:
    ids = []
    for code in (five[1], five[0]):
        body = await gql("query ($c: String!) { programme(code: $c) { id } }", {"c": code})
        ids.append(body["data"]["programme"]["id"])
    missing = base64.b64encode(f"Programme:{uuid.uuid4()}".encode()).decode()

    body = await gql(NODES, {"ids": [ids[0], missing, ids[1]]})

    assert body["data"]["nodes"] == [
        {"id": ids[0], "code": five[1]},
        None,
        {"id": ids[1], "code": five[0]},
    ]


@pytest.mark.parametrize(
    "bad_id",
    ["garbage", base64.b64encode(b"Programme").decode(), base64.b64encode(b"Nope:1").decode()],
)
async def test_a_malformed_id_gets_an_error_not_a_crash(gql: GraphQL, bad_id: str) -> None:
    body = await gql(NODE, {"id": bad_id})

    assert body["data"] == {"node": None}
    assert "GlobalID" in body["errors"][0]["message"]
    assert body["errors"][0]["path"] == ["node"]
