"""The HTTP edge of /graphql: header sizes, cache headers, and a view that checks the shape of
every request (single or batched) before strawberry sees it and answers refusals as JSON.
"""

from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.parse_content_type import parse_content_type

from ..auth import NOBODY
from ..settings import Settings
from .middleware import rate_limited_message, send_error
from .ratelimit import RateLimiter, retry_after

_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
}


class Refusal(Exception):
    """A request refused before any operation runs: an HTTP status and a GraphQL-shaped body."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _CODES.get(status, "BAD_REQUEST")
        self.headers = dict(headers or {})
        self.extensions = extensions

    def response(self) -> Response:
        body = {
            "errors": [
                {"message": self.message, "extensions": {"code": self.code, **self.extensions}}
            ]
        }
        return Response(
            orjson.dumps(body), self.status, self.headers, media_type="application/json"
        )


async def http_error(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (an unknown path, say) in the same JSON shape, with a code."""
    status = getattr(error, "status_code", 500)
    detail = getattr(error, "detail", "") or "Error"
    return Refusal(status, _sentence(str(detail))).response()


def server_limits(settings: Settings) -> dict[str, Any]:
    """uvicorn options that bound what is read before the app runs: the h11 parser stops at
    `max_header_bytes` of request line and headers (httptools has no such bound)."""
    return {"http": "h11", "h11_max_incomplete_event_size": settings.max_header_bytes}


class EdgeHeaders:
    """Refuses a request whose line and headers exceed `max_bytes` (431), and marks every
    answer outside `public_paths` as personal: no shared cache keeps it, whatever the method."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, public_paths: frozenset[str]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.public_paths = public_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
        size += sum(len(name) + len(value) + 4 for name, value in scope["headers"])
        if size > self.max_bytes:
            await send_error(
                send,
                431,
                f"The request's headers exceed the limit of {self.max_bytes} bytes "
                "(max_header_bytes).",
                "REQUEST_HEADERS_TOO_LARGE",
                limit="max_header_bytes",
                max=self.max_bytes,
            )
            return
        if scope["path"] in self.public_paths:
            await self.app(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *(
                        (k, v)
                        for k, v in message.get("headers", [])
                        if k.lower() != b"cache-control"
                    ),
                    (b"cache-control", b"private, no-store"),
                    (b"vary", b"Authorization"),
                ]
            await send(message)

        await self.app(scope, receive, send_private)


def _operation(item: object, where: str) -> GraphQLRequestData:
    """One operation of the body, its members of the types GraphQL over HTTP says."""
    if not isinstance(item, dict):
        raise Refusal(
            400,
            f"{where} must be a JSON object with `query` (and optionally `variables`, "
            "`operationName`, `extensions`).",
        )
    query, variables = item.get("query"), item.get("variables")
    name, extensions = item.get("operationName"), item.get("extensions")
    if query is not None and not isinstance(query, str):
        raise Refusal(400, f"{where}: `query` must be a string.")
    if variables is not None and not isinstance(variables, dict):
        raise Refusal(400, f"{where}: `variables` must be an object.")
    if name is not None and not isinstance(name, str):
        raise Refusal(400, f"{where}: `operationName` must be a string.")
    if extensions is not None and not isinstance(extensions, dict):
        raise Refusal(400, f"{where}: `extensions` must be an object.")
    return GraphQLRequestData(
        query=query, variables=variables, operation_name=name, extensions=extensions
    )


class GuardedView:
    """Mixed into the strawberry view, before it: refusals are JSON with a code, the body's
    shape is checked for every operation of a batch, a batch spends one rate-limit unit per
    operation, and a request without a credential gets nothing but the GraphiQL page."""

    max_batch_operations: int

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # type: ignore[misc]
            return
        request = Request(scope=scope, receive=receive)
        try:
            if request.state.viewer is NOBODY and not self.should_render_graphql_ide(
                StarletteRequestAdapter(request)
            ):
                raise Refusal(401, "Not authenticated: a Bearer token is required.")
            response: Response = await self.run(request)  # type: ignore[attr-defined]
        except Refusal as refusal:
            response = refusal.response()
        except HTTPException as error:
            response = Refusal(error.status_code, _sentence(error.reason)).response()
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # Stricter than strawberry's: HTML asked for and no parameter at all, so nothing that
        # could carry a document is ever answered with the page (or run without a token).
        return (
            request.method == "GET"
            and "text/html" in request.headers.get("accept", "")
            and len(request.query_params) == 0
        )

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        content_type, _ = parse_content_type(request.content_type or "")
        data: object
        if request.method == "GET":
            data = self.parse_query_params(request.query_params)  # type: ignore[attr-defined]
        elif content_type == "application/json":
            data = self.parse_json(await request.get_body())  # type: ignore[attr-defined]
        else:
            raise Refusal(415, "Send the request as `application/json` (or a GET query string).")
        if not isinstance(data, list):
            return _operation(data, "The request body")
        if self.max_batch_operations == 0:
            raise Refusal(400, "Batching is turned off here (max_batch_operations = 0).")
        if not data or len(data) > self.max_batch_operations:
            raise Refusal(
                400,
                f"A batch holds 1 to {self.max_batch_operations} operations "
                f"(max_batch_operations); this one has {len(data)}.",
                limit="max_batch_operations",
                max=self.max_batch_operations,
                actual=len(data),
            )
        return [_operation(item, f"Operation {i} of the batch") for i, item in enumerate(data)]

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        # The middleware spent one unit for the request; a batch spends the rest here.
        spent: tuple[RateLimiter, str] | None = getattr(request.state, "rate_limit", None)
        if isinstance(request_data, list) and len(request_data) > 1 and spent is not None:
            limiter, bucket = spent
            wait = limiter.take(bucket, len(request_data) - 1)
            if wait:
                raise Refusal(
                    429,
                    rate_limited_message(limiter),
                    headers={"retry-after": retry_after(wait)},
                    limit="rate_limit_per_minute",
                )
        return await super().execute_operation(  # type: ignore[misc]
            request, request_adapter, request_data, *args, **kwargs
        )


def _sentence(reason: str) -> str:
    return reason if reason.endswith(".") else f"{reason}."
