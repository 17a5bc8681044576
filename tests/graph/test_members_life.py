"""A member's leaving the programme and a training session's corrected attendance, through
the API: each rule's error, retries applied once, a refused write leaving nothing."""

import secrets
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from strawberry.relay import to_base64

from db.engine import Database
from db.models import (
    Attendance,
    AuditEntry,
    GroupMembership,
    Member,
    SavingsAccount,
    TrainingSession,
)
from domain.enums import SavingsKind, TrainingKind
from tests.conftest import GraphQL
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import network as n
from tests.factories import savings as sf

TODAY = date.today()


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def gid(type_name: str, key: Any) -> str:
    return to_base64(type_name, str(key))


LEAVE = """
mutation ($input: MemberLeaveInput!) {
  memberLeave(input: $input) {
    member {
      id leftOn leavingReason currentGroup { id }
      groupHistory { leftOn }
      savingsAccounts { kind closedOn }
    }
    userErrors { field message code }
    replayed
  }
}
"""

CORRECT = """
mutation ($input: TrainingSessionCorrectAttendanceInput!) {
  trainingSessionCorrectAttendance(input: $input) {
    trainingSession { id attendeeCount attendees { nodes { id } } }
    userErrors { field message code }
    replayed
  }
}
"""

MOVE = """
mutation ($input: MemberMoveInput!) {
  memberMove(input: $input) { member { id } userErrors { field code } }
}
"""

DEPOSIT = """
mutation ($input: SavingsDepositInput!) {
  savingsDeposit(input: $input) { transaction { id } userErrors { field code } }
}
"""

MEMBER = """
query ($id: ID!) { node(id: $id) { ... on Member { leftOn leavingReason initialSessionsAttended } } }
"""


async def make_group(db: Database, members: int = 2) -> dict[str, Any]:
    async with db.transaction() as s:
        programme = await n.programme(s)
        facilitator = await g.facilitator(s, programme["id"])
        group = await g.group(s, programme["id"], facilitator["id"], formed_on=days_ago(500))
        people = [
            await g.member(s, programme["id"], group["id"], joined_on=days_ago(450))
            for _ in range(members)
        ]
    return {
        "programme": programme,
        "facilitator": facilitator,
        "group": group,
        "members": people,
        "member": people[0],
    }


@pytest.fixture
async def b(db: Database) -> dict[str, Any]:
    return await make_group(db)


def staff_of(b: dict[str, Any]) -> dict[str, str]:
    code = b["programme"]["code"]
    return {"programmes": code, "subject": f"awa@{code.lower()}"}


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


def leave_input(b: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "member": gid("Member", b["member"]["id"]),
        "leftOn": str(days_ago(10)),
        "reason": "MOVED_AWAY",
    }
    values.update(overrides)
    return values


async def rows_of(db: Database, programme_id: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    async with db.read() as s:
        for name, model in {
            "members": Member,
            "memberships": GroupMembership,
            "accounts": SavingsAccount,
            "sessions": TrainingSession,
            "attendances": Attendance,
            "audit": AuditEntry,
        }.items():
            rows = await s.execute(
                select(model.__table__).where(model.programme_id == programme_id)
            )
            found[name] = sorted(tuple(r) for r in rows)
    return found


# Leaving.


async def test_a_member_who_leaves_leaves_her_group_that_day_and_her_empty_accounts_close(
    db: Database, gql: GraphQL, b: dict[str, Any]
) -> None:
    async with db.transaction() as s:
        await sf.account(
            s,
            b["programme"],
            b["member"],
            movements=[sf.deposit(days_ago(300), 5_000), sf.withdrawal(days_ago(20), 5_000)],
        )

    left = await send(gql, b, LEAVE, leave_input(b, reason="BUSINESS_FAILURE"))

    assert left["userErrors"] == []
    member = left["member"]
    assert (member["leftOn"], member["leavingReason"]) == (str(days_ago(10)), "BUSINESS_FAILURE")
    assert member["currentGroup"] is None
    assert member["groupHistory"] == [{"leftOn": str(days_ago(10))}]
    assert member["savingsAccounts"] == [{"kind": "COMPULSORY", "closedOn": str(days_ago(10))}]
    # Head office reads the drop-out too (not personal data).
    seen = await gql(MEMBER, {"id": member["id"]})
    assert seen["data"]["node"]["leavingReason"] == "BUSINESS_FAILURE"


async def test_she_cannot_leave_with_an_open_loan_or_money_saved(
    db: Database, gql: GraphQL, b: dict[str, Any]
) -> None:
    other = b["members"][1]
    async with db.transaction() as s:
        product = await lf.product(s, b["programme"])
        await lf.loan(s, product, b["member"], b["group"]["id"], disbursed_on=None)
        await sf.account(
            s,
            b["programme"],
            other,
            kind=SavingsKind.VOLUNTARY,
            movements=[sf.deposit(days_ago(30), 1_500)],
        )
    before = await rows_of(db, b["programme"]["id"])

    with_loan = await send(gql, b, LEAVE, leave_input(b))
    saved = await send(gql, b, LEAVE, leave_input(b, member=gid("Member", other["id"])))

    assert codes(with_loan) == [(["input", "member"], "ACTIVE_LOAN_EXISTS")]
    assert codes(saved) == [(["input", "member"], "BALANCE_NOT_ZERO")]
    assert "1500 XOF" in saved["userErrors"][0]["message"]
    assert with_loan["member"] is None
    assert await rows_of(db, b["programme"]["id"]) == before


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"leftOn": str(days_ago(-1))}, (["input", "leftOn"], "IN_FUTURE")),
        ({"leftOn": str(days_ago(451))}, (["input", "leftOn"], "DATES_OUT_OF_ORDER")),
        ({"member": gid("Group", "0" * 32)}, (["input", "member"], "INVALID")),
        ({"member": gid("Member", "0" * 32)}, (["input", "member"], "NOT_FOUND")),
    ],
)
async def test_a_bad_leaving_names_its_field(
    gql: GraphQL, b: dict[str, Any], overrides: dict[str, Any], expected: Any
) -> None:
    refused = await send(gql, b, LEAVE, leave_input(b, **overrides))

    assert codes(refused) == [expected]


async def test_she_cannot_leave_before_her_last_loan_closed(
    db: Database, gql: GraphQL, b: dict[str, Any]
) -> None:
    async with db.transaction() as s:
        product = await lf.product(s, b["programme"])
        await lf.loan(
            s,
            product,
            b["member"],
            b["group"]["id"],
            disbursed_on=days_ago(200),
            written_off_on=days_ago(5),
        )

    refused = await send(gql, b, LEAVE, leave_input(b))

    assert codes(refused) == [(["input", "leftOn"], "DATES_OUT_OF_ORDER")]


async def test_leaving_is_final(db: Database, gql: GraphQL, b: dict[str, Any]) -> None:
    async with db.transaction() as s:
        other_group = await g.group(
            s, b["programme"]["id"], b["facilitator"]["id"], formed_on=days_ago(400)
        )
    await send(gql, b, LEAVE, leave_input(b))
    member = gid("Member", b["member"]["id"])

    twice = await send(gql, b, LEAVE, leave_input(b))
    moved = await send(
        gql,
        b,
        MOVE,
        {"member": member, "group": gid("Group", other_group["id"]), "movedOn": str(days_ago(1))},
    )
    deposit = await send(
        gql,
        b,
        DEPOSIT,
        {
            "member": member,
            "kind": "VOLUNTARY",
            "amount": {"amount": "1000", "currency": "XOF"},
            "occurredOn": str(days_ago(1)),
            "recordedBy": gid("Facilitator", b["facilitator"]["id"]),
        },
    )

    assert codes(twice) == [(["input", "member"], "INVALID_STATE")]
    assert codes(moved) == [(["input", "member"], "INVALID_STATE")]
    assert codes(deposit) == [(["input", "member"], "INVALID_STATE")]


async def test_only_her_programme_staff_record_her_leaving(
    db: Database, gql: GraphQL, b: dict[str, Any]
) -> None:
    other = await make_group(db)

    head_office = await send(gql, b, LEAVE, leave_input(b), role="HEAD_OFFICE")
    elsewhere = await send(gql, b, LEAVE, leave_input(b), **staff_of(other))

    assert codes(head_office) == [(None, "NOT_ALLOWED")]
    assert codes(elsewhere) == [(["input", "member"], "NOT_FOUND")]


async def test_a_retried_leaving_is_applied_once_and_audited(
    gql: GraphQL, b: dict[str, Any]
) -> None:
    key = secrets.token_hex(8)
    first = await send(gql, b, LEAVE, leave_input(b, idempotencyKey=key))
    again = await send(gql, b, LEAVE, leave_input(b, idempotencyKey=key))

    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["userErrors"] == []
    audit = await gql(
        "query ($ids: [ID!]) { auditEntries(filter: {entities: $ids}) "
        "{ nodes { operation details } } }",
        {"ids": [first["member"]["id"]]},
    )
    (entry,) = audit["data"]["auditEntries"]["nodes"]
    assert entry["operation"] == "memberLeave"
    assert entry["details"] == {"leftOn": str(days_ago(10)), "reason": "MOVED_AWAY"}


# Attendance.


async def initial_sessions(
    db: Database, b: dict[str, Any], count: int, attendees: list[Any], first_day: int = 300
) -> list[dict[str, Any]]:
    async with db.transaction() as s:
        return [
            await g.training_session(
                s,
                b["programme"]["id"],
                b["group"]["id"],
                b["facilitator"]["id"],
                [m["id"] for m in attendees],
                held_on=days_ago(first_day - 7 * i),
                kind=TrainingKind.INITIAL,
            )
            for i in range(count)
        ]


def correct_input(session: dict[str, Any], attendees: list[Any], **overrides: Any) -> dict:
    values: dict[str, Any] = {
        "trainingSession": gid("TrainingSession", session["id"]),
        "attendees": [gid("Member", m["id"]) for m in attendees],
        "reason": "The sheet was copied from the wrong week",
    }
    values.update(overrides)
    return values


async def test_a_corrected_attendance_replaces_the_list(
    db: Database, gql: GraphQL, b: dict[str, Any]
) -> None:
    first, second = b["members"]
    (held,) = await initial_sessions(db, b, 1, [first])

    corrected = await send(gql, b, CORRECT, correct_input(held, [second]))

    assert corrected["userErrors"] == []
    session = corrected["trainingSession"]
    assert session["attendeeCount"] == 1
    assert session["attendees"]["nodes"] == [{"id": gid("Member", second["id"])}]
    counts = [
        (await gql(MEMBER, {"id": gid("Member", m["id"])}, **staff_of(b)))["data"]["node"][
            "initialSessionsAttended"
        ]
        for m in (first, second)
    ]
    assert counts == [0, 1]


async def test_a_member_who_has_since_left_the_group_can_be_added_back(
    db: Database, gql: GraphQL, b: dict[str, Any]
) -> None:
    first, second = b["members"]
    (held,) = await initial_sessions(db, b, 1, [first])
    await send(gql, b, LEAVE, leave_input(b, member=gid("Member", second["id"])))

    corrected = await send(gql, b, CORRECT, correct_input(held, [first, second]))

    assert corrected["trainingSession"]["attendeeCount"] == 2


async def test_striking_off_a_session_her_first_loan_counted_is_refused(
    db: Database, gql: GraphQL, b: dict[str, Any]
) -> None:
    first, second = b["members"]
    sessions = await initial_sessions(db, b, 6, [first, second])
    async with db.transaction() as s:
        product = await lf.product(s, b["programme"])
        await lf.loan(
            s,
            product,
            first,
            b["group"]["id"],
            disbursed_on=days_ago(200),
            applied_on=days_ago(214),
        )
    before = await rows_of(db, b["programme"]["id"])

    refused = await send(gql, b, CORRECT, correct_input(sessions[2], [second]))
    # Her colleague took no loan: striking her off is fine.
    allowed = await send(gql, b, CORRECT, correct_input(sessions[3], [first]))

    assert codes(refused) == [(["input", "attendees"], "LOAN_ELIGIBILITY_USED")]
    assert "5 of the 6" in refused["userErrors"][0]["message"]
    assert allowed["userErrors"] == []
    after = await rows_of(db, b["programme"]["id"])
    assert len(after["attendances"]) == len(before["attendances"]) - 1


async def test_a_session_after_her_application_can_be_corrected(
    db: Database, gql: GraphQL, b: dict[str, Any]
) -> None:
    first, second = b["members"]
    await initial_sessions(db, b, 6, [first], first_day=300)
    (late,) = await initial_sessions(db, b, 1, [first, second], first_day=100)
    async with db.transaction() as s:
        product = await lf.product(s, b["programme"])
        await lf.loan(
            s, product, first, b["group"]["id"], disbursed_on=None, applied_on=days_ago(200)
        )

    corrected = await send(gql, b, CORRECT, correct_input(late, [second]))

    assert corrected["userErrors"] == []


async def test_bad_corrections_name_their_field(
    db: Database, gql: GraphQL, b: dict[str, Any]
) -> None:
    first, _ = b["members"]
    (held,) = await initial_sessions(db, b, 1, [first])
    async with db.transaction() as s:
        stranger = await g.member(s, b["programme"]["id"], None, joined_on=days_ago(450))
        latecomer = await g.member(s, b["programme"]["id"], b["group"]["id"], joined_on=days_ago(5))
    for overrides, expected in [
        ({"reason": " "}, (["input", "reason"], "REASON_REQUIRED")),
        ({"attendees": []}, (["input", "attendees"], "REQUIRED")),
        (
            {"attendees": [gid("Member", first["id"])] * 2},
            (["input", "attendees", "1"], "INVALID"),
        ),
        (
            {"attendees": [gid("Member", first["id"]), gid("Member", stranger["id"])]},
            (["input", "attendees", "1"], "INVALID"),
        ),
        ({"attendees": [gid("Member", latecomer["id"])]}, (["input", "attendees", "0"], "INVALID")),
        ({"attendees": [gid("Member", "0" * 32)]}, (["input", "attendees", "0"], "NOT_FOUND")),
        (
            {"trainingSession": gid("TrainingSession", "0" * 32)},
            (["input", "trainingSession"], "NOT_FOUND"),
        ),
    ]:
        refused = await send(gql, b, CORRECT, {**correct_input(held, [first]), **overrides})
        assert codes(refused) == [expected], overrides


async def test_a_retried_correction_is_applied_once(
    db: Database, gql: GraphQL, b: dict[str, Any]
) -> None:
    first, second = b["members"]
    (held,) = await initial_sessions(db, b, 1, [first])
    input = correct_input(held, [first, second], idempotencyKey=secrets.token_hex(8))

    done = await send(gql, b, CORRECT, input)
    again = await send(gql, b, CORRECT, input)

    assert (done["replayed"], again["replayed"]) == (False, True)
    assert again["trainingSession"]["attendeeCount"] == 2
    audit = await gql(
        "query ($ids: [ID!]) { auditEntries(filter: {entities: $ids}) { nodes { details } } }",
        {"ids": [done["trainingSession"]["id"]]},
    )
    (entry,) = audit["data"]["auditEntries"]["nodes"]
    assert entry["details"] == {
        "added": 1,
        "struckOff": 0,
        "reason": "The sheet was copied from the wrong week",
    }


DROPOUTS = """
query ($code: String!, $from: Date, $to: Date, $reasons: [LeavingReason!]) {
  programme(code: $code) {
    all: members { totalCount }
    dropouts: members(filter: {leftBetween: {from: $from, to: $to}, leavingReasons: $reasons}) {
      totalCount nodes { leftOn leavingReason }
    }
  }
}
"""


async def test_the_drop_outs_of_a_period_are_a_filtered_count(
    db: Database, gql: GraphQL, api: Any
) -> None:
    b = await make_group(db, members=4)
    for member, day, reason in (
        (b["members"][0], 40, "MOVED_AWAY"),
        (b["members"][1], 10, "DECEASED"),
        (b["members"][2], 5, "MOVED_AWAY"),
    ):
        left = await send(
            gql,
            b,
            LEAVE,
            leave_input(
                b, member=gid("Member", member["id"]), leftOn=str(days_ago(day)), reason=reason
            ),
        )
        assert left["userErrors"] == []
    code = b["programme"]["code"]
    checked = api.app.state.planner_checked

    last_month = await gql(
        DROPOUTS, {"code": code, "from": str(days_ago(30)), "to": str(days_ago(0))}, **staff_of(b)
    )
    ever_moved = await gql(DROPOUTS, {"code": code, "reasons": ["MOVED_AWAY"]}, **staff_of(b))

    got = last_month["data"]["programme"]
    assert (got["all"]["totalCount"], got["dropouts"]["totalCount"]) == (4, 2)
    assert sorted(n["leavingReason"] for n in got["dropouts"]["nodes"]) == [
        "DECEASED",
        "MOVED_AWAY",
    ]
    assert ever_moved["data"]["programme"]["dropouts"]["totalCount"] == 2
    assert api.app.state.planner_checked == checked + 2
