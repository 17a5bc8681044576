from pathlib import Path

from graph.api import export_sdl

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_graphql_matches_the_code() -> None:
    """schema.graphql is the integrators' contract: regenerate it with
    `edm-graph export-schema` when this fails, and review the diff."""
    assert SCHEMA_FILE.read_text() == export_sdl()


def test_every_type_and_field_is_described() -> None:
    from graph.api import Query, build_schema
    from graph.settings import Settings

    schema = build_schema(Settings())._schema
    assert Query is not None
    missing = []
    for name, gql_type in schema.type_map.items():
        if name.startswith("__") or name in {"Boolean", "String", "Int", "Float", "ID"}:
            continue
        if not gql_type.description:
            missing.append(name)
        for field_name, field in getattr(gql_type, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
    assert missing == []
