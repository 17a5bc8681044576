"""The rules of a next cycle as of the day she applies, products' cycles and amounts, and a
reversal that would reopen a loan her next one was granted on (issue 12, defects 3 to 5)."""

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from db.engine import Database
from db.models import Loan
from tests.conftest import GraphQL
from tests.factories import loans as f
from tests.graph.test_loan_mutations import (
    LOAN_APPLY,
    LOAN_APPROVE,
    LOAN_DISBURSE,
    REPAYMENT_RECORD,
    REPAYMENT_REVERSE,
    active_loan,
    apply_input,
    codes,
    days_ago,
    gid,
    make_borrower,
    read_loan,
    repay_input,
    send,
    xof,
)

PRODUCTS = """
query ($codes: [String!]) {
  loanProducts(programmes: $codes) {
    name minPrincipal { amount } maxPrincipal { amount }
    cycles { firstCycle lastCycle minPrincipal { amount currency { code } } maxPrincipal { amount } }
  }
}
"""


async def repaid_loan(gql: GraphQL, b: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A first loan disbursed 190 days ago and repaid in full 50 days ago, through the API."""
    loan = await active_loan(gql, b, **overrides)
    total = sum((Decimal(line["totalDue"]["amount"]) for line in loan["schedule"]), Decimal(0))
    paid = await send(
        gql,
        b,
        REPAYMENT_RECORD,
        repay_input(b, loan, amount=xof(total), paidOn=str(days_ago(50))),
    )
    assert paid["userErrors"] == []
    assert paid["loan"]["status"] == "REPAID"
    result: dict[str, Any] = paid["loan"] | {"repayment": paid["repayment"]}
    return result


async def test_a_next_cycle_is_not_dated_before_the_previous_loan_was_repaid(
    db: Database, gql: GraphQL
) -> None:
    b = await make_borrower(db)
    await repaid_loan(gql, b)

    early = await send(gql, b, LOAN_APPLY, apply_input(b, appliedOn=str(days_ago(60))))
    on_the_day = await send(gql, b, LOAN_APPLY, apply_input(b, appliedOn=str(days_ago(50))))

    assert codes(early) == [(["input", "appliedOn"], "PREVIOUS_LOAN_NOT_REPAID")]
    assert str(days_ago(50)) in early["userErrors"][0]["message"]
    assert early["loan"] is None
    assert on_the_day["userErrors"] == []
    assert on_the_day["loan"]["cycle"] == 2


async def fansoto_products(db: Database, b: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """FANSOTO's: a first loan of 100,000 XOF exactly, later loans from 80,000 to 450,000."""
    async with db.transaction() as s:
        first = await f.product(
            s, b["programme"], min_principal=Decimal(100_000), max_principal=Decimal(100_000)
        )
        await f.cycle_band(s, first, 1, 1, 100_000, 100_000)
        later = await f.product(
            s, b["programme"], min_principal=Decimal(80_000), max_principal=Decimal(450_000)
        )
        await f.cycle_band(s, later, 2, None, 80_000, 450_000)
    return {"first": first, "later": later}


async def test_products_serve_their_cycles_with_their_amounts(db: Database, gql: GraphQL) -> None:
    b = await make_borrower(db)
    products = await fansoto_products(db, b)

    def on(name: str, amount: int, **overrides: Any) -> dict[str, Any]:
        product = gid("LoanProduct", products[name]["id"])
        return apply_input(b, product=product, principal=xof(amount), **overrides)

    later_first = await send(gql, b, LOAN_APPLY, on("later", 100_000))
    too_much = await send(gql, b, LOAN_APPLY, on("first", 120_000))
    assert codes(later_first) == [(["input", "product"], "CYCLE_NOT_ELIGIBLE")]
    assert "cycle 1" in later_first["userErrors"][0]["message"]
    assert codes(too_much) == [(["input", "principal"], "OUT_OF_RANGE")]
    assert "lends 100000 XOF" in too_much["userErrors"][0]["message"]

    await repaid_loan(gql, b, product=gid("LoanProduct", products["first"]["id"]))
    day = {"appliedOn": str(days_ago(40))}
    first_again = await send(gql, b, LOAN_APPLY, on("first", 100_000, **day))
    above = await send(gql, b, LOAN_APPLY, on("later", 500_000, **day))
    below = await send(gql, b, LOAN_APPLY, on("later", 75_000, **day))
    second = await send(gql, b, LOAN_APPLY, on("later", 80_000, **day))

    assert codes(first_again) == [(["input", "product"], "CYCLE_NOT_ELIGIBLE")]
    assert codes(above) == [(["input", "principal"], "OUT_OF_RANGE")]
    assert "from 80000 to 450000 XOF" in above["userErrors"][0]["message"]
    assert codes(below) == [(["input", "principal"], "OUT_OF_RANGE")]
    assert second["userErrors"] == []
    assert (second["loan"]["cycle"], second["loan"]["principal"]["amount"]) == (2, "80000")


async def test_a_product_says_which_cycles_it_serves_and_for_how_much(
    db: Database, gql: GraphQL
) -> None:
    b = await make_borrower(db)
    products = await fansoto_products(db, b)
    names = {products[k]["name"]: k for k in products} | {b["product"]["name"]: "any"}

    body = await gql(PRODUCTS, {"codes": [b["programme"]["code"]]})

    assert "errors" not in body, body
    found = {names[p["name"]]: p["cycles"] for p in body["data"]["loanProducts"]}
    assert found["first"] == [
        {
            "firstCycle": 1,
            "lastCycle": 1,
            "minPrincipal": {"amount": "100000", "currency": {"code": "XOF"}},
            "maxPrincipal": {"amount": "100000"},
        }
    ]
    assert [(c["firstCycle"], c["lastCycle"]) for c in found["later"]] == [(2, None)]
    assert found["any"] == []  # no band: every cycle within its own minimum and maximum


async def test_a_repayment_is_not_reversed_once_her_next_loan_was_granted_on_it(
    db: Database, gql: GraphQL
) -> None:
    b = await make_borrower(db)
    first = await repaid_loan(gql, b)
    applied = await send(gql, b, LOAN_APPLY, apply_input(b, appliedOn=str(days_ago(40))))
    second = applied["loan"]
    reverse = {
        "repayment": first["repayment"]["id"],
        "reversedOn": str(days_ago(5)),
        "reason": "Counted twice",
    }

    while_pending = await send(gql, b, REPAYMENT_REVERSE, reverse)
    await send(gql, b, LOAN_APPROVE, {"loan": second["id"], "approvedOn": str(days_ago(35))})
    await send(gql, b, LOAN_DISBURSE, {"loan": second["id"], "disbursedOn": str(days_ago(30))})
    while_active = await send(gql, b, REPAYMENT_REVERSE, reverse)

    for refused, status in ((while_pending, "PENDING"), (while_active, "ACTIVE")):
        assert codes(refused) == [(["input", "repayment"], "NEXT_LOAN_EXISTS")]
        assert f"cycle 2 loan ({status})" in refused["userErrors"][0]["message"]
        assert refused["reversal"] is None
    assert (await read_loan(gql, first["id"]))["status"] == "REPAID"
    async with db.read() as s:
        statuses = await s.scalars(select(Loan.status).where(Loan.member_id == b["member"]["id"]))
        assert sorted(x.value for x in statuses) == ["ACTIVE", "REPAID"]
