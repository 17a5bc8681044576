"""The ASGI app: routes, middleware, the engine's lifecycle, and the GraphQL view."""

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any, cast

import orjson
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from db.engine import Database, Timeouts, create_engine
from db.replication import keep_beating

from . import faults, ide, media, observability
from .api import build_schema
from .auth import TokenVerifier
from .context import Context, Viewer
from .observability import access, tracing
from .observability import metrics as observability_metrics
from .planner import answer_known
from .security.http import EdgeHeaders, GuardedView, http_error
from .security.middleware import REQUEST_ID_HEADER, Authenticate, LimitBody, RequestId
from .security.ratelimit import RateLimiter
from .settings import Settings

log = logging.getLogger("edm_graph")

# /metrics checks its own token (EDM_METRICS_TOKEN); GraphiQL's files are public like its page.
PUBLIC_PATHS = frozenset({"/health", "/ready", "/metrics", *ide.asset_paths()})

ANONYMOUS_WARNING = """
************************************************************************************
*  DEVELOPMENT MODE: requests without a token act as a READ-ONLY demo viewer       *
*  that reads the WHOLE network. Never expose this server to anyone                *
*  who should not. In production set EDM_MODE=production and a token key.         *
************************************************************************************"""


class GraphQLView(GuardedView, GraphQL[Context, None]):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            allow_queries_via_get=True,
        )
        self.settings = settings
        self.max_batch_operations = settings.max_batch_operations
        # With tracing on, every operation goes through the extensions that make its spans.
        self.answers_known = settings.planner and not tracing.enabled(settings)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        assert isinstance(request, Request)
        db: Database = request.app.state.db
        # Set by the Authenticate middleware for every request that reaches this view.
        viewer: Viewer = request.state.viewer
        request.state.sub_response = response  # for a 503 when the database is down
        return Context(
            request=request,
            settings=self.settings,
            db=db,
            viewer=viewer,
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(ide.offline_page())

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        media.mark_request_error(request.scope, result, processed)  # type: ignore[arg-type]
        # The database is down and nothing was written: one 503 for every role, as the
        # middleware answers for a viewer it could not look up.
        unavailable = faults.unavailable_response(
            cast(list[dict[str, Any]], processed.get("errors") or [])
        )
        if unavailable is None or faults.committed(request):
            return processed
        response = request.state.sub_response
        response.status_code = 503
        response.headers["retry-after"] = str(self.settings.retry_after)
        return unavailable  # type: ignore[return-value]

    async def execute_operation(
        self, request: Request, request_adapter: Any, request_data: Any, *args: Any, **kwargs: Any
    ) -> Any:
        # A document the whole pipeline accepted before, whose plan is compiled, is answered
        # without strawberry's execution and extensions (the cost of a lookup was mostly
        # theirs); the access log and metrics see it as any other operation.
        single = isinstance(request_data, GraphQLRequestData) and request_data.protocol == "http"
        if self.answers_known and single:
            started = time.perf_counter()
            context = kwargs.get("context")
            known = await answer_known(
                self.schema,
                context,
                request_data.query,
                request_data.operation_name,
                request_data.variables,
                request_data.extensions,
            )
            if known is not None:
                accepted, data = known
                name = access.operation_name(accepted.document, accepted.operation_name)
                duration = time.perf_counter() - started
                access.note(request, access.Operation(name, "query", duration, ()))
                return ExecutionResult(data=data, errors=None)
        return await super().execute_operation(
            request, request_adapter, request_data, *args, **kwargs
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _probe(db: Database) -> None:
    async with db.read() as session:
        await session.execute(text("SELECT 1"))


def _drain(task: "asyncio.Task[None]") -> None:
    if not task.cancelled():
        task.exception()  # a late failure is expected here, not "never retrieved"


async def ready(request: Request) -> Response:
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    # Bounded: a frozen database makes /ready say so within the connect timeout, even while
    # the probe's connection is still being torn down.
    probe = asyncio.create_task(_probe(db))
    probe.add_done_callback(_drain)
    done, _ = await asyncio.wait({probe}, timeout=settings.db_connect_timeout + 1)
    if probe not in done:
        probe.cancel()
    elif probe.exception() is None:
        return JSONResponse({"status": "ok", "database": "reachable"})
    return JSONResponse(
        {"status": "unavailable", "database": "unreachable"},
        status_code=503,
        headers={"retry-after": str(settings.retry_after)},
    )


def middleware(settings: Settings, verifier: TokenVerifier) -> list[Middleware]:
    """Outermost first: an id for every request, header sizes and cache headers, CORS
    (preflights need no token), the body limit, then who is asking and how often."""
    limiter = (
        RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        if settings.rate_limit_per_minute
        else None
    )
    failures = (
        RateLimiter(settings.auth_failures_per_minute, settings.auth_failures_burst)
        if settings.auth_failures_per_minute
        else None
    )
    return [
        Middleware(RequestId),
        Middleware(EdgeHeaders, max_bytes=settings.max_header_bytes, public_paths=PUBLIC_PATHS),
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER, "retry-after"],
            max_age=600,
        ),
        Middleware(LimitBody, max_bytes=settings.max_body_bytes),
        Middleware(
            Authenticate,
            verifier=verifier,
            production=settings.production,
            public_paths=PUBLIC_PATHS,
            ide_enabled=settings.graphiql_enabled,
            limiter=limiter,
            failures=failures,
            max_token_bytes=settings.max_token_bytes,
            retry_after=settings.retry_after,
        ),
    ]


# Young objects collected every 10,000 allocations net instead of 700. Measured on the demo
# database, one process, concurrency 16, 2 rounds of 6-8 s per setting (bench/README.md,
# 2026-12-01): planned reads allocate little and did not move (lookup 2.2-2.5 ms CPU per
# request under any setting); the resolver path did: 50 groups -> members -> loans 386 ms ->
# 301 ms CPU per request, the dashboard 36.9 -> 29.1 ms, peak RSS 220 -> 235 MB (50,000: 319 ms,
# 29.4 ms, 214 MB; no freeze, default thresholds: dashboard 33.6 ms). Within the 300 MB a worker.
GC_YOUNG_THRESHOLD = 10_000


def tune_garbage_collector() -> None:
    """Keep start-up's long-lived objects (schema, modules) out of the cyclic collector's
    sight, so each collection during a big list scans less (ARCHITECTURE.md), and collect
    the young generation less often (the numbers above)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def create_app(settings: Settings) -> Starlette:
    """The app; refuses to start without a usable token key in production (ConfigurationError)."""
    if settings.database_url is None:
        raise ValueError("create_app needs a database URL (the CLI starts an embedded one)")
    url = settings.database_url
    verifier = TokenVerifier(settings)
    graphql = GraphQLView(settings)
    observability.silence_duplicates()
    metrics = observability.Metrics(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not settings.production:
            log.warning(ANONYMOUS_WARNING)
        timeouts = Timeouts(
            connect=settings.db_connect_timeout,
            checkout=settings.db_pool_timeout,
            statement=settings.statement_timeout,
        )
        app.state.settings = settings
        app.state.db = Database(create_engine(url, pool_size=settings.pool_size, timeouts=timeouts))
        app.state.planner_differences = []
        app.state.planner_checked = 0
        metrics.watch(app.state.db.engine)
        tune_garbage_collector()
        # A programme published from here tells head office how fresh its copy is.
        beating = asyncio.create_task(keep_beating(url, settings.heartbeat_seconds))
        try:
            with observability.metrics_port(settings, metrics):
                yield
        finally:
            beating.cancel()
            with suppress(asyncio.CancelledError):
                await beating
            await app.state.db.dispose()

    return Starlette(
        routes=[
            Route("/graphql", media.NegotiateMediaType(graphql)),  # other methods: 405 as JSON
            Route("/health", health),
            Route("/ready", ready),
            Route("/metrics", observability_metrics.endpoint(metrics, settings)),
            Mount(ide.ASSETS_PATH, ide.assets()),
        ],
        middleware=[
            *observability.middleware(settings, metrics),
            *middleware(settings, verifier),
        ],
        exception_handlers={StarletteHTTPException: http_error},
        lifespan=lifespan,
    )


def from_environment() -> Starlette:
    """The app of one `edm-graph serve --workers N` process: settings from the environment."""
    from .observability.logging import configure

    settings = Settings()
    configure(settings)
    return create_app(settings)
