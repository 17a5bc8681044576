"""What the client and the log are told about an error: a stable `extensions.code` on every
error, no "Did you mean …?" naming hidden schema when introspection is off, and one INFO
line (no traceback) for a client's mistake; server faults are logged by the masking step."""

import logging
import re

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.relay.types import GlobalIDValueError
from strawberry.types import ExecutionContext

from ..errors import PublicError
from .middleware import current_request_id

log = logging.getLogger("edm_graph")

# graphql-core appends every suggestion (fields, arguments, types, enum values, input
# fields, fragments on a type) through `did_you_mean`, as the message's last sentence.
_SUGGESTION = re.compile(r"\s*Did you mean\b.*\Z", re.DOTALL)


def one_line(text: str) -> str:
    """What a client wrote, fit for one log line (no forged lines)."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def without_suggestion(message: str) -> str:
    return _SUGGESTION.sub("", message)


def _code(error: GraphQLError, context: ExecutionContext | None) -> str | None:
    """The code a client's mistake reads as; None for a fault the masking step hides."""
    original = error.original_error
    if isinstance(error, GraphQLSyntaxError) or isinstance(original, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if context is not None and context.graphql_document is None and original is None:
        return "GRAPHQL_PARSE_FAILED"
    if original is None:
        # Before execution: the validation rules; during it: the variables' coercion.
        running = context is not None and context.result is not None
        return "BAD_USER_INPUT" if running else "GRAPHQL_VALIDATION_FAILED"
    if isinstance(original, (PublicError, GlobalIDValueError, GraphQLError)):
        return "BAD_USER_INPUT"
    return None


class EdgeSchema(strawberry.Schema):
    """strawberry's Schema, reporting errors as the module docstring says."""

    hide_suggestions = False

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            extensions = dict(error.extensions or {})
            code = extensions.get("code") or _code(error, execution_context)
            if code is None:
                continue  # a fault: MaskUnexpectedErrors logs it with its traceback
            if "code" not in extensions:
                extensions["code"] = code
                error.extensions = extensions
            if self.hide_suggestions:
                error.message = without_suggestion(error.message)
            log.info(
                "client error (request %s) %s: %s",
                current_request_id(),
                code,
                one_line(error.message),
            )
