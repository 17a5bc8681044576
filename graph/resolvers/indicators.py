"""The indicators root fields: windows checked, reports loaded and consolidated."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Annotated

import strawberry

from db.indicators import Needs, Window
from domain import indicators as formulas

from ..context import Info
from ..dataloaders import indicators as loading
from ..errors import InvalidArgument
from ..schema import indicators as types
from ..schema.indicators import CODES, IndicatorReport, PeriodInput
from ..schema.network import Programme

MAX_MONTHS = 240


def window(as_of: date, first_day: date, last_day: date, today: date, glp: bool) -> Window:
    """`glp`: with the days whose GLP the period's average GLP needs."""
    last_day = min(last_day, today)
    points = formulas.glp_points(first_day, last_day, today) if glp else []
    return Window(as_of, first_day, last_day, tuple(points))


def asked(info: Info) -> tuple[Needs, bool]:
    """What the selection asks of each report (types.needs): the families, the rates, and
    whether the average GLP."""
    return types.needs(info.selected_fields[0].selections)


def to_report(report: loading.Report) -> types.IndicatorReport:
    by_country: defaultdict[str, list[formulas.ProgrammeFigures]] = defaultdict(list)
    for programme, figures in report.programmes:
        by_country[programme.country_code].append(figures)
    w = report.window
    return types.IndicatorReport(
        as_of=w.as_of,
        period=types.Period(from_=w.first_day, to=w.last_day),
        network=types.NetworkIndicators.of(formulas.consolidate([f for _, f in report.programmes])),
        countries=[
            types.CountryIndicators.of_country(code, formulas.consolidate(figures))
            for code, figures in sorted(by_country.items())
        ],
        programmes=[types.ProgrammeIndicators.of(p.id, f) for p, f in report.programmes],
    )


async def _reports(
    info: Info, codes: Sequence[str] | None, windows: list[Window], today: date, needs: Needs
) -> list[types.IndicatorReport]:
    ctx = info.context
    try:
        found = await loading.reports(ctx.db, ctx.viewer.scope, codes, windows, today, needs)
    except formulas.MissingRate as missing:
        raise InvalidArgument("programmes", f"{missing}: add the exchange rates") from None
    if found:
        # The programmes' rows came with the figures: `programme { ... }` reads them.
        loader = Programme.loader(info)
        for programme, _ in found[0].programmes:
            loader.prime(programme.id, programme.row)
    return [to_report(r) for r in found]


async def report(
    info: Info,
    as_of: date | None,
    period: types.PeriodInput | None,
    programmes: list[str] | None,
) -> types.IndicatorReport:
    today = date.today()
    day = as_of or today
    if day > today:
        raise InvalidArgument("asOf", f"{day} is after today ({today})")
    first, last = (period.from_, period.to) if period else (day.replace(month=1, day=1), day)
    if first > last or first > today:
        raise InvalidArgument("period", "`from` must be on or before `to` and today")
    needs, glp = asked(info)
    windows = [window(day, first, last, today, glp)]
    [found] = await _reports(info, programmes, windows, today, needs)
    return found


async def series(
    info: Info, first: date, last: date, programmes: list[str] | None
) -> list[types.IndicatorReport]:
    today = date.today()
    if first > last or first > today:
        raise InvalidArgument("from", "must be on or before `to` and today")
    months = formulas.months_between(first, min(last, today))
    if len(months) > MAX_MONTHS:
        raise InvalidArgument("to", f"at most {MAX_MONTHS} months at once")
    needs, glp = asked(info)
    windows = [
        window(min(formulas.month_end(m), today), m, formulas.month_end(m), today, glp)
        for m in months
    ]
    return await _reports(info, programmes, windows, today, needs)


@strawberry.type
class IndicatorQuery:
    """The indicators domain's queries (composed into Query in graph/api.py)."""

    @strawberry.field(
        description="The standard indicators (SEEP/CGAP definitions) per programme, per "
        "country and for the network: stocks at the end of `asOf` (default today), flows over "
        "`period` (default: the year to `asOf`). Programmes: those the viewer may see, "
        "narrowed to `programmes` (codes) if given."
    )
    async def indicators(
        self,
        info: Info,
        as_of: Annotated[
            date | None,
            strawberry.argument(description="Stocks at the end of this day; default today."),
        ] = None,
        period: Annotated[
            PeriodInput | None,
            strawberry.argument(description="Flows over this period; default the year to asOf."),
        ] = None,
        programmes: Annotated[list[str] | None, strawberry.argument(description=CODES)] = None,
    ) -> IndicatorReport:
        return await report(info, as_of, period, programmes)

    @strawberry.field(
        description="The indicators month by month, oldest first: for each month from `from`'s "
        "to `to`'s, stocks at its end (today for the current month) and flows over it."
    )
    async def indicator_series(
        self,
        info: Info,
        from_: Annotated[
            date, strawberry.argument(name="from", description="A day of the first month.")
        ],
        to: Annotated[
            date, strawberry.argument(description="A day of the last month (at most today's).")
        ],
        programmes: Annotated[list[str] | None, strawberry.argument(description=CODES)] = None,
    ) -> list[IndicatorReport]:
        return await series(info, from_, to, programmes)
