"""What every mutation does, shown on groupCreate: errors as data, retries, audit, rollback."""

import secrets
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from strawberry.relay import to_base64

from db.engine import Database
from db.models import AuditEntry, Group, IdempotencyKey
from tests.conftest import GraphQL
from tests.factories import groups as g
from tests.factories import network as f

GROUP_CREATE = """
mutation ($input: GroupCreateInput!) {
  groupCreate(input: $input) {
    group { id name status meetingFrequency formedOn programme { code } facilitator { lastName } }
    userErrors { field message code }
    replayed
  }
}
"""

AUDIT = """
query ($ids: [ID!]) {
  auditEntries(filter: {entities: $ids}) {
    totalCount
    nodes { actor role operation entity entityType idempotencyKey details programme { code } }
  }
}
"""


@pytest.fixture
async def staff(db: Database) -> dict[str, Any]:
    async with db.transaction() as s:
        programme = await f.programme(s)
        facilitator = await g.facilitator(s, programme["id"])
    return {"programme": programme, "facilitator": facilitator}


def group_input(staff: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    values = {
        "facilitator": to_base64("Facilitator", str(staff["facilitator"]["id"])),
        "name": f"Kagnobon {secrets.token_hex(2)}",
        "meetingFrequency": "TWICE_MONTHLY",
        "meetingPlace": "Boucotte",
        "formedOn": "2026-01-15",
    }
    values.update(overrides)
    return values


async def create(gql: GraphQL, staff: dict[str, Any], input: dict[str, Any]) -> dict[str, Any]:
    body = await gql(
        GROUP_CREATE,
        {"input": input},
        programmes=staff["programme"]["code"],
        subject="awa@fansoto",
    )
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["groupCreate"]
    return result


async def groups_named(db: Database, name: str) -> int:
    async with db.read() as s:
        return int(await s.scalar(select(func.count()).where(Group.name == name)) or 0)


async def test_programme_staff_form_a_group(gql: GraphQL, staff: dict[str, Any]) -> None:
    result = await create(gql, staff, group_input(staff, name="Kagnobon"))

    assert result["userErrors"] == []
    assert result["replayed"] is False
    group = result["group"]
    assert group["name"] == "Kagnobon"
    assert group["status"] == "IN_TRAINING"
    assert group["meetingFrequency"] == "TWICE_MONTHLY"
    assert group["programme"] == {"code": staff["programme"]["code"]}
    assert group["facilitator"] == {"lastName": staff["facilitator"]["last_name"]}


async def test_a_retry_with_the_same_key_returns_the_first_result_and_writes_once(
    db: Database, gql: GraphQL, staff: dict[str, Any]
) -> None:
    input = group_input(staff, idempotencyKey=secrets.token_hex(8))

    first = await create(gql, staff, input)
    again = await create(gql, staff, input)

    assert again["replayed"] is True
    assert again["group"]["id"] == first["group"]["id"]
    assert await groups_named(db, input["name"]) == 1


async def test_the_same_key_with_another_input_is_refused(
    db: Database, gql: GraphQL, staff: dict[str, Any]
) -> None:
    key = secrets.token_hex(8)
    await create(gql, staff, group_input(staff, idempotencyKey=key))
    other = group_input(staff, idempotencyKey=key)

    result = await create(gql, staff, other)

    assert result["group"] is None
    assert result["userErrors"] == [
        {
            "field": ["input", "idempotencyKey"],
            "message": "This idempotency key was already used for a different request.",
            "code": "IDEMPOTENCY_KEY_REUSED",
        }
    ]
    assert await groups_named(db, other["name"]) == 0


async def test_concurrent_retries_of_one_write_apply_it_once(
    db: Database, gql: GraphQL, staff: dict[str, Any]
) -> None:
    import asyncio

    input = group_input(staff, idempotencyKey=secrets.token_hex(8))

    results = await asyncio.gather(*(create(gql, staff, input) for _ in range(10)))

    assert {r["group"]["id"] for r in results} == {results[0]["group"]["id"]}
    assert sum(not r["replayed"] for r in results) == 1
    assert await groups_named(db, input["name"]) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"formedOn": str(date.today() + timedelta(days=1))}, "formedOn", "IN_FUTURE"),
        ({"name": "   "}, "name", "REQUIRED"),
        ({"meetingPlace": ""}, "meetingPlace", "REQUIRED"),
        (
            {"facilitator": to_base64("Group", "00000000-0000-7000-8000-000000000000")},
            "facilitator",
            "INVALID",
        ),
        (
            {"facilitator": to_base64("Facilitator", "00000000-0000-7000-8000-000000000000")},
            "facilitator",
            "NOT_FOUND",
        ),
    ],
)
async def test_bad_input_gets_a_typed_error_naming_the_field(
    db: Database,
    gql: GraphQL,
    staff: dict[str, Any],
    overrides: dict[str, Any],
    field: str,
    code: str,
) -> None:
    input = group_input(staff, **overrides)

    result = await create(gql, staff, input)

    assert result["group"] is None
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(["input", field], code)]
    assert await groups_named(db, input["name"]) == 0


async def test_a_name_taken_in_the_programme_is_refused(
    gql: GraphQL, staff: dict[str, Any]
) -> None:
    input = group_input(staff)
    await create(gql, staff, input)

    result = await create(gql, staff, group_input(staff, name=input["name"]))

    assert result["userErrors"][0]["code"] == "ALREADY_EXISTS"


async def test_another_programmes_facilitator_is_not_found(
    db: Database, gql: GraphQL, staff: dict[str, Any]
) -> None:
    async with db.transaction() as s:
        elsewhere = await f.programme(s)
        theirs = await g.facilitator(s, elsewhere["id"])

    result = await create(
        gql, staff, group_input(staff, facilitator=to_base64("Facilitator", str(theirs["id"])))
    )

    assert result["userErrors"][0]["code"] == "NOT_FOUND"
    assert result["userErrors"][0]["field"] == ["input", "facilitator"]


@pytest.mark.parametrize(("role", "programmes"), [(None, None), ("INTEGRATOR", "own")])
async def test_only_programme_staff_record_field_operations(
    gql: GraphQL, staff: dict[str, Any], role: str | None, programmes: str | None
) -> None:
    body = await gql(
        GROUP_CREATE,
        {"input": group_input(staff)},
        role=role,
        programmes=staff["programme"]["code"] if programmes else None,
    )

    result = body["data"]["groupCreate"]
    assert result["group"] is None
    assert result["userErrors"][0]["code"] == "NOT_ALLOWED"
    assert result["userErrors"][0]["field"] is None


async def test_each_write_is_audited_with_who_when_and_key(
    gql: GraphQL, staff: dict[str, Any]
) -> None:
    key = secrets.token_hex(8)
    created = await create(gql, staff, group_input(staff, idempotencyKey=key))
    entity_id = created["group"]["id"]

    as_head_office = await gql(AUDIT, {"ids": [entity_id]})
    as_staff = await gql(AUDIT, {"ids": [entity_id]}, programmes=staff["programme"]["code"])

    entries = as_head_office["data"]["auditEntries"]
    assert entries["totalCount"] == 1
    assert entries["nodes"][0] == {
        "actor": "awa@fansoto",
        "role": "PROGRAMME_STAFF",
        "operation": "groupCreate",
        "entity": entity_id,
        "entityType": "Group",
        "idempotencyKey": key,
        "details": {"name": created["group"]["name"]},
        "programme": {"code": staff["programme"]["code"]},
    }
    assert as_staff["data"]["auditEntries"]["totalCount"] == 0


async def test_a_refused_write_leaves_no_trace(
    db: Database, gql: GraphQL, staff: dict[str, Any]
) -> None:
    key = secrets.token_hex(8)
    input = group_input(staff, idempotencyKey=key, formedOn="2999-01-01")

    result = await create(gql, staff, input)

    assert result["userErrors"][0]["code"] == "IN_FUTURE"
    async with db.read() as s:
        assert await s.scalar(select(func.count()).where(IdempotencyKey.key == key)) == 0
        assert await s.scalar(select(func.count()).where(AuditEntry.idempotency_key == key)) == 0
