"""Loan products, and loans with a real schedule, repayments and the state they leave.

`loan` builds the schedule with domain.schedule and allocates each repayment with
domain.allocation, in date order; a reversal replays the payments still standing. The loan's
and installments' derived columns are those the domain rules give.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Installment, Loan, LoanProduct, LoanProductCycle, Repayment
from domain.allocation import InstallmentState, allocate, oldest_unpaid_due_on, replay
from domain.enums import (
    Activity,
    InstallmentFrequency,
    InterestMethod,
    LoanStatus,
    RepaymentKind,
)
from domain.ids import uuid7
from domain.money import round_money
from domain.schedule import build_schedule

from . import unique
from .savings import ascending_ids


async def product(
    session: AsyncSession, programme: dict[str, Any], **overrides: Any
) -> dict[str, Any]:
    """A first-loan product in the programme's currency: 6 monthly installments, 2% flat."""
    values: dict[str, Any] = {
        "id": uuid7(),
        "programme_id": programme["id"],
        "name": unique("Premier pret"),
        "currency_code": programme["currency_code"],
        "interest_method": InterestMethod.FLAT,
        "period_rate_percent": Decimal("2"),
        "installments": 6,
        "installment_frequency": InstallmentFrequency.MONTHLY,
        "fee_percent": Decimal("1"),
        "min_principal": Decimal(50_000),
        "max_principal": Decimal(450_000),
        "allows_concurrent_loans": False,
        "active": True,
    }
    values.update(overrides)
    await session.execute(insert(LoanProduct).values(**values))
    return values


@dataclass(frozen=True, slots=True)
class Payment:
    """A repayment to record on a loan; `reversed_on` records its reversal too."""

    paid_on: date
    amount: Decimal
    collected_by_id: uuid.UUID | None = None
    reversed_on: date | None = None
    note: str = ""


async def loan(
    session: AsyncSession,
    product: dict[str, Any],
    member: dict[str, Any],
    group_id: uuid.UUID,
    *,
    principal: Decimal = Decimal(100_000),
    disbursed_on: date | None = date(2024, 1, 10),
    payments: Sequence[Payment] = (),
    written_off_on: date | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A loan under `product`; PENDING when `disbursed_on` is None.

    Returns the loan's columns, plus "schedule" (the installments' columns) and "repayments"
    (the ledger rows, reversals included, in the order recorded).
    """
    currency = product["currency_code"]
    values: dict[str, Any] = {
        "id": uuid7(),
        "programme_id": product["programme_id"],
        "member_id": member["id"],
        "group_id": group_id,
        "product_id": product["id"],
        "currency_code": currency,
        "cycle": 1,
        "principal": principal,
        "purpose": Activity.SMALL_SHOP,
        "interest_method": product["interest_method"],
        "period_rate_percent": product["period_rate_percent"],
        "installment_frequency": product["installment_frequency"],
        "fee": round_money(principal * product["fee_percent"] / 100, currency),
        "applied_on": (disbursed_on or date(2024, 1, 10)) - timedelta(days=14),
        "approved_on": disbursed_on - timedelta(days=7) if disbursed_on else None,
        "disbursed_on": disbursed_on,
        "written_off_principal": Decimal(0),
    }
    values.update(overrides)
    # The rest is derived, as the domain rules give it.
    state: list[InstallmentState] = []
    if disbursed_on is not None:
        scheduled = build_schedule(
            principal=principal,
            currency=currency,
            method=values["interest_method"],
            period_rate_percent=values["period_rate_percent"],
            installments=product["installments"],
            frequency=values["installment_frequency"],
            disbursed_on=disbursed_on,
        )
        state = [
            InstallmentState(s.number, s.due_on, s.principal_due, s.interest_due) for s in scheduled
        ]
    schedule, ledger = _record(state, payments, values)
    principal_paid = sum((i.principal_paid for i in schedule), Decimal(0))
    status, closed_on = LoanStatus.PENDING, None
    if written_off_on is not None:
        status, closed_on = LoanStatus.WRITTEN_OFF, written_off_on
        values["written_off_principal"] = principal - principal_paid
    elif schedule and all(i.settled for i in schedule):
        status, closed_on = LoanStatus.REPAID, max(i.paid_on for i in schedule if i.paid_on)
    elif disbursed_on is not None:
        status = LoanStatus.ACTIVE
    values |= {
        "status": status,
        "closed_on": closed_on,
        "principal_paid": principal_paid,
        "interest_paid": sum((i.interest_paid for i in schedule), Decimal(0)),
        "oldest_unpaid_due_on": (
            oldest_unpaid_due_on(schedule) if status is LoanStatus.ACTIVE else None
        ),
    }

    await session.execute(insert(Loan).values(**values))
    rows = [
        {
            "id": uuid7(),
            "programme_id": values["programme_id"],
            "loan_id": values["id"],
            "number": i.number,
            "due_on": i.due_on,
            "principal_due": i.principal_due,
            "interest_due": i.interest_due,
            "principal_paid": i.principal_paid,
            "interest_paid": i.interest_paid,
            "paid_on": i.paid_on,
        }
        for i in schedule
    ]
    if rows:
        await session.execute(insert(Installment).values(rows))
    if ledger:
        await session.execute(insert(Repayment).values(ledger))
    values["schedule"] = rows
    values["repayments"] = ledger
    return values


def _record(
    state: list[InstallmentState], payments: Sequence[Payment], loan: dict[str, Any]
) -> tuple[list[InstallmentState], list[dict[str, Any]]]:
    """Apply repayments and reversals in date order, as they would have been recorded."""
    events = sorted(
        [(p.paid_on, 0, p) for p in payments]
        + [(p.reversed_on, 1, p) for p in payments if p.reversed_on is not None],
        key=lambda e: (e[0], e[1]),
    )
    standing: list[Payment] = []
    ledger: list[dict[str, Any]] = []
    entry_of: dict[int, dict[str, Any]] = {}
    for entry_id, (day, is_reversal, payment) in zip(
        ascending_ids(len(events)), events, strict=True
    ):
        entry: dict[str, Any] = {
            "id": entry_id,
            "programme_id": loan["programme_id"],
            "loan_id": loan["id"],
            "paid_on": day,
            "amount": payment.amount,
            "collected_by_id": payment.collected_by_id,
            "note": payment.note,
        }
        if is_reversal:
            original = entry_of[id(payment)]
            standing.remove(payment)
            state = replay(state, [(p.paid_on, p.amount) for p in standing])
            entry |= {
                "kind": RepaymentKind.REVERSAL,
                "principal_part": original["principal_part"],
                "interest_part": original["interest_part"],
                "reverses_id": original["id"],
                "note": payment.note or "Reversed: recorded on the wrong loan",
            }
        else:
            allocations, state = allocate(state, payment.amount, day)
            standing.append(payment)
            entry |= {
                "kind": RepaymentKind.REPAYMENT,
                "principal_part": sum((a.principal for a in allocations), Decimal(0)),
                "interest_part": sum((a.interest for a in allocations), Decimal(0)),
                "reverses_id": None,
            }
            entry_of[id(payment)] = entry
        ledger.append(entry)
    return state, ledger


def installment_total_of(product: dict[str, Any], principal: Decimal, number: int) -> Decimal:
    """What installment `number` of a loan of `principal` under `product` asks for."""
    line = build_schedule(
        principal=principal,
        currency=product["currency_code"],
        method=product["interest_method"],
        period_rate_percent=product["period_rate_percent"],
        installments=product["installments"],
        frequency=product["installment_frequency"],
        disbursed_on=date(2024, 1, 1),
    )[number - 1]
    return line.total_due


async def cycle_band(
    session: AsyncSession,
    product: dict[str, Any],
    first_cycle: int,
    last_cycle: int | None,
    min_principal: int,
    max_principal: int,
) -> None:
    """The product serves cycles first_cycle..last_cycle (None: and later), lending that much."""
    await session.execute(
        insert(LoanProductCycle).values(
            id=uuid7(),
            programme_id=product["programme_id"],
            product_id=product["id"],
            first_cycle=first_cycle,
            last_cycle=last_cycle,
            min_principal=Decimal(min_principal),
            max_principal=Decimal(max_principal),
        )
    )
