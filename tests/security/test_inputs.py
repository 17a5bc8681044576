"""Input values are checked at the schema's edge: a malformed body is a 400, a value out of
its bounds a typed error naming the field and the bound, never an internal error."""

import uuid
from typing import Any

import httpx
import pytest
from strawberry.relay import to_base64

from .conftest import head_office, only_error, post


@pytest.mark.parametrize("body", [b"[1,2,3]", b'"x"', b"42", b"null", b"true", b"[]", b"{}x"])
async def test_a_body_that_is_not_an_operation_is_a_400(
    prod: httpx.AsyncClient, body: bytes
) -> None:
    response = await prod.post(
        "/graphql",
        content=body,
        headers={**head_office(), "content-type": "application/json"},
    )

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    "payload",
    [
        [{"query": 123}],
        [{"query": "{ __typename }", "variables": [1]}],
        [{"query": "{ __typename }"}, "x"],
        {"query": "{ __typename }", "operationName": 5},
        {"query": ["{ __typename }"]},
    ],
)
async def test_a_batch_is_checked_like_a_single_request_and_no_python_text_leaks(
    prod: httpx.AsyncClient, payload: Any
) -> None:
    response = await prod.post("/graphql", json=payload, headers=head_office())

    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert "object of type" not in message
    assert "has no len" not in message
    assert (
        "`query`" in message
        or "`variables`" in message
        or "JSON object" in message
        or "`operationName`" in message
    )


def mission_id() -> str:
    return to_base64("Mission", str(uuid.uuid4()))


FINDINGS = """
mutation ($input: MissionFindingsLogInput!) {
  missionFindingsLog(input: $input) { userErrors { field code } }
}
"""


def refused(body: dict[str, Any], field: str) -> dict[str, Any]:
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"] == field, error
    assert f"`{field}`" in error["message"]
    return error


async def test_free_text_past_its_bound_is_refused_naming_the_field(
    prod: httpx.AsyncClient,
) -> None:
    body = await post(
        prod, FINDINGS, {"input": {"mission": mission_id(), "findings": "x" * 900_000}}
    )

    error = refused(body, "input.findings")
    assert error["extensions"]["max"] == 20_000
    assert error["extensions"]["limit"] == "max_text_length"


async def test_a_short_string_field_has_the_default_bound(prod: httpx.AsyncClient) -> None:
    body = await post(
        prod, "query ($c: String!) { programme(code: $c) { name } }", {"c": "F" * 5_000}
    )

    assert refused(body, "code")["extensions"]["limit"] == "max_string_length"


async def test_an_idempotency_key_has_its_bound(prod: httpx.AsyncClient) -> None:
    body = await post(
        prod,
        FINDINGS,
        {"input": {"mission": mission_id(), "findings": "ok", "idempotencyKey": "k" * 10_000}},
    )

    assert refused(body, "input.idempotencyKey")["extensions"]["max"] == 200


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (FINDINGS, {"input": {"mission": "M", "findings": "a\u0000b"}}, "input.findings"),
        ('{ programme(code: "FAN\\u0000SOTO") { name } }', {}, "code"),
        (
            "query ($f: ProgrammeFilter) { programmes(filter: $f) { totalCount } }",
            {"f": {"codes": ["A", "B\u0000"]}},
            "filter.codes[1]",
        ),
    ],
)
async def test_a_nul_byte_in_any_string_is_refused_naming_the_field(
    prod: httpx.AsyncClient, query: str, variables: dict[str, Any], field: str
) -> None:
    refused(await post(prod, query, variables), field)


LOANS = "query ($f: LoanFilter) { loans(filter: $f) { totalCount } }"


@pytest.mark.parametrize(
    ("loan_filter", "field", "maximum"),
    [
        ({"cycles": [40_000]}, "filter.cycles[0]", 32_767),
        ({"minDaysPastDue": 2_147_483_647}, "filter.minDaysPastDue", 36_500),
    ],
)
async def test_an_integer_beyond_its_column_is_refused_with_the_bound(
    prod: httpx.AsyncClient, loan_filter: dict[str, Any], field: str, maximum: int
) -> None:
    error = refused(await post(prod, LOANS, {"f": loan_filter}), field)

    assert error["extensions"]["max"] == maximum


async def test_an_integer_argument_of_a_nested_field_is_bounded_too(
    prod: httpx.AsyncClient,
) -> None:
    body = await post(prod, "{ loans(first: 1) { nodes { atRisk(days: 100000) } } }")

    refused(body, "days")


SAVINGS = "query ($f: SavingsAccountFilter) { savingsAccounts(filter: $f) { totalCount } }"


@pytest.mark.parametrize(
    "amount", ["Infinity", "-Infinity", "NaN", "1e999999", "1" * 50, "0." + "1" * 30]
)
async def test_an_extreme_decimal_is_refused(prod: httpx.AsyncClient, amount: str) -> None:
    refused(await post(prod, SAVINGS, {"f": {"minBalance": amount}}), "filter.minBalance")


async def test_an_extreme_decimal_literal_is_refused(prod: httpx.AsyncClient) -> None:
    body = await post(prod, "{ savingsAccounts(filter: {minBalance: 1e999999}) { totalCount } }")

    refused(body, "filter.minBalance")


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
async def test_a_date_out_of_a_sane_range_is_refused(prod: httpx.AsyncClient, day: str) -> None:
    refused(await post(prod, LOANS, {"f": {"asOf": day}}), "filter.asOf")


async def test_a_list_past_its_bound_is_refused(prod: httpx.AsyncClient) -> None:
    codes = [f"P{i}" for i in range(60_000)]

    error = refused(await post(prod, LOANS, {"f": {"programmes": codes}}), "filter.programmes")

    assert error["extensions"]["max"] == 1_000


@pytest.mark.parametrize("type_name", ["Node", "Money", "Query", "LoanFilter"])
async def test_a_global_id_of_a_type_that_is_not_a_node_is_a_clear_error(
    prod: httpx.AsyncClient, type_name: str
) -> None:
    body = await post(
        prod, "query ($id: ID!) { node(id: $id) { id } }", {"id": to_base64(type_name, "1")}
    )

    refused(body, "id")


async def test_a_global_id_of_an_unknown_type_is_a_coded_error(prod: httpx.AsyncClient) -> None:
    body = await post(prod, '{ node(id: "' + to_base64("NoSuchType", "1") + '") { id } }')

    assert body["data"] == {"node": None}
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_values_within_bounds_pass(prod: httpx.AsyncClient) -> None:
    body = await post(
        prod,
        "query ($f: LoanFilter) { loans(filter: $f) { totalCount } "
        'savingsAccounts(filter: {minBalance: "1000.50"}) { totalCount } }',
        {
            "f": {
                "cycles": [1, 2],
                "minDaysPastDue": 30,
                "asOf": "2025-06-30",
                "programmes": ["FANSOTO"],
            }
        },
    )

    assert "errors" not in body
    assert body["data"]["loans"]["totalCount"] >= 0
