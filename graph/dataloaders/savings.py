import uuid
from dataclasses import dataclass

from sqlalchemy.engine import RowMapping
from strawberry.dataloader import DataLoader

from db import savings
from db.engine import Database
from db.pagination import Page
from db.scope import Scope

from .base import CountKey, PageKey, all_by, counts_by, pages_by, rows_by_id


@dataclass(frozen=True, slots=True)
class SavingsLoaders:
    savings_account_by_id: DataLoader[uuid.UUID, RowMapping | None]
    savings_accounts_page_by_programme: DataLoader[PageKey, Page]
    savings_accounts_count_by_programme: DataLoader[CountKey, int]
    savings_accounts_by_member: DataLoader[uuid.UUID, list[RowMapping]]
    savings_transaction_by_id: DataLoader[uuid.UUID, RowMapping | None]
    savings_transactions_page_by_account: DataLoader[PageKey, Page]
    savings_transactions_count_by_account: DataLoader[CountKey, int]


def build(db: Database, scope: Scope) -> SavingsLoaders:
    a = savings.accounts.c
    t = savings.transactions.c
    return SavingsLoaders(
        savings_account_by_id=rows_by_id(db, scope, savings.SAVINGS_ACCOUNTS),
        savings_accounts_page_by_programme=pages_by(
            db, scope, savings.SAVINGS_ACCOUNTS, a.programme_id
        ),
        savings_accounts_count_by_programme=counts_by(
            db, scope, savings.SAVINGS_ACCOUNTS, a.programme_id
        ),
        savings_accounts_by_member=all_by(db, scope, savings.SAVINGS_ACCOUNTS, a.member_id),
        savings_transaction_by_id=rows_by_id(db, scope, savings.SAVINGS_TRANSACTIONS),
        savings_transactions_page_by_account=pages_by(
            db, scope, savings.SAVINGS_TRANSACTIONS, t.account_id
        ),
        savings_transactions_count_by_account=counts_by(
            db, scope, savings.SAVINGS_TRANSACTIONS, t.account_id
        ),
    )
