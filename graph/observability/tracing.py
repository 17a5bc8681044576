"""Optional OpenTelemetry traces: a server span per HTTP request (the ASGI instrumentation,
which continues an incoming W3C `traceparent`) and spans for each GraphQL phase and
resolver (strawberry's extension).

Off unless EDM_OTEL_ENABLED=true; needs the `[otel]` extra. The exporter is configured by
the standard variables: OTEL_TRACES_EXPORTER (otlp, console or none), OTEL_EXPORTER_OTLP_*,
OTEL_SERVICE_NAME; OTEL_SDK_DISABLED=true turns tracing off again.
"""

import os
from typing import Any

from starlette.middleware import Middleware

from ..settings import Settings

# Probes and scrapes would be most of the spans and tell nothing.
EXCLUDED_URLS = "/health,/ready,/metrics,/graphiql-assets"


class TracingUnavailable(Exception):
    """EDM_OTEL_ENABLED is set but the OpenTelemetry packages are not installed."""


def enabled(settings: Settings) -> bool:
    return settings.otel_enabled and os.environ.get("OTEL_SDK_DISABLED", "").lower() != "true"


def _configure_provider() -> None:
    """A tracer provider from the OTEL_* variables, unless one is already installed (by
    `opentelemetry-instrument` or an embedding program)."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        return
    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: "edm-graph"}
    provider = TracerProvider(resource=Resource.create(attributes))
    exporter_name = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if exporter_name == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif exporter_name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def _imports() -> tuple[Any, Any]:
    try:
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
        from strawberry.extensions.tracing import OpenTelemetryExtension
    except ImportError as error:
        raise TracingUnavailable(
            f"EDM_OTEL_ENABLED=true needs the OpenTelemetry packages ({error.name} is "
            "missing): pip install 'edm-graph[otel]'"
        ) from None
    _configure_provider()
    return OpenTelemetryExtension, OpenTelemetryMiddleware


def _counts_only(args: dict[str, Any], info: Any) -> dict[str, Any]:
    """Resolver arguments kept on spans: page sizes and flags; names, amounts and inputs
    (members' personal data) stay out of the tracing backend."""
    return {k: v for k, v in args.items() if isinstance(v, int)}


def schema_extensions(settings: Settings) -> list[Any]:
    """Strawberry's spans for parsing, validation and each resolver; none when off."""
    if not enabled(settings):
        return []
    extension = _imports()[0]
    return [lambda: extension(arg_filter=_counts_only)]


def middleware(settings: Settings) -> list[Middleware]:
    """The outermost middleware: a server span per request; none when off."""
    if not enabled(settings):
        return []
    return [Middleware(_imports()[1], excluded_urls=EXCLUDED_URLS)]
