"""Drop-outs and savings reversals in the indicators: a member who left is not active from
her leaving day, a reversed savings entry counts on no day; the ledger, the month-end
snapshots and today's running totals agree with each other and with SQL written here."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from strawberry.relay import to_base64

from db import indicators as db_indicators
from db.engine import Database
from db.scope import Scope
from domain.enums import Gender
from tests.conftest import GraphQL
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import network as n
from tests.factories import savings as sf

TODAY = date.today()

FIGURES = """
query ($asOf: Date, $programmes: [String!]) {
  indicators(asOf: $asOf, programmes: $programmes) {
    programmes {
      activeMembers womenMembers activeDepositors savingsBalance { local { amount } }
      borrowersWhoRepaid borrowersRetained
    }
  }
}
"""

LEAVE = """
mutation ($input: MemberLeaveInput!) {
  memberLeave(input: $input) { member { leftOn } userErrors { field code } }
}
"""
REVERSE = """
mutation ($input: SavingsTransactionReverseInput!) {
  savingsTransactionReverse(input: $input) { transaction { id } userErrors { field code } }
}
"""

# Independent of db/indicators.py: members in an open group at the end of a day, and the
# savings standing at its end (reversals and the entries they cancel left out).
MEMBERS_SQL = """
SELECT count(*) AS members, count(*) FILTER (WHERE m.gender = 'FEMALE') AS women
  FROM group_memberships gm JOIN members m ON m.id = gm.member_id
  JOIN groups g ON g.id = gm.group_id
 WHERE gm.programme_id = :p AND gm.joined_on <= :day AND g.formed_on <= :day
   AND (gm.left_on IS NULL OR gm.left_on > :day) AND (g.closed_on IS NULL OR g.closed_on > :day)
"""
SAVINGS_SQL = """
SELECT coalesce(sum(balance), 0) AS total, count(*) FILTER (WHERE balance > 0) AS depositors
  FROM (SELECT a.member_id,
               sum(CASE WHEN t.kind = 'WITHDRAWAL' THEN -t.amount ELSE t.amount END) AS balance
          FROM savings_transactions t JOIN savings_accounts a ON a.id = t.account_id
         WHERE t.programme_id = :p AND t.occurred_on <= :day AND t.kind <> 'REVERSAL'
           AND NOT EXISTS (SELECT 1 FROM savings_transactions r WHERE r.reverses_id = t.id)
         GROUP BY a.member_id) AS per_member
"""


def gid(type_name: str, key: Any) -> str:
    return to_base64(type_name, str(key))


async def expected(db: Database, programme_id: Any, day: date) -> dict[str, Any]:
    async with db.read() as s:
        members = (await s.execute(text(MEMBERS_SQL), {"p": programme_id, "day": day})).one()
        savings = (await s.execute(text(SAVINGS_SQL), {"p": programme_id, "day": day})).one()
    return {
        "activeMembers": members.members,
        "womenMembers": members.women,
        "activeDepositors": savings.depositors,
        "savingsBalance": {"local": {"amount": str(int(savings.total))}},
    }


async def figures(gql: GraphQL, code: str, day: date) -> dict[str, Any]:
    body = await gql(FIGURES, {"asOf": str(day), "programmes": [code]})
    assert "errors" not in body, body
    (got,) = body["data"]["indicators"]["programmes"]
    return {
        k: got[k] for k in ("activeMembers", "womenMembers", "activeDepositors", "savingsBalance")
    }


async def test_drop_outs_and_reversals_in_the_figures_of_every_day(
    db: Database, gql: GraphQL
) -> None:
    left_on = TODAY - timedelta(days=40)
    async with db.transaction() as s:
        p = await n.programme(s)
        facilitator = await g.facilitator(s, p["id"])
        group = await g.group(s, p["id"], facilitator["id"], formed_on=TODAY - timedelta(days=400))
        people = [
            await g.member(s, p["id"], group["id"], joined_on=TODAY - timedelta(days=300))
            for _ in range(3)
        ]
        man = await g.member(
            s, p["id"], group["id"], joined_on=TODAY - timedelta(days=300), gender=Gender.MALE
        )
        # Her savings were paid out before she left; the others keep theirs.
        await sf.account(
            s,
            p,
            people[0],
            movements=[
                sf.deposit(TODAY - timedelta(days=200), 4_000),
                sf.withdrawal(TODAY - timedelta(days=45), 4_000),
            ],
        )
        kept = await sf.account(
            s,
            p,
            people[1],
            movements=[
                sf.deposit(TODAY - timedelta(days=200), 3_000),
                sf.deposit(TODAY - timedelta(days=100), 7_000),
            ],
        )
    staff = {"programmes": p["code"], "subject": "awa@test"}
    day_before, after = left_on - timedelta(days=1), TODAY - timedelta(days=10)
    before_reversal = TODAY - timedelta(days=150)
    # Month-end snapshots of every past month, before the writes below pull them back.
    async with db.transaction() as s:
        await db_indicators.refresh_programme(s, Scope.network(), p["id"], today=TODAY)

    for who in (people[0], man):
        left = await gql(
            LEAVE,
            {
                "input": {
                    "member": gid("Member", who["id"]),
                    "leftOn": str(left_on),
                    "reason": "MOVED_AWAY",
                }
            },
            **staff,
        )
        assert left["data"]["memberLeave"]["userErrors"] == [], left
    # The 7,000 deposit of day -100 was someone else's: reversed today, it never counted.
    reversed_ = await gql(
        REVERSE,
        {
            "input": {
                "transaction": gid("SavingsTransaction", kept["transactions"][1]["id"]),
                "reversedOn": str(TODAY),
                "reason": "Another member's money",
            }
        },
        **staff,
    )
    assert reversed_["data"]["savingsTransactionReverse"]["userErrors"] == []

    for day in (before_reversal, day_before, left_on, after, TODAY):
        got = await figures(gql, p["code"], day)
        assert got == await expected(db, p["id"], day), day
    assert (await figures(gql, p["code"], day_before))["activeMembers"] == 4
    assert await figures(gql, p["code"], left_on) == {
        "activeMembers": 2,
        "womenMembers": 2,
        "activeDepositors": 1,
        "savingsBalance": {"local": {"amount": "3000"}},
    }
    # Refreshed again, the snapshots agree with the ledger.
    month_end = left_on.replace(day=1) - timedelta(days=1)
    from_ledger = await figures(gql, p["code"], month_end)
    async with db.transaction() as s:
        await db_indicators.refresh_programme(s, Scope.network(), p["id"], today=TODAY)
    assert await figures(gql, p["code"], month_end) == from_ledger
    assert from_ledger == await expected(db, p["id"], month_end)


RETENTION = """
query ($asOf: Date, $period: PeriodInput, $programmes: [String!]) {
  indicators(asOf: $asOf, period: $period, programmes: $programmes) {
    programmes { borrowersWhoRepaid borrowersRetained retentionRate activeMembers }
  }
}
"""


async def test_a_borrower_who_repaid_and_left_is_not_retained(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        facilitator = await g.facilitator(s, p["id"])
        group = await g.group(s, p["id"], facilitator["id"], formed_on=TODAY - timedelta(days=700))
        stays, leaves = [
            await g.member(s, p["id"], group["id"], joined_on=TODAY - timedelta(days=600))
            for _ in range(2)
        ]
        product = await lf.product(s, p, installments=1, min_principal=Decimal(10_000))
        repaid_on = TODAY - timedelta(days=150)
        for member in (stays, leaves):
            await lf.loan(
                s,
                product,
                member,
                group["id"],
                disbursed_on=TODAY - timedelta(days=200),
                payments=[lf.Payment(repaid_on, Decimal(102_000))],
            )
        await lf.loan(
            s, product, stays, group["id"], disbursed_on=TODAY - timedelta(days=120), cycle=2
        )
    left = await gql(
        LEAVE,
        {
            "input": {
                "member": gid("Member", leaves["id"]),
                "leftOn": str(TODAY - timedelta(days=140)),
                "reason": "BUSINESS_FAILURE",
            }
        },
        programmes=p["code"],
        subject="awa@test",
    )
    assert left["data"]["memberLeave"]["userErrors"] == [], left

    body = await gql(
        RETENTION,
        {
            "asOf": str(TODAY - timedelta(days=100)),
            "period": {"from": str(repaid_on), "to": str(repaid_on)},
            "programmes": [p["code"]],
        },
    )

    (got,) = body["data"]["indicators"]["programmes"]
    assert (got["borrowersWhoRepaid"], got["borrowersRetained"]) == (2, 1)
    assert got["retentionRate"] == "0.500000"
    assert got["activeMembers"] == 1
