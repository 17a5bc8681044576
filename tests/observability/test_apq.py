"""Automatic persisted queries (Apollo's protocol): unknown hash -> PersistedQueryNotFound,
the client registers the document once, then the hash alone runs it, by POST or GET."""

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.settings import Settings
from tests.conftest import RunningServer, bearer, serve, token

VIEWER = "query Me { viewer { subject } }"
ROLE = "query Role { viewer { role } }"
PROGRAMMES = "query Count { programmes { totalCount } }"


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def by_hash(document: str) -> dict[str, Any]:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha(document)}}}


def registering(document: str) -> dict[str, Any]:
    return {"query": document, **by_hash(document)}


@pytest.fixture(scope="module")
def apq(database_url: str) -> Iterator[RunningServer]:
    settings = Settings(
        database_url=database_url, apq_enabled=True, apq_cache_size=2, rate_limit_per_minute=0
    )
    with serve(settings) as running:
        yield running


def post(running: RunningServer, payload: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(
        f"{running.base_url}/graphql",
        json=payload,
        headers={**bearer(token(subject="apollo@edm")), **headers},
        timeout=10,
    )


def test_an_unknown_hash_asks_the_client_for_the_document(apq: RunningServer) -> None:
    unknown = post(apq, by_hash(VIEWER))
    assert unknown.status_code == 200
    (error,) = unknown.json()["errors"]
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = post(apq, registering(VIEWER))
    assert registered.json() == {"data": {"viewer": {"subject": "apollo@edm"}}}
    again = post(apq, by_hash(VIEWER))
    assert again.json() == {"data": {"viewer": {"subject": "apollo@edm"}}}


def test_a_registered_hash_runs_by_get(apq: RunningServer) -> None:
    post(apq, registering(ROLE))
    response = httpx.get(
        f"{apq.base_url}/graphql",
        params={"extensions": json.dumps(by_hash(ROLE)["extensions"])},
        headers=bearer(token()),
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": {"role": "HEAD_OFFICE"}}}


def test_a_document_that_does_not_match_its_hash_is_refused(apq: RunningServer) -> None:
    payload = {"query": VIEWER, **by_hash(ROLE)}
    response = post(apq, payload)
    (error,) = response.json()["errors"]
    assert error["message"] == "provided sha does not match query"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    assert "data" not in post(apq, payload, accept="application/graphql-response+json").json()


def test_under_the_new_media_type_a_missing_hash_is_a_400(apq: RunningServer) -> None:
    response = post(apq, by_hash("query Never { viewer { role } }"), accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_the_store_keeps_the_most_recently_used_documents(apq: RunningServer) -> None:
    for document in (VIEWER, ROLE, PROGRAMMES):  # apq_cache_size=2: VIEWER goes
        assert "errors" not in post(apq, registering(document)).json()
    assert "errors" not in post(apq, by_hash(PROGRAMMES)).json()
    assert "errors" not in post(apq, by_hash(ROLE)).json()
    evicted = post(apq, by_hash(VIEWER)).json()
    assert evicted["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_an_unsupported_version_is_refused(apq: RunningServer) -> None:
    payload = {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": sha(VIEWER)}}}
    error = post(apq, payload).json()["errors"][0]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"


def test_without_apq_a_hash_says_persisted_queries_are_not_supported(
    http: httpx.AsyncClient,
) -> None:
    # Apollo clients then stop sending hashes instead of failing every query.
    response = httpx.post(f"{http.base_url}/graphql", json=by_hash(VIEWER), headers=bearer(token()))
    (error,) = response.json()["errors"]
    assert error["message"] == "PersistedQueryNotSupported"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"


@pytest.fixture(scope="module")
def allow_listed(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    allow_list: Path = tmp_path_factory.mktemp("apq") / "queries.json"
    allow_list.write_text(json.dumps({sha(VIEWER): VIEWER}))
    settings = Settings(
        database_url=database_url,
        apq_enabled=True,
        persisted_queries_file=allow_list,
        rate_limit_per_minute=0,
    )
    with serve(settings) as running:
        yield running.base_url


def test_apq_registration_does_not_bypass_the_allow_list(allow_listed: str) -> None:
    headers = bearer(token())
    outside = httpx.post(f"{allow_listed}/graphql", json=registering(ROLE), headers=headers)
    assert outside.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
    # Not stored either: its hash alone is still unknown.
    again = httpx.post(f"{allow_listed}/graphql", json=by_hash(ROLE), headers=headers)
    assert again.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    # The allow-list's own documents run by hash without registering.
    listed = httpx.post(f"{allow_listed}/graphql", json=by_hash(VIEWER), headers=headers)
    assert listed.json() == {"data": {"viewer": {"subject": "dev@edm"}}}


GRAPHQL_RESPONSE = "application/graphql-response+json"
