"""Head office's reads: support per programme and per domain, overdue follow-up around its
dates, a programme's support history next to its portfolio, and who sees what."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import to_base64

from db.engine import Database
from domain.enums import (
    ExpertiseDomain,
    LoanStatus,
    MissionStatus,
    RecommendationStatus,
    RepaymentKind,
)
from domain.indicators import portfolio_at_risk
from tests.conftest import GraphQL, RunningServer
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import missions as m
from tests.factories import network as n

GOVERNANCE = ExpertiseDomain.GOVERNANCE
FINANCE = ExpertiseDomain.FINANCIAL_MANAGEMENT
SYSTEMS = ExpertiseDomain.INFORMATION_AND_MANAGEMENT_SYSTEMS
RISK = ExpertiseDomain.RISK_MANAGEMENT
TODAY = date.today()

FIGURES = "missions expertDays openRecommendations overdueRecommendations"
SUMMARY = f"""
query ($filter: MissionFilter, $asOf: Date) {{
  supportSummary(filter: $filter, asOf: $asOf) {{
    asOf
    total {{ {FIGURES} }}
    byProgramme {{ programme {{ code }} {FIGURES} }}
    byDomain {{ domain {FIGURES} }}
  }}
}}
"""

HISTORY = """
query ($code: String!, $first: Int, $after: String, $last: Int, $before: String,
       $filter: MissionFilter) {
  programme(code: $code) {
    supportHistory(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
      nodes {
        on
        grossLoanPortfolio { amount currency { code } }
        portfolioAtRisk30 { amount }
        par30
        activeBorrowers
        mission { id title status }
      }
    }
  }
}
"""

HISTORIES = """
query ($codes: [String!]) {
  programmes(filter: {codes: $codes}, first: 50) {
    nodes {
      code
      supportHistory(first: 20) {
        totalCount
        nodes {
          on grossLoanPortfolio { amount } par30 activeBorrowers
          mission { title experts { id } attachments { url } }
        }
      }
    }
  }
}
"""

MISSIONS = """
query ($filter: MissionFilter) { missions(filter: $filter, first: 50) { nodes { id } } }
"""

RECOMMENDATIONS = """
query ($filter: RecommendationFilter) {
  recommendations(filter: $filter, first: 50) {
    totalCount
    nodes { id statusHistory { status comment } }
  }
}
"""

DEEP = """
query ($code: String!) {
  programme(code: $code) {
    missions(first: 50) {
      nodes {
        attachments { title }
        recommendations(first: 10) { nodes { statusHistory { status changedOn } } }
      }
    }
  }
}
"""


def gid(type_name: str, row: dict[str, Any]) -> str:
    return to_base64(type_name, row["id"])


def ids(connection: dict[str, Any]) -> list[str]:
    return [node["id"] for node in connection["nodes"]]


def figures(missions: int, expert_days: int, open: int, overdue: int) -> dict[str, int]:
    return {
        "missions": missions,
        "expertDays": expert_days,
        "openRecommendations": open,
        "overdueRecommendations": overdue,
    }


# --- supportSummary ----------------------------------------------------------------------


@dataclass
class Support:
    a: dict[str, Any]
    b: dict[str, Any]
    c: dict[str, Any]
    claire: dict[str, Any]
    paul: dict[str, Any]

    @property
    def codes(self) -> list[str]:
        return [self.a["code"], self.b["code"], self.c["code"]]


@pytest.fixture
async def support(db: Database) -> Support:
    """Programmes A and B supported, C not; recommendations judged on 1 July 2024."""
    async with db.transaction() as s:
        a, b, c = [await n.programme(s) for _ in range(3)]
        claire = await m.expert(s, programmes=[a["id"], b["id"]])
        paul = await m.expert(s, programmes=[a["id"]])
        # 3 actual days x 2 experts = 6 expert-days.
        a1 = await m.mission(
            s,
            a["id"],
            experts=[claire["id"], paul["id"]],
            domains=[GOVERNANCE, FINANCE],
            status=MissionStatus.COMPLETED,
            actual_start_on=date(2024, 3, 5),
            actual_end_on=date(2024, 3, 7),
        )
        # Planned 4-8 March: 5 expert-days.
        await m.mission(s, a["id"], experts=[claire["id"]], domains=[SYSTEMS])
        # Cancelled: a mission, but no expert-days.
        await m.mission(
            s,
            a["id"],
            experts=[paul["id"]],
            domains=[GOVERNANCE],
            status=MissionStatus.CANCELLED,
        )
        b1 = await m.mission(
            s,
            b["id"],
            experts=[claire["id"]],
            domains=[FINANCE],
            status=MissionStatus.IN_PROGRESS,
            actual_start_on=date(2024, 3, 4),
        )
        # A1's: overdue on 1 July, open but due that very day, done long ago.
        await m.recommendation(s, a["id"], a1["id"], domain=GOVERNANCE, due_on=date(2024, 6, 30))
        await m.recommendation(
            s,
            a["id"],
            a1["id"],
            domain=FINANCE,
            due_on=date(2024, 7, 1),
            status=RecommendationStatus.IN_PROGRESS,
        )
        await m.recommendation(
            s,
            a["id"],
            a1["id"],
            domain=GOVERNANCE,
            due_on=date(2024, 1, 1),
            status=RecommendationStatus.DONE,
        )
        # B1's: dropped, and overdue in a domain the mission did not cover.
        await m.recommendation(
            s, b["id"], b1["id"], due_on=date(2024, 1, 1), status=RecommendationStatus.DROPPED
        )
        await m.recommendation(s, b["id"], b1["id"], domain=RISK, due_on=date(2024, 5, 1))
    return Support(a, b, c, claire, paul)


async def summary(gql: GraphQL, filter: dict[str, Any], as_of: str | None, **viewer: Any) -> Any:
    body = await gql(SUMMARY, {"filter": filter, "asOf": as_of}, **viewer)
    assert "errors" not in body, body
    return body["data"]["supportSummary"]


async def test_support_per_programme_and_per_domain_is_counted_from_the_missions(
    gql: GraphQL, support: Support
) -> None:
    got = await summary(gql, {"programmes": support.codes}, "2024-07-01")

    assert got["asOf"] == "2024-07-01"
    assert got["total"] == figures(4, 6 + 5 + 0 + 5, 3, 2)
    expected = {
        support.a["code"]: figures(3, 11, 2, 1),
        support.b["code"]: figures(1, 5, 1, 1),
        support.c["code"]: figures(0, 0, 0, 0),
    }
    assert [row["programme"]["code"] for row in got["byProgramme"]] == sorted(support.codes)
    assert {row.pop("programme")["code"]: row for row in got["byProgramme"]} == expected
    by_domain = {row.pop("domain"): row for row in got["byDomain"]}
    # Every domain, in the enum's order; a mission counts in each of its domains.
    assert list(by_domain) == [d.value for d in ExpertiseDomain]
    assert by_domain["GOVERNANCE"] == figures(2, 6, 1, 1)
    assert by_domain["FINANCIAL_MANAGEMENT"] == figures(2, 11, 1, 0)
    assert by_domain["INFORMATION_AND_MANAGEMENT_SYSTEMS"] == figures(1, 5, 0, 0)
    assert by_domain["RISK_MANAGEMENT"] == figures(0, 0, 1, 1)
    assert by_domain["HUMAN_RESOURCES"] == figures(0, 0, 0, 0)


async def test_the_summary_follows_the_mission_filter(gql: GraphQL, support: Support) -> None:
    governance = await summary(
        gql, {"programmes": support.codes, "domains": ["GOVERNANCE"]}, "2024-07-01"
    )
    completed = await summary(
        gql, {"programmes": support.codes, "statuses": ["COMPLETED"]}, "2024-07-01"
    )
    pauls = await summary(
        gql,
        {"programmes": support.codes, "experts": [gid("Expert", support.paul)]},
        "2024-07-01",
    )

    # A1 and the cancelled mission; each counted once in the total, and A1's recommendations
    # of every domain in its programme's figures.
    assert governance["total"] == figures(2, 6, 2, 1)
    assert [row["domain"] for row in governance["byDomain"]] == ["GOVERNANCE"]
    assert governance["byDomain"][0] == {"domain": "GOVERNANCE", **figures(2, 6, 1, 1)}
    by_programme = {row.pop("programme")["code"]: row for row in governance["byProgramme"]}
    assert by_programme == {
        support.a["code"]: figures(2, 6, 2, 1),
        support.b["code"]: figures(0, 0, 0, 0),
        support.c["code"]: figures(0, 0, 0, 0),
    }
    assert completed["total"] == figures(1, 6, 2, 1)
    assert pauls["total"] == figures(2, 6, 2, 1)


@pytest.mark.parametrize(
    ("as_of", "overdue"),
    [
        # A1's first is due 30 June, A1's second 1 July, B1's 1 May.
        ("2024-04-30", 0),
        ("2024-05-01", 0),
        ("2024-05-02", 1),
        ("2024-06-30", 1),
        ("2024-07-01", 2),
        ("2024-07-02", 3),
    ],
)
async def test_a_recommendation_is_overdue_from_the_day_after_it_is_due(
    gql: GraphQL, support: Support, as_of: str, overdue: int
) -> None:
    got = await summary(gql, {"programmes": support.codes}, as_of)

    assert got["total"]["overdueRecommendations"] == overdue
    assert got["total"]["openRecommendations"] == 3


async def test_without_a_day_the_summary_judges_at_today(gql: GraphQL, support: Support) -> None:
    got = await summary(gql, {"programmes": support.codes}, None)

    assert got["asOf"] == TODAY.isoformat()
    assert got["total"]["overdueRecommendations"] == 3


async def test_a_programmes_staff_sees_only_its_own_support_and_recommendations(
    gql: GraphQL, support: Support
) -> None:
    as_b = {"programmes": support.b["code"]}

    got = await summary(gql, {"programmes": support.codes}, "2024-07-01", **as_b)
    body = await gql(RECOMMENDATIONS, {"filter": {"programmes": [support.a["code"]]}}, **as_b)
    own = await gql(RECOMMENDATIONS, {"filter": {"programmes": support.codes}}, **as_b)

    assert got["total"] == figures(1, 5, 1, 1)
    assert [row["programme"]["code"] for row in got["byProgramme"]] == [support.b["code"]]
    assert body["data"]["recommendations"] == {"totalCount": 0, "nodes": []}
    assert own["data"]["recommendations"]["totalCount"] == 2


async def test_an_expert_sees_the_support_of_the_programmes_she_supports(
    gql: GraphQL, support: Support
) -> None:
    got = await summary(
        gql,
        {"programmes": support.codes},
        "2024-07-01",
        role="EXPERT",
        subject=support.paul["email"],
    )

    assert [row["programme"]["code"] for row in got["byProgramme"]] == [support.a["code"]]
    assert got["total"] == figures(3, 11, 2, 1)


async def test_the_summary_takes_the_same_statements_for_two_or_six_programmes(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    async def programmes(count: int) -> list[str]:
        codes = []
        async with db.transaction() as s:
            expert = await m.expert(s)
            for _ in range(count):
                p = await n.programme(s)
                mission = await m.mission(s, p["id"], experts=[expert["id"]])
                await m.recommendation(s, p["id"], mission["id"])
                codes.append(p["code"])
        return codes

    counts = []
    for codes in (await programmes(2), await programmes(6)):
        with api.count_statements() as counter:
            got = await summary(gql, {"programmes": codes}, "2024-07-01")
        # Each programme: one planned mission (5 days, 1 expert), one recommendation due
        # 30 June, so overdue on 1 July.
        assert got["total"] == figures(len(codes), 5 * len(codes), len(codes), len(codes))
        counts.append(counter.count)

    assert counts[0] == counts[1]


# --- Programme.supportHistory ----------------------------------------------------------------


@dataclass
class Portfolio:
    programme: dict[str, Any]
    loans: dict[str, dict[str, Any]]
    missions: dict[str, dict[str, Any]]


def outstanding(loan: dict[str, Any], day: date) -> Decimal:
    """The loan's principal outstanding on `day`, from the rows the factory wrote."""
    if loan["disbursed_on"] is None or loan["disbursed_on"] > day:
        return Decimal(0)
    if loan["closed_on"] is not None and loan["closed_on"] <= day:
        return Decimal(0)
    reversed_ids = {r["reverses_id"] for r in loan["repayments"] if r["reverses_id"]}
    paid = sum(
        (
            r["principal_part"]
            for r in loan["repayments"]
            if r["kind"] is RepaymentKind.REPAYMENT
            and r["paid_on"] <= day
            and r["id"] not in reversed_ids
        ),
        Decimal(0),
    )
    return Decimal(loan["principal"]) - paid


@pytest.fixture
async def portfolio(db: Database) -> Portfolio:
    """Three loans of 100,000 XOF disbursed on 10 January 2024 (6 monthly installments from
    10 February): A repaid on time, B never paid, C's one payment reversed then written off
    on 1 May; D still pending; and missions created out of time order."""
    async with db.transaction() as s:
        p = await n.programme(s)
        elsewhere = await n.programme(s)
        facilitator = await g.facilitator(s, p["id"])
        group = await g.group(s, p["id"], facilitator["id"])
        product = await lf.product(s, p)
        members = [await g.member(s, p["id"], group["id"]) for _ in range(4)]
        total = [lf.installment_total_of(product, Decimal(100_000), i) for i in range(1, 7)]
        dues = [date(2024, month, 10) for month in range(2, 8)]
        loans = {
            "A": await lf.loan(
                s,
                product,
                members[0],
                group["id"],
                payments=[lf.Payment(day, amount) for day, amount in zip(dues, total, strict=True)],
            ),
            "B": await lf.loan(s, product, members[1], group["id"]),
            "C": await lf.loan(
                s,
                product,
                members[2],
                group["id"],
                payments=[lf.Payment(dues[0], total[0], reversed_on=date(2024, 2, 20))],
                written_off_on=date(2024, 5, 1),
            ),
            "D": await lf.loan(s, product, members[3], group["id"], disbursed_on=None),
        }
        # Another programme's loan must not count.
        f2 = await g.facilitator(s, elsewhere["id"])
        g2 = await g.group(s, elsewhere["id"], f2["id"])
        await lf.loan(
            s,
            await lf.product(s, elsewhere),
            await g.member(s, elsewhere["id"], g2["id"]),
            g2["id"],
        )
        expert = await m.expert(s, programmes=[p["id"]])

        async def mission(**values: Any) -> dict[str, Any]:
            return await m.mission(s, p["id"], experts=[expert["id"]], **values)

        missions = {
            "june": await mission(
                planned_start_on=date(2024, 6, 1), planned_end_on=date(2024, 6, 5)
            ),
            "january": await mission(
                planned_start_on=date(2024, 1, 4),
                planned_end_on=date(2024, 1, 8),
                status=MissionStatus.COMPLETED,
                actual_start_on=date(2024, 1, 5),
                actual_end_on=date(2024, 1, 8),
            ),
            "future": await mission(
                planned_start_on=date(2099, 1, 5), planned_end_on=date(2099, 1, 9)
            ),
            # Planned for late March, started on 1 April: its day is 1 April.
            "april": await mission(
                planned_start_on=date(2024, 3, 28),
                planned_end_on=date(2024, 4, 5),
                status=MissionStatus.IN_PROGRESS,
                actual_start_on=date(2024, 4, 1),
            ),
            "march": await mission(
                planned_start_on=date(2024, 3, 1), planned_end_on=date(2024, 3, 5)
            ),
        }
    assert loans["A"]["status"] is LoanStatus.REPAID
    assert loans["C"]["status"] is LoanStatus.WRITTEN_OFF
    return Portfolio(p, loans, missions)


async def history(gql: GraphQL, code: str, **variables: Any) -> dict[str, Any]:
    body = await gql(HISTORY, {"code": code, **variables})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["programme"]["supportHistory"]
    return result


async def test_support_history_lists_missions_in_time_order_next_to_the_portfolio_that_day(
    gql: GraphQL, portfolio: Portfolio
) -> None:
    loans = portfolio.loans

    got = await history(gql, portfolio.programme["code"], first=10)

    order = ["january", "march", "april", "june", "future"]
    assert got["totalCount"] == 5
    assert [e["mission"]["id"] for e in got["nodes"]] == [
        gid("Mission", portfolio.missions[name]) for name in order
    ]
    days = [date(2024, 1, 5), date(2024, 3, 1), date(2024, 4, 1), date(2024, 6, 1), TODAY]
    assert [e["on"] for e in got["nodes"]] == [d.isoformat() for d in days]
    by_day = dict(zip(order, got["nodes"], strict=True))

    def glp(day: date, *names: str) -> str:
        return str(sum((outstanding(loans[x], day) for x in names), Decimal(0)))

    # Before any disbursement: nothing outstanding, no ratio.
    assert by_day["january"]["grossLoanPortfolio"] == {"amount": "0", "currency": {"code": "XOF"}}
    assert (by_day["january"]["par30"], by_day["january"]["activeBorrowers"]) == (None, 0)
    # 1 March: A has paid its first installment; C's payment was reversed, so C owes it all;
    # nothing is more than 30 days late yet.
    march = by_day["march"]
    assert march["grossLoanPortfolio"]["amount"] == glp(date(2024, 3, 1), "A", "B", "C")
    assert Decimal(march["grossLoanPortfolio"]["amount"]) < 300_000
    assert (march["portfolioAtRisk30"]["amount"], march["par30"]) == ("0", "0.000000")
    assert march["activeBorrowers"] == 3
    # 1 April: the 10 February installment is 51 days late for B and C: all they owe is at risk.
    april = by_day["april"]
    assert april["grossLoanPortfolio"]["amount"] == glp(date(2024, 4, 1), "A", "B", "C")
    assert april["portfolioAtRisk30"]["amount"] == "200000"
    # PAR30 as the indicators compute it: one formula, one rounding.
    at_risk = portfolio_at_risk(Decimal(200_000), Decimal(april["grossLoanPortfolio"]["amount"]))
    assert april["par30"] == str(at_risk)
    assert april["activeBorrowers"] == 3
    # 1 June: C was written off on 1 May and no longer counts.
    june = by_day["june"]
    assert june["grossLoanPortfolio"]["amount"] == glp(date(2024, 6, 1), "A", "B")
    assert june["portfolioAtRisk30"]["amount"] == "100000"
    assert june["activeBorrowers"] == 2
    # A mission still to come shows today's portfolio: A repaid, only B left, all at risk.
    future = by_day["future"]
    assert future["grossLoanPortfolio"]["amount"] == "100000"
    assert (future["par30"], future["activeBorrowers"]) == ("1.000000", 1)


async def test_support_history_pages_forward_and_backward_in_time_order(
    gql: GraphQL, portfolio: Portfolio
) -> None:
    code = portfolio.programme["code"]
    names = ["january", "march", "april", "june", "future"]
    expected = [gid("Mission", portfolio.missions[name]) for name in names]

    def missions(page: dict[str, Any]) -> list[str]:
        return [e["mission"]["id"] for e in page["nodes"]]

    first = await history(gql, code, first=2)
    second = await history(gql, code, first=2, after=first["pageInfo"]["endCursor"])
    third = await history(gql, code, first=2, after=second["pageInfo"]["endCursor"])
    last = await history(gql, code, last=2)
    before = await history(gql, code, last=2, before=last["pageInfo"]["startCursor"])

    assert missions(first) + missions(second) + missions(third) == expected
    assert (first["pageInfo"]["hasNextPage"], first["pageInfo"]["hasPreviousPage"]) == (True, False)
    assert third["pageInfo"]["hasNextPage"] is False
    assert missions(last) == expected[3:]
    assert last["pageInfo"]["hasPreviousPage"] is True
    assert missions(before) == expected[1:3]


async def test_support_history_takes_a_mission_filter(gql: GraphQL, portfolio: Portfolio) -> None:
    got = await history(
        gql, portfolio.programme["code"], first=10, filter={"statuses": ["PLANNED"]}
    )

    assert got["totalCount"] == 3
    assert [e["mission"]["id"] for e in got["nodes"]] == [
        gid("Mission", portfolio.missions[name]) for name in ("march", "june", "future")
    ]


async def test_loans_kept_in_a_replaced_currency_count_converted(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        munafa = await n.programme(s, currency_code="SLE", country_code="FR")
        facilitator = await g.facilitator(s, munafa["id"])
        group = await g.group(s, munafa["id"], facilitator["id"])
        old_leones = await lf.product(
            s,
            munafa,
            currency_code="SLL",
            min_principal=Decimal(500_000),
            max_principal=Decimal(5_000_000),
        )
        member = await g.member(s, munafa["id"], group["id"])
        await lf.loan(
            s,
            old_leones,
            member,
            group["id"],
            principal=Decimal(1_500_000),
            disbursed_on=date(2022, 3, 1),
        )
        await m.mission(s, munafa["id"], planned_start_on=date(2022, 4, 4))
        # As the indicators convert: at the month's rates, which keep 1,000 SLL per SLE.
        await n.rate(s, "SLE", date(2022, 4, 1), Decimal("13.5"), Decimal("13.4"))
        await n.rate(s, "SLL", date(2022, 4, 1), Decimal("13500"), Decimal("13400"))

    got = await history(gql, munafa["code"], first=5)

    assert got["nodes"][0]["grossLoanPortfolio"] == {
        "amount": "1500.00",
        "currency": {"code": "SLE"},
    }


async def test_only_its_own_staff_and_head_office_see_a_programmes_support_history(
    db: Database, gql: GraphQL, portfolio: Portfolio
) -> None:
    code = portfolio.programme["code"]
    async with db.transaction() as s:
        other = await n.programme(s)

    own = await gql(HISTORY, {"code": code, "first": 5}, programmes=code)
    foreign = await gql(HISTORY, {"code": code, "first": 5}, programmes=other["code"])

    assert own["data"]["programme"]["supportHistory"]["totalCount"] == 5
    assert foreign["data"]["programme"] is None


async def test_support_histories_of_many_programmes_take_the_same_statements(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    async def programmes(count: int) -> list[str]:
        codes = []
        async with db.transaction() as s:
            expert = await m.expert(s)
            for i in range(count):
                p = await n.programme(s)
                facilitator = await g.facilitator(s, p["id"])
                group = await g.group(s, p["id"], facilitator["id"])
                product = await lf.product(s, p)
                member = await g.member(s, p["id"], group["id"])
                await lf.loan(s, product, member, group["id"])
                for month in range(1, 4 + i % 2):
                    mission = await m.mission(
                        s,
                        p["id"],
                        experts=[expert["id"]],
                        planned_start_on=date(2024, month, 4),
                        planned_end_on=date(2024, month, 8),
                    )
                    await m.attachment(s, p["id"], mission["id"])
                codes.append(p["code"])
        return codes

    counts = []
    for codes in (await programmes(2), await programmes(5)):
        with api.count_statements() as counter:
            body = await gql(HISTORIES, {"codes": codes})
        assert "errors" not in body, body
        nodes = body["data"]["programmes"]["nodes"]
        assert len(nodes) == len(codes)
        assert all(x["supportHistory"]["nodes"][-1]["activeBorrowers"] == 1 for x in nodes)
        counts.append(counter.count)

    assert counts[0] == counts[1]


# --- filters and the follow-up trail as read -----------------------------------------------


async def test_missions_filter_by_the_days_they_are_held(db: Database, gql: GraphQL) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        planned = await m.mission(s, p["id"])  # 4-8 March
        # Planned early April, started 2 May and still under way.
        running = await m.mission(
            s,
            p["id"],
            planned_start_on=date(2024, 4, 1),
            planned_end_on=date(2024, 4, 5),
            status=MissionStatus.IN_PROGRESS,
            actual_start_on=date(2024, 5, 2),
        )
        # Planned end of May, held early June.
        held_late = await m.mission(
            s,
            p["id"],
            planned_start_on=date(2024, 5, 27),
            planned_end_on=date(2024, 5, 31),
            status=MissionStatus.COMPLETED,
            actual_start_on=date(2024, 6, 3),
            actual_end_on=date(2024, 6, 5),
        )

    async def found(**filter: Any) -> list[str]:
        body = await gql(MISSIONS, {"filter": {"programmes": [p["code"]], **filter}})
        return ids(body["data"]["missions"])

    may = {"from": "2024-05-01", "to": "2024-05-31"}
    assert await found(heldBetween=may) == [gid("Mission", running)]
    assert await found(plannedBetween=may) == [gid("Mission", held_late)]
    assert await found(heldBetween={"from": "2024-07-01"}) == [gid("Mission", running)]
    assert await found(heldBetween={"to": "2024-03-04"}) == [gid("Mission", planned)]
    assert await found(heldBetween={"from": "2024-06-05", "to": "2024-06-05"}) == [
        gid("Mission", running),
        gid("Mission", held_late),
    ]


async def test_recommendations_filter_by_due_days_and_show_their_trail(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        mission = await m.mission(s, p["id"])
        june = await m.recommendation(s, p["id"], mission["id"], due_on=date(2024, 6, 30))
        await m.recommendation(s, p["id"], mission["id"], due_on=date(2024, 9, 30))
        await m.status_change(s, june, comment="Recommended.")
        await m.status_change(
            s,
            june,
            from_status=RecommendationStatus.OPEN,
            to_status=RecommendationStatus.DONE,
            changed_on=date(2024, 6, 1),
            comment="Done early.",
        )

    body = await gql(
        RECOMMENDATIONS,
        {
            "filter": {
                "programmes": [p["code"]],
                "dueBetween": {"from": "2024-06-01", "to": "2024-06-30"},
            }
        },
    )

    assert body["data"]["recommendations"] == {
        "totalCount": 1,
        "nodes": [
            {
                "id": gid("Recommendation", june),
                "statusHistory": [
                    {"status": "OPEN", "comment": "Recommended."},
                    {"status": "DONE", "comment": "Done early."},
                ],
            }
        ],
    }


async def test_attachments_and_trails_read_in_constant_statements(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    async def programme_with(missions: int) -> str:
        async with db.transaction() as s:
            p = await n.programme(s)
            for _ in range(missions):
                mission = await m.mission(s, p["id"])
                await m.attachment(s, p["id"], mission["id"])
                rec = await m.recommendation(s, p["id"], mission["id"])
                await m.status_change(s, rec)
        code: str = p["code"]
        return code

    counts = []
    for code in (await programme_with(2), await programme_with(8)):
        with api.count_statements() as counter:
            body = await gql(DEEP, {"code": code})
        assert "errors" not in body, body
        nodes = body["data"]["programme"]["missions"]["nodes"]
        assert all(len(x["attachments"]) == 1 for x in nodes)
        counts.append(counter.count)

    assert counts[0] == counts[1]


async def test_a_programmes_staff_does_not_see_another_programmes_attachments_or_trails(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p = await n.programme(s)
        other = await n.programme(s)
        mission = await m.mission(s, p["id"])
        await m.attachment(s, p["id"], mission["id"])
        rec = await m.recommendation(s, p["id"], mission["id"])
        await m.status_change(s, rec)

    node = "query ($id: ID!) { node(id: $id) { id } }"
    mission_seen = await gql(node, {"id": gid("Mission", mission)}, programmes=other["code"])
    rec_seen = await gql(node, {"id": gid("Recommendation", rec)}, programmes=other["code"])
    listed = await gql(RECOMMENDATIONS, {"filter": {}}, programmes=other["code"])
    own = await gql(DEEP, {"code": p["code"]}, programmes=p["code"])

    assert mission_seen["data"]["node"] is None
    assert rec_seen["data"]["node"] is None
    assert listed["data"]["recommendations"]["totalCount"] == 0
    (got,) = own["data"]["programme"]["missions"]["nodes"]
    assert len(got["attachments"]) == 1
    assert len(got["recommendations"]["nodes"][0]["statusHistory"]) == 1
