from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import to_base64

from db.engine import Database
from domain.enums import InterestMethod
from domain.money import XOF_PER_EUR
from tests.conftest import GraphQL, RunningServer
from tests.factories import groups as g
from tests.factories import loans as f
from tests.factories import network as n
from tests.factories.loans import Payment


async def borrower(s: AsyncSession, programme: dict[str, Any] | None = None) -> dict[str, Any]:
    """A programme (new unless given) with a facilitator, a group, a member and a product."""
    p = programme or await n.programme(s)
    facilitator = await g.facilitator(s, p["id"])
    group = await g.group(s, p["id"], facilitator["id"])
    member = await g.member(s, p["id"], group["id"])
    product = await f.product(s, p)
    return {
        "programme": p,
        "facilitator": facilitator,
        "group": group,
        "member": member,
        "product": product,
    }


async def loan_for(s: AsyncSession, b: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return await f.loan(
        s, kwargs.pop("product", b["product"]), b["member"], b["group"]["id"], **kwargs
    )


def money(amount: Decimal) -> dict[str, Any]:
    return {"amount": str(amount), "currency": {"code": "XOF"}}


def ids(body: dict[str, Any]) -> set[str]:
    return {node["id"] for node in body["data"]["loans"]["nodes"]}


def gid(loan: dict[str, Any]) -> str:
    return to_base64("Loan", loan["id"])


LOAN = """
query ($id: ID!, $asOf: Date!) {
  node(id: $id) {
    ... on Loan {
      id cycle purpose interestMethod periodRatePercent installmentFrequency status
      appliedOn approvedOn disbursedOn closedOn oldestUnpaidDueOn
      principal { amount currency { code } }
      fee { amount currency { code } }
      principalRepaid { amount currency { code } }
      interestPaid { amount currency { code } }
      writtenOffPrincipal { amount currency { code } }
      outstandingPrincipal { amount currency { code } }
      daysPastDue(asOf: $asOf)
      atRisk(asOf: $asOf)
      programme { code }
      member { id lastName }
      group { id name }
      product {
        id name interestMethod periodRatePercent installments installmentFrequency feePercent
        allowsConcurrentLoans active
        minPrincipal { amount } maxPrincipal { amount } currency { code } programme { code }
      }
      schedule {
        number dueOn paidOn status(asOf: $asOf)
        principalDue { amount } interestDue { amount } totalDue { amount }
        principalPaid { amount } interestPaid { amount }
      }
      repayments {
        totalCount
        nodes {
          id kind paidOn note recordedAt
          amount { amount } principalPart { amount } interestPart { amount }
          collectedBy { id lastName }
          loan { id }
          reverses { id }
          reversedBy { id }
        }
      }
    }
  }
}
"""


async def test_a_loan_reads_with_its_terms_relations_schedule_and_repayments(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        b = await borrower(s)
        collector = b["facilitator"]["id"]
        first_due = f.installment_total_of(b["product"], Decimal(100_000), 1)
        loan = await loan_for(
            s,
            b,
            principal=Decimal(100_000),
            disbursed_on=date(2024, 1, 10),
            payments=[
                Payment(date(2024, 2, 10), first_due, collector),
                Payment(date(2024, 3, 1), Decimal(5_000), collector),
            ],
        )

    body = await gql(
        LOAN,
        {"id": to_base64("Loan", loan["id"]), "asOf": "2024-03-05"},
        programmes=b["programme"]["code"],  # the member's name is personal: staff only
    )

    got = body["data"]["node"]
    assert got["cycle"] == 1
    assert got["status"] == "ACTIVE"
    assert got["purpose"] == "SMALL_SHOP"
    assert got["interestMethod"] == "FLAT"
    assert got["periodRatePercent"] == "2"
    assert got["installmentFrequency"] == "MONTHLY"
    assert got["disbursedOn"] == "2024-01-10"
    assert got["approvedOn"] == str(loan["approved_on"])
    assert got["appliedOn"] == str(loan["applied_on"])
    assert got["closedOn"] is None
    assert got["principal"] == money(Decimal(100_000))
    assert got["fee"] == money(loan["fee"])
    assert got["principalRepaid"] == money(loan["principal_paid"])
    assert got["interestPaid"] == money(loan["interest_paid"])
    assert got["writtenOffPrincipal"] == money(Decimal(0))
    assert got["outstandingPrincipal"] == money(Decimal(100_000) - loan["principal_paid"])
    assert got["oldestUnpaidDueOn"] == "2024-03-10"
    assert got["daysPastDue"] == 0
    assert got["atRisk"] is False
    assert got["programme"] == {"code": b["programme"]["code"]}
    assert got["member"] == {
        "id": to_base64("Member", b["member"]["id"]),
        "lastName": b["member"]["last_name"],
    }
    assert got["group"] == {
        "id": to_base64("Group", b["group"]["id"]),
        "name": b["group"]["name"],
    }
    product = got["product"]
    assert product["name"] == b["product"]["name"]
    assert product["interestMethod"] == "FLAT"
    assert product["periodRatePercent"] == "2"
    assert product["feePercent"] == "1"
    assert product["installments"] == 6
    assert product["installmentFrequency"] == "MONTHLY"
    assert product["allowsConcurrentLoans"] is False
    assert product["active"] is True
    assert product["minPrincipal"] == {"amount": str(b["product"]["min_principal"])}
    assert product["maxPrincipal"] == {"amount": str(b["product"]["max_principal"])}
    assert product["currency"] == {"code": "XOF"}
    assert product["programme"] == {"code": b["programme"]["code"]}

    schedule = got["schedule"]
    assert [i["number"] for i in schedule] == [1, 2, 3, 4, 5, 6]
    assert [i["status"] for i in schedule] == ["PAID", "PARTLY_PAID"] + ["DUE"] * 4
    assert schedule[0]["paidOn"] == "2024-02-10"
    assert schedule[1]["paidOn"] is None
    for line, row in zip(schedule, loan["schedule"], strict=True):
        assert line["dueOn"] == str(row["due_on"])
        assert line["principalDue"] == {"amount": str(row["principal_due"])}
        assert line["interestDue"] == {"amount": str(row["interest_due"])}
        assert line["totalDue"] == {"amount": str(row["principal_due"] + row["interest_due"])}
        assert line["principalPaid"] == {"amount": str(row["principal_paid"])}
        assert line["interestPaid"] == {"amount": str(row["interest_paid"])}

    repayments = got["repayments"]
    assert repayments["totalCount"] == 2
    assert [r["paidOn"] for r in repayments["nodes"]] == ["2024-02-10", "2024-03-01"]
    for node, entry in zip(repayments["nodes"], loan["repayments"], strict=True):
        assert node["id"] == to_base64("Repayment", entry["id"])
        assert node["kind"] == "REPAYMENT"
        assert node["amount"] == {"amount": str(entry["amount"])}
        assert node["principalPart"] == {"amount": str(entry["principal_part"])}
        assert node["interestPart"] == {"amount": str(entry["interest_part"])}
        assert node["collectedBy"] == {
            "id": to_base64("Facilitator", collector),
            "lastName": b["facilitator"]["last_name"],
        }
        assert node["loan"] == {"id": got["id"]}
        assert node["reverses"] is None
        assert node["reversedBy"] is None
        assert node["recordedAt"]


SCHEDULE = """
query ($id: ID!) {
  node(id: $id) {
    ... on Loan {
      principal { amount }
      schedule {
        number dueOn
        principalDue { amount } interestDue { amount } totalDue { amount currency { code } }
      }
    }
  }
}
"""


async def test_flat_and_declining_balance_schedules_sum_exactly_to_the_principal_in_xof(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        b = await borrower(s)
        declining = await f.product(
            s,
            b["programme"],
            interest_method=InterestMethod.DECLINING_BALANCE,
            period_rate_percent=Decimal("2.5"),
            installments=7,
        )
        flat_loan = await loan_for(s, b, principal=Decimal(100_000))
        declining_loan = await loan_for(s, b, product=declining, principal=Decimal(137_500))

    for loan, principal, installments in (
        (flat_loan, 100_000, 6),
        (declining_loan, 137_500, 7),
    ):
        body = await gql(SCHEDULE, {"id": to_base64("Loan", loan["id"])})

        got = body["data"]["node"]
        schedule = got["schedule"]
        assert got["principal"] == {"amount": str(principal)}
        assert [i["number"] for i in schedule] == list(range(1, installments + 1))
        amounts = [
            i[field]["amount"]
            for i in schedule
            for field in ("principalDue", "interestDue", "totalDue")
        ]
        assert all(amount.lstrip("-").isdigit() for amount in amounts), amounts
        assert sum(int(i["principalDue"]["amount"]) for i in schedule) == principal
        for i in schedule:
            assert int(i["totalDue"]["amount"]) == int(i["principalDue"]["amount"]) + int(
                i["interestDue"]["amount"]
            )
            assert i["totalDue"]["currency"] == {"code": "XOF"}
        assert sorted(i["dueOn"] for i in schedule) == [i["dueOn"] for i in schedule]

    flat = (await gql(SCHEDULE, {"id": to_base64("Loan", flat_loan["id"])}))["data"]["node"]
    assert {i["interestDue"]["amount"] for i in flat["schedule"]} == {"2000"}
    declining_body = await gql(SCHEDULE, {"id": to_base64("Loan", declining_loan["id"])})
    interest = [int(i["interestDue"]["amount"]) for i in declining_body["data"]["node"]["schedule"]]
    assert interest[0] == round(137_500 * 0.025)
    assert interest == sorted(interest, reverse=True)


RISK = """
query ($id: ID!, $asOf: Date!) {
  node(id: $id) {
    ... on Loan {
      status oldestUnpaidDueOn
      daysPastDue(asOf: $asOf)
      atRisk30: atRisk(asOf: $asOf, days: 30)
      atRisk90: atRisk(asOf: $asOf, days: 90)
      schedule { status(asOf: $asOf) }
    }
  }
}
"""


async def test_a_loan_31_days_late_is_at_risk_over_30_days(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        b = await borrower(s)
        # First installment due 2024-02-10, never paid.
        late = await loan_for(s, b, disbursed_on=date(2024, 1, 10))

    on_day_31 = await gql(RISK, {"id": to_base64("Loan", late["id"]), "asOf": "2024-03-12"})
    on_day_30 = await gql(RISK, {"id": to_base64("Loan", late["id"]), "asOf": "2024-03-11"})
    before_due = await gql(RISK, {"id": to_base64("Loan", late["id"]), "asOf": "2024-02-10"})

    got = on_day_31["data"]["node"]
    assert got["oldestUnpaidDueOn"] == "2024-02-10"
    assert got["daysPastDue"] == 31
    assert got["atRisk30"] is True
    assert got["atRisk90"] is False
    assert [i["status"] for i in got["schedule"]] == ["LATE", "LATE"] + ["DUE"] * 4
    assert on_day_30["data"]["node"]["daysPastDue"] == 30
    assert on_day_30["data"]["node"]["atRisk30"] is False
    assert before_due["data"]["node"]["daysPastDue"] == 0
    assert before_due["data"]["node"]["schedule"][0]["status"] == "DUE"


async def test_a_repaid_or_pending_loan_is_never_past_due(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        b = await borrower(s)
        lines = range(1, 7)
        total = sum(
            (f.installment_total_of(b["product"], Decimal(100_000), k) for k in lines), Decimal(0)
        )
        repaid = await loan_for(s, b, payments=[Payment(date(2024, 2, 10), total)])
        pending = await loan_for(s, b, disbursed_on=None, cycle=2)

    for loan, status in ((repaid, "REPAID"), (pending, "PENDING")):
        body = await gql(RISK, {"id": to_base64("Loan", loan["id"]), "asOf": "2025-01-01"})
        got = body["data"]["node"]
        assert got["status"] == status
        assert got["oldestUnpaidDueOn"] is None
        assert got["daysPastDue"] == 0
        assert got["atRisk30"] is False
    assert repaid["closed_on"] == date(2024, 2, 10)
    pending_body = await gql(RISK, {"id": to_base64("Loan", pending["id"]), "asOf": "2025-01-01"})
    assert pending_body["data"]["node"]["schedule"] == []


REVERSAL = """
query ($id: ID!) {
  node(id: $id) {
    ... on Loan {
      principalRepaid { amount }
      interestPaid { amount }
      repayments {
        totalCount
        nodes {
          id kind paidOn note
          amount { amount } principalPart { amount } interestPart { amount }
          reverses { id kind paidOn }
          reversedBy { id kind paidOn }
        }
      }
    }
  }
}
"""


async def test_a_reversed_repayment_shows_its_reversal_and_no_longer_counts(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        b = await borrower(s)
        due = f.installment_total_of(b["product"], Decimal(100_000), 1)
        loan = await loan_for(
            s,
            b,
            payments=[
                Payment(date(2024, 2, 10), due),
                Payment(date(2024, 3, 10), due, reversed_on=date(2024, 3, 12), note="wrong loan"),
            ],
        )
    kept, wrong, reversal = loan["repayments"]

    body = await gql(REVERSAL, {"id": to_base64("Loan", loan["id"])})

    got = body["data"]["node"]
    nodes = got["repayments"]["nodes"]
    assert got["repayments"]["totalCount"] == 3
    assert [r["id"] for r in nodes] == [
        to_base64("Repayment", e["id"]) for e in (kept, wrong, reversal)
    ]
    assert [r["kind"] for r in nodes] == ["REPAYMENT", "REPAYMENT", "REVERSAL"]
    assert nodes[0]["reversedBy"] is None
    assert nodes[0]["reverses"] is None
    assert nodes[1]["reversedBy"] == {
        "id": nodes[2]["id"],
        "kind": "REVERSAL",
        "paidOn": "2024-03-12",
    }
    assert nodes[1]["reverses"] is None
    assert nodes[2]["reverses"] == {
        "id": nodes[1]["id"],
        "kind": "REPAYMENT",
        "paidOn": "2024-03-10",
    }
    assert nodes[2]["reversedBy"] is None
    assert nodes[2]["amount"] == nodes[1]["amount"]
    assert nodes[2]["principalPart"] == nodes[1]["principalPart"]
    assert nodes[2]["note"] == "wrong loan"
    # Only the repayment still standing counts.
    assert got["principalRepaid"] == {"amount": str(kept["principal_part"])}
    assert got["interestPaid"] == {"amount": str(kept["interest_part"])}


IN_EUR = """
query ($id: ID!, $on: Date!) {
  node(id: $id) {
    ... on Loan {
      principal {
        amount
        inEur(on: $on) { money { amount currency { code } } rate rateKind rateMonth }
      }
    }
  }
}
"""


async def test_an_xof_amount_converts_to_eur_at_the_peg_rounded_to_the_cent(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        await n.reference_data(s)
        await n.rate(s, "XOF", date(2024, 3, 1), XOF_PER_EUR, XOF_PER_EUR)
        b = await borrower(s)
        loan = await loan_for(s, b, principal=Decimal(137_500))

    body = await gql(IN_EUR, {"id": to_base64("Loan", loan["id"]), "on": "2024-03-20"})

    converted = body["data"]["node"]["principal"]["inEur"]
    expected = (Decimal(137_500) / Decimal("655.957")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert converted == {
        "money": {"amount": str(expected), "currency": {"code": "EUR"}},
        "rate": "655.957",
        "rateKind": "CLOSING",
        "rateMonth": "2024-03-01",
    }


LOANS_WITH_REPAYMENTS = """
query ($code: String!) {
  loans(filter: { programmes: [$code] }, first: 50) {
    totalCount
    nodes {
      id
      member { id }
      group { id }
      product { name }
      schedule { number status }
      repayments(first: 5) {
        totalCount
        nodes { amount { amount } collectedBy { id } reverses { id } reversedBy { id } }
      }
    }
  }
}
"""


async def programme_with_loans(db: Database, count: int) -> str:
    async with db.transaction() as s:
        b = await borrower(s)
        due = f.installment_total_of(b["product"], Decimal(100_000), 1)
        collector = b["facilitator"]["id"]
        for _ in range(count):
            member = await g.member(s, b["programme"]["id"], b["group"]["id"])
            await f.loan(
                s,
                b["product"],
                member,
                b["group"]["id"],
                payments=[
                    Payment(date(2024, 2, 10), due, collector),
                    Payment(date(2024, 3, 10), due, collector, reversed_on=date(2024, 3, 11)),
                ],
            )
    code: str = b["programme"]["code"]
    return code


async def test_the_statements_for_loans_and_their_repayments_do_not_grow_with_the_loans(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    few = await programme_with_loans(db, 5)
    many = await programme_with_loans(db, 20)

    with api.count_statements() as for_few:
        few_body = await gql(LOANS_WITH_REPAYMENTS, {"code": few})
    with api.count_statements() as for_many:
        many_body = await gql(LOANS_WITH_REPAYMENTS, {"code": many})

    assert "errors" not in many_body, many_body
    assert few_body["data"]["loans"]["totalCount"] == 5
    assert many_body["data"]["loans"]["totalCount"] == 20
    assert all(
        node["repayments"]["totalCount"] == 3 for node in many_body["data"]["loans"]["nodes"]
    )
    assert for_few.count == for_many.count


NODE = """
query ($id: ID!) {
  node(id: $id) { id __typename }
}
"""


async def test_loans_products_and_repayments_are_invisible_to_another_programme(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        b = await borrower(s)
        other = await n.programme(s)
        loan = await loan_for(s, b, payments=[Payment(date(2024, 2, 10), Decimal(1000))])
    own, foreign = b["programme"]["code"], other["code"]

    for type_name, key in (
        ("Loan", loan["id"]),
        ("LoanProduct", b["product"]["id"]),
        ("Repayment", loan["repayments"][0]["id"]),
    ):
        node_id = to_base64(type_name, key)
        seen = await gql(NODE, {"id": node_id}, programmes=own)
        hidden = await gql(NODE, {"id": node_id}, programmes=foreign)
        assert seen["data"]["node"] == {"id": node_id, "__typename": type_name}
        assert hidden == {"data": {"node": None}}

    listed = await gql(LOANS, {"filter": {"programmes": [own]}}, programmes=foreign)
    assert listed["data"]["loans"] == {
        "totalCount": 0,
        "nodes": [],
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "endCursor": None},
    }
    products = await gql(LOAN_PRODUCTS, {"programmes": [own]}, programmes=foreign)
    assert products["data"]["loanProducts"] == []


LOANS = """
query ($filter: LoanFilter, $first: Int, $after: String) {
  loans(filter: $filter, first: $first, after: $after) {
    totalCount
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


async def test_loans_filter_by_status_cycle_product_disbursement_and_days_past_due(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        b = await borrower(s)
        other_product = await f.product(s, b["programme"], name="Second cycle")
        due = f.installment_total_of(b["product"], Decimal(100_000), 1)
        on_time = await loan_for(
            s, b, disbursed_on=date(2024, 1, 10), payments=[Payment(date(2024, 2, 10), due)]
        )
        late = await loan_for(s, b, disbursed_on=date(2024, 1, 10))
        second = await loan_for(s, b, product=other_product, cycle=2, disbursed_on=date(2024, 6, 3))
        pending = await loan_for(s, b, disbursed_on=None, cycle=3)
        written_off = await loan_for(
            s, b, disbursed_on=date(2023, 1, 5), written_off_on=date(2023, 12, 31)
        )
    code = b["programme"]["code"]

    def where(**conditions: Any) -> dict[str, Any]:
        return {"filter": {"programmes": [code], **conditions}}

    everything = await gql(LOANS, where())
    assert ids(everything) == {gid(x) for x in (on_time, late, second, pending, written_off)}
    assert everything["data"]["loans"]["totalCount"] == 5

    by_status = await gql(LOANS, where(statuses=["PENDING", "WRITTEN_OFF"]))
    assert ids(by_status) == {gid(pending), gid(written_off)}

    by_cycle = await gql(LOANS, where(cycles=[2, 3]))
    assert ids(by_cycle) == {gid(second), gid(pending)}

    by_product = await gql(LOANS, where(products=[to_base64("LoanProduct", other_product["id"])]))
    assert ids(by_product) == {gid(second)}

    by_disbursement = await gql(
        LOANS, where(disbursedBetween={"from": "2024-01-01", "to": "2024-01-31"})
    )
    assert ids(by_disbursement) == {gid(on_time), gid(late)}
    open_ended = await gql(LOANS, where(disbursedBetween={"from": "2024-02-01"}))
    assert ids(open_ended) == {gid(second)}

    # At 2024-03-12 the late loan is 31 days past due, the one repaid on time 2 days.
    past_due = await gql(LOANS, where(minDaysPastDue=31, asOf="2024-03-12"))
    assert ids(past_due) == {gid(late)}
    a_little = await gql(LOANS, where(minDaysPastDue=2, asOf="2024-03-12"))
    assert ids(a_little) == {gid(on_time), gid(late)}
    none_yet = await gql(LOANS, where(minDaysPastDue=32, asOf="2024-03-12"))
    assert ids(none_yet) == set()

    wrong = await gql(LOANS, where(products=[to_base64("Loan", late["id"])]))
    assert wrong["data"] is None
    assert "expects LoanProduct IDs" in wrong["errors"][0]["message"]
    assert written_off["written_off_principal"] == Decimal(100_000)


async def test_loans_paginate_forward_with_cursors(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        b = await borrower(s)
        made = [await loan_for(s, b, cycle=k) for k in (1, 2, 3)]
    code = b["programme"]["code"]

    first = await gql(LOANS, {"filter": {"programmes": [code]}, "first": 2})
    page = first["data"]["loans"]
    rest = await gql(
        LOANS,
        {"filter": {"programmes": [code]}, "first": 2, "after": page["pageInfo"]["endCursor"]},
    )

    assert page["totalCount"] == 3
    assert len(page["nodes"]) == 2
    assert page["pageInfo"]["hasNextPage"] is True
    assert rest["data"]["loans"]["pageInfo"]["hasNextPage"] is False
    assert rest["data"]["loans"]["pageInfo"]["hasPreviousPage"] is True
    assert ids(first) | ids(rest) == {to_base64("Loan", m["id"]) for m in made}
    assert len(ids(rest)) == 1


REPAYMENT_PAGES = """
query ($id: ID!, $after: String) {
  node(id: $id) {
    ... on Loan {
      repayments(first: 2, after: $after) {
        totalCount
        nodes { paidOn }
        pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }
  }
}
"""


async def test_a_loans_repayments_paginate(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        b = await borrower(s)
        loan = await loan_for(
            s,
            b,
            payments=[Payment(date(2024, 2, d), Decimal(3000)) for d in (10, 11, 12)],
        )
    loan_id = to_base64("Loan", loan["id"])

    first = (await gql(REPAYMENT_PAGES, {"id": loan_id}))["data"]["node"]["repayments"]
    after = first["pageInfo"]["endCursor"]
    rest = (await gql(REPAYMENT_PAGES, {"id": loan_id, "after": after}))["data"]["node"][
        "repayments"
    ]

    assert first["totalCount"] == 3
    assert [r["paidOn"] for r in first["nodes"]] == ["2024-02-10", "2024-02-11"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [r["paidOn"] for r in rest["nodes"]] == ["2024-02-12"]
    assert rest["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "endCursor": rest["pageInfo"]["endCursor"],
    }


LOAN_PRODUCTS = """
query ($programmes: [String!]) {
  loanProducts(programmes: $programmes) { id name programme { code } }
}
"""

PROGRAMME_LOANS = """
query ($code: String!, $memberId: ID!, $groupId: ID!) {
  programme(code: $code) {
    loanProducts { name }
    loans(filter: { statuses: [ACTIVE] }) { totalCount nodes { id } }
    allLoans: loans { totalCount }
  }
  member: node(id: $memberId) { ... on Member { loans { totalCount nodes { id } } } }
  group: node(id: $groupId) { ... on Group { loans(filter: { cycles: [2] }) { nodes { id } } } }
}
"""


async def test_a_programme_member_and_group_list_their_loans_and_products(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        b = await borrower(s)
        second_product = await f.product(s, b["programme"], name="Deuxieme pret")
        first = await loan_for(s, b)
        second = await loan_for(s, b, product=second_product, cycle=2, disbursed_on=None)
        someone_else = await borrower(s, b["programme"])
        theirs = await loan_for(s, someone_else, product=second_product)
    code = b["programme"]["code"]

    body = await gql(
        PROGRAMME_LOANS,
        {
            "code": code,
            "memberId": to_base64("Member", b["member"]["id"]),
            "groupId": to_base64("Group", b["group"]["id"]),
        },
    )
    products = await gql(LOAN_PRODUCTS, {"programmes": [code]})

    assert "errors" not in body, body
    programme = body["data"]["programme"]
    every_product = {b["product"]["name"], someone_else["product"]["name"], "Deuxieme pret"}
    assert {p["name"] for p in programme["loanProducts"]} == every_product
    assert {n["id"] for n in programme["loans"]["nodes"]} == {gid(first), gid(theirs)}
    assert programme["loans"]["totalCount"] == 2
    assert programme["allLoans"]["totalCount"] == 3
    member_loans = body["data"]["member"]["loans"]
    assert member_loans["totalCount"] == 2
    assert {n["id"] for n in member_loans["nodes"]} == {gid(first), gid(second)}
    assert body["data"]["group"]["loans"]["nodes"] == [{"id": gid(second)}]
    listed = products["data"]["loanProducts"]
    assert {p["name"] for p in listed} == every_product
    assert {p["programme"]["code"] for p in listed} == {code}
    assert {p["id"] for p in listed} >= {to_base64("LoanProduct", second_product["id"])}
