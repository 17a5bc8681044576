"""What the client is told when the database fails it: unavailable (HTTP 503, Retry-After,
`DATABASE_UNAVAILABLE`, the same for every role) or a statement over its time limit
(`STATEMENT_TIMEOUT`). A write that committed is never reported as failed: if reading its
result back fails, the response says the write was saved."""

from typing import Any

from graphql import GraphQLError
from starlette.requests import Request

from db.engine import database_unavailable, statement_timed_out

DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
STATEMENT_TIMEOUT = "STATEMENT_TIMEOUT"
_COMMITTED = "committed_write"


def unavailable_message(retry_after: int) -> str:
    return (
        "The database is unavailable or overloaded right now; nothing was changed. "
        f"Retry in {retry_after} s (Retry-After)."
    )


def is_fault(error: BaseException | None) -> bool:
    return database_unavailable(error) or statement_timed_out(error)


def mark_committed(request: Request) -> None:
    """A write of this request committed: from now on a failure must not read as its failure."""
    setattr(request.state, _COMMITTED, True)


def committed(request: Request) -> bool:
    return bool(getattr(request.state, _COMMITTED, False))


def graphql_error(
    error: GraphQLError, request: Request, *, retry_after: int, statement_timeout: float
) -> GraphQLError | None:
    """The error the client gets for a database fault behind `error`, or None if it is not one."""
    original = error.original_error
    if statement_timed_out(original):
        return GraphQLError(
            f"The database took longer than {statement_timeout:g} s for this field and "
            "stopped (statement_timeout): ask for less (smaller pages, a narrower filter).",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": STATEMENT_TIMEOUT, "limit": "statement_timeout"},
        )
    if not database_unavailable(original):
        return None
    extensions: dict[str, Any] = {"code": DATABASE_UNAVAILABLE, "retryAfter": retry_after}
    if committed(request):
        extensions["writeCommitted"] = True
        message = (
            "The write was saved, but reading its result back failed: the database is "
            "unavailable or overloaded right now. Do not send the write again; read it later."
        )
    else:
        message = unavailable_message(retry_after)
    return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=extensions)


def unavailable_response(errors: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The 503 body when some error says the database is unavailable, else None."""
    for formatted in errors:
        extensions = formatted.get("extensions") or {}
        if extensions.get("code") == DATABASE_UNAVAILABLE and not extensions.get("writeCommitted"):
            return {
                "errors": [
                    {"message": formatted["message"], "extensions": dict(extensions)},
                ]
            }
    return None
