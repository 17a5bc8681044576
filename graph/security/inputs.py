"""Bounds on every input value, checked once at the schema's edge before any resolver runs.

One walk over the operation's arguments, coerced as graphql-core coerces them (variables,
literals, defaults, nested input objects and lists), against the input types: strings
(length, NUL, encodable), integers (their column), decimals (finite, the digits of their
column), dates (a sane range), lists (their length), global IDs (a type that is a Node) and
Federation's entity representations (`_entities`: an object naming an entity type and one of
its keys, an `id` being an ID of that type).
The bounds live here, by field name, so no resolver repeats a check and the database never
meets a value it would refuse.
"""

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.federation.schema_directives import Key
from strawberry.relay.utils import from_base64
from strawberry.schema.schema_converter import GraphQLCoreConverter

from ..settings import Settings

# Free text written by people (mission findings, comments, reasons): `max_text_length`.
TEXT_FIELDS = frozenset(
    {
        "findings",
        "objectives",
        "evidence",
        "comment",
        "text",
        "reason",
        "note",
        "notes",
        "activityDescription",
    }
)
URL_FIELDS = {"url": 2_048}
# Integers by the column or the computation they reach (smallint columns, day counts that
# become date arithmetic); other Int inputs keep GraphQL's 32 bits. The domain's own rules
# (a birth year in the past, say) still answer as `userErrors` within these bounds.
SMALLINT = (-32_768, 32_767)
INT_BOUNDS: Mapping[str, tuple[int, int]] = {
    "cycles": (1, 32_767),
    "minDaysPastDue": (0, 36_500),
    "days": (0, 36_500),
    "birthYear": SMALLINT,
    "installments": SMALLINT,
}
# Decimals: at most the whole digits of the widest column (Numeric(22, 4): 18), and a
# generous number of decimals, so the domain still says TOO_MANY_DECIMALS for a currency.
DECIMAL_DIGITS = (18, 12)


@dataclass(frozen=True, slots=True)
class Bounds:
    max_string: int
    max_text: int
    max_key: int
    max_list: int
    min_year: int
    max_year: int

    @classmethod
    def of(cls, settings: Settings) -> "Bounds":
        return cls(
            max_string=settings.max_string_length,
            max_text=settings.max_text_length,
            max_key=settings.max_idempotency_key_length,
            max_list=settings.max_list_items,
            min_year=settings.min_date_year,
            max_year=settings.max_date_year,
        )


class OutOfBounds(Exception):
    def __init__(self, path: str, message: str, **extensions: Any) -> None:
        super().__init__(path, message)
        self.error = GraphQLError(
            f"Invalid `{path}`: {message}",
            extensions={"code": "BAD_USER_INPUT", "field": path, **extensions},
        )


class _Walk:
    def __init__(self, schema: GraphQLSchema, bounds: Bounds) -> None:
        self.schema = schema
        self.bounds = bounds

    def value(self, value: Any, type_: GraphQLInputType, path: str, name: str) -> None:
        if value is None:
            return
        if isinstance(type_, GraphQLNonNull):
            self.value(value, type_.of_type, path, name)
        elif isinstance(type_, GraphQLList):
            items = value if isinstance(value, list) else [value]
            if len(items) > self.bounds.max_list:
                raise OutOfBounds(
                    path,
                    f"at most {self.bounds.max_list:,} items (this one has {len(items):,}) "
                    "(max_list_items).",
                    limit="max_list_items",
                    max=self.bounds.max_list,
                    actual=len(items),
                )
            for index, item in enumerate(items):
                self.value(item, type_.of_type, f"{path}[{index}]", name)
        elif isinstance(type_, GraphQLInputObjectType):
            if isinstance(value, Mapping):
                for field_name, field in type_.fields.items():
                    key = field.out_name or field_name
                    if key in value:
                        self.value(value[key], field.type, f"{path}.{field_name}", field_name)
        elif isinstance(type_, GraphQLScalarType):
            if type_.name == "_Any" and name == "representations":
                self.representation(value, path)
            else:
                self.scalar(value, type_.name, path, name)

    def representation(self, value: Any, path: str) -> None:
        """A gateway's reference to an entity: `{__typename, <one key's fields>}`."""
        entities = entity_keys(self.schema)
        if not isinstance(value, Mapping):
            raise OutOfBounds(path, "a representation is an object: `__typename` and a key.")
        type_name = value.get("__typename")
        if not isinstance(type_name, str):
            raise OutOfBounds(path, "`__typename` is missing: it names the entity's type.")
        for field, item in value.items():
            if not isinstance(item, str):
                raise OutOfBounds(f"{path}.{field}", "a string (every key here is one).")
            self.string(item, "String", f"{path}.{field}", field)
        keys = entities.get(type_name)
        if keys is None:
            raise OutOfBounds(
                f"{path}.__typename",
                f"{type_name!r} is not an entity of this subgraph ({', '.join(entities)}).",
            )
        if not any(key in value for key in keys):
            wanted = " or ".join(f"`{key}`" for key in keys)
            raise OutOfBounds(path, f"a {type_name} is referenced by {wanted}.")
        if "id" in keys and "id" in value:
            try:
                id_type, node_id = from_base64(value["id"])
                uuid.UUID(node_id)
            except ValueError:
                id_type = None
            if id_type != type_name:
                raise OutOfBounds(f"{path}.id", f"{value['id']!r} is not a {type_name} ID.")

    def scalar(self, value: Any, scalar: str, path: str, name: str) -> None:
        if isinstance(value, str):
            self.string(value, scalar, path, name)
        elif isinstance(value, bool):
            return
        elif isinstance(value, int):
            self.integer(value, path, name)
        elif isinstance(value, Decimal):
            self.decimal(value, path, name)
        elif isinstance(value, (date, datetime)):
            year = value.year
            if not self.bounds.min_year <= year <= self.bounds.max_year:
                raise OutOfBounds(
                    path,
                    f"a day from {self.bounds.min_year} to {self.bounds.max_year} "
                    "(min_date_year, max_date_year).",
                    min=self.bounds.min_year,
                    max=self.bounds.max_year,
                )

    def string(self, value: str, scalar: str, path: str, name: str) -> None:
        if name == "idempotencyKey":
            limit, setting = self.bounds.max_key, "max_idempotency_key_length"
        elif name in TEXT_FIELDS:
            limit, setting = self.bounds.max_text, "max_text_length"
        elif name in URL_FIELDS:
            limit, setting = URL_FIELDS[name], "url"
        else:
            limit, setting = self.bounds.max_string, "max_string_length"
        if len(value) > limit:
            raise OutOfBounds(
                path,
                f"at most {limit:,} characters (this one has {len(value):,}) ({setting}).",
                limit=setting,
                max=limit,
                actual=len(value),
            )
        if "\x00" in value:
            raise OutOfBounds(path, "a NUL character (\\u0000) is not allowed in text.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise OutOfBounds(path, "the text is not valid Unicode (a lone surrogate).") from None
        if scalar == "ID":
            self.global_id(value, path)

    def global_id(self, value: str, path: str) -> None:
        """A global ID naming a type of the schema that is not a Node (the `Node` interface
        itself, `Money`) is not one of this API's; undecodable ones and unknown type names
        are left to strawberry's own error."""
        try:
            type_name, _ = from_base64(value)
        except ValueError:
            return
        found = self.schema.get_type(type_name)
        if found is not None and not (
            isinstance(found, GraphQLObjectType)
            and any(interface.name == "Node" for interface in found.interfaces)
        ):
            raise OutOfBounds(path, f"{value!r} is not an ID of this API.")

    def integer(self, value: int, path: str, name: str) -> None:
        if name not in INT_BOUNDS:
            return
        low, high = INT_BOUNDS[name]
        if not low <= value <= high:
            raise OutOfBounds(path, f"from {low:,} to {high:,} (got {value:,}).", min=low, max=high)

    def decimal(self, value: Decimal, path: str, name: str) -> None:
        if not value.is_finite():
            raise OutOfBounds(path, "a finite number (not NaN or Infinity).")
        before, after = DECIMAL_DIGITS
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        # Trailing zeros after the point say nothing: 1.5000 has one decimal.
        count = len(digits)
        while exponent < 0 and count > 1 and digits[count - 1] == 0:
            count -= 1
            exponent += 1
        whole = max(count + exponent, 0)
        fraction = max(-exponent, 0)
        if whole > before or fraction > after:
            raise OutOfBounds(
                path,
                f"at most {before} digits before the point and {after} after.",
                maxIntegerDigits=before,
                maxFractionDigits=after,
            )


def entity_keys(schema: GraphQLSchema) -> Mapping[str, tuple[str, ...]]:
    """Each entity type of a Federation subgraph and the fields of its keys (`@key` on the
    type's declaration), by name; empty for a schema without entities."""
    union = schema.get_type("_Entity")
    found: dict[str, tuple[str, ...]] = {}
    for member in union.types if isinstance(union, GraphQLUnionType) else ():
        definition = member.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        directives = getattr(definition, "directives", None) or ()
        found[member.name] = tuple(d.fields for d in directives if isinstance(d, Key))
    return found


def _argument_sites(
    schema: GraphQLSchema,
    selection_set: SelectionSetNode | None,
    parent: GraphQLNamedType | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: set[str],
) -> Iterator[tuple[FieldNode, GraphQLField]]:
    """Every field of the selection (fragments once each) given arguments, with its
    definition; a plain walk, several times cheaper than graphql-core's visitor."""
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            fields = getattr(parent, "fields", None)
            field = fields.get(selection.name.value) if fields else None
            if field is None:
                continue  # introspection and unknown fields: validation has seen them
            if selection.arguments:
                yield selection, field
            if selection.selection_set is not None:
                inner = get_named_type(field.type)
                yield from _argument_sites(schema, selection.selection_set, inner, fragments, seen)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = schema.get_type(condition.name.value) if condition else parent
            yield from _argument_sites(schema, selection.selection_set, target, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:
                continue
            seen.add(name)
            target = schema.get_type(fragment.type_condition.name.value)
            yield from _argument_sites(schema, fragment.selection_set, target, fragments, seen)


@dataclass(slots=True)
class _Checked:
    document: DocumentNode
    operation: OperationDefinitionNode
    sites: list[tuple[FieldNode, GraphQLField]]
    literal: GraphQLError | None  # the answer when the operation has no variables


class InputChecker:
    """The bounds of one schema, and what the walk found in each document: parsed documents
    are cached (the same objects across requests), so they are recognised by identity."""

    CACHE_SIZE = 1_000

    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self._cache: dict[tuple[int, str | None], _Checked] = {}

    def check(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> GraphQLError | None:
        """The first input value out of bounds in this operation, as a typed error; None when
        all are within bounds or when coercion itself fails (execution then reports that)."""
        key = (id(document), operation_name)
        found = self._cache.get(key)
        if found is None or found.document is not document:
            operation = get_operation_ast(document, operation_name)
            if operation is None:
                return None
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            root = schema.get_root_type(operation.operation)
            sites = list(_argument_sites(schema, operation.selection_set, root, fragments, set()))
            literal = None
            if not operation.variable_definitions:
                literal = _check_sites(schema, operation, sites, {}, self.bounds)
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            found = self._cache[key] = _Checked(document, operation, sites, literal)
        if not found.sites or not found.operation.variable_definitions:
            return found.literal
        return _check_sites(schema, found.operation, found.sites, variables, self.bounds)


def _check_sites(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    sites: list[tuple[FieldNode, GraphQLField]],
    variables: Mapping[str, Any] | None,
    bounds: Bounds,
) -> GraphQLError | None:
    if not sites:
        return None
    coerced = get_variable_values(
        schema, operation.variable_definitions or (), dict(variables or {}), max_errors=1
    )
    if isinstance(coerced, list):
        return None
    walk = _Walk(schema, bounds)
    try:
        for node, definition in sites:
            try:
                values = get_argument_values(definition, node, coerced)
            except GraphQLError:
                continue  # execution reports it
            for name, argument in definition.args.items():
                if name in values:
                    walk.value(values[name], argument.type, name, name)
    except OutOfBounds as error:
        return error.error
    return None


class InputLimits(SchemaExtension):
    """Refuses, before execution, an operation with an input value out of bounds."""

    def __init__(self, checker: InputChecker) -> None:
        self.checker = checker

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            error = self.checker.check(
                context.schema._schema,
                context.graphql_document,
                context.operation_name,
                context.variables,
            )
            if error is not None:
                context.result = ExecutionResult(data=None, errors=[error])
        yield
