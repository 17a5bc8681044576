from pathlib import Path

from graph.api import export_federation_sdl, export_sdl

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema.graphql"
FEDERATION_FILE = ROOT / "schema.federation.graphql"


def of_federation(name: str) -> bool:
    """Federation's own types and root fields (its specification describes them): `_Any`,
    `_Entity`, `_Service`, `_FieldSet`, `link__Import`, `Query._entities`, `Query._service`."""
    return name.startswith(("_", "Query._")) or "__" in name


def test_schema_graphql_matches_the_code() -> None:
    """schema.graphql is the integrators' contract: regenerate it with
    `edm-graph export-schema` when this fails, and review the diff."""
    assert SCHEMA_FILE.read_text() == export_sdl()


def test_schema_federation_graphql_matches_the_code() -> None:
    """schema.federation.graphql is what a gateway composes (`_service { sdl }` serves the
    same): `edm-graph export-schema` regenerates it with schema.graphql."""
    assert FEDERATION_FILE.read_text() == export_federation_sdl()


def test_the_contract_has_nothing_of_federation() -> None:
    contract = export_sdl()
    for federation_only in ("@key", "@link", "_entities", "_service", "_Any"):
        assert federation_only not in contract


def test_every_type_and_field_is_described() -> None:
    from graph.api import Query, build_schema
    from graph.settings import Settings

    schema = build_schema(Settings())._schema
    assert Query is not None
    missing = []
    for name, gql_type in schema.type_map.items():
        if name.startswith("__") or name in {"Boolean", "String", "Int", "Float", "ID"}:
            continue
        if not gql_type.description and not of_federation(name):
            missing.append(name)
        for field_name, field in getattr(gql_type, "fields", {}).items():
            if not field.description and not of_federation(f"{name}.{field_name}"):
                missing.append(f"{name}.{field_name}")
    assert missing == []


def test_every_node_is_a_federation_entity() -> None:
    """A gateway can reach any object a Relay client can refetch: each type implementing `Node`
    declares an `@key`, so it is a member of `_Entity`."""
    from graphql import GraphQLObjectType, GraphQLUnionType, build_schema

    schema = build_schema(export_federation_sdl(), assume_valid_sdl=True)
    entities = schema.get_type("_Entity")
    assert isinstance(entities, GraphQLUnionType)
    nodes = {
        name
        for name, kind in schema.type_map.items()
        if isinstance(kind, GraphQLObjectType) and any(i.name == "Node" for i in kind.interfaces)
    }
    assert nodes <= {member.name for member in entities.types}, nodes - {
        member.name for member in entities.types
    }
