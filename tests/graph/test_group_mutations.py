"""Field operations on groups, members and training, through HTTP: each rule, each error."""

import asyncio
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text
from strawberry.relay import to_base64

from db.engine import Database
from db.models import (
    Attendance,
    AuditEntry,
    Group,
    GroupMembership,
    Member,
    TrainingSession,
)
from domain.enums import GroupStatus, TrainingKind
from tests.conftest import GraphQL
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import network as f

GROUP_FIELDS = """
  group {
    id name status meetingFrequency meetingPlace formedOn closedOn
    facilitator { lastName }
    memberCount
    memberships(first: 20) { nodes { joinedOn leftOn member { lastName } } }
  }
  userErrors { field message code }
  replayed
"""

GROUP_UPDATE = f"""
mutation ($input: GroupUpdateInput!) {{ groupUpdate(input: $input) {{ {GROUP_FIELDS} }} }}
"""

GROUP_ACTIVATE = f"""
mutation ($input: GroupActivateInput!) {{ groupActivate(input: $input) {{ {GROUP_FIELDS} }} }}
"""

GROUP_CLOSE = f"""
mutation ($input: GroupCloseInput!) {{ groupClose(input: $input) {{ {GROUP_FIELDS} }} }}
"""

MEMBER_FIELDS = """
  member {
    id firstName lastName gender birthYear phone joinedOn activity activityDescription rural
    povertyLikelihood
    programme { code }
    currentGroup { name }
    groupHistory { joinedOn leftOn group { name } }
    initialSessionsAttended
  }
  userErrors { field message code }
  replayed
"""

MEMBER_ENROL = f"""
mutation ($input: MemberEnrolInput!) {{ memberEnrol(input: $input) {{ {MEMBER_FIELDS} }} }}
"""

MEMBER_UPDATE = f"""
mutation ($input: MemberUpdateInput!) {{ memberUpdate(input: $input) {{ {MEMBER_FIELDS} }} }}
"""

MEMBER_MOVE = f"""
mutation ($input: MemberMoveInput!) {{ memberMove(input: $input) {{ {MEMBER_FIELDS} }} }}
"""

SESSION_RECORD = """
mutation ($input: TrainingSessionRecordInput!) {
  trainingSessionRecord(input: $input) {
    trainingSession {
      id heldOn kind topic
      programme { code }
      group { name }
      facilitator { lastName }
      attendeeCount
      attendees(first: 50) { nodes { id } }
    }
    userErrors { field message code }
    replayed
  }
}
"""

MEMBER_INITIAL_SESSIONS = """
query ($id: ID!) { node(id: $id) { ... on Member { initialSessionsAttended } } }
"""

GROUP_CREATE = """
mutation ($input: GroupCreateInput!) {
  groupCreate(input: $input) { group { id } userErrors { field message code } }
}
"""

TODAY = date.today()
TOMORROW = str(TODAY + timedelta(days=1))
FORMED = date(2020, 1, 15)
NOBODY = "00000000-0000-7000-8000-000000000000"


def gid(type_name: str, row: dict[str, Any] | uuid.UUID | str) -> str:
    key = row["id"] if isinstance(row, dict) else row
    return to_base64(type_name, str(key))


@dataclass
class Staff:
    """A programme with a facilitator, an IN_TRAINING group of three members, and another
    ACTIVE group of the same programme."""

    programme: dict[str, Any]
    facilitator: dict[str, Any]
    group: dict[str, Any]
    members: list[dict[str, Any]]
    other_group: dict[str, Any]

    @property
    def code(self) -> str:
        return str(self.programme["code"])


async def make_staff(db: Database, **programme: Any) -> Staff:
    async with db.transaction() as s:
        prog = await f.programme(s, **programme)
        facilitator = await g.facilitator(s, prog["id"])
        group = await g.group(
            s, prog["id"], facilitator["id"], status=GroupStatus.IN_TRAINING, formed_on=FORMED
        )
        members = [await g.member(s, prog["id"], group["id"]) for _ in range(3)]
        other = await g.group(s, prog["id"], facilitator["id"], formed_on=FORMED)
    return Staff(prog, facilitator, group, members, other)


@pytest.fixture
async def staff(db: Database) -> Staff:
    return await make_staff(db)


@pytest.fixture
async def elsewhere(db: Database) -> Staff:
    """Another programme, out of `staff`'s scope."""
    return await make_staff(db)


async def mutate(
    gql: GraphQL, document: str, input: dict[str, Any], programmes: str, **headers: Any
) -> dict[str, Any]:
    """Send a mutation as programme staff; return its payload (no GraphQL error expected)."""
    body = await gql(
        document, {"input": input}, programmes=programmes, subject="awa@fansoto", **headers
    )
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    assert isinstance(payload, dict)
    return payload


def codes(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def scalar(db: Database, stmt: Any) -> Any:
    async with db.read() as s:
        return await s.scalar(stmt)


async def group_row(db: Database, group_id: uuid.UUID) -> Any:
    async with db.read() as s:
        return (await s.execute(select(Group).where(Group.id == group_id))).scalar_one()


async def open_memberships(db: Database, member_id: uuid.UUID) -> list[uuid.UUID]:
    async with db.read() as s:
        rows = await s.scalars(
            select(GroupMembership.group_id).where(
                GroupMembership.member_id == member_id, GroupMembership.left_on.is_(None)
            )
        )
        return list(rows)


async def initial_sessions(db: Database, staff: Staff, count: int, **overrides: Any) -> None:
    async with db.transaction() as s:
        for _ in range(count):
            await g.training_session(
                s,
                staff.programme["id"],
                staff.group["id"],
                staff.facilitator["id"],
                [m["id"] for m in staff.members],
                **overrides,
            )


# groupUpdate


async def test_staff_change_a_groups_details_and_omitted_ones_stay(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    async with db.transaction() as s:
        colleague = await g.facilitator(s, staff.programme["id"])
    name = f"Kagnobon {secrets.token_hex(2)}"

    result = await mutate(
        gql,
        GROUP_UPDATE,
        {
            "group": gid("Group", staff.group),
            "name": f"  {name} ",
            "meetingFrequency": "TWICE_MONTHLY",
            "facilitator": gid("Facilitator", colleague),
        },
        staff.code,
    )

    assert result["userErrors"] == []
    group = result["group"]
    assert group["name"] == name
    assert group["meetingFrequency"] == "TWICE_MONTHLY"
    assert group["meetingPlace"] == staff.group["meeting_place"]
    assert group["facilitator"] == {"lastName": colleague["last_name"]}
    assert group["status"] == "IN_TRAINING"


async def test_a_closed_group_cannot_be_updated(db: Database, gql: GraphQL, staff: Staff) -> None:
    async with db.transaction() as s:
        closed = await g.group(
            s,
            staff.programme["id"],
            staff.facilitator["id"],
            status=GroupStatus.CLOSED,
            closed_on=date(2024, 1, 1),
        )

    result = await mutate(
        gql,
        GROUP_UPDATE,
        {"group": gid("Group", closed), "meetingPlace": "Lyndiane"},
        staff.code,
    )

    assert result["group"] is None
    assert codes(result) == [(["input", "group"], "GROUP_CLOSED")]
    assert (await group_row(db, closed["id"])).meeting_place == closed["meeting_place"]


async def _left_facilitator(db: Database, staff: Staff) -> str:
    async with db.transaction() as s:
        return gid("Facilitator", await g.facilitator(s, staff.programme["id"], active=False))


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"name": "   "}, "name", "REQUIRED"),
        ({"name": None}, "name", "REQUIRED"),
        ({"meetingPlace": ""}, "meetingPlace", "REQUIRED"),
        ({"meetingFrequency": None}, "meetingFrequency", "REQUIRED"),
        ({"facilitator": None}, "facilitator", "REQUIRED"),
        ({"facilitator": to_base64("Facilitator", NOBODY)}, "facilitator", "NOT_FOUND"),
        ({"facilitator": "left"}, "facilitator", "INVALID_STATE"),
        ({"facilitator": "elsewhere"}, "facilitator", "NOT_FOUND"),
        ({"group": to_base64("Group", NOBODY)}, "group", "NOT_FOUND"),
        ({"group": "elsewhere"}, "group", "NOT_FOUND"),
        ({"group": "member"}, "group", "INVALID"),
        ({"name": "taken"}, "name", "ALREADY_EXISTS"),
    ],
)
async def test_a_refused_group_update_names_the_field_and_changes_nothing(
    db: Database,
    gql: GraphQL,
    staff: Staff,
    elsewhere: Staff,
    overrides: dict[str, Any],
    field: str,
    code: str,
) -> None:
    placeholders = {
        "left": await _left_facilitator(db, staff),
        "elsewhere": gid("Facilitator", elsewhere.facilitator)
        if field == "facilitator"
        else gid("Group", elsewhere.group),
        "member": gid("Member", staff.members[0]),
        "taken": staff.other_group["name"],
    }
    input = {"group": gid("Group", staff.group), "meetingPlace": "Lyndiane"}
    input |= {k: placeholders.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}

    result = await mutate(gql, GROUP_UPDATE, input, staff.code)

    assert result["group"] is None
    assert codes(result) == [(["input", field], code)]
    row = await group_row(db, staff.group["id"])
    assert (row.name, row.meeting_place) == (staff.group["name"], staff.group["meeting_place"])


async def test_a_rename_racing_another_to_the_same_name_is_a_user_error(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    # Given another writer holding, uncommitted, a group with the wanted name
    name = f"Kagnobon {secrets.token_hex(2)}"
    async with db.transaction() as s:
        await g.group(s, staff.programme["id"], staff.facilitator["id"], name=name)
        # When the rename runs, passes its check and waits on the unique index
        rename = asyncio.create_task(
            mutate(
                gql, GROUP_UPDATE, {"group": gid("Group", staff.group), "name": name}, staff.code
            )
        )
        await wait_for_a_blocked_query(db)
    # Then, the other writer committed, the rename is refused as data
    result = await rename

    assert codes(result) == [(["input", "name"], "ALREADY_EXISTS")]
    assert (await group_row(db, staff.group["id"])).name == staff.group["name"]


async def wait_for_a_blocked_query(db: Database) -> None:
    """Until a query of the API (a separate connection) waits on a lock."""
    for _ in range(200):
        waiting = await scalar(
            db,
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND application_name = 'edm-graph'"
                " AND pid <> pg_backend_pid()"
            ),
        )
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("no query ever waited")


# groupActivate


async def test_a_group_becomes_active_once_it_held_its_initial_sessions(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    await initial_sessions(db, staff, 6)

    result = await mutate(gql, GROUP_ACTIVATE, {"group": gid("Group", staff.group)}, staff.code)

    assert result["userErrors"] == []
    assert result["group"]["status"] == "ACTIVE"


async def test_a_group_short_of_initial_sessions_stays_in_training(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    # Given five initial sessions and three others: the rule counts INITIAL ones only
    await initial_sessions(db, staff, 5)
    await initial_sessions(db, staff, 3, kind=TrainingKind.ECONOMIC)

    result = await mutate(gql, GROUP_ACTIVATE, {"group": gid("Group", staff.group)}, staff.code)

    assert codes(result) == [(["input", "group"], "TRAINING_INCOMPLETE")]
    assert "5 of the programme's 6" in result["userErrors"][0]["message"]
    assert (await group_row(db, staff.group["id"])).status is GroupStatus.IN_TRAINING


async def test_the_number_of_initial_sessions_is_the_programmes(db: Database, gql: GraphQL) -> None:
    staff = await make_staff(db, initial_training_sessions=2)
    await initial_sessions(db, staff, 2)

    result = await mutate(gql, GROUP_ACTIVATE, {"group": gid("Group", staff.group)}, staff.code)

    assert result["group"]["status"] == "ACTIVE"


async def test_only_a_group_in_training_can_be_activated(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    async with db.transaction() as s:
        closed = await g.group(
            s,
            staff.programme["id"],
            staff.facilitator["id"],
            status=GroupStatus.CLOSED,
            closed_on=date(2024, 1, 1),
        )

    active = await mutate(
        gql, GROUP_ACTIVATE, {"group": gid("Group", staff.other_group)}, staff.code
    )
    closing = await mutate(gql, GROUP_ACTIVATE, {"group": gid("Group", closed)}, staff.code)

    assert codes(active) == [(["input", "group"], "INVALID_STATE")]
    assert codes(closing) == [(["input", "group"], "GROUP_CLOSED")]


async def test_concurrent_activations_apply_once(db: Database, gql: GraphQL, staff: Staff) -> None:
    await initial_sessions(db, staff, 6)
    input = {"group": gid("Group", staff.group)}

    results = await asyncio.gather(
        *(
            mutate(
                gql, GROUP_ACTIVATE, input | {"idempotencyKey": secrets.token_hex(8)}, staff.code
            )
            for _ in range(5)
        )
    )

    assert sorted(codes(r) != [] for r in results) == [False, True, True, True, True]
    refused = [c for r in results for c in codes(r)]
    assert refused == [(["input", "group"], "INVALID_STATE")] * 4
    assert (
        await scalar(db, select(func.count()).where(AuditEntry.entity_id == staff.group["id"])) == 1
    )


# groupClose


async def test_closing_a_group_ends_its_memberships_and_keeps_history(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    result = await mutate(
        gql,
        GROUP_CLOSE,
        {"group": gid("Group", staff.group), "closedOn": "2024-06-30"},
        staff.code,
    )

    assert result["userErrors"] == []
    group = result["group"]
    assert (group["status"], group["closedOn"], group["memberCount"]) == (
        "CLOSED",
        "2024-06-30",
        0,
    )
    assert sorted(m["member"]["lastName"] for m in group["memberships"]["nodes"]) == sorted(
        m["last_name"] for m in staff.members
    )
    assert {m["leftOn"] for m in group["memberships"]["nodes"]} == {"2024-06-30"}
    assert await open_memberships(db, staff.members[0]["id"]) == []


@pytest.mark.parametrize(
    ("closed_on", "code"),
    [
        (TOMORROW, "IN_FUTURE"),
        (str(FORMED - timedelta(days=1)), "DATES_OUT_OF_ORDER"),
        ("2021-12-31", "DATES_OUT_OF_ORDER"),  # a current member joined in 2022
    ],
)
async def test_a_closing_date_is_neither_future_nor_before_the_group_or_its_members(
    db: Database, gql: GraphQL, staff: Staff, closed_on: str, code: str
) -> None:
    async with db.transaction() as s:
        await g.member(s, staff.programme["id"], staff.group["id"], joined_on=date(2022, 1, 1))

    result = await mutate(
        gql, GROUP_CLOSE, {"group": gid("Group", staff.group), "closedOn": closed_on}, staff.code
    )

    assert codes(result) == [(["input", "closedOn"], code)]
    assert (await group_row(db, staff.group["id"])).status is GroupStatus.IN_TRAINING


@pytest.mark.parametrize(
    "loan",
    ["active", "pending", "made_here_to_a_member_who_left", "made_elsewhere_to_a_member_here"],
)
async def test_a_group_with_a_pending_or_active_loan_cannot_close(
    db: Database, gql: GraphQL, staff: Staff, loan: str
) -> None:
    member, group = staff.members[0], staff.group["id"]
    async with db.transaction() as s:
        product = await lf.product(s, staff.programme)
        if loan == "made_here_to_a_member_who_left":
            await g.move(s, staff.programme["id"], member["id"], staff.other_group["id"], FORMED)
        if loan == "made_elsewhere_to_a_member_here":
            group = staff.other_group["id"]
        await lf.loan(
            s, product, member, group, disbursed_on=None if loan == "pending" else date(2024, 1, 10)
        )

    result = await mutate(
        gql, GROUP_CLOSE, {"group": gid("Group", staff.group), "closedOn": "2024-06-30"}, staff.code
    )

    assert codes(result) == [(["input", "group"], "ACTIVE_LOAN_EXISTS")]
    assert (await group_row(db, staff.group["id"])).status is GroupStatus.IN_TRAINING
    assert len(await open_memberships(db, staff.members[1]["id"])) == 1


async def test_a_group_whose_loans_are_repaid_or_written_off_can_close(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    async with db.transaction() as s:
        product = await lf.product(s, staff.programme)
        total = sum(
            (lf.installment_total_of(product, Decimal(100_000), n) for n in range(1, 7)), Decimal(0)
        )
        await lf.loan(
            s,
            product,
            staff.members[0],
            staff.group["id"],
            payments=[lf.Payment(date(2024, 6, 1), total)],
        )
        await lf.loan(
            s, product, staff.members[1], staff.group["id"], written_off_on=date(2024, 6, 1)
        )

    result = await mutate(
        gql, GROUP_CLOSE, {"group": gid("Group", staff.group), "closedOn": "2024-06-30"}, staff.code
    )

    assert result["userErrors"] == []
    assert result["group"]["status"] == "CLOSED"


async def test_a_group_closes_once(gql: GraphQL, staff: Staff) -> None:
    input = {"group": gid("Group", staff.group), "closedOn": "2024-06-30"}
    await mutate(gql, GROUP_CLOSE, input, staff.code)

    again = await mutate(gql, GROUP_CLOSE, input, staff.code)

    assert codes(again) == [(["input", "group"], "GROUP_CLOSED")]


async def test_another_programmes_group_cannot_be_closed(
    db: Database, gql: GraphQL, staff: Staff, elsewhere: Staff
) -> None:
    result = await mutate(
        gql,
        GROUP_CLOSE,
        {"group": gid("Group", elsewhere.group), "closedOn": "2024-06-30"},
        staff.code,
    )

    assert codes(result) == [(["input", "group"], "NOT_FOUND")]
    assert (await group_row(db, elsewhere.group["id"])).status is GroupStatus.IN_TRAINING


# memberEnrol


def enrolment(group: dict[str, Any] | str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "group": group if isinstance(group, str) else gid("Group", group),
        "firstName": "Mariama",
        "lastName": f"Badji {secrets.token_hex(3)}",
        "gender": "FEMALE",
        "birthYear": 1988,
        "phone": "+221 77 555 44 33",
        "joinedOn": "2024-03-01",
        "activity": "FISH_TRADING",
        "activityDescription": "Sells smoked fish at the Saint-Maur market",
        "rural": True,
        "povertyLikelihood": "37.25",
    }
    values.update(overrides)
    return values


async def members_named(db: Database, last_name: str) -> int:
    return int(await scalar(db, select(func.count()).where(Member.last_name == last_name)))


async def test_staff_enrol_a_member_into_a_group(gql: GraphQL, staff: Staff) -> None:
    input = enrolment(staff.group)

    result = await mutate(gql, MEMBER_ENROL, input, staff.code)

    assert result["userErrors"] == []
    assert result["replayed"] is False
    member = result["member"]
    assert {k: member[k] for k in input if k not in ("group", "povertyLikelihood")} == {
        k: v for k, v in input.items() if k not in ("group", "povertyLikelihood")
    }
    assert Decimal(member["povertyLikelihood"]) == Decimal("37.25")
    assert member["programme"] == {"code": staff.code}
    assert member["currentGroup"] == {"name": staff.group["name"]}
    assert member["groupHistory"] == [
        {"joinedOn": "2024-03-01", "leftOn": None, "group": {"name": staff.group["name"]}}
    ]
    assert member["initialSessionsAttended"] == 0


async def test_optional_details_may_be_omitted(gql: GraphQL, staff: Staff) -> None:
    input = {
        k: v
        for k, v in enrolment(staff.group).items()
        if k not in ("birthYear", "phone", "activityDescription", "rural", "povertyLikelihood")
    }

    member = (await mutate(gql, MEMBER_ENROL, input, staff.code))["member"]

    assert (member["birthYear"], member["phone"], member["povertyLikelihood"]) == (None,) * 3
    assert (member["activityDescription"], member["rural"]) == ("", False)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"firstName": "  "}, "firstName", "REQUIRED"),
        ({"lastName": ""}, "lastName", "REQUIRED"),
        ({"joinedOn": TOMORROW}, "joinedOn", "IN_FUTURE"),
        ({"joinedOn": str(FORMED - timedelta(days=1))}, "joinedOn", "DATES_OUT_OF_ORDER"),
        ({"povertyLikelihood": "100.5"}, "povertyLikelihood", "OUT_OF_RANGE"),
        ({"povertyLikelihood": "-1"}, "povertyLikelihood", "OUT_OF_RANGE"),
        ({"povertyLikelihood": "42.125"}, "povertyLikelihood", "TOO_MANY_DECIMALS"),
        ({"birthYear": 1850}, "birthYear", "OUT_OF_RANGE"),
        ({"birthYear": TODAY.year + 1}, "birthYear", "OUT_OF_RANGE"),
        ({"group": to_base64("Group", NOBODY)}, "group", "NOT_FOUND"),
        ({"group": to_base64("Facilitator", NOBODY)}, "group", "INVALID"),
        ({"group": "elsewhere"}, "group", "NOT_FOUND"),
        ({"group": "closed"}, "group", "GROUP_CLOSED"),
    ],
)
async def test_a_refused_enrolment_names_the_field_and_writes_nothing(
    db: Database,
    gql: GraphQL,
    staff: Staff,
    elsewhere: Staff,
    overrides: dict[str, Any],
    field: str,
    code: str,
) -> None:
    async with db.transaction() as s:
        closed = await g.group(
            s,
            staff.programme["id"],
            staff.facilitator["id"],
            status=GroupStatus.CLOSED,
            closed_on=date(2024, 1, 1),
        )
    placeholders = {"elsewhere": gid("Group", elsewhere.group), "closed": gid("Group", closed)}
    input = enrolment(staff.group)
    input |= {k: placeholders.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}

    result = await mutate(gql, MEMBER_ENROL, input, staff.code)

    assert result["member"] is None
    assert codes(result) == [(["input", field], code)]
    assert await members_named(db, input["lastName"]) == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"birthYear": "nineteen eighty"},
        {"gender": "WOMAN"},
        {"joinedOn": "yesterday"},
        {"povertyLikelihood": "a lot"},
        {"firstName": None},
        {"group": "not a global id"},
    ],
)
async def test_wrong_types_are_graphql_errors_not_500s(
    db: Database, gql: GraphQL, staff: Staff, overrides: dict[str, Any]
) -> None:
    input = enrolment(staff.group) | overrides

    body = await gql(MEMBER_ENROL, {"input": input}, programmes=staff.code)

    assert body.get("data") is None
    assert body["errors"][0]["message"]
    assert "Unexpected error" not in body["errors"][0]["message"]
    assert await members_named(db, input["lastName"]) == 0


async def test_an_enrolment_retried_with_its_key_enrols_her_once(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    input = enrolment(staff.group, idempotencyKey=secrets.token_hex(8))

    first = await mutate(gql, MEMBER_ENROL, input, staff.code)
    again = await mutate(gql, MEMBER_ENROL, input, staff.code)
    other = await mutate(gql, MEMBER_ENROL, input | {"firstName": "Awa"}, staff.code)

    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["member"]["id"] == first["member"]["id"]
    assert codes(other) == [(["input", "idempotencyKey"], "IDEMPOTENCY_KEY_REUSED")]
    assert await members_named(db, input["lastName"]) == 1


async def test_an_enrolment_is_audited_without_her_personal_details(
    gql: GraphQL, staff: Staff
) -> None:
    member = (await mutate(gql, MEMBER_ENROL, enrolment(staff.group), staff.code))["member"]

    body = await gql(
        "query ($ids: [ID!]) { auditEntries(filter: {entities: $ids}) "
        "{ nodes { operation entityType details } } }",
        {"ids": [member["id"]]},
    )

    assert body["data"]["auditEntries"]["nodes"] == [
        {
            "operation": "memberEnrol",
            "entityType": "Member",
            "details": {"group": str(staff.group["id"])},
        }
    ]


@pytest.mark.parametrize(("role", "programmes"), [(None, None), ("INTEGRATOR", "own")])
async def test_only_programme_staff_enrol(
    db: Database, gql: GraphQL, staff: Staff, role: str | None, programmes: str | None
) -> None:
    input = enrolment(staff.group)

    body = await gql(
        MEMBER_ENROL,
        {"input": input},
        role=role,
        programmes=staff.code if programmes else None,
    )

    assert codes(body["data"]["memberEnrol"]) == [(None, "NOT_ALLOWED")]
    assert await members_named(db, input["lastName"]) == 0


# memberUpdate


async def test_staff_correct_a_members_details_and_omitted_ones_stay(
    gql: GraphQL, staff: Staff
) -> None:
    member = staff.members[0]

    result = await mutate(
        gql,
        MEMBER_UPDATE,
        {
            "member": gid("Member", member),
            "lastName": " Diédhiou ",
            "activity": "SEWING",
            "phone": None,
            "povertyLikelihood": "12.50",
        },
        staff.code,
    )

    assert result["userErrors"] == []
    updated = result["member"]
    assert (updated["lastName"], updated["activity"], updated["phone"]) == (
        "Diédhiou",
        "SEWING",
        None,
    )
    assert Decimal(updated["povertyLikelihood"]) == Decimal("12.5")
    assert (updated["firstName"], updated["birthYear"], updated["gender"]) == (
        member["first_name"],
        member["birth_year"],
        "FEMALE",
    )


async def test_a_member_update_audits_which_details_changed_not_their_values(
    gql: GraphQL, staff: Staff
) -> None:
    member = gid("Member", staff.members[0])
    await mutate(
        gql,
        MEMBER_UPDATE,
        {"member": member, "phone": "+221 70 000 11 22", "birthYear": 1990},
        staff.code,
    )

    body = await gql(
        "query ($ids: [ID!]) { auditEntries(filter: {entities: $ids}) { nodes { details } } }",
        {"ids": [member]},
    )

    assert body["data"]["auditEntries"]["nodes"] == [
        {"details": {"changed": ["birthYear", "phone"]}}
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"firstName": None}, "firstName", "REQUIRED"),
        ({"lastName": "  "}, "lastName", "REQUIRED"),
        ({"gender": None}, "gender", "REQUIRED"),
        ({"povertyLikelihood": "101"}, "povertyLikelihood", "OUT_OF_RANGE"),
        ({"birthYear": 1066}, "birthYear", "OUT_OF_RANGE"),
        ({"member": to_base64("Member", NOBODY)}, "member", "NOT_FOUND"),
        ({"member": "elsewhere"}, "member", "NOT_FOUND"),
        ({"member": "group"}, "member", "INVALID"),
    ],
)
async def test_a_refused_member_update_names_the_field_and_changes_nothing(
    db: Database,
    gql: GraphQL,
    staff: Staff,
    elsewhere: Staff,
    overrides: dict[str, Any],
    field: str,
    code: str,
) -> None:
    placeholders = {
        "elsewhere": gid("Member", elsewhere.members[0]),
        "group": gid("Group", staff.group),
    }
    input = {"member": gid("Member", staff.members[0]), "activity": "CRAFTS"}
    input |= {k: placeholders.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}

    result = await mutate(gql, MEMBER_UPDATE, input, staff.code)

    assert codes(result) == [(["input", field], code)]
    async with db.read() as s:
        activity = await s.scalar(
            select(Member.activity).where(Member.id == staff.members[0]["id"])
        )
    assert activity == staff.members[0]["activity"]


async def test_an_omitted_field_and_a_null_are_different_requests(
    gql: GraphQL, staff: Staff
) -> None:
    key = secrets.token_hex(8)
    member = gid("Member", staff.members[0])
    await mutate(
        gql, MEMBER_UPDATE, {"member": member, "phone": None, "idempotencyKey": key}, staff.code
    )

    again = await mutate(gql, MEMBER_UPDATE, {"member": member, "idempotencyKey": key}, staff.code)

    assert codes(again) == [(["input", "idempotencyKey"], "IDEMPOTENCY_KEY_REUSED")]


# memberMove


def move(staff: Staff, member: dict[str, Any], group: Any, on: str, **more: Any) -> dict[str, Any]:
    return {"member": gid("Member", member), "group": group, "movedOn": on, **more}


async def test_a_move_ends_her_membership_and_opens_one_in_the_new_group(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    member = staff.members[0]
    new_group = gid("Group", staff.other_group)

    result = await mutate(
        gql, MEMBER_MOVE, move(staff, member, new_group, "2024-05-01"), staff.code
    )

    assert result["userErrors"] == []
    moved = result["member"]
    assert moved["currentGroup"] == {"name": staff.other_group["name"]}
    assert moved["groupHistory"] == [
        {"joinedOn": str(FORMED), "leftOn": "2024-05-01", "group": {"name": staff.group["name"]}},
        {"joinedOn": "2024-05-01", "leftOn": None, "group": {"name": staff.other_group["name"]}},
    ]
    assert await open_memberships(db, member["id"]) == [staff.other_group["id"]]


async def test_a_member_whose_group_closed_joins_another(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    member = staff.members[0]
    await mutate(
        gql, GROUP_CLOSE, {"group": gid("Group", staff.group), "closedOn": "2024-06-30"}, staff.code
    )
    target = gid("Group", staff.other_group)

    too_early = await mutate(
        gql, MEMBER_MOVE, move(staff, member, target, "2024-06-29"), staff.code
    )
    result = await mutate(gql, MEMBER_MOVE, move(staff, member, target, "2024-07-01"), staff.code)

    assert codes(too_early) == [(["input", "movedOn"], "DATES_OUT_OF_ORDER")]
    assert result["member"]["currentGroup"] == {"name": staff.other_group["name"]}
    assert [h["leftOn"] for h in result["member"]["groupHistory"]] == ["2024-06-30", None]


@pytest.mark.parametrize(
    ("group", "on", "field", "code"),
    [
        ("closed", "2024-05-01", "group", "GROUP_CLOSED"),
        ("current", "2024-05-01", "group", "INVALID"),
        ("elsewhere", "2024-05-01", "group", "NOT_FOUND"),
        ("nobody", "2024-05-01", "group", "NOT_FOUND"),
        ("other", TOMORROW, "movedOn", "IN_FUTURE"),
        ("other", str(FORMED - timedelta(days=1)), "movedOn", "DATES_OUT_OF_ORDER"),
        ("young", "2024-05-01", "movedOn", "DATES_OUT_OF_ORDER"),
    ],
)
async def test_a_refused_move_names_the_field_and_moves_nobody(
    db: Database,
    gql: GraphQL,
    staff: Staff,
    elsewhere: Staff,
    group: str,
    on: str,
    field: str,
    code: str,
) -> None:
    async with db.transaction() as s:
        closed = await g.group(
            s,
            staff.programme["id"],
            staff.facilitator["id"],
            status=GroupStatus.CLOSED,
            closed_on=date(2024, 1, 1),
        )
        young = await g.group(
            s, staff.programme["id"], staff.facilitator["id"], formed_on=date(2024, 6, 1)
        )
    targets = {
        "closed": gid("Group", closed),
        "current": gid("Group", staff.group),
        "elsewhere": gid("Group", elsewhere.group),
        "nobody": to_base64("Group", NOBODY),
        "other": gid("Group", staff.other_group),
        "young": gid("Group", young),
    }
    member = staff.members[0]

    result = await mutate(gql, MEMBER_MOVE, move(staff, member, targets[group], on), staff.code)

    assert result["member"] is None
    assert codes(result) == [(["input", field], code)]
    assert await open_memberships(db, member["id"]) == [staff.group["id"]]


async def test_staff_of_two_programmes_cannot_move_a_member_across_them(
    db: Database, gql: GraphQL, staff: Staff, elsewhere: Staff
) -> None:
    both = f"{staff.code},{elsewhere.code}"
    member = staff.members[0]

    result = await mutate(
        gql, MEMBER_MOVE, move(staff, member, gid("Group", elsewhere.group), "2024-05-01"), both
    )

    assert codes(result) == [(["input", "group"], "OTHER_PROGRAMME")]
    assert await open_memberships(db, member["id"]) == [staff.group["id"]]


async def test_a_move_is_not_dated_before_her_current_membership_started(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    member = staff.members[0]
    await mutate(
        gql,
        MEMBER_MOVE,
        move(staff, member, gid("Group", staff.other_group), "2024-05-01"),
        staff.code,
    )

    back = await mutate(
        gql, MEMBER_MOVE, move(staff, member, gid("Group", staff.group), "2024-04-30"), staff.code
    )

    assert codes(back) == [(["input", "movedOn"], "DATES_OUT_OF_ORDER")]
    assert await open_memberships(db, member["id"]) == [staff.other_group["id"]]


async def test_a_move_retried_with_its_key_moves_her_once(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    member = staff.members[0]
    input = move(
        staff,
        member,
        gid("Group", staff.other_group),
        "2024-05-01",
        idempotencyKey=secrets.token_hex(8),
    )

    results = [await mutate(gql, MEMBER_MOVE, input, staff.code) for _ in range(2)]

    assert [r["replayed"] for r in results] == [False, True]
    assert (
        await scalar(db, select(func.count()).where(GroupMembership.member_id == member["id"])) == 2
    )


async def test_concurrent_moves_of_one_member_are_applied_one_after_the_other(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    async with db.transaction() as s:
        targets = [
            await g.group(s, staff.programme["id"], staff.facilitator["id"], formed_on=FORMED)
            for _ in range(10)
        ]
    member = staff.members[0]

    results = await asyncio.gather(
        *(
            mutate(gql, MEMBER_MOVE, move(staff, member, gid("Group", t), "2024-05-01"), staff.code)
            for t in targets
        )
    )

    assert all(r["userErrors"] == [] for r in results)
    assert len(await open_memberships(db, member["id"])) == 1
    ended = select(func.count()).where(
        GroupMembership.member_id == member["id"], GroupMembership.left_on == date(2024, 5, 1)
    )
    assert await scalar(db, ended) == 10


# trainingSessionRecord


def session_input(staff: Staff, attendees: Sequence[Any], **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "group": gid("Group", staff.group),
        "heldOn": "2024-02-01",
        "kind": "INITIAL",
        "topic": "Keeping the accounts of a small shop",
        "attendees": [a if isinstance(a, str) else gid("Member", a) for a in attendees],
    }
    values.update(overrides)
    return values


async def sessions_of(db: Database, group_id: uuid.UUID) -> int:
    return int(await scalar(db, select(func.count()).where(TrainingSession.group_id == group_id)))


async def attendances_of(db: Database, members: Sequence[dict[str, Any]]) -> int:
    return int(
        await scalar(
            db,
            select(func.count()).where(Attendance.member_id.in_([m["id"] for m in members])),
        )
    )


async def test_staff_record_a_session_and_who_attended(gql: GraphQL, staff: Staff) -> None:
    attendees = staff.members[:2]

    result = await mutate(gql, SESSION_RECORD, session_input(staff, attendees), staff.code)

    assert result["userErrors"] == []
    held = result["trainingSession"]
    assert (held["heldOn"], held["kind"], held["topic"]) == (
        "2024-02-01",
        "INITIAL",
        "Keeping the accounts of a small shop",
    )
    assert held["programme"] == {"code": staff.code}
    assert held["group"] == {"name": staff.group["name"]}
    assert held["facilitator"] == {"lastName": staff.facilitator["last_name"]}
    assert held["attendeeCount"] == 2
    assert {a["id"] for a in held["attendees"]["nodes"]} == {gid("Member", m) for m in attendees}
    counts = [
        (await gql(MEMBER_INITIAL_SESSIONS, {"id": gid("Member", m)}, programmes=staff.code))[
            "data"
        ]["node"]["initialSessionsAttended"]
        for m in staff.members
    ]
    assert counts == [1, 1, 0]


async def test_another_facilitator_of_the_programme_may_hold_the_session(
    db: Database, gql: GraphQL, staff: Staff, elsewhere: Staff
) -> None:
    async with db.transaction() as s:
        colleague = await g.facilitator(s, staff.programme["id"])

    held = await mutate(
        gql,
        SESSION_RECORD,
        session_input(staff, staff.members, facilitator=gid("Facilitator", colleague)),
        staff.code,
    )
    foreign = await mutate(
        gql,
        SESSION_RECORD,
        session_input(staff, staff.members, facilitator=gid("Facilitator", elsewhere.facilitator)),
        staff.code,
    )

    assert held["trainingSession"]["facilitator"] == {"lastName": colleague["last_name"]}
    assert codes(foreign) == [(["input", "facilitator"], "NOT_FOUND")]


async def test_one_wrong_attendee_among_valid_ones_writes_nothing_at_all(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    # Given a member of another group listed third among members of this one
    async with db.transaction() as s:
        outsider = await g.member(s, staff.programme["id"], staff.other_group["id"])
    attendees = [staff.members[0], staff.members[1], outsider, staff.members[2]]

    result = await mutate(gql, SESSION_RECORD, session_input(staff, attendees), staff.code)

    assert result["trainingSession"] is None
    assert result["userErrors"] == [
        {
            "field": ["input", "attendees", "2"],
            "message": "She is not a current member of this group.",
            "code": "INVALID",
        }
    ]
    assert await sessions_of(db, staff.group["id"]) == 0
    assert await attendances_of(db, attendees) == 0


@pytest.mark.parametrize(
    ("wrong", "code"),
    [
        ("nobody", "NOT_FOUND"),
        ("elsewhere", "NOT_FOUND"),
        ("group_id", "INVALID"),
        ("twice", "INVALID"),
        ("moved_out", "INVALID"),
    ],
)
async def test_each_wrong_attendee_is_named_by_its_index(
    db: Database, gql: GraphQL, staff: Staff, elsewhere: Staff, wrong: str, code: str
) -> None:
    async with db.transaction() as s:
        moved = await g.member(s, staff.programme["id"], staff.group["id"])
        await g.move(s, staff.programme["id"], moved["id"], staff.other_group["id"], FORMED)
    ids = {
        "nobody": to_base64("Member", NOBODY),
        "elsewhere": gid("Member", elsewhere.members[0]),
        "group_id": gid("Group", staff.group),
        "twice": gid("Member", staff.members[0]),
        "moved_out": gid("Member", moved),
    }
    attendees = [*staff.members, ids[wrong]]

    result = await mutate(gql, SESSION_RECORD, session_input(staff, attendees), staff.code)

    assert codes(result) == [(["input", "attendees", "3"], code)]
    assert await sessions_of(db, staff.group["id"]) == 0
    assert await attendances_of(db, staff.members) == 0


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"heldOn": TOMORROW}, "heldOn", "IN_FUTURE"),
        ({"heldOn": str(FORMED - timedelta(days=1))}, "heldOn", "DATES_OUT_OF_ORDER"),
        ({"topic": "  "}, "topic", "REQUIRED"),
        ({"attendees": []}, "attendees", "REQUIRED"),
        ({"group": to_base64("Group", NOBODY)}, "group", "NOT_FOUND"),
        ({"group": "elsewhere"}, "group", "NOT_FOUND"),
        ({"group": "closed"}, "group", "GROUP_CLOSED"),
    ],
)
async def test_a_refused_session_names_the_field_and_writes_nothing(
    db: Database,
    gql: GraphQL,
    staff: Staff,
    elsewhere: Staff,
    overrides: dict[str, Any],
    field: str,
    code: str,
) -> None:
    async with db.transaction() as s:
        closed = await g.group(
            s,
            staff.programme["id"],
            staff.facilitator["id"],
            status=GroupStatus.CLOSED,
            closed_on=date(2024, 1, 1),
        )
    placeholders = {"elsewhere": gid("Group", elsewhere.group), "closed": gid("Group", closed)}
    input = session_input(staff, staff.members)
    input |= {k: placeholders.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}

    result = await mutate(gql, SESSION_RECORD, input, staff.code)

    assert codes(result) == [(["input", field], code)]
    assert await sessions_of(db, staff.group["id"]) == 0
    assert await sessions_of(db, closed["id"]) == 0
    assert await attendances_of(db, staff.members) == 0


@pytest.mark.parametrize(
    "overrides", [{"kind": "WORKSHOP"}, {"heldOn": "2024-02-30"}, {"attendees": "everyone"}]
)
async def test_a_session_of_the_wrong_types_is_a_graphql_error(
    db: Database, gql: GraphQL, staff: Staff, overrides: dict[str, Any]
) -> None:
    body = await gql(
        SESSION_RECORD,
        {"input": session_input(staff, staff.members) | overrides},
        programmes=staff.code,
    )

    assert body.get("data") is None
    assert body["errors"]
    assert await sessions_of(db, staff.group["id"]) == 0


async def test_a_session_retried_with_its_key_is_recorded_once(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    input = session_input(staff, staff.members, idempotencyKey=secrets.token_hex(8))

    results = await asyncio.gather(
        *(mutate(gql, SESSION_RECORD, input, staff.code) for _ in range(5))
    )

    assert len({r["trainingSession"]["id"] for r in results}) == 1
    assert sorted(r["replayed"] for r in results) == [False, True, True, True, True]
    assert await sessions_of(db, staff.group["id"]) == 1
    assert await attendances_of(db, staff.members) == 3


# Retries


def _retried(staff: Staff, operation: str) -> tuple[str, dict[str, Any]]:
    group, member = gid("Group", staff.group), gid("Member", staff.members[0])
    return {
        "groupUpdate": (GROUP_UPDATE, {"group": group, "meetingPlace": "Lyndiane"}),
        "groupActivate": (GROUP_ACTIVATE, {"group": group}),
        "groupClose": (GROUP_CLOSE, {"group": group, "closedOn": "2024-06-30"}),
        "memberEnrol": (MEMBER_ENROL, enrolment(group)),
        "memberUpdate": (MEMBER_UPDATE, {"member": member, "phone": None}),
        "memberMove": (
            MEMBER_MOVE,
            {"member": member, "group": gid("Group", staff.other_group), "movedOn": "2024-05-01"},
        ),
        "trainingSessionRecord": (SESSION_RECORD, session_input(staff, staff.members)),
    }[operation]


@pytest.mark.parametrize(
    "operation",
    [
        "groupUpdate",
        "groupActivate",
        "groupClose",
        "memberEnrol",
        "memberUpdate",
        "memberMove",
        "trainingSessionRecord",
    ],
)
async def test_each_write_retried_with_its_key_is_applied_once(
    db: Database, gql: GraphQL, staff: Staff, operation: str
) -> None:
    await initial_sessions(db, staff, 6)
    document, input = _retried(staff, operation)
    key = secrets.token_hex(8)

    first = await mutate(gql, document, input | {"idempotencyKey": key}, staff.code)
    again = await mutate(gql, document, input | {"idempotencyKey": key}, staff.code)

    assert (first["userErrors"], first["replayed"], again["replayed"]) == ([], False, True)
    result = next(k for k in first if k not in ("userErrors", "replayed"))
    assert again[result]["id"] == first[result]["id"]
    audited = select(func.count()).where(
        AuditEntry.idempotency_key == key, AuditEntry.operation == operation
    )
    assert await scalar(db, audited) == 1


# Two facilitators writing about one group at once


async def test_enrolments_racing_the_groups_closure_never_leave_anyone_in_a_closed_group(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    enrolments = [
        mutate(gql, MEMBER_ENROL, enrolment(staff.group, joinedOn="2024-03-01"), staff.code)
        for _ in range(6)
    ]
    closing = mutate(
        gql, GROUP_CLOSE, {"group": gid("Group", staff.group), "closedOn": "2024-06-30"}, staff.code
    )

    *enrolled, closed = await asyncio.gather(*enrolments, closing)

    assert closed["userErrors"] == []
    assert all(codes(r) in ([], [(["input", "group"], "GROUP_CLOSED")]) for r in enrolled)
    open_in_group = await scalar(
        db,
        select(func.count()).where(
            GroupMembership.group_id == staff.group["id"], GroupMembership.left_on.is_(None)
        ),
    )
    assert open_in_group == 0


async def test_a_session_racing_a_move_of_an_attendee_is_all_or_nothing(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    mover = staff.members[2]

    recorded, moved = await asyncio.gather(
        mutate(gql, SESSION_RECORD, session_input(staff, staff.members), staff.code),
        mutate(
            gql,
            MEMBER_MOVE,
            move(staff, mover, gid("Group", staff.other_group), "2024-05-01"),
            staff.code,
        ),
    )

    assert moved["userErrors"] == []
    if recorded["userErrors"]:
        assert codes(recorded) == [(["input", "attendees", "2"], "INVALID")]
        assert await attendances_of(db, staff.members) == 0
    else:
        assert await attendances_of(db, staff.members) == 3


# From enrolment to an active group, the FANSOTO way


async def test_a_new_group_trains_six_times_then_becomes_active(
    db: Database, gql: GraphQL, staff: Staff
) -> None:
    created = await mutate(
        gql,
        GROUP_CREATE,
        {
            "facilitator": gid("Facilitator", staff.facilitator),
            "name": f"Bok Diom {secrets.token_hex(2)}",
            "meetingFrequency": "TWICE_MONTHLY",
            "meetingPlace": "Kandialang",
            "formedOn": "2024-01-08",
        },
        staff.code,
    )
    group = created["group"]["id"]
    enrolled = [
        (await mutate(gql, MEMBER_ENROL, enrolment(group, joinedOn="2024-01-08"), staff.code))[
            "member"
        ]["id"]
        for _ in range(3)
    ]
    early = await mutate(gql, GROUP_ACTIVATE, {"group": group}, staff.code)
    for week in range(6):
        held_on = str(date(2024, 1, 15) + timedelta(weeks=week))
        recorded = await mutate(
            gql,
            SESSION_RECORD,
            session_input(staff, enrolled, group=group, heldOn=held_on, topic=f"Module {week + 1}"),
            staff.code,
        )
        assert recorded["userErrors"] == []

    activated = await mutate(gql, GROUP_ACTIVATE, {"group": group}, staff.code)

    assert codes(early) == [(["input", "group"], "TRAINING_INCOMPLETE")]
    assert activated["group"]["status"] == "ACTIVE"
    member = await gql(MEMBER_INITIAL_SESSIONS, {"id": enrolled[0]}, programmes=staff.code)
    assert member["data"]["node"]["initialSessionsAttended"] == 6
