"""What errors tell: no hidden schema in production, a stable code on every error, one INFO
line in the log for a client's mistake."""

import logging
from typing import Any

import httpx
import pytest

from .conftest import head_office, only_error, post

MISTAKES: list[tuple[str, dict[str, Any]]] = [
    ("{ programes(first: 1) { totalCount } }", {}),  # a field
    ("{ programmes(frist: 1) { totalCount } }", {}),  # an argument
    ("{ loans(filter: {statuses: [ACTIV]}) { totalCount } }", {}),  # an enum value
    ("{ loans(filter: {statusess: [ACTIVE]}) { totalCount } }", {}),  # an input field
    ("query ($f: LoanFiltr) { loans(filter: $f) { totalCount } }", {}),  # a type
    ('{ node(id: "x") { ... on Lon { id } } }', {}),  # a type condition
    ("query ($f: LoanFilter) { loans(filter: $f) { totalCount } }", {"f": {"statuses": ["ACTIV"]}}),
    ("query ($f: LoanFilter) { loans(filter: $f) { totalCount } }", {"f": {"statusess": []}}),
]


@pytest.mark.parametrize(("query", "variables"), MISTAKES)
async def test_production_suggests_nothing_about_the_hidden_schema(
    prod: httpx.AsyncClient, query: str, variables: dict[str, Any]
) -> None:
    error = only_error(await post(prod, query, variables))

    assert "Did you mean" not in error["message"]
    assert error["extensions"]["code"] in ("GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT")


async def test_development_still_suggests(dev: httpx.AsyncClient) -> None:
    error = only_error(await post(dev, "{ programes(first: 1) { totalCount } }"))

    assert "Did you mean 'programmes'" in error["message"]


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ programmes(first: 1) { totalCount }", {}, "GRAPHQL_PARSE_FAILED"),
        ("{ programmes(first: 1) { nope } }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("query ($n: Int) { programmes(first: $n) { totalCount } }", {"n": "x"}, "BAD_USER_INPUT"),
        ('{ programmes(first: 1, after: "not-a-cursor") { totalCount } }', {}, "BAD_USER_INPUT"),
        ("{ programmes(first: 1000) { totalCount } }", {}, "BAD_USER_INPUT"),
        ('{ node(id: "@@@") { id } }', {}, "BAD_USER_INPUT"),
    ],
)
async def test_every_error_carries_a_stable_code_and_is_logged_in_one_info_line(
    prod: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    query: str,
    variables: dict[str, Any],
    code: str,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="edm_graph"):
        body = await post(prod, query, variables)

    assert body["errors"][0]["extensions"]["code"] == code
    mine = [r for r in caplog.records if r.name == "edm_graph"]
    assert mine
    assert all(r.levelno <= logging.INFO and r.exc_info is None for r in mine)
    assert all("\n" not in r.getMessage() for r in mine)


@pytest.mark.parametrize(
    ("request_args", "status"),
    [
        ({"method": "GET", "params": {"query": "mutation { __typename }"}}, 400),
        (
            {
                "method": "POST",
                "content": "{ __typename }",
                "headers": {"content-type": "text/plain"},
            },
            415,
        ),
        ({"method": "POST", "json": {"variables": {}}}, 400),
        (
            {
                "method": "POST",
                "json": {"query": "query A { __typename }", "operationName": "B"},
            },
            400,
        ),
        ({"method": "PUT", "json": {"query": "{ __typename }"}}, 405),
    ],
)
async def test_http_refusals_are_json_with_a_code(
    prod: httpx.AsyncClient, request_args: dict[str, Any], status: int
) -> None:
    args = dict(request_args)
    headers = {**head_office(), **args.pop("headers", {})}

    response = await prod.request(url="/graphql", headers=headers, **args)

    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"]


async def test_an_unknown_path_is_a_json_404_with_a_code(prod: httpx.AsyncClient) -> None:
    response = await prod.get("/admin", headers=head_office())

    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
