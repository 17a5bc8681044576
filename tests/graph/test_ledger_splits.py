"""Each ledger entry's split between interest and principal is the one the ledger's date order
makes, restated by a back-dated repayment or a reversal; supportHistory reads the same
portfolio on a day as the indicators (issue 12, defect 2)."""

from typing import Any

from db.engine import Database
from tests.conftest import GraphQL
from tests.factories import missions as m
from tests.graph.test_loan_mutations import (
    REPAYMENT_RECORD,
    REPAYMENT_REVERSE,
    active_loan,
    days_ago,
    make_borrower,
    repay_input,
    send,
    xof,
)

ENTRIES = """
query ($id: ID!) {
  node(id: $id) {
    ... on Loan {
      principalRepaid { amount } interestPaid { amount }
      repayments { nodes { id kind paidOn interestPart { amount } principalPart { amount } } }
    }
  }
}
"""

SIDE_BY_SIDE = """
query ($code: String!, $asOf: Date!) {
  programme(code: $code) {
    supportHistory(first: 5) {
      nodes { on grossLoanPortfolio { amount } portfolioAtRisk30 { amount } par30 activeBorrowers }
    }
  }
  indicators(asOf: $asOf, programmes: [$code]) {
    programmes {
      grossLoanPortfolio { local { amount } } portfolioAtRisk30 { local { amount } }
      par30 activeBorrowers
    }
  }
}
"""


def splits(loan: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    return {
        e["id"]: (e["kind"], e["interestPart"]["amount"], e["principalPart"]["amount"])
        for e in loan["repayments"]["nodes"]
    }


async def test_a_back_dated_repayment_restates_the_split_of_the_later_ones(
    db: Database, gql: GraphQL
) -> None:
    b = await make_borrower(db)
    # 100,000 XOF, 2% flat a month: each installment asks 2,000 interest first.
    loan = await active_loan(gql, b)
    later = await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(2_000)))
    assert later["repayment"]["interestPart"] == {"amount": "2000"}

    # Recorded afterwards, paid 50 days earlier: it took the first 2,000 of interest.
    earlier = await send(
        gql,
        b,
        REPAYMENT_RECORD,
        repay_input(b, loan, amount=xof(2_000), paidOn=str(days_ago(150))),
    )

    assert earlier["userErrors"] == []
    body = await gql(ENTRIES, {"id": loan["id"]})
    entries = splits(body["data"]["node"])
    assert entries[earlier["repayment"]["id"]] == ("REPAYMENT", "2000", "0")
    assert entries[later["repayment"]["id"]] == ("REPAYMENT", "0", "2000")
    assert body["data"]["node"]["principalRepaid"] == {"amount": "2000"}

    # Reversing the earlier one: the later one takes the interest again.
    reversed_ = await send(
        gql,
        b,
        REPAYMENT_REVERSE,
        {
            "repayment": earlier["repayment"]["id"],
            "reversedOn": str(days_ago(10)),
            "reason": "Recorded on the wrong loan",
        },
    )
    assert reversed_["userErrors"] == []
    entries = splits((await gql(ENTRIES, {"id": loan["id"]}))["data"]["node"])
    assert entries[later["repayment"]["id"]] == ("REPAYMENT", "2000", "0")


async def test_support_history_reads_the_portfolio_the_indicators_read_that_day(
    db: Database, gql: GraphQL
) -> None:
    b = await make_borrower(db)
    loan = await active_loan(gql, b)
    await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(2_000)))
    await send(
        gql,
        b,
        REPAYMENT_RECORD,
        repay_input(b, loan, amount=xof(2_000), paidOn=str(days_ago(150))),
    )
    # A mission between the two payments: by then only the 2,000 of interest was paid.
    day = days_ago(120)
    async with db.transaction() as s:
        await m.mission(s, b["programme"]["id"], planned_start_on=day, planned_end_on=day)

    body = await gql(SIDE_BY_SIDE, {"code": b["programme"]["code"], "asOf": str(day)})

    assert "errors" not in body, body
    (entry,) = body["data"]["programme"]["supportHistory"]["nodes"]
    (figures,) = body["data"]["indicators"]["programmes"]
    assert entry["on"] == str(day)
    assert entry["grossLoanPortfolio"]["amount"] == figures["grossLoanPortfolio"]["local"]["amount"]
    assert entry["grossLoanPortfolio"]["amount"] == "100000"
    assert entry["portfolioAtRisk30"]["amount"] == figures["portfolioAtRisk30"]["local"]["amount"]
    assert (entry["par30"], entry["activeBorrowers"]) == (
        figures["par30"],
        figures["activeBorrowers"],
    )
