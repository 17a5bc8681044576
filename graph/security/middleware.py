"""ASGI middleware: request ids, body size, authentication and the per-credential rate limit.

Plain ASGI (not BaseHTTPMiddleware) so each costs one function call per request.
"""

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

import orjson
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from db.engine import Database, database_unavailable

from ..auth import ANONYMOUS, NOBODY, AuthError, TokenVerifier, viewer_for
from ..context import Viewer
from .ratelimit import RateLimiter, retry_after

log = logging.getLogger("edm_graph")

REQUEST_ID_HEADER = "x-request-id"
_request_id: ContextVar[str] = ContextVar("request_id", default="-")
# A caller's id is kept (to follow a request through a proxy) only if it is plainly an id.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def current_request_id() -> str:
    return _request_id.get()


async def send_error(
    send: Send,
    status: int,
    message: str,
    code: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> None:
    """A GraphQL-shaped JSON error response, for refusals before GraphQL runs."""
    body = orjson.dumps(
        {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    )
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.encode(), v.encode()) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class RequestId:
    """Gives each request an id (response header `X-Request-ID`, logs, masked errors), and
    turns an exception that escapes the app into a generic 500 carrying that id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = given if _WELL_FORMED_ID.fullmatch(given) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unexpected error (request %s) on %s", request_id, scope["path"])
            if started:
                raise
            await send_error(
                send_with_id,
                500,
                f"Internal error (request id {request_id})",
                "INTERNAL_ERROR",
                requestId=request_id,
            )
        finally:
            _request_id.reset(token)


class BodyTooLarge(Exception):
    pass


class LimitBody:
    """Refuses a request body larger than `max_bytes` with 413, by Content-Length or as read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        await send_error(
            send,
            413,
            f"The request body exceeds the limit of {self.max_bytes} bytes (max_body_bytes).",
            "REQUEST_TOO_LARGE",
            limit="max_body_bytes",
            max=self.max_bytes,
        )


GRAPHQL_PARAMS = frozenset({"query", "variables", "operationName", "extensions"})


def is_ide_page(scope: Scope, headers: Headers) -> bool:
    """A browser asking for the GraphiQL page: a GET for HTML with no parameter at all, the
    query string decoded as the framework decodes it (`%71uery` is `query`). It runs nothing."""
    if scope["method"] != "GET" or "text/html" not in headers.get("accept", ""):
        return False
    return len(QueryParams(scope.get("query_string", b""))) == 0


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "?"


class Authenticate:
    """Sets the request's viewer from its Bearer token, then spends its rate-limit budget.

    No token: in production 401 (except `public_paths` and the GraphiQL page); in development
    the read-only demo viewer. Failed authentications are throttled per client address, and
    the check comes before anything reads the body, so no document is parsed without a
    credential.
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier: TokenVerifier,
        *,
        production: bool,
        public_paths: frozenset[str],
        ide_enabled: bool,
        limiter: RateLimiter | None,
        failures: RateLimiter | None = None,
        max_token_bytes: int = 8_192,
        retry_after: int = 5,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.production = production
        self.public_paths = public_paths
        self.ide_enabled = ide_enabled
        self.limiter = limiter
        self.failures = failures
        self.max_token_bytes = max_token_bytes
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.public_paths:
            await self.app(scope, receive, send)
            return
        viewer = await self._viewer(scope, send)
        if viewer is not None:
            scope.setdefault("state", {})["viewer"] = viewer
            await self.app(scope, receive, send)

    async def _viewer(self, scope: Scope, send: Send) -> Viewer | None:
        """The request's viewer, or None once a refusal has been sent."""
        headers = Headers(scope=scope)
        address = client_address(scope)
        if self.failures is not None:
            wait = self.failures.waiting(address)
            if wait:
                await self._too_many_failures(send, wait)
                return None
        given = headers.getlist("authorization")
        if not given:
            if self.production and not (self.ide_enabled and is_ide_page(scope, headers)):
                await self._unauthorized(send, address, "no token", "a Bearer token is required")
                return None
            if await self._over_limit(scope, send, f"anonymous@{address}"):
                return None
            return NOBODY if self.production else ANONYMOUS
        scheme, _, token = given[0].partition(" ")
        token = token.strip()
        if len(given) > 1 or scheme.lower() != "bearer" or not token:
            await self._unauthorized(
                send, address, "not one Bearer token", "use `Authorization: Bearer <token>`"
            )
            return None
        if len(token) > self.max_token_bytes:
            await self._unauthorized(send, address, f"a token of {len(token)} bytes")
            return None
        try:
            claims = self.verifier.verify(token)
        except AuthError as error:
            await self._unauthorized(send, address, str(error))
            return None
        # The budget is spent before any database work for this credential.
        if await self._over_limit(scope, send, f"{claims.role.value}:{claims.subject}"):
            return None
        db: Database = scope["app"].state.db
        try:
            return await viewer_for(claims, db)
        except AuthError as error:
            await self._unauthorized(send, address, f"{claims.subject}: {error}")
            return None
        except Exception as error:
            if not database_unavailable(error):
                raise
            # The same answer as a GraphQL request that finds the database down.
            log.warning("database unavailable while looking up %s: %r", claims.subject, error)
            await send_error(
                send,
                503,
                "The database is unavailable or overloaded right now; nothing was changed. "
                f"Retry in {self.retry_after} s (Retry-After).",
                "DATABASE_UNAVAILABLE",
                headers={"retry-after": str(self.retry_after)},
                retryAfter=self.retry_after,
            )
            return None

    async def _over_limit(self, scope: Scope, send: Send, bucket: str) -> bool:
        if self.limiter is None:
            return False
        # The view spends the rest of a batch's operations from the same bucket.
        scope.setdefault("state", {})["rate_limit"] = (self.limiter, bucket)
        wait = self.limiter.take(bucket)
        if not wait:
            return False
        await send_rate_limited(send, self.limiter, wait)
        return True

    async def _too_many_failures(self, send: Send, wait: float) -> None:
        assert self.failures is not None
        await send_error(
            send,
            429,
            "Too many failed authentications from this address: the limit is "
            f"{round(self.failures.rate * 60)} per minute with bursts of "
            f"{int(self.failures.burst)} (auth_failures_per_minute, auth_failures_burst). "
            "Retry after the number of seconds in Retry-After.",
            "RATE_LIMITED",
            headers={"retry-after": retry_after(wait)},
            limit="auth_failures_per_minute",
        )

    async def _unauthorized(
        self, send: Send, address: str, detail: str, reason: str = "invalid token"
    ) -> None:
        # The reason stays in the log: a client learns neither the configured issuer and
        # audience nor whether an email or a programme code exists.
        log.info(
            "authentication refused (request %s) from %s: %s",
            current_request_id(),
            address,
            detail.replace("\n", "\\n"),
        )
        if self.failures is not None:
            self.failures.take(address)
        await send_error(
            send,
            401,
            f"Not authenticated: {reason}.",
            "UNAUTHENTICATED",
            headers={"www-authenticate": 'Bearer realm="edm-graph", error="invalid_token"'},
        )


async def send_rate_limited(send: Send, limiter: RateLimiter, wait: float) -> None:
    await send_error(
        send,
        429,
        rate_limited_message(limiter),
        "RATE_LIMITED",
        headers={"retry-after": retry_after(wait)},
        limit="rate_limit_per_minute",
    )


def rate_limited_message(limiter: RateLimiter) -> str:
    return (
        f"Too many operations for this credential: the limit is {round(limiter.rate * 60)} per "
        f"minute with bursts of {int(limiter.burst)} (rate_limit_per_minute, rate_limit_burst); "
        "a batch counts each of its operations. Retry after the number of seconds in Retry-After."
    )
