"""The GraphQL-over-HTTP media types: `application/graphql-response+json` for clients that
accept it, `application/json` for the others (the spec's legacy type, answered 200).

Under the new type a request error (the document does not parse or validate, a variable does
not coerce, a persisted query is unknown: no operation ran) answers 400 without a `data` key,
as the spec asks; an error inside the operation still answers 200 with `data`.
"""

from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_STATE_KEY = "graphql_media_type"
_REQUEST_ERROR = "graphql_request_error"
_RESULTS = "graphql_results"
_SERVER_CODES = frozenset({"INTERNAL_ERROR", "DATABASE_UNAVAILABLE"})


def _quality(accept: str, media_type: str) -> float:
    """The q the Accept header gives `media_type` (exactly, or by a wildcard), 0 if none."""
    best, best_specificity = 0.0, -1
    kind = media_type.split("/")[0]
    for part in accept.split(","):
        name, *params = (p.strip() for p in part.split(";"))
        name = name.lower()
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(name, -1)
        if specificity <= best_specificity:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best, best_specificity = q, specificity
    return best


def choose(accept: str | None) -> str:
    """`application/graphql-response+json` when the client names it and prefers it at
    least as much as `application/json`; otherwise the legacy type."""
    if not accept:
        return JSON
    wanted = _quality(accept, GRAPHQL_RESPONSE)
    if wanted > 0 and GRAPHQL_RESPONSE in accept.lower() and wanted >= _quality(accept, JSON):
        return GRAPHQL_RESPONSE
    return JSON


def mark_request_error(scope: Scope, result: ExecutionResult, response: dict[str, Any]) -> None:
    """Called with each processed result: drops `data` from a request error's answer under
    the new media type, and notes the status the answer needs."""
    state = scope.get("state", {})
    if state.get(_STATE_KEY) != GRAPHQL_RESPONSE:
        return
    state[_RESULTS] = state.get(_RESULTS, 0) + 1
    errors = result.errors or []
    if result.data is not None or not errors or any(e.path is not None for e in errors):
        return
    response.pop("data", None)
    codes = {(e.extensions or {}).get("code") for e in errors}
    state[_REQUEST_ERROR] = 500 if codes & _SERVER_CODES else 400


class NegotiateMediaType:
    """Wraps the GraphQL view: sets the answer's content type (and a request error's status)
    from the request's Accept header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chosen = choose(Headers(scope=scope).get("accept"))
        state = scope.setdefault("state", {})
        state[_STATE_KEY] = chosen

        async def send_as_chosen(message: Message) -> None:
            if message["type"] == "http.response.start" and chosen == GRAPHQL_RESPONSE:
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith(JSON):
                    headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
                    status = state.get(_REQUEST_ERROR)
                    # A batch answers 200: its other operations may have run.
                    single = state.get(_RESULTS, 0) == 1
                    if status is not None and single and message["status"] == 200:
                        message["status"] = status
            await send(message)

        await self.app(scope, receive, send_as_chosen)
