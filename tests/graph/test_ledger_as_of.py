"""A loan as of a past day reads the ledger as it stood then, exactly as the indicators do:
days past due, the at-risk flag and the loan filter (issue 12, defect 1)."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import to_base64

from db.engine import Database
from tests.conftest import GraphQL, RunningServer
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import network as n

# 6 monthly installments of a loan disbursed on 24 March 2025: the first falls due on
# 24 April 2025.
DISBURSED = date(2025, 3, 24)
FIRST_DUE = date(2025, 4, 24)
AS_OF = date(2025, 6, 30)
PAID_LATE = date(2025, 8, 2)

LOANS = """
query ($filter: LoanFilter, $asOf: Date) {
  loans(filter: $filter, first: 50) {
    totalCount
    nodes { id status daysPastDue(asOf: $asOf) atRisk(asOf: $asOf) today: daysPastDue }
  }
}
"""

INDICATORS = """
query ($asOf: Date!, $codes: [String!]) {
  indicators(asOf: $asOf, period: {from: "2025-06-01", to: "2025-06-30"}, programmes: $codes) {
    programmes { grossLoanPortfolio { local { amount } } portfolioAtRisk30 { local { amount } } }
  }
}
"""


def gid(type_name: str, key: Any) -> str:
    return to_base64(type_name, str(key))


async def borrowers(db: Database, count: int) -> dict[str, Any]:
    """A programme with `count` loans of 100,000 XOF disbursed on 24 March 2025: the first
    repaid in full only on 2 August 2025, the others installment by installment on time."""
    async with db.transaction() as s:
        programme = await n.programme(s)
        facilitator = await g.facilitator(s, programme["id"])
        group = await g.group(s, programme["id"], facilitator["id"])
        product = await lf.product(s, programme)
        principal = Decimal(100_000)
        totals = [lf.installment_total_of(product, principal, i) for i in range(1, 7)]
        late = await lf.loan(
            s,
            product,
            await g.member(s, programme["id"], group["id"]),
            group["id"],
            disbursed_on=DISBURSED,
            payments=[lf.Payment(PAID_LATE, sum(totals, Decimal(0)))],
        )
        on_time = []
        for _ in range(count - 1):
            loan = await lf.loan(
                s,
                product,
                await g.member(s, programme["id"], group["id"]),
                group["id"],
                disbursed_on=DISBURSED,
                payments=[lf.Payment(date(2025, 4 + i, 24), totals[i]) for i in range(len(totals))],
            )
            on_time.append(loan)
    return {"programme": programme, "late": late, "on_time": on_time}


async def test_a_loan_paid_late_reads_late_on_a_past_day_as_the_indicators_count_it(
    db: Database, gql: GraphQL
) -> None:
    given = await borrowers(db, 2)
    code = given["programme"]["code"]

    body = await gql(LOANS, {"filter": {"programmes": [code]}, "asOf": str(AS_OF)})
    report = await gql(INDICATORS, {"asOf": str(AS_OF), "codes": [code]})

    assert "errors" not in body, body
    by_id = {x["id"]: x for x in body["data"]["loans"]["nodes"]}
    late = by_id[gid("Loan", given["late"]["id"])]
    # Repaid today, but on 30 June 2025 nothing had been paid since 24 April.
    assert late["status"] == "REPAID"
    assert (late["daysPastDue"], late["atRisk"], late["today"]) == (
        (AS_OF - FIRST_DUE).days,
        True,
        0,
    )
    (on_time,) = (by_id[gid("Loan", x["id"])] for x in given["on_time"])
    assert (on_time["daysPastDue"], on_time["atRisk"]) == (0, False)
    # The indicators count the same loan, whole, in PAR30 that day.
    (figures,) = report["data"]["indicators"]["programmes"]
    assert figures["portfolioAtRisk30"]["local"]["amount"] == "100000"


@pytest.mark.parametrize(
    ("as_of", "min_days", "expected"),
    [
        (AS_OF, 30, ["late"]),
        (AS_OF, 67, ["late"]),
        (AS_OF, 68, []),
        # Before the first installment fell due, and after the late payment: nobody late.
        (date(2025, 4, 24), 1, []),
        (date(2025, 8, 2), 1, []),
    ],
)
async def test_the_loan_filter_reads_days_past_due_as_of_the_day_asked(
    db: Database, gql: GraphQL, as_of: date, min_days: int, expected: list[str]
) -> None:
    given = await borrowers(db, 2)
    code = given["programme"]["code"]

    body = await gql(
        LOANS,
        {"filter": {"programmes": [code], "minDaysPastDue": min_days, "asOf": str(as_of)}},
    )

    assert "errors" not in body, body
    found = [x["id"] for x in body["data"]["loans"]["nodes"]]
    assert found == [gid("Loan", given[name]["id"]) for name in expected]
    assert body["data"]["loans"]["totalCount"] == len(expected)


async def test_days_past_due_on_a_past_day_takes_the_same_statements_for_2_or_20_loans(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    counts = []
    for size in (2, 20):
        given = await borrowers(db, size)
        with api.count_statements() as counter:
            body = await gql(
                LOANS, {"filter": {"programmes": [given["programme"]["code"]]}, "asOf": str(AS_OF)}
            )
        assert "errors" not in body, body
        nodes = body["data"]["loans"]["nodes"]
        assert len(nodes) == size
        assert sum(x["atRisk"] for x in nodes) == 1
        counts.append(counter.count)

    assert counts[0] == counts[1]
