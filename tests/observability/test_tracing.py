"""OpenTelemetry, when turned on: the request's server span and strawberry's GraphQL spans
continue the caller's W3C trace (traceparent)."""

import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from graph.settings import Settings
from tests.conftest import bearer, serve, token

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


def test_spans_carry_the_incoming_trace_id(database_url: str) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # Installed first, as `opentelemetry-instrument` would: the app keeps it.
    trace.set_tracer_provider(provider)
    # The resolver path, whose field spans carry arguments (planned reads have no field spans).
    settings = Settings(
        database_url=database_url, otel_enabled=True, rate_limit_per_minute=0, planner=False
    )
    with serve(settings) as running:
        response = httpx.post(
            f"{running.base_url}/graphql",
            json={"query": "query Traced { viewer { subject } }"},
            headers={**bearer(token()), "traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"},
        )
        untraced = httpx.get(f"{running.base_url}/health")
        private = httpx.post(
            f"{running.base_url}/graphql",
            json={
                "query": "query Private($code: String!) { programme(code: $code) { code } "
                "programmes(first: 3) { totalCount } }",
                "variables": {"code": "PRIVATE-CODE"},
            },
            headers=bearer(token()),
        )
    assert response.status_code == untraced.status_code == 200
    spans = exporter.get_finished_spans()
    ours = [s for s in spans if s.context is not None and f"{s.context.trace_id:032x}" == TRACE_ID]
    names = {s.name for s in ours}
    assert "GraphQL Query: Traced" in names, names
    assert any(s.kind is trace.SpanKind.SERVER and s.name.startswith("POST") for s in ours)
    server = next(
        s for s in ours if s.parent is not None and s.parent.span_id == int(PARENT_ID, 16)
    )
    assert server.kind is trace.SpanKind.SERVER
    # Probes are not traced.
    assert not [s for s in spans if "/health" in s.name]
    # Argument values stay out of spans, page sizes excepted.
    assert private.status_code == 200
    attributes = [dict(s.attributes or {}) for s in exporter.get_finished_spans()]
    assert not [a for a in attributes if "PRIVATE-CODE" in str(a.values())]
    assert any(a.get("graphql.param.first") == 3 for a in attributes)


def test_tracing_is_off_by_default() -> None:
    from graph.observability import tracing

    assert tracing.schema_extensions(Settings()) == []
    assert tracing.middleware(Settings()) == []
