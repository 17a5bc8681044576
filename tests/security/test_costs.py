"""The cost of a request is what it makes the server do: introspection and its aliases, every
id, every operation of a batch, every figure computed from the ledger; the rate limit counts
operations. The README's own queries pass at the defaults."""

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, get_introspection_query, parse
from strawberry.relay import to_base64

from tests.conftest import serve

from .conftest import head_office, only_error, post, production_settings

README = Path(__file__).resolve().parents[2] / "README.md"
LIMIT_CODES = {"QUERY_TOO_COSTLY", "TOO_MANY_ALIASES", "QUERY_TOO_DEEP", "TOO_MANY_TOKENS"}


def too_costly(body: dict[str, Any]) -> dict[str, Any]:
    error = only_error(body)
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY", error
    return error


async def test_aliased_introspection_is_counted(dev: httpx.AsyncClient) -> None:
    aliases = " ".join(f"s{i}: __schema {{ types {{ fields {{ name }} }} }}" for i in range(6))

    too_costly(await post(dev, f"{{ {aliases} }}"))


async def test_graphiql_s_introspection_query_passes_where_introspection_is_on(
    dev: httpx.AsyncClient,
) -> None:
    body = await post(dev, get_introspection_query(descriptions=True))

    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_aliases_inside_introspection_count_against_the_alias_limit(
    dev: httpx.AsyncClient,
) -> None:
    aliases = " ".join(f"t{i}: types {{ name }}" for i in range(60))

    error = only_error(await post(dev, f"{{ __schema {{ {aliases} }} }}"))

    assert error["extensions"]["code"] == "TOO_MANY_ALIASES"


def test_every_id_of_nodes_counts_even_when_only_id_is_selected(database_url: str) -> None:
    ids = [to_base64("Loan", str(uuid.uuid4())) for _ in range(1_000)]
    aliases = " ".join(f"n{i}: nodes(ids: $ids) {{ id }}" for i in range(6))
    payload = {"query": f"query ($ids: [ID!]!) {{ {aliases} }}", "variables": {"ids": ids}}
    with serve(production_settings(database_url, max_query_cost=5_000)) as running:
        response = httpx.post(f"{running.base_url}/graphql", json=payload, headers=head_office())

    assert too_costly(response.json())["extensions"]["actual"] >= 6_000


async def test_indicators_computed_from_the_ledger_are_weighted(prod: httpx.AsyncClient) -> None:
    # Fifty past days over 700-day periods: each is a computation from the ledger.
    aliases = " ".join(
        f'i{i}: indicators(asOf: "2025-0{1 + i % 9}-1{i % 10}", '
        'period: {from: "2023-02-01", to: "2025-01-01"}) { network { par30 } }'
        for i in range(50)
    )

    too_costly(await post(prod, f"{{ {aliases} }}"))


def test_a_past_day_is_not_weighted_as_a_computation(database_url: str) -> None:
    # The stocks of a past day are a lookup in the daily snapshots, as cheap as today's: under
    # a limit far below one ledger computation, both dashboards are answered.
    with serve(production_settings(database_url, max_query_cost=1_000)) as running:
        for day in ("", '(asOf: "2025-06-14")'):
            query = f"{{ indicators{day} {{ programmes {{ par30 }} }} }}"
            response = httpx.post(
                f"{running.base_url}/graphql", json={"query": query}, headers=head_office()
            )
            assert response.status_code == 200
            assert "errors" not in response.json(), response.json()


async def test_long_series_and_support_histories_are_weighted(prod: httpx.AsyncClient) -> None:
    series = '{ indicatorSeries(from: "2006-12-01", to: "2026-11-25") { asOf } }'
    histories = (
        "{ programmes(first: 100) { nodes { supportHistory(first: 100) { nodes { on } } } } }"
    )

    too_costly(await post(prod, series))
    too_costly(await post(prod, histories))


# 1 + 100 x (2 + 100 x 22) = 220,201 of the 500,000 a request may cost.
HEAVY = (
    "{ programmes(first: 100) { nodes { loans(first: 100) { nodes { "
    "repayments(first: 20) { nodes { id } } } } } } }"
)


async def test_a_batch_is_costed_as_a_whole(prod: httpx.AsyncClient) -> None:
    batch = [{"query": HEAVY} for _ in range(5)]

    response = await prod.post("/graphql", json=batch, headers=head_office())

    assert response.status_code == 200
    answers = response.json()
    assert [answer.get("errors") for answer in answers[:2]] == [None, None]
    refused = [answer["errors"][0]["extensions"] for answer in answers[2:]]
    assert [e["code"] for e in refused] == ["QUERY_TOO_COSTLY"] * 3
    assert refused[0]["actual"] == 3 * 220_201


def test_the_rate_limit_counts_each_operation_of_a_batch(database_url: str) -> None:
    settings = production_settings(database_url, rate_limit_per_minute=60, rate_limit_burst=6)
    batch = [{"query": "{ __typename }"} for _ in range(4)]
    with serve(settings) as running, httpx.Client(base_url=running.base_url) as client:
        first = client.post("/graphql", json=batch, headers=head_office())
        second = client.post("/graphql", json=batch, headers=head_office())

    assert first.status_code == 200
    assert len(first.json()) == 4
    assert second.status_code == 429
    assert second.json()["errors"][0]["extensions"]["limit"] == "rate_limit_per_minute"


def readme_operations() -> list[tuple[str, str]]:
    blocks = re.findall(r"```graphql\n(.*?)```", README.read_text(), re.DOTALL)
    found = []
    for block in blocks:
        for definition in parse(block).definitions:
            if isinstance(definition, OperationDefinitionNode):
                name = definition.name.value if definition.name else ""
                found.append((block, name))
    return found


@pytest.mark.parametrize(("document", "name"), readme_operations())
async def test_the_readme_s_queries_pass_the_default_limits(
    prod: httpx.AsyncClient, document: str, name: str
) -> None:
    response = await prod.post(
        "/graphql",
        json={"query": document, "operationName": name or None},
        headers=head_office(),
    )

    assert response.status_code == 200
    codes = {e.get("extensions", {}).get("code") for e in response.json().get("errors", [])}
    assert not codes & LIMIT_CODES, response.text
