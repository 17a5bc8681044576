"""Persisted queries: an allow-list, automatic persisted queries (APQ), or both.

Allow-list: when configured, only documents known by their sha256 run. The file is a JSON
object `{"<sha256 hex of the document>": "<document>", ...}`. A client sends the document
itself, or only its hash as `extensions.persistedQuery.sha256Hash` (Apollo's convention).

APQ (apq_enabled): a client sends the hash alone; an unknown one answers
`PersistedQueryNotFound` (code PERSISTED_QUERY_NOT_FOUND), and the client sends document and
hash once, which registers it in a bounded store. With an allow-list too, registering a
document outside it neither stores nor runs it.
"""

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from ..settings import Settings

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


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


# Apollo's automatic persisted queries: the messages and codes its clients look for.
NOT_FOUND = GraphQLError("PersistedQueryNotFound", extensions={"code": "PERSISTED_QUERY_NOT_FOUND"})
NOT_SUPPORTED = GraphQLError(
    "PersistedQueryNotSupported", extensions={"code": "PERSISTED_QUERY_NOT_SUPPORTED"}
)


def _mismatch(asked: str, digest: str) -> GraphQLError:
    return GraphQLError(
        "provided sha does not match query",
        extensions={"code": "PERSISTED_QUERY_HASH_MISMATCH", "sha256Hash": asked, "actual": digest},
    )


class DocumentStore:
    """The documents APQ registered, by sha256, least recently used dropped beyond `size`.

    Per process: a replica that does not know a hash answers PersistedQueryNotFound and the
    client sends the document once more.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> str | None:
        with self._lock:
            document = self._documents.get(digest)
            if document is not None:
                self._documents.move_to_end(digest)
            return document

    def put(self, digest: str, document: str) -> None:
        with self._lock:
            self._documents[digest] = document
            self._documents.move_to_end(digest)
            while len(self._documents) > self.size:
                self._documents.popitem(last=False)

    def __len__(self) -> int:
        return len(self._documents)


def _asked_hash(extensions: Any) -> tuple[bool, str | None]:
    """Whether the request uses `extensions.persistedQuery`, and its sha256Hash."""
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    if persisted is None:
        return False, None
    if not isinstance(persisted, dict) or persisted.get("version", 1) != 1:
        raise GraphQLError(
            "Unsupported persisted query version: send version 1.",
            extensions={"code": "PERSISTED_QUERY_NOT_SUPPORTED"},
        )
    asked = persisted.get("sha256Hash")
    if not isinstance(asked, str) or not _SHA256.fullmatch(asked):
        raise GraphQLError(
            "`persistedQuery.sha256Hash` must be the 64 hex digits of the document's sha256.",
            extensions={"code": "BAD_REQUEST"},
        )
    return True, asked.lower()


class PersistedQueries(SchemaExtension):
    """Replaces a hash by its document, from the allow-list or the APQ store; registers a
    document sent with its hash (APQ); refuses, with an allow-list, any document not in it.

    Put it first among the limits: it refuses before anything else runs.
    """

    def __init__(self, allowed: Mapping[str, str] | None, store: DocumentStore | None) -> None:
        self.allowed = allowed
        self.store = store

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        uses_hash, asked = _asked_hash(context.operation_extensions)
        if not context.query:
            if not uses_hash and self.allowed is None:
                yield  # nothing to look up: strawberry answers 400 for the missing query
                return
            context.query = self._document(uses_hash, asked)
        elif uses_hash:
            assert asked is not None
            digest = sha256(context.query)
            if digest != asked:
                raise _mismatch(asked, digest)
            # With an allow-list, only its documents are worth keeping (and run).
            if self.store is not None and (self.allowed is None or digest in self.allowed):
                self.store.put(digest, context.query)
        if self.allowed is not None:
            digest = sha256(context.query)
            if digest not in self.allowed:
                raise _refusal(f"The query (sha256 {digest}) is not in the allow-list.", digest)
        yield

    def _document(self, uses_hash: bool, asked: str | None) -> str:
        if not uses_hash or asked is None:
            raise _refusal("Send a query or its `persistedQuery.sha256Hash`.", None)
        if self.allowed is not None and asked in self.allowed:
            return self.allowed[asked]
        if self.store is None:
            if self.allowed is not None:
                raise _refusal(f"No persisted query has the hash {asked}.", asked)
            raise NOT_SUPPORTED
        document = self.store.get(asked)
        if document is None:
            raise NOT_FOUND
        return document


def extension(settings: Settings) -> Callable[[], PersistedQueries]:
    """The extension factory for the settings. Always on: with neither the allow-list nor
    APQ, a hash alone answers PersistedQueryNotSupported, so Apollo clients stop sending
    hashes instead of failing."""
    allowed = load(settings.persisted_queries_file) if settings.persisted_queries_file else None
    store = DocumentStore(settings.apq_cache_size) if settings.apq_enabled else None
    return lambda: PersistedQueries(allowed, store)


def allow_list(documents: Mapping[str, str]) -> Callable[[], PersistedQueries]:
    return lambda: PersistedQueries(documents, None)
