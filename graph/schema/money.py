"""Money, currencies and exchange rates as the graph shows them."""

from datetime import date
from decimal import Decimal
from typing import Any, Self

import strawberry

from domain.money import CURRENCIES, EUR, quantum, to_eur

from ..context import Info
from .enums import RateKind


@strawberry.federation.type(keys=["code"], description="An ISO 4217 currency.")
class Currency:
    code: str = strawberry.field(description="ISO 4217 code, e.g. XOF.")
    name: str = strawberry.field(description="English name.")
    minor_units: int = strawberry.field(
        description="Decimal places amounts carry (0 for XOF, GNF, VND; 2 for EUR, HTG)."
    )

    @classmethod
    def of(cls, code: str) -> Self:
        name, minor_units = CURRENCIES[code]
        return cls(code=code, name=name, minor_units=minor_units)


@strawberry.type(description="A currency's rate against the euro for one month.")
class ExchangeRate:
    currency: Currency = strawberry.field(description="The currency converted.")
    month: date = strawberry.field(description="First day of the month the rates apply to.")
    closing_rate: Decimal = strawberry.field(
        description="Units of the currency per 1 EUR at the month's end (for balances)."
    )
    average_rate: Decimal = strawberry.field(
        description="Average units of the currency per 1 EUR over the month (for flows)."
    )

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            currency=Currency.of(row["currency_code"].strip()),
            month=row["month"],
            closing_rate=plain(row["closing_rate"]),
            average_rate=plain(row["average_rate"]),
        )


@strawberry.type(description="An amount converted to EUR, with the rate it used.")
class ConvertedMoney:
    money: "Money" = strawberry.field(description="The amount in EUR, rounded to the cent.")
    rate: Decimal = strawberry.field(description="Units of the source currency per 1 EUR used.")
    rate_kind: RateKind = strawberry.field(description="Closing or average rate.")
    rate_month: date = strawberry.field(description="Month of the rate used.")


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros, and never in exponent notation (9000, not 9E+3)."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def first_of_month(day: date) -> date:
    return day.replace(day=1)


@strawberry.type(
    description="An exact amount in a currency. Amounts are decimals serialised as strings, "
    "with exactly the currency's minor units (rounded half up)."
)
class Money:
    amount: Decimal = strawberry.field(description='The amount, e.g. "100000" XOF.')
    currency_code: strawberry.Private[str]

    @classmethod
    def of(cls, amount: Decimal, currency_code: str) -> Self:
        code = currency_code.strip()
        return cls(amount=amount.quantize(quantum(code)), currency_code=code)

    @strawberry.field(description="The amount's currency.")
    def currency(self) -> Currency:
        return Currency.of(self.currency_code)

    @strawberry.field(
        description="This amount in EUR, at the rate of the month of `on` (today if omitted), "
        "or of the latest month before it that has a rate. Null when no rate is known."
    )
    async def in_eur(
        self,
        info: Info,
        on: date | None = None,
        rate_kind: RateKind = RateKind.CLOSING,
    ) -> ConvertedMoney | None:
        month = first_of_month(on or date.today())
        if self.currency_code == EUR:
            return ConvertedMoney(
                money=self, rate=Decimal(1), rate_kind=rate_kind, rate_month=month
            )
        row = await info.context.loaders.network.rate_in_force.load((self.currency_code, month))
        if row is None:
            return None
        rate = row["closing_rate" if rate_kind is RateKind.CLOSING else "average_rate"]
        return ConvertedMoney(
            money=Money.of(to_eur(self.amount, self.currency_code, rate), EUR),
            rate=plain(rate),
            rate_kind=rate_kind,
            rate_month=row["month"],
        )


@strawberry.input(
    description="An amount a client sends: an exact decimal and its ISO 4217 currency. The "
    "amount must be greater than zero (NOT_POSITIVE), carry no more decimals than the currency "
    "has (TOO_MANY_DECIMALS: none for XOF) and be in the currency the write expects, the loan's "
    "or the account's, which is the programme's (WRONG_CURRENCY)."
)
class MoneyInput:
    amount: Decimal = strawberry.field(
        description='The amount, best sent as a string to stay exact, e.g. "100000".'
    )
    currency: str = strawberry.field(description="ISO 4217 code, e.g. XOF.")
