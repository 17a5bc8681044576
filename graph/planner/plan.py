"""Turns a validated query into one SQL statement per root field that builds the field's JSON.

The walk follows the operation's selections (aliases, fragments, `@skip`/`@include`) and reads
each field's declaration (graph/schema/fields.py): a column, a money amount, a parent by key,
a child connection or list. Rows come from the same db/ listings as the resolver path, so the
viewer's scope applies the same way; personal fields use the same `Scope.operates` rule.
Anything it does not know raises `Unplannable`, and the operation runs on the resolver path.
"""

import datetime as dt
import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.values import get_argument_values, get_directive_values
from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    true,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSON, aggregate_order_by
from sqlalchemy.sql.elements import False_, True_
from strawberry.relay import GlobalID
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import StrawberryList
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.field import StrawberryField

from db.models import ExchangeRate as ExchangeRateModel
from db.pagination import Listing
from db.scope import Scope

from ..schema import fields as declared
from ..schema.privacy import PERSONAL
from ..schema.relay import RowNode, page_args, parse_node_id
from ..settings import Settings
from . import sql

BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF


class Unplannable(Exception):
    """The operation uses something the planner does not build: run it on the resolver path."""


@dataclass(frozen=True, slots=True)
class RootPlan:
    key: str
    statement: Select[Any]


def _unwrap(gql_type: Any) -> Any:
    while isinstance(gql_type, GraphQLNonNull | GraphQLList):
        gql_type = gql_type.of_type
    return gql_type


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _pairs(pairs: Sequence[tuple[str, Any]]) -> ColumnElement[Any]:
    if len(pairs) > sql.MAX_KEYS:
        raise Unplannable("too many fields in one object")
    args: list[Any] = []
    for key, value in pairs:
        args += [literal_column(f"'{key}'"), value]  # GraphQL names: [_A-Za-z][_0-9A-Za-z]*
    return type_coerce(func.json_build_object(*args), JSON)


def _empty_list() -> ColumnElement[Any]:
    return literal_column("'[]'::json")


class Planner:
    def __init__(
        self,
        schema: strawberry.Schema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Any,
        scope: Scope,
        settings: Settings,
        node_keys: frozenset[str] = frozenset(),
    ) -> None:
        self.schema = schema
        self.node_keys = node_keys
        self.gql: GraphQLSchema = schema._schema
        self.fragments = fragments
        self.variables = variables
        self.scope = scope
        # page_args reads the page sizes from info.context.settings.
        self.page_info = SimpleNamespace(context=SimpleNamespace(settings=settings))

    # --- the walk ---------------------------------------------------------------------------

    def _included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if"):
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and not include.get("if"))

    def _applies(self, condition: Any, gql_type: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        name = condition.name.value
        if name == gql_type.name:
            return True
        found = self.gql.get_type(name)
        return isinstance(found, GraphQLInterfaceType) and found in gql_type.interfaces

    def collect(
        self, selection_set: SelectionSetNode | None, gql_type: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        found: dict[str, list[FieldNode]] = {}
        for selection in selection_set.selections if selection_set else ():
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                found.setdefault(_key(selection), []).append(selection)
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                condition: Any = fragment.type_condition
                inner = fragment.selection_set
            elif isinstance(selection, InlineFragmentNode):
                condition, inner = selection.type_condition, selection.selection_set
            else:  # pragma: no cover - the three selection kinds
                raise Unplannable(type(selection).__name__)
            if self._applies(condition, gql_type):
                for key, nodes in self.collect(inner, gql_type).items():
                    found.setdefault(key, []).extend(nodes)
        return found

    def _merged(self, nodes: Sequence[FieldNode]) -> SelectionSetNode | None:
        if len(nodes) == 1:
            return nodes[0].selection_set
        selections = [s for n in nodes if n.selection_set for s in n.selection_set.selections]
        return SelectionSetNode(selections=tuple(selections))

    def arguments(self, gql_type: GraphQLObjectType, node: FieldNode) -> dict[str, Any]:
        gql_field = gql_type.fields[node.name.value]
        field: StrawberryField = gql_field.extensions[BACKREF]
        values = get_argument_values(gql_field, node, self.variables)
        converter = self.schema.schema_converter
        return convert_arguments(
            values, field.arguments, converter.scalar_registry, self.schema.config
        )

    # --- values -----------------------------------------------------------------------------

    def object_json(
        self,
        cls: type[RowNode],
        gql_type: GraphQLObjectType,
        row: Any,
        nodes: Sequence[FieldNode],
    ) -> ColumnElement[Any]:
        """The JSON object of one row of `cls`, `row` the subquery it comes from."""
        pairs: list[tuple[str, Any]] = []
        for key, field_nodes in self.collect(self._merged(nodes), gql_type).items():
            pairs.append((key, self.value(cls, gql_type, row, field_nodes)))
        return _pairs(pairs)

    def value(
        self,
        cls: type[RowNode],
        gql_type: GraphQLObjectType,
        row: Any,
        nodes: Sequence[FieldNode],
    ) -> ColumnElement[Any]:
        node = nodes[0]
        name = node.name.value
        if name == "__typename":
            return literal(gql_type.name, Text)
        if name == "id":  # relay.NodeID: the global ID of the row's key
            return sql.global_id(gql_type.name, row.c.id)
        gql_field = gql_type.fields[name]
        field: StrawberryField = gql_field.extensions[BACKREF]
        python_name = field.python_name
        decl = declared.declaration(field)
        if isinstance(decl, declared.Parent):
            return self.parent(field, row, row.c[decl.key], nodes)
        if isinstance(decl, declared.Children):
            args = self.arguments(gql_type, node)
            target = declared.node_class(field)
            return self.connection(
                target,
                _unwrap(gql_field.type),
                decl.listing or target.listing,
                args.get("filter"),
                args,
                nodes,
                parent=(decl.parent_col, row),
            )
        if isinstance(decl, declared.Count):
            stmt = decl.listing.build(self.scope, None).where(decl.parent_col == row.c.id)
            counted = stmt.correlate(row).subquery()
            return select(func.count()).select_from(counted).scalar_subquery()
        if isinstance(decl, declared.ChildList):
            target = declared.node_class(field)
            return self.child_list(target, decl, row, nodes, _unwrap(gql_field.type))
        if field.base_resolver is not None:
            return self.computed(cls, gql_type, python_name, row, nodes)
        if python_name in cls.money:
            column = self.column(cls, row, python_name, field)
            return self.money(column, row.c[cls.money[python_name]], nodes)
        return self.scalar(cls, row, python_name, field)

    def column(
        self, cls: type[RowNode], row: Any, python_name: str, field: StrawberryField
    ) -> ColumnElement[Any]:
        column = row.c[python_name]
        if field.metadata.get(PERSONAL):
            return _when(self.scope.operates(row.c.programme_id), column)
        return column  # type: ignore[no-any-return]

    def scalar(
        self, cls: type[RowNode], row: Any, python_name: str, field: StrawberryField
    ) -> ColumnElement[Any]:
        column = self.column(cls, row, python_name, field)
        python_type = _python_type(field)
        if python_name in cls.plain:
            return sql.plain_decimal(column)
        if python_type is decimal.Decimal:
            return sql.decimal_text(column)
        if python_type is dt.datetime:
            return sql.instant(column)
        if python_type in (str, int, bool, dt.date) or isinstance(
            python_type, StrawberryEnumDefinition
        ):
            return column  # enum values are their names
        if isinstance(python_type, StrawberryList) and (
            isinstance(python_type.of_type, StrawberryEnumDefinition)
            or python_type.of_type in (str, int)
        ):
            return column  # an array column: a JSON array
        if getattr(python_type, "_scalar_definition", None) is not None or python_type is Any:
            return column  # JSON
        raise Unplannable(f"{cls.__name__}.{python_name}: {python_type!r}")

    def computed(
        self,
        cls: type[RowNode],
        gql_type: GraphQLObjectType,
        python_name: str,
        row: Any,
        nodes: Sequence[FieldNode],
    ) -> ColumnElement[Any]:
        """The methods whose SQL the planner knows; any other one is computed in Python."""
        if python_name == "currency" and "currency_code" in row.c:
            return self.currency(row.c.currency_code, nodes)
        if cls.__name__ == "Loan" and python_name in ("days_past_due", "at_risk"):
            args = self.arguments(gql_type, nodes[0])
            today = dt.date.today()
            day = args.get("as_of") or today
            if day < today:  # a past day reads the ledger as it stood: the resolver path's
                raise Unplannable("days past due on a past day")
            late = (row.c.status == "ACTIVE") & (row.c.oldest_unpaid_due_on < day)
            days = case((late, literal(day) - row.c.oldest_unpaid_due_on), else_=literal(0))
            return days if python_name == "days_past_due" else days > args.get("days", 30)
        raise Unplannable(f"{cls.__name__}.{python_name} is computed in Python")

    def currency(self, code: ColumnElement[Any], nodes: Sequence[FieldNode]) -> ColumnElement[Any]:
        gql_type = self.gql.get_type("Currency")
        assert isinstance(gql_type, GraphQLObjectType)
        code = sql.trimmed(code)
        values = {
            "code": code,
            "name": sql.currency_name(code),
            "minorUnits": sql.minor_units(code),
        }
        pairs: list[tuple[str, Any]] = []
        for key, field_nodes in self.collect(self._merged(nodes), gql_type).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                pairs.append((key, literal("Currency", Text)))
            else:
                pairs.append((key, values[name]))
        return _pairs(pairs)

    def money(
        self, amount: ColumnElement[Any], code: ColumnElement[Any], nodes: Sequence[FieldNode]
    ) -> ColumnElement[Any]:
        gql_type = self.gql.get_type("Money")
        assert isinstance(gql_type, GraphQLObjectType)
        pairs: list[tuple[str, Any]] = []
        for key, field_nodes in self.collect(self._merged(nodes), gql_type).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                pairs.append((key, literal("Money", Text)))
            elif name == "amount":
                pairs.append((key, sql.money_amount(amount, code)))
            elif name == "currency":
                pairs.append((key, self.currency(code, field_nodes)))
            elif name == "inEur":
                pairs.append((key, self.in_eur(gql_type, amount, code, field_nodes)))
            else:
                raise Unplannable(f"Money.{name}")
        # A null amount (a personal or missing value) is a null Money, as on the resolver path.
        return _when(amount.is_not(None), _pairs(pairs))

    def in_eur(
        self,
        money_type: GraphQLObjectType,
        amount: ColumnElement[Any],
        code: ColumnElement[Any],
        nodes: Sequence[FieldNode],
    ) -> ColumnElement[Any]:
        """Money.in_eur: the rate of the month of `on` or the latest before it; EUR as is."""
        args = self.arguments(money_type, nodes[0])
        kind = args.get("rate_kind")
        month = (args.get("on") or dt.date.today()).replace(day=1)
        closing = kind is None or kind.value == "CLOSING"
        rates = ExchangeRateModel.__table__
        rate_col = rates.c.closing_rate if closing else rates.c.average_rate
        code = sql.trimmed(code)
        found = (
            select(rate_col.label("rate"), rates.c.month)
            .where(func.btrim(cast(rates.c.currency_code, Text)) == code, rates.c.month <= month)
            .order_by(rates.c.month.desc())
            .limit(1)
            .subquery()
        )
        converted_type = self.gql.get_type("ConvertedMoney")
        assert isinstance(converted_type, GraphQLObjectType)
        kind_name = "CLOSING" if closing else "AVERAGE"

        def converted(eur: ColumnElement[Any], rate: ColumnElement[Any], on: Any) -> Any:
            pairs: list[tuple[str, Any]] = []
            for key, field_nodes in self.collect(self._merged(nodes), converted_type).items():
                name = field_nodes[0].name.value
                if name == "__typename":
                    pairs.append((key, literal("ConvertedMoney", Text)))
                elif name == "money":
                    pairs.append((key, self.money(eur, literal("EUR", Text), field_nodes)))
                elif name == "rate":
                    pairs.append((key, rate))
                elif name == "rateKind":
                    pairs.append((key, literal(kind_name, Text)))
                else:  # rateMonth
                    pairs.append((key, on))
            return _pairs(pairs)

        # to_eur: amount / rate, rounded half up to the cent (PostgreSQL rounds half away
        # from zero; amounts are positive).
        foreign = converted(
            func.round(amount / found.c.rate, 2), sql.plain_decimal(found.c.rate), found.c.month
        )
        in_rate = select(foreign).select_from(found).scalar_subquery()
        own = converted(func.round(amount, 2), literal("1", Text), literal(month))
        return case((code == "EUR", own), else_=in_rate)

    # --- relations --------------------------------------------------------------------------

    def rows_of(self, listing: Listing[Any], filter: Any, correlate: Any = None) -> Select[Any]:
        stmt = listing.build(self.scope, filter.to_db() if filter is not None else None)
        return stmt.correlate(correlate) if correlate is not None else stmt

    def parent(
        self,
        field: StrawberryField,
        outer: Any,
        key: ColumnElement[Any],
        nodes: Sequence[FieldNode],
    ) -> ColumnElement[Any]:
        target = declared.node_class(field)
        if not issubclass(target, RowNode):
            raise Unplannable(f"{target.__name__} is not a row node")
        gql_type = self.gql.get_type(_type_name(target))
        assert isinstance(gql_type, GraphQLObjectType)
        stmt = target.listing.build(self.scope, None).where(target.listing.id_col == key)
        found = stmt.correlate(outer).limit(1).subquery()
        inner = select(self.object_json(target, gql_type, found, nodes)).select_from(found)
        return inner.scalar_subquery()

    def child_list(
        self,
        target: Any,
        decl: declared.ChildList,
        outer: Any,
        nodes: Sequence[FieldNode],
        gql_type: Any,
    ) -> ColumnElement[Any]:
        if not (isinstance(target, type) and issubclass(target, RowNode)):
            raise Unplannable(f"{target!r} is not a row node")
        listing = decl.listing or target.listing
        stmt = listing.build(self.scope, None).where(decl.parent_col == outer.c.id)
        rows = stmt.correlate(outer).subquery()
        item = self.object_json(target, gql_type, rows, nodes)
        agg = func.json_agg(aggregate_order_by(item, rows.c.id))
        return select(func.coalesce(agg, _empty_list())).select_from(rows).scalar_subquery()

    def connection(
        self,
        target: Any,
        connection_type: GraphQLObjectType,
        listing: Listing[Any],
        filter: Any,
        arguments: Mapping[str, Any],
        nodes: Sequence[FieldNode],
        parent: tuple[ColumnElement[Any], Any] | None = None,
    ) -> ColumnElement[Any]:
        if not (isinstance(target, type) and issubclass(target, RowNode)):
            raise Unplannable(f"{target!r} is not a row node")
        try:
            args = page_args(
                self.page_info,  # type: ignore[arg-type]
                arguments.get("first"),
                arguments.get("after"),
                arguments.get("last"),
                arguments.get("before"),
            )
            db_filter = filter.to_db() if filter is not None else None
        except Exception as error:  # the resolver path raises the same error to the client
            raise Unplannable(str(error)) from error
        stmt = listing.build(self.scope, db_filter)
        if parent is not None:
            parent_col, outer = parent
            stmt = stmt.where(parent_col == outer.c.id).correlate(outer)
        counted = stmt
        id_col = listing.id_col
        if args.after is not None:
            stmt = stmt.where(id_col > args.after)
        if args.before is not None:
            stmt = stmt.where(id_col < args.before)
        order = id_col.desc() if args.backward else id_col.asc()
        size = args.size
        page = stmt.order_by(order).limit(size + 1).subquery()
        ranked = select(
            page,
            func.row_number()
            .over(order_by=page.c.id.desc() if args.backward else page.c.id)
            .label("_rn"),
        ).subquery()
        on_page = ranked.c._rn <= size
        gql_node = self.gql.get_type(_type_name(target))
        assert isinstance(gql_node, GraphQLObjectType)
        more = func.count() > size
        ids = func.array_agg(aggregate_order_by(ranked.c.id, ranked.c.id)).filter(on_page)
        ids_desc = func.array_agg(aggregate_order_by(ranked.c.id, ranked.c.id.desc())).filter(
            on_page
        )
        pairs: list[tuple[str, Any]] = []
        aggregated = False
        for key, field_nodes in self.collect(self._merged(nodes), connection_type).items():
            name = field_nodes[0].name.value
            aggregated = aggregated or name in ("nodes", "edges", "pageInfo")
            if name == "__typename":
                pairs.append((key, literal(connection_type.name, Text)))
            elif name == "totalCount":
                count = select(func.count()).select_from(counted.subquery())
                pairs.append((key, count.scalar_subquery()))
            elif name in ("nodes", "edges"):
                if name == "nodes":
                    item = self.object_json(target, gql_node, ranked, field_nodes)
                else:
                    edge_type = _unwrap(connection_type.fields["edges"].type)
                    item = self.edge(target, gql_node, edge_type, ranked, field_nodes)
                agg = func.json_agg(aggregate_order_by(item, ranked.c.id)).filter(on_page)
                pairs.append((key, func.coalesce(agg, _empty_list())))
            elif name == "pageInfo":
                info = {
                    "hasNextPage": more if not args.backward else literal(args.before is not None),
                    "hasPreviousPage": more if args.backward else literal(args.after is not None),
                    "startCursor": sql.cursor(ids[1]),
                    "endCursor": sql.cursor(ids_desc[1]),
                }
                inner: list[tuple[str, Any]] = []
                info_type = _unwrap(connection_type.fields["pageInfo"].type)
                for info_key, info_nodes in self.collect(
                    self._merged(field_nodes), info_type
                ).items():
                    info_name = info_nodes[0].name.value
                    if info_name == "__typename":
                        inner.append((info_key, literal("PageInfo", Text)))
                    else:
                        inner.append((info_key, info[info_name]))
                pairs.append((key, _pairs(inner)))
            else:
                raise Unplannable(f"{connection_type.name}.{name}")
        built = select(_pairs(pairs))
        if aggregated:
            # One row even for an empty page: HAVING makes the select an aggregate one when
            # no aggregate is selected (a pageInfo of literals alone).
            built = built.select_from(ranked).having(true())
        return built.scalar_subquery()

    def edge(
        self,
        target: type[RowNode],
        gql_node: GraphQLObjectType,
        edge_type: GraphQLObjectType,
        row: Any,
        nodes: Sequence[FieldNode],
    ) -> ColumnElement[Any]:
        pairs: list[tuple[str, Any]] = []
        for key, field_nodes in self.collect(self._merged(nodes), edge_type).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                pairs.append((key, literal(edge_type.name, Text)))
            elif name == "cursor":
                pairs.append((key, sql.cursor(row.c.id)))
            else:
                pairs.append((key, self.object_json(target, gql_node, row, field_nodes)))
        return _pairs(pairs)

    # --- roots ------------------------------------------------------------------------------

    def root(self, node: FieldNode) -> ColumnElement[Any]:
        query = self.gql.query_type
        assert query is not None
        name = node.name.value
        if name == "__typename":
            return literal("Query", Text)
        if name not in query.fields:  # __schema, __type
            raise Unplannable(name)
        gql_field = query.fields[name]
        field: StrawberryField = gql_field.extensions[BACKREF]
        decl = declared.declaration(field)
        if isinstance(decl, declared.Roots):
            args = self.arguments(query, node)
            target = declared.node_class(field)
            return self.connection(
                target, _unwrap(gql_field.type), target.listing, args.get("filter"), args, [node]
            )
        if name == "node":
            args = self.arguments(query, node)
            given = next((a.value for a in node.arguments or () if a.name.value == "id"), None)
            variable = given.name.value if isinstance(given, VariableNode) else None
            return self.node(args["id"], [node], variable if variable in self.node_keys else None)
        if name == "programme":
            return self.programme(self.arguments(query, node)["code"], [node])
        raise Unplannable(f"Query.{name}")

    def node(
        self, gid: GlobalID, nodes: Sequence[FieldNode], variable: str | None = None
    ) -> ColumnElement[Any]:
        """The row of `gid`; with `variable`, its key is the bound parameter `node_key(variable)`
        so the statement serves every id of the same type."""
        gql_type = self.gql.get_type(gid.type_name)
        key = parse_node_id(gid.node_id)
        if not isinstance(gql_type, GraphQLObjectType) or key is None:
            raise Unplannable("not a node of this API")
        cls = gql_type.extensions.get(BACKREF)
        origin = getattr(cls, "origin", None)
        if not (isinstance(origin, type) and issubclass(origin, RowNode)):
            raise Unplannable(gid.type_name)
        if _type_name(origin) != gid.type_name:
            raise Unplannable(gid.type_name)
        id_col = origin.listing.id_col
        bound = key if variable is None else bindparam(node_key(variable), key, type_=id_col.type)
        found = origin.listing.build(self.scope, None).where(id_col == bound).limit(1).subquery()
        return (
            select(self.object_json(origin, gql_type, found, nodes))
            .select_from(found)
            .scalar_subquery()
        )

    def programme(self, code: str, nodes: Sequence[FieldNode]) -> ColumnElement[Any]:
        from db import network as db_network

        from ..schema.network import Programme

        gql_type = self.gql.get_type("Programme")
        assert isinstance(gql_type, GraphQLObjectType)
        listing = db_network.PROGRAMMES
        stmt = listing.build(self.scope, db_network.ProgrammeFilter(codes=(code,)))
        found = stmt.order_by(listing.id_col).limit(1).subquery()
        inner = select(self.object_json(Programme, gql_type, found, nodes)).select_from(found)
        return inner.scalar_subquery()


def _when(condition: ColumnElement[bool], value: ColumnElement[Any]) -> ColumnElement[Any]:
    """`value` where `condition` holds, else null; a constant condition needs no CASE."""
    if isinstance(condition, True_):
        return value
    if isinstance(condition, False_):
        return null()
    return case((condition, value), else_=null())


def _type_name(cls: Any) -> str:
    return str(cls.__strawberry_definition__.name)


def _python_type(field: StrawberryField) -> Any:
    from strawberry.types.base import StrawberryOptional

    found: Any = field.type
    while isinstance(found, StrawberryOptional):
        found = found.of_type
    return found


def node_key(variable: str) -> str:
    """The bound parameter that takes the key of the node the variable `variable` names."""
    return f"node_key_{variable}"


def node_variables(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> frozenset[str]:
    """The variables whose only use (fragments included) is the `id` of a root `node` field:
    the statement differs between their values by one key (a bound parameter) and the type."""
    uses: dict[str, int] = {}

    class Count(Visitor):
        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            uses[node.name.value] = uses.get(node.name.value, 0) + 1

    for selections in (operation.selection_set, *(f.selection_set for f in fragments.values())):
        visit(selections, Count())
    found = set()
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.name.value != "node":
            continue
        for argument in selection.arguments or ():
            value = argument.value
            if argument.name.value == "id" and isinstance(value, VariableNode):
                found.add(value.name.value)
    return frozenset(name for name in found if uses.get(name) == 1)


def plan_operation(
    schema: strawberry.Schema,
    operation: Any,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Any,
    scope: Scope,
    settings: Settings,
    node_keys: frozenset[str] = frozenset(),
) -> list[RootPlan]:
    """One statement per root field, or Unplannable. The keys of `node_keys` (see
    `node_variables`) are bound parameters named by `node_key`."""
    planner = Planner(schema, fragments, variables, scope, settings, node_keys)
    query = schema._schema.query_type
    assert query is not None
    plans = []
    for key, nodes in planner.collect(operation.selection_set, query).items():
        if len(nodes) > 1:
            raise Unplannable("a root field selected twice under one key")
        value = planner.root(nodes[0])
        plans.append(RootPlan(key, select(cast(func.to_json(value), Text))))
    return plans


__all__ = ["RootPlan", "Unplannable", "node_key", "node_variables", "plan_operation"]
