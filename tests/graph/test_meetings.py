"""Group meetings through the API: the collection sheet, meetingRecord (all or nothing, once
per key, in scope), the meeting's reads, and due dates that follow the meetings."""

import secrets
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update
from strawberry.relay import to_base64

from db.engine import Database
from db.models import (
    LoanProduct,
    Meeting,
    Repayment,
    ReplicatedProgramme,
    SavingsTransaction,
)
from domain.enums import DueDateRule, SavingsKind
from domain.schedule import add_months
from tests.conftest import GraphQL, RunningServer
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import network as n
from tests.factories import savings as sf

TODAY = date.today()
# A loan of 100,000 XOF over 6 months at 2% flat: 16,667 + 2,000 a month (the last 16,665).
PRINCIPAL = Decimal(100_000)
INSTALLMENT = Decimal(18_667)
# Disbursed so that installment 1 fell due a month and 5 days ago and installment 2 5 days ago.
DISBURSED = add_months(TODAY - timedelta(days=5), -2)
FIRST_DUE = add_months(DISBURSED, 1)


def gid(type_name: str, key: Any) -> str:
    return to_base64(type_name, str(key))


def xof(amount: Any) -> dict[str, str]:
    return {"amount": str(amount), "currency": "XOF"}


async def make_group(db: Database, size: int, *, minimum: int | None = 5_000) -> dict[str, Any]:
    """A group of `size` members, each with an ACTIVE loan whose first installment she paid
    on time (the second is 5 days late today) and 3,000 of compulsory savings."""
    async with db.transaction() as s:
        programme = await n.programme(
            s, compulsory_savings_minimum=Decimal(minimum) if minimum is not None else None
        )
        facilitator = await g.facilitator(s, programme["id"])
        group = await g.group(
            s, programme["id"], facilitator["id"], formed_on=TODAY - timedelta(days=400)
        )
        product = await lf.product(s, programme)
        members, loans = [], []
        for _ in range(size):
            member = await g.member(
                s, programme["id"], group["id"], joined_on=TODAY - timedelta(days=380)
            )
            loans.append(
                await lf.loan(
                    s,
                    product,
                    member,
                    group["id"],
                    principal=PRINCIPAL,
                    disbursed_on=DISBURSED,
                    payments=[lf.Payment(FIRST_DUE, INSTALLMENT)],
                )
            )
            await sf.account(
                s, programme, member, movements=[sf.deposit(TODAY - timedelta(days=300), 3_000)]
            )
            members.append(member)
    return {
        "programme": programme,
        "facilitator": facilitator,
        "group": group,
        "product": product,
        "members": members,
        "loans": loans,
        "staff": {"programmes": programme["code"], "subject": f"awa@{programme['code'].lower()}"},
    }


@pytest.fixture
async def group25(db: Database) -> dict[str, Any]:
    return await make_group(db, 25)


SHEET = """
query ($group: ID!, $on: Date!) {
  node(id: $group) {
    ... on Group {
      collectionSheet(on: $on) {
        on
        totalDue { amount currency { code } }
        compulsorySavingDue { amount }
        lines {
          member { id }
          totalDue { amount }
          savingsBalance { amount }
          compulsorySavingsBalance { amount }
          compulsorySavingDue { amount }
          loans {
            loan { id daysPastDue(asOf: $on) }
            principalDue { amount } interestDue { amount } totalDue { amount }
            arrears { amount } daysLate
          }
        }
      }
    }
  }
}
"""


async def test_the_sheet_shows_what_each_loan_asks_and_her_savings_on_the_day(
    gql: GraphQL, db: Database
) -> None:
    b = await make_group(db, 2)
    async with db.transaction() as s:
        # A member with no loan and voluntary savings only: nothing due, no floor.
        saver = await g.member(
            s, b["programme"]["id"], b["group"]["id"], joined_on=TODAY - timedelta(days=100)
        )
        await sf.account(
            s,
            b["programme"],
            saver,
            kind=SavingsKind.VOLUNTARY,
            movements=[sf.deposit(TODAY - timedelta(days=50), 1_000)],
        )
        # Today's deposit is what the meeting collects: the sheet stands before it.
        await sf.account(s, b["programme"], saver, movements=[sf.deposit(TODAY, 700)])

    body = await gql(
        SHEET, {"group": gid("Group", b["group"]["id"]), "on": str(TODAY)}, **b["staff"]
    )

    assert "errors" not in body, body
    sheet = body["data"]["node"]["collectionSheet"]
    lines = sheet["lines"]
    assert [line["member"]["id"] for line in lines] == [
        gid("Member", m["id"]) for m in [*b["members"], saver]
    ]
    borrower = lines[0]
    (loan,) = borrower["loans"]
    # Installment 2 (16,667 + 2,000), due 5 days ago, is unpaid: all of it is arrears.
    assert loan["principalDue"] == {"amount": "16667"}
    assert loan["interestDue"] == {"amount": "2000"}
    assert loan["totalDue"] == {"amount": "18667"}
    assert loan["arrears"] == {"amount": "18667"}
    assert loan["daysLate"] == 5 == loan["loan"]["daysPastDue"]
    assert borrower["savingsBalance"] == {"amount": "3000"}
    assert borrower["compulsorySavingDue"] == {"amount": "2000"}
    assert lines[2]["loans"] == []
    assert lines[2]["savingsBalance"] == {"amount": "1000"}
    assert lines[2]["compulsorySavingDue"] == {"amount": "0"}
    assert sheet["totalDue"] == {"amount": "37334", "currency": {"code": "XOF"}}
    assert sheet["compulsorySavingDue"] == {"amount": "4000"}


async def test_the_sheet_of_a_past_day_reads_the_ledger_as_it_stood(
    gql: GraphQL, db: Database
) -> None:
    b = await make_group(db, 1)
    # On the first due day, before the payment of that day: installment 1 due, not late.
    body = await gql(
        SHEET, {"group": gid("Group", b["group"]["id"]), "on": str(FIRST_DUE)}, **b["staff"]
    )
    (loan,) = body["data"]["node"]["collectionSheet"]["lines"][0]["loans"]
    assert (loan["totalDue"], loan["arrears"], loan["daysLate"]) == (
        {"amount": "18667"},
        {"amount": "0"},
        0,
    )
    # Ten days later, installment 1 was paid: nothing asked.
    later = FIRST_DUE + timedelta(days=10)
    body = await gql(
        SHEET, {"group": gid("Group", b["group"]["id"]), "on": str(later)}, **b["staff"]
    )
    (loan,) = body["data"]["node"]["collectionSheet"]["lines"][0]["loans"]
    assert (loan["totalDue"], loan["daysLate"], loan["loan"]["daysPastDue"]) == (
        {"amount": "0"},
        0,
        0,
    )


async def test_a_sheet_takes_as_many_statements_for_25_members_as_for_3(
    gql: GraphQL, db: Database, api: RunningServer
) -> None:
    small = await make_group(db, 3)
    large = await make_group(db, 25)
    sent = []
    for b in (small, large):
        with api.count_statements() as counted:
            body = await gql(
                SHEET, {"group": gid("Group", b["group"]["id"]), "on": str(TODAY)}, **b["staff"]
            )
        assert len(body["data"]["node"]["collectionSheet"]["lines"]) == len(b["members"])
        sent.append(counted.count)
    assert sent[0] == sent[1]
    assert sent[1] <= 12


async def test_a_group_out_of_scope_has_no_sheet(gql: GraphQL, db: Database) -> None:
    b = await make_group(db, 1)
    other = await make_group(db, 1)
    body = await gql(
        SHEET, {"group": gid("Group", b["group"]["id"]), "on": str(TODAY)}, **other["staff"]
    )
    assert body["data"]["node"] is None


MEETING_RECORD = """
mutation ($input: MeetingRecordInput!) {
  meetingRecord(input: $input) {
    meeting {
      id heldOn notes
      facilitator { id }
      group { id }
      attendance { status member { id } }
      trainingSessions { kind topic attendeeCount }
      repayments { totalCount nodes { amount { amount } loan { id } } }
      savingsTransactions { totalCount nodes { kind amount { amount } } }
    }
    group { id }
    userErrors { field message code }
    replayed
  }
}
"""


def record_input(b: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """Everyone present but the last, excused; each pays installment 2 and saves 500."""
    lines = []
    for index, (member, loan) in enumerate(zip(b["members"], b["loans"], strict=True)):
        last = index == len(b["members"]) - 1
        lines.append(
            {
                "member": gid("Member", member["id"]),
                "attendance": "EXCUSED" if last else "PRESENT",
                "repayments": [{"loan": gid("Loan", loan["id"]), "amount": xof(INSTALLMENT)}],
                "deposits": [{"kind": "COMPULSORY", "amount": xof(500)}],
            }
        )
    values: dict[str, Any] = {
        "group": gid("Group", b["group"]["id"]),
        "heldOn": str(TODAY),
        "notes": "Bonne réunion.",
        "lines": lines,
        "training": {"kind": "SOCIAL", "topic": "Santé de la famille"},
        "idempotencyKey": secrets.token_hex(8),
    }
    values.update(overrides)
    return values


async def written(db: Database, b: dict[str, Any]) -> tuple[int, int, int]:
    """Meetings, repayments and savings movements of the group's programme."""
    programme_id = b["programme"]["id"]
    async with db.read() as s:
        counts = []
        for model in (Meeting, Repayment, SavingsTransaction):
            counts.append(
                int(
                    await s.scalar(select(func.count()).where(model.programme_id == programme_id))
                    or 0
                )
            )
    return counts[0], counts[1], counts[2]


async def test_a_25_member_meeting_is_recorded_in_one_write(
    gql: GraphQL, db: Database, group25: dict[str, Any]
) -> None:
    b = group25
    before = await written(db, b)
    body = await gql(MEETING_RECORD, {"input": record_input(b)}, **b["staff"])

    result = body["data"]["meetingRecord"]
    assert result["userErrors"] == []
    assert result["replayed"] is False
    meeting = result["meeting"]
    assert meeting["heldOn"] == str(TODAY)
    assert meeting["notes"] == "Bonne réunion."
    assert meeting["facilitator"]["id"] == gid("Facilitator", b["facilitator"]["id"])
    assert result["group"]["id"] == gid("Group", b["group"]["id"])
    statuses = [a["status"] for a in meeting["attendance"]]
    assert statuses == ["PRESENT"] * 24 + ["EXCUSED"]
    assert [a["member"]["id"] for a in meeting["attendance"]] == [
        gid("Member", m["id"]) for m in b["members"]
    ]
    assert meeting["trainingSessions"] == [
        {"kind": "SOCIAL", "topic": "Santé de la famille", "attendeeCount": 24}
    ]
    assert meeting["repayments"]["totalCount"] == 25
    assert {r["amount"]["amount"] for r in meeting["repayments"]["nodes"]} == {"18667"}
    assert meeting["savingsTransactions"]["totalCount"] == 25
    assert await written(db, b) == (before[0] + 1, before[1] + 25, before[2] + 25)

    # Each loan is up to date and the sheet of tomorrow's reading asks nothing late.
    loan = await gql(
        "query ($id: ID!) { node(id: $id) { ... on Loan { daysPastDue outstandingPrincipal "
        "{ amount } } } }",
        {"id": gid("Loan", b["loans"][0]["id"])},
        **b["staff"],
    )
    assert loan["data"]["node"] == {
        "daysPastDue": 0,
        "outstandingPrincipal": {"amount": str(PRINCIPAL - 2 * 16_667)},
    }


async def test_the_meeting_reads_back_from_the_group_and_the_member(
    gql: GraphQL, db: Database
) -> None:
    b = await make_group(db, 3)
    recorded = await gql(MEETING_RECORD, {"input": record_input(b)}, **b["staff"])
    meeting_id = recorded["data"]["meetingRecord"]["meeting"]["id"]

    body = await gql(
        """
        query ($group: ID!, $member: ID!) {
          group: node(id: $group) {
            ... on Group { meetings(last: 1) { totalCount nodes { id heldOn group { id } } } }
          }
          member: node(id: $member) {
            ... on Member { meetingAttendance { nodes { status meeting { id heldOn } } } }
          }
        }
        """,
        {"group": gid("Group", b["group"]["id"]), "member": gid("Member", b["members"][2]["id"])},
        **b["staff"],
    )

    assert "errors" not in body, body
    meetings = body["data"]["group"]["meetings"]
    assert meetings["totalCount"] == 1
    assert meetings["nodes"] == [
        {"id": meeting_id, "heldOn": str(TODAY), "group": {"id": gid("Group", b["group"]["id"])}}
    ]
    assert body["data"]["member"]["meetingAttendance"]["nodes"] == [
        {"status": "EXCUSED", "meeting": {"id": meeting_id, "heldOn": str(TODAY)}}
    ]


async def test_members_not_listed_are_recorded_absent(gql: GraphQL, db: Database) -> None:
    b = await make_group(db, 3)
    values = record_input(b, training=None)
    values["lines"] = values["lines"][:1]
    body = await gql(MEETING_RECORD, {"input": values}, **b["staff"])
    attendance = body["data"]["meetingRecord"]["meeting"]["attendance"]
    assert [a["status"] for a in attendance] == ["PRESENT", "ABSENT", "ABSENT"]
    assert {a["member"]["id"] for a in attendance} == {gid("Member", m["id"]) for m in b["members"]}


async def test_a_retried_meeting_is_applied_once_and_another_body_is_refused(
    gql: GraphQL, db: Database
) -> None:
    b = await make_group(db, 5)
    values = record_input(b)
    first = (await gql(MEETING_RECORD, {"input": values}, **b["staff"]))["data"]["meetingRecord"]
    after_first = await written(db, b)

    again = (await gql(MEETING_RECORD, {"input": values}, **b["staff"]))["data"]["meetingRecord"]
    assert again["userErrors"] == []
    assert again["replayed"] is True
    assert again["meeting"]["id"] == first["meeting"]["id"]
    assert await written(db, b) == after_first

    changed = {**values, "notes": "Autre chose"}
    refused = (await gql(MEETING_RECORD, {"input": changed}, **b["staff"]))["data"]["meetingRecord"]
    assert refused["meeting"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "idempotencyKey"], "IDEMPOTENCY_KEY_REUSED")
    ]
    # A new key for the same day: the group has met already.
    other_key = {**values, "idempotencyKey": secrets.token_hex(8)}
    twice = (await gql(MEETING_RECORD, {"input": other_key}, **b["staff"]))["data"]["meetingRecord"]
    assert [(e["field"], e["code"]) for e in twice["userErrors"]] == [
        (["input", "heldOn"], "ALREADY_EXISTS")
    ]
    assert await written(db, b) == after_first

    audit = await gql(
        "query ($ids: [ID!]) { auditEntries(filter: {entities: $ids}) "
        "{ nodes { operation entityType idempotencyKey details } } }",
        {"ids": [first["meeting"]["id"]]},
    )
    (entry,) = audit["data"]["auditEntries"]["nodes"]
    assert entry["operation"] == "meetingRecord"
    assert entry["entityType"] == "Meeting"
    assert entry["idempotencyKey"] == values["idempotencyKey"]
    assert entry["details"]["repaid"] == str(5 * INSTALLMENT)
    assert entry["details"]["attendance"] == {"PRESENT": 4, "ABSENT": 0, "EXCUSED": 1}


def one_error(body: dict[str, Any]) -> dict[str, Any]:
    result = body["data"]["meetingRecord"]
    assert result["meeting"] is None
    (error,) = result["userErrors"]
    return dict(error)


@pytest.mark.parametrize(
    ("line", "change", "field", "code"),
    [
        (
            7,
            {"repayments": "over"},
            ["repayments", "0", "amount"],
            "OVERPAYMENT",
        ),
        (
            3,
            {"withdrawals": [{"kind": "COMPULSORY", "amount": xof(3_000)}]},
            ["withdrawals", "0", "amount"],
            "BELOW_COMPULSORY_MINIMUM",
        ),
        (
            12,
            {"deposits": [{"kind": "COMPULSORY", "amount": xof("10.5")}]},
            ["deposits", "0", "amount"],
            "TOO_MANY_DECIMALS",
        ),
        (
            20,
            {"withdrawals": [{"kind": "VOLUNTARY", "amount": xof(100)}]},
            ["withdrawals", "0", "kind"],
            "NOT_FOUND",
        ),
        (
            5,
            {"repayments": "someone else's"},
            ["repayments", "0", "loan"],
            "INVALID",
        ),
        (
            24,
            {"repayments": [{"loan": "wrong type", "amount": xof(1)}]},
            ["repayments", "0", "loan"],
            "INVALID",
        ),
    ],
)
async def test_one_wrong_line_refuses_the_meeting_naming_the_member_and_the_field(
    gql: GraphQL,
    db: Database,
    group25: dict[str, Any],
    line: int,
    change: dict[str, Any],
    field: list[str],
    code: str,
) -> None:
    b = group25
    values = record_input(b)
    if change.get("repayments") == "over":
        change = {
            "repayments": [{"loan": gid("Loan", b["loans"][line]["id"]), "amount": xof(95_000)}]
        }
    elif change.get("repayments") == "someone else's":
        change = {"repayments": [{"loan": gid("Loan", b["loans"][0]["id"]), "amount": xof(1)}]}
    elif change.get("repayments") and change["repayments"][0]["loan"] == "wrong type":
        change = {"repayments": [{"loan": gid("Member", b["members"][0]["id"]), "amount": xof(1)}]}
    values["lines"][line] = {**values["lines"][line], **change}
    before = await written(db, b)

    error = one_error(await gql(MEETING_RECORD, {"input": values}, **b["staff"]))

    assert error["field"] == ["input", "lines", str(line), *field]
    assert error["code"] == code
    if field != ["repayments", "0", "loan"] or code != "INVALID" or line != 24:
        assert gid("Member", b["members"][line]["id"]) in error["message"]
    # Nothing of the meeting was written, not even the lines before the wrong one.
    assert await written(db, b) == before
    balance = await gql(
        "query ($id: ID!) { node(id: $id) { ... on Member { savingsAccounts { balance "
        "{ amount } } } } }",
        {"id": gid("Member", b["members"][0]["id"])},
        **b["staff"],
    )
    assert balance["data"]["node"]["savingsAccounts"] == [{"balance": {"amount": "3000"}}]


async def test_meeting_level_mistakes_are_named(gql: GraphQL, db: Database) -> None:
    b = await make_group(db, 2)
    stranger = (await make_group(db, 1))["members"][0]

    async def refused(**overrides: Any) -> tuple[list[str], str]:
        error = one_error(
            await gql(MEETING_RECORD, {"input": record_input(b, **overrides)}, **b["staff"])
        )
        return error["field"], error["code"]

    assert await refused(heldOn=str(TODAY + timedelta(days=1))) == (
        ["input", "heldOn"],
        "IN_FUTURE",
    )
    lines = record_input(b)["lines"]
    assert await refused(lines=[lines[0], lines[0]]) == (["input", "lines", "1"], "INVALID")
    outsider = {"member": gid("Member", stranger["id"]), "attendance": "PRESENT"}
    assert await refused(lines=[lines[0], outsider]) == (
        ["input", "lines", "1", "member"],
        "INVALID",
    )
    assert await refused(training={"kind": "SOCIAL", "topic": "  "}) == (
        ["input", "training", "topic"],
        "REQUIRED",
    )
    assert await written(db, b) == (0, 2, 2)


async def test_only_the_programme_s_staff_record_its_meetings(gql: GraphQL, db: Database) -> None:
    b = await make_group(db, 2)
    other = await make_group(db, 1)
    values = record_input(b)

    as_other = one_error(await gql(MEETING_RECORD, {"input": values}, **other["staff"]))
    assert (as_other["field"], as_other["code"]) == (["input", "group"], "NOT_FOUND")
    head_office = one_error(
        await gql(MEETING_RECORD, {"input": {**values, "idempotencyKey": None}})
    )
    assert head_office["code"] == "NOT_ALLOWED"
    assert await written(db, b) == (0, 2, 2)


async def test_a_replicated_programme_s_meetings_are_recorded_in_its_own_database(
    gql: GraphQL, db: Database
) -> None:
    b = await make_group(db, 2)
    programme_id = b["programme"]["id"]
    async with db.transaction() as s:
        await s.execute(
            insert(ReplicatedProgramme).values(
                programme_id=programme_id,
                subscription=f"edm_test_{secrets.token_hex(4)}",
                source="db.example:5432/programme",
            )
        )
    try:
        error = one_error(await gql(MEETING_RECORD, {"input": record_input(b)}, **b["staff"]))
    finally:
        async with db.transaction() as s:
            await s.execute(
                delete(ReplicatedProgramme).where(ReplicatedProgramme.programme_id == programme_id)
            )
    assert error["code"] == "NOT_ALLOWED"
    assert "own database" in error["message"]
    assert await written(db, b) == (0, 2, 2)


async def test_a_meeting_day_product_puts_due_dates_on_the_group_s_meetings(
    gql: GraphQL, db: Database
) -> None:
    b = await make_group(db, 1)
    # The group met 40 days ago: it meets on that day of every month.
    met = TODAY - timedelta(days=40)
    values = record_input(b, heldOn=str(met), training=None)
    values["lines"][0] = {"member": values["lines"][0]["member"], "attendance": "PRESENT"}
    assert (await gql(MEETING_RECORD, {"input": values}, **b["staff"]))["data"]["meetingRecord"][
        "userErrors"
    ] == []
    async with db.transaction() as s:
        await s.execute(
            update(LoanProduct)
            .where(LoanProduct.id == b["product"]["id"])
            .values(due_dates_follow=DueDateRule.MEETING_DAY)
        )
        member = await g.member(
            s, b["programme"]["id"], b["group"]["id"], joined_on=TODAY - timedelta(days=100)
        )
        pending = await lf.loan(
            s,
            b["product"],
            member,
            b["group"]["id"],
            disbursed_on=None,
            approved_on=TODAY - timedelta(days=20),
        )
    disbursed_on = TODAY - timedelta(days=10)

    body = await gql(
        """
        mutation ($input: LoanDisburseInput!) {
          loanDisburse(input: $input) {
            loan { schedule { dueOn } product { dueDatesFollow } }
            userErrors { field code }
          }
        }
        """,
        {"input": {"loan": gid("Loan", pending["id"]), "disbursedOn": str(disbursed_on)}},
        **b["staff"],
    )

    result = body["data"]["loanDisburse"]
    assert result["userErrors"] == []
    assert result["loan"]["product"] == {"dueDatesFollow": "MEETING_DAY"}
    due = [date.fromisoformat(line["dueOn"]) for line in result["loan"]["schedule"]]
    meeting_days = [add_months(met, k) for k in range(0, 12)]
    assert all(day in meeting_days for day in due)
    assert due[0] >= add_months(disbursed_on, 1)
    assert due[0] == min(d for d in meeting_days if d >= add_months(disbursed_on, 1))
    assert len(set(due)) == 6
