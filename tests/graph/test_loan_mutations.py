"""A loan's life through the API: apply, approve, disburse, repay, reverse, write off.

Every rule of the methodology and every refusal is checked through HTTP, with the database
looked at after a refused write; so are retries, 50 concurrent repayments on one loan, and
failures injected in the middle of a multi-row write.
"""

import asyncio
import secrets
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import from_base64, to_base64

from db import loans as db_loans
from db.engine import Database
from db.models import (
    AuditEntry,
    Group,
    IdempotencyKey,
    Installment,
    Loan,
    Programme,
    Repayment,
)
from domain.allocation import InstallmentState, days_past_due, oldest_unpaid_due_on, replay
from domain.enums import GroupStatus, InstallmentFrequency, InterestMethod
from domain.schedule import build_schedule
from tests.conftest import GraphQL
from tests.factories import groups as g
from tests.factories import loans as f
from tests.factories import network as n

TODAY = date.today()


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


LOAN_STATE = """
fragment LoanState on Loan {
  id cycle status purpose appliedOn approvedOn disbursedOn closedOn oldestUnpaidDueOn
  daysPastDue
  principal { amount currency { code } }
  fee { amount }
  principalRepaid { amount }
  interestPaid { amount }
  outstandingPrincipal { amount }
  writtenOffPrincipal { amount }
  member { id }
  product { id }
  schedule {
    number dueOn paidOn
    principalDue { amount } interestDue { amount } totalDue { amount }
    principalPaid { amount } interestPaid { amount }
  }
  repayments { totalCount }
}
"""

ERRORS = "userErrors { field message code } replayed"

LOAN_APPLY = f"""
mutation ($input: LoanApplyInput!) {{
  loanApply(input: $input) {{ loan {{ ...LoanState }} {ERRORS} }}
}}
{LOAN_STATE}
"""

LOAN_APPROVE = f"""
mutation ($input: LoanApproveInput!) {{
  loanApprove(input: $input) {{ loan {{ ...LoanState }} {ERRORS} }}
}}
{LOAN_STATE}
"""

LOAN_DISBURSE = f"""
mutation ($input: LoanDisburseInput!) {{
  loanDisburse(input: $input) {{ loan {{ ...LoanState }} {ERRORS} }}
}}
{LOAN_STATE}
"""

REPAYMENT_RECORD = f"""
mutation ($input: RepaymentRecordInput!) {{
  repaymentRecord(input: $input) {{
    repayment {{
      id kind paidOn note amount {{ amount currency {{ code }} }}
      principalPart {{ amount }} interestPart {{ amount }}
      collectedBy {{ id }} loan {{ id }}
    }}
    loan {{ ...LoanState }}
    {ERRORS}
  }}
}}
{LOAN_STATE}
"""

REPAYMENT_REVERSE = f"""
mutation ($input: RepaymentReverseInput!) {{
  repaymentReverse(input: $input) {{
    reversal {{
      id kind paidOn note amount {{ amount }} principalPart {{ amount }} interestPart {{ amount }}
      reverses {{ id reversedBy {{ id }} }}
    }}
    loan {{ ...LoanState }}
    {ERRORS}
  }}
}}
{LOAN_STATE}
"""

LOAN_WRITE_OFF = f"""
mutation ($input: LoanWriteOffInput!) {{
  loanWriteOff(input: $input) {{ loan {{ ...LoanState }} {ERRORS} }}
}}
{LOAN_STATE}
"""

LOAN = f"""
query ($id: ID!) {{ node(id: $id) {{ ...LoanState }} }}
{LOAN_STATE}
"""

AUDIT = """
query ($ids: [ID!]) {
  auditEntries(filter: {entities: $ids}) {
    nodes { actor role operation entityType idempotencyKey details }
  }
}
"""


# Given: a FANSOTO-like programme, a group, a trained member and a first-loan product.


async def make_borrower(
    db: Database,
    *,
    sessions: int = 6,
    group_status: GroupStatus = GroupStatus.ACTIVE,
    product: dict[str, Any] | None = None,
) -> dict[str, Any]:
    async with db.transaction() as s:
        programme = await n.programme(s)
        facilitator = await g.facilitator(s, programme["id"])
        group = await g.group(
            s,
            programme["id"],
            facilitator["id"],
            formed_on=days_ago(500),
            status=group_status,
            closed_on=days_ago(5) if group_status is GroupStatus.CLOSED else None,
        )
        member = await g.member(s, programme["id"], group["id"], joined_on=days_ago(450))
        for i in range(sessions):
            await g.training_session(
                s,
                programme["id"],
                group["id"],
                facilitator["id"],
                [member["id"]],
                held_on=days_ago(440 - 10 * i),
            )
        first_loan = await f.product(s, programme, **(product or {}))
    return {
        "programme": programme,
        "facilitator": facilitator,
        "group": group,
        "member": member,
        "product": first_loan,
    }


@pytest.fixture
async def borrower(db: Database) -> dict[str, Any]:
    return await make_borrower(db)


def gid(type_name: str, key: Any) -> str:
    return to_base64(type_name, str(key))


def key_of(global_id: str) -> str:
    return from_base64(global_id)[1]


def xof(amount: Any, currency: str = "XOF") -> dict[str, str]:
    return {"amount": str(amount), "currency": currency}


def staff_of(b: dict[str, Any]) -> dict[str, str]:
    code = b["programme"]["code"]
    return {"programmes": code, "subject": f"awa@{code.lower()}"}


async def send(
    gql: GraphQL, b: dict[str, Any], query: str, input: dict[str, Any], **viewer: Any
) -> dict[str, Any]:
    """Send a mutation as the borrower's programme staff (unless told); return its payload."""
    body = await gql(query, {"input": input}, **(viewer or staff_of(b)))
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    result: dict[str, Any] = payload
    return result


def apply_input(b: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "member": gid("Member", b["member"]["id"]),
        "product": gid("LoanProduct", b["product"]["id"]),
        "principal": xof(100_000),
        "purpose": "SEWING",
        "appliedOn": str(days_ago(200)),
    }
    values.update(overrides)
    return values


def repay_input(b: dict[str, Any], loan: dict[str, Any], /, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "loan": loan["id"],
        "amount": xof(1_000),
        "paidOn": str(days_ago(100)),
        "collectedBy": gid("Facilitator", b["facilitator"]["id"]),
    }
    values.update(overrides)
    return values


def codes(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def pending_loan(gql: GraphQL, b: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    applied = await send(gql, b, LOAN_APPLY, apply_input(b, **overrides))
    assert applied["userErrors"] == []
    loan: dict[str, Any] = applied["loan"]
    return loan


async def active_loan(
    gql: GraphQL, b: dict[str, Any], *, applied_days_ago: int = 200, **overrides: Any
) -> dict[str, Any]:
    """Applied, approved 5 days later and disbursed 10 days after applying, through the API."""
    loan = await pending_loan(gql, b, appliedOn=str(days_ago(applied_days_ago)), **overrides)
    approved = await send(
        gql,
        b,
        LOAN_APPROVE,
        {"loan": loan["id"], "approvedOn": str(days_ago(applied_days_ago - 5))},
    )
    assert approved["userErrors"] == []
    disbursed = await send(
        gql,
        b,
        LOAN_DISBURSE,
        {"loan": loan["id"], "disbursedOn": str(days_ago(applied_days_ago - 10))},
    )
    assert disbursed["userErrors"] == []
    result: dict[str, Any] = disbursed["loan"]
    return result


async def read_loan(gql: GraphQL, loan_id: str) -> dict[str, Any]:
    body = await gql(LOAN, {"id": loan_id})
    loan: dict[str, Any] = body["data"]["node"]
    return loan


def amount(money: dict[str, str]) -> Decimal:
    return Decimal(money["amount"])


# What the database holds, to show that a refused or failed write left no trace.


async def snapshot(db: Database, programme_id: Any) -> dict[str, list[Any]]:
    tables = {
        "loans": Loan,
        "installments": Installment,
        "repayments": Repayment,
        "audit": AuditEntry,
    }
    found: dict[str, list[Any]] = {}
    async with db.read() as s:
        for name, model in tables.items():
            rows = await s.execute(
                select(model.__table__).where(model.programme_id == programme_id)
            )
            found[name] = sorted(tuple(r) for r in rows)
        keys = await s.execute(select(IdempotencyKey.__table__))
        found["keys"] = sorted(tuple(r) for r in keys)
    return found


async def loans_of(db: Database, member_id: Any) -> int:
    async with db.read() as s:
        return len((await s.scalars(select(Loan.id).where(Loan.member_id == member_id))).all())


# Apply, approve, disburse.


async def test_a_trained_member_gets_a_first_loan_applied_approved_and_disbursed(
    gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    applied = await send(gql, b, LOAN_APPLY, apply_input(b))

    loan = applied["loan"]
    assert applied["userErrors"] == []
    assert applied["replayed"] is False
    assert loan["status"] == "PENDING"
    assert loan["cycle"] == 1
    assert loan["purpose"] == "SEWING"
    assert loan["principal"] == {"amount": "100000", "currency": {"code": "XOF"}}
    assert loan["fee"] == {"amount": "1000"}  # 1% of the principal
    assert loan["member"]["id"] == gid("Member", b["member"]["id"])
    assert loan["schedule"] == []

    approved = await send(
        gql, b, LOAN_APPROVE, {"loan": loan["id"], "approvedOn": str(days_ago(195))}
    )
    assert approved["loan"]["status"] == "PENDING"
    assert approved["loan"]["approvedOn"] == str(days_ago(195))

    disbursed = await send(
        gql, b, LOAN_DISBURSE, {"loan": loan["id"], "disbursedOn": str(days_ago(190))}
    )
    loan = disbursed["loan"]
    assert disbursed["userErrors"] == []
    assert loan["status"] == "ACTIVE"
    assert loan["disbursedOn"] == str(days_ago(190))
    expected = build_schedule(
        principal=Decimal(100_000),
        currency="XOF",
        method=InterestMethod.FLAT,
        period_rate_percent=Decimal(2),
        installments=6,
        frequency=InstallmentFrequency.MONTHLY,
        disbursed_on=days_ago(190),
    )
    assert [
        (i["number"], i["dueOn"], amount(i["principalDue"]), amount(i["interestDue"]))
        for i in loan["schedule"]
    ] == [(e.number, str(e.due_on), e.principal_due, e.interest_due) for e in expected]
    assert loan["oldestUnpaidDueOn"] == str(expected[0].due_on)
    assert loan["outstandingPrincipal"] == {"amount": "100000"}
    assert loan["daysPastDue"] == days_past_due(expected[0].due_on, TODAY)


async def test_the_purpose_defaults_to_her_activity(gql: GraphQL, borrower: dict[str, Any]) -> None:
    input = apply_input(borrower)
    del input["purpose"]

    loan = (await send(gql, borrower, LOAN_APPLY, input))["loan"]

    assert loan["purpose"] == borrower["member"]["activity"].value


async def test_a_first_loan_waits_for_the_sixth_initial_session(db: Database, gql: GraphQL) -> None:
    b = await make_borrower(db, sessions=5)

    refused = await send(gql, b, LOAN_APPLY, apply_input(b))

    assert refused["loan"] is None
    assert codes(refused) == [(["input", "member"], "TRAINING_INCOMPLETE")]
    assert refused["userErrors"][0]["message"] == (
        "A first loan needs 6 initial training sessions attended; she has attended 5."
    )
    assert await loans_of(db, b["member"]["id"]) == 0


async def test_a_session_held_after_the_application_does_not_count(
    db: Database, gql: GraphQL
) -> None:
    b = await make_borrower(db, sessions=5)
    async with db.transaction() as s:
        await g.training_session(
            s,
            b["programme"]["id"],
            b["group"]["id"],
            b["facilitator"]["id"],
            [b["member"]["id"]],
            held_on=days_ago(150),
        )

    too_early = await send(gql, b, LOAN_APPLY, apply_input(b, appliedOn=str(days_ago(200))))
    after_it = await send(gql, b, LOAN_APPLY, apply_input(b, appliedOn=str(days_ago(150))))

    assert codes(too_early) == [(["input", "member"], "TRAINING_INCOMPLETE")]
    assert after_it["loan"]["cycle"] == 1


async def test_a_programme_sets_its_own_number_of_initial_sessions(
    db: Database, gql: GraphQL
) -> None:
    b = await make_borrower(db, sessions=4)
    async with db.transaction() as s:
        await s.execute(
            update(Programme)
            .where(Programme.id == b["programme"]["id"])
            .values(initial_training_sessions=4)
        )

    applied = await send(gql, b, LOAN_APPLY, apply_input(b))

    assert applied["userErrors"] == []


@pytest.mark.parametrize("first_status", ["PENDING", "ACTIVE"])
async def test_one_open_loan_at_a_time(
    db: Database, gql: GraphQL, borrower: dict[str, Any], first_status: str
) -> None:
    b = borrower
    if first_status == "PENDING":
        await pending_loan(gql, b)
    else:
        await active_loan(gql, b)

    second = await send(gql, b, LOAN_APPLY, apply_input(b, appliedOn=str(days_ago(1))))

    assert codes(second) == [(["input", "member"], "ACTIVE_LOAN_EXISTS")]
    assert await loans_of(db, b["member"]["id"]) == 1


async def test_a_product_allowing_concurrent_loans_lends_alongside_an_active_one(
    db: Database, gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    await active_loan(gql, b)
    async with db.transaction() as s:
        side = await f.product(s, b["programme"], allows_concurrent_loans=True)

    second = await send(
        gql,
        b,
        LOAN_APPLY,
        apply_input(b, product=gid("LoanProduct", side["id"]), appliedOn=str(days_ago(1))),
    )

    assert second["userErrors"] == []
    assert second["loan"]["cycle"] == 2


async def test_no_next_cycle_after_a_written_off_loan(
    gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    await send(
        gql,
        b,
        LOAN_WRITE_OFF,
        {"loan": loan["id"], "writtenOffOn": str(days_ago(2)), "reason": "Left the region"},
    )

    refused = await send(gql, b, LOAN_APPLY, apply_input(b, appliedOn=str(days_ago(1))))

    assert codes(refused) == [(["input", "member"], "PREVIOUS_LOAN_NOT_REPAID")]


async def test_a_closed_group_takes_no_new_loan(db: Database, gql: GraphQL) -> None:
    b = await make_borrower(db, group_status=GroupStatus.CLOSED)

    refused = await send(gql, b, LOAN_APPLY, apply_input(b))

    assert codes(refused) == [(["input", "member"], "GROUP_CLOSED")]
    assert await loans_of(db, b["member"]["id"]) == 0


async def test_a_loan_is_not_disbursed_once_her_group_has_closed(
    db: Database, gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await pending_loan(gql, b)
    await send(gql, b, LOAN_APPROVE, {"loan": loan["id"], "approvedOn": str(days_ago(195))})
    async with db.transaction() as s:
        await s.execute(
            update(Group)
            .where(Group.id == b["group"]["id"])
            .values(status=GroupStatus.CLOSED, closed_on=days_ago(3))
        )

    refused = await send(
        gql, b, LOAN_DISBURSE, {"loan": loan["id"], "disbursedOn": str(days_ago(1))}
    )

    assert codes(refused) == [(["input", "loan"], "GROUP_CLOSED")]
    assert (await read_loan(gql, loan["id"]))["status"] == "PENDING"


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"appliedOn": str(TODAY + timedelta(days=1))}, ["appliedOn"], "IN_FUTURE"),
        ({"appliedOn": str(days_ago(460))}, ["appliedOn"], "DATES_OUT_OF_ORDER"),
        ({"principal": xof(0)}, ["principal"], "NOT_POSITIVE"),
        ({"principal": xof(-100_000)}, ["principal"], "NOT_POSITIVE"),
        ({"principal": xof("100000.5")}, ["principal"], "TOO_MANY_DECIMALS"),
        ({"principal": xof("152.45", "EUR")}, ["principal"], "WRONG_CURRENCY"),
        ({"principal": xof(40_000)}, ["principal"], "OUT_OF_RANGE"),
        ({"principal": xof(500_000)}, ["principal"], "OUT_OF_RANGE"),
        ({"member": gid("Loan", "0190a000-0000-7000-8000-000000000000")}, ["member"], "INVALID"),
        (
            {"member": gid("Member", "0190a000-0000-7000-8000-000000000000")},
            ["member"],
            "NOT_FOUND",
        ),
        (
            {"product": gid("LoanProduct", "0190a000-0000-7000-8000-000000000000")},
            ["product"],
            "NOT_FOUND",
        ),
    ],
)
async def test_a_bad_application_gets_a_typed_error_naming_the_field(
    db: Database,
    gql: GraphQL,
    borrower: dict[str, Any],
    overrides: dict[str, Any],
    field: list[str],
    code: str,
) -> None:
    b = borrower
    before = await snapshot(db, b["programme"]["id"])

    refused = await send(gql, b, LOAN_APPLY, apply_input(b, idempotencyKey="k1", **overrides))

    assert refused["loan"] is None
    assert codes(refused) == [(["input", *field], code)]
    assert await snapshot(db, b["programme"]["id"]) == before


async def test_an_inactive_product_lends_nothing(db: Database, gql: GraphQL) -> None:
    b = await make_borrower(db, product={"active": False})

    refused = await send(gql, b, LOAN_APPLY, apply_input(b))

    assert codes(refused) == [(["input", "product"], "INVALID_STATE")]


async def test_another_programmes_member_or_product_is_not_found(
    db: Database, gql: GraphQL, borrower: dict[str, Any]
) -> None:
    other = await make_borrower(db)

    their_member = await send(
        gql,
        borrower,
        LOAN_APPLY,
        apply_input(borrower, member=gid("Member", other["member"]["id"])),
    )
    their_product = await send(
        gql,
        borrower,
        LOAN_APPLY,
        apply_input(borrower, product=gid("LoanProduct", other["product"]["id"])),
    )

    assert codes(their_member) == [(["input", "member"], "NOT_FOUND")]
    assert codes(their_product) == [(["input", "product"], "NOT_FOUND")]
    assert await loans_of(db, other["member"]["id"]) == 0


@pytest.mark.parametrize(("role", "programmes"), [(None, None), ("INTEGRATOR", True)])
async def test_only_programme_staff_lend(
    db: Database, gql: GraphQL, borrower: dict[str, Any], role: str | None, programmes: Any
) -> None:
    b = borrower

    refused = await send(
        gql,
        b,
        LOAN_APPLY,
        apply_input(b),
        role=role,
        programmes=b["programme"]["code"] if programmes else None,
    )

    assert refused["loan"] is None
    assert codes(refused) == [(None, "NOT_ALLOWED")]
    assert await loans_of(db, b["member"]["id"]) == 0


@pytest.mark.parametrize(
    ("approved_on", "code"),
    [(TODAY + timedelta(days=1), "IN_FUTURE"), (days_ago(201), "DATES_OUT_OF_ORDER")],
)
async def test_approval_dates_follow_the_application_and_are_not_in_the_future(
    gql: GraphQL, borrower: dict[str, Any], approved_on: date, code: str
) -> None:
    loan = await pending_loan(gql, borrower)

    refused = await send(
        gql, borrower, LOAN_APPROVE, {"loan": loan["id"], "approvedOn": str(approved_on)}
    )

    assert codes(refused) == [(["input", "approvedOn"], code)]
    assert (await read_loan(gql, loan["id"]))["approvedOn"] is None


async def test_a_loan_is_approved_once_and_disbursed_only_once_approved(
    gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await pending_loan(gql, b)

    unapproved = await send(
        gql, b, LOAN_DISBURSE, {"loan": loan["id"], "disbursedOn": str(days_ago(190))}
    )
    await send(gql, b, LOAN_APPROVE, {"loan": loan["id"], "approvedOn": str(days_ago(195))})
    twice = await send(gql, b, LOAN_APPROVE, {"loan": loan["id"], "approvedOn": str(days_ago(194))})
    before_approval = await send(
        gql, b, LOAN_DISBURSE, {"loan": loan["id"], "disbursedOn": str(days_ago(196))}
    )
    in_future = await send(
        gql, b, LOAN_DISBURSE, {"loan": loan["id"], "disbursedOn": str(TODAY + timedelta(1))}
    )
    await send(gql, b, LOAN_DISBURSE, {"loan": loan["id"], "disbursedOn": str(days_ago(190))})
    again = await send(
        gql, b, LOAN_DISBURSE, {"loan": loan["id"], "disbursedOn": str(days_ago(189))}
    )

    assert codes(unapproved) == [(["input", "loan"], "INVALID_STATE")]
    assert codes(twice) == [(["input", "loan"], "INVALID_STATE")]
    assert codes(before_approval) == [(["input", "disbursedOn"], "DATES_OUT_OF_ORDER")]
    assert codes(in_future) == [(["input", "disbursedOn"], "IN_FUTURE")]
    assert codes(again) == [(["input", "loan"], "INVALID_STATE")]
    assert len((await read_loan(gql, loan["id"]))["schedule"]) == 6


# Repayments.


async def test_a_repayment_pays_interest_then_principal_of_the_oldest_installment_due(
    gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    first, second = loan["schedule"][0], loan["schedule"][1]
    # The first installment whole, then the second's interest and 500 of its principal.
    paid = amount(first["totalDue"]) + amount(second["interestDue"]) + 500

    recorded = await send(
        gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(paid), note=" Market day ")
    )

    entry, after = recorded["repayment"], recorded["loan"]
    assert recorded["userErrors"] == []
    assert entry["kind"] == "REPAYMENT"
    assert entry["amount"] == {"amount": str(paid), "currency": {"code": "XOF"}}
    assert amount(entry["interestPart"]) == amount(first["interestDue"]) + amount(
        second["interestDue"]
    )
    assert amount(entry["principalPart"]) == amount(first["principalDue"]) + 500
    assert entry["note"] == "Market day"
    assert entry["collectedBy"]["id"] == gid("Facilitator", b["facilitator"]["id"])
    assert entry["loan"]["id"] == loan["id"]
    assert after["schedule"][0]["paidOn"] == str(days_ago(100))
    assert after["schedule"][1]["paidOn"] is None
    assert after["schedule"][1]["principalPaid"] == {"amount": "500"}
    assert amount(after["principalRepaid"]) == amount(first["principalDue"]) + 500
    assert amount(after["outstandingPrincipal"]) == 100_000 - amount(after["principalRepaid"])
    assert after["oldestUnpaidDueOn"] == second["dueOn"]
    assert after["daysPastDue"] == (TODAY - date.fromisoformat(second["dueOn"])).days
    assert after["repayments"] == {"totalCount": 1}


async def test_the_last_repayment_makes_the_loan_repaid(
    gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    total = sum(amount(i["totalDue"]) for i in loan["schedule"])

    almost = await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(total - 1)))
    last = await send(
        gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(1), paidOn=str(days_ago(90)))
    )

    assert almost["loan"]["status"] == "ACTIVE"
    repaid = last["loan"]
    assert repaid["status"] == "REPAID"
    assert repaid["closedOn"] == str(days_ago(90))
    assert repaid["oldestUnpaidDueOn"] is None
    assert repaid["daysPastDue"] == 0
    assert repaid["outstandingPrincipal"] == {"amount": "0"}
    assert repaid["principalRepaid"] == {"amount": "100000"}
    assert amount(repaid["interestPaid"]) == total - 100_000


async def test_an_overpayment_is_refused_naming_the_amount_and_what_remains(
    db: Database, gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(50_000)))
    remaining = sum(amount(i["totalDue"]) for i in loan["schedule"]) - 50_000
    before = await snapshot(db, b["programme"]["id"])

    refused = await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(remaining + 1)))

    assert refused["repayment"] is None
    assert refused["userErrors"] == [
        {
            "field": ["input", "amount"],
            "code": "OVERPAYMENT",
            "message": f"{remaining + 1} XOF is more than the {remaining} XOF that remains due "
            f"on this loan: record at most {remaining} XOF.",
        }
    ]
    assert await snapshot(db, b["programme"]["id"]) == before


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"amount": xof(0)}, ["amount"], "NOT_POSITIVE"),
        ({"amount": xof(-1_000)}, ["amount"], "NOT_POSITIVE"),
        ({"amount": xof("100000.5")}, ["amount"], "TOO_MANY_DECIMALS"),
        ({"amount": xof("1.5", "EUR")}, ["amount"], "WRONG_CURRENCY"),
        ({"paidOn": str(TODAY + timedelta(days=1))}, ["paidOn"], "IN_FUTURE"),
        ({"paidOn": str(days_ago(191))}, ["paidOn"], "DATES_OUT_OF_ORDER"),
        (
            {"collectedBy": gid("Facilitator", "0190a000-0000-7000-8000-000000000000")},
            ["collectedBy"],
            "NOT_FOUND",
        ),
        (
            {"collectedBy": gid("Member", "0190a000-0000-7000-8000-000000000000")},
            ["collectedBy"],
            "INVALID",
        ),
        ({"loan": gid("Loan", "0190a000-0000-7000-8000-000000000000")}, ["loan"], "NOT_FOUND"),
    ],
)
async def test_a_bad_repayment_gets_a_typed_error_naming_the_field(
    db: Database,
    gql: GraphQL,
    borrower: dict[str, Any],
    overrides: dict[str, Any],
    field: list[str],
    code: str,
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    before = await snapshot(db, b["programme"]["id"])

    refused = await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan, **overrides))

    assert refused["repayment"] is None
    assert codes(refused) == [(["input", *field], code)]
    assert await snapshot(db, b["programme"]["id"]) == before


async def test_another_programmes_loan_or_facilitator_is_not_found(
    db: Database, gql: GraphQL, borrower: dict[str, Any]
) -> None:
    other = await make_borrower(db)
    theirs = await active_loan(gql, other)
    mine = await active_loan(gql, borrower)
    before = await snapshot(db, other["programme"]["id"])

    on_their_loan = await send(gql, borrower, REPAYMENT_RECORD, repay_input(borrower, theirs))
    their_collector = await send(gql, borrower, REPAYMENT_RECORD, repay_input(other, mine))

    assert codes(on_their_loan) == [(["input", "loan"], "NOT_FOUND")]
    assert codes(their_collector) == [(["input", "collectedBy"], "NOT_FOUND")]
    assert await snapshot(db, other["programme"]["id"]) == before
    assert (await read_loan(gql, mine["id"]))["repayments"] == {"totalCount": 0}


async def test_a_pending_loan_takes_no_repayment(gql: GraphQL, borrower: dict[str, Any]) -> None:
    loan = await pending_loan(gql, borrower)

    refused = await send(gql, borrower, REPAYMENT_RECORD, repay_input(borrower, loan))

    assert codes(refused) == [(["input", "loan"], "INVALID_STATE")]


async def test_a_back_dated_repayment_leaves_the_schedule_as_in_date_order(
    gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    first = amount(loan["schedule"][0]["totalDue"])

    await send(
        gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(first), paidOn=str(days_ago(50)))
    )
    later = await send(
        gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(first), paidOn=str(days_ago(150)))
    )

    schedule = later["loan"]["schedule"]
    # In date order the back-dated payment settled the first installment, 150 days ago.
    assert [i["paidOn"] for i in schedule[:2]] == [str(days_ago(150)), str(days_ago(50))]


# Reversals and write-offs.


async def test_a_reversal_cancels_a_repayment_without_deleting_it(
    gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    first = amount(loan["schedule"][0]["totalDue"])
    mistaken = await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(first)))
    kept = await send(
        gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(5_000), paidOn=str(days_ago(90)))
    )

    reversed_ = await send(
        gql,
        b,
        REPAYMENT_REVERSE,
        {
            "repayment": mistaken["repayment"]["id"],
            "reversedOn": str(days_ago(80)),
            "reason": "Recorded on the wrong loan",
        },
    )

    entry, after = reversed_["reversal"], reversed_["loan"]
    assert reversed_["userErrors"] == []
    assert entry["kind"] == "REVERSAL"
    assert entry["paidOn"] == str(days_ago(80))
    assert entry["note"] == "Recorded on the wrong loan"
    assert entry["amount"] == {"amount": str(first)}
    assert entry["principalPart"] == mistaken["repayment"]["principalPart"]
    assert entry["reverses"] == {
        "id": mistaken["repayment"]["id"],
        "reversedBy": {"id": entry["id"]},
    }
    # Only the 5,000 still stands: it pays the first installment's interest, then principal.
    interest = amount(loan["schedule"][0]["interestDue"])
    assert after["schedule"][0]["interestPaid"] == {"amount": str(interest)}
    assert amount(after["schedule"][0]["principalPaid"]) == 5_000 - interest
    assert after["schedule"][0]["paidOn"] is None
    assert amount(after["principalRepaid"]) == 5_000 - interest
    assert after["oldestUnpaidDueOn"] == loan["schedule"][0]["dueOn"]
    assert after["repayments"] == {"totalCount": 3}
    assert kept["repayment"]["id"] != entry["id"]


async def test_reversing_a_repayment_of_a_repaid_loan_makes_it_active_again(
    gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    total = sum(amount(i["totalDue"]) for i in loan["schedule"])
    paid = await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(total)))
    assert paid["loan"]["status"] == "REPAID"

    reversed_ = await send(
        gql,
        b,
        REPAYMENT_REVERSE,
        {"repayment": paid["repayment"]["id"], "reversedOn": str(days_ago(1)), "reason": "Bounced"},
    )

    after = reversed_["loan"]
    assert after["status"] == "ACTIVE"
    assert after["closedOn"] is None
    assert after["principalRepaid"] == {"amount": "0"}
    assert after["interestPaid"] == {"amount": "0"}
    assert after["outstandingPrincipal"] == {"amount": "100000"}
    assert after["oldestUnpaidDueOn"] == loan["schedule"][0]["dueOn"]
    assert all(i["paidOn"] is None for i in after["schedule"])


async def test_a_repayment_is_reversed_once_only(
    db: Database, gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    paid = await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan))
    reverse = {"repayment": paid["repayment"]["id"], "reversedOn": str(days_ago(1)), "reason": "x"}
    first = await send(gql, b, REPAYMENT_REVERSE, reverse)
    before = await snapshot(db, b["programme"]["id"])

    again = await send(gql, b, REPAYMENT_REVERSE, {**reverse, "reason": "again"})
    of_the_reversal = await send(
        gql, b, REPAYMENT_REVERSE, {**reverse, "repayment": first["reversal"]["id"]}
    )

    assert codes(again) == [(["input", "repayment"], "ALREADY_REVERSED")]
    assert codes(of_the_reversal) == [(["input", "repayment"], "INVALID_STATE")]
    assert await snapshot(db, b["programme"]["id"]) == before


async def test_concurrent_reversals_of_one_repayment_apply_once(
    db: Database, gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    paid = await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan))

    results = await asyncio.gather(
        *(
            send(
                gql,
                b,
                REPAYMENT_REVERSE,
                {
                    "repayment": paid["repayment"]["id"],
                    "reversedOn": str(days_ago(1)),
                    "reason": f"attempt {i}",
                },
            )
            for i in range(10)
        )
    )

    assert sum(r["reversal"] is not None for r in results) == 1
    assert (
        sorted(codes(r) for r in results if r["reversal"] is None)
        == [[(["input", "repayment"], "ALREADY_REVERSED")]] * 9
    )
    assert (await read_loan(gql, loan["id"]))["principalRepaid"] == {"amount": "0"}


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"reason": "  "}, ["reason"], "REASON_REQUIRED"),
        ({"reversedOn": str(TODAY + timedelta(days=1))}, ["reversedOn"], "IN_FUTURE"),
        ({"reversedOn": str(days_ago(101))}, ["reversedOn"], "DATES_OUT_OF_ORDER"),
    ],
)
async def test_a_bad_reversal_gets_a_typed_error(
    gql: GraphQL,
    borrower: dict[str, Any],
    overrides: dict[str, Any],
    field: list[str],
    code: str,
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    paid = await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan))
    input = {"repayment": paid["repayment"]["id"], "reversedOn": str(days_ago(1)), "reason": "x"}

    refused = await send(gql, b, REPAYMENT_REVERSE, {**input, **overrides})

    assert codes(refused) == [(["input", *field], code)]


async def test_a_write_off_closes_an_active_loan_on_its_outstanding_principal(
    gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    paid = await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(20_000)))
    outstanding = paid["loan"]["outstandingPrincipal"]

    written_off = await send(
        gql,
        b,
        LOAN_WRITE_OFF,
        {"loan": loan["id"], "writtenOffOn": str(days_ago(3)), "reason": "Moved to Dakar"},
    )
    after_it = await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan))
    twice = await send(
        gql,
        b,
        LOAN_WRITE_OFF,
        {"loan": loan["id"], "writtenOffOn": str(days_ago(3)), "reason": "Moved to Dakar"},
    )

    after = written_off["loan"]
    assert written_off["userErrors"] == []
    assert after["status"] == "WRITTEN_OFF"
    assert after["writtenOffPrincipal"] == outstanding
    assert after["outstandingPrincipal"] == {"amount": "0"}
    assert after["closedOn"] == str(days_ago(3))
    assert after["daysPastDue"] == 0
    # Money received after a write-off is a recovery (tests/graph/test_loan_life.py); this
    # one is dated before it.
    assert codes(after_it) == [(["input", "paidOn"], "DATES_OUT_OF_ORDER")]
    assert codes(twice) == [(["input", "loan"], "INVALID_STATE")]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"reason": ""}, ["reason"], "REASON_REQUIRED"),
        ({"writtenOffOn": str(TODAY + timedelta(days=1))}, ["writtenOffOn"], "IN_FUTURE"),
        ({"writtenOffOn": str(days_ago(191))}, ["writtenOffOn"], "DATES_OUT_OF_ORDER"),
    ],
)
async def test_a_bad_write_off_gets_a_typed_error(
    gql: GraphQL,
    borrower: dict[str, Any],
    overrides: dict[str, Any],
    field: list[str],
    code: str,
) -> None:
    loan = await active_loan(gql, borrower)
    input = {"loan": loan["id"], "writtenOffOn": str(days_ago(3)), "reason": "Gone"}

    refused = await send(gql, borrower, LOAN_WRITE_OFF, {**input, **overrides})

    assert codes(refused) == [(["input", *field], code)]
    assert (await read_loan(gql, loan["id"]))["status"] == "ACTIVE"


async def test_a_pending_loan_is_not_written_off(gql: GraphQL, borrower: dict[str, Any]) -> None:
    loan = await pending_loan(gql, borrower)

    refused = await send(
        gql,
        borrower,
        LOAN_WRITE_OFF,
        {"loan": loan["id"], "writtenOffOn": str(days_ago(3)), "reason": "Gone"},
    )

    assert codes(refused) == [(["input", "loan"], "INVALID_STATE")]


# Retries and races.


async def test_a_retried_repayment_is_applied_once(
    db: Database, gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    input = repay_input(b, loan, amount=xof(3_000), idempotencyKey=secrets.token_hex(8))

    first = await send(gql, b, REPAYMENT_RECORD, input)
    again = await send(gql, b, REPAYMENT_RECORD, input)
    other = await send(gql, b, REPAYMENT_RECORD, {**input, "amount": xof(4_000)})

    assert again["replayed"] is True
    assert again["repayment"]["id"] == first["repayment"]["id"]
    assert again["loan"]["principalRepaid"] == first["loan"]["principalRepaid"]
    assert codes(other) == [(["input", "idempotencyKey"], "IDEMPOTENCY_KEY_REUSED")]
    assert (await read_loan(gql, loan["id"]))["repayments"] == {"totalCount": 1}


async def test_concurrent_retries_of_one_repayment_apply_it_once(
    gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    input = repay_input(b, loan, amount=xof(3_000), idempotencyKey=secrets.token_hex(8))

    results = await asyncio.gather(*(send(gql, b, REPAYMENT_RECORD, input) for _ in range(20)))

    assert {r["repayment"]["id"] for r in results} == {results[0]["repayment"]["id"]}
    assert sum(not r["replayed"] for r in results) == 1
    after = await read_loan(gql, loan["id"])
    assert after["repayments"] == {"totalCount": 1}
    assert amount(after["principalRepaid"]) + amount(after["interestPaid"]) == 3_000


async def ledger_and_schedule(
    db: Database, loan_id: Any
) -> tuple[list[InstallmentState], list[tuple[date, Decimal]], list[Any]]:
    """The loan's schedule as stored, and its standing repayments, from the database."""
    async with db.read() as s:
        rows = (
            await s.execute(
                select(Installment.__table__)
                .where(Installment.loan_id == loan_id)
                .order_by(Installment.number)
            )
        ).mappings()
        stored = [
            InstallmentState(
                r["number"],
                r["due_on"],
                r["principal_due"],
                r["interest_due"],
                r["principal_paid"],
                r["interest_paid"],
                r["paid_on"],
            )
            for r in rows
        ]
        entries = (
            (await s.execute(select(Repayment.__table__).where(Repayment.loan_id == loan_id)))
            .mappings()
            .all()
        )
    reversed_ids = {e["reverses_id"] for e in entries if e["reverses_id"]}
    standing = [
        (e["paid_on"], e["amount"])
        for e in sorted(entries, key=lambda e: (e["paid_on"], e["id"]))
        if e["kind"].value == "REPAYMENT" and e["id"] not in reversed_ids
    ]
    return stored, standing, list(entries)


async def test_fifty_concurrent_repayments_on_one_loan_are_each_applied_once(
    db: Database,
    gql: GraphQL,
    borrower: dict[str, Any],
    record_property: Callable[[str, object], None],
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    # 50 different amounts on 25 different days, arriving in any order: 51,225 XOF in all,
    # less than the 112,000 due.
    inputs = [
        repay_input(b, loan, amount=xof(1_000 + i), paidOn=str(days_ago(60 - i % 25)))
        for i in range(50)
    ]

    started = time.perf_counter()
    results = await asyncio.gather(*(send(gql, b, REPAYMENT_RECORD, i) for i in inputs))
    elapsed = time.perf_counter() - started
    record_property("fifty_repayments_seconds", round(elapsed, 3))

    assert [r["userErrors"] for r in results] == [[]] * 50
    stored, standing, entries = await ledger_and_schedule(db, key_of(loan["id"]))
    assert len(entries) == 50
    assert sorted(a for _, a in standing) == sorted(Decimal(1_000 + i) for i in range(50))
    # The stored schedule is exactly what replaying the ledger in date order gives.
    replayed = replay(stored, standing)
    assert stored == replayed
    after = await read_loan(gql, loan["id"])
    repaid = sum((i.principal_paid for i in replayed), Decimal(0))
    assert amount(after["principalRepaid"]) == repaid
    assert amount(after["interestPaid"]) == sum((i.interest_paid for i in replayed), Decimal(0))
    assert amount(after["outstandingPrincipal"]) == 100_000 - repaid
    assert sum((e["principal_part"] for e in entries), Decimal(0)) == repaid
    oldest = oldest_unpaid_due_on(replayed)
    assert after["oldestUnpaidDueOn"] == str(oldest)
    assert after["daysPastDue"] == days_past_due(oldest, TODAY)
    assert after["status"] == "ACTIVE"


async def test_fifty_concurrent_repayments_that_would_overpay_stop_at_what_is_due(
    gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    total = sum(amount(i["totalDue"]) for i in loan["schedule"])  # 112,000
    each = Decimal(3_000)

    results = await asyncio.gather(
        *(send(gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(each))) for _ in range(50))
    )

    applied = [r for r in results if r["repayment"] is not None]
    refused = [r for r in results if r["repayment"] is None]
    assert len(applied) == int(total // each)  # 37 fit, the 38th would overpay
    assert {c for r in refused for _, c in codes(r)} == {"OVERPAYMENT"}
    after = await read_loan(gql, loan["id"])
    assert amount(after["principalRepaid"]) + amount(after["interestPaid"]) == each * len(applied)
    assert after["status"] == "ACTIVE"


# Nothing partial: a failure in the middle of a multi-row write leaves no trace.


async def fail(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("injected failure")


@pytest.mark.parametrize("step", ["_update_installments", "_update_loan"])
async def test_a_repayment_failing_midway_leaves_the_database_as_it_was(
    db: Database,
    gql: GraphQL,
    borrower: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    await send(gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(5_000)))
    before = await snapshot(db, b["programme"]["id"])
    input = repay_input(b, loan, amount=xof(30_000), idempotencyKey=secrets.token_hex(8))

    # The repayment's row is inserted, then the next step fails.
    monkeypatch.setattr(db_loans, step, fail)
    body = await gql(REPAYMENT_RECORD, {"input": input}, **staff_of(b))
    monkeypatch.undo()

    assert body["data"] is None
    assert body["errors"][0]["message"].startswith("Internal error")
    assert await snapshot(db, b["programme"]["id"]) == before
    # The key was not kept either: the retry is applied, once.
    retried = await send(gql, b, REPAYMENT_RECORD, input)
    assert retried["replayed"] is False
    assert retried["repayment"]["amount"]["amount"] == "30000"


async def test_a_disbursement_failing_after_its_first_installment_leaves_no_trace(
    db: Database, gql: GraphQL, borrower: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    b = borrower
    loan = await pending_loan(gql, b)
    await send(gql, b, LOAN_APPROVE, {"loan": loan["id"], "approvedOn": str(days_ago(195))})
    before = await snapshot(db, b["programme"]["id"])
    real = db_loans._insert_schedule

    async def first_installment_then_fail(session: AsyncSession, row: Any, schedule: Any) -> None:
        await real(session, row, schedule[:1])
        raise RuntimeError("injected failure after the first installment")

    monkeypatch.setattr(db_loans, "_insert_schedule", first_installment_then_fail)
    body = await gql(
        LOAN_DISBURSE,
        {"input": {"loan": loan["id"], "disbursedOn": str(days_ago(190))}},
        **staff_of(b),
    )
    monkeypatch.undo()

    assert body["data"] is None
    assert await snapshot(db, b["programme"]["id"]) == before
    assert (await read_loan(gql, loan["id"]))["status"] == "PENDING"
    disbursed = await send(
        gql, b, LOAN_DISBURSE, {"loan": loan["id"], "disbursedOn": str(days_ago(190))}
    )
    assert len(disbursed["loan"]["schedule"]) == 6


# Audit.


async def test_each_loan_write_is_audited_for_head_office(
    gql: GraphQL, borrower: dict[str, Any]
) -> None:
    b = borrower
    loan = await active_loan(gql, b)
    key = secrets.token_hex(8)
    paid = await send(
        gql, b, REPAYMENT_RECORD, repay_input(b, loan, amount=xof(3_000), idempotencyKey=key)
    )

    body = await gql(AUDIT, {"ids": [loan["id"], paid["repayment"]["id"]]})

    entries = body["data"]["auditEntries"]["nodes"]
    actor = staff_of(b)["subject"]
    assert [(e["operation"], e["entityType"], e["actor"]) for e in entries] == [
        ("loanApply", "Loan", actor),
        ("loanApprove", "Loan", actor),
        ("loanDisburse", "Loan", actor),
        ("repaymentRecord", "Repayment", actor),
    ]
    assert entries[-1]["idempotencyKey"] == key
    assert entries[-1]["details"]["amount"] == "3000"
    assert entries[-1]["details"]["kind"] == "REPAYMENT"


# The walk-through of issue 3: one FANSOTO member from enrolment to her second loan.

GROUP_CREATE = """
mutation ($input: GroupCreateInput!) { groupCreate(input: $input) { group { id } userErrors { code } } }
"""
GROUP_ACTIVATE = """
mutation ($input: GroupActivateInput!) {
  groupActivate(input: $input) { group { status } userErrors { field code } }
}
"""
MEMBER_ENROL = """
mutation ($input: MemberEnrolInput!) { memberEnrol(input: $input) { member { id } userErrors { code } } }
"""
TRAINING_SESSION_RECORD = """
mutation ($input: TrainingSessionRecordInput!) {
  trainingSessionRecord(input: $input) { trainingSession { id } userErrors { field code } }
}
"""
MEMBER = """
query ($id: ID!) {
  node(id: $id) {
    ... on Member {
      initialSessionsAttended
      loans { totalCount nodes { cycle status principal { amount } } }
    }
  }
}
"""


async def test_a_fansoto_member_from_enrolment_to_her_second_loan(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        programme = await n.programme(s)
        facilitator = await g.facilitator(s, programme["id"])
        first_loan = await f.product(s, programme, name=f"Premier pret {secrets.token_hex(2)}")
        next_loans = await f.product(
            s, programme, name=f"Pret suivant {secrets.token_hex(2)}", min_principal=80_000
        )
    b = {"programme": programme, "facilitator": facilitator, "product": first_loan}
    staff = staff_of(b)

    async def do(query: str, input: dict[str, Any]) -> dict[str, Any]:
        body = await gql(query, {"input": input}, **staff)
        assert "errors" not in body, body
        (payload,) = body["data"].values()
        result: dict[str, Any] = payload
        return result

    # A group forms and Fatou enrols.
    group = await do(
        GROUP_CREATE,
        {
            "facilitator": gid("Facilitator", facilitator["id"]),
            "name": f"Kagnobon {secrets.token_hex(2)}",
            "meetingFrequency": "TWICE_MONTHLY",
            "meetingPlace": "Boucotte",
            "formedOn": str(days_ago(400)),
        },
    )
    group_id = group["group"]["id"]
    enrolled = await do(
        MEMBER_ENROL,
        {
            "group": group_id,
            "firstName": "Fatou",
            "lastName": "Sane",
            "gender": "FEMALE",
            "joinedOn": str(days_ago(395)),
            "activity": "FISH_TRADING",
        },
    )
    member_id = enrolled["member"]["id"]
    b["member"] = {"id": key_of(member_id)}

    async def train(days: int) -> None:
        recorded = await do(
            TRAINING_SESSION_RECORD,
            {
                "group": group_id,
                "heldOn": str(days_ago(days)),
                "kind": "INITIAL",
                "topic": "Managing an income-generating activity",
                "attendees": [member_id],
            },
        )
        assert recorded["userErrors"] == []

    # Five initial sessions: not yet a first loan.
    for i in range(5):
        await train(380 - 10 * i)
    too_early = await do(LOAN_APPLY, apply_input(b, appliedOn=str(days_ago(300))))
    assert codes(too_early) == [(["input", "member"], "TRAINING_INCOMPLETE")]

    # The sixth: the group becomes ACTIVE and she gets her first loan, with no guarantee.
    await train(330)
    activated = await do(GROUP_ACTIVATE, {"group": group_id})
    assert activated["group"]["status"] == "ACTIVE"
    loan = await active_loan(gql, b, applied_days_ago=250)
    assert (loan["cycle"], loan["status"], loan["principal"]["amount"]) == (1, "ACTIVE", "100000")

    # While it is active, no second loan.
    second_too_soon = await do(
        LOAN_APPLY,
        apply_input(
            b,
            product=gid("LoanProduct", next_loans["id"]),
            principal=xof(150_000),
            appliedOn=str(days_ago(200)),
        ),
    )
    assert codes(second_too_soon) == [(["input", "member"], "ACTIVE_LOAN_EXISTS")]

    # She repays every installment on its due date; the loan is late only from the next one.
    schedule = loan["schedule"]
    for line, next_line in zip(schedule, [*schedule[1:], None], strict=True):
        paid = await do(
            REPAYMENT_RECORD,
            repay_input(b, loan, amount=xof(line["totalDue"]["amount"]), paidOn=line["dueOn"]),
        )
        assert paid["userErrors"] == []
        next_due = date.fromisoformat(next_line["dueOn"]) if next_line else None
        assert paid["loan"]["oldestUnpaidDueOn"] == (next_line["dueOn"] if next_line else None)
        assert paid["loan"]["daysPastDue"] == days_past_due(next_due, TODAY)
    repaid = await read_loan(gql, loan["id"])
    assert repaid["status"] == "REPAID"
    assert repaid["closedOn"] == loan["schedule"][-1]["dueOn"]
    assert repaid["outstandingPrincipal"] == {"amount": "0"}
    assert all(i["paidOn"] == i["dueOn"] for i in repaid["schedule"])

    # Her second, larger loan: cycle 2.
    closed_on = date.fromisoformat(repaid["closedOn"])
    applied_days_ago = (TODAY - closed_on).days - 1
    b["product"] = next_loans
    second = await active_loan(gql, b, applied_days_ago=applied_days_ago, principal=xof(150_000))
    assert (second["cycle"], second["status"], second["principal"]["amount"]) == (
        2,
        "ACTIVE",
        "150000",
    )
    body = await gql(MEMBER, {"id": member_id})
    she = body["data"]["node"]
    assert she["initialSessionsAttended"] == 6
    assert she["loans"]["totalCount"] == 2
    assert sorted((lo["cycle"], lo["status"]) for lo in she["loans"]["nodes"]) == [
        (1, "REPAID"),
        (2, "ACTIVE"),
    ]
