"""Head-office indicators: the standard figures per programme, per country and for the network,
as of a date and over a period, in local currency and in EUR, and as monthly series."""

import uuid
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from db.indicators import FAMILIES, Needs
from domain import indicators as formulas
from domain.money import EUR

from ..context import Info
from .enums import RateKind
from .fields import parent
from .money import Currency, Money, plain

if TYPE_CHECKING:
    from .network import Country, Programme

_network = "graph.schema.network"

# Shared by the programme and the consolidated types: one definition per figure.
D = {
    "glp": "Gross loan portfolio: outstanding principal of all outstanding loans (current, "
    "late or renegotiated), written-off loans and interest receivable excluded; at the end of "
    "`asOf`.",
    "active_loans": "Loans outstanding at the end of `asOf`.",
    "active_borrowers": "Active borrowers: members with at least one outstanding loan.",
    "par30_amount": "Outstanding principal of the loans whose oldest unpaid installment is more "
    "than 30 days late: the whole of it, not only the late amount.",
    "par30": "PAR30: portfolioAtRisk30 / grossLoanPortfolio, a fraction (0.0523 is 5.23%); "
    "null when there is no portfolio.",
    "par90_amount": "Outstanding principal of the loans whose oldest unpaid installment is more "
    "than 90 days late.",
    "par90": "PAR90: portfolioAtRisk90 / grossLoanPortfolio, a fraction; null without portfolio.",
    "rescheduled": "Outstanding principal of the loans rescheduled (loanReschedule) by the end "
    "of `asOf`, reported apart as SEEP asks: they are in grossLoanPortfolio too, and in "
    "portfolioAtRisk30 when late.",
    "rescheduled_at_risk": "Of rescheduledPortfolio, the outstanding principal of the loans "
    "whose oldest unpaid installment (of the schedule in force that day) is more than 30 days "
    "late.",
    "par_rescheduled30": "rescheduledAtRisk30 / grossLoanPortfolio: the part of par30 that "
    "rescheduled loans make, a fraction; null without portfolio.",
    "recoveries": "Recovered in the period on loans written off (RECOVERY entries; one later "
    "reversed never counts): income, never portfolio.",
    "average_balance": "Average outstanding balance per borrower: grossLoanPortfolio / "
    "activeBorrowers; null without borrowers.",
    "disbursements": "Loans disbursed in the period.",
    "disbursed": "Principal disbursed in the period.",
    "write_offs": "Loans written off in the period.",
    "written_off": "Principal written off in the period.",
    "average_glp": "The period's average gross loan portfolio: the mean of the portfolio at the "
    "end of the month before the period and at the end of each of its months (today for the "
    "current month), each month-end in EUR at its own closing rate.",
    "write_off_ratio": "Write-off ratio: writtenOffAmount / averageGrossLoanPortfolio, a "
    "fraction; null without portfolio.",
    "due": "Amount due (principal and interest) on the installments falling due in the period, "
    "installments of loans written off before then excepted.",
    "on_time": "Of amountDue, what was received by each installment's due date (a repayment "
    "later reversed never counts).",
    "on_time_rate": "On-time repayment rate: amountReceivedOnTime / amountDue, a fraction; null "
    "when nothing fell due.",
    "savings": "Savings balance of all accounts at the end of `asOf`.",
    "depositors": "Active depositors: members whose savings balance is above zero.",
    "members": "Active members: members in a group (not closed) at the end of `asOf`.",
    "women": "Active members who are women.",
    "women_share": "womenMembers / activeMembers, a fraction; null without members.",
    "first_cycle": "Active borrowers with a first-cycle loan outstanding.",
    "first_cycle_share": "firstCycleBorrowers / activeBorrowers, a fraction; null without "
    "borrowers.",
    "groups": "Groups formed and not closed at the end of `asOf`.",
    "group_size": "Average group size: activeMembers / groups, to one decimal; null without "
    "groups.",
    "repaid": "Members who repaid a loan in full in the period, at least 90 days before today "
    "(once per loan repaid): whether a later one took a next loan within 90 days is known.",
    "retained": "Of those, the members who took a next loan within 90 days of repaying.",
    "retention": "Retention rate: borrowersRetained / borrowersWhoRepaid, a fraction; null when "
    "nobody repaid (or the period's repayments are all less than 90 days old).",
}
# What each figure is computed from: the families of db.indicators (and "average_glp": the
# GLP at the period's month ends). A field not listed here asks every family.
NEEDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "grossLoanPortfolio",
            "activeLoans",
            "activeBorrowers",
            "portfolioAtRisk30",
            "par30",
            "portfolioAtRisk90",
            "par90",
            "averageOutstandingBalance",
            "firstCycleBorrowers",
            "firstCycleShare",
            "rescheduledPortfolio",
            "rescheduledAtRisk30",
            "parRescheduled30",
        ),
        ("loan_stocks",),
    ),
    **dict.fromkeys(("savingsBalance", "activeDepositors"), ("savings",)),
    **dict.fromkeys(
        ("activeMembers", "womenMembers", "womenShare", "groups", "averageGroupSize"),
        ("outreach",),
    ),
    **dict.fromkeys(
        ("disbursements", "disbursedAmount", "writeOffs", "writtenOffAmount", "recoveries"),
        ("loan_flows",),
    ),
    "averageGrossLoanPortfolio": ("average_glp",),
    "writeOffRatio": ("loan_flows", "average_glp"),
    **dict.fromkeys(
        ("amountDue", "amountReceivedOnTime", "onTimeRepaymentRate"), ("repayment_flows",)
    ),
    **dict.fromkeys(("borrowersWhoRepaid", "borrowersRetained", "retentionRate"), ("retention",)),
    **dict.fromkeys(("__typename", "currency", "programme", "programmeCount", "country"), ()),
}
# A consolidation's figures that are counts, or ratios of counts: no EUR amount in them.
COUNTED = frozenset(
    {
        "__typename",
        "programmeCount",
        "country",
        "activeLoans",
        "activeBorrowers",
        "disbursements",
        "writeOffs",
        "activeDepositors",
        "activeMembers",
        "womenMembers",
        "womenShare",
        "firstCycleBorrowers",
        "firstCycleShare",
        "groups",
        "averageGroupSize",
        "borrowersWhoRepaid",
        "borrowersRetained",
        "retentionRate",
    }
)
# An IndicatorAmount's fields that need the rates.
CONVERTED = frozenset({"eur", "rate", "rateFrom", "rateTo"})


def _fields(selections: Iterable[Selection]) -> Iterator[tuple[str, list[Selection]]]:
    """(name, sub-selections) of the selected fields, through fragments (aliases read the
    field's name)."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection.name, selection.selections
        else:  # a fragment, spread or inline
            yield from _fields(selection.selections)


def needs(report: Iterable[Selection]) -> tuple[Needs, bool]:
    """What a report's selection (IndicatorReport's fields) asks to compute: the families
    and the rates, and whether the average GLP."""
    families: set[str] = set()
    rates = False
    for part, selections in _fields(report):
        if part not in ("network", "countries", "programmes"):
            continue
        for name, sub in _fields(selections):
            families.update(NEEDS.get(name, (*FAMILIES, "average_glp")))
            if part != "programmes":
                rates = rates or name not in COUNTED
            elif any(n in CONVERTED for n, _ in _fields(sub)):
                rates = True
    average_glp = "average_glp" in families
    families.discard("average_glp")
    return Needs(frozenset(families), rates), average_glp


CODES = 'Programme codes, e.g. ["FANSOTO"]; default: every programme the viewer may see.'
CONSOLIDATED = " In EUR: the programmes' EUR amounts added up; null if one has no rate."


@strawberry.type(
    description="One programme's amount in its own currency and in EUR, with the rate used: "
    "balances at the closing rate of the as-of month, flows at the period's average rate."
)
class IndicatorAmount:
    local: Money = strawberry.field(
        description="In the programme's currency (amounts in a former currency, such as SLL "
        "before SLE, converted at the rates of the same months)."
    )
    eur: Money | None = strawberry.field(description="In EUR, to the cent; null without a rate.")
    rate: Decimal | None = strawberry.field(
        description="Units of the programme's currency per 1 EUR used: a month's closing rate "
        "for a balance, the mean of the period's monthly average rates for a flow (for the "
        "average portfolio, the rate the month-end conversions imply)."
    )
    rate_kind: RateKind = strawberry.field(description="CLOSING for balances, AVERAGE for flows.")
    rate_from: date | None = strawberry.field(description="First month whose rate was used.")
    rate_to: date | None = strawberry.field(description="Last month whose rate was used.")

    @classmethod
    def of(cls, a: formulas.Amount) -> Self:
        return cls(
            # Amounts the domain rounded already: no second quantize per Money.
            local=Money(amount=a.local, currency_code=a.currency),
            eur=None if a.eur is None else Money(amount=a.eur, currency_code=EUR),
            rate=None if a.rate is None else plain(a.rate.per_eur),
            rate_kind=a.kind,
            rate_from=None if a.rate is None else a.rate.first_month,
            rate_to=None if a.rate is None else a.rate.last_month,
        )


def _eur(value: Decimal | None) -> Money | None:
    """An EUR amount the domain rounded to the cent."""
    return None if value is None else Money(amount=value, currency_code=EUR)


@strawberry.type(description="A period: both days included.")
class Period:
    from_: date = strawberry.field(name="from", description="First day.")
    to: date = strawberry.field(description="Last day.")


@strawberry.input(description="A period: both days included.")
class PeriodInput:
    from_: date = strawberry.field(name="from", description="First day.")
    to: date = strawberry.field(description="Last day (a later day than today means today).")


@strawberry.type(description="One programme's indicators, in its currency and in EUR.")
class ProgrammeIndicators:
    programme_id: strawberry.Private[uuid.UUID]
    currency: Currency = strawberry.field(description="The programme's currency.")
    gross_loan_portfolio: IndicatorAmount = strawberry.field(description=D["glp"])
    active_loans: int = strawberry.field(description=D["active_loans"])
    active_borrowers: int = strawberry.field(description=D["active_borrowers"])
    portfolio_at_risk_30: IndicatorAmount = strawberry.field(description=D["par30_amount"])
    par30: Decimal | None = strawberry.field(description=D["par30"])
    portfolio_at_risk_90: IndicatorAmount = strawberry.field(description=D["par90_amount"])
    par90: Decimal | None = strawberry.field(description=D["par90"])
    rescheduled_portfolio: IndicatorAmount = strawberry.field(description=D["rescheduled"])
    rescheduled_at_risk_30: IndicatorAmount = strawberry.field(description=D["rescheduled_at_risk"])
    par_rescheduled30: Decimal | None = strawberry.field(description=D["par_rescheduled30"])
    average_outstanding_balance: IndicatorAmount | None = strawberry.field(
        description=D["average_balance"] + " In EUR: the local average, as rounded, converted "
        "at the portfolio's rate (not the EUR portfolio divided)."
    )
    disbursements: int = strawberry.field(description=D["disbursements"])
    disbursed_amount: IndicatorAmount = strawberry.field(description=D["disbursed"])
    write_offs: int = strawberry.field(description=D["write_offs"])
    written_off_amount: IndicatorAmount = strawberry.field(description=D["written_off"])
    recoveries: IndicatorAmount = strawberry.field(description=D["recoveries"])
    average_gross_loan_portfolio: IndicatorAmount = strawberry.field(description=D["average_glp"])
    write_off_ratio: Decimal | None = strawberry.field(
        description=D["write_off_ratio"] + " From amounts in the programme's currency."
    )
    amount_due: IndicatorAmount = strawberry.field(description=D["due"])
    amount_received_on_time: IndicatorAmount = strawberry.field(description=D["on_time"])
    on_time_repayment_rate: Decimal | None = strawberry.field(description=D["on_time_rate"])
    savings_balance: IndicatorAmount = strawberry.field(description=D["savings"])
    active_depositors: int = strawberry.field(description=D["depositors"])
    active_members: int = strawberry.field(description=D["members"])
    women_members: int = strawberry.field(description=D["women"])
    women_share: Decimal | None = strawberry.field(description=D["women_share"])
    first_cycle_borrowers: int = strawberry.field(description=D["first_cycle"])
    first_cycle_share: Decimal | None = strawberry.field(description=D["first_cycle_share"])
    groups: int = strawberry.field(description=D["groups"])
    average_group_size: Decimal | None = strawberry.field(description=D["group_size"])
    borrowers_who_repaid: int = strawberry.field(description=D["repaid"])
    borrowers_retained: int = strawberry.field(description=D["retained"])
    retention_rate: Decimal | None = strawberry.field(description=D["retention"])

    programme = parent(
        Annotated["Programme", strawberry.lazy(_network)],
        "programme_id",
        description="The programme.",
    )

    @classmethod
    def of(cls, programme_id: uuid.UUID, f: formulas.ProgrammeFigures) -> Self:
        a, c, r = f.amounts, f.counts, f.ratios()
        balance = f.average_outstanding_balance
        return cls(
            programme_id=programme_id,
            currency=Currency.of(f.currency),
            gross_loan_portfolio=IndicatorAmount.of(a["gross_loan_portfolio"]),
            active_loans=c.active_loans,
            active_borrowers=c.active_borrowers,
            portfolio_at_risk_30=IndicatorAmount.of(a["portfolio_at_risk_30"]),
            par30=r.par30,
            portfolio_at_risk_90=IndicatorAmount.of(a["portfolio_at_risk_90"]),
            par90=r.par90,
            rescheduled_portfolio=IndicatorAmount.of(a["rescheduled_portfolio"]),
            rescheduled_at_risk_30=IndicatorAmount.of(a["rescheduled_at_risk_30"]),
            par_rescheduled30=r.par_rescheduled_30,
            average_outstanding_balance=None if balance is None else IndicatorAmount.of(balance),
            disbursements=c.disbursements,
            disbursed_amount=IndicatorAmount.of(a["disbursed_amount"]),
            write_offs=c.write_offs,
            written_off_amount=IndicatorAmount.of(a["written_off_amount"]),
            recoveries=IndicatorAmount.of(a["recoveries"]),
            average_gross_loan_portfolio=IndicatorAmount.of(f.average_portfolio),
            write_off_ratio=r.write_off_ratio,
            amount_due=IndicatorAmount.of(a["amount_due"]),
            amount_received_on_time=IndicatorAmount.of(a["amount_received_on_time"]),
            on_time_repayment_rate=r.on_time_repayment_rate,
            savings_balance=IndicatorAmount.of(a["savings_balance"]),
            active_depositors=c.active_depositors,
            active_members=c.active_members,
            women_members=c.women_members,
            women_share=r.women_share,
            first_cycle_borrowers=c.first_cycle_borrowers,
            first_cycle_share=r.first_cycle_share,
            groups=c.active_groups,
            average_group_size=r.average_group_size,
            borrowers_who_repaid=c.loans_repaid,
            borrowers_retained=c.borrowers_retained,
            retention_rate=r.retention_rate,
        )


@strawberry.interface(
    description="Indicators of several programmes together (a country, the network), in EUR: "
    "amounts added up, ratios recomputed from the EUR sums (never an average of percentages)."
)
class ConsolidatedIndicators:
    programme_count: int = strawberry.field(description="Programmes included.")
    gross_loan_portfolio: Money | None = strawberry.field(description=D["glp"] + CONSOLIDATED)
    active_loans: int = strawberry.field(description=D["active_loans"])
    active_borrowers: int = strawberry.field(description=D["active_borrowers"])
    portfolio_at_risk_30: Money | None = strawberry.field(
        description=D["par30_amount"] + CONSOLIDATED
    )
    par30: Decimal | None = strawberry.field(description=D["par30"])
    portfolio_at_risk_90: Money | None = strawberry.field(
        description=D["par90_amount"] + CONSOLIDATED
    )
    par90: Decimal | None = strawberry.field(description=D["par90"])
    rescheduled_portfolio: Money | None = strawberry.field(
        description=D["rescheduled"] + CONSOLIDATED
    )
    rescheduled_at_risk_30: Money | None = strawberry.field(
        description=D["rescheduled_at_risk"] + CONSOLIDATED
    )
    par_rescheduled30: Decimal | None = strawberry.field(description=D["par_rescheduled30"])
    average_outstanding_balance: Money | None = strawberry.field(
        description=D["average_balance"] + " In EUR."
    )
    disbursements: int = strawberry.field(description=D["disbursements"])
    disbursed_amount: Money | None = strawberry.field(description=D["disbursed"] + CONSOLIDATED)
    write_offs: int = strawberry.field(description=D["write_offs"])
    written_off_amount: Money | None = strawberry.field(description=D["written_off"] + CONSOLIDATED)
    recoveries: Money | None = strawberry.field(description=D["recoveries"] + CONSOLIDATED)
    average_gross_loan_portfolio: Money | None = strawberry.field(
        description=D["average_glp"] + CONSOLIDATED
    )
    write_off_ratio: Decimal | None = strawberry.field(description=D["write_off_ratio"])
    amount_due: Money | None = strawberry.field(description=D["due"] + CONSOLIDATED)
    amount_received_on_time: Money | None = strawberry.field(
        description=D["on_time"] + CONSOLIDATED
    )
    on_time_repayment_rate: Decimal | None = strawberry.field(description=D["on_time_rate"])
    savings_balance: Money | None = strawberry.field(description=D["savings"] + CONSOLIDATED)
    active_depositors: int = strawberry.field(description=D["depositors"])
    active_members: int = strawberry.field(description=D["members"])
    women_members: int = strawberry.field(description=D["women"])
    women_share: Decimal | None = strawberry.field(description=D["women_share"])
    first_cycle_borrowers: int = strawberry.field(description=D["first_cycle"])
    first_cycle_share: Decimal | None = strawberry.field(description=D["first_cycle_share"])
    groups: int = strawberry.field(description=D["groups"])
    average_group_size: Decimal | None = strawberry.field(description=D["group_size"])
    borrowers_who_repaid: int = strawberry.field(description=D["repaid"])
    borrowers_retained: int = strawberry.field(description=D["retained"])
    retention_rate: Decimal | None = strawberry.field(description=D["retention"])

    @classmethod
    def values(cls, f: formulas.Consolidated) -> dict[str, object]:
        a, c, r = f.amounts, f.counts, f.ratios()
        return {
            "programme_count": f.programmes,
            "gross_loan_portfolio": _eur(a["gross_loan_portfolio"]),
            "active_loans": c.active_loans,
            "active_borrowers": c.active_borrowers,
            "portfolio_at_risk_30": _eur(a["portfolio_at_risk_30"]),
            "par30": r.par30,
            "portfolio_at_risk_90": _eur(a["portfolio_at_risk_90"]),
            "par90": r.par90,
            "rescheduled_portfolio": _eur(a["rescheduled_portfolio"]),
            "rescheduled_at_risk_30": _eur(a["rescheduled_at_risk_30"]),
            "par_rescheduled30": r.par_rescheduled_30,
            "average_outstanding_balance": _eur(f.average_outstanding_balance),
            "disbursements": c.disbursements,
            "disbursed_amount": _eur(a["disbursed_amount"]),
            "write_offs": c.write_offs,
            "written_off_amount": _eur(a["written_off_amount"]),
            "recoveries": _eur(a["recoveries"]),
            "average_gross_loan_portfolio": _eur(f.average_portfolio),
            "write_off_ratio": r.write_off_ratio,
            "amount_due": _eur(a["amount_due"]),
            "amount_received_on_time": _eur(a["amount_received_on_time"]),
            "on_time_repayment_rate": r.on_time_repayment_rate,
            "savings_balance": _eur(a["savings_balance"]),
            "active_depositors": c.active_depositors,
            "active_members": c.active_members,
            "women_members": c.women_members,
            "women_share": r.women_share,
            "first_cycle_borrowers": c.first_cycle_borrowers,
            "first_cycle_share": r.first_cycle_share,
            "groups": c.active_groups,
            "average_group_size": r.average_group_size,
            "borrowers_who_repaid": c.loans_repaid,
            "borrowers_retained": c.borrowers_retained,
            "retention_rate": r.retention_rate,
        }


@strawberry.type(description="The network: all the programmes of the report together, in EUR.")
class NetworkIndicators(ConsolidatedIndicators):
    @classmethod
    def of(cls, f: formulas.Consolidated) -> Self:
        return cls(**cls.values(f))  # type: ignore[arg-type]


@strawberry.type(description="A country's programmes together, in EUR.")
class CountryIndicators(ConsolidatedIndicators):
    country_code: strawberry.Private[str]

    @strawberry.field(description="The country.")
    async def country(self, info: Info) -> Annotated["Country", strawberry.lazy(_network)]:
        from .network import Country

        row = await info.context.loaders.network.country_by_code.load(self.country_code)
        assert row is not None, "programmes.country_code is a foreign key"
        return Country(code=row["code"], name=row["name"])

    @classmethod
    def of_country(cls, country_code: str, f: formulas.Consolidated) -> Self:
        return cls(country_code=country_code, **cls.values(f))  # type: ignore[arg-type]


@strawberry.type(
    description="The indicators as of a day and over a period: for the network, each country "
    "and each programme the viewer may see (and asked for)."
)
class IndicatorReport:
    as_of: date = strawberry.field(description="Stocks are at the end of this day.")
    period: Period = strawberry.field(description="Flows are over this period.")
    # Each programme's country code, id and figures, in code order: the network and the
    # countries are consolidated from them only when asked.
    figures: strawberry.Private[list[tuple[str, uuid.UUID, formulas.ProgrammeFigures]]]

    @strawberry.field(description="All the programmes of the report together.")
    def network(self) -> NetworkIndicators:
        return NetworkIndicators.of(formulas.consolidate([f for _, _, f in self.figures]))

    @strawberry.field(description="Each country's programmes together, by country code.")
    def countries(self) -> list[CountryIndicators]:
        by_country: dict[str, list[formulas.ProgrammeFigures]] = {}
        for code, _, f in self.figures:
            by_country.setdefault(code, []).append(f)
        return [
            CountryIndicators.of_country(code, formulas.consolidate(figures))
            for code, figures in sorted(by_country.items())
        ]

    @strawberry.field(description="Each programme, by code.")
    def programmes(self) -> list[ProgrammeIndicators]:
        return [ProgrammeIndicators.of(pid, f) for _, pid, f in self.figures]
