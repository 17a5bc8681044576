"""Persisted-query allow-list: when configured, only documents known by their sha256 run.

The file is a JSON object `{"<sha256 hex of the document>": "<document>", ...}`. A client
sends the document itself, or only its hash as `extensions.persistedQuery.sha256Hash`
(the Apollo persisted-query convention).
"""

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension


class InvalidAllowList(Exception):
    """The allow-list file cannot be used: the app refuses to start."""


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def load(path: Path) -> dict[str, str]:
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise InvalidAllowList(f"EDM_PERSISTED_QUERIES_FILE {path}: {error}") from None
    if not isinstance(entries, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in entries.items()
    ):
        raise InvalidAllowList(
            f"EDM_PERSISTED_QUERIES_FILE {path}: expected an object of sha256 hex to document"
        )
    wrong = [key for key, document in entries.items() if key.lower() != sha256(document)]
    if wrong:
        raise InvalidAllowList(
            f"EDM_PERSISTED_QUERIES_FILE {path}: {len(wrong)} key(s) are not the sha256 of "
            f"their document, e.g. {wrong[0]}"
        )
    return {key.lower(): document for key, document in entries.items()}


def _refusal(message: str, digest: str | None) -> GraphQLError:
    return GraphQLError(
        f"{message} This server runs only persisted queries (persisted_queries_file).",
        extensions={
            "code": "PERSISTED_QUERY_NOT_ALLOWED",
            "limit": "persisted_queries_file",
            "sha256Hash": digest,
        },
    )


class PersistedQueries(SchemaExtension):
    """Replaces a hash by its document, and refuses any document not in the list.

    Put it first among the extensions: it refuses before anything else runs.
    """

    def __init__(self, documents: Mapping[str, str]) -> None:
        self.documents = documents

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        extensions: Any = context.operation_extensions or {}
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        asked = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not context.query:
            if not isinstance(asked, str):
                raise _refusal("Send a query or its `persistedQuery.sha256Hash`.", None)
            document = self.documents.get(asked.lower())
            if document is None:
                raise _refusal(f"No persisted query has the hash {asked}.", asked)
            context.query = document
        else:
            digest = sha256(context.query)
            if digest not in self.documents:
                raise _refusal(f"The query (sha256 {digest}) is not in the allow-list.", digest)
        yield


def allow_list(documents: Mapping[str, str]) -> Callable[[], PersistedQueries]:
    return lambda: PersistedQueries(documents)
