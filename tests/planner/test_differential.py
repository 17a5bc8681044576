"""Generated queries (hypothesis-graphql over schema.graphql) give the same JSON on the planned
path and on the resolver path, for head office and for a programme's staff: the suite's server
runs each planned answer through the resolvers too (tests/conftest.py `api`)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import strategies as gql_st

from db.engine import Database
from tests.conftest import ROOT, RunningServer, bearer, token
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import network as f

SCHEMA = (Path(ROOT) / "schema.graphql").read_text()
# The root fields the planner answers; the rest take the resolver path whole anyway.
PLANNED_ROOTS = [
    "programmes",
    "programme",
    "groups",
    "members",
    "loans",
    "facilitators",
    "trainingSessions",
    "savingsAccounts",
    "missions",
    "recommendations",
]


def _string(values: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.StringValueNode]:
    return values.map(lambda value: graphql.StringValueNode(value=value))


SCALARS = {
    "Date": _string(st.dates(date(2020, 1, 1), date(2026, 12, 31)).map(str)),
    "DateTime": _string(st.just("2026-01-01T00:00:00+00:00")),
    "Decimal": _string(st.decimals(0, 1_000_000, places=0).map(str)),
    "JSON": _string(st.just("{}")),
}
# Small pages, shallow trees: the generator nests freely, the comparison is what matters.
QUERIES = gql_st.queries(SCHEMA, fields=PLANNED_ROOTS, custom_scalars=SCALARS)


@pytest.fixture(scope="module")
async def fansoto(db: Database) -> str:
    async with db.transaction() as s:
        programme = await f.programme(s)
        await f.rate(s, "XOF", date(2025, 1, 1), Decimal("655.957"), Decimal("655.957"))
        product = await lf.product(s, programme)
        facilitator = await g.facilitator(s, programme["id"])
        for _ in range(2):
            group = await g.group(s, programme["id"], facilitator["id"])
            for _ in range(2):
                member = await g.member(s, programme["id"], group["id"])
                payments = [lf.Payment(date(2024, 2, 10), Decimal(19_667), facilitator["id"])]
                await lf.loan(s, product, member, group["id"], payments=payments)
    return str(programme["code"])


CHECKED: list[int] = []


class ValidPages(graphql.Visitor):
    """Random page arguments are mostly refused (both paths give the resolvers' error); keep
    `first` within 0..20 and drop the others, so the planner gets to answer."""

    def enter_argument(self, node: graphql.ArgumentNode, *_: object) -> object:
        name = node.name.value
        if name in ("after", "before", "last"):
            return graphql.REMOVE
        if name == "first" and isinstance(node.value, graphql.IntValueNode):
            size = graphql.IntValueNode(value=str(abs(int(node.value.value)) % 21))
            return graphql.ArgumentNode(name=node.name, value=size)
        return None


def with_valid_pages(query: str) -> str:
    return graphql.print_ast(graphql.visit(graphql.parse(query), ValidPages()))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERIES)
def test_generated_queries_answer_the_same_on_both_paths(
    query: str, fansoto: str, api: RunningServer
) -> None:
    for document in (query, with_valid_pages(query)):
        for credential in (token(), token("PROGRAMME_STAFF", fansoto)):
            response = httpx.post(
                f"{api.base_url}/graphql",
                json={"query": document},
                headers=bearer(credential),
                timeout=60,
            )
            assert response.status_code < 500, response.text
    assert api.app.state.planner_differences == []
    CHECKED.append(api.app.state.planner_checked)


def test_the_generated_queries_were_mostly_planned() -> None:
    """Runs after the one above (file order): most generated operations took the planned path
    and were compared, rather than all falling back to the resolvers."""
    assert len(CHECKED) >= 100
    # Each example sends its page-valid form twice (two credentials).
    assert CHECKED[-1] - CHECKED[0] >= len(CHECKED)
