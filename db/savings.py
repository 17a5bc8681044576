"""Members' savings accounts and their transactions: scoped reads."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select

from domain.enums import SavingsKind

from .models import SavingsAccount, SavingsTransaction
from .network import in_programmes
from .pagination import Listing
from .scope import Scope

accounts = SavingsAccount.__table__
transactions = SavingsTransaction.__table__


@dataclass(frozen=True, slots=True)
class SavingsAccountFilter:
    programme_codes: tuple[str, ...] | None = None
    kinds: tuple[SavingsKind, ...] | None = None
    # In each account's own currency.
    min_balance: Decimal | None = None


def _accounts(scope: Scope, f: SavingsAccountFilter | None) -> Select[Any]:
    stmt = select(accounts).where(scope.where(accounts.c.programme_id))
    if f is None:
        return stmt
    if f.programme_codes is not None:
        stmt = stmt.where(in_programmes(accounts.c.programme_id, f.programme_codes))
    if f.kinds is not None:
        stmt = stmt.where(accounts.c.kind.in_(f.kinds))
    if f.min_balance is not None:
        stmt = stmt.where(accounts.c.balance >= f.min_balance)
    return stmt


def _transactions(scope: Scope, _: None) -> Select[Any]:
    # Transactions carry no currency of their own: it is their account's.
    return (
        select(transactions, accounts.c.currency_code)
        .select_from(transactions.join(accounts, accounts.c.id == transactions.c.account_id))
        .where(scope.where(transactions.c.programme_id))
    )


SAVINGS_ACCOUNTS = Listing(_accounts, accounts.c.id)
SAVINGS_TRANSACTIONS: Listing[None] = Listing(_transactions, transactions.c.id)
