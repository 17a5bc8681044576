from db.engine import Database
from tests.conftest import GraphQL
from tests.factories import network as f

PROGRAMME = """
query ($code: String!) {
  programme(code: $code) {
    id code name region baseCity phase startedOn initialTrainingSessions
    currency { code minorUnits }
    country { code name }
    partners { name }
  }
}
"""


async def test_a_programme_reads_with_its_country_currency_and_partners(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await f.programme(s)
        await f.partner(s, p["id"], "AFD")
        await f.partner(s, p["id"], "Ailancy")

    body = await gql(PROGRAMME, {"code": p["code"]})

    got = body["data"]["programme"]
    assert got["code"] == p["code"]
    assert got["currency"] == {"code": "XOF", "minorUnits": 0}
    assert got["country"] == {"code": "SN", "name": "Senegal"}
    assert got["phase"] == "CONSOLIDATION"
    assert got["startedOn"] == "2016-01-01"
    assert sorted(x["name"] for x in got["partners"]) == ["AFD", "Ailancy"]


async def test_an_unknown_programme_code_reads_as_null(gql: GraphQL) -> None:
    body = await gql(PROGRAMME, {"code": "NOPE"})
    assert body == {"data": {"programme": None}}
