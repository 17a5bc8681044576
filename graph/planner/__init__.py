"""Reads at PostgreSQL speed: a query whose every field the planner knows is answered by one
SQL statement per root field that builds the JSON; the server passes those bytes on
(orjson.Fragment) without completing a field in Python. Anything else, every mutation, and
any planning doubt take the resolver path, which gives the same answer."""

import inspect
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from graphql import ExecutionResult, FragmentDefinitionNode, GraphQLError, execute
from graphql.execution.values import get_variable_values
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from .. import faults
from .plan import RootPlan, Unplannable, plan_operation

log = logging.getLogger("edm_graph.planner")

# Set while a test's check runs the resolver path, so statement counts leave it out.
CHECKING: ContextVar[bool] = ContextVar("planner_checking", default=False)


@dataclass(frozen=True, slots=True)
class Compiled:
    """A root field's statement as the driver runs it: SQL text and positional parameters."""

    key: str
    sql: str
    parameters: tuple[Any, ...]


# Dashboards send the same documents again and again: a plan compiled once is reused for the
# same document, variables, viewer scope and day (days past due and rates read "today").
_PLAN_CACHE_SIZE = 1024
_plans: OrderedDict[tuple[Any, ...], list[Compiled] | None] = OrderedDict()


def _compile(plans: list[RootPlan], dialect: Any) -> list[Compiled]:
    found = []
    for plan in plans:
        compiled = plan.statement.compile(
            dialect=dialect, compile_kwargs={"render_postcompile": True}
        )
        values = compiled.params
        parameters = tuple(values[name] for name in compiled.positiontup or ())
        found.append(Compiled(plan.key, str(compiled), parameters))
    return found


class PlannedReads(SchemaExtension):
    """Last of the extensions: limits, authentication and validation have run."""

    def compiled(self) -> list[Compiled] | None:
        ctx = self.execution_context
        context: Any = ctx.context
        if ctx.result is not None or ctx.graphql_document is None or ctx.pre_execution_errors:
            return None
        if ctx.query is None:  # a document known only by its hash: plan it each time
            plans = self.plans()
            return _compile(plans, context.db.engine.dialect) if plans else None
        key = (
            ctx.query,
            ctx.operation_name,
            orjson.dumps(ctx.variables or {}, option=orjson.OPT_SORT_KEYS),
            context.viewer.scope,
            date.today(),
        )
        if key in _plans:
            _plans.move_to_end(key)
            return _plans[key]
        plans = self.plans()
        found = _compile(plans, context.db.engine.dialect) if plans else None
        _plans[key] = found
        if len(_plans) > _PLAN_CACHE_SIZE:
            _plans.popitem(last=False)
        return found

    def plans(self) -> list[RootPlan] | None:
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
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        context: Any = ctx.context
        try:
            return plan_operation(
                ctx.schema, operation, fragments, variables, context.viewer.scope, context.settings
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
            data: dict[str, Any] | None = {}
            try:
                async with context.db.read() as session:
                    connection = await session.connection()
                    for plan in plans:
                        result = await connection.exec_driver_sql(plan.sql, plan.parameters)
                        text = result.scalar()
                        data[plan.key] = orjson.Fragment(text if text is not None else "null")  # type: ignore[index]
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
                if context.settings.planner_check:
                    await self.compare(data)
                self.execution_context.result = ExecutionResult(data=data, errors=None)
        yield

    async def compare(self, planned: dict[str, Any]) -> None:
        """Tests: run the resolver path too and keep every difference on the app's state."""
        ctx = self.execution_context
        context: Any = ctx.context
        token = CHECKING.set(True)
        try:
            context.refresh_loaders()
            resolved = execute(
                ctx.schema._schema,
                ctx.graphql_document,  # type: ignore[arg-type]
                variable_values=ctx.variables,
                operation_name=ctx.operation_name,
                context_value=context,
            )
            if inspect.isawaitable(resolved):
                resolved = await resolved
        finally:
            CHECKING.reset(token)
        context.request.app.state.planner_checked += 1
        expected = orjson.loads(
            orjson.dumps({"data": resolved.data, "errors": bool(resolved.errors)})
        )
        got = orjson.loads(orjson.dumps({"data": planned, "errors": False}))
        if expected != got:
            differences = context.request.app.state.planner_differences
            differences.append(
                {
                    "query": ctx.query,
                    "variables": ctx.variables,
                    "planned": got,
                    "resolved": expected,
                }
            )


__all__ = ["PlannedReads"]
