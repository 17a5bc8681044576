"""Logs, metrics and traces (README "Operations")."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import start_http_server
from starlette.middleware import Middleware

from ..settings import Settings
from . import tracing
from .access import AccessLog, Observe
from .logging import silence_duplicates
from .metrics import Metrics

__all__ = ["Metrics", "metrics_port", "middleware", "schema_extensions", "silence_duplicates"]


def schema_extensions(settings: Settings) -> list[Any]:
    """Outermost among the schema's extensions: they see every operation, refused or not,
    and its errors as the client gets them (after masking)."""
    return [*tracing.schema_extensions(settings), Observe]


def middleware(settings: Settings, metrics: Metrics) -> list[Middleware]:
    """Outermost, before the app's own: the trace span, then the access log and metrics
    (so they see every answer, the middleware's refusals and 500s included)."""
    return [*tracing.middleware(settings), Middleware(AccessLog, metrics=metrics)]


@contextmanager
def metrics_port(settings: Settings, metrics: Metrics) -> Iterator[None]:
    """With `metrics_port` set, /metrics also on that port of the API's host, while the app
    runs (a port firewalled from clients, for Prometheus)."""
    if settings.metrics_port is None:
        yield
        return
    server, thread = start_http_server(
        settings.metrics_port, addr=settings.host, registry=metrics.registry
    )
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
