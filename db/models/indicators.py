"""Indicator state: each programme's daily stocks and flows, and their watermarks.

The snapshots are a cache of what the ledger says, filled by `db.indicators.refresh`. A
programme's snapshots are valid up to `indicator_state.valid_through`; triggers (migration
0004) pull that date back whenever a write lands on a day it already covers, so a snapshot is
never read after the data under it changed.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import CHAR, ForeignKey, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Amount, Base
from .loans import Installment, Loan, Repayment


def count_column() -> Mapped[int]:
    return mapped_column(Integer, server_default=text("0"))


def amount_column() -> Mapped[Amount]:
    return mapped_column(server_default=text("0"))


class IndicatorStock(Base):
    """A programme's stocks at the end of `day`, for its amounts in one currency, written on
    each day they change: the stocks at the end of any day are those of the latest row on or
    before it. Counts of members and groups are on the row of the programme's own currency.
    No row up to a day: nothing to count."""

    __tablename__ = "indicator_stocks"
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"), primary_key=True)
    currency_code: Mapped[str] = mapped_column(
        CHAR(3), ForeignKey("currencies.code"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    gross_loan_portfolio: Mapped[Amount] = amount_column()
    active_loans: Mapped[int] = count_column()
    active_borrowers: Mapped[int] = count_column()
    first_cycle_borrowers: Mapped[int] = count_column()
    portfolio_at_risk_30: Mapped[Amount] = amount_column()
    portfolio_at_risk_90: Mapped[Amount] = amount_column()
    savings_balance: Mapped[Amount] = amount_column()
    active_depositors: Mapped[int] = count_column()
    active_members: Mapped[int] = count_column()
    women_members: Mapped[int] = count_column()
    active_groups: Mapped[int] = count_column()
    rescheduled_portfolio: Mapped[Amount] = amount_column()
    rescheduled_at_risk_30: Mapped[Amount] = amount_column()


class IndicatorDay(Base):
    """A programme's flows on one day, for its amounts in one currency: loans disbursed and
    written off that day, installments falling due that day (and what was received by then),
    loans repaid in full that day (and whose borrower took a next loan within 90 days). No
    row: nothing happened."""

    __tablename__ = "indicator_days"
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    currency_code: Mapped[str] = mapped_column(
        CHAR(3), ForeignKey("currencies.code"), primary_key=True
    )
    disbursements: Mapped[int] = count_column()
    disbursed_amount: Mapped[Amount] = amount_column()
    write_offs: Mapped[int] = count_column()
    written_off_amount: Mapped[Amount] = amount_column()
    amount_due: Mapped[Amount] = amount_column()
    amount_received_on_time: Mapped[Amount] = amount_column()
    loans_repaid: Mapped[int] = count_column()
    borrowers_retained: Mapped[int] = count_column()
    recoveries: Mapped[Amount] = amount_column()


class IndicatorSavings(Base):
    """A programme's savings now, in one currency: the balance of its accounts and its
    depositors (members with a positive balance). Kept by triggers on savings_accounts
    (migration 0004), so today's figures need no scan of the accounts."""

    __tablename__ = "indicator_savings"
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"), primary_key=True)
    currency_code: Mapped[str] = mapped_column(
        CHAR(3), ForeignKey("currencies.code"), primary_key=True
    )
    savings_balance: Mapped[Amount] = amount_column()
    active_depositors: Mapped[int] = count_column()


class IndicatorOutreach(Base):
    """A programme's outreach now: members in a group not closed, the women among them, and
    groups not closed. Kept by triggers on group_memberships, groups and members."""

    __tablename__ = "indicator_outreach"
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"), primary_key=True)
    active_members: Mapped[int] = count_column()
    women_members: Mapped[int] = count_column()
    active_groups: Mapped[int] = count_column()


class IndicatorState(Base):
    """How far a programme's snapshots can be trusted: the stocks and daily flows up to
    `valid_through`; the retention counts of days up to `retention_valid_through` (a day's
    count is final once its 90 days are over, and a back-dated disbursement can change the
    90 days before it). Triggers pull both back on writes that land on covered days."""

    __tablename__ = "indicator_state"
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"), primary_key=True)
    valid_through: Mapped[date]
    retention_valid_through: Mapped[date]
    refreshed_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


# How the indicators read other domains' tables: the active portfolio as of today (covering:
# an index-only scan), loans disbursed or closed in a period, a member's next loan
# (retention), installments due in a period.
Index(
    "ix_loans_active_portfolio",
    Loan.__table__.c.programme_id,
    postgresql_include=[
        "currency_code",
        "member_id",
        "cycle",
        "outstanding_principal",
        "oldest_unpaid_due_on",
        "rescheduled_on",
    ],
    postgresql_where=text("status = 'ACTIVE'"),
)
# Recoveries on written-off loans in a period.
Index(
    "ix_repayments_recoveries",
    Repayment.__table__.c.programme_id,
    Repayment.__table__.c.paid_on,
    postgresql_where=text("kind = 'RECOVERY'"),
)
Index(
    "ix_loans_programme_disbursed",
    Loan.__table__.c.programme_id,
    Loan.__table__.c.disbursed_on,
    postgresql_where=text("disbursed_on IS NOT NULL"),
)
Index(
    "ix_loans_programme_closed",
    Loan.__table__.c.programme_id,
    Loan.__table__.c.closed_on,
    postgresql_where=text("closed_on IS NOT NULL"),
)
Index(
    "ix_loans_member_disbursed",
    Loan.__table__.c.member_id,
    Loan.__table__.c.disbursed_on,
)
Index(
    "ix_installments_programme_due",
    Installment.__table__.c.programme_id,
    Installment.__table__.c.due_on,
)
