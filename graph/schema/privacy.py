"""Personal data (members' names, phone, birth year, poverty score; facilitators' phone):
who sees it. Everyone else reads null, so a personal field is declared nullable.

| viewer                                      | personal fields                          |
|---------------------------------------------|------------------------------------------|
| PROGRAMME_STAFF                             | yes, for its own programme's people only |
| HEAD_OFFICE credential                      | no (null): head office needs aggregates  |
| EXPERT                                      | no (null): she works on aggregates       |
| INTEGRATOR                                  | no (null): read-only reporting           |
| anonymous demo viewer (development mode)    | no (null): it is read-only               |
"""

import uuid
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLResolveInfo
from strawberry.schema.schema_converter import GraphQLCoreConverter

from db.scope import Scope

PERSONAL = "edm-personal-data"
NOTE = "Personal data: null unless the viewer is staff of the programme."


def sees_personal_data(scope: Scope, programme_id: uuid.UUID) -> bool:
    """Only the staff of the person's own programme (never head office or a read-only viewer)."""
    return scope.may_operate(programme_id)


def personal(description: str) -> Any:
    """A field holding personal data (declare it `T | None`; the type needs `programme_id`)."""
    return strawberry.field(description=f"{description} {NOTE}", metadata={PERSONAL: True})


def _guarded(attribute: str) -> Callable[[Any, GraphQLResolveInfo[Any]], Any]:
    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        if sees_personal_data(info.context.viewer.scope, source.programme_id):
            return getattr(source, attribute)
        return None

    return resolve


def protect(schema: strawberry.Schema) -> strawberry.Schema:
    """Give each personal field a resolver that checks the viewer.

    A plain graphql-core resolver (one attribute read and a role check per object), not a
    strawberry field extension, whose per-call machinery costs several times more on big lists.
    """
    graphql_schema = schema._schema
    for named in graphql_schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for name, field in named.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if definition is None or not definition.metadata.get(PERSONAL):
                continue
            if isinstance(field.type, GraphQLNonNull):
                raise TypeError(f"{named.name}.{name} holds personal data: declare it nullable")
            field.resolve = _guarded(definition.python_name)
    return schema
