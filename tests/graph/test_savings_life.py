"""The rest of a savings account's life through the API: reversing an entry, posting interest,
closing; each rule's error, retries applied once, a failed write leaving nothing."""

import secrets
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text
from strawberry.relay import from_base64

from db import savings as db_savings
from db.engine import Database
from db.models import ReplicatedProgramme, SavingsInterestPosting
from domain import saving
from domain.enums import SavingsKind
from tests.conftest import GraphQL
from tests.factories import groups as g
from tests.factories import savings as sf
from tests.graph.test_savings_mutations import (
    MOVEMENT,
    SAVINGS_DEPOSIT,
    SAVINGS_WITHDRAW,
    codes,
    days_ago,
    deposit_input,
    gid,
    make_saver,
    send,
    snapshot,
    staff_of,
    with_account,
    with_active_loan,
    withdraw_input,
    xof,
)

REVERSE = f"""
mutation ($input: SavingsTransactionReverseInput!) {{
  savingsTransactionReverse(input: $input) {{
    {MOVEMENT}
    extra: transaction {{ note reverses {{ id kind reversedBy {{ id }} }} }}
  }}
}}
"""

POST = """
mutation ($input: SavingsInterestPostInput!) {
  savingsInterestPost(input: $input) {
    posting {
      id kind periodFrom periodTo annualRatePercent postedOn accountsCredited
      total { amount currency { code } }
      account { id } programme { code } recordedBy { id }
      credits { totalCount nodes { kind occurredOn amount { amount } balanceAfter { amount }
                                   account { id } posting { id } } }
    }
    userErrors { field message code }
    replayed
  }
}
"""

CLOSE = """
mutation ($input: SavingsAccountCloseInput!) {
  savingsAccountClose(input: $input) {
    account {
      id closedOn balance { amount }
      transactions(last: 1) { nodes { kind occurredOn amount { amount } note } }
    }
    userErrors { field message code }
    replayed
  }
}
"""

ACCOUNT = """
query ($id: ID!) {
  node(id: $id) {
    ... on SavingsAccount {
      balance { amount } closedOn
      transactions { nodes { id kind amount { amount } reverses { id } reversedBy { id } } }
    }
  }
}
"""


@pytest.fixture
async def saver(db: Database) -> dict[str, Any]:
    return await make_saver(db)


def reverse_input(transaction: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "transaction": transaction,
        "reversedOn": str(days_ago(5)),
        "reason": "Entered on the wrong member's card",
    }
    values.update(overrides)
    return values


def post_input(b: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "periodFrom": str(days_ago(364)),
        "periodTo": str(days_ago(0)),
        "annualRatePercent": "2",
        "recordedBy": gid("Facilitator", b["facilitator"]["id"]),
    }
    values.update(overrides)
    return values


def close_input(b: dict[str, Any], account: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "account": account,
        "closedOn": str(days_ago(1)),
        "recordedBy": gid("Facilitator", b["facilitator"]["id"]),
    }
    values.update(overrides)
    return values


async def first_entry(db: Database, account: str) -> str:
    async with db.read() as s:
        key = await s.scalar(
            select(db_savings.transactions.c.id)
            .where(db_savings.transactions.c.account_id == from_base64(account)[1])
            .order_by(db_savings.transactions.c.id)
            .limit(1)
        )
    return gid("SavingsTransaction", key)


# Reversal.


async def test_a_reversed_deposit_leaves_the_balance_as_if_it_never_happened(
    gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    first = await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b, amount=xof(3_000)))
    mistaken = await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b, amount=xof(2_000)))

    reversed_ = await send(gql, b, REVERSE, reverse_input(mistaken["transaction"]["id"]))

    assert reversed_["userErrors"] == []
    assert reversed_["transaction"]["kind"] == "REVERSAL"
    assert reversed_["transaction"]["amount"]["amount"] == "2000"
    assert reversed_["transaction"]["balanceAfter"]["amount"] == "3000"
    assert reversed_["account"]["balance"]["amount"] == "3000"
    assert reversed_["extra"]["note"] == "Entered on the wrong member's card"
    assert reversed_["extra"]["reverses"] == {
        "id": mistaken["transaction"]["id"],
        "kind": "DEPOSIT",
        "reversedBy": {"id": reversed_["transaction"]["id"]},
    }
    body = await gql(ACCOUNT, {"id": first["account"]["id"]}, **staff_of(b))
    entries = body["data"]["node"]["transactions"]["nodes"]
    assert [(e["kind"], e["reversedBy"] is not None) for e in entries] == [
        ("DEPOSIT", False),
        ("DEPOSIT", True),
        ("REVERSAL", False),
    ]


async def test_a_reversed_withdrawal_gives_the_money_back(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    account = await with_account(db, b, 10_000, SavingsKind.VOLUNTARY)
    taken = await send(gql, b, SAVINGS_WITHDRAW, withdraw_input(b, account, amount=xof(4_000)))

    reversed_ = await send(gql, b, REVERSE, reverse_input(taken["transaction"]["id"]))

    assert reversed_["account"]["balance"]["amount"] == "10000"


async def test_a_reversal_that_would_overdraw_now_or_in_the_past_is_refused(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    async with db.transaction() as s:
        made = await sf.account(
            s,
            b["programme"],
            b["member"],
            kind=SavingsKind.VOLUNTARY,
            movements=[
                sf.deposit(days_ago(300), 5_000),
                sf.withdrawal(days_ago(200), 5_000),
                sf.deposit(days_ago(100), 5_000),
            ],
        )
    first = gid("SavingsTransaction", made["transactions"][0]["id"])
    before = await snapshot(db, b["programme"]["id"])

    # Now: 5,000 either way; but from day -200 to day -101 she would have had -5,000.
    refused = await send(gql, b, REVERSE, reverse_input(first))

    assert codes(refused) == [(["input", "transaction"], "INSUFFICIENT_BALANCE")]
    assert str(days_ago(200)) in refused["userErrors"][0]["message"]
    assert refused["transaction"] is None
    assert await snapshot(db, b["programme"]["id"]) == before

    # Reversing the last deposit would leave nothing but is fine; after it, no money is left
    # to reverse the first one's withdrawal… which would overdraw now.
    last = gid("SavingsTransaction", made["transactions"][2]["id"])
    done = await send(gql, b, REVERSE, reverse_input(last))
    assert done["account"]["balance"]["amount"] == "0"
    again = await send(gql, b, REVERSE, reverse_input(first))
    assert codes(again) == [(["input", "transaction"], "INSUFFICIENT_BALANCE")]


async def test_a_reversal_cannot_be_reversed_nor_an_entry_reversed_twice(
    gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    deposited = await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b))
    reversal = await send(gql, b, REVERSE, reverse_input(deposited["transaction"]["id"]))

    twice = await send(gql, b, REVERSE, reverse_input(deposited["transaction"]["id"]))
    of_reversal = await send(gql, b, REVERSE, reverse_input(reversal["transaction"]["id"]))

    assert codes(twice) == [(["input", "transaction"], "ALREADY_REVERSED")]
    assert codes(of_reversal) == [(["input", "transaction"], "INVALID_STATE")]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"reason": "  "}, (["input", "reason"], "REASON_REQUIRED")),
        ({"reversedOn": str(days_ago(-1))}, (["input", "reversedOn"], "IN_FUTURE")),
        ({"reversedOn": str(days_ago(150))}, (["input", "reversedOn"], "DATES_OUT_OF_ORDER")),
        ({"transaction": gid("SavingsAccount", "0" * 32)}, (["input", "transaction"], "INVALID")),
    ],
)
async def test_a_bad_reversal_names_its_field(
    gql: GraphQL, saver: dict[str, Any], overrides: dict[str, Any], expected: Any
) -> None:
    b = saver
    deposited = await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b))

    refused = await send(
        gql, b, REVERSE, {**reverse_input(deposited["transaction"]["id"]), **overrides}
    )

    assert codes(refused) == [expected]


async def test_another_programme_and_head_office_cannot_reverse(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    other = await make_saver(db)
    deposited = await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b))
    entry = deposited["transaction"]["id"]

    elsewhere = await send(gql, b, REVERSE, reverse_input(entry), **staff_of(other))
    head_office = await send(gql, b, REVERSE, reverse_input(entry), role="HEAD_OFFICE")

    assert codes(elsewhere) == [(["input", "transaction"], "NOT_FOUND")]
    assert codes(head_office) == [(None, "NOT_ALLOWED")]


async def test_a_retried_reversal_is_applied_once_and_audited(
    gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    deposited = await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b, amount=xof(2_500)))
    input = reverse_input(deposited["transaction"]["id"], idempotencyKey=secrets.token_hex(8))

    first = await send(gql, b, REVERSE, input)
    again = await send(gql, b, REVERSE, input)

    assert again["replayed"] is True
    assert again["transaction"]["id"] == first["transaction"]["id"]
    assert again["account"]["balance"]["amount"] == "0"
    audit = await gql(
        "query ($ids: [ID!]) { auditEntries(filter: {entities: $ids}) "
        "{ nodes { operation details } } }",
        {"ids": [first["transaction"]["id"]]},
    )
    (entry,) = audit["data"]["auditEntries"]["nodes"]
    assert entry["operation"] == "savingsTransactionReverse"
    assert entry["details"]["reason"] == "Entered on the wrong member's card"


async def test_a_replicated_programme_refuses_savings_writes_here(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    deposited = await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b))
    async with db.transaction() as s:
        await s.execute(
            insert(ReplicatedProgramme).values(
                programme_id=b["programme"]["id"],
                subscription=f"edm_{secrets.token_hex(4)}",
                source="db.example:5432/fansoto",
            )
        )
    try:
        refused = await send(gql, b, REVERSE, reverse_input(deposited["transaction"]["id"]))
    finally:
        async with db.transaction() as s:
            await s.execute(
                delete(ReplicatedProgramme).where(
                    ReplicatedProgramme.programme_id == b["programme"]["id"]
                )
            )
    assert codes(refused) == [(None, "NOT_ALLOWED")]
    assert "own database" in refused["userErrors"][0]["message"]


# Interest.


async def test_interest_on_one_account_is_the_daily_balance_at_the_rate_rounded_half_up(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    start = days_ago(99)
    async with db.transaction() as s:
        made = await sf.account(
            s,
            b["programme"],
            b["member"],
            kind=SavingsKind.VOLUNTARY,
            movements=[
                sf.deposit(start - timedelta(days=10), 36_500),  # 100 days in the period
                sf.deposit(days_ago(49), 18_250),  # 50 days
                sf.withdrawal(days_ago(9), 10_000),  # 10 days less
            ],
        )
    account = gid("SavingsAccount", made["id"])
    # 36,500 × 100 + 18,250 × 50 − 10,000 × 10 = 4,462,500 unit-days; at 3% a year:
    # 4,462,500 × 0.03 / 365 = 366.78… → 367 XOF (no minor unit: half up).
    posted = await send(
        gql,
        b,
        POST,
        post_input(b, account=account, periodFrom=str(start), annualRatePercent="3"),
    )

    assert posted["userErrors"] == []
    p = posted["posting"]
    assert (p["periodFrom"], p["periodTo"], p["postedOn"]) == (
        str(start),
        str(days_ago(0)),
        str(days_ago(0)),
    )
    assert (p["annualRatePercent"], p["accountsCredited"], p["total"]["amount"]) == ("3", 1, "367")
    assert p["account"] == {"id": account}
    (credit,) = p["credits"]["nodes"]
    assert credit["kind"] == "INTEREST"
    assert credit["amount"]["amount"] == "367"
    assert credit["balanceAfter"]["amount"] == str(36_500 + 18_250 - 10_000 + 367)
    assert credit["posting"] == {"id": p["id"]}


async def test_a_reversed_entry_earns_no_interest(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    deposited = await send(
        gql,
        b,
        SAVINGS_DEPOSIT,
        deposit_input(b, kind="VOLUNTARY", amount=xof(36_500), occurredOn=str(days_ago(30))),
    )
    mistaken = await send(
        gql,
        b,
        SAVINGS_DEPOSIT,
        deposit_input(b, kind="VOLUNTARY", amount=xof(73_000), occurredOn=str(days_ago(30))),
    )
    await send(gql, b, REVERSE, reverse_input(mistaken["transaction"]["id"]))

    posted = await send(
        gql,
        b,
        POST,
        post_input(
            b,
            account=deposited["account"]["id"],
            periodFrom=str(days_ago(29)),
            annualRatePercent="10",
        ),
    )

    # 36,500 × 30 days × 10% / 365 = 300 exactly.
    assert posted["posting"]["total"]["amount"] == "300"


async def test_programme_wide_interest_credits_each_open_account_of_the_kind(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    async with db.transaction() as s:
        second = await g.member(s, b["programme"]["id"], b["group"]["id"], joined_on=days_ago(400))
        third = await g.member(s, b["programme"]["id"], b["group"]["id"], joined_on=days_ago(400))
        for member, amount in ((b["member"], 36_500), (second, 73_000)):
            await sf.account(
                s,
                b["programme"],
                member,
                kind=SavingsKind.VOLUNTARY,
                movements=[sf.deposit(days_ago(200), amount)],
            )
        # Compulsory savings earn nothing here; a closed account neither.
        await sf.account(
            s, b["programme"], b["member"], movements=[sf.deposit(days_ago(200), 99_000)]
        )
        await sf.account(
            s, b["programme"], third, kind=SavingsKind.VOLUNTARY, closed_on=days_ago(100)
        )
    period = {"periodFrom": str(days_ago(99)), "periodTo": str(days_ago(0))}
    programme = gid("Programme", b["programme"]["id"])

    posted = await send(
        gql,
        b,
        POST,
        post_input(b, programme=programme, kind="VOLUNTARY", annualRatePercent="1.5", **period),
    )

    p = posted["posting"]
    # 100 days at 1.5%: 36,500 → 150; 73,000 → 300.
    assert (p["kind"], p["accountsCredited"], p["total"]["amount"]) == ("VOLUNTARY", 2, "450")
    assert sorted(c["amount"]["amount"] for c in p["credits"]["nodes"]) == ["150", "300"]
    assert p["account"] is None
    assert p["programme"] == {"code": b["programme"]["code"]}

    # The same period again is refused.
    again = await send(gql, b, POST, post_input(b, programme=programme, kind="VOLUNTARY", **period))
    assert codes(again) == [(["input", "periodFrom"], "ALREADY_POSTED")]
    assert "2 of these accounts" in again["userErrors"][0]["message"]


async def test_interest_rules_each_name_their_field(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    account = await with_account(db, b, 10_000, SavingsKind.VOLUNTARY)
    programme = gid("Programme", b["programme"]["id"])
    cases = [
        ({}, (["input", "account"], "INVALID")),
        ({"account": account, "programme": programme}, (["input", "account"], "INVALID")),
        (
            {"account": account, "periodTo": str(days_ago(400))},
            (["input", "periodTo"], "DATES_OUT_OF_ORDER"),
        ),
        ({"account": account, "periodTo": str(days_ago(-1))}, (["input", "periodTo"], "IN_FUTURE")),
        (
            {"account": account, "annualRatePercent": "0"},
            (["input", "annualRatePercent"], "NOT_POSITIVE"),
        ),
        (
            {"account": account, "annualRatePercent": "101"},
            (["input", "annualRatePercent"], "OUT_OF_RANGE"),
        ),
        (
            {"account": account, "annualRatePercent": "1.00001"},
            (["input", "annualRatePercent"], "TOO_MANY_DECIMALS"),
        ),
    ]
    before = await snapshot(db, b["programme"]["id"])
    for overrides, expected in cases:
        refused = await send(gql, b, POST, post_input(b, **overrides))
        assert codes(refused) == [expected], overrides
        assert refused["posting"] is None
    assert await snapshot(db, b["programme"]["id"]) == before


async def test_a_retried_posting_is_applied_once(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    account = await with_account(db, b, 36_500, SavingsKind.VOLUNTARY)
    input = post_input(b, account=account, idempotencyKey=secrets.token_hex(8))

    first = await send(gql, b, POST, input)
    again = await send(gql, b, POST, input)

    assert again["replayed"] is True
    assert again["posting"]["id"] == first["posting"]["id"]
    async with db.read() as s:
        count = await s.scalar(
            select(text("count(*)"))
            .select_from(SavingsInterestPosting.__table__)
            .where(SavingsInterestPosting.programme_id == b["programme"]["id"])
        )
    assert count == 1


async def test_a_posting_failing_midway_leaves_nothing(
    db: Database, gql: GraphQL, saver: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    b = saver
    account = await with_account(db, b, 36_500, SavingsKind.VOLUNTARY)
    before = await snapshot(db, b["programme"]["id"])
    real = db_savings.interest_credits

    async def fail(*args: Any, **kwargs: Any) -> None:
        await real(*args, **kwargs)
        raise RuntimeError("injected failure after the credits")

    monkeypatch.setattr(db_savings, "interest_credits", fail)
    body = await gql(POST, {"input": post_input(b, account=account)}, **staff_of(b))
    monkeypatch.undo()

    assert body["data"] is None
    assert await snapshot(db, b["programme"]["id"]) == before


# Closing.


async def test_closing_pays_the_balance_out_and_refuses_later_deposits(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    account = await with_account(db, b, 7_500, SavingsKind.VOLUNTARY)

    closed = await send(gql, b, CLOSE, close_input(b, account))

    assert closed["userErrors"] == []
    assert closed["account"]["closedOn"] == str(days_ago(1))
    assert closed["account"]["balance"]["amount"] == "0"
    assert closed["account"]["transactions"]["nodes"] == [
        {
            "kind": "WITHDRAWAL",
            "occurredOn": str(days_ago(1)),
            "amount": {"amount": "7500"},
            "note": "Paid out on closing the account.",
        }
    ]
    deposit = await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b, kind="VOLUNTARY"))
    assert codes(deposit) == [(["input", "kind"], "INVALID_STATE")]
    twice = await send(gql, b, CLOSE, close_input(b, account))
    assert codes(twice) == [(["input", "account"], "INVALID_STATE")]


async def test_an_empty_account_closes_without_a_movement(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    async with db.transaction() as s:
        made = await sf.account(s, b["programme"], b["member"], kind=SavingsKind.VOLUNTARY)

    closed = await send(gql, b, CLOSE, close_input(b, gid("SavingsAccount", made["id"])))

    assert closed["account"]["transactions"]["nodes"] == []


async def test_compulsory_savings_stay_while_a_loan_is_active(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    account = await with_account(db, b, 20_000)
    await with_active_loan(db, b)
    before = await snapshot(db, b["programme"]["id"])

    refused = await send(gql, b, CLOSE, close_input(b, account))

    assert codes(refused) == [(["input", "account"], "BELOW_COMPULSORY_MINIMUM")]
    assert await snapshot(db, b["programme"]["id"]) == before


async def test_closing_rules_each_name_their_field(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    account = await with_account(db, b, 1_000, SavingsKind.VOLUNTARY)
    for overrides, expected in [
        ({"closedOn": str(days_ago(-1))}, (["input", "closedOn"], "IN_FUTURE")),
        ({"closedOn": str(days_ago(301))}, (["input", "closedOn"], "DATES_OUT_OF_ORDER")),
        ({"recordedBy": gid("Facilitator", "0" * 32)}, (["input", "recordedBy"], "NOT_FOUND")),
    ]:
        refused = await send(gql, b, CLOSE, close_input(b, account, **overrides))
        assert codes(refused) == [expected]


async def test_a_retried_close_is_applied_once(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    account = await with_account(db, b, 2_000, SavingsKind.VOLUNTARY)
    input = close_input(b, account, idempotencyKey=secrets.token_hex(8))

    first = await send(gql, b, CLOSE, input)
    again = await send(gql, b, CLOSE, input)

    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["userErrors"] == []
    body = await gql(ACCOUNT, {"id": account}, **staff_of(b))
    kinds = [e["kind"] for e in body["data"]["node"]["transactions"]["nodes"]]
    assert kinds == ["DEPOSIT", "WITHDRAWAL"]


def test_interest_rounds_half_up_to_the_minor_unit() -> None:
    # 1 unit-day at 36.5% is 0.001 a day; XOF has no minor unit, EUR two.
    assert saving.interest(Decimal(500), Decimal("36.5"), "XOF") == Decimal(1)  # 0.5 → 1
    assert saving.interest(Decimal(499), Decimal("36.5"), "XOF") == Decimal(0)
    assert saving.interest(Decimal(5), Decimal("36.5"), "EUR") == Decimal("0.01")  # 0.005
    assert saving.interest(Decimal(4), Decimal("36.5"), "EUR") == Decimal("0.00")
    assert saving.interest(Decimal(-100), Decimal("36.5"), "EUR") == Decimal(0)


# Reading it all back: declared fields, planned in one statement.

LIFE = """
query ($code: String!) {
  programme(code: $code) {
    loanProducts { name active retiredOn }
    facilitators { nodes { active retiredOn } }
    members {
      nodes {
        leftOn leavingReason
        savingsAccounts {
          closedOn
          transactions {
            nodes {
              kind note
              reverses { kind }
              reversedBy { kind occurredOn }
              posting { periodFrom annualRatePercent accountsCredited total { amount }
                        credits { totalCount } recordedBy { id } account { id } }
            }
          }
        }
      }
    }
  }
}
"""


async def test_the_life_of_an_account_reads_back_in_one_planned_statement(
    db: Database, gql: GraphQL, api: Any, saver: dict[str, Any]
) -> None:
    b = saver
    account = await with_account(db, b, 36_500, SavingsKind.VOLUNTARY)
    await send(gql, b, POST, post_input(b, account=account, periodFrom=str(days_ago(9))))
    taken = await send(gql, b, SAVINGS_WITHDRAW, withdraw_input(b, account, amount=xof(500)))
    await send(gql, b, REVERSE, reverse_input(taken["transaction"]["id"]))
    before = api.app.state.planner_checked

    with api.count_statements() as sql:
        body = await gql(LIFE, {"code": b["programme"]["code"]}, **staff_of(b))

    assert "errors" not in body, body
    assert sql.count == 2  # the credential's programme codes, then the whole answer
    assert api.app.state.planner_checked == before + 1  # planned, and checked against resolvers
    (member,) = body["data"]["programme"]["members"]["nodes"]
    (held,) = member["savingsAccounts"]
    entries = held["transactions"]["nodes"]
    assert [e["kind"] for e in entries] == ["DEPOSIT", "INTEREST", "WITHDRAWAL", "REVERSAL"]
    assert entries[1]["posting"]["total"] == {"amount": "20"}  # 36,500 × 10 days × 2% / 365
    assert entries[1]["posting"]["credits"] == {"totalCount": 1}
    assert entries[2]["reversedBy"] == {"kind": "REVERSAL", "occurredOn": str(days_ago(5))}
    assert entries[3]["reverses"] == {"kind": "WITHDRAWAL"}
    assert entries[0]["reversedBy"] is None
