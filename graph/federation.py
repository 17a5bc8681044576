"""edm-graph as an Apollo Federation v2 subgraph (strawberry.federation): the served schema
adds `_service { sdl }` and `_entities(representations:)` to the Query root; the integrators'
contract (schema.graphql) is the same types printed without them or the `@key` directives.

`_service` hands out the whole schema, so it is introspection: refused where introspection is
off (production's default); a gateway there composes from the exported
schema.federation.graphql instead. `_entities` is a read like `nodes(ids:)`: always served,
counted by the cost limit per representation, its representations checked at the edge
(graph/security/inputs.py)."""

import copy
import warnings
from collections.abc import Callable, Mapping
from typing import Any, Final, cast

import strawberry
from graphql import FieldNode, GraphQLError, GraphQLObjectType, GraphQLUnionType, ValidationRule
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import FederationDirective
from strawberry.printer import print_schema
from strawberry.schema.schema_converter import GraphQLCoreConverter

from .schema.entities import InvalidReference, resolve_reference
from .security.reporting import EdgeSchema

FEDERATION_VERSION: Final = "2.5"
BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF


class Subgraph(EdgeSchema, strawberry.federation.Schema):
    """The served schema: EdgeSchema's error reporting, with Federation's root fields."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(federation_version=FEDERATION_VERSION, **kwargs)
        union = self._schema.get_type("_Entity")
        assert isinstance(union, GraphQLUnionType)
        self.entity_types: Mapping[str, type] = {
            t.name: t.extensions[BACKREF].origin for t in union.types
        }
        # The SDL never changes once built: printed on the first `_service`, not on each.
        service = self._schema.get_type("_Service")
        assert isinstance(service, GraphQLObjectType)
        service.fields["sdl"].resolve = lambda *_: self._sdl()
        self._printed: str | None = None

    def _sdl(self) -> str:
        if self._printed is None:
            self._printed = print_schema(self)
        return self._printed

    def entities_resolver(
        self, info: strawberry.Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        # One awaitable per reference, completed together: each type's loader batches its
        # references into one statement. An unusable reference is that item's error.
        results: list[Any] = []
        for index, representation in enumerate(representations):
            if not isinstance(representation, Mapping):
                results.append(InvalidReference(index, "a representation is an object."))
                continue
            type_name = representation.get("__typename")
            cls = self.entity_types.get(type_name) if isinstance(type_name, str) else None
            if cls is None:
                results.append(
                    InvalidReference(index, f"`__typename` {type_name!r} is not an entity here.")
                )
                continue
            results.append(resolve_reference(info, cls, index, representation))
        return cast(list[FederationAny], results)


def without_federation(schema: strawberry.Schema) -> strawberry.Schema:
    """The schema as the contract prints it: its types' federation directives left out (on
    this schema's own copies of the definitions; the served schema keeps them)."""
    for named in schema._schema.type_map.values():
        definition = (named.extensions or {}).get(BACKREF)
        directives = getattr(definition, "directives", None)
        if not directives or not any(isinstance(d, FederationDirective) for d in directives):
            continue
        kept: Any = copy.copy(definition)
        kept.directives = [d for d in directives if not isinstance(d, FederationDirective)]
        named.extensions = {**named.extensions, BACKREF: kept}
    return schema


def contract_schema(build: Callable[[], strawberry.Schema]) -> strawberry.Schema:
    """`build()` builds a plain (not federated) schema of the keyed types: strawberry warns
    that it holds federation directives, which without_federation then leaves out."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Federation directive found", UserWarning)
        return without_federation(build())


class NoServiceSdl(ValidationRule):
    """Where introspection is off: `_service` (the SDL of the whole schema) is refused too."""

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value == "_service":
            self.report_error(
                GraphQLError(
                    "GraphQL introspection has been disabled, and `_service` (the schema's "
                    "SDL) with it: compose the supergraph from schema.federation.graphql.",
                    nodes=[node],
                )
            )
