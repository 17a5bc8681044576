"""Head-office indicators through the API, on a small portfolio whose figures are worked out
by hand below.

The portfolio is built relative to a day R (the as-of day): once in the past (R = 30 June
2023, read from the ledger, then from month-end snapshots) and once today (read from the
loans' derived state). Loans are weekly, 10 installments, 1% flat per week: a loan of 100,000
XOF asks 10,000 principal + 1,000 interest = 11,000 a week, the first a week after
disbursement.

Programme P (XOF, Senegal), group G1 (eight women M1..M8), group G2 (one man, M9):
  A  M1, cycle 2, disbursed R-35, due R-28, R-21, R-14, R-7, R..., paid 11,000 on each of the
     first four due days. The one due on R is unpaid at the end of R: due today, not late.
     Outstanding 100,000 - 4 x 10,000 = 60,000.
  B  M2, disbursed R-45, due R-38, R-31, R-24, R-17, R-10, R-3..., paid 11,000 on R-38 and
     5,000 on R-20 (interest 1,000 + principal 4,000 of the 2nd). Outstanding 100,000 - 14,000
     = 86,000; oldest unpaid due R-31: 31 days late, in PAR30 with all its 86,000.
  C  M3, disbursed R-97, due R-90 ... R-27, nothing paid: 90 days late, in PAR30 but not in
     PAR90 (more than 90 days). Outstanding 100,000.
  D  M4, 50,000 (5,000 + 500 a week), disbursed R-98, due R-91 ... R-28, nothing paid: 91
     days late, in PAR30 and PAR90. Outstanding 50,000.
  W  M5, disbursed R-200, paid 11,000 on R-193, written off on R-10: 90,000 written off, out
     of the portfolio.
  V  M8, disbursed R-21, due R-14, R-7, R..., paid 11,000 on R-14, and 11,000 on R-7 that was
     reversed on R-3 (recorded on the wrong loan): outstanding 90,000, oldest unpaid R-7.
  R1 M6, disbursed R-100, repaid in one payment of 110,000 on R-20; her next loan N6
     (cycle 2, 100,000) is disbursed on R-5, within 90 days: retained.
  R2 M7, disbursed R-100, repaid 110,000 on R-15, no next loan: not retained.
Savings: M1 5,000 on R-50, -2,000 on R-10 (3,000); M2 1,000 on R-40, -1,000 on R-5 (0, not a
depositor); M3 2,500 on R-60. Total 5,500, 2 depositors.

At the end of R (stocks):
  GLP = A 60,000 + B 86,000 + C 100,000 + D 50,000 + V 90,000 + N6 100,000 = 486,000
  active loans and borrowers 6 (M1, M2, M3, M4, M8, M6); first cycle: M2, M3, M4, M8 = 4
  PAR30 = B + C + D = 236,000 / 486,000 = 0.485597; PAR90 = D = 50,000 / 486,000 = 0.102881
  average outstanding balance = 486,000 / 6 = 81,000
  members 9, women 8 (0.888889), groups 2, average size 4.5
Over the period [R-29, R] (flows):
  disbursed V (R-21) and N6 (R-5): 2, 200,000; written off W: 1, 90,000
  due: A R-28, R-21, R-14, R-7, R = 55,000 (44,000 on time: the one due on R is not paid);
       B R-24, R-17, R-10, R-3 = 44,000 (none on time: by R-24 only 11,000 was paid, which the
       1st installment took; the 5,000 of R-20 went to the 2nd, late);
       C R-27 = 11,000; D R-28 = 5,500; V R-14, R-7, R = 33,000 (11,000 on time: the reversed
       payment never counts). Total 148,500, on time 55,000: rate 0.370370
  repaid in full: R1 (R-20) and R2 (R-15); retained: R1's borrower. Retention 0.5 once their
       90 days are over (the past instance); today, not known yet (null)
  average GLP (past instance, period = June 2023): GLP at the end of May (R-30) =
       A 100,000 + B 90,000 + C 100,000 + D 50,000 + W 90,000 + R1 100,000 + R2 100,000 =
       630,000; at the end of June 486,000; average 558,000. Write-off ratio 90,000 / 558,000
       = 0.161290.

Programme Q (HTG, Haiti): H1 (woman, group GH) borrows 10,000.00 HTG on R-10 (1,000 + 100 a
week), pays 1,100.00 on R-3: outstanding 9,000.00; disbursed 10,000.00; due and on time
1,100.00.

EUR, past instance: XOF 655.957; HTG May 2023 closing 145, average 144; June 2023 closing
150, average 148.
  P: GLP 486,000 / 655.957 = 740.90; PAR30 359.78; PAR90 76.22; disbursed 304.90; written
     off 137.20; due 226.39; on time 83.85; savings 8.38; average GLP (960.43 + 740.90) / 2
     = 850.67 (each month-end at its own closing rate)
  Q: GLP 9,000 / 150 = 60.00; disbursed 10,000 / 148 = 67.57; due and on time 7.43; average
     GLP (0 + 60.00) / 2 = 30.00
  Network (P + Q): GLP 800.90; PAR30 359.78 / 800.90 = 0.449220; PAR90 76.22 / 800.90 =
     0.095168; written off 137.20 / average 880.67 = 0.155790; on time 91.28 / 233.82 =
     0.390386; 7 borrowers, 114.41 each; first cycle 5 / 7 = 0.714286; members 10, women 9
     (0.9), groups 3 (3.3); retention 1 / 2.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import indicators as db_indicators
from db.engine import Database
from db.models import Loan, Repayment
from db.models.indicators import IndicatorState
from db.scope import Scope
from domain.enums import Gender, InstallmentFrequency, RepaymentKind
from domain.ids import uuid7
from domain.indicators import add_months, month_start, months_between
from tests.conftest import GraphQL, RunningServer
from tests.factories import groups as g
from tests.factories import loans as f
from tests.factories import network as n
from tests.factories import savings as sv
from tests.factories.loans import Payment

XOF = Decimal("655.957")
PAST = date(2023, 6, 30)

AMOUNT = "{ local { amount currency { code } } eur { amount } rate rateKind rateFrom rateTo }"
FIGURES = """
  activeLoans activeBorrowers par30 par90 disbursements writeOffs writeOffRatio
  onTimeRepaymentRate activeDepositors activeMembers womenMembers womenShare
  firstCycleBorrowers firstCycleShare groups averageGroupSize borrowersWhoRepaid
  borrowersRetained retentionRate
"""
REPORT_FIELDS = f"""
    asOf period {{ from to }}
    network {{
      programmeCount {FIGURES}
      grossLoanPortfolio {{ amount currency {{ code }} }} portfolioAtRisk30 {{ amount }}
      portfolioAtRisk90 {{ amount }} averageOutstandingBalance {{ amount }}
      disbursedAmount {{ amount }} writtenOffAmount {{ amount }}
      averageGrossLoanPortfolio {{ amount }} amountDue {{ amount }}
      amountReceivedOnTime {{ amount }} savingsBalance {{ amount }}
    }}
    countries {{ country {{ code name }} programmeCount grossLoanPortfolio {{ amount }} par30 }}
    programmes {{
      programme {{ code }} currency {{ code }} {FIGURES}
      grossLoanPortfolio {AMOUNT} portfolioAtRisk30 {AMOUNT} portfolioAtRisk90 {AMOUNT}
      averageOutstandingBalance {AMOUNT} disbursedAmount {AMOUNT} writtenOffAmount {AMOUNT}
      averageGrossLoanPortfolio {AMOUNT} amountDue {AMOUNT} amountReceivedOnTime {AMOUNT}
      savingsBalance {AMOUNT}
    }}
"""
REPORT = f"""
query ($asOf: Date, $period: PeriodInput, $programmes: [String!]) {{
  indicators(asOf: $asOf, period: $period, programmes: $programmes) {{ {REPORT_FIELDS} }}
}}
"""
SERIES = f"""
query ($from: Date!, $to: Date!, $programmes: [String!]) {{
  indicatorSeries(from: $from, to: $to, programmes: $programmes) {{ {REPORT_FIELDS} }}
}}
"""


async def portfolio(s: AsyncSession, r: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """Programmes P (XOF) and Q (HTG) as described above, around the day r."""

    def day(offset: int) -> date:
        return r + timedelta(days=offset)

    p = await n.programme(s)
    facilitator = await g.facilitator(s, p["id"])
    g1 = await g.group(s, p["id"], facilitator["id"])
    g2 = await g.group(s, p["id"], facilitator["id"])
    m = [await g.member(s, p["id"], g1["id"]) for _ in range(8)]
    await g.member(s, p["id"], g2["id"], gender=Gender.MALE, first_name="Ousmane")
    weekly = await f.product(
        s,
        p,
        installments=10,
        installment_frequency=InstallmentFrequency.WEEKLY,
        period_rate_percent=Decimal(1),
        min_principal=Decimal(10_000),
    )

    async def loan(member: dict[str, Any], disbursed: int, **kwargs: Any) -> dict[str, Any]:
        return await f.loan(s, weekly, member, g1["id"], disbursed_on=day(disbursed), **kwargs)

    paid = Decimal(11_000)
    await loan(m[0], -35, cycle=2, payments=[Payment(day(d), paid) for d in (-28, -21, -14, -7)])
    await loan(m[1], -45, payments=[Payment(day(-38), paid), Payment(day(-20), Decimal(5_000))])
    await loan(m[2], -97)
    await loan(m[3], -98, principal=Decimal(50_000))
    await loan(m[4], -200, payments=[Payment(day(-193), paid)], written_off_on=day(-10))
    await loan(
        m[7],
        -21,
        payments=[Payment(day(-14), paid), Payment(day(-7), paid, reversed_on=day(-3))],
    )
    await loan(m[5], -100, payments=[Payment(day(-20), Decimal(110_000))])
    await loan(m[5], -5, cycle=2)
    await loan(m[6], -100, payments=[Payment(day(-15), Decimal(110_000))])
    await sv.account(
        s, p, m[0], movements=[sv.deposit(day(-50), 5_000), sv.withdrawal(day(-10), 2_000)]
    )
    await sv.account(
        s, p, m[1], movements=[sv.deposit(day(-40), 1_000), sv.withdrawal(day(-5), 1_000)]
    )
    await sv.account(s, p, m[2], movements=[sv.deposit(day(-60), 2_500)])

    q = await n.programme(
        s, code=f"Q{p['code'][-6:]}", name="Palmis (test)", country_code="HT", currency_code="HTG"
    )
    facilitator_q = await g.facilitator(s, q["id"])
    gh = await g.group(s, q["id"], facilitator_q["id"])
    h1 = await g.member(s, q["id"], gh["id"])
    product_q = await f.product(
        s,
        q,
        installments=10,
        installment_frequency=InstallmentFrequency.WEEKLY,
        period_rate_percent=Decimal(1),
        min_principal=Decimal(1_000),
        max_principal=Decimal(100_000),
    )
    await f.loan(
        s,
        product_q,
        h1,
        gh["id"],
        principal=Decimal("10000.00"),
        disbursed_on=day(-10),
        payments=[Payment(day(-3), Decimal("1100.00"))],
    )
    return p, q


async def past_rates(s: AsyncSession) -> None:
    for month in (date(2023, 5, 1), date(2023, 6, 1)):
        await n.rate(s, "XOF", month, XOF, XOF)
    await n.rate(s, "HTG", date(2023, 5, 1), Decimal(145), Decimal(144))
    await n.rate(s, "HTG", date(2023, 6, 1), Decimal(150), Decimal(148))


def by_code(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(x for x in report["programmes"] if x["programme"]["code"] == code)


def assert_local_figures(got: dict[str, Any], *, retention_known: bool = True) -> None:
    """Programme P's figures worked out in the module docstring (same for both instances, but
    for retention, known 90 days after the repayments only)."""
    assert got["grossLoanPortfolio"]["local"] == {"amount": "486000", "currency": {"code": "XOF"}}
    assert got["activeLoans"] == 6
    assert got["activeBorrowers"] == 6
    assert got["portfolioAtRisk30"]["local"]["amount"] == "236000"
    assert got["par30"] == "0.485597"
    assert got["portfolioAtRisk90"]["local"]["amount"] == "50000"
    assert got["par90"] == "0.102881"
    assert got["averageOutstandingBalance"]["local"]["amount"] == "81000"
    assert got["firstCycleBorrowers"] == 4
    assert got["firstCycleShare"] == "0.666667"
    assert (got["disbursements"], got["disbursedAmount"]["local"]["amount"]) == (2, "200000")
    assert (got["writeOffs"], got["writtenOffAmount"]["local"]["amount"]) == (1, "90000")
    assert got["amountDue"]["local"]["amount"] == "148500"
    assert got["amountReceivedOnTime"]["local"]["amount"] == "55000"
    assert got["onTimeRepaymentRate"] == "0.370370"
    assert got["savingsBalance"]["local"]["amount"] == "5500"
    assert got["activeDepositors"] == 2
    assert (got["activeMembers"], got["womenMembers"], got["womenShare"]) == (9, 8, "0.888889")
    assert (got["groups"], got["averageGroupSize"]) == (2, "4.5")
    if retention_known:
        assert (got["borrowersWhoRepaid"], got["borrowersRetained"]) == (2, 1)
        assert got["retentionRate"] == "0.500000"
    else:
        assert (got["borrowersWhoRepaid"], got["borrowersRetained"]) == (0, 0)
        assert got["retentionRate"] is None


def assert_past_report(report: dict[str, Any], p: dict[str, Any], q: dict[str, Any]) -> None:
    assert report["asOf"] == "2023-06-30"
    assert report["period"] == {"from": "2023-06-01", "to": "2023-06-30"}
    got_p = by_code(report, p["code"])
    assert_local_figures(got_p)
    # Balances at June's closing rate, flows at June's average rate (the period is June).
    assert got_p["grossLoanPortfolio"] == {
        "local": {"amount": "486000", "currency": {"code": "XOF"}},
        "eur": {"amount": "740.90"},
        "rate": "655.957",
        "rateKind": "CLOSING",
        "rateFrom": "2023-06-01",
        "rateTo": "2023-06-01",
    }
    assert got_p["averageGrossLoanPortfolio"]["local"]["amount"] == "558000"
    assert got_p["averageGrossLoanPortfolio"]["eur"]["amount"] == "850.67"
    assert got_p["writeOffRatio"] == "0.161290"
    got_q = by_code(report, q["code"])
    assert got_q["grossLoanPortfolio"] == {
        "local": {"amount": "9000.00", "currency": {"code": "HTG"}},
        "eur": {"amount": "60.00"},
        "rate": "150",
        "rateKind": "CLOSING",
        "rateFrom": "2023-06-01",
        "rateTo": "2023-06-01",
    }
    assert got_q["disbursedAmount"]["eur"] == {"amount": "67.57"}
    assert (got_q["disbursedAmount"]["rate"], got_q["disbursedAmount"]["rateKind"]) == (
        "148",
        "AVERAGE",
    )
    net = report["network"]
    assert net["programmeCount"] == 2
    assert net["grossLoanPortfolio"] == {"amount": "800.90", "currency": {"code": "EUR"}}
    assert net["portfolioAtRisk30"] == {"amount": "359.78"}
    assert net["par30"] == "0.449220"
    assert net["par90"] == "0.095168"
    assert net["averageGrossLoanPortfolio"] == {"amount": "880.67"}
    assert net["writeOffRatio"] == "0.155790"
    assert (net["amountDue"], net["amountReceivedOnTime"]) == (
        {"amount": "233.82"},
        {"amount": "91.28"},
    )
    assert net["onTimeRepaymentRate"] == "0.390386"
    assert (net["activeBorrowers"], net["averageOutstandingBalance"]) == (7, {"amount": "114.41"})
    assert net["firstCycleShare"] == "0.714286"
    assert (net["activeMembers"], net["womenShare"], net["averageGroupSize"]) == (
        10,
        "0.900000",
        "3.3",
    )
    assert net["retentionRate"] == "0.500000"
    assert [c["country"]["code"] for c in report["countries"]] == ["HT", "SN"]
    assert report["countries"][1]["grossLoanPortfolio"] == {"amount": "740.90"}


async def test_the_portfolio_figures_as_of_a_past_day_come_from_the_ledger(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p, q = await portfolio(s, PAST)
        await past_rates(s)
    variables = {
        "asOf": "2023-06-30",
        "period": {"from": "2023-06-01", "to": "2023-06-30"},
        "programmes": [p["code"], q["code"]],
    }

    body = await gql(REPORT, variables)

    assert "errors" not in body, body
    assert_past_report(body["data"]["indicators"], p, q)


async def refresh(db: Database, *programmes: dict[str, Any]) -> None:
    for programme in programmes:
        async with db.transaction() as s:
            await db_indicators.refresh_programme(
                s, Scope.network(), programme["id"], today=date.today()
            )


async def test_month_end_snapshots_give_the_same_figures_and_follow_a_back_dated_write(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p, q = await portfolio(s, PAST)
        await past_rates(s)
    variables = {
        "asOf": "2023-06-30",
        "period": {"from": "2023-06-01", "to": "2023-06-30"},
        "programmes": [p["code"], q["code"]],
    }
    from_ledger = await gql(REPORT, variables)

    await refresh(db, p, q)
    from_snapshots = await gql(REPORT, variables)

    assert from_snapshots == from_ledger
    assert_past_report(from_snapshots["data"]["indicators"], p, q)

    # Given a repayment recorded late on C, dated 20 June 2023: 11,000 pays its 1st
    # installment, C's outstanding falls to 90,000 and the GLP to 476,000.
    async with db.transaction() as s:
        c = await s.scalar(
            select(Loan.id).where(
                Loan.programme_id == p["id"], Loan.disbursed_on == PAST - timedelta(days=97)
            )
        )
        await s.execute(
            insert(Repayment).values(
                id=uuid7(),
                programme_id=p["id"],
                loan_id=c,
                kind=RepaymentKind.REPAYMENT,
                paid_on=date(2023, 6, 20),
                amount=Decimal(11_000),
                principal_part=Decimal(10_000),
                interest_part=Decimal(1_000),
            )
        )

    after = await gql(REPORT, variables)

    async with db.read() as s:
        valid_through = await s.scalar(
            select(IndicatorState.valid_through).where(IndicatorState.programme_id == p["id"])
        )
    assert valid_through == date(2023, 6, 19)
    got = by_code(after["data"]["indicators"], p["code"])
    assert got["grossLoanPortfolio"]["local"]["amount"] == "476000"
    assert got["portfolioAtRisk30"]["local"]["amount"] == "226000"


async def test_as_of_today_the_figures_come_from_the_loans_derived_state(
    db: Database, gql: GraphQL
) -> None:
    today = date.today()
    first = today - timedelta(days=29)
    htg = {
        m: (Decimal(150 + i), Decimal(140 + 2 * i))
        for i, m in enumerate(months_between(add_months(month_start(today), -3), today))
    }
    async with db.transaction() as s:
        p, q = await portfolio(s, today)
        for month, (closing, average) in htg.items():
            await n.rate(s, "XOF", month, XOF, XOF)
            await n.rate(s, "HTG", month, closing, average)

    body = await gql(
        REPORT,
        {
            "period": {"from": first.isoformat(), "to": today.isoformat()},
            "programmes": [p["code"], q["code"]],
        },
    )

    assert "errors" not in body, body
    report = body["data"]["indicators"]
    assert report["asOf"] == today.isoformat()
    # R1 and R2 were repaid less than 90 days ago: their retention is not known yet.
    assert_local_figures(by_code(report, p["code"]), retention_known=False)
    got_q = by_code(report, q["code"])
    closing = htg[month_start(today)][0]
    assert got_q["grossLoanPortfolio"]["eur"]["amount"] == str(
        (Decimal(9000) / closing).quantize(Decimal("0.01"))
    )
    # Flows at the mean of the average rates of the months the period touches.
    months = months_between(first, today)
    average = sum(htg[m][1] for m in months) / len(months)
    assert Decimal(got_q["disbursedAmount"]["rate"]) == average
    assert got_q["disbursedAmount"]["rateFrom"] == months[0].isoformat()
    assert got_q["disbursedAmount"]["rateTo"] == months[-1].isoformat()


async def test_a_monthly_series_ends_with_the_month_as_the_report_gives_it(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    async with db.transaction() as s:
        p, q = await portfolio(s, PAST)
        await past_rates(s)
        for month in (date(2023, 1, 1), date(2023, 2, 1), date(2023, 3, 1), date(2023, 4, 1)):
            await n.rate(s, "XOF", month, XOF, XOF)
            await n.rate(s, "HTG", month, Decimal(140), Decimal(140))
    codes = [p["code"], q["code"]]

    with api.count_statements() as for_three_months:
        series = await gql(SERIES, {"from": "2023-04-01", "to": "2023-06-30", "programmes": codes})
    with api.count_statements() as for_six_months:
        longer = await gql(SERIES, {"from": "2023-01-15", "to": "2023-06-01", "programmes": codes})
    june = await gql(
        REPORT,
        {
            "asOf": "2023-06-30",
            "period": {"from": "2023-06-01", "to": "2023-06-30"},
            "programmes": codes,
        },
    )

    assert "errors" not in series, series
    months = series["data"]["indicatorSeries"]
    assert [m["asOf"] for m in months] == ["2023-04-30", "2023-05-31", "2023-06-30"]
    assert [m["period"]["from"] for m in months] == ["2023-04-01", "2023-05-01", "2023-06-01"]
    assert months[-1] == june["data"]["indicators"]
    # May: W's 90,000 and R1, R2 (100,000 each) were outstanding; V and N6 not yet disbursed.
    may = by_code(months[1], p["code"])
    assert may["grossLoanPortfolio"]["local"]["amount"] == "630000"
    assert len(longer["data"]["indicatorSeries"]) == 6
    assert for_three_months.count == for_six_months.count


async def test_the_statements_do_not_grow_with_the_programmes(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    async with db.transaction() as s:
        await past_rates(s)
        few = [await portfolio(s, PAST)]
        many = [await portfolio(s, PAST) for _ in range(3)]

    def codes(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[str]:
        return [x["code"] for pair in pairs for x in pair]

    variables = {"asOf": "2023-06-30", "period": {"from": "2023-06-01", "to": "2023-06-30"}}
    with api.count_statements() as for_two:
        two = await gql(REPORT, variables | {"programmes": codes(few)})
    with api.count_statements() as for_six:
        six = await gql(REPORT, variables | {"programmes": codes(many)})

    assert len(two["data"]["indicators"]["programmes"]) == 2
    assert len(six["data"]["indicators"]["programmes"]) == 6
    assert six["data"]["indicators"]["network"]["activeBorrowers"] == 3 * 7
    assert for_two.count == for_six.count


async def test_a_viewer_scoped_to_a_programme_gets_its_figures_only(
    db: Database, gql: GraphQL
) -> None:
    async with db.transaction() as s:
        p, q = await portfolio(s, PAST)
        await past_rates(s)

    body = await gql(
        REPORT,
        {"asOf": "2023-06-30", "programmes": [p["code"], q["code"]]},
        programmes=p["code"],
    )

    report = body["data"]["indicators"]
    assert [x["programme"]["code"] for x in report["programmes"]] == [p["code"]]
    assert report["network"]["programmeCount"] == 1
    assert report["network"]["grossLoanPortfolio"] == {
        "amount": "740.90",
        "currency": {"code": "EUR"},
    }
    assert [c["country"]["code"] for c in report["countries"]] == ["SN"]


async def test_without_a_period_the_flows_are_the_year_to_the_as_of_day(gql: GraphQL) -> None:
    body = await gql(REPORT, {"asOf": "2023-06-30", "programmes": ["NONE"]})

    report = body["data"]["indicators"]
    assert report["period"] == {"from": "2023-01-01", "to": "2023-06-30"}
    assert report["programmes"] == []
    assert report["network"]["programmeCount"] == 0
    assert report["network"]["par30"] is None


async def test_a_day_after_today_is_refused(gql: GraphQL) -> None:
    tomorrow = date.today() + timedelta(days=1)

    body = await gql(REPORT, {"asOf": tomorrow.isoformat()})

    assert body["data"] is None
    assert body["errors"][0]["message"].startswith("Invalid `asOf`")


DASHBOARD = """
query ($period: PeriodInput, $programmes: [String!]) {
  indicators(period: $period, programmes: $programmes) { %s }
}
"""
LOCAL = "{ local { amount currency { code } } }"
GLP_PAR30 = f"""programmes {{
  programme {{ code }} currency {{ code }} grossLoanPortfolio {LOCAL}
  portfolioAtRisk30 {LOCAL} par30
}}"""


def agrees(got: Any, full: Any) -> bool:
    """Every value of `got` (a selection without aliases) is the full report's."""
    if isinstance(got, dict):
        return all(agrees(value, full[key]) for key, value in got.items() if key != "__typename")
    if isinstance(got, list):
        return len(got) == len(full) and all(agrees(a, b) for a, b in zip(got, full, strict=True))
    return bool(got == full)


async def test_a_dashboard_runs_only_the_statements_its_figures_need(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    today = date.today()
    period = {"from": (today - timedelta(days=200)).isoformat(), "to": today.isoformat()}
    async with db.transaction() as s:
        p, q = await portfolio(s, today)
        for month in months_between(add_months(month_start(today), -9), today):
            await n.rate(s, "XOF", month, XOF, XOF)
            await n.rate(s, "HTG", month, Decimal(150), Decimal(148))
    variables = {"period": period, "programmes": [p["code"], q["code"]]}
    full = await gql(REPORT, variables)
    assert "errors" not in full, full
    report = full["data"]["indicators"]
    # (selection, statements): the programmes come with the first family asked as of today;
    # the rates only for amounts in EUR.
    cases = [
        (GLP_PAR30, 1),
        (
            "programmes { activeBorrowers firstCycleShare averageOutstandingBalance { local { amount } } }",
            1,
        ),
        (GLP_PAR30 + " programmes { savingsBalance { local { amount } } }", 2),
        (GLP_PAR30 + " programmes { activeMembers groups averageGroupSize }", 2),
        ("programmes { savingsBalance { local { amount } } activeDepositors }", 1),
        ("network { grossLoanPortfolio { amount } par30 activeBorrowers }", 2),
        ("network { activeBorrowers firstCycleShare } countries { programmeCount }", 1),
        ("programmes { grossLoanPortfolio { eur { amount } rate } }", 2),
        ("programmes { disbursements disbursedAmount { local { amount } } }", 2),
        ("programmes { amountDue { local { amount } } onTimeRepaymentRate }", 2),
        ("programmes { borrowersWhoRepaid retentionRate }", 2),
        # The GLP at past month ends from the ledger, today's from the loans' derived state.
        ("programmes { averageGrossLoanPortfolio { local { amount } } }", 2),
        ("asOf period { from to } programmes { __typename programme { code } }", 1),
    ]
    for selection, expected in cases:
        with api.count_statements() as sql:
            body = await gql(DASHBOARD % selection, variables)

        assert "errors" not in body, (selection, body)
        assert agrees(body["data"]["indicators"], report), selection
        assert sql.count == expected, (selection, sql.statements)


async def test_fragments_and_aliases_ask_the_same_figures(
    db: Database, gql: GraphQL, api: RunningServer
) -> None:
    async with db.transaction() as s:
        p, q = await portfolio(s, date.today())
    codes = [p["code"], q["code"]]
    query = """
    query ($programmes: [String!]) {
      dashboard: indicators(programmes: $programmes) { ... on IndicatorReport { ...Figures } }
    }
    fragment Figures on IndicatorReport {
      programmes { code: programme { code } glp: grossLoanPortfolio { local { amount } } ...Risk }
    }
    fragment Risk on ProgrammeIndicators { risk: portfolioAtRisk30 { local { amount } } }
    """

    with api.count_statements() as sql:
        body = await gql(query, {"programmes": codes})

    assert "errors" not in body, body
    assert sql.count == 1
    got = {x["code"]["code"]: x for x in body["data"]["dashboard"]["programmes"]}
    assert got[p["code"]]["glp"] == {"local": {"amount": "486000"}}
    assert got[p["code"]]["risk"] == {"local": {"amount": "236000"}}
    assert got[q["code"]]["glp"] == {"local": {"amount": "9000.00"}}
