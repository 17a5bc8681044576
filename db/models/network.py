import uuid
from datetime import date, datetime

from sqlalchemy import CHAR, CheckConstraint, ForeignKey, SmallInteger, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.enums import ProgrammePhase

from .base import Amount, Base, CurrencyCode, Keyed, Rate, created_at, enum_column, programme_fk


class Currency(Base):
    __tablename__ = "currencies"
    code: Mapped[str] = mapped_column(CHAR(3), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    minor_units: Mapped[int] = mapped_column(SmallInteger)
    __table_args__ = (CheckConstraint("minor_units BETWEEN 0 AND 4", name="minor_units"),)


class ExchangeRate(Keyed, Base):
    """Units of `currency` per 1 EUR for one month: closing (balances) and average (flows)."""

    __tablename__ = "exchange_rates"
    currency_code: Mapped[str] = mapped_column(CHAR(3), ForeignKey("currencies.code"))
    month: Mapped[date]
    closing_rate: Mapped[Rate]
    average_rate: Mapped[Rate]
    source: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        UniqueConstraint("currency_code", "month"),
        CheckConstraint("extract(day from month) = 1", name="month_first_day"),
        CheckConstraint("closing_rate > 0 AND average_rate > 0", name="rates_positive"),
    )


class Country(Base):
    __tablename__ = "countries"
    code: Mapped[str] = mapped_column(CHAR(2), primary_key=True)  # ISO 3166-1 alpha-2
    name: Mapped[str] = mapped_column(Text)


class Network(Keyed, Base):
    __tablename__ = "networks"
    name: Mapped[str] = mapped_column(Text, unique=True)
    head_office: Mapped[str] = mapped_column(Text)
    reporting_currency_code: Mapped[CurrencyCode]


class Programme(Keyed, Base):
    __tablename__ = "programmes"
    network_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("networks.id"))
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    country_code: Mapped[str] = mapped_column(CHAR(2), ForeignKey("countries.code"))
    region: Mapped[str] = mapped_column(Text)
    base_city: Mapped[str] = mapped_column(Text)
    currency_code: Mapped[CurrencyCode]
    phase: Mapped[ProgrammePhase] = enum_column(ProgrammePhase)
    started_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text, default="")
    # The methodology's rule is data: initial sessions before a first loan, and the savings
    # floor while a loan is active (NULL: no floor).
    initial_training_sessions: Mapped[int] = mapped_column(SmallInteger, default=6)
    compulsory_savings_minimum: Mapped[Amount | None]
    created_at: Mapped[datetime] = created_at()
    __table_args__ = (
        CheckConstraint("initial_training_sessions >= 0", name="initial_sessions"),
        CheckConstraint("code ~ '^[A-Z0-9_]+$'", name="code_format"),
    )


class Partner(Keyed, Base):
    """A funder or partner of a programme."""

    __tablename__ = "partners"
    programme_id: Mapped[uuid.UUID] = programme_fk()
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, default="FUNDER")
    since: Mapped[date | None]
    __table_args__ = (UniqueConstraint("programme_id", "name"),)


class AutonomyMilestone(Keyed, Base):
    """A step toward the programme becoming an autonomous local entity."""

    __tablename__ = "autonomy_milestones"
    programme_id: Mapped[uuid.UUID] = programme_fk()
    title: Mapped[str] = mapped_column(Text)
    target_on: Mapped[date | None]
    achieved_on: Mapped[date | None]
    evidence: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (UniqueConstraint("programme_id", "title"),)
