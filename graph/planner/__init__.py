"""Reads at PostgreSQL speed: a query whose every field the planner knows is answered by one
SQL statement per root field that builds the JSON; the server passes those bytes on
(orjson.Fragment) without completing a field in Python. Anything else, every mutation, and
any planning doubt take the resolver path, which gives the same answer."""

import inspect
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    execute,
)
from graphql.execution.values import get_variable_values
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.relay import GlobalID
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_first_operation

from .. import faults
from ..schema.relay import parse_node_id
from .plan import RootPlan, Unplannable, node_key, node_variables, plan_operation

log = logging.getLogger("edm_graph.planner")

# Set while a test's check runs the resolver path, so statement counts leave it out.
CHECKING: ContextVar[bool] = ContextVar("planner_checking", default=False)


@dataclass(frozen=True, slots=True)
class Compiled:
    """A root field's statement as the driver runs it: SQL text and positional parameters,
    of which those at `slots` take the key of the node a variable names."""

    key: str
    sql: str
    parameters: tuple[Any, ...]
    slots: tuple[tuple[int, str], ...] = ()

    def bind(self, keys: Mapping[str, Any]) -> tuple[Any, ...]:
        if not self.slots:
            return self.parameters
        parameters = list(self.parameters)
        for position, variable in self.slots:
            parameters[position] = keys[variable]
        return tuple(parameters)


# Clients send the same documents again and again: a plan compiled once is reused for the
# same document, variables, viewer scope and day (days past due and rates read "today").
# A variable that only names the root node (`node(id: $id)`) is a bound parameter of the
# plan, so a lookup is planned once per type, not once per id.
_PLAN_CACHE_SIZE = 1024
_plans: OrderedDict[tuple[Any, ...], list[Compiled] | None] = OrderedDict()
_node_variables: OrderedDict[tuple[str, str | None], frozenset[str]] = OrderedDict()


def _remember(cache: "OrderedDict[Any, Any]", key: Any, value: Any) -> None:
    cache[key] = value
    if len(cache) > _PLAN_CACHE_SIZE:
        cache.popitem(last=False)


def _compile(
    plans: list[RootPlan], dialect: Any, node_keys: frozenset[str] = frozenset()
) -> list[Compiled]:
    found = []
    slot_of = {node_key(name): name for name in node_keys}
    for plan in plans:
        compiled = plan.statement.compile(
            dialect=dialect, compile_kwargs={"render_postcompile": True}
        )
        values = compiled.params
        names = compiled.positiontup or ()
        parameters = tuple(values[name] for name in names)
        slots = tuple((i, slot_of[name]) for i, name in enumerate(names) if name in slot_of)
        found.append(Compiled(plan.key, str(compiled), parameters, slots))
    return found


def _node_keys(names: frozenset[str], variables: Mapping[str, Any]) -> dict[str, tuple[str, Any]]:
    """Each of `names` whose value is a well-formed global ID: its type and key."""
    found = {}
    for name in names:
        raw = variables.get(name)
        if not isinstance(raw, str):
            continue
        try:
            gid = GlobalID.from_id(raw)
        except Exception:  # not a global ID: planned (and refused) with the value itself
            continue
        key = parse_node_id(gid.node_id)
        if key is not None:
            found[name] = (gid.type_name, key)
    return found


def _plan_key(
    query: str,
    operation_name: str | None,
    names: frozenset[str],
    variables: Mapping[str, Any],
    scope: Any,
) -> tuple[tuple[Any, ...], dict[str, tuple[str, Any]]]:
    """The plan cache's key, and the type and key of each node a variable names."""
    nodes = _node_keys(names, variables) if names else {}
    key = (
        query,
        operation_name,
        orjson.dumps(
            {k: v for k, v in variables.items() if k not in nodes}, option=orjson.OPT_SORT_KEYS
        ),
        tuple(sorted((name, type_name) for name, (type_name, _) in nodes.items())),
        scope,
        date.today(),
    )
    return key, nodes


async def _run(plans: list[Compiled], keys: Mapping[str, Any], db: Any) -> dict[str, Any]:
    """The planned statements' JSON, by root field."""
    data: dict[str, Any] = {}
    # One statement a root field, each its own snapshot as in a read-committed transaction:
    # autocommit spares the BEGIN and ROLLBACK round trips.
    async with db.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        for plan in plans:
            result = await connection.exec_driver_sql(plan.sql, plan.bind(keys))
            text = result.scalar()
            data[plan.key] = orjson.Fragment(text if text is not None else "null")
    return data


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


class PlannedReads(SchemaExtension):
    """Last of the extensions: limits, authentication and validation have run."""

    keys: dict[str, Any]  # the keys of the nodes the operation's variables name

    def compiled(self) -> list[Compiled] | None:
        ctx = self.execution_context
        context: Any = ctx.context
        if ctx.result is not None or ctx.graphql_document is None or ctx.pre_execution_errors:
            return None
        self.keys = {}
        variables = ctx.variables or {}
        if ctx.query is None:  # a document known only by its hash: plan it each time
            plans = self.plans(frozenset())
            return _compile(plans, context.db.engine.dialect) if plans else None
        document_key = (ctx.query, ctx.operation_name)
        names = _node_variables.get(document_key)
        if names is None:
            names = self.node_variables()
            _remember(_node_variables, document_key, names)
        key, nodes = _plan_key(
            ctx.query, ctx.operation_name, names, variables, context.viewer.scope
        )
        self.keys = {name: key for name, (_, key) in nodes.items()}
        if key in _plans:
            _plans.move_to_end(key)
            return _plans[key]
        plans = self.plans(frozenset(nodes))
        found = _compile(plans, context.db.engine.dialect, frozenset(nodes)) if plans else None
        _remember(_plans, key, found)
        return found

    def node_variables(self) -> frozenset[str]:
        ctx = self.execution_context
        document = ctx.graphql_document
        operation = get_operation_ast(document, ctx.operation_name) if document else None
        if document is None or operation is None:
            return frozenset()
        return node_variables(operation, _fragments(document))

    def plans(self, node_keys: frozenset[str]) -> list[RootPlan] | None:
        ctx = self.execution_context
        document = ctx.graphql_document
        if ctx.result is not None or document is None or ctx.pre_execution_errors:
            return None
        if ctx.operation_type is not OperationType.QUERY:
            return None
        operation = get_operation_ast(document, ctx.operation_name)
        if operation is None:
            return None
        variables = get_variable_values(
            ctx.schema._schema, operation.variable_definitions or (), ctx.variables or {}
        )
        if isinstance(variables, list):  # coercion errors: the resolver path reports them
            return None
        context: Any = ctx.context
        try:
            return plan_operation(
                ctx.schema,
                operation,
                _fragments(document),
                variables,
                context.viewer.scope,
                context.settings,
                node_keys,
            )
        except (Unplannable, GraphQLError) as reason:
            log.debug("resolver path for %s: %s", ctx.operation_name or "an operation", reason)
            return None
        except Exception:  # a planner bug must never cost the client its answer
            log.exception("planner failed; the resolver path answers")
            return None

    async def on_execute(self) -> AsyncIterator[None]:
        plans = self.compiled()
        if plans:
            context: Any = self.execution_context.context
            data: dict[str, Any] | None
            try:
                # The database already failed this request in `answer_known`: not twice.
                fault = getattr(context.request.state, "planned_fault", None)
                if fault is not None:
                    context.request.state.planned_fault = None
                    raise fault
                data = await _run(plans, self.keys, context.db)
            except Exception as error:
                if faults.is_fault(error):
                    # Masked as a resolver's error is (graph/api.py): a 503, never the text.
                    failed = GraphQLError(str(error), original_error=error)
                    self.execution_context.result = ExecutionResult(data=None, errors=[failed])
                    yield
                    return
                # Anything else is the planner's own fault: the resolver path answers.
                log.debug("planned statement failed; the resolver path answers", exc_info=True)
                data = None
            if data is not None:
                ctx = self.execution_context
                if context.settings.planner_check and ctx.graphql_document is not None:
                    await compare(
                        ctx.schema,
                        ctx.graphql_document,
                        ctx.query,
                        ctx.operation_name,
                        ctx.variables,
                        context,
                        data,
                    )
                ctx.result = ExecutionResult(data=data, errors=None)
                self.accept()
        yield

    def accept(self) -> None:
        """Notes a document answered here whose limits cannot depend on its variables' values
        (it has none, or only node ids, whose type is in the plan's key): `answer_known` may
        answer it again without the extensions."""
        ctx = self.execution_context
        document, query = ctx.graphql_document, ctx.query
        if (
            query is None
            or document is None
            or "persistedQuery" in (ctx.operation_extensions or {})
        ):
            return
        operation = get_operation_ast(document, ctx.operation_name)
        defined = (
            {d.variable.name.value for d in (operation.variable_definitions or ())}
            if operation
            else set()
        )
        if operation is None or not defined <= set(self.keys):
            return
        variables = ctx.variables or {}
        known = _accepted.setdefault(ctx.schema, OrderedDict())
        found = known.get(query)
        longest = {name: len(variables[name]) for name in defined}
        if found is not None and found.document is document:
            longest = {name: max(n, found.longest.get(name, 0)) for name, n in longest.items()}
        _remember(known, query, Accepted(document, ctx.operation_name, longest))


@dataclass(frozen=True, slots=True)
class Accepted:
    """A document the whole pipeline accepted and the planner answered: for each variable (a
    node id), the longest value accepted, since input limits bound a string's length."""

    document: DocumentNode
    operation_name: str | None  # as strawberry names it: given, or the first operation's
    longest: Mapping[str, int]


_accepted: "WeakKeyDictionary[Any, OrderedDict[str, Accepted]]" = WeakKeyDictionary()


async def answer_known(
    schema: Any,
    context: Any,
    query: str | None,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    extensions: Mapping[str, Any] | None,
) -> tuple[Accepted, dict[str, Any]] | None:
    """The data of a request for a document `PlannedReads.accept` noted, whose plan for these
    variables is compiled: parsing, validation and limits gave it through already and cannot
    answer otherwise now. None: the whole pipeline must run (and answers the same)."""
    if query is None or (extensions and "persistedQuery" in extensions):
        return None
    known = _accepted.get(schema)
    found = known.get(query) if known is not None else None
    if found is None:
        return None
    if operation_name is None:
        first = get_first_operation(found.document)
        operation_name = first.name.value if first is not None and first.name else None
    names = _node_variables.get((query, operation_name))
    if found.operation_name != operation_name or names is None:
        return None
    given = variables or {}
    if set(given) != set(found.longest):
        return None
    for name, longest in found.longest.items():
        value = given[name]
        if not isinstance(value, str) or len(value) > longest:
            return None
    key, nodes = _plan_key(query, operation_name, names, given, context.viewer.scope)
    if len(nodes) != len(given):
        return None
    plans = _plans.get(key)
    if not plans:
        return None
    keys = {name: node_key for name, (_, node_key) in nodes.items()}
    try:
        data = await _run(plans, keys, context.db)
    except Exception as error:  # the whole pipeline answers, or reports the fault as always
        if faults.is_fault(error):
            context.request.state.planned_fault = error
        log.debug("known document failed; the whole pipeline answers", exc_info=True)
        return None
    if context.settings.planner_check:
        await compare(schema, found.document, query, operation_name, dict(given), context, data)
    return found, data


async def compare(
    schema: Any,
    document: DocumentNode,
    query: str | None,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    context: Any,
    planned: dict[str, Any],
) -> None:
    """Tests: run the resolver path too and keep every difference on the app's state."""
    token = CHECKING.set(True)
    try:
        context.refresh_loaders()
        resolved = execute(
            schema._schema,
            document,
            variable_values=variables,
            operation_name=operation_name,
            context_value=context,
        )
        if inspect.isawaitable(resolved):
            resolved = await resolved
    finally:
        CHECKING.reset(token)
    context.request.app.state.planner_checked += 1
    expected = orjson.loads(orjson.dumps({"data": resolved.data, "errors": bool(resolved.errors)}))
    got = orjson.loads(orjson.dumps({"data": planned, "errors": False}))
    if expected != got:
        differences = context.request.app.state.planner_differences
        differences.append(
            {"query": query, "variables": variables, "planned": got, "resolved": expected}
        )


__all__ = ["PlannedReads", "answer_known"]
