from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import to_base64

from db.engine import Database
from domain.enums import SavingsKind
from tests.conftest import GraphQL, RunningServer
from tests.factories import groups as g
from tests.factories import network as n
from tests.factories import savings as f
from tests.factories.savings import deposit, withdrawal


async def saver(s: AsyncSession, programme: dict[str, Any] | None = None) -> dict[str, Any]:
    """A programme (new unless given) with a facilitator, a group and a member."""
    p = programme or await n.programme(s)
    facilitator = await g.facilitator(s, p["id"])
    group = await g.group(s, p["id"], facilitator["id"])
    member = await g.member(s, p["id"], group["id"])
    return {"programme": p, "facilitator": facilitator, "group": group, "member": member}


def ids(body: dict[str, Any]) -> set[str]:
    return {node["id"] for node in body["data"]["savingsAccounts"]["nodes"]}


def gid(account: dict[str, Any]) -> str:
    return to_base64("SavingsAccount", account["id"])


ACCOUNT = """
query ($id: ID!) {
  node(id: $id) {
    ... on SavingsAccount {
      id kind openedOn closedOn
      balance { amount currency { code } }
      currency { code minorUnits }
      programme { code }
      member { id lastName }
      transactions {
        totalCount
        nodes {
          id kind occurredOn recordedAt
          amount { amount currency { code } }
          balanceAfter { amount }
          recordedBy { id lastName }
          account { id }
        }
      }
    }
  }
}
"""


async def test_an_account_reads_with_its_member_balance_and_transactions(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        b = await saver(s)
        by = b["facilitator"]["id"]
        account = await f.account(
            s,
            b["programme"],
            b["member"],
            movements=[
                deposit(date(2024, 1, 10), 5_000, by),
                deposit(date(2024, 2, 10), 2_500, by),
                withdrawal(date(2024, 3, 10), 3_000),
            ],
        )

    body = await gql(ACCOUNT, {"id": gid(account)}, programmes=b["programme"]["code"])

    got = body["data"]["node"]
    assert got["id"] == gid(account)
    assert got["kind"] == "COMPULSORY"
    assert got["openedOn"] == str(b["member"]["joined_on"])
    assert got["closedOn"] is None
    assert got["balance"] == {"amount": "4500", "currency": {"code": "XOF"}}
    assert got["currency"] == {"code": "XOF", "minorUnits": 0}
    assert got["programme"] == {"code": b["programme"]["code"]}
    assert got["member"] == {
        "id": to_base64("Member", b["member"]["id"]),
        "lastName": b["member"]["last_name"],
    }
    transactions = got["transactions"]
    assert transactions["totalCount"] == 3
    assert [t["kind"] for t in transactions["nodes"]] == ["DEPOSIT", "DEPOSIT", "WITHDRAWAL"]
    assert [t["occurredOn"] for t in transactions["nodes"]] == [
        "2024-01-10",
        "2024-02-10",
        "2024-03-10",
    ]
    assert [t["amount"]["amount"] for t in transactions["nodes"]] == ["5000", "2500", "3000"]
    assert [t["balanceAfter"]["amount"] for t in transactions["nodes"]] == ["5000", "7500", "4500"]
    assert transactions["nodes"][0]["amount"]["currency"] == {"code": "XOF"}
    facilitator = {"id": to_base64("Facilitator", by), "lastName": b["facilitator"]["last_name"]}
    assert [t["recordedBy"] for t in transactions["nodes"]] == [facilitator, facilitator, None]
    assert {t["account"]["id"] for t in transactions["nodes"]} == {gid(account)}
    assert all(t["recordedAt"] for t in transactions["nodes"])


TRANSACTION_PAGES = """
query ($id: ID!, $after: String) {
  node(id: $id) {
    ... on SavingsAccount {
      transactions(first: 2, after: $after) {
        totalCount
        nodes { occurredOn }
        pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }
  }
}
"""


async def test_an_accounts_transactions_paginate(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        b = await saver(s)
        account = await f.account(
            s,
            b["programme"],
            b["member"],
            movements=[deposit(date(2024, 1, d), 1_000) for d in (5, 6, 7)],
        )

    first = (await gql(TRANSACTION_PAGES, {"id": gid(account)}))["data"]["node"]["transactions"]
    rest_body = await gql(
        TRANSACTION_PAGES, {"id": gid(account), "after": first["pageInfo"]["endCursor"]}
    )
    rest = rest_body["data"]["node"]["transactions"]

    assert first["totalCount"] == 3
    assert [t["occurredOn"] for t in first["nodes"]] == ["2024-01-05", "2024-01-06"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [t["occurredOn"] for t in rest["nodes"]] == ["2024-01-07"]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert rest["pageInfo"]["hasPreviousPage"] is True


ACCOUNTS = """
query ($filter: SavingsAccountFilter, $first: Int, $after: String) {
  savingsAccounts(filter: $filter, first: $first, after: $after) {
    totalCount
    nodes { id }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_savings_accounts_filter_by_programme_kind_and_balance(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        b = await saver(s)
        other = await saver(s, b["programme"])
        compulsory = await f.account(
            s, b["programme"], b["member"], movements=[deposit(date(2024, 1, 5), 10_000)]
        )
        voluntary = await f.account(
            s,
            b["programme"],
            b["member"],
            kind=SavingsKind.VOLUNTARY,
            movements=[deposit(date(2024, 1, 5), 2_000)],
        )
        empty = await f.account(s, b["programme"], other["member"])
        elsewhere = await saver(s)
        await f.account(
            s, elsewhere["programme"], elsewhere["member"], movements=[deposit(date(2024, 1, 5), 1)]
        )
    code = b["programme"]["code"]

    def where(**conditions: Any) -> dict[str, Any]:
        return {"filter": {"programmes": [code], **conditions}}

    everything = await gql(ACCOUNTS, where())
    assert ids(everything) == {gid(compulsory), gid(voluntary), gid(empty)}
    assert everything["data"]["savingsAccounts"]["totalCount"] == 3
    assert ids(await gql(ACCOUNTS, where(kinds=["VOLUNTARY"]))) == {gid(voluntary)}
    assert ids(await gql(ACCOUNTS, where(minBalance="2000"))) == {gid(compulsory), gid(voluntary)}
    assert ids(await gql(ACCOUNTS, where(minBalance="2001"))) == {gid(compulsory)}

    first = await gql(ACCOUNTS, {**where(), "first": 2})
    page = first["data"]["savingsAccounts"]
    rest = await gql(ACCOUNTS, {**where(), "first": 2, "after": page["pageInfo"]["endCursor"]})
    assert page["pageInfo"]["hasNextPage"] is True
    assert rest["data"]["savingsAccounts"]["pageInfo"]["hasNextPage"] is False
    assert ids(first) | ids(rest) == ids(everything)


PROGRAMME_AND_MEMBER = """
query ($code: String!, $memberId: ID!) {
  programme(code: $code) {
    savingsAccounts(filter: { kinds: [COMPULSORY] }) { totalCount nodes { id } }
    allAccounts: savingsAccounts { totalCount }
  }
  node(id: $memberId) { ... on Member { savingsAccounts { id kind balance { amount } } } }
}
"""


async def test_a_programme_and_a_member_list_their_savings_accounts(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        b = await saver(s)
        other = await saver(s, b["programme"])
        compulsory = await f.account(s, b["programme"], b["member"])
        voluntary = await f.account(
            s,
            b["programme"],
            b["member"],
            kind=SavingsKind.VOLUNTARY,
            movements=[deposit(date(2024, 1, 5), 700)],
        )
        theirs = await f.account(s, b["programme"], other["member"])

    body = await gql(
        PROGRAMME_AND_MEMBER,
        {"code": b["programme"]["code"], "memberId": to_base64("Member", b["member"]["id"])},
    )

    assert "errors" not in body, body
    programme = body["data"]["programme"]
    assert programme["savingsAccounts"]["totalCount"] == 2
    assert {a["id"] for a in programme["savingsAccounts"]["nodes"]} == {
        gid(compulsory),
        gid(theirs),
    }
    assert programme["allAccounts"]["totalCount"] == 3
    assert sorted(body["data"]["node"]["savingsAccounts"], key=lambda a: a["kind"]) == [
        {"id": gid(compulsory), "kind": "COMPULSORY", "balance": {"amount": "0"}},
        {"id": gid(voluntary), "kind": "VOLUNTARY", "balance": {"amount": "700"}},
    ]


NODE = """
query ($id: ID!) {
  node(id: $id) { id __typename }
}
"""


async def test_accounts_and_transactions_are_invisible_to_another_programme(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        b = await saver(s)
        other = await n.programme(s)
        account = await f.account(
            s, b["programme"], b["member"], movements=[deposit(date(2024, 1, 5), 500)]
        )
    own, foreign = b["programme"]["code"], other["code"]

    for type_name, key in (
        ("SavingsAccount", account["id"]),
        ("SavingsTransaction", account["transactions"][0]["id"]),
    ):
        node_id = to_base64(type_name, key)
        seen = await gql(NODE, {"id": node_id}, programmes=own)
        hidden = await gql(NODE, {"id": node_id}, programmes=foreign)
        assert seen["data"]["node"] == {"id": node_id, "__typename": type_name}
        assert hidden == {"data": {"node": None}}

    listed = await gql(ACCOUNTS, {"filter": {"programmes": [own]}}, programmes=foreign)
    assert listed["data"]["savingsAccounts"]["totalCount"] == 0
    assert listed["data"]["savingsAccounts"]["nodes"] == []


ACCOUNTS_WITH_TRANSACTIONS = """
query ($code: String!) {
  savingsAccounts(filter: { programmes: [$code] }, first: 50) {
    totalCount
    nodes {
      member { id }
      programme { code }
      transactions(first: 5) {
        totalCount
        nodes { amount { amount } balanceAfter { amount } recordedBy { id } account { id } }
      }
    }
  }
}
"""


async def programme_with_accounts(db: Database, count: int) -> str:
    async with db.transaction() as s:
        b = await saver(s)
        by = b["facilitator"]["id"]
        for _ in range(count):
            member = await g.member(s, b["programme"]["id"], b["group"]["id"])
            await f.account(
                s,
                b["programme"],
                member,
                movements=[deposit(date(2024, 1, 5), 1_000, by), withdrawal(date(2024, 2, 5), 400)],
            )
    code: str = b["programme"]["code"]
    return code


async def test_the_statements_for_accounts_and_their_transactions_do_not_grow_with_them(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    few = await programme_with_accounts(db, 5)
    many = await programme_with_accounts(db, 20)

    with api.count_statements() as for_few:
        few_body = await gql(ACCOUNTS_WITH_TRANSACTIONS, {"code": few})
    with api.count_statements() as for_many:
        many_body = await gql(ACCOUNTS_WITH_TRANSACTIONS, {"code": many})

    assert "errors" not in many_body, many_body
    assert few_body["data"]["savingsAccounts"]["totalCount"] == 5
    assert many_body["data"]["savingsAccounts"]["totalCount"] == 20
    assert all(
        a["transactions"]["totalCount"] == 2 for a in many_body["data"]["savingsAccounts"]["nodes"]
    )
    assert for_few.count == for_many.count
