"""No N+1: the SQL a request runs depends on its depth, not on how many objects it returns."""

from datetime import date
from decimal import Decimal

from db.engine import Database
from tests.conftest import GraphQL, RunningServer
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import network as f

DEEP = """
query ($code: String!) {
  programmes(filter: {codes: [$code]}) {
    nodes {
      code
      currency { code }
      groups(first: 50) {
        totalCount
        nodes {
          name
          facilitator { lastName }
          members(first: 30) {
            totalCount
            nodes {
              lastName
              currentGroup { name }
              loans(first: 10) {
                nodes {
                  cycle
                  status
                  principal { amount inEur(on: "2024-06-01") { money { amount } rate } }
                  outstandingPrincipal { amount }
                  daysPastDue(asOf: "2024-06-01")
                  repayments(first: 20) {
                    totalCount
                    nodes { paidOn amount { amount } collectedBy { lastName } }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
"""


async def portfolio(db: Database, groups: int) -> str:
    """A programme with `groups` groups of 2 members, each with a loan and 2 repayments."""
    async with db.transaction() as s:
        programme = await f.programme(s)
        await f.rate(s, "XOF", date(2024, 6, 1), Decimal("655.957"), Decimal("655.957"))
        product = await lf.product(s, programme)
        facilitator = await g.facilitator(s, programme["id"])
        for _ in range(groups):
            group = await g.group(s, programme["id"], facilitator["id"])
            for _ in range(2):
                member = await g.member(s, programme["id"], group["id"])
                payments = [
                    lf.Payment(date(2024, 2, 10), Decimal(19_667), facilitator["id"]),
                    lf.Payment(date(2024, 3, 10), Decimal(19_667), facilitator["id"]),
                ]
                await lf.loan(s, product, member, group["id"], payments=payments)
    return str(programme["code"])


async def test_a_deep_query_runs_the_same_sql_for_3_or_50_groups(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    small, large = await portfolio(db, 3), await portfolio(db, 50)

    with api.count_statements() as few:
        small_body = await gql(DEEP, {"code": small})
    with api.count_statements() as many:
        large_body = await gql(DEEP, {"code": large})

    assert "errors" not in small_body
    assert "errors" not in large_body
    groups = large_body["data"]["programmes"]["nodes"][0]["groups"]
    assert groups["totalCount"] == 50
    assert len(groups["nodes"]) == 50
    members = [m for grp in groups["nodes"] for m in grp["members"]["nodes"]]
    repayments = [
        r for m in members for loan in m["loans"]["nodes"] for r in loan["repayments"]["nodes"]
    ]
    assert len(members) == 100
    assert len(repayments) == 200
    assert repayments[0]["amount"]["amount"] == "19667"
    first_loan = members[0]["loans"]["nodes"][0]
    assert first_loan["principal"]["inEur"] == {"money": {"amount": "152.45"}, "rate": "655.957"}
    # One statement per level and per counted list, whatever the number of objects.
    assert few.count == many.count, many.statements
    assert many.count <= 14, many.statements
