"""The planner answers the hot reads in one statement per root field, with the same JSON as
the resolver path (the suite's server compares every planned answer with the resolvers' one:
tests/conftest.py `api`), the same scope and the same privacy rule."""

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from strawberry.relay import to_base64

from db.engine import Database
from domain.money import CURRENCIES
from tests.conftest import GraphQL, RunningServer
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import network as f

# A programme-staff credential costs one statement of its own: its programme codes to keys.
STAFF = 1

LOAN = """
query ($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Loan {
      cycle status purpose periodRatePercent appliedOn disbursedOn closedOn
      principal { amount currency { code name minorUnits } }
      outstandingPrincipal { amount }
      member { id firstName lastName gender }
      group { name status meetingFrequency }
      product { name feePercent minPrincipal { amount } }
      programme { code currency { code } }
    }
  }
}
"""

NESTED = """
query ($code: String!) {
  programme(code: $code) {
    code
    groups(first: 50) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        cursor
        node {
          name
          members(first: 30) {
            nodes {
              id
              lastName
              loans(first: 10) { nodes { cycle principal { amount } repayments { totalCount } } }
            }
          }
        }
      }
    }
  }
}
"""

PAGES = """
query ($first: Int, $after: String, $last: Int, $before: String) {
  loans(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id cycle } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def portfolio(db: Database, groups: int = 3) -> dict[str, Any]:
    async with db.transaction() as s:
        programme = await f.programme(s)
        product = await lf.product(s, programme)
        facilitator = await g.facilitator(s, programme["id"])
        loans = []
        for _ in range(groups):
            group = await g.group(s, programme["id"], facilitator["id"])
            for _ in range(2):
                member = await g.member(s, programme["id"], group["id"])
                payments = [lf.Payment(date(2024, 2, 10), Decimal(19_667), facilitator["id"])]
                loans.append(await lf.loan(s, product, member, group["id"], payments=payments))
    return {"programme": programme, "loans": loans}


async def test_a_loan_with_its_member_and_group_is_one_statement(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    given = await portfolio(db, 1)
    loan_id = to_base64("Loan", str(given["loans"][0]["id"]))

    with api.count_statements() as sql:
        body = await gql(LOAN, {"id": loan_id}, programmes=given["programme"]["code"])

    assert "errors" not in body
    loan = body["data"]["node"]
    assert loan["__typename"] == "Loan"
    assert loan["id"] == loan_id
    name, units = CURRENCIES["XOF"]
    assert loan["principal"]["currency"] == {"code": "XOF", "name": name, "minorUnits": units}
    assert loan["member"]["lastName"] is not None  # her own programme's staff see her name
    assert sql.count == STAFF + 1


async def test_head_office_reads_the_member_pseudonymously_on_the_planned_path(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    given = await portfolio(db, 1)
    loan_id = to_base64("Loan", str(given["loans"][0]["id"]))

    with api.count_statements() as sql:
        body = await gql(LOAN, {"id": loan_id})

    member = body["data"]["node"]["member"]
    assert member["firstName"] is None
    assert member["lastName"] is None
    assert member["gender"] == "FEMALE" or member["gender"] == "MALE"
    assert sql.count == 1


async def test_one_lookup_document_answers_each_id_with_its_own_row(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    # The id is a bound parameter of one cached plan per type: every loan, another type's
    # id through the same document, and ids that are not keys must still read as themselves.
    given = await portfolio(db, 2)
    for loan in given["loans"]:
        loan_id = to_base64("Loan", str(loan["id"]))
        with api.count_statements() as sql:
            body = await gql(LOAN, {"id": loan_id})
        assert body["data"]["node"]["id"] == loan_id
        assert body["data"]["node"]["cycle"] == loan["cycle"]
        assert sql.count == 1
    member_id = to_base64("Member", str(given["loans"][0]["member_id"]))
    assert await gql(LOAN, {"id": member_id}) == {
        "data": {"node": {"__typename": "Member", "id": member_id}}
    }
    assert await gql(LOAN, {"id": to_base64("Loan", "not-a-key")}) == {"data": {"node": None}}
    unknown = to_base64("Loan", "00000000-0000-4000-8000-000000000000")
    assert await gql(LOAN, {"id": unknown}) == {"data": {"node": None}}


async def test_a_document_answered_again_is_still_checked_logged_and_counted(
    db: Database, gql: GraphQL, http: httpx.AsyncClient, api: RunningServer
) -> None:
    # From the second request on, an accepted document skips strawberry's extensions: the
    # metrics still count every operation, and a value the limits refuse is still refused.
    given = await portfolio(db, 1)
    query = "query CountedLookup($id: ID!) { node(id: $id) { id } }"
    ids = [to_base64("Loan", str(loan["id"])) for loan in given["loans"]]
    before = await queries_answered(http)
    for loan_id in ids * 2:
        assert await gql(query, {"id": loan_id}) == {"data": {"node": {"id": loan_id}}}
    assert await queries_answered(http) == before + len(ids) * 2
    long_id = to_base64("Loan", str(given["loans"][0]["id"]) + " " * 1000)
    refused = await gql(query, {"id": long_id})
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def queries_answered(http: httpx.AsyncClient) -> float:
    """The metrics' count of queries answered without error, whatever their name's label."""
    body = (await http.get("/metrics")).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "edm_graphql_operations_total"
        and sample.labels.get("type") == "query"
        and sample.labels.get("outcome") == "ok"
    )


async def test_another_programmes_loan_reads_as_null(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    given, other = await portfolio(db, 1), await portfolio(db, 1)
    loan_id = to_base64("Loan", str(other["loans"][0]["id"]))

    with api.count_statements() as sql:
        body = await gql(LOAN, {"id": loan_id}, programmes=given["programme"]["code"])

    assert body == {"data": {"node": None}}
    assert sql.count == STAFF + 1


async def test_groups_members_loans_is_one_statement_whatever_the_size(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    small, large = await portfolio(db, 2), await portfolio(db, 12)

    with api.count_statements() as few:
        small_body = await gql(NESTED, {"code": small["programme"]["code"]})
    with api.count_statements() as many:
        large_body = await gql(NESTED, {"code": large["programme"]["code"]})

    groups = large_body["data"]["programme"]["groups"]
    assert groups["totalCount"] == 12
    assert len(groups["edges"]) == 12
    assert groups["pageInfo"]["hasNextPage"] is False
    assert groups["pageInfo"]["startCursor"] == groups["edges"][0]["cursor"]
    assert groups["pageInfo"]["endCursor"] == groups["edges"][-1]["cursor"]
    members = groups["edges"][0]["node"]["members"]["nodes"]
    assert len(members) == 2
    assert members[0]["loans"]["nodes"][0]["repayments"]["totalCount"] == 1
    assert "errors" not in small_body
    assert few.count == many.count == 1


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"first": 2}, (2, True, False)),
        ({"first": 0}, (0, True, False)),
        ({"last": 2}, (2, False, True)),
    ],
)
async def test_pages_forward_and_backward_as_the_resolvers_do(
    db: Database,
    gql: GraphQL,
    api: RunningServer,
    variables: dict[str, int],
    expected: tuple[int, bool, bool],
) -> None:
    given = await portfolio(db, 3)
    code = given["programme"]["code"]

    with api.count_statements() as sql:
        body = await gql(PAGES, variables, programmes=code)

    loans = body["data"]["loans"]
    size, has_next, has_previous = expected
    assert len(loans["edges"]) == size
    assert loans["pageInfo"]["hasNextPage"] is has_next
    assert loans["pageInfo"]["hasPreviousPage"] is has_previous
    assert sql.count == STAFF + 1
    if size:
        after = await gql(
            PAGES, {"first": 2, "after": loans["edges"][0]["cursor"]}, programmes=code
        )
        assert after["data"]["loans"]["edges"][0]["node"]["id"] == loans["edges"][1]["node"]["id"]


DASHBOARD_LIST = """
query ($code: String!) {
  programme(code: $code) {
    groups(first: 5) {
      nodes {
        memberCount
        loans(first: 5) {
          nodes {
            daysPastDue
            atRisk(days: 0)
            principal {
              inEur(on: "2003-03-15") { money { amount currency { code } } rate rateKind rateMonth }
              average: inEur(on: "2003-03-15", rateKind: AVERAGE) { money { amount } rate }
            }
          }
        }
      }
    }
  }
}
"""


async def test_counts_lateness_today_and_euros_are_planned_too(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    given = await portfolio(db, 2)
    async with db.transaction() as s:
        await f.rate(s, "XOF", date(2003, 3, 1), Decimal("655.957"), Decimal("656.5"))

    with api.count_statements() as sql:
        body = await gql(DASHBOARD_LIST, {"code": given["programme"]["code"]})

    assert "errors" not in body
    group = body["data"]["programme"]["groups"]["nodes"][0]
    assert group["memberCount"] == 2
    principal = group["loans"]["nodes"][0]["principal"]
    assert principal["inEur"]["rate"] == "655.957"
    assert principal["inEur"]["rateKind"] == "CLOSING"
    assert principal["inEur"]["rateMonth"] == "2003-03-01"
    assert principal["inEur"]["money"]["currency"] == {"code": "EUR"}
    assert principal["average"]["rate"] == "656.5"
    assert sql.count == 1


async def test_an_empty_page_asked_for_its_page_info_only_is_planned_as_the_resolvers_answer(
    gql: GraphQL, api: RunningServer
) -> None:
    # Found by tests/planner/test_differential.py: a pageInfo of literals alone over an empty
    # page read null on the planned path.
    query = "{ programmes(filter: {codes: []}, first: 0) { pageInfo { hasPreviousPage } } }"

    body = await gql(query)

    assert body == {"data": {"programmes": {"pageInfo": {"hasPreviousPage": False}}}}
