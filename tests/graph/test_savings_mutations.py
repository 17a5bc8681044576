"""Savings deposits and withdrawals through the API: balances, the floor rules, retries, races."""

import asyncio
import secrets
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from strawberry.relay import from_base64, to_base64

from db import savings as db_savings
from db.engine import Database
from db.models import AuditEntry, IdempotencyKey, SavingsAccount, SavingsTransaction
from domain.enums import SavingsKind
from tests.conftest import GraphQL
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import network as n
from tests.factories import savings as sf

TODAY = date.today()


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


MOVEMENT = """
  transaction {
    id kind occurredOn amount { amount currency { code } } balanceAfter { amount }
    recordedBy { id } account { id }
  }
  account {
    id kind openedOn closedOn balance { amount currency { code } } member { id }
    transactions { totalCount }
  }
  userErrors { field message code }
  replayed
"""

SAVINGS_DEPOSIT = f"""
mutation ($input: SavingsDepositInput!) {{ savingsDeposit(input: $input) {{ {MOVEMENT} }} }}
"""

SAVINGS_WITHDRAW = f"""
mutation ($input: SavingsWithdrawInput!) {{ savingsWithdraw(input: $input) {{ {MOVEMENT} }} }}
"""

MEMBER_ACCOUNTS = """
query ($id: ID!) {
  node(id: $id) { ... on Member { savingsAccounts { id kind balance { amount } } } }
}
"""

AUDIT = """
query ($ids: [ID!]) {
  auditEntries(filter: {entities: $ids}) {
    nodes { actor operation entityType idempotencyKey details }
  }
}
"""


async def make_saver(db: Database, *, minimum: int | None = 5_000) -> dict[str, Any]:
    """A programme (with a compulsory minimum unless None), a facilitator and a member."""
    async with db.transaction() as s:
        programme = await n.programme(
            s, compulsory_savings_minimum=Decimal(minimum) if minimum is not None else None
        )
        facilitator = await g.facilitator(s, programme["id"])
        group = await g.group(s, programme["id"], facilitator["id"], formed_on=days_ago(500))
        member = await g.member(s, programme["id"], group["id"], joined_on=days_ago(450))
    return {"programme": programme, "facilitator": facilitator, "group": group, "member": member}


@pytest.fixture
async def saver(db: Database) -> dict[str, Any]:
    return await make_saver(db)


async def with_active_loan(db: Database, b: dict[str, Any], **kwargs: Any) -> None:
    async with db.transaction() as s:
        product = await lf.product(s, b["programme"])
        await lf.loan(
            s, product, b["member"], b["group"]["id"], disbursed_on=days_ago(60), **kwargs
        )


async def with_account(
    db: Database, b: dict[str, Any], balance: int, kind: SavingsKind = SavingsKind.COMPULSORY
) -> str:
    async with db.transaction() as s:
        account = await sf.account(
            s,
            b["programme"],
            b["member"],
            kind=kind,
            movements=[sf.deposit(days_ago(300), balance)],
        )
    return gid("SavingsAccount", account["id"])


def gid(type_name: str, key: Any) -> str:
    return to_base64(type_name, str(key))


def xof(amount: Any, currency: str = "XOF") -> dict[str, str]:
    return {"amount": str(amount), "currency": currency}


def staff_of(b: dict[str, Any]) -> dict[str, str]:
    code = b["programme"]["code"]
    return {"programmes": code, "subject": f"awa@{code.lower()}"}


def deposit_input(b: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "member": gid("Member", b["member"]["id"]),
        "kind": "COMPULSORY",
        "amount": xof(2_000),
        "occurredOn": str(days_ago(100)),
        "recordedBy": gid("Facilitator", b["facilitator"]["id"]),
    }
    values.update(overrides)
    return values


def withdraw_input(b: dict[str, Any], account: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "account": account,
        "amount": xof(1_000),
        "occurredOn": str(days_ago(10)),
        "recordedBy": gid("Facilitator", b["facilitator"]["id"]),
    }
    values.update(overrides)
    return values


async def send(
    gql: GraphQL, b: dict[str, Any], query: str, input: dict[str, Any], **viewer: Any
) -> dict[str, Any]:
    body = await gql(query, {"input": input}, **(viewer or staff_of(b)))
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    result: dict[str, Any] = payload
    return result


def codes(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


def balance(payload: dict[str, Any]) -> str:
    amount: str = payload["account"]["balance"]["amount"]
    return amount


async def snapshot(db: Database, programme_id: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    async with db.read() as s:
        for name, model in {
            "accounts": SavingsAccount,
            "transactions": SavingsTransaction,
            "audit": AuditEntry,
        }.items():
            rows = await s.execute(
                select(model.__table__).where(model.programme_id == programme_id)
            )
            found[name] = sorted(tuple(r) for r in rows)
        found["keys"] = sorted(tuple(r) for r in await s.execute(select(IdempotencyKey.__table__)))
    return found


async def movements(db: Database, account_id: str) -> list[Any]:
    """The account's transactions in the order they were recorded."""
    async with db.read() as s:
        rows = await s.execute(
            select(SavingsTransaction.__table__)
            .where(SavingsTransaction.account_id == from_base64(account_id)[1])
            .order_by(SavingsTransaction.id)
        )
        return list(rows.mappings())


# Deposits.


async def test_a_first_deposit_opens_her_account_and_the_next_adds_to_it(
    gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver

    opened = await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b))
    again = await send(
        gql, b, SAVINGS_DEPOSIT, deposit_input(b, amount=xof(500), occurredOn=str(days_ago(90)))
    )

    assert opened["userErrors"] == []
    account = opened["account"]
    assert account["kind"] == "COMPULSORY"
    assert account["openedOn"] == str(days_ago(100))
    assert account["closedOn"] is None
    assert account["balance"] == {"amount": "2000", "currency": {"code": "XOF"}}
    assert account["member"]["id"] == gid("Member", b["member"]["id"])
    assert opened["transaction"]["kind"] == "DEPOSIT"
    assert opened["transaction"]["amount"] == {"amount": "2000", "currency": {"code": "XOF"}}
    assert opened["transaction"]["balanceAfter"] == {"amount": "2000"}
    assert opened["transaction"]["recordedBy"]["id"] == gid("Facilitator", b["facilitator"]["id"])
    assert again["account"]["id"] == account["id"]
    assert again["transaction"]["balanceAfter"] == {"amount": "2500"}
    assert balance(again) == "2500"
    assert again["account"]["transactions"] == {"totalCount": 2}


async def test_her_compulsory_and_voluntary_savings_are_two_accounts(
    gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver

    await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b, kind="COMPULSORY"))
    await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b, kind="VOLUNTARY", amount=xof(700)))

    body = await gql(MEMBER_ACCOUNTS, {"id": gid("Member", b["member"]["id"])})
    accounts = body["data"]["node"]["savingsAccounts"]
    assert sorted((a["kind"], a["balance"]["amount"]) for a in accounts) == [
        ("COMPULSORY", "2000"),
        ("VOLUNTARY", "700"),
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"amount": xof(0)}, ["amount"], "NOT_POSITIVE"),
        ({"amount": xof(-500)}, ["amount"], "NOT_POSITIVE"),
        ({"amount": xof("100000.5")}, ["amount"], "TOO_MANY_DECIMALS"),
        ({"amount": xof("3.05", "EUR")}, ["amount"], "WRONG_CURRENCY"),
        ({"occurredOn": str(TODAY + timedelta(days=1))}, ["occurredOn"], "IN_FUTURE"),
        (
            {"member": gid("Member", "0190a000-0000-7000-8000-000000000000")},
            ["member"],
            "NOT_FOUND",
        ),
        ({"member": gid("Group", "0190a000-0000-7000-8000-000000000000")}, ["member"], "INVALID"),
        (
            {"recordedBy": gid("Facilitator", "0190a000-0000-7000-8000-000000000000")},
            ["recordedBy"],
            "NOT_FOUND",
        ),
    ],
)
async def test_a_bad_deposit_gets_a_typed_error_and_opens_no_account(
    db: Database,
    gql: GraphQL,
    saver: dict[str, Any],
    overrides: dict[str, Any],
    field: list[str],
    code: str,
) -> None:
    b = saver
    before = await snapshot(db, b["programme"]["id"])

    refused = await send(
        gql, b, SAVINGS_DEPOSIT, deposit_input(b, idempotencyKey="d1", **overrides)
    )

    assert refused["transaction"] is None
    assert refused["account"] is None
    assert codes(refused) == [(["input", *field], code)]
    assert await snapshot(db, b["programme"]["id"]) == before


async def test_a_deposit_before_the_account_was_opened_is_refused(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    await with_account(db, b, 1_000)

    refused = await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b, occurredOn=str(days_ago(451))))

    assert codes(refused) == [(["input", "occurredOn"], "DATES_OUT_OF_ORDER")]


async def test_another_programmes_member_account_or_facilitator_is_not_found(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    other = await make_saver(db)
    theirs = await with_account(db, other, 5_000)
    mine = await with_account(db, saver, 5_000)
    before = await snapshot(db, other["programme"]["id"])

    their_member = await send(
        gql,
        saver,
        SAVINGS_DEPOSIT,
        deposit_input(saver, member=gid("Member", other["member"]["id"])),
    )
    their_account = await send(gql, saver, SAVINGS_WITHDRAW, withdraw_input(saver, theirs))
    their_facilitator = await send(gql, saver, SAVINGS_WITHDRAW, withdraw_input(other, mine))

    assert codes(their_member) == [(["input", "member"], "NOT_FOUND")]
    assert codes(their_account) == [(["input", "account"], "NOT_FOUND")]
    assert codes(their_facilitator) == [(["input", "recordedBy"], "NOT_FOUND")]
    assert await snapshot(db, other["programme"]["id"]) == before


@pytest.mark.parametrize(("role", "programmes"), [(None, None), ("INTEGRATOR", True)])
async def test_only_programme_staff_move_savings(
    db: Database, gql: GraphQL, saver: dict[str, Any], role: str | None, programmes: Any
) -> None:
    b = saver
    before = await snapshot(db, b["programme"]["id"])

    refused = await send(
        gql,
        b,
        SAVINGS_DEPOSIT,
        deposit_input(b),
        role=role,
        programmes=b["programme"]["code"] if programmes else None,
    )

    assert codes(refused) == [(None, "NOT_ALLOWED")]
    assert await snapshot(db, b["programme"]["id"]) == before


# Withdrawals.


async def test_a_withdrawal_lowers_the_balance(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    account = await with_account(db, b, 8_000, SavingsKind.VOLUNTARY)

    taken = await send(gql, b, SAVINGS_WITHDRAW, withdraw_input(b, account, amount=xof(2_500)))

    assert taken["userErrors"] == []
    assert taken["transaction"]["kind"] == "WITHDRAWAL"
    assert taken["transaction"]["amount"]["amount"] == "2500"
    assert taken["transaction"]["balanceAfter"] == {"amount": "5500"}
    assert balance(taken) == "5500"


async def test_a_withdrawal_never_takes_the_balance_below_zero(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    account = await with_account(db, b, 8_000, SavingsKind.VOLUNTARY)
    before = await snapshot(db, b["programme"]["id"])

    refused = await send(gql, b, SAVINGS_WITHDRAW, withdraw_input(b, account, amount=xof(8_001)))

    assert refused["userErrors"] == [
        {
            "field": ["input", "amount"],
            "code": "INSUFFICIENT_BALANCE",
            "message": "The balance is 8000 XOF: at most 8000 XOF can be withdrawn.",
        }
    ]
    assert await snapshot(db, b["programme"]["id"]) == before
    emptied = await send(gql, b, SAVINGS_WITHDRAW, withdraw_input(b, account, amount=xof(8_000)))
    assert balance(emptied) == "0"


async def test_compulsory_savings_stay_above_the_minimum_while_a_loan_is_active(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver  # the programme's compulsory minimum: 5,000 XOF
    account = await with_account(db, b, 8_000)
    await with_active_loan(db, b)
    before = await snapshot(db, b["programme"]["id"])

    refused = await send(gql, b, SAVINGS_WITHDRAW, withdraw_input(b, account, amount=xof(3_001)))

    assert refused["userErrors"] == [
        {
            "field": ["input", "amount"],
            "code": "BELOW_COMPULSORY_MINIMUM",
            "message": "While she has an active loan, compulsory savings stay at 5000 XOF at "
            "least: at most 3000 XOF can be withdrawn.",
        }
    ]
    assert await snapshot(db, b["programme"]["id"]) == before
    allowed = await send(gql, b, SAVINGS_WITHDRAW, withdraw_input(b, account, amount=xof(3_000)))
    assert balance(allowed) == "5000"


@pytest.mark.parametrize("case", ["no loan", "loan repaid", "voluntary", "no minimum"])
async def test_the_minimum_binds_only_compulsory_savings_during_a_loan_where_one_is_set(
    db: Database, gql: GraphQL, case: str
) -> None:
    b = await make_saver(db, minimum=None if case == "no minimum" else 5_000)
    kind = SavingsKind.VOLUNTARY if case == "voluntary" else SavingsKind.COMPULSORY
    account = await with_account(db, b, 8_000, kind)
    if case == "loan repaid":
        await with_active_loan(db, b, payments=[lf.Payment(days_ago(30), Decimal(112_000))])
    elif case != "no loan":
        await with_active_loan(db, b)

    emptied = await send(gql, b, SAVINGS_WITHDRAW, withdraw_input(b, account, amount=xof(8_000)))

    assert emptied["userErrors"] == []
    assert balance(emptied) == "0"


async def test_a_closed_account_takes_no_movement(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    async with db.transaction() as s:
        closed = await sf.account(
            s,
            b["programme"],
            b["member"],
            closed_on=days_ago(20),
            # A closed account holds nothing: its balance was paid out on closing.
            movements=[sf.deposit(days_ago(300), 1_000), sf.withdrawal(days_ago(20), 1_000)],
        )

    withdrawal = await send(
        gql, b, SAVINGS_WITHDRAW, withdraw_input(b, gid("SavingsAccount", closed["id"]))
    )
    deposit = await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b, occurredOn=str(days_ago(5))))

    assert codes(withdrawal) == [(["input", "account"], "INVALID_STATE")]
    assert codes(deposit) == [(["input", "kind"], "INVALID_STATE")]


async def test_a_withdrawal_before_the_account_was_opened_is_refused(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    account = await with_account(db, b, 1_000)

    refused = await send(
        gql, b, SAVINGS_WITHDRAW, withdraw_input(b, account, occurredOn=str(days_ago(451)))
    )
    in_future = await send(
        gql, b, SAVINGS_WITHDRAW, withdraw_input(b, account, occurredOn=str(TODAY + timedelta(1)))
    )

    assert codes(refused) == [(["input", "occurredOn"], "DATES_OUT_OF_ORDER")]
    assert codes(in_future) == [(["input", "occurredOn"], "IN_FUTURE")]


# Retries and races.


async def test_a_retried_deposit_is_applied_once(gql: GraphQL, saver: dict[str, Any]) -> None:
    b = saver
    input = deposit_input(b, idempotencyKey=secrets.token_hex(8))

    first = await send(gql, b, SAVINGS_DEPOSIT, input)
    again = await send(gql, b, SAVINGS_DEPOSIT, input)
    concurrent = await asyncio.gather(*(send(gql, b, SAVINGS_DEPOSIT, input) for _ in range(10)))

    assert again["replayed"] is True
    assert again["transaction"]["id"] == first["transaction"]["id"]
    assert {r["transaction"]["id"] for r in concurrent} == {first["transaction"]["id"]}
    assert all(r["replayed"] for r in concurrent)
    assert balance(again) == "2000"


async def test_fifty_concurrent_deposits_on_one_account_each_count_once(
    db: Database,
    gql: GraphQL,
    saver: dict[str, Any],
    record_property: Callable[[str, object], None],
) -> None:
    b = saver
    account = (await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b, amount=xof(100))))["account"]
    amounts = [500 + i for i in range(50)]

    started = time.perf_counter()
    results = await asyncio.gather(
        *(
            send(gql, b, SAVINGS_DEPOSIT, deposit_input(b, amount=xof(a), idempotencyKey=f"k{a}"))
            for a in amounts
        )
    )
    record_property("fifty_deposits_seconds", round(time.perf_counter() - started, 3))

    assert [r["userErrors"] for r in results] == [[]] * 50
    assert {r["account"]["id"] for r in results} == {account["id"]}
    rows = await movements(db, account["id"])
    assert len(rows) == 51
    # Each movement starts from the balance the previous one left.
    running = Decimal(0)
    for row in rows:
        running += row["amount"]
        assert row["balance_after"] == running
    final = await send(gql, b, SAVINGS_WITHDRAW, withdraw_input(b, account["id"], amount=xof(1)))
    assert Decimal(balance(final)) == 100 + sum(amounts) - 1


async def test_concurrent_first_deposits_open_one_account(
    gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver

    results = await asyncio.gather(
        *(send(gql, b, SAVINGS_DEPOSIT, deposit_input(b, amount=xof(1_000))) for _ in range(20))
    )

    assert [r["userErrors"] for r in results] == [[]] * 20
    assert len({r["account"]["id"] for r in results}) == 1
    assert sorted(Decimal(r["transaction"]["balanceAfter"]["amount"]) for r in results) == [
        Decimal(1_000 * k) for k in range(1, 21)
    ]


async def test_fifty_concurrent_withdrawals_never_overdraw(
    db: Database, gql: GraphQL, saver: dict[str, Any]
) -> None:
    b = saver
    account = await with_account(db, b, 10_000, SavingsKind.VOLUNTARY)

    results = await asyncio.gather(
        *(
            send(gql, b, SAVINGS_WITHDRAW, withdraw_input(b, account, amount=xof(300)))
            for _ in range(50)
        )
    )

    taken = [r for r in results if r["transaction"] is not None]
    refused = [r for r in results if r["transaction"] is None]
    assert len(taken) == 33  # 33 x 300 = 9,900; a 34th would go below zero
    assert {c for r in refused for _, c in codes(r)} == {"INSUFFICIENT_BALANCE"}
    rows = await movements(db, account)
    assert rows[-1]["balance_after"] == Decimal(100)


# Nothing partial.


async def test_a_first_deposit_failing_midway_leaves_no_account_and_no_movement(
    db: Database, gql: GraphQL, saver: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    b = saver
    before = await snapshot(db, b["programme"]["id"])
    input = deposit_input(b, idempotencyKey=secrets.token_hex(8))

    async def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("injected failure after the transaction's row")

    # The account is opened and the movement inserted; then updating the balance fails.
    monkeypatch.setattr(db_savings, "_set_balance", fail)
    body = await gql(SAVINGS_DEPOSIT, {"input": input}, **staff_of(b))
    monkeypatch.undo()

    assert body["data"] is None
    assert body["errors"][0]["message"].startswith("Internal error")
    assert await snapshot(db, b["programme"]["id"]) == before
    retried = await send(gql, b, SAVINGS_DEPOSIT, input)
    assert retried["replayed"] is False
    assert balance(retried) == "2000"


# Audit.


async def test_each_movement_is_audited(gql: GraphQL, saver: dict[str, Any]) -> None:
    b = saver
    key = secrets.token_hex(8)
    deposited = await send(gql, b, SAVINGS_DEPOSIT, deposit_input(b, idempotencyKey=key))

    body = await gql(AUDIT, {"ids": [deposited["transaction"]["id"]]})

    (entry,) = body["data"]["auditEntries"]["nodes"]
    assert entry["operation"] == "savingsDeposit"
    assert entry["entityType"] == "SavingsTransaction"
    assert entry["actor"] == staff_of(b)["subject"]
    assert entry["idempotencyKey"] == key
    assert entry["details"]["amount"] == "2000"
    assert entry["details"]["balance_after"] == "2000"
