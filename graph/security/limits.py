"""Limits on what one query may ask: depth and aliases (validated once per document, cached
with it) and cost (per request, since `first: $n` depends on the variables).

Fragments are measured once each, so a document of fragments spreading each other many
times cannot make the measurement itself expensive.
"""

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)
from graphql.language import Visitor
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

Measure = tuple[int, int]  # (depth, aliases)


def _limit_error(message: str, limit: str, maximum: int, actual: int, code: str) -> GraphQLError:
    return GraphQLError(
        message, extensions={"code": code, "limit": limit, "max": maximum, "actual": actual}
    )


class _Shape:
    """Depth (fields nested, leaves included) and alias count of selections."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.measured: dict[str, Measure] = {}
        self.measuring: set[str] = set()

    def of(self, selection_set: SelectionSetNode | None) -> Measure:
        depth = aliases = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                # Introspection (__schema, __type) is bounded by the schema, not the query.
                inner = (0, 0) if selection.name.value.startswith("__") else None
                d, a = inner or self.of(selection.selection_set)
                depth = max(depth, d + 1)
                aliases += a + (selection.alias is not None)
            elif isinstance(selection, InlineFragmentNode):
                d, a = self.of(selection.selection_set)
                depth, aliases = max(depth, d), aliases + a
            elif isinstance(selection, FragmentSpreadNode):
                d, a = self.fragment(selection.name.value)
                depth, aliases = max(depth, d), aliases + a
        return depth, aliases

    def fragment(self, name: str) -> Measure:
        if name in self.measured:
            return self.measured[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.measuring:
            return 0, 0  # unknown or cyclic: other rules report it
        self.measuring.add(name)
        self.measured[name] = self.of(fragment.selection_set)
        self.measuring.discard(name)
        return self.measured[name]


def shape_rule(max_depth: int, max_aliases: int) -> type[ValidationRule]:
    """A validation rule for the depth and alias limits (build it once per schema: the
    validation cache is keyed by the rule classes)."""

    class QueryShapeLimits(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> Any:
            fragments = {
                d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)
            }
            shape = _Shape(fragments)
            for definition in node.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                depth, aliases = shape.of(definition.selection_set)
                if depth > max_depth:
                    self.report_error(
                        _limit_error(
                            f"The query is nested {depth} levels deep; the limit is "
                            f"{max_depth} (max_query_depth).",
                            "max_query_depth",
                            max_depth,
                            depth,
                            "QUERY_TOO_DEEP",
                        )
                    )
                if aliases > max_aliases:
                    self.report_error(
                        _limit_error(
                            f"The query uses {aliases} aliases; the limit is {max_aliases} "
                            "(max_aliases).",
                            "max_aliases",
                            max_aliases,
                            aliases,
                            "TOO_MANY_ALIASES",
                        )
                    )
            return Visitor.SKIP

    return QueryShapeLimits


class _Cost:
    """Objects a query may return: 1 per object-typed field, times the size of the lists
    above it (`first`/`last`, or the default page size when a paginated field has neither;
    `nodes(ids:)` counts its ids). Type-conditioned fragments all count (an upper bound)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        default_page_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.default_page_size = default_page_size
        self.measured: dict[str, int] = {}
        self.measuring: set[str] = set()

    def of(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None) -> int:
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                fields = getattr(parent, "fields", {})
                field = fields.get(selection.name.value)
                if field is None or selection.selection_set is None:
                    continue  # leaves, __typename and introspection cost nothing here
                inner = self.of(selection.selection_set, get_named_type(field.type))
                total += 1 + self.multiplier(selection, field.args) * inner
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.of(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def fragment(self, name: str) -> int:
        if name in self.measured:
            return self.measured[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.measuring:
            return 0
        self.measuring.add(name)
        target = self.schema.get_type(fragment.type_condition.name.value)
        self.measured[name] = self.of(fragment.selection_set, target)
        self.measuring.discard(name)
        return self.measured[name]

    def multiplier(self, node: FieldNode, defined: Mapping[str, Any]) -> int:
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        if "first" in defined or "last" in defined:
            for name in ("first", "last"):
                size = self.value(given.get(name))
                if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
                    return size
            return self.default_page_size
        ids = self.value(given.get("ids"))
        return len(ids) if isinstance(ids, list) else 1

    def value(self, node: ValueNode | None) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return list(node.values)
        return None


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    default_page_size: int,
) -> int:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    values = {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    values.update(variables or {})
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root = schema.get_root_type(operation.operation)
    return _Cost(schema, fragments, values, default_page_size).of(operation.selection_set, root)


class QueryCostLimit(SchemaExtension):
    """Refuses, before execution, an operation whose cost exceeds `max_cost`."""

    def __init__(self, max_cost: int, default_page_size: int) -> None:
        self.max_cost = max_cost
        self.default_page_size = default_page_size

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            cost = query_cost(
                context.schema._schema,
                context.graphql_document,
                context.operation_name,
                context.variables,
                self.default_page_size,
            )
            if cost > self.max_cost:
                error = _limit_error(
                    f"The query may return {cost:,} objects; the limit is {self.max_cost:,} "
                    "(max_query_cost). Each object counts 1 and each list multiplies what it "
                    f"selects by its `first`/`last` (default {self.default_page_size}): ask "
                    "for smaller pages or fewer nested lists.",
                    "max_query_cost",
                    self.max_cost,
                    cost,
                    "QUERY_TOO_COSTLY",
                )
                context.result = ExecutionResult(data=None, errors=[error])
        yield


def cost_limit(max_cost: int, default_page_size: int) -> Callable[[], QueryCostLimit]:
    return lambda: QueryCostLimit(max_cost, default_page_size)
