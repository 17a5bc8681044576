"""Limits on what one query may ask: depth and aliases (validated once per document, cached
with it) and cost (per request, since `first: $n` depends on the variables).

Fragments are measured once each, so a document of fragments spreading each other many
times cannot make the measurement itself expensive.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
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
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)
from graphql.language import Visitor
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from ..settings import Settings

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
                d, a = self.of(selection.selection_set)
                # Introspection (__schema, __type) is as deep as the schema's type references
                # (GraphiQL's query nests ofType 8 times): its depth is bounded by the schema,
                # but its aliases count like any others.
                if selection.name.value.startswith("__"):
                    d = 0
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


@dataclass(frozen=True, slots=True)
class Weights:
    """What costs more than the objects it returns (README "Security", Limits)."""

    default_page_size: int
    introspection: int
    ledger: int

    @classmethod
    def of(cls, settings: Settings) -> "Weights":
        return cls(settings.default_page_size, settings.introspection_cost, settings.ledger_cost)


# Root fields whose figures come from the ledger when given a period of their own: each such
# call is weighted. A day alone (`asOf`) is not: the stocks of any refreshed day are a lookup in
# the daily snapshots (migration 0008), as cheap as today's.
LEDGER_ARGUMENTS: Mapping[str, frozenset[str]] = {"indicators": frozenset({"period"})}
# A plain list whose length is its months (one report per month).
MONTHLY = frozenset({"indicatorSeries"})
# Lists each item of which is figures rebuilt for a day (a month's report, a programme's
# portfolio on the day a mission started): this many items weigh one ledger computation.
ITEMS_PER_LEDGER: Mapping[str, int] = {"indicatorSeries": 20, "supportHistory": 100}


class _Cost:
    """What a query makes the server do: 1 per object-typed field, times the size of the lists
    above it (`first`/`last`, or the default page size when a paginated field has neither;
    `nodes(ids:)` counts each id, `_entities(representations:)` each reference,
    `indicatorSeries` each month), plus the weights of introspection (`_service` too) and
    ledger computations. Type-conditioned fragments all count (an upper
    bound)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        weights: Weights,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.weights = weights
        self.default_page_size = weights.default_page_size
        self.measured: dict[str, int] = {}
        self.measuring: set[str] = set()
        self.read_variables = False  # else the cost is the document's, whatever the values

    def of(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None) -> int:
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name in ("__schema", "__type", "_service"):
                    # Each alias answers it again; Federation's `_service` prints the schema.
                    total += self.weights.introspection
                    continue
                fields = getattr(parent, "fields", {})
                field = fields.get(name)
                if field is None or selection.selection_set is None:
                    continue  # leaves and __typename cost nothing here
                inner = self.of(selection.selection_set, get_named_type(field.type))
                given = {a.name.value: a.value for a in selection.arguments or ()}
                listed = next((a for a in ("ids", "representations") if a in field.args), None)
                if listed is not None:
                    ids = self.value(given.get(listed))
                    total += (len(ids) if isinstance(ids, list) else 1) * (1 + inner)
                else:
                    total += 1 + self.multiplier(selection, field.args) * inner
                items = self.months(given) if name in MONTHLY else None
                if items is not None:
                    total += items * (1 + inner)
                per_ledger = ITEMS_PER_LEDGER.get(name)
                if per_ledger:
                    count = items if items is not None else self.multiplier(selection, field.args)
                    total += count * self.weights.ledger // per_ledger
                ledger = LEDGER_ARGUMENTS.get(name)
                if ledger and any(self.value(given.get(a)) is not None for a in ledger):
                    total += self.weights.ledger
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
        return 1

    def months(self, given: Mapping[str, ValueNode]) -> int:
        first, last = self.day(given.get("from")), self.day(given.get("to"))
        if first is None or last is None:
            return 1
        return max(1, (last.year - first.year) * 12 + last.month - first.month + 1)

    def day(self, node: ValueNode | None) -> date | None:
        given = self.value(node)
        try:
            return date.fromisoformat(given) if isinstance(given, str) else None
        except ValueError:
            return None

    def value(self, node: ValueNode | None) -> Any:
        """The raw value given (variables as sent); None when absent or null."""
        if isinstance(node, VariableNode):
            self.read_variables = True
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, StringValueNode):
            return node.value
        if isinstance(node, (ListValueNode, ObjectValueNode)):
            self.read_variables = True
            return value_from_ast_untyped(node, dict(self.variables))
        return None


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    weights: Weights,
) -> int:
    return _measure(schema, document, operation_name, variables, weights)[0]


def _measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    weights: Weights,
) -> tuple[int, bool]:
    """The cost, and whether it depends on the variables' values."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0, False
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
    cost = _Cost(schema, fragments, values, weights)
    return cost.of(operation.selection_set, root), cost.read_variables


class QueryCostLimit(SchemaExtension):
    """Refuses, before execution, an operation whose cost, added to that of the operations
    before it in the same batch, exceeds `max_cost`."""

    def __init__(self, max_cost: int, weights: Weights, known: "_Known") -> None:
        self.max_cost = max_cost
        self.weights = weights
        self.known = known

    def cost(self) -> int:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        # Parsed documents are cached (the same object again), so one whose cost reads no
        # variable is measured once, not on every request.
        key = (id(document), context.operation_name)
        found = self.known.get(key)
        if found is not None and found[0] is document:
            return found[1]
        cost, varies = _measure(
            context.schema._schema,
            document,
            context.operation_name,
            context.variables,
            self.weights,
        )
        if not varies:
            self.known[key] = (document, cost)
            if len(self.known) > _KNOWN_SIZE:
                self.known.pop(next(iter(self.known)))
        return cost

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            cost = self.cost()
            # The request's state is shared by every operation of a batch.
            state = getattr(getattr(context.context, "request", None), "state", None)
            spent = getattr(state, "query_cost", 0)
            if spent + cost <= self.max_cost:
                if state is not None:
                    state.query_cost = spent + cost  # a refused operation costs nothing
            else:
                batch = f" (with the batch's earlier operations: {spent + cost:,})" if spent else ""
                error = _limit_error(
                    f"The query costs {cost:,}{batch}; the limit is {self.max_cost:,} "
                    "(max_query_cost). Each object it may return counts 1 and each list "
                    "multiplies what it selects by its `first`/`last` (default "
                    f"{self.weights.default_page_size}); introspection counts "
                    f"{self.weights.introspection:,} and figures computed from the ledger "
                    f"{self.weights.ledger:,} (indicators of a chosen day or period; 20 months "
                    "of a series, 100 entries of a support history): ask for smaller pages, "
                    "fewer nested lists or fewer computations.",
                    "max_query_cost",
                    self.max_cost,
                    spent + cost,
                    "QUERY_TOO_COSTLY",
                )
                context.result = ExecutionResult(data=None, errors=[error])
        yield


_KNOWN_SIZE = 1_000
_Known = dict[tuple[int, str | None], tuple[DocumentNode, int]]


def cost_limit(max_cost: int, weights: Weights) -> Callable[[], QueryCostLimit]:
    known: _Known = {}  # per schema: the weights and the schema decide the cost
    return lambda: QueryCostLimit(max_cost, weights, known)
