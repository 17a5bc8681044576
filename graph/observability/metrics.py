"""Prometheus metrics (prometheus-client), one registry per app.

Labels stay few: the route is one of the app's paths, the operation name one of the first
`metrics_operation_names` names seen (later ones count as `other`), error codes are the
API's own. README "Operations" lists the series.
"""

import hmac
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool, QueuePool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..settings import Settings

if TYPE_CHECKING:
    from .access import Operation

# The `_created` timestamps double the series and no dashboard here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

ROUTES = frozenset({"/graphql", "/health", "/ready", "/metrics"})
OTHER = "other"
# GraphQL error codes that are a limit refusing a request (graph/security/limits.py and
# friends), counted as refusals beside the rate limit's 429.
LIMIT_CODES = frozenset(
    {
        "QUERY_TOO_COSTLY",
        "QUERY_TOO_DEEP",
        "TOO_MANY_ALIASES",
        "TOO_MANY_TOKENS",
        "PERSISTED_QUERY_NOT_ALLOWED",
    }
)
_HTTP_REFUSALS = {429: "RATE_LIMITED", 413: "REQUEST_TOO_LARGE"}
# Seconds; a GraphQL read here takes from a millisecond to a few seconds.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_STATEMENT_TIMEOUT = "57014"  # PostgreSQL query_canceled


class _PoolCollector(Collector):
    """The database pool's connections, read when Prometheus scrapes."""

    def __init__(self, pool: Callable[[], Pool | None]) -> None:
        self.pool = pool

    def collect(self) -> Iterable[Metric]:
        pool = self.pool()
        connections = GaugeMetricFamily(
            "edm_db_pool_connections", "Database connections held by the pool.", labels=["state"]
        )
        size = GaugeMetricFamily("edm_db_pool_size", "Connections the pool keeps open at most.")
        if isinstance(pool, QueuePool):
            connections.add_metric(["in_use"], pool.checkedout())
            connections.add_metric(["idle"], pool.checkedin())
            size.add_metric([], pool.size())
        yield connections
        yield size


class Metrics:
    def __init__(self, settings: Settings) -> None:
        self.registry = CollectorRegistry()
        self.max_names = settings.metrics_operation_names
        self._names: set[str] = set()
        self._names_lock = threading.Lock()
        self._engine: AsyncEngine | None = None
        registry = self.registry
        self.http_requests = Counter(
            "edm_http_requests",
            "HTTP requests by route, method and status.",
            ["route", "method", "status"],
            registry=registry,
        )
        self.http_duration = Histogram(
            "edm_http_request_duration_seconds",
            "Time to answer an HTTP request, by route.",
            ["route"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self.operations = Counter(
            "edm_graphql_operations",
            "GraphQL operations by name, type and outcome (ok, or error when it has errors).",
            ["operation", "type", "outcome"],
            registry=registry,
        )
        self.operation_duration = Histogram(
            "edm_graphql_operation_duration_seconds",
            "Time to run a GraphQL operation (parse to result), by name.",
            ["operation"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self.errors = Counter(
            "edm_graphql_errors",
            "GraphQL errors by extensions.code.",
            ["code"],
            registry=registry,
        )
        self.refusals = Counter(
            "edm_refusals",
            "Requests refused by a limit: RATE_LIMITED, REQUEST_TOO_LARGE, QUERY_TOO_COSTLY...",
            ["code"],
            registry=registry,
        )
        self.statement_timeouts = Counter(
            "edm_db_statement_timeouts",
            "SQL statements cancelled by the database's statement_timeout.",
            registry=registry,
        )
        registry.register(_PoolCollector(lambda: self._engine.pool if self._engine else None))

    def watch(self, engine: AsyncEngine) -> None:
        """Reads the engine's pool at scrape time and counts its statement timeouts."""
        self._engine = engine
        event.listen(engine.sync_engine, "handle_error", self._on_database_error)

    def _on_database_error(self, context: ExceptionContext) -> None:
        error: Any = context.original_exception
        causes = (error, getattr(error, "__cause__", None))
        if any(getattr(e, "sqlstate", None) == _STATEMENT_TIMEOUT for e in causes) and (
            "statement timeout" in str(error)
        ):
            self.statement_timeouts.inc()

    def operation_label(self, name: str) -> str:
        """The name itself while fewer than `max_names` names were seen, else `other`."""
        if name in self._names:
            return name
        with self._names_lock:
            if len(self._names) < self.max_names:
                self._names.add(name)
                return name
        return OTHER

    def observe_http(
        self,
        path: str,
        method: str,
        status: int,
        duration: float,
        operations: Sequence["Operation"],
    ) -> None:
        route = path if path in ROUTES else OTHER
        self.http_requests.labels(route, method, str(status)).inc()
        self.http_duration.labels(route).observe(duration)
        if status in _HTTP_REFUSALS:
            self.refusals.labels(_HTTP_REFUSALS[status]).inc()
        for operation in operations:
            label = self.operation_label(operation.name)
            outcome = "error" if operation.errors else "ok"
            self.operations.labels(label, operation.type, outcome).inc()
            self.operation_duration.labels(label).observe(operation.duration)
            for code in operation.errors:
                self.errors.labels(code).inc()
                if code in LIMIT_CODES:
                    self.refusals.labels(code).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def endpoint(metrics: Metrics, settings: Settings) -> Callable[[Request], Any]:
    """GET /metrics: open in development; with `metrics_token` set, only with that Bearer
    token; in production without a token, not served here (see `metrics_port`)."""
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    served = token is not None or (not settings.production and settings.metrics_port is None)

    async def scrape(request: Request) -> Response:
        if not served:
            return JSONResponse({"error": "not found"}, status_code=404)
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return JSONResponse(
                    {"error": "/metrics needs `Authorization: Bearer <EDM_METRICS_TOKEN>`"},
                    status_code=401,
                    headers={"www-authenticate": 'Bearer realm="metrics"'},
                )
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return scrape
