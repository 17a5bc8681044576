import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CHAR,
    CheckConstraint,
    Computed,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.enums import (
    Activity,
    DueDateRule,
    EarlyPayoffInterest,
    InstallmentFrequency,
    InterestMethod,
    LoanStatus,
    RepaymentKind,
)

from .base import Amount, Base, Keyed, created_at, enum_column, programme_fk


class LoanProduct(Keyed, Base):
    __tablename__ = "loan_products"
    programme_id: Mapped[uuid.UUID] = programme_fk()
    name: Mapped[str] = mapped_column(Text)
    currency_code: Mapped[str] = mapped_column(CHAR(3), ForeignKey("currencies.code"))
    interest_method: Mapped[InterestMethod] = enum_column(InterestMethod)
    # Interest per installment period, in percent (flat: on the principal; declining: on
    # the balance).
    period_rate_percent: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    installments: Mapped[int] = mapped_column(SmallInteger)
    installment_frequency: Mapped[InstallmentFrequency] = enum_column(InstallmentFrequency)
    fee_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    min_principal: Mapped[Amount]
    max_principal: Mapped[Amount]
    allows_concurrent_loans: Mapped[bool] = mapped_column(default=False)
    # Whether due dates are counted from the disbursement or moved to the group's meetings.
    due_dates_follow: Mapped[DueDateRule] = enum_column(
        DueDateRule, default=DueDateRule.DISBURSEMENT_DAY, server_default="DISBURSEMENT_DAY"
    )
    active: Mapped[bool] = mapped_column(default=True)
    # Set by loanProductRetire; older rows may be inactive without a day.
    retired_on: Mapped[date | None]
    # DUE_IN_FULL: paying off early pays every scheduled installment's interest (as paying
    # ahead always did).
    early_payoff_interest: Mapped[EarlyPayoffInterest] = enum_column(
        EarlyPayoffInterest, default=EarlyPayoffInterest.DUE_IN_FULL
    )
    __table_args__ = (
        CheckConstraint("retired_on IS NULL OR NOT active", name="retired_on"),
        UniqueConstraint("programme_id", "name"),
        UniqueConstraint("id", "programme_id"),
        CheckConstraint("period_rate_percent >= 0", name="rate"),
        CheckConstraint("installments > 0", name="installments"),
        CheckConstraint("fee_percent >= 0", name="fee"),
        CheckConstraint("min_principal > 0 AND max_principal >= min_principal", name="principal"),
    )


class LoanProductCycle(Keyed, Base):
    """A band of loan cycles a product serves, with the principal it lends for them. A
    product with bands serves only the cycles they cover; one without serves every cycle
    within its own minimum and maximum."""

    __tablename__ = "loan_product_cycles"
    programme_id: Mapped[uuid.UUID] = mapped_column()
    product_id: Mapped[uuid.UUID] = mapped_column()
    first_cycle: Mapped[int] = mapped_column(SmallInteger)
    # None: every cycle from first_cycle on.
    last_cycle: Mapped[int | None] = mapped_column(SmallInteger)
    min_principal: Mapped[Amount]
    max_principal: Mapped[Amount]
    __table_args__ = (
        ForeignKeyConstraint(
            ["product_id", "programme_id"], ["loan_products.id", "loan_products.programme_id"]
        ),
        UniqueConstraint("product_id", "first_cycle"),
        CheckConstraint(
            "first_cycle >= 1 AND (last_cycle IS NULL OR last_cycle >= first_cycle)",
            name="cycles",
        ),
        CheckConstraint("min_principal > 0 AND max_principal >= min_principal", name="principal"),
    )


OUTSTANDING = (
    "CASE WHEN disbursed_on IS NULL THEN 0"
    " ELSE principal - principal_paid - written_off_principal END"
)
NEVER_LENT = "('PENDING', 'DECLINED', 'WITHDRAWN')"
CLOSED = "('REPAID', 'WRITTEN_OFF', 'DECLINED', 'WITHDRAWN')"


class Loan(Keyed, Base):
    """A loan to a member. The *_paid columns and oldest_unpaid_due_on are derived state,
    maintained with every repayment so portfolio figures need no scan of the ledger."""

    __tablename__ = "loans"
    programme_id: Mapped[uuid.UUID] = programme_fk()
    member_id: Mapped[uuid.UUID] = mapped_column(index=True)
    group_id: Mapped[uuid.UUID] = mapped_column(index=True)
    product_id: Mapped[uuid.UUID] = mapped_column()
    currency_code: Mapped[str] = mapped_column(CHAR(3), ForeignKey("currencies.code"))
    cycle: Mapped[int] = mapped_column(SmallInteger)
    principal: Mapped[Amount]
    purpose: Mapped[Activity] = enum_column(Activity)
    interest_method: Mapped[InterestMethod] = enum_column(InterestMethod)
    period_rate_percent: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    installment_frequency: Mapped[InstallmentFrequency] = enum_column(InstallmentFrequency)
    fee: Mapped[Amount]
    status: Mapped[LoanStatus] = enum_column(LoanStatus)
    applied_on: Mapped[date]
    approved_on: Mapped[date | None]
    disbursed_on: Mapped[date | None]
    # Repaid, written off, or (an application) declined or withdrawn.
    closed_on: Mapped[date | None]
    # Why an application was declined or withdrawn.
    closing_reason: Mapped[str | None] = mapped_column(Text)
    written_off_principal: Mapped[Amount] = mapped_column(default=Decimal(0))
    principal_paid: Mapped[Amount] = mapped_column(default=Decimal(0))
    interest_paid: Mapped[Amount] = mapped_column(default=Decimal(0))
    # Nothing is outstanding before the money is handed over.
    outstanding_principal: Mapped[Decimal] = mapped_column(
        Numeric(22, 4),
        Computed(OUTSTANDING, persisted=True),
    )
    oldest_unpaid_due_on: Mapped[date | None]
    # The last day its schedule was rescheduled (the earlier ones: superseded_installments).
    rescheduled_on: Mapped[date | None]
    # Recoveries received after the write-off, net of their reversals.
    recovered: Mapped[Amount] = mapped_column(default=Decimal(0))
    created_at: Mapped[datetime] = created_at()
    __table_args__ = (
        UniqueConstraint("id", "programme_id"),
        ForeignKeyConstraint(["member_id", "programme_id"], ["members.id", "members.programme_id"]),
        ForeignKeyConstraint(["group_id", "programme_id"], ["groups.id", "groups.programme_id"]),
        ForeignKeyConstraint(
            ["product_id", "programme_id"], ["loan_products.id", "loan_products.programme_id"]
        ),
        CheckConstraint("principal > 0", name="principal"),
        CheckConstraint("cycle >= 1", name="cycle"),
        CheckConstraint("fee >= 0", name="fee"),
        CheckConstraint(
            "principal_paid >= 0 AND interest_paid >= 0 AND written_off_principal >= 0"
            " AND principal_paid + written_off_principal <= principal",
            name="paid",
        ),
        CheckConstraint(
            f"(status IN {NEVER_LENT}) = (disbursed_on IS NULL)", name="disbursed_unless_pending"
        ),
        CheckConstraint(
            "(status IN ('DECLINED', 'WITHDRAWN')) = (closing_reason IS NOT NULL)",
            name="closing_reason",
        ),
        CheckConstraint("recovered >= 0 AND recovered <= written_off_principal", name="recovered"),
        CheckConstraint(
            "rescheduled_on IS NULL OR rescheduled_on >= disbursed_on", name="rescheduled_on"
        ),
        CheckConstraint(
            "approved_on IS NULL OR approved_on >= applied_on", name="approved_after_applied"
        ),
        CheckConstraint(
            "disbursed_on IS NULL OR (approved_on IS NOT NULL AND disbursed_on >= approved_on)",
            name="disbursed_after_approved",
        ),
        CheckConstraint(
            "(status = 'WRITTEN_OFF') = (written_off_principal > 0)", name="written_off"
        ),
        CheckConstraint(f"(status IN {CLOSED}) = (closed_on IS NOT NULL)", name="closed_on"),
        # Portfolio-at-risk reads: active loans by programme and oldest unpaid due date.
        Index(
            "ix_loans_at_risk",
            "programme_id",
            "oldest_unpaid_due_on",
            postgresql_where=text("status = 'ACTIVE'"),
        ),
        Index("ix_loans_programme_status", "programme_id", "status"),
    )


class Installment(Keyed, Base):
    """One line of a loan's repayment schedule, with what has been paid against it."""

    __tablename__ = "installments"
    programme_id: Mapped[uuid.UUID] = mapped_column()
    loan_id: Mapped[uuid.UUID] = mapped_column()
    number: Mapped[int] = mapped_column(SmallInteger)
    due_on: Mapped[date]
    principal_due: Mapped[Amount]
    interest_due: Mapped[Amount]
    principal_paid: Mapped[Amount] = mapped_column(default=Decimal(0))
    interest_paid: Mapped[Amount] = mapped_column(default=Decimal(0))
    paid_on: Mapped[date | None]
    # Interest no longer due: waived when the loan was paid off early (interest_due is
    # what remains due); a reversal that reopens the loan restores it.
    interest_waived: Mapped[Amount] = mapped_column(default=Decimal(0))
    # The day this schedule took effect: null for the schedule built at disbursement, the
    # rescheduling day otherwise (the schedule before it: superseded_installments).
    in_force_from: Mapped[date | None]
    __table_args__ = (
        UniqueConstraint("loan_id", "number"),
        ForeignKeyConstraint(["loan_id", "programme_id"], ["loans.id", "loans.programme_id"]),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint("principal_due >= 0 AND interest_due >= 0", name="due"),
        CheckConstraint(
            "(paid_on IS NOT NULL)"
            " = (principal_paid = principal_due AND interest_paid = interest_due)",
            name="paid_on",
        ),
        CheckConstraint(
            "principal_paid BETWEEN 0 AND principal_due AND interest_paid BETWEEN 0 AND interest_due",
            name="paid",
        ),
        CheckConstraint("interest_waived >= 0", name="interest_waived"),
    )


class SupersededInstallment(Keyed, Base):
    """A line of a schedule a rescheduling replaced, as it stood then: it was in force from
    `in_force_from` (null: from disbursement) until the day before `superseded_on`. The
    indicators read a loan's state on a past day against the schedule in force that day."""

    __tablename__ = "superseded_installments"
    programme_id: Mapped[uuid.UUID] = mapped_column()
    loan_id: Mapped[uuid.UUID] = mapped_column()
    # 1 for the schedule built at disbursement, then one more per rescheduling.
    version: Mapped[int] = mapped_column(SmallInteger)
    number: Mapped[int] = mapped_column(SmallInteger)
    due_on: Mapped[date]
    principal_due: Mapped[Amount]
    interest_due: Mapped[Amount]
    principal_paid: Mapped[Amount]
    interest_paid: Mapped[Amount]
    paid_on: Mapped[date | None]
    in_force_from: Mapped[date | None]
    superseded_on: Mapped[date]
    __table_args__ = (
        UniqueConstraint("loan_id", "version", "number"),
        ForeignKeyConstraint(["loan_id", "programme_id"], ["loans.id", "loans.programme_id"]),
        CheckConstraint("in_force_from IS NULL OR superseded_on > in_force_from", name="span"),
    )


class Repayment(Keyed, Base):
    """A ledger entry: a repayment, or the reversal of one (never a delete). A standing
    repayment's split between interest and principal is the allocation the ledger's date
    order makes (restated by a back-dated repayment or a reversal); a reversal keeps the
    split of the repayment it cancelled."""

    __tablename__ = "repayments"
    programme_id: Mapped[uuid.UUID] = mapped_column()
    loan_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[RepaymentKind] = enum_column(RepaymentKind)
    paid_on: Mapped[date]
    amount: Mapped[Amount]
    principal_part: Mapped[Amount]
    interest_part: Mapped[Amount]
    collected_by_id: Mapped[uuid.UUID | None] = mapped_column()
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # The group meeting it was collected at, if recorded with one (migration 0009).
    meeting_id: Mapped[uuid.UUID | None] = mapped_column()
    recorded_at: Mapped[datetime] = created_at()
    __table_args__ = (
        ForeignKeyConstraint(["loan_id", "programme_id"], ["loans.id", "loans.programme_id"]),
        ForeignKeyConstraint(
            ["meeting_id", "programme_id"], ["meetings.id", "meetings.programme_id"]
        ),
        Index(
            "ix_repayments_meeting", "meeting_id", postgresql_where=text("meeting_id IS NOT NULL")
        ),
        # Collected by the programme's own staff (composite key: same programme).
        ForeignKeyConstraint(
            ["collected_by_id", "programme_id"], ["facilitators.id", "facilitators.programme_id"]
        ),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint(
            "principal_part >= 0 AND interest_part >= 0 AND principal_part + interest_part = amount",
            name="allocation",
        ),
        CheckConstraint("(kind = 'REVERSAL') = (reverses_id IS NOT NULL)", name="reversal"),
        # A reversal reverses an entry of the same loan.
        UniqueConstraint("id", "loan_id"),
        ForeignKeyConstraint(["reverses_id", "loan_id"], ["repayments.id", "repayments.loan_id"]),
    )
