"""Loan products, loans, their repayment schedules and repayments."""

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Optional, Self

import strawberry
from strawberry import relay

from db import loans as db_loans
from domain import allocation

from ..context import Info
from .enums import (
    Activity,
    DueDateRule,
    EarlyPayoffInterest,
    InstallmentFrequency,
    InterestMethod,
    LoanStatus,
    RepaymentKind,
)
from .fields import child_list, children, parent, root_connection
from .money import Currency, Money, MoneyInput
from .mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError
from .relay import RowNode, as_tuple, node_keys

if TYPE_CHECKING:
    from .groups import DateRange, Facilitator, Group, Member
    from .network import Programme

REVERSALS = db_loans.REPAYMENTS
_cycles = db_loans.cycles.c
_network = "graph.schema.network"
_groups = "graph.schema.groups"
_Programme = Annotated["Programme", strawberry.lazy(_network)]
_Member = Annotated["Member", strawberry.lazy(_groups)]
_Group = Annotated["Group", strawberry.lazy(_groups)]


async def _days_past_due(info: Info, loan: "Loan", as_of: date | None) -> int:
    """Days past due at the end of `as_of`: today's from the loan's derived state, a past
    day's from the ledger as it stood then (as the indicators count them); 0 unless the loan
    was outstanding (disbursed, not yet repaid or written off) on that day."""
    today = date.today()
    day = as_of or today
    if day >= today:
        if loan.status is not LoanStatus.ACTIVE:
            return 0
        return allocation.days_past_due(loan.oldest_unpaid_due_on, day)
    state = await info.context.loaders.loans.loan_state_by_loan_day.load((loan.id, day))
    return 0 if state is None else allocation.days_past_due(state.oldest_unpaid_due_on, day)


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


@strawberry.type(
    description="A band of loan cycles a product serves, and the principal it lends for them."
)
class LoanProductCycle:
    first_cycle: int = strawberry.field(
        description="The first loan cycle of the band (1: a first loan)."
    )
    last_cycle: int | None = strawberry.field(
        description="The last loan cycle of the band; null: every cycle from firstCycle on."
    )
    min_principal: Money = strawberry.field(
        description="Smallest principal lent for these cycles (equal to maxPrincipal: a fixed amount)."
    )
    max_principal: Money = strawberry.field(description="Largest principal lent for these cycles.")

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Self:
        currency = row["currency_code"]
        return cls(
            first_cycle=row["first_cycle"],
            last_cycle=row["last_cycle"],
            min_principal=Money.of(row["min_principal"], currency),
            max_principal=Money.of(row["max_principal"], currency),
        )


@strawberry.federation.type(
    keys=["id"], description="A kind of loan a programme offers: its terms and limits."
)
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
    min_principal: Money = strawberry.field(
        description="Smallest principal the product lends (for a cycle, see `cycles`)."
    )
    max_principal: Money = strawberry.field(
        description="Largest principal the product lends (for a cycle, see `cycles`)."
    )
    allows_concurrent_loans: bool = strawberry.field(
        description="Whether a member may hold a loan of this product alongside another loan."
    )
    due_dates_follow: DueDateRule = strawberry.field(
        description="Whether installments fall due every period from the disbursement day, or "
        "on the group's first meeting day on or after that (MEETING_DAY)."
    )
    active: bool = strawberry.field(description="Whether the product is offered for new loans.")
    retired_on: date | None = strawberry.field(
        description="When loanProductRetire retired it; null while offered (or if withdrawn "
        "before the day was recorded)."
    )
    early_payoff_interest: EarlyPayoffInterest = strawberry.field(
        description="What a member owes of the interest not yet due when she repays the whole "
        "balance early (loanPayOff)."
    )
    programme_id: strawberry.Private[uuid.UUID]
    currency_code: strawberry.Private[str]
    listing = db_loans.LOAN_PRODUCTS
    plain = frozenset({"period_rate_percent", "fee_percent"})
    money: ClassVar[Mapping[str, str]] = {
        "min_principal": "currency_code",
        "max_principal": "currency_code",
    }
    programme = parent(
        Annotated["Programme", strawberry.lazy(_network)],
        "programme_id",
        description="The programme offering the product.",
    )

    @strawberry.field(description="The currency the product lends in (the programme's).")
    def currency(self) -> Currency:
        return Currency.of(self.currency_code)

    @strawberry.field(
        description="The loan cycles the product serves, by first cycle, each with the "
        "principal it lends for them: loanApply refuses another cycle (CYCLE_NOT_ELIGIBLE) or "
        "another amount (OUT_OF_RANGE). Empty: every cycle, from minPrincipal to maxPrincipal."
    )
    async def cycles(self, info: Info) -> list[LoanProductCycle]:
        rows = await info.context.loaders.all(db_loans.PRODUCT_CYCLES, _cycles.product_id).load(
            self.id
        )
        return [LoanProductCycle.from_row(r) for r in sorted(rows, key=lambda r: r["first_cycle"])]


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
    interest_waived: Money = strawberry.field(
        description="Interest no longer due: waived when the loan was paid off early under a "
        "product that waives it (interestDue is what remains due). Zero otherwise."
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
            interest_waived=Money.of(row["interest_waived"], currency),
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


@strawberry.federation.type(
    keys=["id"],
    description="A line of a repayment schedule that a rescheduling replaced, as it stood "
    "then. It was in force from `inForceFrom` (null: from disbursement) to the day before "
    "`supersededOn`: the loan's state on a day in that span is read against it.",
)
class SupersededInstallment(RowNode):
    id: relay.NodeID[uuid.UUID]
    version: int = strawberry.field(
        description="Which schedule: 1 for the one built at disbursement, then one more per "
        "rescheduling."
    )
    number: int = strawberry.field(description="Position in that schedule, from 1.")
    due_on: date = strawberry.field(description="When the installment fell due.")
    principal_due: Money = strawberry.field(description="Principal it was due.")
    interest_due: Money = strawberry.field(description="Interest it was due.")
    principal_paid: Money = strawberry.field(
        description="Principal paid against it when it was replaced."
    )
    interest_paid: Money = strawberry.field(
        description="Interest paid against it when it was replaced."
    )
    paid_on: date | None = strawberry.field(
        description="When it was fully paid; null if it was not when it was replaced."
    )
    in_force_from: date | None = strawberry.field(
        description="The first day its schedule was in force; null: from disbursement."
    )
    superseded_on: date = strawberry.field(
        description="The rescheduling day: from it on, a later schedule is in force."
    )
    loan_id: strawberry.Private[uuid.UUID]
    listing = db_loans.SUPERSEDED_INSTALLMENTS
    money: ClassVar[Mapping[str, str]] = {
        "principal_due": "currency_code",
        "interest_due": "currency_code",
        "principal_paid": "currency_code",
        "interest_paid": "currency_code",
    }


@strawberry.federation.type(
    keys=["id"],
    description="A loan to a member: its terms, dates, repayment schedule, repayments and "
    "the state they leave it in.",
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
        description="When it was fully repaid or written off, or (an application) declined or "
        "withdrawn; null while open."
    )
    closing_reason: str | None = strawberry.field(
        description="Why the application was DECLINED or WITHDRAWN; null otherwise."
    )
    rescheduled_on: date | None = strawberry.field(
        description="The last day its schedule was rescheduled (loanReschedule); null if never. "
        "From that day on it counts among the rescheduled loans of the indicators."
    )
    recovered: Money = strawberry.field(
        description="Recovered after the write-off (RECOVERY entries, net of reversals): "
        "reported as recoveries, never as portfolio. Zero unless WRITTEN_OFF."
    )
    principal_paid: Money = strawberry.field(
        name="principalRepaid", description="Principal repaid so far (net of reversals)."
    )
    interest_paid: Money = strawberry.field(description="Interest paid so far (net of reversals).")
    written_off_principal: Money = strawberry.field(
        description="Principal written off as unrecoverable (zero unless WRITTEN_OFF)."
    )
    outstanding_principal: Money = strawberry.field(
        description="Principal still owed: principal less repaid and written-off principal; "
        "zero until it is disbursed (nothing was paid out). Summed over outstanding loans it "
        "is the gross loan portfolio."
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
        "recovered": "currency_code",
    }
    listing = db_loans.LOANS
    plain = frozenset({"period_rate_percent"})
    # A loan's programme, member, group and product are in the loan's programme, so whoever
    # sees the loan sees them: those relations are never null.
    programme = parent(_Programme, "programme_id", description="The programme that lent.")
    member = parent(_Member, "member_id", description="The borrower.")
    group = parent(
        _Group, "group_id", description="The borrower's solidarity group when the loan was granted."
    )
    product = parent(
        LoanProduct, "product_id", description="The loan product it was granted under."
    )

    @strawberry.field(
        description="Days since the oldest unpaid installment fell due, at the end of `asOf` "
        "(today if omitted), with the repayments recorded as of that day (reversed ones never "
        "count), as the indicators count them; 0 unless the loan was outstanding that day."
    )
    async def days_past_due(self, info: Info, as_of: date | None = None) -> int:
        return await _days_past_due(info, self, as_of)

    @strawberry.field(
        description="Portfolio at risk: outstanding with an installment more than `days` days "
        "past due at the end of `asOf` (today if omitted), read as `daysPastDue`. Its whole "
        "outstanding principal is then at risk (with days = 30: counted in PAR30 that day)."
    )
    async def at_risk(self, info: Info, as_of: date | None = None, days: int = 30) -> bool:
        return await _days_past_due(info, self, as_of) > days

    @strawberry.field(
        description="The repayment schedule in force, by installment number (after a "
        "rescheduling: what had been paid, as settled lines, then the new installments)."
    )
    async def schedule(self, info: Info) -> list[Installment]:
        rows = await info.context.loaders.loans.schedule_by_loan.load(self.id)
        return [Installment.from_row(row) for row in rows]

    superseded_schedules = child_list(
        SupersededInstallment,
        db_loans.superseded.c.loan_id,
        description="The schedules reschedulings replaced, by version then number, as they "
        "stood when replaced; empty if it was never rescheduled.",
    )

    @strawberry.field(
        description="What repays the whole balance on `on` (today if omitted), as loanPayOff "
        "takes it: all that remains due, less the interest of the installments due after that "
        "day if the product waives it (LoanProduct.earlyPayoffInterest). Null unless ACTIVE."
    )
    async def payoff_amount(self, info: Info, on: date | None = None) -> Money | None:
        if self.status is not LoanStatus.ACTIVE:
            return None
        loaders = info.context.loaders
        rows = await loaders.loans.schedule_by_loan.load(self.id)
        product = await loaders.rows(db_loans.LOAN_PRODUCTS).load(self.product_id)
        assert product is not None, "a loan's product is in its programme"
        due = allocation.payoff_due(
            [db_loans.installment_state(row) for row in rows],
            on or date.today(),
            waive=product["early_payoff_interest"] is EarlyPayoffInterest.WAIVED,
        )
        return Money.of(due, self.principal.currency_code)

    repayments = children(
        "Repayment",
        db_loans.repayments.c.loan_id,
        description="Repayments and reversals recorded on the loan, oldest first.",
    )


@strawberry.federation.type(
    keys=["id"],
    description="A ledger entry on a loan: a repayment, split between interest and principal "
    "as the ledger's date order makes it (a back-dated repayment or a reversal restates the "
    "split of the repayments after it), or the reversal of one (with the split of the "
    "repayment it cancelled, then). Entries are never deleted; amounts and dates never change.",
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
    listing = db_loans.REPAYMENTS
    loan = parent(Loan, "loan_id", description="The loan repaid.")
    collected_by = parent(
        Annotated["Facilitator", strawberry.lazy(_groups)] | None,
        "collected_by_id",
        description="The facilitator who collected the money, if recorded.",
    )
    reverses = parent(
        Optional["Repayment"],
        "reverses_id",
        description="For a REVERSAL, the repayment it cancels; null otherwise.",
    )

    @strawberry.field(description="The reversal that cancels this repayment; null if none does.")
    async def reversed_by(self, info: Info) -> "Repayment | None":
        # A repayment has at most one reversal (reverses_id is unique).
        rows = await info.context.loaders.all(REVERSALS, db_loans.repayments.c.reverses_id).load(
            self.id
        )
        return Repayment.from_row(rows[0]) if rows else None


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
        description="Only loans outstanding at the end of `asOf` and at least this many days "
        "past due then, as `Loan.daysPastDue(asOf:)` counts them.",
    )
    as_of: date | None = strawberry.field(
        default=None, description="The date days past due are counted at; today if omitted."
    )

    def to_db(self) -> db_loans.LoanFilter:
        span = self.disbursed_between
        return db_loans.LoanFilter(
            programme_codes=as_tuple(self.programmes),
            statuses=as_tuple(self.statuses),
            cycles=as_tuple(self.cycles),
            product_ids=(node_keys(self.products, "LoanProduct", "filter.products")),
            disbursed_from=span.from_ if span else None,
            disbursed_to=span.to if span else None,
            min_days_past_due=self.min_days_past_due,
            as_of=(self.as_of or date.today()) if self.min_days_past_due is not None else None,
        )


@strawberry.type
class LoanQuery:
    loans = root_connection(
        Loan, filter=LoanFilter, description="Loans across the network, as the viewer may see them."
    )

    @strawberry.field(
        description="Loan products of the programmes given by code (all the viewer may see if "
        "omitted), by programme and name."
    )
    async def loan_products(
        self, info: Info, programmes: list[str] | None = None
    ) -> list[LoanProduct]:
        f = db_loans.LoanProductFilter(as_tuple(programmes))
        async with info.context.db.read() as session:
            rows = await db_loans.loan_products(session, info.context.viewer.scope, f)
        return [LoanProduct.from_row(row) for row in rows]


_RESULT_OR_NULL = "null if refused."
_USER_ERRORS = "Why it was refused, if it was: each names the input field at fault."
_REPLAYED = "True when this is the first result of an earlier request with the same key."
_LOAN_ID = "The loan."


@strawberry.input(
    description="A member's application for a loan. The methodology is enforced: a first "
    "loan only after the programme's initial training sessions (TRAINING_INCOMPLETE); one open "
    "(PENDING or ACTIVE) loan at a time unless the product allows concurrent loans "
    "(ACTIVE_LOAN_EXISTS); a next cycle only after the previous loan was repaid "
    "(PREVIOUS_LOAN_NOT_REPAID after a write-off, or on `appliedOn` when it is before the day "
    "her previous loan was repaid: her loans are judged as they stood that day); no new loan "
    "in a closed group (GROUP_CLOSED); an active product (INVALID_STATE) of her programme "
    "(OTHER_PROGRAMME) serving the cycle the loan opens (CYCLE_NOT_ELIGIBLE, see "
    "`LoanProduct.cycles`); a principal within the product's limits for that cycle "
    "(OUT_OF_RANGE, whose message names them) in the programme's currency. No guarantee is "
    "ever asked (no collateral, no guarantor)."
)
class LoanApplyInput:
    member: relay.GlobalID = strawberry.field(description="The member applying.")
    product: relay.GlobalID = strawberry.field(
        description="The loan product, one her programme offers."
    )
    principal: MoneyInput = strawberry.field(
        description="The amount asked for, within the product's minimum and maximum for the "
        "cycle the loan opens."
    )
    purpose: Activity | None = strawberry.field(
        default=None, description="The activity it finances; her own activity if omitted."
    )
    applied_on: date = strawberry.field(
        description="When she applied: not in the future, not before she joined. Initial "
        "sessions held up to this day count."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of loanApply.")
class LoanApplyPayload:
    loan: Loan | None = strawberry.field(
        description="The PENDING loan, of her next cycle; " + _RESULT_OR_NULL
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.input(description="The approval of a PENDING loan application.")
class LoanApproveInput:
    loan: relay.GlobalID = strawberry.field(description="The PENDING loan, not yet approved.")
    approved_on: date = strawberry.field(
        description="When it was approved: not in the future, not before the application."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of loanApprove.")
class LoanApprovePayload:
    loan: Loan | None = strawberry.field(description="The approved loan; " + _RESULT_OR_NULL)
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.input(
    description="The disbursement of an approved loan: it becomes ACTIVE, with its repayment "
    "schedule built from its product (flat or declining-balance interest, the product's "
    "number and frequency of installments from the disbursement date, each line rounded to "
    "the currency's minor unit with the remainder on the last). The fee, computed at "
    "application from the product's fee percent, is charged now."
)
class LoanDisburseInput:
    loan: relay.GlobalID = strawberry.field(description="The approved, PENDING loan.")
    disbursed_on: date = strawberry.field(
        description="When the money was handed over: not in the future, not before approval."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of loanDisburse.")
class LoanDisbursePayload:
    loan: Loan | None = strawberry.field(
        description="The ACTIVE loan, with its schedule; " + _RESULT_OR_NULL
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.input(
    description="Money a member paid on her ACTIVE loan, or recovered on a WRITTEN_OFF one: "
    "a RECOVERY entry (all of it written-off principal coming back, at most what remains "
    "unrecovered, else OVERPAYMENT; on or after the write-off), counted in the indicators' "
    "recoveries, never in the portfolio: the loan stays WRITTEN_OFF."
)
class RepaymentRecordInput:
    loan: relay.GlobalID = strawberry.field(description="The ACTIVE (or WRITTEN_OFF) loan.")
    amount: MoneyInput = strawberry.field(
        description="What she paid, in the loan's currency. It pays the interest, then the "
        "principal, of the oldest installment not fully paid, then the next one (paying ahead "
        "is allowed). An amount larger than everything that remains due on the loan is "
        "refused whole with OVERPAYMENT, whose message names the amount and what remains: "
        "nothing is kept as credit, record at most what remains."
    )
    paid_on: date = strawberry.field(
        description="When she paid: not in the future, not before the disbursement."
    )
    collected_by: relay.GlobalID = strawberry.field(
        description="The facilitator who collected the money, of the loan's programme."
    )
    note: str = strawberry.field(default="", description="Free text.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of repaymentRecord.")
class RepaymentRecordPayload:
    repayment: Repayment | None = strawberry.field(
        description="The ledger entry, with its split between interest and principal; "
        + _RESULT_OR_NULL
    )
    loan: Loan | None = strawberry.field(
        description="The loan after it (REPAID once nothing remains due); " + _RESULT_OR_NULL
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.input(
    description="Cancels a repayment entered by mistake with a REVERSAL entry pointing at it "
    "(nothing is deleted). The loan's schedule and state are recomputed from the repayments "
    "still standing, in date order (the later repayments' splits restated): a REPAID loan "
    "becomes ACTIVE again, so it is refused (NEXT_LOAN_EXISTS) once a loan of her next cycle "
    "was granted on it under a product allowing no other loan alongside: record the "
    "correction on her current loan instead. A repayment is reversed once only "
    "(ALREADY_REVERSED). A RECOVERY is reversed the same way (the loan's `recovered` "
    "goes down). A reversal that reopens a loan paid off early makes the interest waived "
    "then due again. The reversal restates the past: the loan's state on every day "
    "since the repayment is read without it (`reversedOn` changes no stock)."
)
class RepaymentReverseInput:
    repayment: relay.GlobalID = strawberry.field(description="The REPAYMENT entry to cancel.")
    reversed_on: date = strawberry.field(
        description="When it is reversed: not in the future, not before the repayment."
    )
    reason: str = strawberry.field(description="Why, e.g. recorded on the wrong loan (required).")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of repaymentReverse.")
class RepaymentReversePayload:
    reversal: Repayment | None = strawberry.field(
        description="The REVERSAL entry; " + _RESULT_OR_NULL
    )
    loan: Loan | None = strawberry.field(description="The loan after it; " + _RESULT_OR_NULL)
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.input(
    description="Writes off an ACTIVE loan as unrecoverable: its outstanding principal "
    "becomes the written-off principal and the loan closes (WRITTEN_OFF). Its member gets no "
    "next loan (PREVIOUS_LOAN_NOT_REPAID)."
)
class LoanWriteOffInput:
    loan: relay.GlobalID = strawberry.field(description="The ACTIVE loan.")
    written_off_on: date = strawberry.field(
        description="When: not in the future, not before the disbursement."
    )
    reason: str = strawberry.field(description="Why (required); kept in the audit trail.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of loanWriteOff.")
class LoanWriteOffPayload:
    loan: Loan | None = strawberry.field(description="The written-off loan; " + _RESULT_OR_NULL)
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.input(
    description="An application the programme turns down: a PENDING loan not approved (an "
    "approved one is first undone with loanApprovalUndo), DECLINED on a day for a reason. "
    "Nothing was lent: no outstanding principal, no cycle of hers, and it no longer holds "
    "her next application or her group's closure."
)
class LoanDeclineInput:
    loan: relay.GlobalID = strawberry.field(description="The PENDING loan, not approved.")
    declined_on: date = strawberry.field(
        description="When: not in the future, not before the application."
    )
    reason: str = strawberry.field(description="Why (required).")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description="An application the member gives up before the money is handed over "
    "(PENDING, approved or not): WITHDRAWN on a day for a reason, with the same effects as "
    "loanDecline."
)
class LoanWithdrawInput:
    loan: relay.GlobalID = strawberry.field(description="The PENDING loan.")
    withdrawn_on: date = strawberry.field(
        description="When: not in the future, not before the application (or its approval)."
    )
    reason: str = strawberry.field(description="Why (required).")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description="An approval given by mistake, undone: the loan is PENDING, awaiting "
    "approval again (approvedOn null)."
)
class LoanApprovalUndoInput:
    loan: relay.GlobalID = strawberry.field(description="The approved, PENDING loan.")
    reason: str = strawberry.field(description="Why (required); kept in the audit trail.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description="A disbursement recorded by mistake, undone before any repayment (any ledger "
    "entry, reversed or not: REPAYMENTS_RECORDED): the loan is the approved PENDING "
    "application again, its schedule gone. It restates the past: the loan was never "
    "outstanding, on any day (the indicators of past days no longer count it)."
)
class LoanDisbursementUndoInput:
    loan: relay.GlobalID = strawberry.field(description="The ACTIVE loan.")
    reason: str = strawberry.field(description="Why (required); kept in the audit trail.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description="A new schedule for an ACTIVE loan in arrears (an installment late on "
    "`rescheduledOn`, else NOT_IN_ARREARS), from that day: what has been paid stays as "
    "settled lines; the principal still owed is spread over `installments` new installments "
    "(the loan's interest method and rate), after `graceInstallments` of interest only; "
    "the interest in arrears is due with the first. The schedule it replaces is kept "
    "(`Loan.supersededSchedules`) and the loan's state on an earlier day is read against "
    "it. From that day the loan counts among the rescheduled loans of the indicators "
    "(`rescheduledPortfolio`, `parRescheduled30`)."
)
class LoanRescheduleInput:
    loan: relay.GlobalID = strawberry.field(description="The ACTIVE loan in arrears.")
    rescheduled_on: date = strawberry.field(
        description="When: not in the future, not before its last repayment or rescheduling."
    )
    installments: int = strawberry.field(
        description="The number of new installments of principal and interest, 1 to 120."
    )
    grace_installments: int = strawberry.field(
        default=0,
        description="Installments of interest only before them (a grace on principal), 0 to 12.",
    )
    reason: str = strawberry.field(description="Why (required); kept in the audit trail.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description="The whole balance of an ACTIVE loan repaid at once: a REPAYMENT of exactly "
    "`Loan.payoffAmount(on: paidOn)` (else WRONG_AMOUNT, whose message names it), and the "
    "loan REPAID that day. The interest of the installments due after `paidOn` is due in "
    "full or waived, as the product says (LoanProduct.earlyPayoffInterest)."
)
class LoanPayOffInput:
    loan: relay.GlobalID = strawberry.field(description="The ACTIVE loan.")
    amount: MoneyInput = strawberry.field(description="What she pays: the payoff amount.")
    paid_on: date = strawberry.field(
        description="When: not in the future, not before the disbursement or its last repayment."
    )
    collected_by: relay.GlobalID = strawberry.field(
        description="The facilitator who collected the money, of the loan's programme."
    )
    note: str = strawberry.field(default="", description="Free text.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of loanDecline.")
class LoanDeclinePayload:
    loan: Loan | None = strawberry.field(description="The DECLINED loan; " + _RESULT_OR_NULL)
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(description="The result of loanWithdraw.")
class LoanWithdrawPayload:
    loan: Loan | None = strawberry.field(description="The WITHDRAWN loan; " + _RESULT_OR_NULL)
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(description="The result of loanApprovalUndo.")
class LoanApprovalUndoPayload:
    loan: Loan | None = strawberry.field(
        description="The loan, awaiting approval again; " + _RESULT_OR_NULL
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(description="The result of loanDisbursementUndo.")
class LoanDisbursementUndoPayload:
    loan: Loan | None = strawberry.field(
        description="The loan, approved and PENDING again; " + _RESULT_OR_NULL
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(description="The result of loanReschedule.")
class LoanReschedulePayload:
    loan: Loan | None = strawberry.field(
        description="The loan, with its new schedule; " + _RESULT_OR_NULL
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(description="The result of loanPayOff.")
class LoanPayOffPayload:
    repayment: Repayment | None = strawberry.field(
        description="The REPAYMENT entry; " + _RESULT_OR_NULL
    )
    loan: Loan | None = strawberry.field(description="The REPAID loan; " + _RESULT_OR_NULL)
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)
