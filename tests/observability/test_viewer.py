"""`viewer`: a front end learns who its credential is without decoding the token."""

from typing import Any

from db.engine import Database
from tests.conftest import GraphQL
from tests.factories import missions as mf
from tests.factories import network as f

VIEWER = """
{ viewer { subject role wholeNetwork readOnly programmes { code } expert { email } } }
"""


async def _two_programmes(db: Database) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    async with db.transaction() as s:
        own = await f.programme(s)
        other = await f.programme(s, country_code="HT", currency_code="HTG")
        expert = await mf.expert(s, programmes=[own["id"]])
    return own, other, expert


async def test_programme_staff_see_their_programmes(gql: GraphQL, db: Database) -> None:
    own, _, _ = await _two_programmes(db)
    body = await gql(VIEWER, programmes=own["code"], subject="awa@fansoto.sn")
    assert body["data"]["viewer"] == {
        "subject": "awa@fansoto.sn",
        "role": "PROGRAMME_STAFF",
        "wholeNetwork": False,
        "readOnly": False,
        "programmes": [{"code": own["code"]}],
        "expert": None,
    }


async def test_an_expert_sees_her_own_record(gql: GraphQL, db: Database) -> None:
    own, _, expert = await _two_programmes(db)
    body = await gql(VIEWER, role="EXPERT", subject=expert["email"])
    viewer = body["data"]["viewer"]
    assert viewer["role"] == "EXPERT"
    assert viewer["programmes"] == [{"code": own["code"]}]
    assert viewer["expert"] == {"email": expert["email"]}


async def test_head_office_reads_the_whole_network(gql: GraphQL, db: Database) -> None:
    own, other, _ = await _two_programmes(db)
    viewer = (await gql(VIEWER))["data"]["viewer"]
    assert viewer["role"] == "HEAD_OFFICE"
    assert viewer["wholeNetwork"] is True
    codes = [p["code"] for p in viewer["programmes"]]
    assert {own["code"], other["code"]} <= set(codes)
    assert codes == sorted(codes)


async def test_an_integrator_is_read_only(gql: GraphQL, db: Database) -> None:
    own, _, _ = await _two_programmes(db)
    body = await gql(VIEWER, role="INTEGRATOR", programmes=own["code"])
    assert body["data"]["viewer"]["readOnly"] is True
    assert body["data"]["viewer"]["programmes"] == [{"code": own["code"]}]


async def test_the_development_demo_viewer_says_it_is_anonymous(gql: GraphQL) -> None:
    viewer = (await gql("{ viewer { subject role readOnly } }", anonymous=True))["data"]["viewer"]
    assert viewer == {"subject": "anonymous", "role": "INTEGRATOR", "readOnly": True}
