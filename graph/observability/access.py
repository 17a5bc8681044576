"""One access-log line and the metrics of each request, from what the GraphQL layer saw.

`Observe` (a schema extension, outermost) notes each operation's name, type, duration and
error codes on the request; `AccessLog` (the outermost ASGI middleware) writes the line and
counts the request once the response has gone.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSyntaxError, OperationDefinitionNode
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from .logging import get_logger
from .metrics import Metrics

access_log = get_logger("edm_graph.access")

ANONYMOUS = "anonymous"
"""An operation without a name."""
UNPARSED = "unparsed"
"""A request whose document did not parse, or whose operationName is not in it."""
_MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    type: str
    duration: float
    errors: tuple[str, ...]


def error_code(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if isinstance(error.original_error, GraphQLSyntaxError) or error.message.startswith(
        "Syntax Error"
    ):
        return "GRAPHQL_PARSE_FAILED"
    if error.path is None:
        # Validation and variable coercion: the request, not a field, is wrong.
        return "GRAPHQL_VALIDATION_FAILED"
    return "FIELD_ERROR"


def operation_name(document: DocumentNode | None, asked: str | None) -> str:
    """The operation's name as the access log and the metrics show it."""
    if document is None:
        return UNPARSED
    names = [
        d.name.value if d.name else None
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]
    if asked is not None:
        return asked[:_MAX_NAME] if asked in names else UNPARSED
    if len(names) != 1:
        return UNPARSED
    return (names[0] or ANONYMOUS)[:_MAX_NAME]


def note(request: Any, operation: Operation) -> None:
    """Adds an operation to those of its request (`operations` on the request's state)."""
    operations: list[Operation] = request.scope.setdefault("state", {}).setdefault("operations", [])
    operations.append(operation)


class Observe(SchemaExtension):
    """Notes each operation on its request's state (`operations`) for the access log."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        duration = time.perf_counter() - started
        context = self.execution_context
        request = getattr(context.context, "request", None)
        if request is None:
            return
        result = context.result
        errors = tuple(error_code(e) for e in (result.errors or [])) if result else ()
        name = operation_name(context.graphql_document, context.operation_name)
        note(request, Operation(name, self._type(), duration, errors))

    def _type(self) -> str:
        try:
            return self.execution_context.operation_type.value
        except Exception:  # no document or no such operation: already an error
            return "unknown"


class AccessLog:
    """Writes one line per HTTP request (id, method, path, operations, viewer, status,
    duration) and counts it in the metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: the app failed before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, duration: float) -> None:
        state: dict[str, Any] = scope.get("state", {})
        operations: list[Operation] = state.get("operations", [])
        path: str = scope["path"]
        self.metrics.observe_http(path, scope["method"], status, duration, operations)
        if path == "/metrics":
            return  # scraped every few seconds: the metrics say enough
        viewer = state.get("viewer")
        fields: dict[str, Any] = {
            "request_id": state.get("request_id"),
            "method": scope["method"],
            "path": path,
            "status": status,
            "duration_ms": round(duration * 1000, 2),
            "viewer": getattr(viewer, "subject", None),
        }
        if operations:
            fields["operation"] = ",".join(o.name for o in operations)
            fields["operation_type"] = ",".join(o.type for o in operations)
            errors = sorted({code for o in operations for code in o.errors})
            if errors:
                fields["errors"] = errors
        client = scope.get("client")
        if client:
            fields["client"] = client[0]
        level = "error" if status >= 500 else "info"
        getattr(access_log, level)("request", **fields)
