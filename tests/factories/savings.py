"""Savings accounts with their transactions; the balance follows the transactions."""

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import SavingsAccount, SavingsTransaction
from domain.enums import SavingsKind, SavingsTransactionKind
from domain.ids import uuid7


def ascending_ids(n: int) -> list[uuid.UUID]:
    """UUIDv7s in increasing order: keyset pages then list them in this order."""
    base = secrets.randbits(60)
    return [uuid7(rand=base + i) for i in range(n)]


@dataclass(frozen=True, slots=True)
class Movement:
    occurred_on: date
    kind: SavingsTransactionKind
    amount: Decimal
    recorded_by_id: uuid.UUID | None = None


def deposit(occurred_on: date, amount: int, recorded_by_id: uuid.UUID | None = None) -> Movement:
    return Movement(occurred_on, SavingsTransactionKind.DEPOSIT, Decimal(amount), recorded_by_id)


def withdrawal(occurred_on: date, amount: int, recorded_by_id: uuid.UUID | None = None) -> Movement:
    return Movement(occurred_on, SavingsTransactionKind.WITHDRAWAL, Decimal(amount), recorded_by_id)


async def account(
    session: AsyncSession,
    programme: dict[str, Any],
    member: dict[str, Any],
    *,
    kind: SavingsKind = SavingsKind.COMPULSORY,
    movements: Sequence[Movement] = (),
    **overrides: Any,
) -> dict[str, Any]:
    """An account in the programme's currency; returns its columns plus "transactions"."""
    values: dict[str, Any] = {
        "id": uuid7(),
        "programme_id": programme["id"],
        "member_id": member["id"],
        "kind": kind,
        "currency_code": programme["currency_code"],
        "opened_on": member["joined_on"],
        "closed_on": None,
        "balance": Decimal(0),
    }
    values.update(overrides)
    rows: list[dict[str, Any]] = []
    balance = Decimal(0)
    ordered = sorted(movements, key=lambda m: m.occurred_on)
    for transaction_id, m in zip(ascending_ids(len(ordered)), ordered, strict=True):
        balance += -m.amount if m.kind is SavingsTransactionKind.WITHDRAWAL else m.amount
        if balance < 0:
            raise ValueError("a withdrawal never takes a balance below zero")
        rows.append(
            {
                "id": transaction_id,
                "programme_id": programme["id"],
                "account_id": values["id"],
                "kind": m.kind,
                "occurred_on": m.occurred_on,
                "amount": m.amount,
                "balance_after": balance,
                "recorded_by_id": m.recorded_by_id,
            }
        )
    values["balance"] = balance
    await session.execute(insert(SavingsAccount).values(**values))
    if rows:
        await session.execute(insert(SavingsTransaction).values(rows))
    values["transactions"] = rows
    return values
