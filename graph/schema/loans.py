"""Loan products, loans, their repayment schedules and repayments."""

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from db import loans as db_loans
from domain.allocation import days_past_due

from ..context import Info
from ..errors import InvalidArgument
from ..resolvers import loans as resolvers
from ..resolvers import network as network_resolvers
from .enums import Activity, InstallmentFrequency, InterestMethod, LoanStatus, RepaymentKind
from .money import Currency, Money, plain
from .relay import Connection, RowNode

if TYPE_CHECKING:
    from .groups import DateRange, Facilitator, Group, Member
    from .network import Programme

_network = "graph.schema.network"
_groups = "graph.schema.groups"


@strawberry.enum(description="Where an installment stands at a date.")
class InstallmentStatus(Enum):
    PAID = strawberry.enum_value("PAID", description="Fully paid.")
    PARTLY_PAID = strawberry.enum_value(
        "PARTLY_PAID", description="Partly paid and not yet past its due date."
    )
    DUE = strawberry.enum_value(
        "DUE", description="Nothing paid yet and not yet past its due date."
    )
    LATE = strawberry.enum_value(
        "LATE", description="Past its due date and not fully paid (partly paid or not)."
    )


def _days_past_due(status: LoanStatus, oldest_unpaid_due_on: date | None, as_of: date) -> int:
    if status is not LoanStatus.ACTIVE:
        return 0
    return days_past_due(oldest_unpaid_due_on, as_of)


@strawberry.type(description="A kind of loan a programme offers: its terms and limits.")
class LoanProduct(RowNode):
    id: relay.NodeID[uuid.UUID]
    name: str = strawberry.field(description="The product's name, e.g. First loan.")
    interest_method: InterestMethod = strawberry.field(description="How interest is computed.")
    period_rate_percent: Decimal = strawberry.field(
        description="Interest per installment period, in percent (flat: of the principal; "
        "declining balance: of the balance still owed)."
    )
    installments: int = strawberry.field(description="Number of installments (the term).")
    installment_frequency: InstallmentFrequency = strawberry.field(
        description="How often installments fall due."
    )
    fee_percent: Decimal = strawberry.field(
        description="Fee charged at disbursement, in percent of the principal."
    )
    min_principal: Money = strawberry.field(description="Smallest principal the product lends.")
    max_principal: Money = strawberry.field(description="Largest principal the product lends.")
    allows_concurrent_loans: bool = strawberry.field(
        description="Whether a member may hold a loan of this product alongside another loan."
    )
    active: bool = strawberry.field(description="Whether the product is offered for new loans.")
    programme_id: strawberry.Private[uuid.UUID]
    currency_code: strawberry.Private[str]
    money: ClassVar[Mapping[str, str]] = {
        "min_principal": "currency_code",
        "max_principal": "currency_code",
    }

    @classmethod
    def loader(cls, info: Info) -> DataLoader[uuid.UUID, Any]:
        return info.context.loaders.loans.loan_product_by_id

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Self:
        product = super().from_row(row)
        product.period_rate_percent = plain(product.period_rate_percent)
        product.fee_percent = plain(product.fee_percent)
        return product

    @strawberry.field(description="The programme offering the product.")
    async def programme(self, info: Info) -> Annotated["Programme", strawberry.lazy(_network)]:
        return await network_resolvers.programme_by_id(info, self.programme_id)

    @strawberry.field(description="The currency the product lends in (the programme's).")
    def currency(self) -> Currency:
        return Currency.of(self.currency_code)


@strawberry.type(
    description="One line of a loan's repayment schedule, with what has been paid against it."
)
class Installment:
    number: int = strawberry.field(description="Position in the schedule, from 1.")
    due_on: date = strawberry.field(description="When the installment falls due.")
    principal_due: Money = strawberry.field(description="Principal due on this installment.")
    interest_due: Money = strawberry.field(description="Interest due on this installment.")
    principal_paid: Money = strawberry.field(description="Principal paid against it so far.")
    interest_paid: Money = strawberry.field(description="Interest paid against it so far.")
    total_due: Money = strawberry.field(description="Principal plus interest due.")
    paid_on: date | None = strawberry.field(
        description="When it was fully paid; null while it is not."
    )

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Self:
        currency = row["currency_code"]
        return cls(
            number=row["number"],
            due_on=row["due_on"],
            principal_due=Money.of(row["principal_due"], currency),
            interest_due=Money.of(row["interest_due"], currency),
            principal_paid=Money.of(row["principal_paid"], currency),
            interest_paid=Money.of(row["interest_paid"], currency),
            total_due=Money.of(row["total_due"], currency),
            paid_on=row["paid_on"],
        )

    @strawberry.field(
        description="Where the installment stands given the repayments recorded so far, "
        "lateness judged at `asOf` (today if omitted)."
    )
    def status(self, as_of: date | None = None) -> InstallmentStatus:
        if self.paid_on is not None:
            return InstallmentStatus.PAID
        if self.due_on < (as_of or date.today()):
            return InstallmentStatus.LATE
        if self.principal_paid.amount or self.interest_paid.amount:
            return InstallmentStatus.PARTLY_PAID
        return InstallmentStatus.DUE


@strawberry.type(
    description="A loan to a member: its terms, dates, repayment schedule, repayments and "
    "the state they leave it in."
)
class Loan(RowNode):
    id: relay.NodeID[uuid.UUID]
    cycle: int = strawberry.field(
        description="The member's loan cycle: 1 for her first loan, 2 for the next, and so on."
    )
    principal: Money = strawberry.field(description="The amount lent.")
    fee: Money = strawberry.field(description="The fee charged at disbursement.")
    purpose: Activity = strawberry.field(description="The activity the loan finances.")
    interest_method: InterestMethod = strawberry.field(
        description="How interest is computed (the product's, at the time of the loan)."
    )
    period_rate_percent: Decimal = strawberry.field(
        description="Interest per installment period, in percent, as agreed for this loan."
    )
    installment_frequency: InstallmentFrequency = strawberry.field(
        description="How often installments fall due."
    )
    status: LoanStatus = strawberry.field(description="Where the loan is in its life.")
    applied_on: date = strawberry.field(description="When the member applied.")
    approved_on: date | None = strawberry.field(description="When it was approved, if it was.")
    disbursed_on: date | None = strawberry.field(
        description="When it was disbursed; null while PENDING."
    )
    closed_on: date | None = strawberry.field(
        description="When it was fully repaid or written off; null while open."
    )
    principal_paid: Money = strawberry.field(
        name="principalRepaid", description="Principal repaid so far (net of reversals)."
    )
    interest_paid: Money = strawberry.field(description="Interest paid so far (net of reversals).")
    written_off_principal: Money = strawberry.field(
        description="Principal written off as unrecoverable (zero unless WRITTEN_OFF)."
    )
    outstanding_principal: Money = strawberry.field(
        description="Principal still owed: principal less repaid and written-off principal. "
        "Summed over outstanding loans it is the gross loan portfolio."
    )
    oldest_unpaid_due_on: date | None = strawberry.field(
        description="Due date of the oldest installment not fully paid; null when none is."
    )
    programme_id: strawberry.Private[uuid.UUID]
    member_id: strawberry.Private[uuid.UUID]
    group_id: strawberry.Private[uuid.UUID]
    product_id: strawberry.Private[uuid.UUID]
    money: ClassVar[Mapping[str, str]] = {
        "principal": "currency_code",
        "fee": "currency_code",
        "principal_paid": "currency_code",
        "interest_paid": "currency_code",
        "written_off_principal": "currency_code",
        "outstanding_principal": "currency_code",
    }

    @classmethod
    def loader(cls, info: Info) -> DataLoader[uuid.UUID, Any]:
        return info.context.loaders.loans.loan_by_id

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Self:
        loan = super().from_row(row)
        loan.period_rate_percent = plain(loan.period_rate_percent)
        return loan

    @strawberry.field(description="The programme that lent.")
    async def programme(self, info: Info) -> Annotated["Programme", strawberry.lazy(_network)]:
        return await network_resolvers.programme_by_id(info, self.programme_id)

    @strawberry.field(description="The borrower.")
    async def member(self, info: Info) -> Annotated["Member", strawberry.lazy(_groups)]:
        return await resolvers.member(info, self.member_id)

    @strawberry.field(description="The borrower's solidarity group when the loan was granted.")
    async def group(self, info: Info) -> Annotated["Group", strawberry.lazy(_groups)]:
        return await resolvers.group(info, self.group_id)

    @strawberry.field(description="The loan product it was granted under.")
    async def product(self, info: Info) -> LoanProduct:
        return await resolvers.loan_product(info, self.product_id)

    @strawberry.field(
        description="Days since the oldest unpaid installment fell due, at `asOf` (today if "
        "omitted); 0 unless the loan is ACTIVE."
    )
    def days_past_due(self, as_of: date | None = None) -> int:
        return _days_past_due(self.status, self.oldest_unpaid_due_on, as_of or date.today())

    @strawberry.field(
        description="Portfolio at risk: ACTIVE with an installment more than `days` days past "
        "due at `asOf` (today if omitted). Its whole outstanding principal is then at risk."
    )
    def at_risk(self, as_of: date | None = None, days: int = 30) -> bool:
        return _days_past_due(self.status, self.oldest_unpaid_due_on, as_of or date.today()) > days

    @strawberry.field(description="The repayment schedule, by installment number.")
    async def schedule(self, info: Info) -> list[Installment]:
        return await resolvers.schedule(info, self.id)

    @strawberry.field(description="Repayments and reversals recorded on the loan, oldest first.")
    async def repayments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection["Repayment"]:
        return await resolvers.loan_repayments(
            info, self.id, first=first, after=after, last=last, before=before
        )


@strawberry.type(
    description="A ledger entry on a loan: a repayment, split between interest and principal "
    "when it was recorded, or the reversal of one. Entries are never edited or deleted."
)
class Repayment(RowNode):
    id: relay.NodeID[uuid.UUID]
    kind: RepaymentKind = strawberry.field(description="A repayment, or a reversal of one.")
    paid_on: date = strawberry.field(description="When the money was paid (or reversed).")
    amount: Money = strawberry.field(description="The amount paid (or reversed).")
    principal_part: Money = strawberry.field(description="The part allocated to principal.")
    interest_part: Money = strawberry.field(description="The part allocated to interest.")
    note: str = strawberry.field(description="Free text, e.g. why a repayment was reversed.")
    recorded_at: datetime = strawberry.field(description="When the entry was recorded.")
    loan_id: strawberry.Private[uuid.UUID]
    collected_by_id: strawberry.Private[uuid.UUID | None]
    reverses_id: strawberry.Private[uuid.UUID | None]
    money: ClassVar[Mapping[str, str]] = {
        "amount": "currency_code",
        "principal_part": "currency_code",
        "interest_part": "currency_code",
    }

    @classmethod
    def loader(cls, info: Info) -> DataLoader[uuid.UUID, Any]:
        return info.context.loaders.loans.repayment_by_id

    @strawberry.field(description="The loan repaid.")
    async def loan(self, info: Info) -> Loan:
        return await resolvers.loan(info, self.loan_id)

    @strawberry.field(description="The facilitator who collected the money, if recorded.")
    async def collected_by(
        self, info: Info
    ) -> Annotated["Facilitator", strawberry.lazy(_groups)] | None:
        return await resolvers.facilitator(info, self.collected_by_id)

    @strawberry.field(description="For a REVERSAL, the repayment it cancels; null otherwise.")
    async def reverses(self, info: Info) -> "Repayment | None":
        return await resolvers.repayment(info, self.reverses_id)

    @strawberry.field(description="The reversal that cancels this repayment; null if none does.")
    async def reversed_by(self, info: Info) -> "Repayment | None":
        return await resolvers.reversal(info, self.id)


@strawberry.input(description="Narrows a list of loans. Omitted fields do not filter.")
class LoanFilter:
    programmes: list[str] | None = strawberry.field(default=None, description="Programme codes.")
    statuses: list[LoanStatus] | None = strawberry.field(default=None, description="Statuses.")
    cycles: list[int] | None = strawberry.field(default=None, description="Loan cycles.")
    products: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="IDs of loan products."
    )
    disbursed_between: Annotated["DateRange", strawberry.lazy(_groups)] | None = strawberry.field(
        default=None, description="Loans disbursed in this span."
    )
    min_days_past_due: int | None = strawberry.field(
        default=None,
        description="Only ACTIVE loans at least this many days past due at `asOf`.",
    )
    as_of: date | None = strawberry.field(
        default=None, description="The date days past due are counted at; today if omitted."
    )

    def to_db(self) -> db_loans.LoanFilter:
        span = self.disbursed_between
        return db_loans.LoanFilter(
            programme_codes=tuple(self.programmes) if self.programmes is not None else None,
            statuses=tuple(self.statuses) if self.statuses is not None else None,
            cycles=tuple(self.cycles) if self.cycles is not None else None,
            product_ids=(
                tuple(_product_id(p) for p in self.products) if self.products is not None else None
            ),
            disbursed_from=span.from_ if span else None,
            disbursed_to=span.to if span else None,
            min_days_past_due=self.min_days_past_due,
            as_of=(self.as_of or date.today()) if self.min_days_past_due is not None else None,
        )


def _product_id(global_id: relay.GlobalID) -> uuid.UUID:
    try:
        if global_id.type_name == "LoanProduct":
            return uuid.UUID(global_id.node_id)
    except ValueError:
        pass
    raise InvalidArgument("filter.products", f"{global_id} is not a loan product ID")


@strawberry.type
class LoanQuery:
    @strawberry.field(description="Loans across the network, as the viewer may see them.")
    async def loans(
        self,
        info: Info,
        filter: LoanFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Loan]:
        return await resolvers.loans(
            info, filter, first=first, after=after, last=last, before=before
        )

    @strawberry.field(
        description="Loan products of the programmes given by code (all the viewer may see if "
        "omitted), by programme and name."
    )
    async def loan_products(
        self, info: Info, programmes: list[str] | None = None
    ) -> list[LoanProduct]:
        return await resolvers.loan_products(info, programmes)


@strawberry.type
class LoanMutation:
    """The loans domain's mutations (composed into Mutation in graph/api.py)."""
