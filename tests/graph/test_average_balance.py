"""A programme's average outstanding balance in EUR is its local average converted, to the
cent (issue 12, defect 6)."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from db.engine import Database
from domain.indicators import month_start
from tests.conftest import GraphQL
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import network as n

XOF_PER_EUR = Decimal("655.957")

AVERAGE = """
query ($codes: [String!]) {
  indicators(programmes: $codes) {
    programmes {
      grossLoanPortfolio { local { amount } eur { amount } }
      activeBorrowers
      averageOutstandingBalance { local { amount } eur { amount } }
    }
  }
}
"""


async def test_the_eur_average_balance_is_the_local_average_converted(
    db: Database, gql: GraphQL
) -> None:
    today = date.today()
    async with db.transaction() as s:
        programme = await n.programme(s)
        await n.rate(s, "XOF", month_start(today), XOF_PER_EUR, XOF_PER_EUR)
        facilitator = await g.facilitator(s, programme["id"])
        group = await g.group(s, programme["id"], facilitator["id"])
        product = await lf.product(s, programme)
        for principal in (50_000, 50_000, 175_000):
            member = await g.member(s, programme["id"], group["id"])
            await lf.loan(
                s,
                product,
                member,
                group["id"],
                principal=Decimal(principal),
                disbursed_on=today - timedelta(days=5),
            )

    body = await gql(AVERAGE, {"codes": [programme["code"]]})

    assert "errors" not in body, body
    (figures,) = body["data"]["indicators"]["programmes"]
    assert figures["grossLoanPortfolio"]["local"]["amount"] == "275000"
    assert figures["activeBorrowers"] == 3
    average = figures["averageOutstandingBalance"]
    # 275,000 / 3 = 91,666.67, i.e. 91,667 XOF, which is 139.7484 EUR: 139.75. Dividing the
    # EUR portfolio (419.23) by 3 would give 139.74.
    assert average["local"]["amount"] == "91667"
    converted = (Decimal(91_667) / XOF_PER_EUR).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert average["eur"]["amount"] == str(converted) == "139.75"
