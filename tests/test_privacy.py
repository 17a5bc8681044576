"""Personal fields read as null for viewers who only need aggregates (graph/schema/privacy.py):
only the staff of the person's own programme see them, head office included among those who don't."""

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from strawberry.relay import to_base64

from db.engine import Database
from db.scope import Scope
from domain.enums import Role
from graph.schema.privacy import NOTE, personal, protect
from tests.conftest import GraphQL
from tests.factories import groups as g
from tests.factories import missions as mf
from tests.factories import network as f

OWN, OTHER = uuid.uuid4(), uuid.uuid4()


@strawberry.type(description="A person of a programme.")
class Person:
    programme_id: strawberry.Private[uuid.UUID]
    activity: str = strawberry.field(description="Not personal.")
    name: str | None = personal("Name.")
    phone: str | None = personal("Phone number.")


@strawberry.type
class Query:
    @strawberry.field
    def people(self) -> list[Person]:
        return [
            Person(programme_id=OWN, activity="tailoring", name="Awa", phone="+221 77"),
            Person(programme_id=OTHER, activity="trading", name="Fatou", phone="+221 78"),
        ]


SCHEMA = protect(strawberry.Schema(query=Query))


def people_seen_by(scope: Scope) -> list[dict[str, Any]]:
    context = SimpleNamespace(viewer=SimpleNamespace(scope=scope))
    result = SCHEMA.execute_sync("{ people { activity name phone } }", context_value=context)
    assert result.errors is None
    assert result.data is not None
    people: list[dict[str, Any]] = result.data["people"]
    return people


AWA = {"activity": "tailoring", "name": "Awa", "phone": "+221 77"}
FATOU = {"activity": "trading", "name": "Fatou", "phone": "+221 78"}
HIDDEN_AWA = {"activity": "tailoring", "name": None, "phone": None}
HIDDEN_FATOU = {"activity": "trading", "name": None, "phone": None}


@pytest.mark.parametrize(
    ("scope", "seen"),
    [
        (Scope.network(), [HIDDEN_AWA, HIDDEN_FATOU]),
        (Scope.programmes({OWN}, role=Role.HEAD_OFFICE), [HIDDEN_AWA, HIDDEN_FATOU]),
        (Scope(None, role=Role.HEAD_OFFICE, read_only=True), [HIDDEN_AWA, HIDDEN_FATOU]),
        (Scope.programmes({OWN}), [AWA, HIDDEN_FATOU]),
        (Scope.programmes({OWN, OTHER}, role=Role.INTEGRATOR), [HIDDEN_AWA, HIDDEN_FATOU]),
        (
            Scope(frozenset({OWN, OTHER}), role=Role.EXPERT, expert_id=uuid.uuid4()),
            [HIDDEN_AWA, HIDDEN_FATOU],
        ),
    ],
    ids=[
        "head office",
        "head office of one",
        "demo viewer",
        "staff of one",
        "integrator",
        "expert",
    ],
)
def test_personal_fields_are_null_unless_the_viewer_may_see_them(
    scope: Scope, seen: list[dict[str, Any]]
) -> None:
    assert people_seen_by(scope) == seen


def test_a_personal_field_says_so_in_its_description() -> None:
    fields = SCHEMA._schema.type_map["Person"].fields  # type: ignore[union-attr]

    assert fields["name"].description == f"Name. {NOTE}"
    assert fields["activity"].description == "Not personal."


def test_a_personal_field_must_be_nullable() -> None:
    @strawberry.type
    class Careless:
        programme_id: strawberry.Private[uuid.UUID]
        name: str = personal("Name.")

    @strawberry.type
    class CarelessQuery:
        careless: Careless | None = None

    with pytest.raises(TypeError, match=r"Careless\.name holds personal data"):
        protect(strawberry.Schema(query=CarelessQuery))


PERSONAL = """
query ($member: ID!, $facilitator: ID!) {
  member: node(id: $member) {
    ... on Member { gender firstName lastName phone birthYear povertyLikelihood }
  }
  facilitator: node(id: $facilitator) { ... on Facilitator { lastName phone } }
}
"""


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("head office", False),
        ("staff", True),
        ("integrator", False),
        ("expert", False),
        ("anonymous", False),
    ],
)
async def test_members_personal_data_through_http(
    db: Database, gql: GraphQL, who: str, sees: bool
) -> None:
    async with db.transaction() as s:
        p = await f.programme(s)
        fa = await g.facilitator(s, p["id"])
        group = await g.group(s, p["id"], fa["id"])
        m = await g.member(s, p["id"], group["id"])
        expert = await mf.expert(s, programmes=[p["id"]])
    viewer = {
        "head office": {},
        "staff": {"programmes": p["code"]},
        "integrator": {"role": "INTEGRATOR", "programmes": p["code"]},
        "expert": {"role": "EXPERT", "subject": expert["email"]},
        "anonymous": {"anonymous": True},
    }[who]
    ids = {
        "member": to_base64("Member", str(m["id"])),
        "facilitator": to_base64("Facilitator", str(fa["id"])),
    }

    body = await gql(PERSONAL, ids, **viewer)

    assert "errors" not in body, body
    member, facilitator = body["data"]["member"], body["data"]["facilitator"]
    assert member["gender"] == "FEMALE"  # not personal: everyone in scope reads it
    personal = {
        "firstName": m["first_name"],
        "lastName": m["last_name"],
        "phone": m["phone"],
        "birthYear": m["birth_year"],
        "povertyLikelihood": f"{m['poverty_likelihood']:.2f}",
    }
    expected = personal if sees else dict.fromkeys(personal)
    assert {k: member[k] for k in personal} == expected
    assert facilitator == {"lastName": fa["last_name"], "phone": fa["phone"] if sees else None}


HEAD_OFFICE_VIEW = """
query ($member: ID!, $facilitator: ID!) {
  member: node(id: $member) {
    ... on Member {
      firstName lastName phone birthYear povertyLikelihood
      gender joinedOn activity activityDescription rural
      currentGroup { name }
    }
  }
  facilitator: node(id: $facilitator) {
    ... on Facilitator { firstName lastName phone hiredOn active }
  }
}
"""


async def test_head_office_reads_null_personal_fields_but_every_other_field(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await f.programme(s)
        fa = await g.facilitator(s, p["id"])
        group = await g.group(s, p["id"], fa["id"])
        m = await g.member(s, p["id"], group["id"])
    ids = {
        "member": to_base64("Member", str(m["id"])),
        "facilitator": to_base64("Facilitator", str(fa["id"])),
    }

    body = await gql(HEAD_OFFICE_VIEW, ids)  # a HEAD_OFFICE token over the whole network

    assert "errors" not in body, body
    member, facilitator = body["data"]["member"], body["data"]["facilitator"]
    for field in ("firstName", "lastName", "phone", "birthYear", "povertyLikelihood"):
        assert member[field] is None, field
    assert member["gender"] == "FEMALE"
    assert member["joinedOn"] == m["joined_on"].isoformat()
    assert member["activity"] == m["activity"].name
    assert member["currentGroup"] == {"name": group["name"]}
    assert facilitator["phone"] is None
    assert facilitator["lastName"] == fa["last_name"]  # a facilitator's name is not personal
    assert facilitator["active"] is True

    staff = await gql(HEAD_OFFICE_VIEW, ids, programmes=p["code"])  # hidden, not missing

    assert "errors" not in staff, staff
    assert staff["data"]["member"] == member | {
        "firstName": m["first_name"],
        "lastName": m["last_name"],
        "phone": m["phone"],
        "birthYear": m["birth_year"],
        "povertyLikelihood": f"{m['poverty_likelihood']:.2f}",
    }
    assert staff["data"]["facilitator"] == facilitator | {"phone": fa["phone"]}
