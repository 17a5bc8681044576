"""edm-graph as a Federation v2 subgraph, through HTTP on the suite's server: `_service`
serves schema.federation.graphql, `_entities` resolves references in the viewer's scope with
the privacy rules, one statement per type whatever the number of references, and refuses a
malformed representation with a typed error (never a 500)."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from strawberry.relay import to_base64

from db.engine import Database
from graph.api import export_federation_sdl
from graph.settings import Settings
from tests.conftest import GraphQL, RunningServer, bearer, serve, token
from tests.factories import groups as g
from tests.factories import loans as f
from tests.factories import network as n
from tests.security.conftest import production_settings

ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Programme { code name country { code } }
    ... on Member { id gender firstName lastName phone programme { code } }
    ... on Loan { id cycle principal { amount currency { code } } }
    ... on Group { id name }
    ... on Country { code name }
    ... on Currency { code minorUnits }
  }
}
"""


@dataclass
class Side:
    code: str
    programme_id: uuid.UUID
    members: list[dict[str, Any]]
    loans: list[dict[str, Any]]
    group_id: uuid.UUID


async def _side(db: Database, members: int) -> Side:
    async with db.transaction() as s:
        programme = await n.programme(s)
        facilitator = await g.facilitator(s, programme["id"])
        group = await g.group(s, programme["id"], facilitator["id"])
        product = await f.product(s, programme)
        people = [await g.member(s, programme["id"], group["id"]) for _ in range(members)]
        loans = [await f.loan(s, product, person, group["id"]) for person in people[:3]]
    return Side(programme["code"], programme["id"], people, loans, group["id"])


@pytest.fixture
async def own(db: Database) -> Side:
    return await _side(db, 10)


@pytest.fixture
async def other(db: Database) -> Side:
    return await _side(db, 2)


def member_ref(member: dict[str, Any]) -> dict[str, str]:
    return {"__typename": "Member", "id": to_base64("Member", member["id"])}


async def test_service_serves_the_exported_federation_sdl(gql: GraphQL) -> None:
    body = await gql("{ _service { sdl } }")

    sdl = body["data"]["_service"]["sdl"]
    assert sdl + "\n" == export_federation_sdl()
    assert '@key(fields: "code") @key(fields: "id")' in sdl


async def test_references_resolve_in_the_viewers_scope(
    gql: GraphQL, own: Side, other: Side
) -> None:
    representations = [
        {"__typename": "Programme", "code": own.code},
        {"__typename": "Programme", "code": other.code},
        {"__typename": "Programme", "id": to_base64("Programme", own.programme_id)},
        {"__typename": "Programme", "id": to_base64("Programme", other.programme_id)},
        member_ref(own.members[0]),
        member_ref(other.members[0]),
        {"__typename": "Programme", "code": "NO-SUCH-PROGRAMME"},
        {"__typename": "Member", "id": to_base64("Member", uuid.uuid4())},
        {"__typename": "Country", "code": "SN"},
        {"__typename": "Currency", "code": "XOF"},
    ]

    body = await gql(ENTITIES, {"representations": representations}, programmes=own.code)

    assert "errors" not in body, body
    found = body["data"]["_entities"]
    assert [e and e.get("code") for e in found[:4]] == [own.code, None, own.code, None]
    assert found[4]["programme"] == {"code": own.code}
    assert found[5:8] == [None, None, None]
    assert found[8] == {"__typename": "Country", "code": "SN", "name": "Senegal"}
    assert found[9] == {"__typename": "Currency", "code": "XOF", "minorUnits": 0}


async def test_personal_fields_stay_null_for_roles_that_may_not_read_them(
    gql: GraphQL, own: Side
) -> None:
    reference = {"representations": [member_ref(own.members[0])]}

    staff = (await gql(ENTITIES, reference, programmes=own.code))["data"]["_entities"][0]
    office = (await gql(ENTITIES, reference))["data"]["_entities"][0]
    integrator = await gql(ENTITIES, reference, role="INTEGRATOR", programmes=own.code)

    assert staff["firstName"] == "Fatou"
    assert staff["lastName"] == own.members[0]["last_name"]
    assert staff["phone"] == own.members[0]["phone"]
    for pseudonymous in (office, integrator["data"]["_entities"][0]):
        assert pseudonymous["id"] == staff["id"]
        assert pseudonymous["gender"] == "FEMALE"
        assert (pseudonymous["firstName"], pseudonymous["lastName"], pseudonymous["phone"]) == (
            None,
            None,
            None,
        )


async def test_a_batch_of_references_costs_one_statement_per_type(
    api: RunningServer, gql: GraphQL, own: Side
) -> None:
    def batch(members: int) -> list[dict[str, str]]:
        return [
            *(member_ref(m) for m in own.members[:members]),
            *({"__typename": "Loan", "id": to_base64("Loan", loan["id"])} for loan in own.loans),
            {"__typename": "Programme", "code": own.code},
            {"__typename": "Group", "id": to_base64("Group", own.group_id)},
        ]

    checked = api.app.state.planner_checked
    with api.count_statements() as two:
        small = await gql(ENTITIES, {"representations": batch(2)}, programmes=own.code)
    with api.count_statements() as ten:
        large = await gql(ENTITIES, {"representations": batch(10)}, programmes=own.code)

    assert "errors" not in small
    assert "errors" not in large
    assert len(large["data"]["_entities"]) == 10 + 3 + 2
    assert all(entity is not None for entity in large["data"]["_entities"])
    # The token's programme codes read once; then members, loans, programmes by code and
    # groups, one statement each; then the members' programmes (by id) and the programme's
    # country. Currencies are not read from a table.
    assert two.count == ten.count == 7, "\n---\n".join(ten.statements)
    # Not a query the planner compiles: the resolver path answered (nothing to cross-check).
    assert api.app.state.planner_checked == checked


@pytest.mark.parametrize(
    ("representation", "field", "says"),
    [
        ({"id": "TWVtYmVyOjE="}, "representations[0]", "`__typename` is missing"),
        ("Member:1", "representations[0]", "a representation is an object"),
        ({"__typename": "Money", "id": "x"}, "representations[0].__typename", "not an entity"),
        ({"__typename": "Member", "id": "not base64!"}, "representations[0].id", "Member ID"),
        ({"__typename": "Member", "id": to_base64("Loan", uuid.uuid4())}, "", "Member ID"),
        ({"__typename": "Member", "id": to_base64("Member", "12")}, "", "not a Member ID"),
        ({"__typename": "Member", "code": "FANSOTO"}, "representations[0]", "by `id`"),
        ({"__typename": "Programme"}, "representations[0]", "by `code` or `id`"),
        ({"__typename": "Member", "id": 7}, "representations[0].id", "a string"),
        ({"__typename": "Country", "code": "S\x00N"}, "representations[0].code", "NUL"),
    ],
)
async def test_a_malformed_representation_is_a_typed_client_error(
    http: httpx.AsyncClient, representation: Any, field: str, says: str
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": ENTITIES, "variables": {"representations": [representation]}},
        headers={**bearer(token()), "accept": "application/graphql-response+json"},
    )

    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == (field or "representations[0].id")
    assert says in error["message"]


async def test_entities_count_in_the_cost_limit_per_reference(database_url: str, own: Side) -> None:
    settings = Settings(database_url=database_url, max_query_cost=49, rate_limit_per_minute=0)
    many = {"representations": [member_ref(m) for m in own.members]}
    with serve(settings) as server:
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            response = await client.post(
                "/graphql", json={"query": ENTITIES, "variables": many}, headers=bearer(token())
            )
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    # Each of the 10 references counts 1 and the objects its fragments select (a country, a
    # programme, a money and its currency: every fragment counts, an upper bound).
    assert error["extensions"]["actual"] == 10 * (1 + 4)


async def test_service_is_refused_where_introspection_is_off_and_entities_are_not(
    database_url: str, own: Side
) -> None:
    reference = {"representations": [{"__typename": "Programme", "code": own.code}]}
    off = production_settings(database_url)
    on = production_settings(database_url, introspection=True)
    with serve(off) as closed, serve(on) as opened:
        async with httpx.AsyncClient() as client:

            async def ask(server: RunningServer, query: str, variables: Any = None) -> Any:
                sent = {"query": query, "variables": variables or {}}
                answer = await client.post(
                    f"{server.base_url}/graphql", json=sent, headers=bearer(token())
                )
                return answer.json()

            refused = await ask(closed, "{ _service { sdl } }")
            entity = await ask(
                closed,
                "query ($representations: [_Any!]!) { _entities("
                "representations: $representations) { ... on Programme { code } } }",
                reference,
            )
            allowed = await ask(opened, "{ _service { sdl } }")

    assert refused.get("data") is None
    [error] = refused["errors"]
    assert "`_service`" in error["message"]
    assert "schema.federation.graphql" in error["message"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert entity == {"data": {"_entities": [{"code": own.code}]}}
    assert allowed["data"]["_service"]["sdl"] + "\n" == export_federation_sdl()
